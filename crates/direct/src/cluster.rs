//! The client's own view of its cluster, shared by every command this crate runs: the partition
//! map (fetched from the nodes the crate tends, again whenever the crate sees a node come or go
//! or a partition generation move), each node's connections, and reading one answer frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::{Client, ClientPolicy};
use wire::proto;

use crate::connections::{Checkout, Dialer, NodeConnections, Stream};
use crate::login::LoginError;
use crate::partitions::PartitionMap;
use crate::Error;

/// The largest answer body accepted: far above any record (8 MiB on the server), so only a
/// corrupt size is refused before it is allocated.
pub(crate) const MAX_ANSWER_BODY: u64 = 256 * 1024 * 1024;

/// How long a map without some node's claims is used before the nodes are asked again (the
/// crate's tend, which drops a dead node, runs every second by default).
const PARTIAL_MAP_TTL: Duration = Duration::from_millis(250);

/// Where every partition lives, as of the node generations it was fetched at, and each node's
/// connections.
pub(crate) struct Routing {
    generations: Vec<(String, isize)>,
    /// When a node could not answer, the map lacks its claims: asked again after
    /// PARTIAL_MAP_TTL even if no generation moved.
    partial_since: Option<Instant>,
    pub(crate) map: PartitionMap,
    pub(crate) nodes: Vec<Arc<NodeConnections>>,
}

impl Routing {
    /// `namespace`'s map when this crate reads `partition` there: the namespace is not strong
    /// consistency (the crate reads those) and the partition has a master.
    pub(crate) fn readable(&self, namespace: &str, partition: usize) -> Option<&crate::partitions::NamespaceMap> {
        self.map.namespace(namespace).filter(|ns| !ns.strong_consistency && ns.master_of(partition).is_some())
    }
}

/// A client's own view of its cluster: where each partition lives and a pool of connections per
/// node. The commands this crate runs (`batch_read`, `scan`) are its methods, each in its own file.
pub struct Cluster {
    pub(crate) client: Arc<Client>,
    pub(crate) dialer: Dialer,
    routing: parking_lot::Mutex<Option<Arc<Routing>>>,
    /// Held while the map is fetched, so that one fetch runs at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl Cluster {
    /// The view of `client`, connected with `policy`; None when its TLS is for the login only
    /// (the crate then moves to cleartext addresses this crate does not know).
    pub fn new(client: Arc<Client>, policy: &ClientPolicy) -> Option<Self> {
        let login = crate::login::Login::new(&policy.auth_mode).map(Arc::new);
        let tls = match &policy.tls_policy {
            None => None,
            Some(tls) if tls.for_login_only => return None,
            Some(tls) => Some(tokio_rustls::TlsConnector::from(tls.config.clone())),
        };
        let idle_timeout = (policy.idle_timeout > 0).then(|| Duration::from_millis(u64::from(policy.idle_timeout)));
        let dialer = Dialer { tls, login, connect_timeout: Duration::from_millis(u64::from(policy.timeout.max(1))), idle_timeout, max_conns: policy.max_conns_per_node };
        Some(Self { client, dialer, routing: parking_lot::Mutex::new(None), refreshing: tokio::sync::Mutex::new(()) })
    }

    /// The partition map for the cluster as the crate sees it now: fetched again from every
    /// node (`replicas`) when a node came or went or a partition generation moved. None when no
    /// node can say (the crate then reads); the refusal when every node refused this client's
    /// login.
    ///
    /// The nodes are asked at once, each on this crate's own connections: a dead node refuses
    /// the connection at once, where the crate's `Node::info` polls its pool for up to a second
    /// (the whole of a default read's total timeout). One refresh runs at a time; the commands
    /// that find the map stale meanwhile take the one it makes.
    pub(crate) async fn routing(&self) -> Result<Option<Arc<Routing>>, Error> {
        if let Some(routing) = self.current_routing() {
            return Ok(Some(routing));
        }
        // Boxed, as every rare path of a command: inline, its futures would grow every
        // command's future, which is copied whole at each move.
        Box::pin(self.fetch_routing()).await
    }

    /// The map asked of the nodes again (see `routing`).
    async fn fetch_routing(&self) -> Result<Option<Arc<Routing>>, Error> {
        let _refreshing = self.refreshing.lock().await;
        if let Some(routing) = self.current_routing() {
            return Ok(Some(routing));
        }
        let nodes = self.client.nodes();
        let generations: Vec<(String, isize)> = nodes.iter().map(|n| (n.name().to_owned(), n.partition_generation())).collect();
        let known = self.routing.lock().clone();
        let connections: Vec<Arc<NodeConnections>> = nodes
            .iter()
            .map(|node| {
                let kept = known.as_ref().and_then(|r| r.nodes.iter().find(|c| c.name == node.name() && c.address == node.address()).cloned());
                kept.unwrap_or_else(|| NodeConnections::new(node, self.dialer.max_conns))
            })
            .collect();
        let answers = futures_util::future::join_all(connections.iter().map(|node| ask_replicas(node, &self.dialer))).await;
        let mut map = PartitionMap::default();
        let mut answered = 0;
        let mut refusal = None;
        for (i, answer) in answers.into_iter().enumerate() {
            // A node that cannot say (one that just died, before the crate's tend drops it) is
            // left out of the map: the partitions the others claim route to them, and a key or
            // partition nobody claims is handed back to the crate by the command.
            match answer {
                Ok(replicas) => {
                    let Ok(node) = u16::try_from(i) else { return Ok(None) };
                    if map.add_node(node, &replicas).is_err() {
                        return Ok(None);
                    }
                    answered += 1;
                }
                Err(e @ Error::Refused { .. }) => refusal = Some(e),
                Err(_) => {}
            }
        }
        if answered == 0 {
            return refusal.map_or(Ok(None), Err);
        }
        let partial_since = (answered < nodes.len()).then(Instant::now);
        let routing = Arc::new(Routing { generations, partial_since, map, nodes: connections });
        *self.routing.lock() = Some(routing.clone());
        Ok(Some(routing))
    }

    /// The partition map, if it is still that of the nodes the crate sees (no node came or went,
    /// no partition generation moved, and a map without some node's claims is not older than
    /// `PARTIAL_MAP_TTL`): what `routing` returns without asking the nodes.
    pub(crate) fn current_routing(&self) -> Option<Arc<Routing>> {
        let nodes = self.client.nodes();
        let routing = self.routing.lock().clone()?;
        let same_nodes = routing.generations.len() == nodes.len()
            && routing.generations.iter().zip(&nodes).all(|((name, generation), node)| name == node.name() && *generation == node.partition_generation());
        (same_nodes && routing.partial_since.is_none_or(|at| at.elapsed() < PARTIAL_MAP_TTL)).then_some(routing)
    }

    /// Each node's direct connections, for the connection metrics.
    pub fn connection_stats(&self) -> Vec<observability::metrics::NodeStats> {
        self.routing.lock().as_ref().map(|r| r.nodes.iter().map(|n| n.stats()).collect()).unwrap_or_default()
    }
}

/// A connection to `node` for one command, taken within the time `deadline` leaves, with
/// `frame` (the command, `what` in errors) sent on it; the answer is read from
/// `checkout.stream()`.
pub(crate) async fn send_command<'n>(node: &'n NodeConnections, dialer: &Dialer, frame: &[u8], socket_timeout: Option<Duration>, deadline: Option<Instant>, what: &str) -> Result<Checkout<'n>, Error> {
    let network = |message: String| Error::Network { node: node.name.clone(), message };
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let mut checkout = node.take(dialer, left).await.map_err(|e| match e {
        LoginError::Io(e) => network(format!("cannot connect to {}: {e}", node.address)),
        LoginError::Refused(result_code) => Error::Refused { node: node.name.clone(), result_code },
    })?;
    let stream = checkout.stream().map_err(|e| network(e.to_string()))?;
    timed(socket_timeout, stream.write_all(frame)).await.map_err(|e| network(format!("sending {what}: {e}")))?;
    Ok(checkout)
}

/// How long a node has to answer `replicas` (a connection included) before the map is made
/// without it; the crate gives its own info commands at least as long.
const REPLICAS_ANSWER_LIMIT: Duration = Duration::from_secs(1);

/// `node`'s `replicas` info answer (the value after the name), within `REPLICAS_ANSWER_LIMIT`.
async fn ask_replicas(node: &NodeConnections, dialer: &Dialer) -> Result<String, Error> {
    const NAME: &str = "replicas";
    let bad = |message: &str| Error::BadAnswer { node: node.name.clone(), message: format!("its {NAME} answer: {message}") };
    let ask = async {
        let request = proto::frame(proto::TYPE_INFO, format!("{NAME}\n").as_bytes());
        let deadline = Instant::now() + REPLICAS_ANSWER_LIMIT;
        let mut checkout = send_command(node, dialer, &request, None, Some(deadline), "the replicas request").await?;
        let mut body = Vec::new();
        let stream = checkout.stream().map_err(|e| Error::Network { node: node.name.clone(), message: e.to_string() })?;
        read_proto(stream, proto::TYPE_INFO, proto::MAX_INFO_BODY_SIZE, None, &mut body, &node.name).await?;
        checkout.give_back();
        // "replicas\t<value>\n"
        let answer = String::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        answer.lines().find_map(|line| line.strip_prefix(NAME)?.strip_prefix('\t').map(str::to_owned)).ok_or_else(|| bad("no value"))
    };
    let late = || Error::Network { node: node.name.clone(), message: format!("no {NAME} answer within {} ms", REPLICAS_ANSWER_LIMIT.as_millis()) };
    tokio::time::timeout(REPLICAS_ANSWER_LIMIT, ask).await.unwrap_or_else(|_| Err(late()))
}

/// Reads one answer frame (an AS_MSG proto) from `stream` into `body`; anything else, or a size
/// past `MAX_ANSWER_BODY`, is a bad answer from `node`.
pub(crate) async fn read_frame(stream: &mut Stream, socket_timeout: Option<Duration>, body: &mut Vec<u8>, node: &str) -> Result<(), Error> {
    read_proto(stream, proto::TYPE_MSG, MAX_ANSWER_BODY, socket_timeout, body, node).await
}

/// The proto header in `bytes`, if it is one of type `kind` with at most `max_body` bytes after
/// it; anything else is a bad answer from `node`.
pub(crate) fn checked_header(bytes: &[u8; proto::HEADER_SIZE], kind: u8, max_body: u64, node: &str) -> Result<proto::ProtoHeader, Error> {
    let header = proto::ProtoHeader::parse(bytes);
    if header.version != proto::PROTO_VERSION || header.kind != kind || header.size > max_body {
        let message = format!("a proto header of version {}, type {}, {} bytes", header.version, header.kind, header.size);
        return Err(Error::BadAnswer { node: node.to_owned(), message });
    }
    Ok(header)
}

/// Reads one proto of type `kind`, of at most `max_body` bytes, from `stream` into `body`.
async fn read_proto(stream: &mut Stream, kind: u8, max_body: u64, socket_timeout: Option<Duration>, body: &mut Vec<u8>, node: &str) -> Result<(), Error> {
    let network = |message: String| Error::Network { node: node.to_owned(), message };
    let mut header = [0u8; proto::HEADER_SIZE];
    timed(socket_timeout, stream.read_exact(&mut header)).await.map_err(|e| network(format!("reading the answer: {e}")))?;
    let header = checked_header(&header, kind, max_body, node)?;
    body.resize(header.size as usize, 0);
    timed(socket_timeout, stream.read_exact(body)).await.map_err(|e| network(format!("reading the answer: {e}")))
}

/// A command's times, derived from its policy as the crate derives them: the total deadline, the
/// limit of each I/O, and the limit the server is told.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CommandTimes {
    /// `total_timeout` (0: none), for the errors.
    pub total_timeout_ms: u32,
    /// When the whole command must have ended.
    pub deadline: Option<Instant>,
    /// Each I/O's limit: the socket timeout, no longer than the total one.
    pub socket_timeout: Option<Duration>,
    /// The server's own limit (the transaction TTL field): the socket timeout when a total one
    /// is set, else 0 (none).
    pub server_timeout_ms: u32,
}

impl CommandTimes {
    /// The times of a command that starts now under `base`.
    pub(crate) fn of(base: &aerospike::policy::BasePolicy) -> Self {
        let total = base.total_timeout;
        let socket_ms = effective_socket_timeout(base.socket_timeout, total);
        Self {
            total_timeout_ms: total,
            deadline: (total > 0).then(|| Instant::now() + Duration::from_millis(u64::from(total))),
            socket_timeout: (socket_ms > 0).then(|| Duration::from_millis(u64::from(socket_ms))),
            server_timeout_ms: server_timeout_ms(base),
        }
    }
}

/// The limit a request under `base` tells the server (see `CommandTimes::server_timeout_ms`).
pub(crate) fn server_timeout_ms(base: &aerospike::policy::BasePolicy) -> u32 {
    if base.total_timeout > 0 { effective_socket_timeout(base.socket_timeout, base.total_timeout) } else { 0 }
}

/// The socket timeout a policy means: the smaller of the two when both are set (as the crate
/// reads `socket_timeout` and `total_timeout`).
fn effective_socket_timeout(socket_timeout: u32, total_timeout: u32) -> u32 {
    match (socket_timeout, total_timeout) {
        (0, t) | (t, 0) => t,
        (s, t) => s.min(t),
    }
}

/// `io` within the socket timeout, if there is one.
pub(crate) async fn timed<T>(limit: Option<Duration>, io: impl std::future::Future<Output = std::io::Result<T>>) -> std::io::Result<T> {
    match limit {
        None => io.await,
        Some(limit) => tokio::time::timeout(limit, io).await.map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no answer within the socket timeout ({} ms)", limit.as_millis())))?,
    }
}
