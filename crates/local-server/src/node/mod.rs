//! This node's identity and the state every connection shares (storage, names, counters).

pub mod user_agents;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::cluster::{Cluster, Member};
use crate::config::Config;
use crate::query::jobs::Jobs;
use crate::security::Security;
use crate::indexed_store::Store;
use crate::storage::PartitionSet;

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
    /// The partitions this node answers for.
    pub partitions: PartitionSet,
    /// Every node of the server, this one at `member_index`.
    pub cluster: Arc<Cluster>,
    pub member_index: usize,
    /// Access control, shared by every node as a cluster shares its users; `None`: CE.
    pub security: Option<Arc<Security>>,
    /// The node's `tls-name` when its port serves TLS (announced by `service-tls-std` and
    /// `peers-tls-std`); `None`: plaintext.
    pub tls_name: Option<String>,
    /// Registered Lua UDF modules, shared by every node as the cluster shares them.
    pub udf: Arc<crate::udf::Registry>,
    /// Client names per open connection (`user-agent-set`, `user-agents`).
    pub user_agents: user_agents::UserAgents,
}

impl Node {
    /// The nodes of one server, one per port, sharing `store`; node `i` owns its share of the
    /// partitions (`PartitionSet::share_of`). One port makes a single node owning everything.
    pub fn cluster(config: &Config, ports: &[u16], store: Arc<Store>) -> Vec<Node> {
        // A wildcard listen address is not something a client can dial back.
        let service_host = match config.host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".to_string(),
            "::" => "::1".to_string(),
            h => h.to_string(),
        };
        let members = ports.iter().map(|&port| Member { id: node_id(port), address: service_address(&service_host, port) });
        let cluster = Arc::new(Cluster { members: members.collect() });
        let udf = Arc::new(crate::udf::Registry::default());
        let security = config.security.then(|| Arc::new(Security::new(std::time::Duration::from_secs(u64::from(config.session_ttl)))));
        (0..ports.len())
            .map(|i| Node {
                id: cluster.members[i].id.clone(),
                service_host: service_host.clone(),
                port: ports[i],
                cluster_name: config.cluster_name.clone(),
                store: store.clone(),
                started: Instant::now(),
                partition_generation: AtomicU64::new(1),
                connections_opened: AtomicU64::new(0),
                connections_open: AtomicU64::new(0),
                jobs: Arc::new(Jobs::default()),
                partitions: PartitionSet::share_of(i, ports.len()),
                cluster: cluster.clone(),
                member_index: i,
                security: security.clone(),
                tls_name: config.tls.as_ref().map(|t| t.name.clone()),
                udf: udf.clone(),
                user_agents: Default::default(),
            })
            .collect()
    }

    /// Whether this node answers for partition `pid`; other nodes' partitions answer
    /// PARTITION_UNAVAILABLE, and the client asks again by its partition map.
    pub fn owns(&self, pid: usize) -> bool {
        self.partitions.contains(pid)
    }

    /// The other nodes of the server.
    pub fn peers(&self) -> impl Iterator<Item = &Member> {
        self.cluster.peers_of(self.member_index)
    }

    pub fn partition_generation(&self) -> u64 {
        self.partition_generation.load(Ordering::Relaxed)
    }

    /// `host:port`, bracketing IPv6 hosts.
    pub fn service_address(&self) -> &str {
        &self.cluster.members[self.member_index].address
    }
}

fn service_address(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
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
