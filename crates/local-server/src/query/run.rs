//! Running a query: which records of a partition it selects ([`select_partition`], shared by
//! foreground queries and background jobs), and the foreground [`Execution`] that turns them
//! into response frames a block at a time, with partition-done markers and an exact limit.

use std::collections::VecDeque;

use crate::codec::message::{info3, ResponseBuilder};
use crate::expiry;
use crate::expressions::{self, RecordView};
use crate::result_code as rc;
use crate::storage::{Digest, Record};

use super::request::{PartReq, Query};
use super::RecordSink;

/// Response bytes gathered before they are written out.
pub const BLOCK_SIZE: usize = 128 * 1024;
/// Partitions run per [`Execution::fill`] call at most, so a scan that finds nothing still
/// writes (and notices a closed socket) regularly.
const PARTITIONS_PER_FILL: usize = 64;

/// The records `q` selects in one partition, in descending digest order, after `part.after`
/// when resuming, each with how many answers it gives (more than one only for geo collection
/// indexes with several matching elements). Records are copies: no lock is held on return.
pub fn select_partition(q: &Query, part: &PartReq, limit: u64) -> Vec<(Digest, Record, u32)> {
    let now = expiry::now_clepoch();
    let p = q.ns.partition_at(usize::from(part.pid));
    let candidates: Vec<(Digest, u32)> = match &q.index {
        Some((def, pred)) => p.index().lookup(def.id, pred),
        None => {
            let mut ds: Vec<(Digest, u32)> = p
                .iter()
                .filter(|(_, r)| q.set.as_deref().is_none_or(|s| r.set.as_slice() == s))
                .map(|(d, _)| (*d, 1))
                .collect();
            ds.sort_by_key(|x| std::cmp::Reverse(x.0));
            ds
        }
    };
    let mut out = Vec::new();
    let mut answers = 0u64;
    for (d, n) in candidates {
        if part.after.is_some_and(|a| d >= a) {
            continue;
        }
        if limit > 0 && answers >= limit {
            break;
        }
        let Some(rec) = p.get(&d) else { continue };
        if expiry::is_expired(rec.void_time, now) {
            continue;
        }
        if q.set.as_deref().is_some_and(|s| rec.set.as_slice() != s) {
            continue;
        }
        if let Some(f) = &q.filter {
            if !expressions::filter_matches(f, &RecordView { record: rec, digest: &d }).unwrap_or(false) {
                continue;
            }
        }
        answers += u64::from(n);
        out.push((d, rec.clone(), n));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    More,
    Done,
}

/// A foreground query in progress.
pub struct Execution<'q> {
    q: &'q Query,
    next_part: usize,
    pending: VecDeque<(Digest, Record, u32)>,
    /// The partition `pending` came from, until its done marker is written.
    open: Option<u16>,
    /// Whether `pending` holds the rest of its partition (false when cut by the limit).
    open_complete: bool,
    pub returned: u64,
    finished: bool,
}

impl<'q> Execution<'q> {
    pub fn new(q: &'q Query) -> Self {
        Execution { q, next_part: 0, pending: VecDeque::new(), open: None, open_complete: false, returned: 0, finished: false }
    }

    fn remaining(&self) -> u64 {
        if self.q.max_records == 0 { 0 } else { self.q.max_records.saturating_sub(self.returned) }
    }

    fn limit_reached(&self) -> bool {
        self.q.max_records > 0 && self.returned >= self.q.max_records
    }

    /// Runs until `out` holds about a block, `budget` records were added (0: no budget), or the
    /// query is done; the LAST message (with `sink.finish`'s frames) ends a finished query.
    pub fn fill(&mut self, sink: &mut dyn RecordSink, out: &mut Vec<u8>, budget: u64) -> Step {
        if self.finished {
            return Step::Done;
        }
        let mut added = 0u64;
        let mut parts_run = 0;
        loop {
            if let Some((d, rec, n)) = self.pending.pop_front() {
                for _ in 0..n {
                    if self.limit_reached() {
                        break;
                    }
                    if let Err(code) = sink.record(&self.q.ns, &d, &rec, out) {
                        return self.end(out, code);
                    }
                    self.returned += 1;
                    added += 1;
                }
                if self.limit_reached() && !self.pending.is_empty() {
                    self.open_complete = false;
                }
            } else if let Some(pid) = self.open.take() {
                if self.open_complete && sink.partition_done() {
                    out.extend_from_slice(&partition_done(pid, rc::OK));
                }
            } else if self.limit_reached() {
                return self.end_ok(sink, out);
            } else if let Some(part) = self.q.parts.get(self.next_part).copied() {
                self.next_part += 1;
                parts_run += 1;
                let limit = self.remaining();
                let selected = select_partition(self.q, &part, limit);
                let answers: u64 = selected.iter().map(|s| u64::from(s.2)).sum();
                // Cut by the limit: a resume must come back to this partition.
                self.open_complete = limit == 0 || answers < limit || self.partition_exhausted(&part, &selected);
                self.pending.extend(selected);
                self.open = Some(part.pid);
            } else {
                return self.end_ok(sink, out);
            }
            if out.len() >= BLOCK_SIZE || (budget > 0 && added >= budget) || parts_run >= PARTITIONS_PER_FILL {
                return Step::More;
            }
        }
    }

    /// Whether a limited selection still took the partition's last record.
    fn partition_exhausted(&self, part: &PartReq, selected: &[(Digest, Record, u32)]) -> bool {
        match selected.last() {
            Some((last, ..)) => {
                let after = PartReq { pid: part.pid, after: Some(*last) };
                select_partition(self.q, &after, 1).is_empty()
            }
            None => true,
        }
    }

    fn end_ok(&mut self, sink: &mut dyn RecordSink, out: &mut Vec<u8>) -> Step {
        match sink.finish(out) {
            Ok(()) => self.end(out, rc::OK),
            Err(code) => self.end(out, code),
        }
    }

    fn end(&mut self, out: &mut Vec<u8>, code: u8) -> Step {
        self.finished = true;
        out.extend_from_slice(&last_frame(code));
        Step::Done
    }
}

/// The marker closing a partition (its id in the generation field).
pub fn partition_done(pid: u16, code: u8) -> Vec<u8> {
    let mut r = ResponseBuilder::new(code, u32::from(pid), 0);
    r.set_info(0, 0, info3::PARTITION_DONE);
    r.finish()
}

/// The message ending a stream, with its result code.
pub fn last_frame(code: u8) -> Vec<u8> {
    let mut r = ResponseBuilder::new(code, 0, 0);
    r.set_info(0, 0, info3::LAST);
    r.finish()
}
