//! Reading one record (`get`, `select`, `exists`) on the client's own connections. Through the
//! crate a get cost ~11.6-14 µs of CPU, most of it the crate's command path and its `Value`s
//! (session 7, benches/rust-floor); here the request is built with `wire` as the crate builds it
//! and the answer is decoded by `wire` straight into one row of `columnar`'s packed rows, from
//! which the same Python `Record` is made as from a batch row.
//!
//! It keeps the crate's semantics: the same request bytes (`Buffer::set_read` and its header
//! writer), the replica walk (`Master`, `Sequence`), retries of network failures and of the
//! server answers the crate retries (TIMEOUT, PARTITION_UNAVAILABLE, KEY_BUSY, DEVICE_OVERLOAD),
//! `sleep_between_retries` and its multiplier, the socket and total timeouts. What it does not
//! implement goes back to the crate (`Single::ByTheCrate`): other replica policies, transactions,
//! compression, error detail, strong-consistency namespaces, keys it cannot route.

use std::time::{Duration, Instant};

use aerospike::{Bins, Key, ReadPolicy, Replica};
use columnar::packed::PackedRows;
use wire::message::{self, field, info1, op, MsgHeader, MSG_HEADER_SIZE};
use wire::{particle, proto};

use crate::batch_request::{packed_filter, refuse_what_only_the_crate_does, Unsupported};
use crate::cluster::{checked_header, send_command, timed, Cluster, CommandTimes, MAX_ANSWER_BODY};
use crate::connections::Stream;
use crate::connections::{Dialer, NodeConnections};
use crate::partitions::partition_of;
use crate::Error;

/// What a single-record read came to.
pub enum Single {
    /// The record, as the only row (result code 0, `has_record`), and the attempts it took
    /// (1 when the first answered; the retries are counted in the metrics).
    Row { rows: PackedRows, attempts: usize },
    /// The read needs what only the crate does: run it there.
    ByTheCrate,
}

/// The server answers the crate retries on the next attempt (`is_retriable_server_error`):
/// TIMEOUT, PARTITION_UNAVAILABLE, KEY_BUSY and DEVICE_OVERLOAD.
fn is_retried_answer(result_code: u8) -> bool {
    matches!(result_code, 9 | 11 | 14 | 18)
}

/// The framed read request for `key`, byte for byte what the crate's `Buffer::set_read` sends
/// for these `bins` and this policy: NAMESPACE, SET (when not empty), DIGEST and FILTER_EXP
/// fields; `Bins::All` is READ|GET_ALL without ops, `Bins::Some` READ with one read op per name,
/// `Bins::None` READ|NOBINDATA with one read op of an empty name. The header carries the AP read
/// mode, the read-touch TTL percent as the record TTL and the server timeout; its INFO3 stays 0,
/// as the crate's header writer leaves it (the SC read bits only matter to strong-consistency
/// namespaces, which the crate reads).
pub fn encode_read(key: &Key, bins: &Bins, policy: &ReadPolicy) -> Result<Vec<u8>, Unsupported> {
    let base = &policy.base_policy;
    refuse_what_only_the_crate_does(base)?;
    let filter = packed_filter(base.filter_expression.as_ref())?;
    let mut info1 = info1::READ;
    let names: Vec<&str> = match bins {
        Bins::All => {
            info1 |= info1::GET_ALL;
            Vec::new()
        }
        Bins::None => {
            info1 |= info1::GET_NOBINDATA;
            vec![""]
        }
        Bins::Some(names) => names.iter().map(String::as_str).collect(),
    };
    if base.read_mode_ap == aerospike::ReadModeAp::All {
        info1 |= info1::READ_MODE_AP_ALL;
    }
    let digest = key.digest();
    let mut fields: Vec<(u8, &[u8])> = Vec::with_capacity(4);
    if !key.namespace().is_empty() {
        fields.push((field::NAMESPACE, key.namespace().as_bytes()));
    }
    if !key.set_name().is_empty() {
        fields.push((field::SET, key.set_name().as_bytes()));
    }
    fields.push((field::DIGEST, &digest));
    if let Some(filter) = &filter {
        fields.push((field::FILTER_EXP, filter));
    }
    let ops: Vec<(u8, u8, &[u8], &[u8])> = names.iter().map(|n| (op::READ, 0, n.as_bytes(), &[][..])).collect();
    let server_timeout = crate::cluster::server_timeout_ms(base);
    let header = MsgHeader { header_sz: MSG_HEADER_SIZE, info1, record_ttl: base.read_touch_ttl.into(), transaction_ttl: server_timeout, ..Default::default() };
    Ok(proto::frame(proto::TYPE_MSG, &message::request(header, &fields, &ops)))
}

/// Decodes a read's answer body into one packed row under `key`; a result code other than 0 is
/// `Ok(Err(code))`, for the caller to raise or retry. Bins the server answers with a nil value
/// are left out and so are ops without a name, as the crate's get leaves them out; for
/// `Bins::None` only the metadata is kept.
pub fn decode_answer(key: &Key, body: &[u8], metadata_only: bool, now_unix_secs: u64) -> Result<Result<PackedRows, u8>, wire::DecodeError> {
    let mut message = message::parse(body)?;
    if message.header.result_code != 0 {
        return Ok(Err(message.header.result_code));
    }
    if metadata_only {
        message.ops.clear();
    } else {
        message.ops.retain(|o| !o.name.is_empty() && o.particle != particle::NULL);
    }
    let mut rows = PackedRows::with_capacity(1);
    rows.push_answer(key, &message, now_unix_secs)?;
    Ok(Ok(rows))
}

/// A read whose first attempt, made on the caller's thread (`Cluster::get_blocking`), failed in
/// a way the crate retries: `Cluster::get_after` goes on from there, within the same deadline.
pub struct Resume {
    times: CommandTimes,
    attempts: usize,
    failure: Error,
}

/// The node of `partition` for attempt `attempt` under `replica` (Master or Sequence).
fn node_of(ns: &crate::partitions::NamespaceMap, replica: Replica, partition: usize, attempt: usize) -> Option<usize> {
    match replica {
        Replica::Sequence => ns.node_for(partition, attempt),
        _ => ns.master_of(partition),
    }
}

/// Whether a failed attempt is tried again (a network failure, or an answer the crate retries).
fn is_retried(failure: &Error) -> bool {
    match failure {
        Error::Network { .. } => true,
        Error::Server { result_code, .. } => is_retried_answer(*result_code),
        _ => false,
    }
}

impl Cluster {
    /// Reads the record at `key` as the crate's `Client::get(policy, key, bins)` reads it. A
    /// result code other than 0 (KEY_NOT_FOUND, FILTERED_OUT, ...) is `Error::Server`.
    pub async fn get(&self, key: &Key, bins: &Bins, policy: &ReadPolicy) -> Result<Single, Error> {
        self.get_after(key, bins, policy, None).await
    }

    /// `get`, going on after `resume`'s failed first attempt when there is one.
    pub async fn get_after(&self, key: &Key, bins: &Bins, policy: &ReadPolicy, resume: Option<Resume>) -> Result<Single, Error> {
        let base = &policy.base_policy;
        if !matches!(base.replica, Replica::Master | Replica::Sequence) {
            return Ok(Single::ByTheCrate);
        }
        let Ok(frame) = encode_read(key, bins, policy) else { return Ok(Single::ByTheCrate) };
        let (times, mut attempt, mut failure) = match resume {
            Some(Resume { times, attempts, failure }) => (times, attempts, Some(failure)),
            None => (CommandTimes::of(base), 0, None),
        };
        let (total, deadline) = (times.total_timeout_ms, times.deadline);
        // Fetching the partition map asks the nodes: within the command's deadline too.
        let timed_out = |attempts, cause| Error::Timeout { total_timeout_ms: total, attempts, cause };
        let Some(mut routing) = within(deadline, self.routing()).await.ok_or_else(|| timed_out(attempt, failure.take().map(Box::new)))?? else {
            return Ok(Single::ByTheCrate);
        };
        let partition = partition_of(&key.digest());
        if routing.readable(key.namespace(), partition).is_none() {
            return Ok(Single::ByTheCrate);
        }
        // A socket timeout no shorter than the total one cannot end an I/O before the total
        // deadline does (the defaults: 30 s and 1 s): no timer of its own for each I/O then.
        let socket_timeout = times.socket_timeout.filter(|limit| deadline.is_none() || limit.as_millis() < u128::from(total));
        let metadata_only = matches!(bins, Bins::None);
        let mut sleep = Duration::from_millis(u64::from(base.sleep_between_retries));
        loop {
            if let Some(failure) = failure.take() {
                // `attempt` attempts were made, the last one failed with `failure`.
                if attempt > base.max_retries {
                    return Err(Error::MaxRetries { attempts: attempt, cause: Box::new(failure) });
                }
                if !sleep.is_zero() {
                    if deadline.is_some_and(|d| Instant::now() + sleep > d) {
                        return Err(timed_out(attempt, Some(Box::new(failure))));
                    }
                    tokio::time::sleep(sleep).await;
                    if base.sleep_multiplier > 1.0 && base.sleep_multiplier.is_finite() {
                        sleep = Duration::try_from_secs_f64(sleep.as_secs_f64() * base.sleep_multiplier).unwrap_or(MAX_RETRY_SLEEP).min(MAX_RETRY_SLEEP);
                    }
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(timed_out(attempt, Some(Box::new(failure))));
                }
                // A node that failed may be gone: route the retry by the crate's newest view.
                match within(deadline, self.routing()).await {
                    None => return Err(timed_out(attempt, Some(Box::new(failure)))),
                    Some(Ok(Some(newer))) => routing = newer,
                    Some(_) => {}
                }
            }
            let node = routing.map.namespace(key.namespace()).and_then(|ns| node_of(ns, base.replica, partition, attempt));
            let outcome = match node.and_then(|n| routing.nodes.get(n)) {
                Some(node) => {
                    let read = read_one(node, &self.dialer, key, &frame, metadata_only, socket_timeout, deadline);
                    within(deadline, read).await.unwrap_or_else(|| Err(timed_out(attempt + 1, None)))
                }
                None => Err(Error::Network { node: String::new(), message: format!("no node holds partition {partition} of namespace {:?}", key.namespace()) }),
            };
            attempt += 1;
            match outcome {
                Ok(rows) => return Ok(Single::Row { rows, attempts: attempt }),
                Err(e) if is_retried(&e) => failure = Some(e),
                Err(e) => return Err(e),
            }
        }
    }

    /// The first attempt of `get` made on the calling thread with a blocking connection, for a
    /// sync caller: its thread waits in the kernel for the answer, with no runtime to drive
    /// and no other thread to hand it over (16 threads reading at once through a runtime took
    /// turns driving it). Only what can run there without waiting runs there: a plain
    /// connection without a login, a partition map that is current, a connection free or a
    /// slot to open one; anything else is `Blocking::Elsewhere`, for `get`.
    pub fn get_blocking(&self, key: &Key, bins: &Bins, policy: &ReadPolicy) -> Blocking {
        let base = &policy.base_policy;
        let elsewhere = Blocking::Elsewhere { interrupted: false };
        if self.dialer.tls.is_some() || self.dialer.login.is_some() || !matches!(base.replica, Replica::Master | Replica::Sequence) {
            return elsewhere;
        }
        let Some(routing) = self.current_routing() else { return elsewhere };
        let partition = partition_of(&key.digest());
        let node = routing.readable(key.namespace(), partition).and_then(|ns| node_of(ns, base.replica, partition, 0));
        let Some(node) = node.and_then(|n| routing.nodes.get(n)) else { return elsewhere };
        let Ok(frame) = encode_read(key, bins, policy) else { return elsewhere };
        let times = CommandTimes::of(base);
        match read_one_blocking(node, &self.dialer, key, &frame, matches!(bins, Bins::None), &times) {
            BlockingAttempt::Answered(rows) => Blocking::Done(Ok(rows)),
            BlockingAttempt::Failed(failure) if is_retried(&failure) => Blocking::Retry(Resume { times, attempts: 1, failure }),
            BlockingAttempt::Failed(failure) => Blocking::Done(Err(failure)),
            BlockingAttempt::NotHere { interrupted } => Blocking::Elsewhere { interrupted },
        }
    }
}

/// What a read on the caller's thread (`Cluster::get_blocking`) came to.
pub enum Blocking {
    /// It ended in one attempt: the record (one row), or the error to raise.
    Done(Result<PackedRows, Error>),
    /// Its attempt failed and is tried again: `Cluster::get_after` with this.
    Retry(Resume),
    /// It could not run there; `Cluster::get` runs it. `interrupted`: a signal came while it
    /// waited (its connection is dropped; Python's handlers run before the read is made again).
    Elsewhere { interrupted: bool },
}

/// What a first read of an answer takes in: a record of a few bins in one system call (header
/// and body at once, where reading the header first took two).
const FIRST_READ: usize = 2048;

/// How much of a single-record answer frame (proto header included) the first `have` bytes of
/// `frame` hold: `Ok(None)` all of it, `Ok(Some(want))` not yet (`want` bytes in all, as far as
/// is known). A single-record command has one answer frame and nothing after it, so bytes past
/// it, a frame that is not an AS_MSG or a size past `MAX_ANSWER_BODY` are a bad answer (and the
/// connection is not kept).
fn answer_frame_needs(frame: &[u8], have: usize, node: &str) -> Result<Option<usize>, Error> {
    let Some(Ok(header)) = frame.get(..proto::HEADER_SIZE).filter(|_| have >= proto::HEADER_SIZE).map(<&[u8; proto::HEADER_SIZE]>::try_from) else {
        return Ok(Some(proto::HEADER_SIZE));
    };
    let bad = |message: String| Error::BadAnswer { node: node.to_owned(), message };
    let header = checked_header(header, proto::TYPE_MSG, MAX_ANSWER_BODY, node)?;
    let want = proto::HEADER_SIZE + header.size as usize;
    match have.cmp(&want) {
        std::cmp::Ordering::Less => Ok(Some(want)),
        std::cmp::Ordering::Equal => Ok(None),
        std::cmp::Ordering::Greater => Err(bad(format!("{} bytes after the answer", have - want))),
    }
}

/// Reads one answer frame into `frame`, in as few reads as it arrives in (see
/// `answer_frame_needs`).
async fn read_whole_frame(stream: &mut Stream, socket_timeout: Option<Duration>, frame: &mut Vec<u8>, node: &str) -> Result<(), Error> {
    frame.resize(FIRST_READ, 0);
    let mut have = 0;
    loop {
        let n = timed(socket_timeout, stream.read(&mut frame[have..])).await.map_err(|e| Error::Network { node: node.to_owned(), message: format!("reading the answer: {e}") })?;
        if n == 0 {
            return Err(Error::Network { node: node.to_owned(), message: "reading the answer: the node closed the connection".into() });
        }
        have += n;
        match answer_frame_needs(frame, have, node)? {
            None => {
                frame.truncate(have);
                return Ok(());
            }
            Some(want) if frame.len() < want => frame.resize(want, 0),
            Some(_) => {}
        }
    }
}

/// What one attempt on the caller's thread came to.
enum BlockingAttempt {
    Answered(PackedRows),
    Failed(Error),
    /// No connection without waiting, or a signal came (`interrupted`).
    NotHere { interrupted: bool },
}

/// One attempt on one node with a blocking connection: as `read_one`, the waits bounded by the
/// socket timeout and the total deadline through the socket's read timeout.
fn read_one_blocking(node: &NodeConnections, dialer: &Dialer, key: &Key, request: &[u8], metadata_only: bool, times: &CommandTimes) -> BlockingAttempt {
    let network = |message: String| BlockingAttempt::Failed(Error::Network { node: node.name.clone(), message });
    let timed_out = || BlockingAttempt::Failed(Error::Timeout { total_timeout_ms: times.total_timeout_ms, attempts: 1, cause: None });
    let left = times.deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if left.is_some_and(|l| l.is_zero()) {
        return timed_out();
    }
    let mut checkout = match node.take_blocking(dialer, left) {
        None => return BlockingAttempt::NotHere { interrupted: false },
        Some(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => return BlockingAttempt::NotHere { interrupted: true },
        Some(Err(e)) => return network(format!("cannot connect to {}: {e}", node.address)),
        Some(Ok(checkout)) => checkout,
    };
    let Ok(stream) = checkout.stream() else { return network("the connection was given back".into()) };
    // Each read ends by the socket timeout and by the deadline, whichever comes first.
    let read_limit = || match (times.socket_timeout, times.deadline.map(|d| d.saturating_duration_since(Instant::now()))) {
        (Some(socket), Some(left)) => Some(socket.min(left)),
        (socket, left) => socket.or(left),
    };
    if let Err(e) = stream.limit_reads(read_limit()).and_then(|()| stream.write_all(request)) {
        return network(format!("sending the read: {e}"));
    }
    let mut frame = vec![0u8; FIRST_READ];
    let mut have = 0;
    loop {
        // An answer in several pieces: the next read waits only for what the deadline leaves.
        if have > 0 && times.deadline.is_some() {
            if let Err(e) = stream.limit_reads(read_limit()) {
                return network(format!("reading the answer: {e}"));
            }
        }
        match stream.read(&mut frame[have..]) {
            Ok(0) => return network("reading the answer: the node closed the connection".into()),
            Ok(n) => have += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return BlockingAttempt::NotHere { interrupted: true },
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                // The deadline's own limit may end the read a few ms early (`limit_reads`).
                if times.deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < std::time::Duration::from_millis(5)) {
                    return timed_out();
                }
                let ms = times.socket_timeout.map_or(0, |l| l.as_millis());
                return network(format!("reading the answer: no answer within the socket timeout ({ms} ms)"));
            }
            Err(e) => return network(format!("reading the answer: {e}")),
        }
        match answer_frame_needs(&frame, have, &node.name) {
            Ok(None) => break,
            Ok(Some(want)) if frame.len() < want => frame.resize(want, 0),
            Ok(Some(_)) => {}
            Err(e) => return BlockingAttempt::Failed(e),
        }
    }
    checkout.give_back();
    frame.truncate(have);
    match decode(node, key, &frame, metadata_only) {
        Ok(rows) => BlockingAttempt::Answered(rows),
        Err(e) => BlockingAttempt::Failed(e),
    }
}

/// The row of a whole answer frame read from `node`, or the error it answered with.
fn decode(node: &NodeConnections, key: &Key, frame: &[u8], metadata_only: bool) -> Result<PackedRows, Error> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match decode_answer(key, &frame[proto::HEADER_SIZE..], metadata_only, now) {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(result_code)) => Err(Error::Server { node: node.name.clone(), result_code }),
        Err(e) => Err(Error::BadAnswer { node: node.name.clone(), message: e.to_string() }),
    }
}

/// `work`'s outcome, or None when `deadline` came first.
async fn within<T>(deadline: Option<Instant>, work: impl std::future::Future<Output = T>) -> Option<T> {
    match deadline {
        None => Some(work.await),
        Some(d) => tokio::time::timeout_at(d.into(), work).await.ok(),
    }
}

/// The crate's cap on a retry's sleep as the multiplier grows it.
const MAX_RETRY_SLEEP: Duration = Duration::from_secs(60);

/// One attempt on one node: a connection, the request, the answer.
async fn read_one(
    node: &NodeConnections,
    dialer: &Dialer,
    key: &Key,
    frame: &[u8],
    metadata_only: bool,
    socket_timeout: Option<Duration>,
    deadline: Option<Instant>,
) -> Result<PackedRows, Error> {
    let network = |message: String| Error::Network { node: node.name.clone(), message };
    let mut checkout = send_command(node, dialer, frame, socket_timeout, deadline, "the read").await?;
    let stream = checkout.stream().map_err(|e| network(e.to_string()))?;
    let mut frame = Vec::new();
    read_whole_frame(stream, socket_timeout, &mut frame, &node.name).await?;
    checkout.give_back();
    decode(node, key, &frame, metadata_only)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerospike::Value;
    use wire::message::{info1, ResponseBuilder};

    fn key() -> Key {
        Key::new("test", "s", Value::from("k")).expect("key")
    }

    fn parsed(frame: &[u8]) -> message::Message<'_> {
        assert_eq!(frame.len() - proto::HEADER_SIZE, proto::ProtoHeader::parse(frame[..proto::HEADER_SIZE].try_into().expect("header")).size as usize);
        message::parse(&frame[proto::HEADER_SIZE..]).expect("parses as the server parses it")
    }

    /// The three shapes of `Buffer::set_read`: all bins (GET_ALL, no ops), some (READ ops by
    /// name), none (NOBINDATA and one op of an empty name); the key as NAMESPACE, SET, DIGEST.
    #[test]
    fn each_bins_choice_is_laid_out_as_the_crate_lays_it_out() {
        let key = key();
        let policy = ReadPolicy::default();
        let all = encode_read(&key, &Bins::All, &policy).expect("encodable");
        let m = parsed(&all);
        assert_eq!((m.header.info1, m.header.info2, m.header.info3, m.header.info4), (info1::READ | info1::GET_ALL, 0, 0, 0));
        assert_eq!(m.fields.iter().map(|f| f.kind).collect::<Vec<_>>(), [field::NAMESPACE, field::SET, field::DIGEST]);
        assert_eq!(m.field(field::DIGEST), Some(&key.digest()[..]));
        assert!(m.ops.is_empty());
        // The default policy: total 1000 ms, socket 30 000 ms: the server is told 1000.
        assert_eq!(m.header.transaction_ttl, 1000);

        let some = encode_read(&key, &Bins::Some(vec!["a".into(), "bb".into()]), &policy).expect("encodable");
        let m = parsed(&some);
        assert_eq!(m.header.info1, info1::READ);
        assert_eq!(m.ops.iter().map(|o| (o.op, o.particle, o.name, o.value)).collect::<Vec<_>>(), [(op::READ, 0, &b"a"[..], &b""[..]), (op::READ, 0, &b"bb"[..], &b""[..])]);

        let none = encode_read(&key, &Bins::None, &policy).expect("encodable");
        let m = parsed(&none);
        assert_eq!(m.header.info1, info1::READ | info1::GET_NOBINDATA);
        assert_eq!(m.ops.iter().map(|o| (o.op, o.name)).collect::<Vec<_>>(), [(op::READ, &b""[..])]);
    }

    #[test]
    fn the_policy_sets_ap_mode_touch_ttl_timeout_and_filter_and_no_set_means_no_set_field() {
        let key = Key::new("test", "", Value::Int(7)).expect("key");
        let mut policy = ReadPolicy::default();
        policy.base_policy.read_mode_ap = aerospike::ReadModeAp::All;
        policy.base_policy.read_mode_sc = aerospike::ReadModeSc::Linearize;
        policy.base_policy.read_touch_ttl = aerospike::ReadTouchTtl::Percent(80);
        policy.base_policy.total_timeout = 900;
        policy.base_policy.socket_timeout = 300;
        policy.base_policy.filter_expression = Some(aerospike::expressions::eq(aerospike::expressions::int_bin("a"), aerospike::expressions::int_val(1)));
        let frame = encode_read(&key, &Bins::All, &policy).expect("encodable");
        let m = parsed(&frame);
        assert_eq!(m.header.info1, info1::READ | info1::GET_ALL | info1::READ_MODE_AP_ALL);
        assert_eq!(m.header.info3, 0, "the crate's header writer clears INFO3 on a single read");
        assert_eq!((m.header.record_ttl, m.header.transaction_ttl), (80, 300));
        assert_eq!(m.fields.iter().map(|f| f.kind).collect::<Vec<_>>(), [field::NAMESPACE, field::DIGEST, field::FILTER_EXP]);
        policy.base_policy.total_timeout = 0;
        assert_eq!(parsed(&encode_read(&key, &Bins::All, &policy).expect("encodable")).header.transaction_ttl, 0, "no total timeout: no server timeout");
    }

    #[test]
    fn what_only_the_crate_does_is_refused() {
        let mut policy = ReadPolicy::default();
        policy.base_policy.use_compression = true;
        assert_eq!(encode_read(&key(), &Bins::All, &policy).expect_err("compression").0, "compression");
        let mut policy = ReadPolicy::default();
        policy.base_policy.error_detail_verbosity = 1;
        assert!(encode_read(&key(), &Bins::All, &policy).is_err());
    }

    fn answer(rc: u8, bins: &[(&str, u8, &[u8])]) -> Vec<u8> {
        let mut response = ResponseBuilder::new(rc, 3, 0);
        for (name, particle, value) in bins {
            response.op_with(op::READ, *particle, name.as_bytes(), |out| out.extend_from_slice(value));
        }
        response.finish()[proto::HEADER_SIZE..].to_vec()
    }

    #[test]
    fn an_answer_is_one_row_without_nil_or_nameless_bins_and_a_code_is_returned() {
        let key = key();
        let body = answer(0, &[("a", particle::INTEGER, &5i64.to_be_bytes()), ("gone", particle::NULL, &[]), ("", particle::INTEGER, &1i64.to_be_bytes()), ("s", particle::STRING, b"hi")]);
        let rows = decode_answer(&key, &body, false, 0).expect("decodes").expect("found");
        let row = &rows.rows()[0];
        assert_eq!((rows.len(), row.result_code, row.has_record, row.generation, row.digest), (1, 0, true, 3, key.digest()));
        assert_eq!(rows.bins(row).map(|(name, _)| name.to_owned()).collect::<Vec<_>>(), ["a", "s"]);
        assert_eq!(rows.namespace_set(row), ("test", "s"));
        let meta = decode_answer(&key, &body, true, 0).expect("decodes").expect("found");
        assert_eq!(meta.bins(&meta.rows()[0]).count(), 0, "metadata only");
        assert_eq!(decode_answer(&key, &answer(2, &[]), false, 0).expect("decodes").err(), Some(2));
    }

    /// An answer is read whole however it is split on the wire; bytes after it, a frame that
    /// is not an AS_MSG and a closed connection are refused.
    #[tokio::test]
    async fn a_frame_is_read_whole_across_reads_and_anything_else_is_refused() {
        use tokio::io::AsyncWriteExt;
        let good = proto::frame(proto::TYPE_MSG, &answer(0, &[("s", particle::STRING, &[b'x'; 3000])]));
        // Bytes after a small answer arrive in the same read (later ones stay in the socket,
        // where the peek of the next checkout finds them and closes the connection).
        let mut extra = proto::frame(proto::TYPE_MSG, &answer(0, &[("a", particle::INTEGER, &5i64.to_be_bytes())]));
        extra.push(0);
        let mut info = good.clone();
        info[1] = proto::TYPE_INFO;
        let cases: [(Vec<Vec<u8>>, Option<&str>); 5] = [
            (vec![good[..3].to_vec(), good[3..20].to_vec(), good[20..].to_vec()], None),
            (vec![good.clone()], None),
            (vec![extra], Some("bytes after the answer")),
            (vec![info], Some("proto header")),
            (vec![good[..100].to_vec()], Some("closed the connection")),
        ];
        for (pieces, refused) in cases {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let address = listener.local_addr().expect("address");
            let sender = tokio::spawn(async move {
                let (mut peer, _) = listener.accept().await.expect("accept");
                for piece in pieces {
                    peer.write_all(&piece).await.expect("write");
                    peer.flush().await.expect("flush");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            let mut stream = Stream::Plain(tokio::net::TcpStream::connect(address).await.expect("connect"));
            let mut frame = Vec::new();
            let outcome = read_whole_frame(&mut stream, Some(Duration::from_secs(5)), &mut frame, "n").await;
            sender.await.expect("sender");
            match (outcome, refused) {
                (Ok(()), None) => assert_eq!(frame, good),
                (Err(e), Some(what)) => assert!(e.to_string().contains(what), "{e}"),
                (outcome, _) => panic!("{:?} where {refused:?} was expected", outcome.map_err(|e| e.to_string())),
            }
        }
    }

    /// Whatever a node sends, decoding answers or refuses; it never panics.
    #[test]
    fn hostile_answers_are_refused_or_decoded_never_a_panic() {
        let key = key();
        let good = answer(0, &[("a", particle::INTEGER, &5i64.to_be_bytes()), ("l", particle::LIST, &[0x92, 1, 2])]);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut decoded = 0;
        for round in 0..20_000 {
            let mut body = if round % 2 == 0 { good.clone() } else { (0..(next() % 80)).map(|_| next() as u8).collect() };
            if round % 2 == 0 {
                let at = (next() as usize) % body.len();
                body[at] = next() as u8;
                body.truncate(body.len() - (next() as usize % 3).min(body.len()));
            }
            if let Ok(Ok(rows)) = decode_answer(&key, &body, round % 3 == 0, 0) {
                assert_eq!(rows.len(), 1);
                decoded += 1;
            }
        }
        assert!(decoded > 0, "some mutations still decode");
    }
}
