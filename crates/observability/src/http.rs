//! The `/metrics` endpoint: a small HTTP/1.1 server on its own thread. Each request is answered
//! with a fresh `render()`, so scraping never touches Python or its GIL.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::exposition::{render, CONTENT_TYPE};

/// A running server; `stop` ends it and frees the port.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Listens on `addr:port` (port 0: any free port; `local_addr` tells which).
    pub fn start(addr: &str, port: u16) -> io::Result<Self> {
        let target = (addr, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{addr:?} resolves to no address")))?;
        let listener = TcpListener::bind(target)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("aerospike-py-metrics".into()).spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(conn) = conn {
                    // A client that misbehaves only costs its own request.
                    let _ = answer(conn);
                }
            }
        })?;
        Ok(MetricsServer { addr, stop, thread: Some(thread) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the thread: the port is free when this returns.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        // `accept` blocks: a connection of our own wakes it to see the flag.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(if wake.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown();
        }
    }
}

fn answer(conn: TcpStream) -> io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Headers are read (and ignored) so that the client sees its request consumed.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let (status, body, kind) = match (method, path) {
        ("GET" | "HEAD", "/metrics" | "/") => ("200 OK", render(), CONTENT_TYPE),
        ("GET" | "HEAD", _) => ("404 Not Found", "not found: metrics are at /metrics\n".to_string(), "text/plain"),
        _ => ("405 Method Not Allowed", "only GET\n".to_string(), "text/plain"),
    };
    let mut conn = conn;
    write!(conn, "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    if method != "HEAD" {
        conn.write_all(body.as_bytes())?;
    }
    conn.flush()
}

/// The one server `start_metrics_server` runs: starting again replaces it.
static SERVER: Mutex<Option<MetricsServer>> = Mutex::new(None);

/// Starts (or restarts on a new address) the process's metrics server; returns its address.
pub fn start_global(addr: &str, port: u16) -> io::Result<SocketAddr> {
    let mut slot = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    // The old one goes first: restarting on the same port must not find it taken by ourselves.
    if let Some(old) = slot.take() {
        old.stop();
    }
    let server = MetricsServer::start(addr, port)?;
    let at = server.local_addr();
    *slot = Some(server);
    Ok(at)
}

/// Stops the process's metrics server, if one runs.
pub fn stop_global() {
    let old = SERVER.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(old) = old {
        old.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut conn = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect: {e}"));
        let _ = write!(conn, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut out = String::new();
        let _ = conn.read_to_string(&mut out);
        out
    }

    #[test]
    fn serves_metrics_404s_elsewhere_and_frees_the_port_when_stopped() {
        let server = MetricsServer::start("127.0.0.1", 0).unwrap_or_else(|e| panic!("start: {e}"));
        let addr = server.local_addr();
        let answer = get(addr, "/metrics");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("# TYPE db_client_operation_duration_seconds histogram"));
        assert!(get(addr, "/nope").starts_with("HTTP/1.1 404"));
        server.stop();
        assert!(TcpListener::bind(addr).is_ok(), "the port is free again");
    }
}
