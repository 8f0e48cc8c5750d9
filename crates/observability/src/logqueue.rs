//! The bounded queue between whoever logs (tokio workers, the crate's tend task, any thread) and
//! the one thread that hands records to Python's `logging`. Pushing never blocks and never takes
//! the GIL: when the queue is full the record is counted as dropped instead (`dropped_log_count`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A log record on its way to Python. `level` is the `log` crate's (1 error ... 5 trace).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub level: u8,
    pub target: String,
    pub message: String,
}

pub struct LogQueue {
    tx: SyncSender<Record>,
    rx: Mutex<Option<Receiver<Record>>>,
    dropped: AtomicU64,
    /// Pushed and not yet delivered: what `flush` waits for.
    pending: AtomicU64,
}

impl LogQueue {
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = sync_channel(capacity);
        LogQueue { tx, rx: Mutex::new(Some(rx)), dropped: AtomicU64::new(0), pending: AtomicU64::new(0) }
    }

    /// Queues `record`, or counts it as dropped when the queue is full or nobody drains it.
    pub fn push(&self, record: Record) -> bool {
        self.pending.fetch_add(1, Relaxed);
        match self.tx.try_send(record) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Relaxed);
                self.dropped.fetch_add(1, Relaxed);
                false
            }
        }
    }

    /// The receiving end, once: for the delivering thread.
    pub fn take_receiver(&self) -> Option<Receiver<Record>> {
        self.rx.lock().ok()?.take()
    }

    /// A record taken off the queue was delivered (or given up on, see `count_dropped`).
    pub fn delivered(&self) {
        self.pending.fetch_sub(1, Relaxed);
    }

    /// A record that could not be delivered (Python is finalizing).
    pub fn count_dropped(&self) {
        self.dropped.fetch_add(1, Relaxed);
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }

    /// Waits until every record pushed so far is delivered; false if `timeout` passed first.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.pending.load(Relaxed) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u8) -> Record {
        Record { level: 2, target: "t".into(), message: format!("m{n}") }
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_blocking() {
        let q = LogQueue::new(2);
        assert!(q.push(record(1)));
        assert!(q.push(record(2)));
        assert!(!q.push(record(3)));
        assert_eq!(q.dropped(), 1);
        let rx = q.take_receiver().unwrap_or_else(|| panic!("receiver taken twice"));
        assert!(q.take_receiver().is_none());
        assert!(!q.flush(Duration::from_millis(5)), "two records are still pending");
        for want in [record(1), record(2)] {
            assert_eq!(rx.try_recv().ok(), Some(want));
            q.delivered();
        }
        assert!(q.flush(Duration::from_millis(5)));
    }
}
