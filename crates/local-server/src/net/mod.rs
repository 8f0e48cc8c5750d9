//! Sockets: the accept loop, one task per connection, and proto framing. A frame that cannot be
//! trusted (bad version, unknown type, oversized, truncated) closes its connection; nothing a
//! client sends can allocate more than the frame limit or stop the server.
//!
//! With TLS (`tls::ServerTls`) each connection first completes a handshake, within
//! `HANDSHAKE_TIMEOUT`; one that fails (plaintext, garbage, an untrusted client certificate)
//! just closes its connection. The client certificate's common name, if one was presented,
//! rides with the connection for a PKI login.
//!
//! A node that goes down (`Node::up` false) stops accepting and ends every connection at its
//! next await point, without a goodbye; faults injected into a node (`node::faults`) are
//! applied here, to each data command as it arrives.
//!
//! A single-record command for a partition this node does not serve (the client's partition
//! map is stale) is proxied to the partition's master and answered here (`proxy`); a batch
//! row likewise runs on the node that serves it. Scans and queries are never proxied: the
//! partitions this node is not master of are handed back unavailable, for the client to ask
//! their master.
//!
//! In security mode each connection also carries its caller (`Conn`: the address it comes
//! from, the user it logged in as), and every request is checked here, once per request kind,
//! before it reaches the part that runs it: admin messages go to `security::admin`; info
//! requests need a login, and state-changing commands their permission; a record command its
//! permission and quota; a batch the same per row; a scan or query its permission up front.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::codec::message::{self, Message};
use crate::codec::proto::{self, ProtoHeader};
use crate::indexed_store::Store;
use crate::node::faults::CommandFaults;
use crate::node::Node;
use crate::result_code as rc;
use crate::security::{access, admin, perm, Security};
use crate::{batch, info, info_text, query, tls};

pub mod proxy;
pub mod query_stream;

/// How long a client has to complete its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `node` on `listener` until `shutdown` or until the node goes down (then the
/// listener closes with it); with `tls`, every connection is TLS.
pub async fn serve(listener: TcpListener, node: Arc<Node>, tls: Option<TlsAcceptor>, mut shutdown: watch::Receiver<bool>) {
    let mut up = node.up.subscribe();
    loop {
        if !*up.borrow_and_update() {
            return;
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                // Closed before a byte is read: the client's connect or first command fails.
                Ok((stream, _)) if node.faults.refuse_connection() => drop(stream),
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let node = node.clone();
                    let shutdown = shutdown.clone();
                    let tls = tls.clone();
                    let mut node_up = node.up.subscribe();
                    tokio::spawn(async move {
                        node.connections_opened.fetch_add(1, Ordering::Relaxed);
                        node.connections_open.fetch_add(1, Ordering::Relaxed);
                        let mut conn = Conn { peer: peer.ip(), id: node.user_agents.connect(), ..Conn::default() };
                        let serving = async {
                            match tls {
                                None => connection(stream, &node, &mut conn, shutdown).await,
                                Some(acceptor) => tls_connection(acceptor, stream, &node, &mut conn, shutdown).await,
                            }
                        };
                        // A node going down drops the connection wherever it is, mid-response too.
                        tokio::select! {
                            _ = serving => {}
                            _ = node_up.wait_for(|up| !*up) => {}
                        }
                        conn.log_out(&node);
                        node.user_agents.disconnect(conn.id);
                        node.connections_open.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => return,
            _ = up.changed() => {}
        }
    }
}

/// The handshake, then the connection over it; a failed or slow handshake closes the socket.
async fn tls_connection(acceptor: TlsAcceptor, stream: TcpStream, node: &Node, conn: &mut Conn, mut shutdown: watch::Receiver<bool>) {
    let handshake = tokio::select! {
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)) => done,
        _ = shutdown.changed() => return,
    };
    let Ok(Ok(stream)) = handshake else { return };
    conn.cert_user = tls::peer_common_name(stream.get_ref().1.peer_certificates());
    connection(stream, node, conn, shutdown).await;
}

/// The caller on one connection, as security sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    /// The client's address, which role whitelists are checked against at login.
    pub peer: IpAddr,
    /// The user the connection logged in (or authenticated) as; `None` until it does.
    pub user: Option<String>,
    /// The common name of the TLS client certificate, if the client presented one (and the
    /// handshake verified it): whom a PKI login logs in as.
    pub cert_user: Option<String>,
    /// The connection's id in the node's per-connection registries (`user-agents`).
    pub id: u64,
}

impl Default for Conn {
    fn default() -> Self {
        Conn { peer: IpAddr::V4(Ipv4Addr::LOCALHOST), user: None, cert_user: None, id: 0 }
    }
}

impl Conn {
    /// The logged-in user, or 80 NotAuthenticated.
    fn caller(&self) -> Result<&str, u8> {
        self.user.as_deref().ok_or(rc::NOT_AUTHENTICATED)
    }

    /// A record command or batch row: its permission where it runs, then one record of quota.
    pub fn admit_record(&self, sec: &Security, msg: &Message<'_>) -> Result<(), u8> {
        let user = self.caller()?;
        let need = access::record(msg);
        sec.permits(user, need.perm, Some(need.ns), need.set)?;
        sec.admit(user, need.write, 1)
    }

    /// A scan or query: its permission, and a records-per-second within the user's quota.
    pub fn admit_query(&self, sec: &Security, msg: &Message<'_>) -> Result<(), u8> {
        let user = self.caller()?;
        let need = access::query(msg);
        sec.permits(user, need.perm, Some(need.ns), need.set)?;
        let quota = sec.quota(user, need.write);
        if quota > 0 && access::query_rps(msg) > quota {
            return Err(rc::QUOTA_EXCEEDED);
        }
        Ok(())
    }

    /// An info command: `None` to run it, or the error that answers it instead.
    fn refuse_info(&self, sec: &Security, command: &str) -> Option<String> {
        let (wanted, ns, set) = access::info(command)?;
        let user = self.user.as_deref()?;
        match sec.permits(user, wanted, ns.as_deref().map(str::as_bytes), set.as_bytes()) {
            Ok(()) => None,
            Err(rc::NOT_AUTHENTICATED) => Some(info_text::error(rc::NOT_AUTHENTICATED, "not authenticated")),
            Err(code) => {
                let missing = sec.missing(user, wanted, ns.as_deref().map(str::as_bytes), set.as_bytes());
                Some(info_text::error(code, &format!("role violation - requires permission '{}'", perm::name(missing))))
            }
        }
    }

    /// The connection closes: it no longer counts as one of its user's.
    fn log_out(&mut self, node: &Node) {
        if let (Some(sec), Some(user)) = (&node.security, self.user.take()) {
            sec.connection_closed(&user);
        }
    }
}

async fn connection<S>(mut stream: S, node: &Node, conn: &mut Conn, mut shutdown: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    loop {
        let frame = tokio::select! {
            f = read_frame(&mut stream) => f,
            _ = shutdown.changed() => return,
        };
        let Some((header, body)) = frame else { return };
        let is_data = matches!(header.kind, proto::TYPE_MSG | proto::TYPE_COMPRESSED);
        let faults = if is_data { node.faults.for_command() } else { CommandFaults::default() };
        let mut code = faults.result_code;
        if let Some(delay) = faults.delay {
            tokio::time::sleep(delay).await;
            // As the real server drops a transaction that timed out while queued
            // (thr_tsvc.c: end_time from the message's transaction_ttl, else
            // transaction-max-ms, 1 s): a delayed command past its deadline never runs.
            if header.kind == proto::TYPE_MSG && expired_while_queued(&body, delay) {
                code = code.or(Some(rc::TIMEOUT));
            }
        }
        let reply = match code {
            Some(code) => Some(Reply::Frame(injected_error(&body, code))),
            None => dispatch(node, conn, header, body),
        };
        if faults.drop_mid_response {
            // The whole answer, then only its first half on the wire, then the connection goes.
            let mut whole: Vec<u8> = Vec::new();
            let _ = answer(&mut whole, node, conn, reply).await;
            let _ = stream.write_all(&whole[..whole.len() / 2]).await;
            let _ = stream.flush().await;
            return;
        }
        let sent = answer(&mut stream, node, conn, reply).await;
        // TLS buffers what it encrypts: each answer leaves now (a no-op on plain TCP).
        if !sent || stream.flush().await.is_err() {
            return;
        }
    }
}

/// Writes one request's answer; `false` when the connection must close.
async fn answer(stream: &mut (dyn AsyncWrite + Unpin + Send), node: &Node, conn: &Conn, reply: Option<Reply>) -> bool {
    match reply {
        Some(Reply::Frame(response)) => stream.write_all(&response).await.is_ok(),
        Some(Reply::Batch(body)) => stream_batch(stream, node, conn, &body).await,
        Some(Reply::Query(body)) => query_stream::serve(stream, node, &body).await,
        Some(Reply::Proxy(p)) => {
            let response = proxy::forward(node, p).await;
            stream.write_all(&response).await.is_ok()
        }
        None => false,
    }
}

/// Whether a command that waited `waited` is past its deadline: its transaction_ttl (ms), or the
/// server's transaction-max-ms (1000) when it sent none.
fn expired_while_queued(body: &[u8], waited: Duration) -> bool {
    let Ok(msg) = message::parse(body) else { return false };
    waited > proxy::time_allowed(msg.header.transaction_ttl)
}

/// The answer of a data command a fault makes fail with `code`: a batch, scan or query ends
/// its stream with it; a record command is answered with it.
fn injected_error(body: &[u8], code: u8) -> Vec<u8> {
    let streamed = batch::is_batch(body) || message::parse(body).is_ok_and(|m| query::request::is_query(&m));
    if streamed {
        query::run::last_frame(code)
    } else {
        message::error_response(code)
    }
}

/// Answers a batch block by block as its rows run, so a big batch never sits in memory whole.
async fn stream_batch(stream: &mut (dyn AsyncWrite + Unpin + Send), node: &Node, conn: &Conn, body: &[u8]) -> bool {
    // A row runs where its partition is served: here, or proxied to the master (`thr_tsvc.c`
    // diverts batch sub-transactions as it diverts a client's command).
    let stores = node.cluster.stores();
    let route = |ns: &[u8], partition: usize, write: bool| {
        let table = node.cluster.table();
        if node.serves(&table, partition, write) {
            return batch::Place::Here;
        }
        match table.master(partition).and_then(|m| stores.get(m)) {
            Some(master) => {
                let master: &Store = master;
                if let Some(stats) = node.namespace_index(ns).and_then(|k| node.proxies.get(k)) {
                    stats.batch_sub_complete.fetch_add(1, Ordering::Relaxed);
                }
                batch::Place::Proxied(master)
            }
            None => batch::Place::Unavailable,
        }
    };
    // Every row that wrote ran on its partition's master: copy it to the replicas.
    let written = |ns: &[u8], d: &crate::storage::Digest| {
        if let Some(k) = node.namespace_index(ns) {
            node.cluster.replicate(&node.cluster.table(), k, d);
        }
    };
    let guard = |msg: &Message<'_>| node.security.as_deref().map_or(Ok(()), |sec| conn.admit_record(sec, msg));
    let mut run = batch::Batch::new(&node.store, &*node.udf, body, &route).with_written(&written);
    if node.security.is_some() {
        run = run.with_guard(&guard);
    }
    let mut out = Vec::with_capacity(batch::BLOCK_SIZE + 4096);
    loop {
        // Each block's rows run, and are replicated, under one partition table.
        let progress = {
            let _held = node.cluster.hold();
            run.fill(&mut out)
        };
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return false;
        }
        if progress == batch::Progress::Done {
            return true;
        }
    }
}

/// Reads one frame, or `None` when the connection should close.
async fn read_frame<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(ProtoHeader, Vec<u8>)> {
    let mut h = [0u8; proto::HEADER_SIZE];
    stream.read_exact(&mut h).await.ok()?;
    let header = ProtoHeader::parse(&h);
    header.validate().ok()?;
    // Grows only as bytes actually arrive: a lying size costs nothing until it is sent.
    let mut body = Vec::with_capacity((header.size as usize).min(64 * 1024));
    (&mut *stream).take(header.size).read_to_end(&mut body).await.ok()?;
    if body.len() as u64 != header.size {
        return None;
    }
    Some((header, body))
}

/// What answers one request frame.
pub enum Reply {
    /// One complete response frame.
    Frame(Vec<u8>),
    /// A batch's AS_MSG body (decompressed if it came compressed), answered as a stream.
    Batch(Vec<u8>),
    /// A scan or query's AS_MSG body, answered as a stream (or by starting a background job).
    Query(Vec<u8>),
    /// A single-record command for another node, answered once that node ran it.
    Proxy(proxy::Proxy),
}

/// The reply to one request frame, or `None` to close the connection.
pub fn dispatch(node: &Node, conn: &mut Conn, header: ProtoHeader, body: Vec<u8>) -> Option<Reply> {
    match header.kind {
        proto::TYPE_INFO => Some(Reply::Frame(proto::frame(proto::TYPE_INFO, &info_reply(node, conn, &body)))),
        proto::TYPE_MSG => Some(msg_reply(node, conn, body)),
        proto::TYPE_COMPRESSED => {
            let mut inner = decompress(&body)?;
            let hb: [u8; proto::HEADER_SIZE] = inner.get(..proto::HEADER_SIZE)?.try_into().ok()?;
            let inner_header = ProtoHeader::parse(&hb);
            inner_header.validate().ok()?;
            let inner_len = (inner.len() - proto::HEADER_SIZE) as u64;
            if inner_header.kind != proto::TYPE_MSG || inner_len != inner_header.size {
                return None;
            }
            inner.drain(..proto::HEADER_SIZE);
            Some(msg_reply(node, conn, inner))
        }
        proto::TYPE_ADMIN => Some(Reply::Frame(admin_reply(node, conn, &body))),
        _ => None,
    }
}

/// CE answers every admin message 51, login included (`security_ce.c`); in security mode
/// `security::admin` runs it, and a login or authentication changes whose connection this is.
fn admin_reply(node: &Node, conn: &mut Conn, body: &[u8]) -> Vec<u8> {
    let Some(sec) = &node.security else { return admin::not_supported() };
    let before = conn.user.clone();
    let caller = admin::Caller { user: &mut conn.user, peer: conn.peer, cert_user: conn.cert_user.as_deref() };
    let frame = admin::handle(sec, caller, body);
    if conn.user != before {
        if let Some(old) = &before {
            sec.connection_closed(old);
        }
        if let Some(new) = &conn.user {
            sec.connection_opened(new);
        }
    }
    frame
}

/// In security mode an info request needs a login (otherwise its whole answer is one
/// error, as the server's `thr_info.c` answers), and each command its permission.
fn info_reply(node: &Node, conn: &Conn, body: &[u8]) -> Vec<u8> {
    let per_connection = |cmd: &str| node.user_agents.command(conn.id, cmd);
    let Some(sec) = &node.security else { return info::handle_guarded(node, body, &per_connection) };
    match conn.caller() {
        Ok(user) if sec.state().users.contains_key(user) => {
            info::handle_guarded(node, body, &|cmd| conn.refuse_info(sec, cmd).or_else(|| per_connection(cmd)))
        }
        _ => format!("{}\n", info_text::error(rc::NOT_AUTHENTICATED, "not authenticated")).into_bytes(),
    }
}

fn msg_reply(node: &Node, conn: &Conn, body: Vec<u8>) -> Reply {
    let is_batch = batch::is_batch(&body);
    let parsed = message::parse(&body);
    let is_query = !is_batch && parsed.as_ref().is_ok_and(|m| query::request::is_query(m));
    if let Some(sec) = &node.security {
        // A batch or query ends its stream with the refusal; a record command just answers it.
        let refusal = match (&parsed, conn.caller()) {
            (_, Err(code)) => Some(code),
            (Ok(m), Ok(_)) if is_query => conn.admit_query(sec, m).err(),
            (Ok(m), Ok(_)) if !is_batch => conn.admit_record(sec, m).err(),
            _ => None,
        };
        if let Some(code) = refusal {
            return Reply::Frame(if is_batch || is_query { query::run::last_frame(code) } else { message::error_response(code) });
        }
    }
    if is_batch || is_query {
        drop(parsed);
        return if is_batch { Reply::Batch(body) } else { Reply::Query(body) };
    }
    // The table stays as it is from admission to replication: a write is on every holder of
    // its partition before it is answered.
    let table = node.cluster.table();
    let target = parsed.ok().and_then(|m| Some((node.proxy_target(&table, &m)?, m.header.transaction_ttl)));
    match target {
        Some((to, ttl)) => Reply::Proxy(proxy::Proxy::new(to, body, ttl)),
        None => Reply::Frame(node.run_record(&table, &body)),
    }
}

/// A compressed frame: the uncompressed size (8 bytes) and a zlib stream of a whole frame.
fn decompress(body: &[u8]) -> Option<Vec<u8>> {
    let size_bytes: [u8; 8] = body.get(..8)?.try_into().ok()?;
    let size = u64::from_be_bytes(size_bytes);
    let limit = proto::MAX_BODY_SIZE + proto::HEADER_SIZE as u64;
    if size > limit {
        return None;
    }
    let mut out = Vec::with_capacity((size as usize).min(1024 * 1024));
    let decoder = flate2::read::ZlibDecoder::new(&body[8..]);
    decoder.take(limit + 1).read_to_end(&mut out).ok()?;
    if out.len() as u64 > limit {
        return None;
    }
    Some(out)
}
