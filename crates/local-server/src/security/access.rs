//! What each request needs: the permission a record command, a batch row, a scan/query or an
//! info command asks for, and where (namespace and set). `net` asks these once per request
//! (per row for a batch) and then asks `Security::permits` whether the caller has it.

use super::perm;
use crate::codec::message::{field, info1, info2, Message};

/// What one request asks for, and whether it counts against the read or the write quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need<'a> {
    pub perm: u64,
    pub ns: &'a [u8],
    pub set: &'a [u8],
    pub write: bool,
}

/// A single-record command or a batch row: a UDF apply, a delete, a write (and a read too
/// when a write operation also reads), or a read.
pub fn record<'a>(msg: &Message<'a>) -> Need<'a> {
    let h = msg.header;
    let (perm, write) = if msg.field(field::UDF_FUNCTION).is_some() || msg.field(field::UDF_PACKAGE_NAME).is_some() {
        (perm::UDF_APPLY, true)
    } else if h.info2 & info2::WRITE != 0 {
        let base = if h.info2 & info2::DELETE != 0 && msg.ops.is_empty() { perm::DELETE } else { perm::WRITE };
        let reads = if h.info1 & info1::READ != 0 { perm::READ } else { 0 };
        (base | reads, true)
    } else {
        (perm::READ, false)
    };
    Need { perm, ns: msg.field(field::NAMESPACE).unwrap_or_default(), set: msg.field(field::SET).unwrap_or_default(), write }
}

/// A scan or query: foreground and aggregation read; a background job writes, with ops or
/// with a record UDF.
pub fn query<'a>(msg: &Message<'a>) -> Need<'a> {
    let background = msg.header.info2 & info2::WRITE != 0;
    let udf = msg.field(field::UDF_OP).is_some();
    let perm = match (background, udf) {
        (true, true) => perm::UDF_QUERY,
        (true, false) => perm::OPS_QUERY,
        (false, _) => perm::QUERY,
    };
    Need { perm, ns: msg.field(field::NAMESPACE).unwrap_or_default(), set: msg.field(field::SET).unwrap_or_default(), write: background }
}

/// The records-per-second a scan or query asked for (0: unlimited).
pub fn query_rps(msg: &Message<'_>) -> u32 {
    msg.field(field::RECORDS_PER_SECOND).and_then(|d| <[u8; 4]>::try_from(d).ok()).map_or(0, u32::from_be_bytes)
}

/// The permission an info command needs (`thr_info.c`'s command table; `None`: any
/// authenticated user), with the namespace and set it is scoped to, if any.
pub fn info(command: &str) -> Option<(u64, Option<String>, String)> {
    // The name ends at the first '/', ':' or ';', as the server parses it.
    let end = command.find(['/', ':', ';']).unwrap_or(command.len());
    let (name, params) = (&command[..end], command.get(end + 1..).unwrap_or(""));
    let p = match name {
        "config-set" | "set-config" => perm::SET_CONFIG,
        "debug-record" | "debug-record-meta" => perm::RECORD_INFO,
        "dump-cluster" | "dump-fabric" | "dump-hb" | "dump-hlc" | "dump-migrates" | "dump-rw" | "dump-skew"
        | "dump-wb-summary" | "jem-stats" | "log-message" | "log-set" | "set-log" => perm::LOGGING_CTRL,
        "eviction-reset" => perm::EVICT_ADMIN,
        "query-abort" | "query-abort-all" | "scan-abort" | "scan-abort-all" | "abort" | "abort-all" => perm::QUERY_ADMIN,
        "quiesce" | "quiesce-undo" | "recluster" | "revive" | "roster-set" | "services-alumni-reset" | "tip"
        | "tip-clear" => perm::SERVICE_CTRL,
        "sindex-create" | "sindex-delete" | "sindex-exists" => perm::SINDEX_ADMIN,
        "truncate" | "truncate-namespace" | "truncate-namespace-undo" | "truncate-undo" => {
            // Truncation is a data privilege: scoped to the namespace (and set) it names.
            let param = |key: &str| crate::info_text::params_map(params).into_iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string());
            let ns = param("namespace");
            let set = if name.contains("namespace") { String::new() } else { param("set").unwrap_or_default() };
            return Some((perm::TRUNCATE, ns, set));
        }
        "udf-clear-cache" | "udf-put" | "udf-remove" => perm::UDF_ADMIN,
        "xdr-set-filter" => perm::XDR_SET_FILTER,
        _ => return None,
    };
    Some((p, None, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::message::{self, op, MsgHeader};

    fn msg(info1: u8, info2: u8, fields: &[(u8, &[u8])], ops: usize) -> Vec<u8> {
        let h = MsgHeader { header_sz: 22, info1, info2, ..MsgHeader::default() };
        let ops: Vec<(u8, u8, &[u8], &[u8])> = (0..ops).map(|_| (op::WRITE, 1, &b"b"[..], &[0u8; 8][..])).collect();
        message::tests::request(h, fields, &ops)
    }

    #[test]
    fn each_record_command_needs_its_permission() {
        let fields: &[(u8, &[u8])] = &[(field::NAMESPACE, b"test"), (field::SET, b"s"), (field::DIGEST, &[0; 20])];
        let need = |body: &[u8]| {
            let m = message::parse(body).expect("a message");
            let n = record(&m);
            (n.perm, n.ns.to_vec(), n.set.to_vec(), n.write)
        };
        assert_eq!(need(&msg(info1::READ, 0, fields, 0)), (perm::READ, b"test".to_vec(), b"s".to_vec(), false));
        assert_eq!(need(&msg(0, info2::WRITE, fields, 1)).0, perm::WRITE);
        assert_eq!(need(&msg(info1::READ, info2::WRITE, fields, 2)).0, perm::WRITE | perm::READ, "an operate that reads");
        assert_eq!(need(&msg(0, info2::WRITE | info2::DELETE, fields, 0)).0, perm::DELETE);
        let udf: &[(u8, &[u8])] = &[(field::NAMESPACE, b"test"), (field::DIGEST, &[0; 20]), (field::UDF_PACKAGE_NAME, b"m"), (field::UDF_FUNCTION, b"f")];
        assert_eq!(need(&msg(0, info2::WRITE, udf, 0)), (perm::UDF_APPLY, b"test".to_vec(), Vec::new(), true));
    }

    #[test]
    fn scans_and_background_jobs_need_query_permissions() {
        let kind = |info2: u8, udf_op: Option<u8>| {
            let mut fields: Vec<(u8, &[u8])> = vec![(field::NAMESPACE, b"test"), (field::RECORDS_PER_SECOND, &[0, 0, 0, 7])];
            let op = [udf_op.unwrap_or(0)];
            if udf_op.is_some() {
                fields.push((field::UDF_OP, &op));
            }
            let body = msg(0, info2, &fields, 0);
            let m = message::parse(&body).expect("a message");
            assert_eq!(query_rps(&m), 7);
            (query(&m).perm, query(&m).write)
        };
        assert_eq!(kind(0, None), (perm::QUERY, false));
        assert_eq!(kind(0, Some(1)), (perm::QUERY, false), "an aggregation reads");
        assert_eq!(kind(info2::WRITE, None), (perm::OPS_QUERY, true));
        assert_eq!(kind(info2::WRITE, Some(2)), (perm::UDF_QUERY, true));
    }

    #[test]
    fn info_commands_that_change_state_need_their_permission() {
        assert_eq!(info("namespaces"), None);
        assert_eq!(info("sindex-list:ns=test"), None);
        assert_eq!(info("udf-put:filename=a.lua;content=x"), Some((perm::UDF_ADMIN, None, String::new())));
        assert_eq!(info("sindex-create:ns=test;indexname=i"), Some((perm::SINDEX_ADMIN, None, String::new())));
        assert_eq!(info("truncate:namespace=test;set=demo"), Some((perm::TRUNCATE, Some("test".into()), "demo".into())));
        assert_eq!(info("truncate-namespace:namespace=bar"), Some((perm::TRUNCATE, Some("bar".into()), String::new())));
        assert_eq!(info("set-config:context=service;x=1"), Some((perm::SET_CONFIG, None, String::new())));
        assert_eq!(info("query-abort:trid=1"), Some((perm::QUERY_ADMIN, None, String::new())));
    }
}
