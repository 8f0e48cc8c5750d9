//! The batch-index protocol: one AS_MSG whose BATCH_INDEX field holds many single-record
//! commands ("rows"), answered as a stream of AS_MSG frames, one per row with the row's index
//! in the transaction-ttl slot, packed into blocks of about 128 KiB per proto message, and
//! ended by a LAST frame carrying the batch's result.
//!
//! Rows run in request order through the same record path as single-record commands
//! (`transactions::run`), so sub-transactions on one key see each other's effects, and a
//! one-key batch behaves like the single command the official client sends instead. Each row
//! locks only its own record's partition. A row of a partition this node does not serve runs
//! on the node that does and its answer comes back in this stream, as the real server proxies
//! batch sub-transactions (`thr_tsvc.c`: origin FROM_BATCH goes to `as_proxy_divert`;
//! `proxy.c` `proxyer_handle_batch_response`); who runs which row is the caller's `Router`.
//!
//! With respond-all-keys off (the client's REPORT_ALL_ERRORS flag clear) a row error other
//! than not-found or filtered-out ends what is sent: the block holding it still goes out when
//! the client asked for the error record (REPORT_ERROR_REC), later blocks don't, and the LAST
//! frame carries the error. Every row still runs, as on the real server.

pub mod row;

use std::io::Write;

use crate::codec::message::{self, field, info1, info3, Message, ResponseBuilder};
use crate::codec::proto;
use crate::result_code as rc;
use crate::storage::{digest, Digest};
use crate::indexed_store::Store;
use crate::transactions;
use row::RowReader;

/// About what the real server packs into one proto message before sending it.
pub const BLOCK_SIZE: usize = 128 * 1024;

/// The batch message's parent flags (the byte after the row count).
pub mod parent_flags {
    pub const INLINE_DATA_IN_MEMORY: u8 = 0x1;
    pub const INLINE_DATA_ON_DEVICE: u8 = 0x2;
    /// respond-all-keys: row errors never end the batch.
    pub const REPORT_ALL_ERRORS: u8 = 0x4;
    /// Send the block holding the first error before ending the batch with it.
    pub const REPORT_ERROR_REC: u8 = 0x8;
}

/// A per-row admission check: `Err(code)` refuses the row with that result code.
pub type Guard<'a> = dyn Fn(&Message<'_>) -> Result<(), u8> + Sync + 'a;

/// Whether an AS_MSG body is a batch (and so is answered by `Batch`, not `transactions`).
pub fn is_batch(body: &[u8]) -> bool {
    body.get(1).is_some_and(|i1| i1 & info1::BATCH != 0)
}

/// Whether `fill` has more to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    More,
    Done,
}

/// Told of a row that may have changed its record: (namespace, digest).
pub type Written<'a> = &'a (dyn Fn(&[u8], &Digest) + Sync);

/// Where one row runs.
pub enum Place<'s> {
    /// On this node's store.
    Here,
    /// On the store of the node that serves the row's partition: the row is proxied there.
    Proxied(&'s Store),
    /// Nowhere: no node holds the partition; the row answers PARTITION_UNAVAILABLE.
    Unavailable,
}

/// `route(namespace, partition_id, is_write)`: where a row on that partition runs.
pub type Router<'a> = dyn Fn(&[u8], usize, bool) -> Place<'a> + Sync + 'a;

/// A batch being answered. `fill` runs rows until a block is full and hands back the bytes to
/// send, so a batch of any size needs one block of memory, not one buffer for all its rows.
pub struct Batch<'a> {
    store: &'a Store,
    /// Runs the rows that call a record UDF.
    udf: &'a dyn transactions::RecordUdf,
    /// Where each row runs.
    route: &'a Router<'a>,
    /// Told of each row that may have changed its record (namespace, digest), after it ran.
    written: Option<Written<'a>>,
    /// Asked of each row before it runs; a refusal (its result code) is the row's answer.
    guard: Option<&'a Guard<'a>>,
    rows: RowReader<'a>,
    /// Rows the client announced and we have not run yet.
    left: u32,
    report_all_errors: bool,
    report_error_rec: bool,
    compress: bool,
    /// Once set, nothing more is sent but the LAST frame, which carries this code.
    stop_code: Option<u8>,
    finished: bool,
}

impl<'a> Batch<'a> {
    /// `route(namespace, partition_id, is_write)` says where a row on that partition runs.
    pub fn new(store: &'a Store, udf: &'a dyn transactions::RecordUdf, body: &'a [u8], route: &'a Router<'a>) -> Self {
        let failed = |code| Batch {
            store,
            udf,
            route,
            written: None,
            guard: None,
            rows: RowReader::new(&[], &message::MsgHeader::default(), None),
            left: 0,
            report_all_errors: false,
            report_error_rec: false,
            compress: false,
            stop_code: Some(code),
            finished: false,
        };
        let Ok(msg) = message::parse(body) else { return failed(rc::PARAMETER_ERROR) };
        let Some(data) = msg.field(field::BATCH_INDEX).or_else(|| msg.field(field::BATCH_INDEX_WITH_SET)) else {
            return failed(rc::PARAMETER_ERROR);
        };
        let mut r = crate::codec::Reader::new(data);
        let (Ok(count), Ok(flags)) = (r.u32(), r.u8()) else { return failed(rc::PARAMETER_ERROR) };
        if count == 0 {
            return failed(rc::PARAMETER_ERROR);
        }
        // A batch filter that does not build fails the whole batch before any row runs: the
        // real server answers 4 and no record (the client shows each as not answered).
        if let Some(filter) = msg.field(field::FILTER_EXP) {
            if let Err(code) = crate::expressions::check_filter(filter) {
                return failed(code);
            }
        }
        let rows = &data[5..];
        Batch {
            store,
            udf,
            route,
            written: None,
            guard: None,
            rows: RowReader::new(rows, &msg.header, msg.field(field::FILTER_EXP)),
            left: count,
            report_all_errors: flags & parent_flags::REPORT_ALL_ERRORS != 0,
            report_error_rec: flags & parent_flags::REPORT_ERROR_REC != 0,
            compress: msg.header.info1 & info1::COMPRESS_RESPONSE != 0,
            stop_code: None,
            finished: false,
        }
    }

    /// Has `guard` admit each row before it runs (security's per-row privilege and quota
    /// check): a row it refuses answers with the refusal's code and changes nothing.
    pub fn with_guard(mut self, guard: &'a Guard<'a>) -> Self {
        self.guard = Some(guard);
        self
    }

    /// Tells `written(namespace, digest)` of every row that may have changed its record, right
    /// after it ran (the node replicates it).
    pub fn with_written(mut self, written: Written<'a>) -> Self {
        self.written = Some(written);
        self
    }

    /// Replaces `out` with the next bytes to send (whole proto messages, possibly none) and
    /// says whether more follow.
    pub fn fill(&mut self, out: &mut Vec<u8>) -> Progress {
        out.clear();
        if self.finished {
            return Progress::Done;
        }
        out.extend_from_slice(&[0; proto::HEADER_SIZE]);
        let mut block_error = None;
        while self.stop_code.is_none() && self.left > 0 && out.len() < BLOCK_SIZE {
            let code = match self.run_next(Some(out)) {
                Some(code) => code,
                None => {
                    // A malformed row: what this block holds is dropped, as the server drops
                    // the buffer it was filling.
                    out.truncate(proto::HEADER_SIZE);
                    break;
                }
            };
            if self.ends_batch(code) {
                if self.report_error_rec {
                    block_error.get_or_insert(code);
                } else {
                    self.stop_code = Some(code);
                    out.truncate(proto::HEADER_SIZE);
                }
            }
        }
        if let Some(code) = block_error {
            self.stop_code.get_or_insert(code);
        }
        if self.stop_code.is_some() {
            // Later rows still run; their answers are not sent.
            while self.left > 0 && self.run_next(None).is_some() {}
        }
        self.seal_block(out);
        if self.left > 0 {
            return Progress::More;
        }
        let mut last = ResponseBuilder::new(self.stop_code.unwrap_or(rc::OK), 0, 0);
        last.set_info(0, 0, info3::LAST);
        out.extend_from_slice(&last.finish());
        self.finished = true;
        Progress::Done
    }

    /// Whether a row's result code ends what is sent (respond-all-keys off).
    fn ends_batch(&self, code: u8) -> bool {
        !self.report_all_errors && !matches!(code, rc::OK | rc::KEY_NOT_FOUND | rc::FILTERED_OUT)
    }

    /// Runs the next row, appending its answer to `out` when given; returns its result code,
    /// or `None` when the row was malformed (which ends the batch with a parameter error).
    fn run_next(&mut self, out: Option<&mut Vec<u8>>) -> Option<u8> {
        self.left = self.left.saturating_sub(1);
        let (store, udf, route, guard, written) = (self.store, self.udf, self.route, self.guard, self.written);
        let answer = match self.rows.next_row() {
            Err(_) => None,
            Ok(row) => {
                let ns = row.msg.field(field::NAMESPACE).unwrap_or_default();
                if store.namespace(ns).is_none() {
                    // The server stops reading rows at an unknown namespace.
                    None
                } else {
                    let changes = transactions::changes_record(row.msg);
                    let runs_on = match route(ns, digest::partition_id(&row.digest), changes) {
                        Place::Here => Some(store),
                        Place::Proxied(holder) => Some(holder),
                        Place::Unavailable => None,
                    };
                    let admitted = |on| guard.map_or(Ok(()), |admit| admit(row.msg)).map(|()| on);
                    let frame = match runs_on.map(admitted) {
                        None => message::error_response(rc::PARTITION_UNAVAILABLE),
                        Some(Err(code)) => message::error_response(code),
                        Some(Ok(runs_on)) => {
                            let frame = transactions::run(runs_on, udf, row.msg);
                            if let Some(tell) = written.filter(|_| changes) {
                                tell(ns, &row.digest);
                            }
                            frame
                        }
                    };
                    Some((row.index, frame))
                }
            }
        };
        let Some((index, frame)) = answer else { return self.terminate() };
        let body = frame.get(proto::HEADER_SIZE..).unwrap_or_default();
        let code = body.get(5).copied().unwrap_or(rc::SERVER_ERROR);
        if let Some(out) = out {
            append_row(out, body, index);
        }
        Some(code)
    }

    fn terminate(&mut self) -> Option<u8> {
        self.left = 0;
        self.stop_code = Some(rc::PARAMETER_ERROR);
        None
    }

    /// Turns the rows gathered after the placeholder header into one proto message, or into
    /// nothing when there are none.
    fn seal_block(&self, out: &mut Vec<u8>) {
        let body_len = out.len() - proto::HEADER_SIZE;
        if body_len == 0 {
            out.clear();
            return;
        }
        proto::write_header(out, proto::TYPE_MSG, body_len);
        if self.compress {
            if let Some(packed) = compress(out) {
                *out = packed;
            }
        }
    }
}

/// One row's answer: the record path's response message with the row's index in the
/// transaction-ttl slot (bytes 14..18 of the message header).
fn append_row(out: &mut Vec<u8>, body: &[u8], index: u32) {
    let at = out.len();
    out.extend_from_slice(body);
    if let Some(slot) = out.get_mut(at + 14..at + 18) {
        slot.copy_from_slice(&index.to_be_bytes());
    }
}

/// A compressed proto message (type 4): the whole frame's size, then the frame, zlib'd.
fn compress(frame: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::with_capacity(frame.len() / 2 + 64), flate2::Compression::fast());
    enc.write_all(frame).ok()?;
    let packed = enc.finish().ok()?;
    let mut out = vec![0u8; proto::HEADER_SIZE];
    out.extend_from_slice(&(frame.len() as u64).to_be_bytes());
    out.extend_from_slice(&packed);
    let body_len = out.len() - proto::HEADER_SIZE;
    proto::write_header(&mut out, proto::TYPE_COMPRESSED, body_len);
    Some(out)
}

#[cfg(test)]
mod tests;
