//! The info protocol (proto type 1): newline-separated commands, each answered as
//! `<command as sent>\t<value>\n`, in order. Cluster tending, identity and statistics live here.

mod admin;
mod namespace;
mod sindex;
mod stats;

use crate::node::Node;
use crate::result_code as rc;
use crate::info_text::{base64_encode, error, params_map};
use crate::storage::N_PARTITIONS;


pub const BUILD: &str = "8.1.2.0";
pub const EDITION: &str = "Aerospike Community Edition";
/// Not the real server's commit: a marker that this is the local server.
const BUILD_SHA: &str = "localsrv";

const FEATURES: &str = "batch-any;batch-index;blob-bits;cdt-index;cdt-list;cdt-map;cluster-stable;float;geo;\
sindex-exists;peers;pipelining;pquery;pscans;query-show;relaxed-sc;replicas;replicas-all;replicas-master;\
replicas-max;truncate-namespace;udf";

/// What an empty request answers: the real server's summary list.
const SUMMARY: &[&str] = &[
    "features", "node", "compatibility-id", "edition", "build_ee_sha", "build_sha", "build_arch", "build_time",
    "build_os", "build", "version", "statistics", "services-alumni", "services", "partition-generation",
];


/// Answers a whole info request body.
pub fn handle(node: &Node, body: &[u8]) -> Vec<u8> {
    handle_guarded(node, body, &|_| None)
}

/// Answers a whole info request body, asking `refuse` first of each command whether the
/// caller may run it: its answer (an `ERROR:81:...`) stands in for a refused command's value.
pub fn handle_guarded(node: &Node, body: &[u8], refuse: &dyn Fn(&str) -> Option<String>) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let commands: Vec<&str> = text.split('\n').filter(|c| !c.is_empty()).collect();
    let mut out = String::new();
    if commands.is_empty() {
        for name in SUMMARY {
            out.push_str(name);
            out.push('\t');
            out.push_str(&answer(node, name));
            out.push('\n');
        }
    }
    for cmd in commands {
        out.push_str(cmd);
        out.push('\t');
        out.push_str(&refuse(cmd).unwrap_or_else(|| answer(node, cmd)));
        out.push('\n');
    }
    out.into_bytes()
}

/// The commands thr_info.c's table marks `ee_only`: Community Edition answers each, whatever
/// its parameters, with `ERROR:25:enterprise only` (handle_cmd, as_info_respond_enterprise_only).
const ENTERPRISE_ONLY: &[&str] = &[
    "alumni-tls-alt", "alumni-tls-std", "feature-key", "masking", "masking-show", "peers-tls-alt", "peers-tls-std",
    "quiesce", "quiesce-undo", "rack-ids", "racks", "revive", "roster", "roster-set", "service-tls-alt",
    "service-tls-std", "xdr-dc-state", "xdr-get-filter", "xdr-set-filter",
];

/// The value for one command.
pub fn answer(node: &Node, cmd: &str) -> String {
    // `name:params` and `name/arg` forms; `status;` is accepted like `status`.
    let cmd_trim = cmd.trim_end_matches(';');
    let (name, params) = match cmd_trim.split_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (cmd_trim, None),
    };
    if let Some((base, arg)) = name.split_once('/') {
        return namespace::path_command(node, base, arg).unwrap_or_else(|| error(4, "unrecognized command"));
    }
    let tls_family = name.contains("-tls-");
    if ENTERPRISE_ONLY.contains(&name) && !(tls_family && node.tls_name.is_some()) {
        return error(rc::ENTERPRISE_ONLY, "enterprise only");
    }
    match name {
        "node" => node.id.clone(),
        "build" => BUILD.to_string(),
        "version" => format!("{EDITION} build {BUILD}"),
        "edition" => EDITION.to_string(),
        "release" => format!("edition={EDITION};version={BUILD};os=linux;arch=x86_64;sha={BUILD_SHA}"),
        "build_os" => "linux".to_string(),
        "build_arch" => "x86_64".to_string(),
        "build_time" => "Thu Jan 01 00:00:00 UTC 2026".to_string(),
        "build_sha" => BUILD_SHA.to_string(),
        "build_ee_sha" => String::new(),
        "compatibility-id" => "1".to_string(),
        "features" => FEATURES.to_string(),
        "status" => "ok".to_string(),
        "cluster-name" => node.cluster_name.clone().unwrap_or_else(|| "null".to_string()),
        "cluster-stable" => cluster_stable(node, params.unwrap_or("")),
        "partition-generation" => node.partition_generation().to_string(),
        "rebalance-generation" => "1".to_string(),
        "peers-generation" => node.cluster.peers_generation().to_string(),
        // CE answers the TLS family "enterprise only" (above); a TLS-mode node serves TLS on
        // its port instead, as an Enterprise server does, and lists no clear address.
        "peers-clear-std" | "peers-clear-alt" if node.tls_name.is_none() => peers(node, None),
        "peers-tls-std" | "peers-tls-alt" => match &node.tls_name {
            Some(name) => peers(node, Some(name)),
            None => format!("{},,[]", node.cluster.peers_generation()),
        },
        "peers-clear-std" | "peers-clear-alt" => format!("{},,[]", node.cluster.peers_generation()),
        "alumni-clear-std" | "alumni-clear-alt" | "alumni-tls-std" | "alumni-tls-alt" => format!("{},,[]", node.cluster.peers_generation()),
        "services" | "services-alumni" | "services-alternate" => {
            node.peers().iter().map(|m| m.address.as_str()).collect::<Vec<_>>().join(";")
        }
        "services-alumni-reset" => "ok".to_string(),
        "service" | "service-clear-std" if node.tls_name.is_none() => node.service_address().to_string(),
        "service-tls-std" if node.tls_name.is_some() => node.service_address().to_string(),
        "service" | "service-clear-std" | "service-clear-alt" | "service-tls-std" | "service-tls-alt" => String::new(),
        "partitions" => N_PARTITIONS.to_string(),
        "replicas" => replicas(node, true),
        "replicas-all" => replicas(node, false),
        "replicas-master" => replicas_master(node),
        "namespaces" => node.store.namespaces.iter().map(|n| n.name().to_string()).collect::<Vec<_>>().join(";"),
        "statistics" => namespace::statistics(node),
        "sets" => namespace::sets(node, None, None),
        "connection" => "admin=false".to_string(),
        "health-outliers" | "health-stats" => String::new(),
        "best-practices" => "failed_best_practices=none".to_string(),
        "query-show" | "query-abort" => {
            admin::job_command(node, name, params.unwrap_or(""))
        }
        "truncate" | "truncate-namespace" => crate::truncate::info_command(node.cluster.stores(), name, params.unwrap_or("")),
        // Undo only matters to a server that restarts from storage: nothing to do in memory.
        "truncate-undo" | "truncate-namespace-undo" => "ok".to_string(),
        "sindex-create" => sindex::create(node, params.unwrap_or("")),
        "sindex-delete" => sindex::delete(node, params.unwrap_or("")),
        "sindex-exists" => sindex::exists(node, params.unwrap_or("")),
        "sindex-list" | "sindex" => sindex::list(node, params.unwrap_or("")),
        "sindex-stat" => sindex::stat(node, params.unwrap_or("")),
        "get-config" => admin::get_config(node, params.unwrap_or("")),
        "set-config" => admin::set_config(node, params.unwrap_or("")),
        "endpoints" => admin::endpoints(node),
        // `namespace:test` is the same as `namespace/test`.
        "namespace" => namespace::path_command(node, "namespace", params.unwrap_or("")).unwrap_or_default(),
        "udf-put" | "udf-get" | "udf-list" | "udf-remove" => {
            node.udf.info(name, params.unwrap_or("")).unwrap_or_default()
        }
        "log" | "logs" => "0:stderr".to_string(),
        _ => error(4, "unrecognized command"),
    }
}

/// The cluster key once the cluster is stable; the nodes of one server always are.
pub(super) fn cluster_stable(node: &Node, params: &str) -> String {
    for (k, v) in params_map(params) {
        match k {
            "size" => match v.parse::<usize>() {
                Ok(n) if n == node.cluster.size() => {}
                Ok(_) => return error(7, "cluster not specified size"),
                Err(_) => return error(4, "bad size"),
            },
            "ignore-migrations" if !matches!(v, "true" | "false") => return error(4, "bad ignore migrations"),
            "namespace" if node.store.namespace(v.as_bytes()).is_none() => {
                return error(20, "namespace not found on node")
            }
            _ => {}
        }
    }
    format!("{:X}", node.cluster.key())
}

/// `replicas` (`ns:regime,n,map0,map1,...`) and `replicas-all` (without the regime), as
/// `as_partition_get_replicas_all_str` (partition.c) writes them: per namespace its effective
/// replication factor (the configured one, or fewer when fewer nodes are up), then for each
/// position (0: master, 1: first replica...) the bitmap of the partitions this node holds
/// there. The regime only moves in strong-consistency namespaces: always 0 here.
fn replicas(node: &Node, with_regime: bool) -> String {
    let table = node.cluster.table();
    let maps: Vec<String> = (0..table.copies()).map(|j| base64_encode(table.held_at(node.member_index, j).bitmap())).collect();
    let per_ns = |ns: &crate::indexed_store::Namespace| {
        let n = (ns.config.replication_factor as usize).clamp(1, maps.len().max(1));
        let regime = if with_regime { "0," } else { "" };
        format!("{}:{regime}{n},{}", ns.name(), maps[..n.min(maps.len())].join(","))
    };
    node.store.namespaces.iter().map(|ns| per_ns(ns)).collect::<Vec<_>>().join(";")
}

/// `replicas-master`: `ns:map` of the partitions this node is master of.
fn replicas_master(node: &Node) -> String {
    let bits = base64_encode(node.master_partitions().bitmap());
    node.store.namespaces.iter().map(|n| format!("{}:{bits}", n.name())).collect::<Vec<_>>().join(";")
}

/// `generation,default-port,[[node-id,tls-name,[host:port]],...]` listing every other node
/// (the tls-name empty for clear peers). Each address carries its port: the nodes of one
/// server differ only by port.
fn peers(node: &Node, tls_name: Option<&str>) -> String {
    let name = tls_name.unwrap_or("");
    let list: Vec<String> = node.peers().iter().map(|m| format!("[{},{name},[{}]]", m.id, m.address)).collect();
    format!("{},{},[{}]", node.cluster.peers_generation(), node.port, list.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info_text::base64_decode;
    use crate::storage::PartitionSet;

    // thr_info.c: ee_only commands answer ERROR:25 on CE; commands 8.1's table lacks are
    // unrecognized (4).
    #[test]
    fn enterprise_only_and_removed_commands() {
        let store = std::sync::Arc::new(crate::indexed_store::Store::new(&[crate::config::NamespaceConfig::new("test")]));
        let node = Node::cluster(&crate::config::Config::default(), &[3000], store).remove(0);
        for cmd in ["rack-ids", "racks:namespace=test", "peers-tls-std", "alumni-tls-std", "service-tls-std", "roster:namespace=test", "feature-key"] {
            assert_eq!(answer(&node, cmd), "ERROR:25:enterprise only", "{cmd}");
        }
        for cmd in ["jobs", "scan-show", "cluster-generation", "replicas-prole", "services-alt"] {
            assert_eq!(answer(&node, cmd), "ERROR:4:unrecognized command", "{cmd}");
        }
        assert_eq!(answer(&node, "alumni-clear-std"), "1,,[]");
    }

    #[test]
    fn base64_round_trip() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let e = base64_encode(data);
            assert_eq!(base64_decode(&e).as_deref(), Some(data));
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(PartitionSet::all().bitmap()).len(), 684);
        assert!(base64_decode("!!").is_none());
    }
}
