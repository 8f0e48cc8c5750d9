//! Info commands about jobs and configuration: `query-show`/`query-abort` (and their `scan-`
//! aliases), `truncate*`, `get-config`, `set-config` and `endpoints`.

use std::sync::atomic::Ordering;

use super::stats::{ENDPOINT_KEYS, NETWORK_CONFIG_KEYS, SERVICE_CONFIG_KEYS};
use super::{error, params_map};
use crate::node::Node;

/// `query-show[:trid=<id>]` and `query-abort:trid=<id>` (`id=` is accepted too).
pub fn job_command(node: &Node, name: &str, params: &str) -> String {
    let p = params_map(params);
    let id = p.iter().find(|(k, _)| matches!(*k, "trid" | "id")).map(|(_, v)| *v);
    let abort = name.ends_with("abort");
    let id = match id {
        None if abort => return error(4, "missing id"),
        None => return node.jobs.all().iter().map(|j| j.show()).collect::<Vec<_>>().join(";"),
        Some(v) => match v.parse::<u64>() {
            Ok(id) => id,
            Err(_) => return error(4, "bad id"),
        },
    };
    match node.jobs.get(id) {
        Some(job) if abort => {
            if job.done.load(Ordering::Relaxed) {
                error(2, "id not active")
            } else {
                job.abort.store(true, Ordering::Relaxed);
                "OK".to_string()
            }
        }
        Some(job) => job.show(),
        None if abort => error(2, "id not active"),
        None => error(2, "job not found"),
    }
}

fn service_value(node: &Node, key: &str) -> String {
    match key {
        "cluster-name" => node.cluster_name.clone().unwrap_or_else(|| "null".to_string()),
        "proto-fd-max" => "15000".to_string(),
        "node-id" => node.id.clone(),
        "run-as-daemon" | "advertise-ipv6" | "debug-allocations" | "disable-udf-execution" | "enforce-best-practices"
        | "keep-caps-ssd-health" | "log-local-time" | "log-millis" | "microsecond-histograms" | "stay-quiesced"
        | "enable-benchmarks-fabric" | "enable-health-check" | "enable-hist-info" | "indent-allocations"
        | "poison-allocations" | "cgroup-mem-tracking" => "false".to_string(),
        "work-directory" => "/opt/aerospike".to_string(),
        "pidfile" | "secrets-address-port" | "secrets-tls-context" | "secrets-uds-path" | "vault-ca" | "vault-namespace"
        | "vault-path" | "vault-token-file" | "vault-url" | "node-id-interface" | "auto-pin" => "null".to_string(),
        "min-cluster-size" => "1".to_string(),
        _ => "0".to_string(),
    }
}

fn network_value(node: &Node, key: &str) -> String {
    let tls = node.tls_name.is_some();
    match key {
        // With TLS the node's one port is its tls-port, and it has no clear port.
        "service.port" | "service.access-port" | "service.alternate-access-port" if !tls => node.port.to_string(),
        "service.tls-port" | "service.tls-access-port" | "service.tls-alternate-access-port" if tls => node.port.to_string(),
        "service.tls-name" => node.tls_name.clone().unwrap_or_else(|| "null".to_string()),
        "fabric.port" => "3001".to_string(),
        "heartbeat.port" => "3002".to_string(),
        "admin.port" => "3003".to_string(),
        "heartbeat.mode" => "mesh".to_string(),
        "heartbeat.protocol" => "v3".to_string(),
        k if k.ends_with("address") => "any".to_string(),
        k if k.ends_with("tls-name") => "null".to_string(),
        k if k.ends_with("disable-localhost") || k.ends_with("keepalive-enabled") => "false".to_string(),
        _ => "0".to_string(),
    }
}

pub fn get_config(node: &Node, params: &str) -> String {
    let p = params_map(params);
    let get = |k: &str| p.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let service = || SERVICE_CONFIG_KEYS.iter().map(|k| format!("{k}={}", service_value(node, k))).collect::<Vec<_>>();
    let network = || NETWORK_CONFIG_KEYS.iter().map(|k| format!("{k}={}", network_value(node, k))).collect::<Vec<_>>();
    match get("context") {
        None => {
            let mut all = service();
            all.extend(network());
            all.join(";")
        }
        Some("service") => service().join(";"),
        Some("network") => network().join(";"),
        Some("namespace") => match get("id").or_else(|| get("namespace")) {
            None => error(20, "missing 'namespace'"),
            Some(n) => match node.store.namespace(n.as_bytes()) {
                None => error(20, "namespace not found on node"),
                Some(ns) => super::namespace::namespace_config(ns),
            },
        },
        Some("security") => "enable-quotas=false;privilege-refresh-period=300;session-ttl=86400;tps-weight=2".to_string(),
        Some("logging") => "stderr:misc=INFO".to_string(),
        Some(_) => error(4, "invalid context"),
    }
}

/// Nothing here can be changed at run time.
pub fn set_config(_node: &Node, _params: &str) -> String {
    error(4, "invalid set-config parameter")
}

pub fn endpoints(node: &Node) -> String {
    ENDPOINT_KEYS
        .iter()
        .map(|k| {
            let v = if k.ends_with("-port") || k.ends_with(".port") {
                if k.contains("tls") && !k.starts_with("service.") {
                    "0".to_string()
                } else {
                    network_value(node, k)
                }
            } else if k.starts_with("service.") && k.contains("tls") == node.tls_name.is_some() {
                node.service_host.clone()
            } else {
                String::new()
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(";")
}
