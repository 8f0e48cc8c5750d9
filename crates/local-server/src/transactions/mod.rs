//! Single-record commands: decode an AS_MSG, find the record it names, and run it as a read,
//! a write/operate or a delete with the real server's checks and result codes.

mod delete;
mod ext_ops;
pub(crate) mod ops;
mod read;
mod write;

use std::sync::Arc;

use crate::codec::message::{self, field, info1, info2, Message};
use crate::codec::particle;
use crate::result_code as rc;
use crate::storage::{digest, Digest, StoredKey};
use crate::indexed_store::{Namespace, Store};

/// The record a command is about.
pub struct Target<'a> {
    pub ns: &'a Arc<Namespace>,
    /// The set named by the request; `None` when it names none.
    pub set: Option<&'a [u8]>,
    pub digest: Digest,
    /// The user key, present when the client sent it (send-key).
    pub key: Option<StoredKey>,
}

impl Target<'_> {
    pub fn set_bytes(&self) -> &[u8] {
        self.set.unwrap_or(&[])
    }
}

/// Runs record UDF commands. The `udf` layer, above this one, implements it; a caller that
/// runs no UDFs (a background ops job) passes [`NoUdf`].
pub trait RecordUdf: Sync {
    /// Answers one record UDF message about `target` (the full response frame).
    fn apply(&self, target: &Target<'_>, msg: &Message<'_>) -> Vec<u8>;
}

/// For callers whose messages never name a UDF: one that does answers UNSUPPORTED_FEATURE.
pub struct NoUdf;

impl RecordUdf for NoUdf {
    fn apply(&self, _: &Target<'_>, _: &Message<'_>) -> Vec<u8> {
        message::error_response(rc::UNSUPPORTED_FEATURE)
    }
}

/// Runs one AS_MSG body on a node that answers for what `serves(partition, is_write)`
/// accepts, and returns the full response frame: PARTITION_UNAVAILABLE for a record of a
/// partition the node does not serve. A cluster sends each command to a node that serves it
/// first (`node::Node::proxy_target`), so that answer is left for a partition no node holds.
pub fn handle(store: &Store, udf: &dyn RecordUdf, body: &[u8], serves: &dyn Fn(usize, bool) -> bool) -> Vec<u8> {
    let msg = match message::parse(body) {
        Ok(m) => m,
        Err(_) => return message::error_response(rc::PARAMETER_ERROR),
    };
    let h = msg.header;
    if h.info1 & info1::BATCH != 0 || msg.field(field::DIGEST).is_none() && msg.field(field::KEY).is_none() {
        // Batch, scan and query arrive in later slices; answer as a finished stream with an error.
        let mut r = message::ResponseBuilder::new(rc::UNSUPPORTED_FEATURE, 0, 0);
        r.set_info(0, 0, message::info3::LAST);
        return r.finish();
    }
    match resolve(store, &msg) {
        Ok(target) if serves(digest::partition_id(&target.digest), changes_record(&msg)) => run_target(udf, &target, &msg),
        Ok(_) => message::error_response(rc::PARTITION_UNAVAILABLE),
        Err(code) => message::error_response(code),
    }
}

/// Runs one decoded single-record message (a client's command, or one row of a batch with
/// its digest as a field) and returns the full response frame.
pub fn run(store: &Store, udf: &dyn RecordUdf, msg: &Message<'_>) -> Vec<u8> {
    match resolve(store, msg) {
        Ok(target) => run_target(udf, &target, msg),
        Err(code) => message::error_response(code),
    }
}

fn run_target(udf: &dyn RecordUdf, target: &Target<'_>, msg: &Message<'_>) -> Vec<u8> {
    let h = msg.header;
    if msg.field(field::UDF_FUNCTION).is_some() || msg.field(field::UDF_PACKAGE_NAME).is_some() {
        return udf.apply(target, msg);
    }
    if h.info2 & info2::WRITE != 0 {
        if h.info2 & info2::DELETE != 0 && msg.ops.is_empty() {
            delete::delete(target, msg)
        } else {
            write::write(target, msg)
        }
    } else if h.info1 & info1::READ != 0 {
        read::read(target, msg)
    } else {
        message::error_response(rc::PARAMETER_ERROR)
    }
}

/// Whether a message may change its record (a write, a delete, an operate with writes, or a
/// record UDF): what must run on the partition's master and be replicated.
pub fn changes_record(msg: &Message<'_>) -> bool {
    msg.header.info2 & info2::WRITE != 0 || msg.field(field::UDF_FUNCTION).is_some() || msg.field(field::UDF_PACKAGE_NAME).is_some()
}

/// The namespace and digest a single-record message is about, for what must happen after it
/// ran (replication); `None` when it names no record.
pub fn record_of(msg: &Message<'_>) -> Option<(Vec<u8>, Digest)> {
    let ns = msg.field(field::NAMESPACE)?;
    let digest = match msg.field(field::DIGEST) {
        Some(d) => d.try_into().ok()?,
        None => match msg.field(field::KEY)? {
            [ptype, bytes @ ..] => digest::compute(msg.field(field::SET).unwrap_or(&[]), *ptype, bytes),
            [] => return None,
        },
    };
    Some((ns.to_vec(), digest))
}

fn resolve<'a>(store: &'a Store, msg: &Message<'a>) -> Result<Target<'a>, u8> {
    let ns_name = msg.field(field::NAMESPACE).ok_or(rc::PARAMETER_ERROR)?;
    let ns = store.namespace(ns_name).ok_or(rc::NAMESPACE_NOT_FOUND)?;
    let set = msg.field(field::SET).filter(|s| !s.is_empty());
    if set.is_some_and(|s| s.len() > 63) {
        return Err(rc::PARAMETER_ERROR);
    }
    let key = match msg.field(field::KEY) {
        Some([ptype, bytes @ ..]) => {
            if !matches!(*ptype, particle::INTEGER | particle::STRING | particle::BLOB) {
                return Err(rc::PARAMETER_ERROR);
            }
            Some(StoredKey { particle: *ptype, bytes: bytes.to_vec() })
        }
        Some([]) => return Err(rc::PARAMETER_ERROR),
        None => None,
    };
    let digest = match msg.field(field::DIGEST) {
        Some(d) => d.try_into().map_err(|_| rc::PARAMETER_ERROR)?,
        None => {
            let k = key.as_ref().ok_or(rc::PARAMETER_ERROR)?;
            digest::compute(set.unwrap_or(&[]), k.particle, &k.bytes)
        }
    };
    Ok(Target { ns, set, digest, key })
}

#[cfg(test)]
mod tests;
