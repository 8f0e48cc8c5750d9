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

/// A client's own view of its cluster: where each partition lives and a pool of connections per
/// node. The commands this crate runs (`batch_read`, `scan`) are its methods, each in its own file.
pub struct Cluster {
    pub(crate) client: Arc<Client>,
    pub(crate) dialer: Dialer,
    routing: parking_lot::Mutex<Option<Arc<Routing>>>,
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
        Some(Self { client, dialer, routing: parking_lot::Mutex::new(None) })
    }

    /// The partition map for the cluster as the crate sees it now: fetched again from every
    /// node (`replicas`) when a node came or went or a partition generation moved. None when a
    /// node cannot say (the crate then reads).
    pub(crate) async fn routing(&self) -> Option<Arc<Routing>> {
        let nodes = self.client.nodes();
        let generations: Vec<(String, isize)> = nodes.iter().map(|n| (n.name().to_owned(), n.partition_generation())).collect();
        let known = self.routing.lock().clone();
        if let Some(routing) = &known {
            if routing.generations == generations && routing.partial_since.is_none_or(|at| at.elapsed() < PARTIAL_MAP_TTL) {
                return Some(routing.clone());
            }
        }
        let mut map = PartitionMap::default();
        let mut connections = Vec::with_capacity(nodes.len());
        let mut answered = 0;
        let policy = aerospike::AdminPolicy::default();
        for (i, node) in nodes.iter().enumerate() {
            // A node that cannot say (one that just died, before the crate's tend drops it) is
            // left out of the map: the partitions the others claim route to them, and a key or
            // partition nobody claims is handed back to the crate by the command.
            let ask = node.info(&policy, &["replicas"]);
            let answer = tokio::time::timeout(self.dialer.connect_timeout.max(Duration::from_secs(1)), ask).await.ok().and_then(Result::ok);
            if let Some(replicas) = answer.as_ref().and_then(|a| a.get("replicas")) {
                map.add_node(u16::try_from(i).ok()?, replicas).ok()?;
                answered += 1;
            }
            let kept = known.as_ref().and_then(|r| r.nodes.iter().find(|c| c.name == node.name() && c.address == node.address()).cloned());
            connections.push(kept.unwrap_or_else(|| NodeConnections::new(node, self.dialer.max_conns)));
        }
        if answered == 0 {
            return None;
        }
        let partial_since = (answered < nodes.len()).then(Instant::now);
        let routing = Arc::new(Routing { generations, partial_since, map, nodes: connections });
        *self.routing.lock() = Some(routing.clone());
        Some(routing)
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

/// Reads one answer frame (an AS_MSG proto) from `stream` into `body`; anything else, or a size
/// past `MAX_ANSWER_BODY`, is a bad answer from `node`.
pub(crate) async fn read_frame(stream: &mut Stream, socket_timeout: Option<Duration>, body: &mut Vec<u8>, node: &str) -> Result<(), Error> {
    let network = |message: String| Error::Network { node: node.to_owned(), message };
    let mut header = [0u8; proto::HEADER_SIZE];
    timed(socket_timeout, stream.read_exact(&mut header)).await.map_err(|e| network(format!("reading the answer: {e}")))?;
    let header = proto::ProtoHeader::parse(&header);
    if header.version != proto::PROTO_VERSION || header.kind != proto::TYPE_MSG || header.size > MAX_ANSWER_BODY {
        let message = format!("a proto header of version {}, type {}, {} bytes", header.version, header.kind, header.size);
        return Err(Error::BadAnswer { node: node.to_owned(), message });
    }
    body.resize(header.size as usize, 0);
    timed(socket_timeout, stream.read_exact(body)).await.map_err(|e| network(format!("reading the answer: {e}")))
}

/// `io` within the socket timeout, if there is one.
pub(crate) async fn timed<T>(limit: Option<Duration>, io: impl std::future::Future<Output = std::io::Result<T>>) -> std::io::Result<T> {
    match limit {
        None => io.await,
        Some(limit) => tokio::time::timeout(limit, io).await.map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no answer within the socket timeout ({} ms)", limit.as_millis())))?,
    }
}
