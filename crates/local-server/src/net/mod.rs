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
use crate::{info, result_code, transactions};

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
        let Some(response) = dispatch(node, header, &body) else { return };
        if stream.write_all(&response).await.is_err() {
            return;
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

/// The response frame for one request frame, or `None` to close the connection.
pub fn dispatch(node: &Node, header: ProtoHeader, body: &[u8]) -> Option<Vec<u8>> {
    match header.kind {
        proto::TYPE_INFO => Some(proto::frame(proto::TYPE_INFO, &info::handle(node, body))),
        proto::TYPE_MSG => Some(transactions::handle(&node.store, body)),
        proto::TYPE_COMPRESSED => {
            let inner = decompress(body)?;
            let hb: [u8; proto::HEADER_SIZE] = inner.get(..proto::HEADER_SIZE)?.try_into().ok()?;
            let inner_header = ProtoHeader::parse(&hb);
            inner_header.validate().ok()?;
            let inner_body = &inner[proto::HEADER_SIZE..];
            if inner_header.kind != proto::TYPE_MSG || inner_body.len() as u64 != inner_header.size {
                return None;
            }
            Some(transactions::handle(&node.store, inner_body))
        }
        proto::TYPE_ADMIN => Some(admin_not_enabled()),
        _ => None,
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
