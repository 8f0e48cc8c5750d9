//! A latency histogram that many threads record into at once with plain atomic adds: no lock, no
//! allocation, one bucket search over a short fixed table.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds: 100 µs to 10 s, a 1-2.5-5 ladder, which
/// covers a local cache hit as well as a batch timing out. They include every bound of the seed
/// project's buckets (1 ms ... 10 s), so its dashboards' `le` values exist here too.
pub const LATENCY_BOUNDS: [f64; 16] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The same bounds in nanoseconds, for the search on the hot path.
const BOUNDS_NS: [u64; 16] = [
    100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
    100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
];

/// Bucket counts (not cumulative; the exposition sums them), one more for +Inf, the count and
/// the sum of the observed durations in nanoseconds.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; 17],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

/// A consistent-enough copy of a histogram for one scrape: cumulative bucket counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Cumulative counts, one per bound of `LATENCY_BOUNDS`, then +Inf.
    pub cumulative: [u64; 17],
    pub count: u64,
    pub sum_seconds: f64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let at = BOUNDS_NS.iter().position(|&bound| ns <= bound).unwrap_or(BOUNDS_NS.len());
        self.buckets[at].fetch_add(1, Relaxed);
        self.sum_ns.fetch_add(ns, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut cumulative = [0u64; 17];
        let mut running = 0;
        for (out, bucket) in cumulative.iter_mut().zip(&self.buckets) {
            running += bucket.load(Relaxed);
            *out = running;
        }
        // The +Inf bucket must equal the count; a scrape racing an observation reads the
        // buckets it summed as the count rather than a count that disagrees with them.
        Snapshot { cumulative, count: running, sum_seconds: self.sum_ns.load(Relaxed) as f64 / 1e9 }
    }

    /// Adds another histogram's counts to a snapshot (summing series for a coarser view).
    pub fn add_to(&self, into: &mut Snapshot) {
        let other = self.snapshot();
        for (a, b) in into.cumulative.iter_mut().zip(other.cumulative) {
            *a += b;
        }
        into.count += other.count;
        into.sum_seconds += other.sum_seconds;
    }
}

impl Snapshot {
    pub fn empty() -> Self {
        Snapshot { cumulative: [0; 17], count: 0, sum_seconds: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_whose_bound_they_do_not_exceed() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(100)); // exactly the first bound: le="0.0001"
        h.observe(Duration::from_micros(101));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(11)); // above 10 s: only +Inf
        let s = h.snapshot();
        assert_eq!(s.cumulative[0], 1);
        assert_eq!(s.cumulative[1], 2);
        assert_eq!(s.cumulative[4], 2, "3 ms is above 2.5 ms");
        assert_eq!(s.cumulative[5], 3);
        assert_eq!(s.cumulative[15], 3);
        assert_eq!(s.cumulative[16], 4);
        assert_eq!(s.count, 4);
        assert!((s.sum_seconds - 11.003201).abs() < 1e-9);
    }

    #[test]
    fn bounds_in_seconds_and_nanoseconds_agree() {
        for (s, ns) in LATENCY_BOUNDS.iter().zip(BOUNDS_NS) {
            assert_eq!((s * 1e9).round() as u64, ns);
        }
    }
}
