//! Running a batch read: keys grouped by the node that holds their partition, sent as
//! sub-batches a few at a time, answers packed as they arrive, failed groups retried on the
//! next replica as the crate retries them, and the rows put back in the caller's order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::{BatchPolicy, Key, Replica};
use columnar::packed::PackedRows;

use crate::batch_answer::GroupAnswer;
use crate::batch_request::ReadRequest;
use crate::cluster::{read_frame, send_command, Cluster, CommandTimes, Routing};
use crate::connections::{Dialer, NodeConnections};
use crate::partitions::partition_of;
use crate::{Error, NO_RESPONSE};

/// Big batches go as sub-batches of this many keys: a server works one batch request on one
/// thread, so several smaller requests in flight keep more of it busy (and the client decodes
/// one answer while the server works on the next). Measured against the local server, 100k
/// keys: one request 0.60 s; sub-batches of 2.5k-5k keys, 2-4 in flight, 0.42-0.46 s; 8 in
/// flight of 12.5k, 0.68 s.
pub const SUB_BATCH_KEYS: usize = 4096;
/// Sub-batches in flight at once.
pub const SUB_BATCHES_IN_FLIGHT: usize = 4;

/// What a read came to.
pub enum Read {
    /// One row per key, in the keys' order.
    Rows(PackedRows),
    /// The read needs what only the crate does (see the crate's docs): run it there.
    ByTheCrate,
}

impl Cluster {
    /// Reads `keys` as `request` says, under `policy`'s replica, retries and timeouts.
    pub async fn batch_read(&self, keys: Arc<Vec<Key>>, request: Arc<ReadRequest>, policy: &BatchPolicy) -> Result<Read, Error> {
        let base = &policy.base_policy;
        if !matches!(base.replica, Replica::Master | Replica::Sequence) {
            return Ok(Read::ByTheCrate);
        }
        if keys.is_empty() {
            return Ok(Read::Rows(PackedRows::default()));
        }
        let total = base.total_timeout;
        let run = async {
            let Some(routing) = self.routing().await? else { return Ok(Read::ByTheCrate) };
            // Every key must be routable before anything is sent: the crate reads the rest.
            for key in keys.iter() {
                if routing.readable(key.namespace(), partition_of(&key.digest())).is_none() {
                    return Ok(Read::ByTheCrate);
                }
            }
            self.attempts(keys.clone(), request, policy, routing).await.map(Read::Rows)
        };
        if total == 0 {
            return run.await;
        }
        match tokio::time::timeout(Duration::from_millis(u64::from(total)), run).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Timeout { total_timeout_ms: total, attempts: 0, cause: None }),
        }
    }

    async fn attempts(&self, keys: Arc<Vec<Key>>, request: Arc<ReadRequest>, policy: &BatchPolicy, mut routing: Arc<Routing>) -> Result<PackedRows, Error> {
        let base = &policy.base_policy;
        let CommandTimes { deadline, socket_timeout, .. } = CommandTimes::of(base);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut pending: Vec<u32> = (0..keys.len() as u32).collect();
        let mut answered: Vec<(PackedRows, Vec<u32>)> = Vec::new();
        let mut sleep = Duration::from_millis(u64::from(base.sleep_between_retries));
        let mut attempt = 0usize;
        loop {
            let groups = route(&routing, &keys, &pending, base.replica, attempt);
            let (done, failed, failure) = self.run_groups(&routing, &keys, &request, groups, socket_timeout, deadline, now).await?;
            answered.extend(done);
            let Some(failure) = failure else { break };
            pending = failed;
            attempt += 1;
            if attempt > base.max_retries {
                return Err(Error::MaxRetries { attempts: attempt, cause: Box::new(failure) });
            }
            if !sleep.is_zero() {
                tokio::time::sleep(sleep).await;
                sleep = sleep.mul_f64(base.sleep_multiplier.max(1.0));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::Timeout { total_timeout_ms: base.total_timeout, attempts: attempt, cause: Some(Box::new(failure)) });
            }
            // A node that failed may be gone: route the retry by the crate's newest view.
            if let Ok(Some(newer)) = self.routing().await {
                routing = newer;
            }
        }
        Ok(in_request_order(&keys, answered))
    }

    /// Runs every group, a few at a time; returns the answers, the rows of groups that failed
    /// in a way a retry may cure, and the last such failure. A bad answer fails the read.
    #[allow(clippy::too_many_arguments)]
    async fn run_groups(
        &self,
        routing: &Arc<Routing>,
        keys: &Arc<Vec<Key>>,
        request: &Arc<ReadRequest>,
        groups: Vec<(usize, Vec<u32>)>,
        socket_timeout: Option<Duration>,
        deadline: Option<Instant>,
        now: u64,
    ) -> Result<(Vec<(PackedRows, Vec<u32>)>, Vec<u32>, Option<Error>), Error> {
        let mut done = Vec::with_capacity(groups.len());
        let mut failed = Vec::new();
        let mut failure = None;
        if let [(node, rows)] = groups.as_slice() {
            // One group (most batches): read it on this task, nothing to overlap.
            let Some(connections) = routing.nodes.get(*node) else { return Ok((done, failed, failure)) };
            let outcome = read_group(connections, &self.dialer, keys, request, rows, socket_timeout, deadline, now).await;
            settle(outcome, rows, &mut done, &mut failed, &mut failure)?;
            return Ok((done, failed, failure));
        }
        let mut tasks = tokio::task::JoinSet::new();
        let mut groups = groups.into_iter();
        loop {
            while tasks.len() < SUB_BATCHES_IN_FLIGHT {
                let Some((node, rows)) = groups.next() else { break };
                let Some(connections) = routing.nodes.get(node).cloned() else { continue };
                let (dialer, keys, request) = (self.dialer.clone(), keys.clone(), request.clone());
                tasks.spawn(async move {
                    let outcome = read_group(&connections, &dialer, &keys, &request, &rows, socket_timeout, deadline, now).await;
                    (rows, outcome)
                });
            }
            let Some(joined) = tasks.join_next().await else { break };
            let (rows, outcome) = joined.map_err(|e| Error::BadAnswer { node: String::new(), message: format!("a batch task failed: {e}") })?;
            settle(outcome, &rows, &mut done, &mut failed, &mut failure)?;
        }
        Ok((done, failed, failure))
    }
}

/// A group's outcome into the attempt's answers, or its rows into the retry (a network failure,
/// which a retry may cure); any other failure fails the read.
fn settle(outcome: Result<(PackedRows, Vec<u32>), Error>, rows: &[u32], done: &mut Vec<(PackedRows, Vec<u32>)>, failed: &mut Vec<u32>, failure: &mut Option<Error>) -> Result<(), Error> {
    match outcome {
        Ok(answer) => done.push(answer),
        Err(e @ Error::Network { .. }) => {
            failed.extend_from_slice(rows);
            *failure = Some(e);
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The rows grouped by node for attempt `attempt` (`Master`: always the master; `Sequence`:
/// replica `attempt` first), each node's rows in sub-batches of at most `SUB_BATCH_KEYS`.
fn route(routing: &Routing, keys: &[Key], rows: &[u32], replica: Replica, attempt: usize) -> Vec<(usize, Vec<u32>)> {
    let mut by_node: Vec<Vec<u32>> = vec![Vec::new(); routing.nodes.len()];
    for &row in rows {
        let key = &keys[row as usize];
        let partition = partition_of(&key.digest());
        let node = routing.map.namespace(key.namespace()).and_then(|ns| match replica {
            Replica::Sequence => ns.node_for(partition, attempt),
            _ => ns.master_of(partition),
        });
        // Checked routable before the first attempt, against the same kind of map.
        if let Some(list) = node.and_then(|n| by_node.get_mut(n)) {
            list.push(row);
        }
    }
    let mut groups = Vec::new();
    for (node, rows) in by_node.into_iter().enumerate() {
        for chunk in rows.chunks(SUB_BATCH_KEYS) {
            groups.push((node, chunk.to_vec()));
        }
    }
    groups
}

/// Every group's rows in one `PackedRows`, in the keys' order; a key no answer named is a row
/// with `NO_RESPONSE`, as the crate leaves it.
fn in_request_order(keys: &[Key], answered: Vec<(PackedRows, Vec<u32>)>) -> PackedRows {
    let mut parts = answered.into_iter();
    let (mut rows, mut order) = parts.next().unwrap_or_default();
    for (part, part_order) in parts {
        rows.append(part);
        order.extend(part_order);
    }
    if order.len() < keys.len() {
        let mut seen = vec![false; keys.len()];
        for &at in &order {
            if let Some(s) = seen.get_mut(at as usize) {
                *s = true;
            }
        }
        for (at, key) in keys.iter().enumerate().filter(|(at, _)| !seen[*at]) {
            rows.push(Some(key), NO_RESPONSE, None, false);
            order.push(at as u32);
        }
    }
    rows.sort_rows_by(&order);
    rows
}

/// One sub-batch on one node: a connection, the request, the answer read to its end.
#[allow(clippy::too_many_arguments)]
async fn read_group(
    node: &NodeConnections,
    dialer: &Dialer,
    keys: &[Key],
    request: &ReadRequest,
    rows: &[u32],
    socket_timeout: Option<Duration>,
    deadline: Option<Instant>,
    now: u64,
) -> Result<(PackedRows, Vec<u32>), Error> {
    let network = |message: String| Error::Network { node: node.name.clone(), message };
    let frame = request.encode(rows.iter().map(|&i| &keys[i as usize]));
    let mut checkout = send_command(node, dialer, &frame, socket_timeout, deadline, "the batch").await?;
    let stream = checkout.stream().map_err(|e| network(e.to_string()))?;
    let mut answer = GroupAnswer::new(keys, rows, now);
    let mut body = Vec::new();
    loop {
        read_frame(stream, socket_timeout, &mut body, &node.name).await?;
        if answer.take_body(&body).map_err(|e| Error::BadAnswer { node: node.name.clone(), message: e.to_string() })? {
            break;
        }
    }
    checkout.give_back();
    Ok((answer.rows, answer.order))
}
