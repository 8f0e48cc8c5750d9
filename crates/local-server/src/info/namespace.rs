//! Info answers about namespaces, sets and node statistics.

use std::sync::atomic::Ordering;

use crate::node::Node;
use crate::storage::Namespace;

/// `namespace/<ns>`, `sets/<ns>[/<set>]`: `None` when the command is not one of these.
pub fn path_command(node: &Node, base: &str, arg: &str) -> Option<String> {
    match base {
        "namespace" => Some(match node.store.namespace(arg.as_bytes()) {
            Some(ns) => namespace_stats(ns),
            None => "type=unknown".to_string(),
        }),
        "sets" => {
            let (ns, set) = match arg.split_once('/') {
                Some((n, s)) => (n, Some(s)),
                None => (arg, None),
            };
            if node.store.namespace(ns.as_bytes()).is_none() {
                return Some("ns_type=unknown".to_string());
            }
            Some(sets(node, Some(ns), set))
        }
        _ => None,
    }
}

fn namespace_stats(ns: &Namespace) -> String {
    let c = &ns.config;
    let objects = ns.object_count();
    [
        "ns_cluster_size=1".to_string(),
        "effective_replication_factor=1".to_string(),
        format!("objects={objects}"),
        "tombstones=0".to_string(),
        format!("master_objects={objects}"),
        "prole_objects=0".to_string(),
        "stop_writes=false".to_string(),
        "hwm_breached=false".to_string(),
        format!("replication-factor={}", c.replication_factor),
        format!("default-ttl={}", c.default_ttl),
        format!("max-record-size={}", c.max_record_size),
        "nsup-period=1".to_string(),
        "storage-engine=memory".to_string(),
        "allow-ttl-without-nsup=true".to_string(),
        "strong-consistency=false".to_string(),
        "conflict-resolution-policy=generation".to_string(),
        "default-read-touch-ttl-pct=0".to_string(),
        "single-bin=false".to_string(),
    ]
    .join(";")
}

/// One `ns=..:set=..:objects=..:...;` entry per set.
pub fn sets(node: &Node, only_ns: Option<&str>, only_set: Option<&str>) -> String {
    let mut out = String::new();
    for ns in &node.store.namespaces {
        if only_ns.is_some_and(|n| n != ns.name()) {
            continue;
        }
        for (set, stats) in ns.set_stats() {
            let set = String::from_utf8_lossy(&set).into_owned();
            if only_set.is_some_and(|s| s != set) {
                continue;
            }
            let fields = [
                format!("objects={}", stats.objects),
                "tombstones=0".to_string(),
                format!("data_used_bytes={}", stats.data_bytes),
                "truncate_lut=0".to_string(),
                "sindexes=0".to_string(),
                "index_populating=false".to_string(),
                "truncating=false".to_string(),
                "default-read-touch-ttl-pct=0".to_string(),
                "default-ttl=0".to_string(),
                "disable-eviction=false".to_string(),
                "enable-index=false".to_string(),
                "stop-writes-count=0".to_string(),
                "stop-writes-size=0".to_string(),
            ];
            if only_set.is_some() {
                out.push_str(&fields.join(":"));
            } else {
                out.push_str(&format!("ns={}:set={}:{}", ns.name(), set, fields.join(":")));
            }
            out.push(';');
        }
    }
    out
}

pub fn statistics(node: &Node) -> String {
    let objects: u64 = node.store.namespaces.iter().map(|n| n.object_count()).sum();
    let uptime = node.started.elapsed().as_secs();
    let open = node.connections_open.load(Ordering::Relaxed);
    let opened = node.connections_opened.load(Ordering::Relaxed);
    [
        "cluster_size=1".to_string(),
        "cluster_integrity=true".to_string(),
        "cluster_is_member=true".to_string(),
        format!("objects={objects}"),
        format!("uptime={uptime}"),
        format!("client_connections={open}"),
        format!("client_connections_opened={opened}"),
        format!("client_connections_closed={}", opened.saturating_sub(open)),
        "admin_connections=0".to_string(),
        "migrate_partitions_remaining=0".to_string(),
    ]
    .join(";")
}
