//! A node: its identity, its records (`store`), the cluster it is part of (which partitions
//! it holds, whether it is up), the cluster-wide UDF modules and users, its query jobs, the
//! faults a test injected into it, and the counters its connections share.

pub mod faults;
pub mod user_agents;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use crate::cluster::{Cluster, Member, Table};
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
    pub connections_opened: AtomicU64,
    pub connections_open: AtomicU64,
    /// Background query jobs and running queries (`query-show`).
    pub jobs: Arc<Jobs>,
    /// Every node of the server, this one at `member_index`, and who holds what.
    pub cluster: Arc<Cluster>,
    pub member_index: usize,
    /// Access control, shared by every node as a cluster shares its users; `None`: CE.
    pub security: Option<Arc<Security>>,
    /// The node's `tls-name` when its port serves TLS (announced by `service-tls-std` and
    /// `peers-tls-std`); `None`: plaintext.
    pub tls_name: Option<String>,
    /// Registered Lua UDF modules, shared by every node as the cluster shares them.
    pub udf: Arc<crate::udf::Registry>,
    /// Faults injected by tests (`Server::inject_fault`).
    pub faults: faults::Faults,
    /// Whether the node is up: connections end, and the listener closes, when it goes down.
    pub up: tokio::sync::watch::Sender<bool>,
    /// Client names per open connection (`user-agent-set`, `user-agents`).
    pub user_agents: user_agents::UserAgents,
}

impl Node {
    /// The nodes of one server, one per port: node 0 keeps its records in `store`, the others
    /// in stores of their own sharing its index definitions. Each partition has
    /// `replication_factor` holders (the largest of the namespaces'), see `cluster`.
    pub fn cluster(config: &Config, ports: &[u16], store: Arc<Store>) -> Vec<Node> {
        // A wildcard listen address is not something a client can dial back.
        let service_host = match config.host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".to_string(),
            "::" => "::1".to_string(),
            h => h.to_string(),
        };
        let members = ports.iter().map(|&port| Member { id: node_id(port), address: service_address(&service_host, port) });
        let stores: Vec<Arc<Store>> =
            (0..ports.len()).map(|i| if i == 0 { store.clone() } else { Arc::new(Store::sharing_definitions(&store)) }).collect();
        let replication_factor = config.namespaces.iter().map(|n| n.replication_factor as usize).max().unwrap_or(1);
        let cluster = Arc::new(Cluster::new(members.collect(), stores.clone(), replication_factor));
        let udf = Arc::new(crate::udf::Registry::default());
        let security = config.security.then(|| Arc::new(Security::new(std::time::Duration::from_secs(u64::from(config.session_ttl)))));
        (0..ports.len())
            .map(|i| Node {
                id: cluster.members[i].id.clone(),
                service_host: service_host.clone(),
                port: ports[i],
                cluster_name: config.cluster_name.clone(),
                store: stores[i].clone(),
                started: Instant::now(),
                connections_opened: AtomicU64::new(0),
                connections_open: AtomicU64::new(0),
                jobs: Arc::new(Jobs::default()),
                cluster: cluster.clone(),
                member_index: i,
                security: security.clone(),
                tls_name: config.tls.as_ref().map(|t| t.name.clone()),
                udf: udf.clone(),
                faults: Default::default(),
                up: tokio::sync::watch::Sender::new(true),
                user_agents: Default::default(),
            })
            .collect()
    }

    /// Whether this node is master of partition `pid`: it runs writes, scans and queries of
    /// its masters only; other partitions answer PARTITION_UNAVAILABLE, and the client asks
    /// again by its partition map (a real node would proxy).
    pub fn owns(&self, pid: usize) -> bool {
        self.cluster.table().master(pid) == Some(self.member_index)
    }

    /// Whether this node runs a read (`write` false) or a write of partition `pid` under
    /// `table`: reads on any node holding the partition, writes on its master.
    pub fn serves(&self, table: &Table, pid: usize, write: bool) -> bool {
        table.serves(self.member_index, pid, write)
    }

    /// The partitions this node is master of.
    pub fn master_partitions(&self) -> PartitionSet {
        self.cluster.table().held_at(self.member_index, 0)
    }

    /// The nodes of the server that are up, but this one.
    pub fn peers(&self) -> Vec<Member> {
        self.cluster.peers_of(self.member_index)
    }

    /// Moves whenever the partition table changes (a node left or came back).
    pub fn partition_generation(&self) -> u64 {
        self.cluster.table().generation
    }

    /// `host:port`, bracketing IPv6 hosts.
    pub fn service_address(&self) -> &str {
        &self.cluster.members[self.member_index].address
    }

    /// The index of this node's namespace `ns` in every node's store.
    pub fn namespace_index(&self, ns: &[u8]) -> Option<usize> {
        self.store.namespaces.iter().position(|n| n.config.name.as_bytes() == ns)
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
