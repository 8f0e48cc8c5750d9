//! Running a scan on the client's own connections: each node is asked for the partitions it
//! holds (one request per node, a few nodes at a time), its records are packed as they arrive
//! and handed to the consumer in chunks through a bounded channel (the server waits while the
//! consumer does), and partitions a node could not serve or did not finish are asked again of
//! the next replica in another round, as the crate's partition tracker does. The consumer keeps
//! the resume cursor: each partition's last record it took.
//!
//! A round's partitions are marked done as they are assigned and marked again for retry when a
//! node says it cannot serve one or its connection fails, so a retry round reads only what is
//! missing, each partition after its last record (as the Java client's tracker does).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::query::{PartitionFilter, PartitionStatus};
use aerospike::{QueryPolicy, Replica};
use columnar::packed::PackedRows;
use tokio::sync::mpsc;

use crate::cluster::{read_frame, send_command, Cluster, CommandTimes, Routing};
use crate::connections::{Dialer, NodeConnections};
use crate::partitions::{partition_of, PARTITIONS};
use crate::scan_answer::{NodeAnswer, Step};
use crate::scan_request::ScanRequest;
use crate::Error;

/// Records a node hands over at once: big enough that the channel is not the cost, small
/// enough that a stream's memory stays near its batch size.
pub const CHUNK_ROWS: usize = 4096;

/// Which partitions a scan reads: `count` from `begin`, the first after `digest` if given.
#[derive(Debug, Clone, Copy)]
pub struct PartitionRange {
    pub begin: usize,
    pub count: usize,
    pub digest: Option<[u8; 20]>,
}

/// What starting a scan came to.
pub enum Started {
    Running(Scan),
    /// The scan needs what only the crate does (a namespace it cannot route, strong
    /// consistency, a replica policy other than MASTER/SEQUENCE): run it there.
    ByTheCrate,
}

enum Delivery {
    Rows(PackedRows),
    Done,
    Failed(Error),
}

/// A running scan: its chunks as they come, and the cursor of what the consumer took.
pub struct Scan {
    chunks: mpsc::Receiver<Delivery>,
    coordinator: tokio::task::JoinHandle<()>,
    /// Rows of a chunk not yet taken.
    leftover: PackedRows,
    range: PartitionRange,
    /// The last digest taken of each partition of the range (by offset from `begin`).
    taken: Vec<Option<[u8; 20]>>,
    finished: bool,
}

impl Drop for Scan {
    fn drop(&mut self) {
        // Aborting the coordinator drops its node tasks, whose connections close: the nodes
        // stop sending.
        self.coordinator.abort();
    }
}

impl Scan {
    /// Moves up to `max` rows into `rows`, waiting for a chunk if none is left; 0 at the end.
    pub async fn take(&mut self, rows: &mut PackedRows, max: usize) -> Result<usize, Error> {
        while self.leftover.is_empty() && !self.finished {
            match self.chunks.recv().await {
                Some(Delivery::Rows(chunk)) => self.leftover = chunk,
                Some(Delivery::Done) => self.finished = true,
                Some(Delivery::Failed(e)) => return Err(e),
                None => return Err(Error::BadAnswer { node: String::new(), message: "the scan stopped without an end".into() }),
            }
        }
        let n = max.min(self.leftover.len());
        for row in &self.leftover.rows()[..n] {
            if let Some(slot) = partition_of(&row.digest).checked_sub(self.range.begin).and_then(|at| self.taken.get_mut(at)) {
                *slot = Some(row.digest);
            }
        }
        // Copied once into the caller's buffer, which it keeps from batch to batch.
        rows.append_front_of(&mut self.leftover, n);
        Ok(n)
    }

    /// True once every record was taken.
    pub fn is_finished(&self) -> bool {
        self.finished && self.leftover.is_empty()
    }

    /// The resume cursor, in the crate's form: each partition after the last record taken of
    /// it. Resumed without `max_records`, every partition is asked again after its digest, so
    /// nothing taken is read twice and nothing untaken is lost. Done once everything was taken.
    pub fn cursor(&self) -> PartitionFilter {
        let mut filter = PartitionFilter::by_range(self.range.begin, self.range.count);
        filter.digest = self.range.digest;
        let statuses = self
            .taken
            .iter()
            .enumerate()
            .map(|(offset, digest)| {
                let mut status = PartitionStatus::new(self.range.begin + offset);
                status.digest = digest.or(if offset == 0 { self.range.digest } else { None });
                status.retry = !self.is_finished();
                parking_lot::Mutex::new(status)
            })
            .collect();
        filter.partitions = Some(Arc::new(statuses));
        if self.is_finished() {
            mark_done(&mut filter);
        }
        filter
    }
}

/// `filter` marked done (the crate sets that flag only itself, or from its serialized form).
fn mark_done(filter: &mut PartitionFilter) {
    let parts: Vec<serde_json::Value> = filter
        .partitions
        .as_ref()
        .map(|p| p.iter().map(|s| s.lock()).map(|s| serde_json::json!({"id": s.id, "retry": false, "bval": s.bval, "digest": s.digest})).collect())
        .unwrap_or_default();
    let repr = serde_json::json!({"begin": filter.begin, "count": filter.count, "digest": filter.digest, "done": true, "partitions": parts});
    if let Ok(done) = serde_json::from_value::<PartitionFilter>(repr) {
        *filter = done;
    }
}

/// What a scan's rounds need from the policy.
#[derive(Clone)]
struct Settings {
    replica: Replica,
    max_retries: usize,
    sleep_between_retries: Duration,
    sleep_multiplier: f64,
    times: CommandTimes,
    max_concurrent_nodes: usize,
}

impl Cluster {
    /// Starts `request` over `range` under `policy`: nodes are asked at once (up to
    /// `max_concurrent_nodes`), and about `queue_rows` records wait for the consumer (whole
    /// chunks, at least one) before the nodes' answers wait in the sockets. The scan's tasks run
    /// on `runtime`: a multi-threaded one decodes while the consumer builds its columns.
    pub async fn scan(self: &Arc<Self>, request: ScanRequest, range: PartitionRange, policy: &QueryPolicy, queue_rows: usize, runtime: &tokio::runtime::Handle) -> Result<Started, Error> {
        let base = &policy.base_policy;
        if !matches!(base.replica, Replica::Master | Replica::Sequence) || range.count == 0 || range.begin + range.count > PARTITIONS {
            return Ok(Started::ByTheCrate);
        }
        let Some(routing) = self.routing().await? else { return Ok(Started::ByTheCrate) };
        match routing.map.namespace(&request.namespace) {
            Some(ns) if !ns.strong_consistency && (range.begin..range.begin + range.count).all(|p| ns.master_of(p).is_some()) => {}
            _ => return Ok(Started::ByTheCrate),
        }
        let settings = Settings {
            replica: base.replica,
            max_retries: base.max_retries,
            sleep_between_retries: Duration::from_millis(u64::from(base.sleep_between_retries)),
            sleep_multiplier: base.sleep_multiplier.max(1.0),
            times: CommandTimes::of(base),
            max_concurrent_nodes: policy.max_concurrent_nodes,
        };
        let depth = queue_rows.div_ceil(CHUNK_ROWS).max(1);
        let (tx, rx) = mpsc::channel(depth);
        let cluster = self.clone();
        let coordinator = runtime.spawn(async move {
            let outcome = cluster.rounds(Arc::new(request), range, settings, routing, &tx).await;
            let _ = tx.send(match outcome {
                Ok(()) => Delivery::Done,
                Err(e) => Delivery::Failed(e),
            })
            .await;
        });
        Ok(Started::Running(Scan { chunks: rx, coordinator, leftover: PackedRows::default(), range, taken: vec![None; range.count], finished: false }))
    }

    async fn rounds(&self, request: Arc<ScanRequest>, range: PartitionRange, settings: Settings, mut routing: Arc<Routing>, tx: &mpsc::Sender<Delivery>) -> Result<(), Error> {
        let task_id = task_id();
        // Per partition of the range: still to read, after which digest, and which replica next.
        let mut pending = vec![true; range.count];
        let mut after: Vec<Option<[u8; 20]>> = vec![None; range.count];
        after[0] = range.digest;
        let mut sequence = vec![0usize; range.count];
        let mut sleep = settings.sleep_between_retries;
        let mut attempt = 0usize;
        loop {
            let groups = assign(&routing, &request.namespace, &range, &mut pending, &after, &sequence, settings.replica);
            let outcomes = self.run_nodes(&routing, &request, task_id, groups, &settings, tx).await;
            let mut failure = None;
            for outcome in outcomes {
                for (partition, digest) in outcome.last_digests {
                    if let Some(slot) = partition.checked_sub(range.begin).and_then(|at| after.get_mut(at)) {
                        *slot = Some(digest);
                    }
                }
                let unfinished: Vec<usize> = match &outcome.error {
                    // The node failed: what it did not say it finished is asked again.
                    Some(_) => {
                        let done: std::collections::HashSet<u16> = outcome.done.iter().copied().collect();
                        outcome.partitions.iter().copied().filter(|p| !done.contains(&(*p as u16))).collect()
                    }
                    None => outcome.unavailable.iter().map(|&p| usize::from(p)).collect(),
                };
                for partition in unfinished {
                    if let Some(at) = partition.checked_sub(range.begin).filter(|at| *at < range.count) {
                        pending[at] = true;
                        sequence[at] += 1;
                    }
                }
                match outcome.error {
                    Some(e @ Error::Network { .. }) => failure = Some(e),
                    Some(e) => return Err(e),
                    None if !outcome.unavailable.is_empty() && failure.is_none() => {
                        failure = Some(Error::Network { node: outcome.node.clone(), message: format!("{} partitions unavailable", outcome.unavailable.len()) });
                    }
                    None => {}
                }
            }
            let Some(failure) = failure else { return Ok(()) };
            attempt += 1;
            if attempt > settings.max_retries {
                return Err(Error::MaxRetries { attempts: attempt, cause: Box::new(failure) });
            }
            if !sleep.is_zero() {
                tokio::time::sleep(sleep).await;
                sleep = sleep.mul_f64(settings.sleep_multiplier);
            }
            if settings.times.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::Timeout { total_timeout_ms: settings.times.total_timeout_ms, attempts: attempt, cause: Some(Box::new(failure)) });
            }
            if let Ok(Some(newer)) = self.routing().await {
                routing = newer;
            }
        }
    }

    /// One round: every node's request, `max_concurrent_nodes` at a time (0: all at once).
    async fn run_nodes(&self, routing: &Arc<Routing>, request: &Arc<ScanRequest>, task_id: u64, groups: Vec<NodeGroup>, settings: &Settings, tx: &mpsc::Sender<Delivery>) -> Vec<NodeOutcome> {
        let limit = if settings.max_concurrent_nodes == 0 { usize::MAX } else { settings.max_concurrent_nodes };
        let mut outcomes = Vec::with_capacity(groups.len());
        let mut tasks = tokio::task::JoinSet::new();
        let mut groups = groups.into_iter();
        loop {
            while tasks.len() < limit {
                let Some(group) = groups.next() else { break };
                let Some(node) = group.node.and_then(|n| routing.nodes.get(n)).cloned() else {
                    // No replica left for these partitions now: a retry may find one.
                    let message = "no node holds the partitions".to_owned();
                    outcomes.push(NodeOutcome::failed(group, String::new(), Error::Network { node: String::new(), message }));
                    continue;
                };
                let (dialer, request, tx, settings) = (self.dialer.clone(), request.clone(), tx.clone(), settings.clone());
                tasks.spawn(async move { scan_node(&node, &dialer, &request, task_id, group, &settings, &tx).await });
            }
            let Some(joined) = tasks.join_next().await else { break };
            match joined {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) => outcomes.push(NodeOutcome::failed(NodeGroup::default(), String::new(), Error::BadAnswer { node: String::new(), message: format!("a scan task failed: {e}") })),
            }
        }
        outcomes
    }
}

/// A node's share of a round.
#[derive(Default)]
struct NodeGroup {
    node: Option<usize>,
    full: Vec<u16>,
    resumed: Vec<(u16, [u8; 20])>,
}

impl NodeGroup {
    fn partitions(&self) -> Vec<usize> {
        self.full.iter().map(|&p| usize::from(p)).chain(self.resumed.iter().map(|(p, _)| usize::from(*p))).collect()
    }
}

/// What a node's answer came to.
struct NodeOutcome {
    node: String,
    partitions: Vec<usize>,
    done: Vec<u16>,
    unavailable: Vec<u16>,
    /// The last record's digest of each partition the node sent records of.
    last_digests: HashMap<usize, [u8; 20]>,
    error: Option<Error>,
}

impl NodeOutcome {
    fn failed(group: NodeGroup, node: String, error: Error) -> Self {
        Self { node, partitions: group.partitions(), done: Vec::new(), unavailable: Vec::new(), last_digests: HashMap::new(), error: Some(error) }
    }
}

/// The round's partitions by node: `Master` always the master, `Sequence` the replica the
/// partition's retries have reached. Assigned partitions stop being pending.
fn assign(routing: &Routing, namespace: &str, range: &PartitionRange, pending: &mut [bool], after: &[Option<[u8; 20]>], sequence: &[usize], replica: Replica) -> Vec<NodeGroup> {
    let ns = routing.map.namespace(namespace);
    let mut by_node: HashMap<Option<usize>, NodeGroup> = HashMap::new();
    for (at, waiting) in pending.iter_mut().enumerate().filter(|(_, w)| **w) {
        *waiting = false;
        let partition = range.begin + at;
        let node = ns.and_then(|ns| match replica {
            Replica::Sequence => ns.node_for(partition, sequence[at]),
            _ => ns.master_of(partition),
        });
        let group = by_node.entry(node).or_insert_with(|| NodeGroup { node, ..NodeGroup::default() });
        match after[at] {
            Some(digest) => group.resumed.push((partition as u16, digest)),
            None => group.full.push(partition as u16),
        }
    }
    by_node.into_values().collect()
}

/// One node's request, its answer read to the end and handed over in chunks.
async fn scan_node(node: &NodeConnections, dialer: &Dialer, request: &ScanRequest, task_id: u64, group: NodeGroup, settings: &Settings, tx: &mpsc::Sender<Delivery>) -> NodeOutcome {
    let mut outcome = NodeOutcome { node: node.name.clone(), partitions: group.partitions(), done: Vec::new(), unavailable: Vec::new(), last_digests: HashMap::new(), error: None };
    let digests: Vec<[u8; 20]> = group.resumed.iter().map(|(_, d)| *d).collect();
    let frame = request.encode(task_id, &group.full, &digests, settings.times.server_timeout_ms);
    if let Err(e) = read_node(node, dialer, &frame, settings, tx, &mut outcome).await {
        outcome.error = Some(e);
    }
    outcome
}

async fn read_node(node: &NodeConnections, dialer: &Dialer, frame: &[u8], settings: &Settings, tx: &mpsc::Sender<Delivery>, outcome: &mut NodeOutcome) -> Result<(), Error> {
    let network = |message: String| Error::Network { node: node.name.clone(), message };
    let mut checkout = send_command(node, dialer, frame, settings.times.socket_timeout, settings.times.deadline, "the scan").await?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut answer = NodeAnswer::new(now);
    let mut body = Vec::new();
    loop {
        let stream = checkout.stream().map_err(|e| network(e.to_string()))?;
        let read = read_frame(stream, settings.times.socket_timeout, &mut body, &node.name).await;
        // A scan holds its connection to the end: the opening slot is not held that long.
        checkout.answered();
        let step = match read {
            Ok(()) => answer.take_body(&body).map_err(|e| Error::BadAnswer { node: node.name.clone(), message: e.to_string() }),
            Err(e) => Err(e),
        };
        // What was decoded is handed over even when the answer then failed: a retry resumes
        // after it.
        let ended = !matches!(step, Ok(Step::More));
        if answer.rows.len() >= CHUNK_ROWS || ended {
            hand_over(&mut answer, tx, outcome).await?;
        }
        outcome.done.append(&mut answer.done);
        outcome.unavailable.append(&mut answer.unavailable);
        match step? {
            Step::More => {}
            Step::Ended => break,
            Step::Failed(result_code) => return Err(Error::Server { node: node.name.clone(), result_code }),
        }
    }
    checkout.give_back();
    Ok(())
}

/// Sends the decoded rows on, noting each partition's last digest.
async fn hand_over(answer: &mut NodeAnswer, tx: &mpsc::Sender<Delivery>, outcome: &mut NodeOutcome) -> Result<(), Error> {
    if answer.rows.is_empty() {
        return Ok(());
    }
    let rows = std::mem::take(&mut answer.rows);
    for row in rows.rows() {
        outcome.last_digests.insert(partition_of(&row.digest), row.digest);
    }
    // The consumer is gone when the channel is closed: the scan was dropped.
    tx.send(Delivery::Rows(rows)).await.map_err(|_| Error::Network { node: outcome.node.clone(), message: "the scan was closed".into() })
}

/// A query id the nodes have not seen from this client: the clock mixed by a random hasher.
fn task_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish().max(1)
}
