//! Scans and secondary-index queries (the query AS_MSG: no key, no digest, not a batch), as the
//! official C client 7.x and the `aerospike` Rust crate 3.0 send them: partition filters (all,
//! by id, by range, resumed after a digest), bin selection, no-bin-data, max-records,
//! records-per-second, index predicates (integer range, string/blob equality, geo) on any
//! index type, filter expressions, background jobs (`query-show`), cancellation.
//!
//! Results stream partition by partition: within a partition records come in descending digest
//! order; a partition that was read to its end is closed with a PARTITION_DONE message (info3,
//! its id in the generation field); max-records is exact and stops mid-partition without that
//! marker, so a paginating client resumes there. Memory is bounded by one partition.
//!
//! # Where Lua UDFs plug in (the `udf` module, above this one; `net` connects them)
//! A query message is classified by [`request::Kind`]:
//! - `Foreground`: records go to the client through [`ClientSink`].
//! - `Aggregate` (UDF_OP 1, a stream UDF): records go to the [`RecordSink`] returned by
//!   `udf::stream::sink`. A sink sees each selected record (a copy, no lock held)
//!   and appends whole response frames to `out` (build them with
//!   `codec::message::ResponseBuilder`); `finish` runs after the last partition, before the
//!   LAST message. An error code from either ends the stream with that code.
//! - `BackgroundUdf` (info2 WRITE + UDF_OP 2): `udf::background::action` returns a
//!   [`jobs::RecordAction`] that [`jobs::start`] applies to each selected record on a job
//!   thread; the job shows in `query-show` with its counts. The client gets OK at once.
//! - `BackgroundOps` (info2 WRITE + ops): the ops run as an update-only operate per record.
//!
//! The UDF fields of the request are in [`request::Query::udf`] (package, function, arglist
//! bytes as sent). Selection (partitions, index, set, filter) is done here for every kind:
//! [`run::select_partition`] is the one place records are chosen.

pub mod jobs;
pub mod request;
pub mod run;

use crate::codec::message::{field, op, ResponseBuilder};
use crate::storage::{Digest, Record};
use crate::indexed_store::Namespace;

pub use request::{Kind, Query};

/// Where the records a foreground query selects go.
pub trait RecordSink: Send {
    /// One selected record. Appends zero or more complete response frames to `out`.
    fn record(&mut self, ns: &Namespace, digest: &Digest, rec: &Record, out: &mut Vec<u8>) -> Result<(), u8>;
    /// After the last record, before the LAST message.
    fn finish(&mut self, _out: &mut Vec<u8>) -> Result<(), u8> {
        Ok(())
    }
    /// Whether finished partitions are announced (PARTITION_DONE). An aggregation's stream
    /// carries only its values: the official client reads every message of it as one.
    fn partition_done(&self) -> bool {
        true
    }
}

/// The plain query: each record as a response message (namespace, set, stored key, digest,
/// then the selected bins in the order asked, or every bin in the record's order).
pub struct ClientSink {
    pub bins: Option<Vec<Vec<u8>>>,
    pub respond_all_ops: bool,
    pub no_bin_data: bool,
}

impl ClientSink {
    pub fn for_query(q: &Query) -> ClientSink {
        ClientSink { bins: q.bins.clone(), respond_all_ops: q.respond_all_ops, no_bin_data: q.no_bin_data }
    }
}

impl RecordSink for ClientSink {
    fn record(&mut self, ns: &Namespace, digest: &Digest, rec: &Record, out: &mut Vec<u8>) -> Result<(), u8> {
        if let Some(frame) = record_frame(ns, digest, rec, self.bins.as_deref(), self.respond_all_ops, self.no_bin_data) {
            out.extend_from_slice(&frame);
        }
        Ok(())
    }
}

/// One record as a query/scan response frame, or None when a bin selection finds none of its
/// bins in the record: the real server sends no empty record then (aerospike-server
/// as/src/base/proto.c `as_msg_make_response_bufbuilder` "Don't return an empty record" for a
/// bin list; as/src/query/query.c `apply_ops_make_response` sends nothing without response
/// bins for read ops), unless read ops asked RESPOND_ALL_OPS, which answers each missing bin
/// nil. The record still counts toward max-records (query.c counts it before the response).
pub fn record_frame(ns: &Namespace, digest: &Digest, rec: &Record, bins: Option<&[Vec<u8>]>, respond_all_ops: bool, no_bin_data: bool) -> Option<Vec<u8>> {
    if !no_bin_data && !respond_all_ops && bins.is_some_and(|names| names.iter().all(|n| rec.bin(n).is_none())) {
        return None;
    }
    let mut r = ResponseBuilder::new(0, u32::from(rec.generation), rec.void_time);
    r.field(field::NAMESPACE, ns.name().as_bytes());
    if !rec.set.is_empty() {
        r.field(field::SET, &rec.set);
    }
    if let Some(k) = &rec.key {
        let mut kb = Vec::with_capacity(k.bytes.len() + 1);
        kb.push(k.particle);
        kb.extend_from_slice(&k.bytes);
        r.field(field::KEY, &kb);
    }
    r.field(field::DIGEST, digest);
    if !no_bin_data {
        let put = |r: &mut ResponseBuilder, name: &[u8], v: &crate::codec::particle::Value| {
            r.op_with(op::READ, v.particle_type(), name, |b| v.write_wire(b));
        };
        match bins {
            Some(names) => {
                for n in names {
                    match rec.bin(n) {
                        Some(v) => put(&mut r, n, v),
                        None if respond_all_ops => crate::transactions::ops::put_nil(&mut r, op::READ, n),
                        None => {}
                    }
                }
            }
            None => {
                for b in &rec.bins {
                    put(&mut r, &b.name, &b.value);
                }
            }
        }
    }
    Some(r.finish())
}

#[cfg(test)]
mod tests;
