//! Sockets: the accept loop, one task per connection, and proto framing. A frame that cannot be
//! trusted (bad version, unknown type, oversized, truncated) closes its connection; nothing a
//! client sends can allocate more than the frame limit or stop the server.

use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::codec::proto::{self, ProtoHeader};
use crate::node::Node;
use crate::{batch, info, query, result_code, transactions};

pub async fn serve(listener: TcpListener, node: Arc<Node>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let node = node.clone();
                    let shutdown = shutdown.clone();
                    tokio::spawn(async move {
                        node.connections_opened.fetch_add(1, Ordering::Relaxed);
                        node.connections_open.fetch_add(1, Ordering::Relaxed);
                        connection(stream, &node, shutdown).await;
                        node.connections_open.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn connection(mut stream: TcpStream, node: &Node, mut shutdown: watch::Receiver<bool>) {
    loop {
        let frame = tokio::select! {
            f = read_frame(&mut stream) => f,
            _ = shutdown.changed() => return,
        };
        let Some((header, body)) = frame else { return };
        let sent = match dispatch(node, header, body) {
            Some(Reply::Frame(response)) => stream.write_all(&response).await.is_ok(),
            Some(Reply::Batch(body)) => stream_batch(&mut stream, node, &body).await,
            Some(Reply::Query(body)) => query::stream::serve(&mut stream, node, &body).await,
            None => false,
        };
        if !sent {
            return;
        }
    }
}

/// Answers a batch block by block as its rows run, so a big batch never sits in memory whole.
async fn stream_batch(stream: &mut TcpStream, node: &Node, body: &[u8]) -> bool {
    let owns = |partition: usize| node.owns(partition);
    let mut run = batch::Batch::new(&node.store, body, &owns);
    let mut out = Vec::with_capacity(batch::BLOCK_SIZE + 4096);
    loop {
        let progress = run.fill(&mut out);
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return false;
        }
        if progress == batch::Progress::Done {
            return true;
        }
    }
}

/// Reads one frame, or `None` when the connection should close.
async fn read_frame(stream: &mut TcpStream) -> Option<(ProtoHeader, Vec<u8>)> {
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
}

/// The reply to one request frame, or `None` to close the connection.
pub fn dispatch(node: &Node, header: ProtoHeader, body: Vec<u8>) -> Option<Reply> {
    match header.kind {
        proto::TYPE_INFO => Some(Reply::Frame(proto::frame(proto::TYPE_INFO, &info::handle(node, &body)))),
        proto::TYPE_MSG => Some(msg_reply(node, body)),
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
            Some(msg_reply(node, inner))
        }
        proto::TYPE_ADMIN => Some(Reply::Frame(admin_not_enabled())),
        _ => None,
    }
}

fn msg_reply(node: &Node, body: Vec<u8>) -> Reply {
    if batch::is_batch(&body) {
        Reply::Batch(body)
    } else if crate::codec::message::parse(&body).is_ok_and(|m| query::request::is_query(&m)) {
        Reply::Query(body)
    } else {
        Reply::Frame(transactions::handle(&node.store, &body, &|partition| node.owns(partition)))
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

/// Security is off: every admin command is answered "security not enabled" (52).
fn admin_not_enabled() -> Vec<u8> {
    const SECURITY_NOT_ENABLED: u8 = 52;
    let _ = result_code::OK;
    let mut body = [0u8; 16];
    body[1] = SECURITY_NOT_ENABLED;
    proto::frame(proto::TYPE_ADMIN, &body)
}
