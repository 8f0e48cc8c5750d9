//! This node's identity and the state every connection shares (storage, names, counters).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::config::Config;
use crate::query::jobs::Jobs;
use crate::storage::Store;

pub struct Node {
    /// The node name clients key their cluster map on, hex like the real server's.
    pub id: String,
    /// The address announced by `service-clear-std` and peers.
    pub service_host: String,
    pub port: u16,
    pub cluster_name: Option<String>,
    pub store: Arc<Store>,
    pub started: Instant,
    pub partition_generation: AtomicU64,
    pub connections_opened: AtomicU64,
    pub connections_open: AtomicU64,
    /// Background query jobs and running queries (`query-show`).
    pub jobs: Arc<Jobs>,
}

impl Node {
    pub fn new(config: &Config, port: u16, store: Arc<Store>) -> Node {
        // A wildcard listen address is not something a client can dial back.
        let service_host = match config.host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".to_string(),
            "::" => "::1".to_string(),
            h => h.to_string(),
        };
        Node {
            id: node_id(port),
            service_host,
            port,
            cluster_name: config.cluster_name.clone(),
            store,
            started: Instant::now(),
            partition_generation: AtomicU64::new(1),
            connections_opened: AtomicU64::new(0),
            connections_open: AtomicU64::new(0),
            jobs: Arc::new(Jobs::default()),
        }
    }

    pub fn partition_generation(&self) -> u64 {
        self.partition_generation.load(Ordering::Relaxed)
    }

    /// `host:port`, bracketing IPv6 hosts.
    pub fn service_address(&self) -> String {
        if self.service_host.contains(':') {
            format!("[{}]:{}", self.service_host, self.port)
        } else {
            format!("{}:{}", self.service_host, self.port)
        }
    }
}

/// Real node ids are the port (hex) followed by the MAC address. A made-up "MAC" from the
/// process id and start time keeps two servers on one port in different runs distinct.
fn node_id(port: u16) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mac = (u64::from(std::process::id()) << 24 ^ u64::from(nanos)) & 0xFFFF_FFFF_FFFF;
    format!("{:X}{:012X}", port, mac | 0x0200_0000_0000)
}
