//! Connections to one node for the direct path: plain TCP or TLS (the client's own rustls
//! config), kept idle between batches and dropped after `idle_timeout` or any failure, so a
//! connection back in the pool is always at a message boundary.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use observability::metrics::NodeStats;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most idle connections a node keeps for batches; more are opened when more are in flight.
const MAX_IDLE: usize = 16;

pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    pub(crate) async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf).await,
            Stream::Tls(s) => {
                s.write_all(buf).await?;
                s.flush().await
            }
        }
    }

    pub(crate) async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.read_exact(buf).await.map(drop),
            Stream::Tls(s) => s.read_exact(buf).await.map(drop),
        }
    }
}

/// How connections to every node are opened.
#[derive(Clone)]
pub(crate) struct Dialer {
    pub tls: Option<tokio_rustls::TlsConnector>,
    /// How a new connection logs in, when the client has a user.
    pub login: Option<Arc<crate::login::Login>>,
    pub connect_timeout: Duration,
    pub idle_timeout: Option<Duration>,
}

/// One node's connections: the idle ones, and counts for the connection metrics.
pub(crate) struct NodeConnections {
    pub name: String,
    /// `host:port` as the crate resolved it.
    pub address: String,
    /// The name its certificate must carry (the host's TLS name, else its name).
    pub tls_name: String,
    idle: parking_lot::Mutex<Vec<(Stream, Instant)>>,
    in_use: AtomicU64,
    created: AtomicU64,
    closed: AtomicU64,
}

/// A connection taken from a node: back to the idle list with `give_back`, else closed (and
/// counted) when dropped, so a connection in an unknown state is never reused.
pub(crate) struct Checkout<'a> {
    node: &'a NodeConnections,
    stream: Option<Stream>,
}

impl Checkout<'_> {
    pub(crate) fn stream(&mut self) -> io::Result<&mut Stream> {
        self.stream.as_mut().ok_or_else(|| io::Error::other("the connection was given back"))
    }

    /// Keeps a connection whose answer was read to its end.
    pub(crate) fn give_back(mut self) {
        if let Some(stream) = self.stream.take() {
            let mut idle = self.node.idle.lock();
            if idle.len() < MAX_IDLE {
                idle.push((stream, Instant::now()));
            } else {
                self.node.closed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        self.node.in_use.fetch_sub(1, Ordering::Relaxed);
        if self.stream.take().is_some() {
            self.node.closed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl NodeConnections {
    pub(crate) fn new(node: &aerospike::Node) -> Arc<Self> {
        let host = node.host();
        let tls_name = host.tls_name.clone().unwrap_or_else(|| host.name.clone());
        Arc::new(Self {
            name: node.name().to_owned(),
            address: node.address().to_owned(),
            tls_name,
            idle: parking_lot::Mutex::new(Vec::new()),
            in_use: AtomicU64::new(0),
            created: AtomicU64::new(0),
            closed: AtomicU64::new(0),
        })
    }

    /// This node's direct connections, for the metrics beside the crate's pool.
    pub(crate) fn stats(&self) -> NodeStats {
        let in_use = self.in_use.load(Ordering::Relaxed);
        NodeStats {
            node: self.name.clone(),
            address: self.address.clone(),
            open: self.idle.lock().len() as u64 + in_use,
            in_use,
            created: self.created.load(Ordering::Relaxed),
            closed: self.closed.load(Ordering::Relaxed),
        }
    }

    /// An idle connection that has not outlived `idle_timeout`, else a new one (within
    /// `limit`, the time the command has left).
    pub(crate) async fn take(&self, dialer: &Dialer, limit: Option<Duration>) -> Result<Checkout<'_>, crate::login::LoginError> {
        self.in_use.fetch_add(1, Ordering::Relaxed);
        let mut checkout = Checkout { node: self, stream: None };
        loop {
            let Some((stream, since)) = self.idle.lock().pop() else { break };
            if dialer.idle_timeout.is_none_or(|idle| since.elapsed() < idle) {
                checkout.stream = Some(stream);
                return Ok(checkout);
            }
            self.closed.fetch_add(1, Ordering::Relaxed);
        }
        let timeout = limit.map_or(dialer.connect_timeout, |l| l.min(dialer.connect_timeout));
        let open = async {
            let tcp = TcpStream::connect(&self.address).await?;
            tcp.set_nodelay(true)?;
            let mut stream = match &dialer.tls {
                None => Stream::Plain(tcp),
                Some(connector) => {
                    let name = rustls::pki_types::ServerName::try_from(self.tls_name.clone()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                    Stream::Tls(Box::new(connector.connect(name, tcp).await?))
                }
            };
            if let Some(login) = &dialer.login {
                login.authenticate(&mut stream).await?;
            }
            Ok::<_, crate::login::LoginError>(stream)
        };
        let stream = if timeout.is_zero() {
            open.await?
        } else {
            tokio::time::timeout(timeout, open).await.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??
        };
        self.created.fetch_add(1, Ordering::Relaxed);
        checkout.stream = Some(stream);
        Ok(checkout)
    }
}
