//! The registry of what commands measured: one `Series` per (operation, namespace, set), found
//! on the hot path through a per-thread cache so that recording takes no lock and allocates
//! nothing; the global map is only locked the first time a thread meets a series.
//!
//! Label cardinality is bounded: operation names are the client's own `&'static str`s, and
//! namespaces and sets are few by the server's design (a namespace holds at most 1023 sets);
//! past `MAX_SERIES` series, new (namespace, set) pairs share an `_other` series. Keys and bin
//! names are never labels.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::histogram::Histogram;

/// `set_metrics_enabled`: on by default, as in the seed project. Off, a command reads this flag
/// and nothing else (no clock, no lookup).
static ENABLED: AtomicBool = AtomicBool::new(true);
/// `set_internal_stage_metrics_enabled`: off by default (it reads the clock four more times).
static STAGES: AtomicBool = AtomicBool::new(false);

pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Relaxed);
}
pub fn stages_enabled() -> bool {
    STAGES.load(Relaxed)
}
pub fn set_stages_enabled(on: bool) {
    STAGES.store(on, Relaxed);
}

/// More series than this and new (namespace, set) pairs are counted under `_other`.
pub const MAX_SERIES: usize = 2048;
/// The label value of the series that overflowing pairs share.
pub const OTHER: &str = "_other";
/// The namespace (or set) label of a batch whose records are in more than one namespace (set).
pub const MIXED: &str = "_mixed";

/// The phases of one command that internal-stage profiling times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Python arguments to a request (GIL held).
    Parse = 0,
    /// From the request being ready to the command starting on the runtime: scheduling and the
    /// `max_concurrent_operations` queue.
    Send = 1,
    /// The command on the network: sending, the server's work, the answer read and decoded.
    Wait = 2,
    /// The answer to Python objects (GIL held).
    Convert = 3,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Parse, Stage::Send, Stage::Wait, Stage::Convert];
    pub fn label(self) -> &'static str {
        ["parse", "send", "wait", "convert"][self as usize]
    }
}

/// One failure class of a series: the result code the exception carries and its class name.
pub struct Failures {
    pub code: i32,
    pub error_type: &'static str,
    pub latency: Histogram,
}

/// Everything measured for one (operation, namespace, set).
pub struct Series {
    pub operation: &'static str,
    pub namespace: Box<str>,
    pub set: Box<str>,
    pub ok: Histogram,
    /// Rare next to successes, so a lock is fine; each failure class keeps its own latency.
    pub failures: Mutex<Vec<Failures>>,
    pub timeouts: AtomicU64,
    /// Re-sends after the first attempt, of commands that failed in the end (the crate reports
    /// the attempts a command made only with its error).
    pub retries: AtomicU64,
    /// Records a batch or a scan/query carried (0 for single-record commands).
    pub records: AtomicU64,
    pub stages: [Histogram; 4],
}

impl Series {
    fn new(operation: &'static str, namespace: &str, set: &str) -> Self {
        Series {
            operation,
            namespace: namespace.into(),
            set: set.into(),
            ok: Histogram::default(),
            failures: Mutex::new(Vec::new()),
            timeouts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            records: AtomicU64::new(0),
            stages: Default::default(),
        }
    }

    pub fn success(&self, elapsed: Duration) {
        self.ok.observe(elapsed);
    }

    /// A failed command: its latency under its class, and the timeout count when it timed out.
    pub fn failure(&self, elapsed: Duration, code: i32, error_type: &'static str, timeout: bool) {
        if timeout {
            self.timeouts.fetch_add(1, Relaxed);
        }
        let Ok(mut failures) = self.failures.lock() else { return };
        match failures.iter().find(|f| f.code == code && f.error_type == error_type) {
            Some(f) => f.latency.observe(elapsed),
            None => {
                let f = Failures { code, error_type, latency: Histogram::default() };
                f.latency.observe(elapsed);
                failures.push(f);
            }
        }
    }

    pub fn add_retries(&self, n: u64) {
        if n > 0 {
            self.retries.fetch_add(n, Relaxed);
        }
    }

    pub fn add_records(&self, n: u64) {
        self.records.fetch_add(n, Relaxed);
    }

    pub fn stage(&self, stage: Stage, elapsed: Duration) {
        self.stages[stage as usize].observe(elapsed);
    }
}

/// The namespace and set labels of a command on many records (a batch): theirs when every
/// record shares them, else `MIXED` for the one that differs. Bounded like any other label: a
/// batch over many sets adds one `_mixed` series, not one per set.
#[derive(Debug, Default)]
pub struct CommonLabels {
    first: Option<(String, String)>,
    mixed_namespace: bool,
    mixed_set: bool,
}

impl CommonLabels {
    /// One more record's namespace and set (a comparison; allocates only for the first).
    pub fn add(&mut self, namespace: &str, set: &str) {
        match &self.first {
            None => self.first = Some((namespace.to_owned(), set.to_owned())),
            Some((n, s)) => {
                self.mixed_namespace |= n != namespace;
                self.mixed_set |= s != set;
            }
        }
    }

    /// The labels: empty for no record at all.
    pub fn labels(self) -> (String, String) {
        let Some((namespace, set)) = self.first else { return Default::default() };
        let namespace = if self.mixed_namespace { MIXED.to_owned() } else { namespace };
        let set = if self.mixed_set { MIXED.to_owned() } else { set };
        (namespace, set)
    }
}

#[derive(Default)]
struct Registry {
    by_labels: HashMap<(&'static str, Box<str>, Box<str>), &'static Series>,
    all: Vec<&'static Series>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

thread_local! {
    /// The series this thread met most recently: a command finds its own without a lock.
    static CACHE: RefCell<Vec<&'static Series>> = const { RefCell::new(Vec::new()) };
}
const CACHE_SIZE: usize = 32;

/// The series of `operation` on `namespace`/`set`, created on first use. Series live as long as
/// the process (they are few, see `MAX_SERIES`), so the hot path holds plain references.
pub fn series(operation: &'static str, namespace: &str, set: &str) -> &'static Series {
    let hit = CACHE.with(|cache| {
        let cache = cache.borrow();
        cache.iter().copied().find(|s| s.operation == operation && &*s.namespace == namespace && &*s.set == set)
    });
    if let Some(series) = hit {
        return series;
    }
    let series = global_series(operation, namespace, set);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() == CACHE_SIZE {
            cache.remove(0);
        }
        cache.push(series);
    });
    series
}

fn global_series(operation: &'static str, namespace: &str, set: &str) -> &'static Series {
    let mut registry = match registry().lock() {
        Ok(r) => r,
        Err(poisoned) => poisoned.into_inner(),
    };
    registry.series(operation, namespace, set, MAX_SERIES)
}

impl Registry {
    /// The series of these labels, made on first use; past `cap` series, new (namespace, set)
    /// pairs share the `_other` series of their operation.
    fn series(&mut self, operation: &'static str, namespace: &str, set: &str, cap: usize) -> &'static Series {
        if let Some(series) = self.by_labels.get(&(operation, namespace.into(), set.into())) {
            return series;
        }
        let (namespace, set) = if self.all.len() >= cap { (OTHER, OTHER) } else { (namespace, set) };
        if let Some(series) = self.by_labels.get(&(operation, namespace.into(), set.into())) {
            return series;
        }
        let series: &'static Series = Box::leak(Box::new(Series::new(operation, namespace, set)));
        self.by_labels.insert((operation, namespace.into(), set.into()), series);
        self.all.push(series);
        series
    }
}

/// Every series so far, sorted by labels (for a stable exposition).
pub fn all_series() -> Vec<&'static Series> {
    let mut all = match registry().lock() {
        Ok(r) => r.all.clone(),
        Err(poisoned) => poisoned.into_inner().all.clone(),
    };
    all.sort_by(|a, b| (a.operation, &a.namespace, &a.set).cmp(&(b.operation, &b.namespace, &b.set)));
    all
}

/// Connection-pool figures of one cluster node at scrape time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeStats {
    pub node: String,
    pub address: String,
    pub open: u64,
    pub in_use: u64,
    pub created: u64,
    pub closed: u64,
}

static NODES: OnceLock<fn() -> Vec<NodeStats>> = OnceLock::new();

/// Registers what reads the node figures of the live clients at scrape time (`src/observe.rs`).
pub fn set_node_source(source: fn() -> Vec<NodeStats>) {
    let _ = NODES.set(source);
}

pub fn node_stats() -> Vec<NodeStats> {
    NODES.get().map(|source| source()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_labels_give_the_same_series_from_any_thread() {
        let a = series("get", "obs-ns-a", "s1");
        let b = std::thread::spawn(|| series("get", "obs-ns-a", "s1") as *const Series as usize).join().unwrap_or(0);
        assert_eq!(a as *const Series as usize, b);
        assert!(!std::ptr::eq(a, series("put", "obs-ns-a", "s1")));
        assert!(!std::ptr::eq(a, series("get", "obs-ns-a", "s2")));
    }

    #[test]
    fn failures_are_kept_apart_by_code_and_timeouts_counted() {
        let s = series("get", "obs-ns-f", "");
        s.failure(Duration::from_millis(1), 2, "RecordNotFound", false);
        s.failure(Duration::from_millis(1), 2, "RecordNotFound", false);
        s.failure(Duration::from_millis(1), 9, "AerospikeTimeoutError", true);
        let failures = s.failures.lock().map(|f| f.iter().map(|f| (f.code, f.latency.count())).collect::<Vec<_>>()).unwrap_or_default();
        assert_eq!(failures, vec![(2, 2), (9, 1)]);
        assert_eq!(s.timeouts.load(Relaxed), 1);
    }

    #[test]
    fn a_batch_is_labelled_by_what_its_records_share() {
        let labels = |pairs: &[(&str, &str)]| {
            let mut common = CommonLabels::default();
            for (n, s) in pairs {
                common.add(n, s);
            }
            common.labels()
        };
        let owned = |n: &str, s: &str| (n.to_owned(), s.to_owned());
        assert_eq!(labels(&[]), owned("", ""));
        assert_eq!(labels(&[("test", "a"), ("test", "a")]), owned("test", "a"));
        assert_eq!(labels(&[("test", "a"), ("test", "b"), ("test", "a")]), owned("test", MIXED));
        assert_eq!(labels(&[("test", "a"), ("bar", "a")]), owned(MIXED, "a"));
        assert_eq!(labels(&[("test", "a"), ("bar", "b")]), owned(MIXED, MIXED));
    }

    #[test]
    fn retries_add_up_and_zero_adds_nothing() {
        let s = series("get", "obs-ns-r", "");
        s.add_retries(0);
        s.add_retries(2);
        s.add_retries(3);
        assert_eq!(s.retries.load(Relaxed), 5);
    }

    #[test]
    fn series_past_the_bound_share_the_other_series() {
        // A registry of its own: filling the process's one would turn the series other tests
        // make meanwhile (they run in parallel) into `_other`.
        let mut registry = Registry::default();
        let cap = 16;
        for i in 0..cap {
            registry.series("fill", &format!("ns{i}"), "", cap);
        }
        let a = registry.series("fill", "yet-another-namespace", "x", cap);
        let b = registry.series("fill", "and-one-more", "y", cap);
        assert!(std::ptr::eq(a, b));
        assert_eq!(&*a.namespace, OTHER);
        assert_eq!(&*a.set, OTHER);
        assert!(!std::ptr::eq(a, registry.series("fill", "ns3", "", cap)), "series made before the bound keep their labels");
    }
}
