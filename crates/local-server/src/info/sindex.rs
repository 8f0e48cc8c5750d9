//! The secondary-index info commands: `sindex-create`, `sindex-delete`, `sindex-exists`,
//! `sindex-list`, `sindex-stat`, and the legacy `sindex/<ns>[/<name>]`, with CE 8.1's texts.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::info_text::{base64_decode, base64_encode, error, params_map};
use crate::node::Node;
use crate::sindex::{self, build, CollType, Created, IndexDef, KeyType, NewIndex};
use crate::indexed_store::Namespace;

fn param<'a>(p: &[(&'a str, &'a str)], keys: &[&str]) -> Option<&'a str> {
    p.iter().find(|(k, _)| keys.contains(k)).map(|(_, v)| *v)
}

pub fn create(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let Some(ns_name) = param(&p, &["namespace", "ns"]) else {
        return error(20, "missing 'namespace'");
    };
    let Some(name) = param(&p, &["indexname"]).filter(|n| !n.is_empty()) else {
        return error(4, "missing 'indexname'");
    };
    if name.len() >= 64 {
        return error(4, "'indexname' too long");
    }
    let coll = match param(&p, &["indextype"]) {
        None => CollType::Default,
        Some(t) => match CollType::parse(t) {
            Some(c) => c,
            None => return error(4, "bad 'indextype' - must be one of 'default', 'list', 'mapkeys', 'mapvalues'"),
        },
    };
    // `bin=..;type=..` (8.1) or `indexdata=<bin>,<type>` (older clients).
    let (mut bin, mut ktype) = (param(&p, &["bin"]), param(&p, &["type"]));
    if let Some((b, t)) = param(&p, &["indexdata"]).and_then(|d| d.split_once(',')) {
        bin = bin.or(Some(b));
        ktype = ktype.or(Some(t));
    }
    let exp = match param(&p, &["exp"]) {
        Some(e) => match base64_decode(e) {
            Some(b) if !b.is_empty() => Some(b),
            _ => return error(4, "bad 'exp'"),
        },
        None => None,
    };
    if bin.is_none() && exp.is_none() {
        return error(4, "both 'bin' and 'exp' are missing");
    }
    if bin.is_some_and(|b| b.is_empty() || b.len() > 15) {
        return error(4, "bad 'bin'");
    }
    let key_type = match ktype.map(KeyType::parse) {
        Some(Some(t)) => t,
        _ => return error(4, "bad 'type' - must be one of 'numeric', 'string', 'blob', 'geo2dsphere'"),
    };
    if key_type == KeyType::Geo && matches!(coll, CollType::MapKeys) {
        return error(4, "bad 'type' - 'mapkeys' index cannot be 'geo2dsphere'");
    }
    let ctx_bytes = match param(&p, &["context"]) {
        Some(c) => match base64_decode(c) {
            Some(b) if !b.is_empty() => Some(b),
            _ => return error(4, "bad 'context'"),
        },
        None => None,
    };
    // An unknown namespace is accepted and ignored, as the real server's SMD does.
    let Some(ns) = node.store.namespace(ns_name.as_bytes()) else { return "ok".to_string() };
    let new = NewIndex {
        name: name.to_string(),
        set: param(&p, &["set"]).filter(|s| !s.is_empty()).map(|s| s.as_bytes().to_vec()),
        bin: bin.map(|b| b.as_bytes().to_vec()),
        key_type,
        coll,
        ctx_bytes,
        exp,
    };
    match ns.sindex.create(new) {
        Ok(Created::New(_)) => {
            // The definition is shared; each node indexes its own records.
            if let Some(def) = ns.sindex.by_name(name) {
                for store in node.cluster.stores() {
                    if let Some(copy) = store.namespace(ns_name.as_bytes()) {
                        build::spawn_build(copy.clone(), def.clone());
                    }
                }
            }
            "ok".to_string()
        }
        Ok(_) => "ok".to_string(),
        Err((code, msg)) => error(code, msg),
    }
}

pub fn delete(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let Some(ns_name) = param(&p, &["namespace", "ns"]) else {
        return error(20, "missing 'namespace'");
    };
    let Some(name) = param(&p, &["indexname"]) else {
        return error(4, "missing 'indexname'");
    };
    if let Some(ns) = node.store.namespace(ns_name.as_bytes()) {
        if let Some(def) = ns.sindex.remove(name) {
            for store in node.cluster.stores() {
                if let Some(copy) = store.namespace(ns_name.as_bytes()) {
                    build::drop_entries(copy, def.id);
                }
            }
        }
    }
    "ok".to_string()
}

pub fn exists(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let Some(ns_name) = param(&p, &["namespace", "ns"]) else {
        return error(20, "missing 'namespace'");
    };
    let Some(name) = param(&p, &["indexname"]) else {
        return error(4, "missing 'indexname'");
    };
    let found = node.store.namespace(ns_name.as_bytes()).is_some_and(|ns| ns.sindex.by_name(name).is_some());
    found.to_string()
}

fn list_entry(ns: &Namespace, d: &IndexDef) -> String {
    let b64 = |b: &Option<Vec<u8>>| b.as_ref().map_or("null".to_string(), |x| base64_encode(x));
    format!(
        "ns={}:indexname={}:set={}:bin={}:type={}:indextype={}:context={}:exp={}:state={}",
        ns.name(),
        d.name,
        d.set.as_ref().map_or("NULL".into(), |s| String::from_utf8_lossy(s).into_owned()),
        d.bin.as_ref().map_or("null".into(), |s| String::from_utf8_lossy(s).into_owned()),
        d.key_type.name(),
        d.coll.name(),
        b64(&d.ctx_bytes),
        b64(&d.exp),
        if d.load_pct() >= 100 { "RW" } else { "WO" },
    )
}

pub fn list(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let only = param(&p, &["namespace", "ns"]);
    let mut out = Vec::new();
    for ns in &node.store.namespaces {
        if only.is_some_and(|n| n != ns.name()) {
            continue;
        }
        for d in ns.sindex.defs() {
            out.push(list_entry(ns, &d));
        }
    }
    out.join(";")
}

fn stat_of(node: &Node, ns: &Arc<Namespace>, d: &IndexDef) -> String {
    let entries = build::entry_count(ns, d.id, &node.master_partitions());
    [
        format!("entries={entries}"),
        format!("used_bytes={}", entries * 40),
        format!("entries_per_bval={}", u64::from(entries > 0)),
        format!("entries_per_rec={}", u64::from(entries > 0)),
        format!("load_pct={}", d.load_pct()),
        format!("load_time={}", d.load_ms.load(Ordering::Relaxed)),
        "stat_gc_recs=0".to_string(),
    ]
    .join(";")
}

pub fn stat(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let Some(ns_name) = param(&p, &["namespace", "ns"]) else {
        return error(20, "missing 'namespace'");
    };
    let Some(ns) = node.store.namespace(ns_name.as_bytes()) else {
        return error(20, "namespace not found");
    };
    let Some(name) = param(&p, &["indexname"]) else {
        // The real server answers both errors, one after the other.
        return format!("{}{}", error(4, "missing 'indexname'"), error(sindex::INDEX_NOT_FOUND, "no index"));
    };
    match ns.sindex.by_name(name) {
        Some(d) => stat_of(node, ns, &d),
        None => error(sindex::INDEX_NOT_FOUND, "no index"),
    }
}

/// `sindex/<ns>` (a list) and `sindex/<ns>/<name>` (its statistics).
pub fn path(node: &Node, arg: &str) -> String {
    let (ns_name, name) = match arg.split_once('/') {
        Some((n, i)) => (n, Some(i)),
        None => (arg, None),
    };
    let Some(ns) = node.store.namespace(ns_name.as_bytes()) else {
        return "ns_type=unknown".to_string();
    };
    match name {
        None => ns.sindex.defs().iter().map(|d| list_entry(ns, d)).collect::<Vec<_>>().join(";"),
        Some(n) => match ns.sindex.by_name(n) {
            Some(d) => stat_of(node, ns, &d),
            None => error(sindex::INDEX_NOT_FOUND, "no index"),
        },
    }
}
