//! Info answers about namespaces, sets and node statistics.

use std::sync::atomic::Ordering;

use super::stats::{NAMESPACE_KEYS, STATISTICS_KEYS};
use crate::node::Node;
use crate::indexed_store::Namespace;

fn truncate_lut(ns: &Namespace, set: &[u8]) -> u64 {
    ns.truncate_luts.lock().unwrap_or_else(|e| e.into_inner()).get(set).copied().unwrap_or(0)
}

/// `namespace/<ns>`, `sets/<ns>[/<set>]`: `None` when the command is not one of these.
pub fn path_command(node: &Node, base: &str, arg: &str) -> Option<String> {
    match base {
        "namespace" => Some(match node.store.namespace(arg.as_bytes()) {
            Some(ns) => namespace_stats(node, ns),
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
        "sindex" => Some(super::sindex::path(node, arg)),
        _ => None,
    }
}

/// A key's value in `namespace/<ns>`: live figures and configuration where this server has
/// them, the real server's defaults or 0 for the rest.
fn namespace_value(ns: &Namespace, key: &str, objects: u64) -> String {
    let c = &ns.config;
    match key {
        "objects" | "master_objects" => objects.to_string(),
        "effective_replication_factor" | "nsup-period" => "1".to_string(),
        "replication-factor" => c.replication_factor.to_string(),
        "default-ttl" => c.default_ttl.to_string(),
        "max-record-size" => c.max_record_size.to_string(),
        "storage-engine" => "memory".to_string(),
        "storage-engine.data-size" => "2147483648".to_string(),
        "allow-ttl-without-nsup" => "true".to_string(),
        "conflict-resolution-policy" => "generation".to_string(),
        "geo2dsphere-within.earth-radius-meters" => "6371000".to_string(),
        "geo2dsphere-within.max-cells" => "12".to_string(),
        "geo2dsphere-within.max-level" => "30".to_string(),
        "geo2dsphere-within.level-mod" => "1".to_string(),
        "geo2dsphere-within.min-level" => "1".to_string(),
        "index-type" | "sindex-type" => "shmem".to_string(),
        "current_time" => crate::expiry::now_clepoch().to_string(),
        "data_avail_pct" => "100".to_string(),
        "partition-tree-sprigs" => "256".to_string(),
        "truncate_lut" => {
            let luts = ns.truncate_luts.lock().unwrap_or_else(|e| e.into_inner());
            luts.get(&Vec::new()).copied().unwrap_or(0).to_string()
        }
        k if k.starts_with("enable-") || k.starts_with("disable-") || k.starts_with("disallow-") || k.starts_with("reject-") => {
            "false".to_string()
        }
        "strong-consistency" | "strong-consistency-allow-expunge" | "stop_writes" | "hwm_breached" | "clock_skew_stop_writes"
        | "truncating" | "geo2dsphere-within.strict" | "prefer-uniform-balance" | "effective_prefer_uniform_balance"
        | "effective_is_quiesced" | "pending_quiesce" | "force-long-queries" | "inline-short-queries"
        | "ignore-migrate-fill-delay" | "migrate-skip-unreadable" | "auto-revive" | "conflict-resolve-writes"
        | "apply-ttl-reductions" => "false".to_string(),
        _ => "0".to_string(),
    }
}

fn namespace_stats(node: &Node, ns: &Namespace) -> String {
    let objects = ns.object_count(&node.master_partitions());
    let proxies = node.namespace_index(ns.name().as_bytes()).and_then(|k| node.proxies.get(k));
    let proxied = |which: fn(&crate::node::ProxyStats) -> &std::sync::atomic::AtomicU64| {
        proxies.map_or(0, |p| which(p).load(Ordering::Relaxed)).to_string()
    };
    let value = |k: &str| match k {
        "ns_cluster_size" => node.cluster.size().to_string(),
        // Counted by the node that proxied them (`proxy.c`).
        "client_proxy_complete" => proxied(|p| &p.client_complete),
        "client_proxy_timeout" => proxied(|p| &p.client_timeout),
        "batch_sub_proxy_complete" => proxied(|p| &p.batch_sub_complete),
        // The configured factor, or fewer copies when fewer nodes are up.
        "effective_replication_factor" => (ns.config.replication_factor as usize).min(node.cluster.table().copies()).max(1).to_string(),
        _ => namespace_value(ns, k, objects),
    };
    NAMESPACE_KEYS.iter().map(|k| format!("{k}={}", value(k))).collect::<Vec<_>>().join(";")
}

/// `get-config:context=namespace;id=<ns>`: the configuration keys of `namespace/<ns>`.
pub fn namespace_config(ns: &Namespace) -> String {
    NAMESPACE_KEYS
        .iter()
        .filter(|k| k.contains('-') || k.contains('.'))
        .map(|k| format!("{k}={}", namespace_value(ns, k, 0)))
        .collect::<Vec<_>>()
        .join(";")
}

/// One `ns=..:set=..:objects=..:...;` entry per set.
pub fn sets(node: &Node, only_ns: Option<&str>, only_set: Option<&str>) -> String {
    let mut out = String::new();
    for ns in &node.store.namespaces {
        if only_ns.is_some_and(|n| n != ns.name()) {
            continue;
        }
        for (set, stats) in ns.set_stats(&node.master_partitions()) {
            let set = String::from_utf8_lossy(&set).into_owned();
            if only_set.is_some_and(|s| s != set) {
                continue;
            }
            let fields = [
                format!("objects={}", stats.objects),
                "tombstones=0".to_string(),
                format!("data_used_bytes={}", stats.data_bytes),
                format!("truncate_lut={}", truncate_lut(ns, set.as_bytes())),
                format!("sindexes={}", ns.sindex.count_for_set(set.as_bytes())),
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
    let masters = node.master_partitions();
    let objects: u64 = node.store.namespaces.iter().map(|n| n.object_count(&masters)).sum();
    let uptime = node.started.elapsed().as_secs();
    let open = node.connections_open.load(Ordering::Relaxed);
    let opened = node.connections_opened.load(Ordering::Relaxed);
    STATISTICS_KEYS
        .iter()
        .map(|k| {
            let v = match *k {
                "cluster_size" => node.cluster.size().to_string(),
                "cluster_generation" | "cluster_min_compatibility_id" | "cluster_max_compatibility_id" => "1".to_string(),
                "cluster_integrity" | "cluster_is_member" | "migrate_allowed" => "true".to_string(),
                "cluster_key" => super::cluster_stable(node, ""),
                "cluster_principal" | "paxos_principal" => node.cluster.principal().to_string(),
                "objects" => objects.to_string(),
                "uptime" => uptime.to_string(),
                "client_connections" => open.to_string(),
                "client_connections_opened" => opened.to_string(),
                "client_connections_closed" => opened.saturating_sub(open).to_string(),
                "failed_best_practices" => "false".to_string(),
                "long_queries_active" => node.jobs.foreground_active.load(Ordering::Relaxed).to_string(),
                "proxy_in_progress" => node.proxy_in_progress.load(Ordering::Relaxed).to_string(),
                "host_free_mem_pct" | "system_free_mem_pct" | "heap_efficiency_pct" => "100".to_string(),
                _ => "0".to_string(),
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(";")
}
