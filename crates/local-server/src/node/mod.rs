//! A node: its identity, its records (`store`), the cluster it is part of (which partitions
//! it holds, whether it is up), the cluster-wide UDF modules and users, its query jobs, the
//! faults a test injected into it, and the counters its connections share.
//!
//! A node also reaches its peers (`peer`), as a real node reaches them over fabric: a
//! single-record command for a partition it does not serve is proxied to the partition's
//! master (`proxy_target`, run there by `run_record`; `net::proxy` carries it), as the real
//! server's `thr_tsvc.c` diverts a command whose partition reservation failed (`proxy.c`).

pub mod faults;
pub mod user_agents;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use crate::cluster::{Cluster, Member, Table};
use crate::codec::message::{self, Message};
use crate::config::Config;
use crate::query::jobs::Jobs;
use crate::security::Security;
use crate::indexed_store::Store;
use crate::storage::{digest, PartitionSet};
use crate::transactions;

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
    /// Every node of the server, this one included, once `link` has run: whom this node
    /// proxies to. Weak, as the nodes hold each other.
    fabric: Arc<OnceLock<Vec<Weak<Node>>>>,
    /// Proxy counters, one per namespace (by the namespace's index in the store).
    pub proxies: Vec<ProxyStats>,
    /// Commands this node proxied that have not been answered yet (`proxy_in_progress`).
    pub proxy_in_progress: AtomicU64,
}

/// What a node counts of the commands it proxied (`namespace/<ns>` statistics of the same
/// names; `proxy.c` counts them as the proxyer).
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Single-record commands answered through a proxy (`client_proxy_complete`).
    pub client_complete: AtomicU64,
    /// ... that timed out waiting for the node they were sent to (`client_proxy_timeout`).
    pub client_timeout: AtomicU64,
    /// Batch rows run on the node that holds them (`batch_sub_proxy_complete`).
    pub batch_sub_complete: AtomicU64,
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
        let fabric = Arc::new(OnceLock::new());
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
                fabric: fabric.clone(),
                proxies: store.namespaces.iter().map(|_| ProxyStats::default()).collect(),
                proxy_in_progress: AtomicU64::new(0),
            })
            .collect()
    }

    /// The nodes of `cluster`, shared, and each able to reach the others (`peer`).
    pub fn link(nodes: Vec<Node>) -> Vec<Arc<Node>> {
        let nodes: Vec<Arc<Node>> = nodes.into_iter().map(Arc::new).collect();
        if let Some(first) = nodes.first() {
            let _ = first.fabric.set(nodes.iter().map(Arc::downgrade).collect());
        }
        nodes
    }

    /// Node `i` of the server, when the nodes were linked and it still exists.
    pub fn peer(&self, i: usize) -> Option<Arc<Node>> {
        self.fabric.get()?.get(i)?.upgrade()
    }

    /// Whether the node is up (a killed node is down from the moment it dies, before the
    /// cluster's table says so).
    pub fn is_alive(&self) -> bool {
        *self.up.borrow()
    }

    /// The node a single-record command must be proxied to under `table`: the master of its
    /// partition, when this node does not serve it (a write here only as master, a read as
    /// any holder). `None`: it runs here, including when the message names no record this
    /// node could place (the command path answers its error) or when no node holds the
    /// partition (`as_partition_reserve_write`/`_read_tr` return -2 and the command path
    /// answers 11, PARTITION_UNAVAILABLE).
    pub fn proxy_target(&self, table: &Table, msg: &Message<'_>) -> Option<usize> {
        let (ns, d) = transactions::record_of(msg)?;
        self.namespace_index(&ns)?;
        let pid = digest::partition_id(&d);
        if self.serves(table, pid, transactions::changes_record(msg)) {
            return None;
        }
        table.master(pid).filter(|&m| m != self.member_index)
    }

    /// Runs a single-record command on this node under `table` (held since the command was
    /// admitted) and copies what it changed to the partition's replicas before the answer
    /// is returned (write-commit-level all): the response frame.
    pub fn run_record(&self, table: &Table, body: &[u8]) -> Vec<u8> {
        let frame = transactions::handle(&self.store, &*self.udf, body, &|pid, write| self.serves(table, pid, write));
        if let Ok(msg) = message::parse(body) {
            if transactions::changes_record(&msg) {
                if let Some((ns, d)) = transactions::record_of(&msg) {
                    if self.serves(table, digest::partition_id(&d), true) {
                        if let Some(k) = self.namespace_index(&ns) {
                            self.cluster.replicate(table, k, &d);
                        }
                    }
                }
            }
        }
        frame
    }

    /// Whether this node is master of partition `pid`: it runs scans, queries and background
    /// jobs of its masters only (other partitions are handed back unavailable, and the client
    /// asks their master, as the real server does: queries are never proxied).
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
