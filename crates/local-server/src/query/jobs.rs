//! Background query jobs: a query whose records are each handed to a [`RecordAction`] on a job
//! thread (write ops, or a record UDF), tracked by id for `query-show` / `query-abort`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::codec::message::{self, field, info2, info3, Field, Message, MsgHeader, Op};
use crate::result_code as rc;
use crate::storage::Digest;
use crate::indexed_store::{Namespace, Store};
use crate::transactions;

use super::request::{Kind, OwnedOp, Query};
use super::run::select_partition;

/// What an action made of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    FilteredOut,
    /// The record went away before the action reached it.
    Gone,
}

/// Applied to each record a background job selects, on the job's thread with no lock held.
pub trait RecordAction: Send {
    fn apply(&mut self, store: &Store, ns: &Arc<Namespace>, digest: &Digest, set: &[u8]) -> Outcome;
}

/// Where a job's writes are admitted: each record's action is a write sub-transaction of the
/// node running the job, which runs only while that node is its partition's master and is
/// copied to the replicas as a client's write is (`cluster::JobWrites` is the cluster's).
pub trait WriteGate: Send + Sync {
    /// Runs `write` on `digest` of `ns` when this node may, then replicates the record:
    /// `Some(outcome)`, or `Some(Failed)` when the node is no longer the partition's master;
    /// `None` when the node is down (the job ends).
    fn run(&self, ns: &Namespace, digest: &Digest, write: &mut dyn FnMut() -> Outcome) -> Option<Outcome>;
}

/// A background job's state and counts.
#[derive(Debug)]
pub struct Job {
    pub id: u64,
    pub kind: Kind,
    pub ns: String,
    pub set: String,
    pub rps: u32,
    pub started: Instant,
    pub finished_ms: AtomicU64,
    pub done: AtomicBool,
    pub abort: AtomicBool,
    pub parts_done: AtomicU32,
    pub parts_total: u32,
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
    pub filtered: AtomicU64,
}

impl Job {
    /// The `query-show` line: colon-separated `key=value` pairs.
    pub fn show(&self) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let aborted = self.abort.load(Ordering::Relaxed);
        let status = match (done, aborted) {
            (true, true) => "done(abandoned-user-aborted)",
            (true, false) => "done(ok)",
            (false, _) => "active(ok)",
        };
        let pct = if self.parts_total == 0 {
            100.0
        } else {
            f64::from(self.parts_done.load(Ordering::Relaxed)) * 100.0 / f64::from(self.parts_total)
        };
        let run_ms = self.started.elapsed().as_millis() as u64;
        let fin = self.finished_ms.load(Ordering::Relaxed);
        let job_type = match self.kind {
            Kind::BackgroundUdf => "background-udf",
            Kind::BackgroundOps => "background-ops",
            _ => "basic",
        };
        format!(
            "trid={}:job-type={job_type}:ns={}:set={}:n-pids-requested={}:rps={}:active-threads={}:status={status}:\
job-progress={pct:.2}:run-time={}:time-since-done={}:recs-throttled=0:recs-filtered-meta=0:recs-filtered-bins={}:\
recs-succeeded={}:recs-failed={}:net-io-bytes=0",
            self.id,
            self.ns,
            if self.set.is_empty() { "NULL" } else { &self.set },
            self.parts_total,
            self.rps,
            u8::from(!done),
            if done { fin } else { run_ms },
            if done { run_ms.saturating_sub(fin) } else { 0 },
            self.filtered.load(Ordering::Relaxed),
            self.succeeded.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// Every job this node ran (finished ones are kept, as the server keeps `query-max-done`).
#[derive(Debug, Default)]
pub struct Jobs {
    map: Mutex<HashMap<u64, Arc<Job>>>,
    /// Foreground queries currently streaming.
    pub foreground_active: AtomicU64,
}

/// Finished jobs remembered.
const MAX_DONE: usize = 100;

impl Jobs {
    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    pub fn all(&self) -> Vec<Arc<Job>> {
        let mut v: Vec<_> = self.map.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by_key(|j| j.started);
        v
    }

    fn insert(&self, job: Arc<Job>) {
        let mut m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_DONE {
            let mut finished: Vec<_> = m.values().filter(|j| j.done.load(Ordering::Relaxed)).map(|j| (j.started, j.id)).collect();
            finished.sort();
            for (_, id) in finished.iter().take(m.len() + 1 - MAX_DONE) {
                m.remove(id);
            }
        }
        m.insert(job.id, job);
    }
}

/// Starts `q` as a background job applying `action` to each selected record, each as a write
/// `gate` admits.
pub fn start(jobs: &Arc<Jobs>, store: Arc<Store>, q: Query, mut action: Box<dyn RecordAction>, gate: Arc<dyn WriteGate>) -> Arc<Job> {
    let id = if q.task_id != 0 { q.task_id } else { crate::expiry::now_unix_ms() };
    let job = Arc::new(Job {
        id,
        kind: q.kind,
        ns: q.ns.name().to_string(),
        set: String::from_utf8_lossy(q.set_bytes()).into_owned(),
        rps: q.rps,
        started: Instant::now(),
        finished_ms: AtomicU64::new(0),
        done: AtomicBool::new(false),
        abort: AtomicBool::new(false),
        parts_done: AtomicU32::new(0),
        parts_total: q.parts.len() as u32,
        succeeded: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        filtered: AtomicU64::new(0),
    });
    jobs.insert(job.clone());
    let j = job.clone();
    let run = move || {
        let started = Instant::now();
        let mut seen = 0u64;
        'parts: for part in &q.parts {
            if j.abort.load(Ordering::Relaxed) {
                break;
            }
            for (d, rec, _) in select_partition(&q, part, 0) {
                let Some(outcome) = gate.run(&q.ns, &d, &mut || action.apply(&store, &q.ns, &d, &rec.set)) else { break 'parts };
                let counter = match outcome {
                    Outcome::Succeeded => &j.succeeded,
                    Outcome::Failed => &j.failed,
                    Outcome::FilteredOut => &j.filtered,
                    Outcome::Gone => continue,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                seen += 1;
                if q.rps > 0 {
                    let due = std::time::Duration::from_secs_f64(seen as f64 / f64::from(q.rps));
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            }
            j.parts_done.fetch_add(1, Ordering::Relaxed);
        }
        j.finished_ms.store(j.started.elapsed().as_millis() as u64, Ordering::Relaxed);
        j.done.store(true, Ordering::Relaxed);
    };
    if let Err(e) = std::thread::Builder::new().name("query-job".into()).spawn(run) {
        // No thread to be had: the job is recorded as failed at once.
        let _ = e;
        job.done.store(true, Ordering::Relaxed);
    }
    job
}

/// A background-ops job: the query's write ops as an update-only operate on each record.
pub struct OpsAction {
    ops: Vec<OwnedOp>,
    header: MsgHeader,
}

impl OpsAction {
    pub fn new(q: &Query) -> Self {
        let mut header = q.header;
        header.info1 = 0;
        header.info2 = info2::WRITE | (q.header.info2 & (info2::DURABLE_DELETE | info2::RESPOND_ALL_OPS));
        // Never create a record the job did not find.
        header.info3 = info3::UPDATE_ONLY;
        header.generation = 0;
        OpsAction { ops: q.ops.clone(), header }
    }
}

impl RecordAction for OpsAction {
    fn apply(&mut self, store: &Store, ns: &Arc<Namespace>, digest: &Digest, set: &[u8]) -> Outcome {
        let mut fields = vec![Field { kind: field::NAMESPACE, data: ns.name().as_bytes() }];
        if !set.is_empty() {
            fields.push(Field { kind: field::SET, data: set });
        }
        fields.push(Field { kind: field::DIGEST, data: digest });
        let ops: Vec<Op<'_>> =
            self.ops.iter().map(|o| Op { op: o.op, particle: o.particle, flags: 0, name: &o.name, value: &o.value }).collect();
        let mut header = self.header;
        header.n_fields = fields.len() as u16;
        header.n_ops = ops.len() as u16;
        let msg = Message { header, fields, ops };
        let frame = transactions::run(store, &transactions::NoUdf, &msg);
        match result_code(&frame) {
            Some(rc::OK) => Outcome::Succeeded,
            Some(rc::FILTERED_OUT) => Outcome::FilteredOut,
            Some(rc::KEY_NOT_FOUND) => Outcome::Gone,
            _ => Outcome::Failed,
        }
    }
}

/// The result code of a response frame.
pub fn result_code(frame: &[u8]) -> Option<u8> {
    let _ = message::MSG_HEADER_SIZE;
    frame.get(crate::codec::proto::HEADER_SIZE + 5).copied()
}
