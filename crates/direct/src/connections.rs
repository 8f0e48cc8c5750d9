//! Connections to one node for the direct path: plain TCP or TLS (the client's own rustls
//! config), at most `max_conns_per_node` of them, kept idle between commands and dropped after
//! `idle_timeout`, when their node closed them, or after any failure, so a connection back in
//! the pool is always at a message boundary. Beside the async connections, blocking ones
//! (`BlockingStream`, plain TCP) that a sync caller's own thread reads on, in an idle list of
//! their own under the same bound.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use observability::metrics::NodeStats;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a command waits for one of a node's `max_conns` connections to come free before
/// the attempt fails (and is retried, as the crate's attempt fails after `POOL_EMPTY_MAX_WAITS`
/// waits of `POOL_EMPTY_WAIT`, 5 000 x 1 ms), unless its total timeout ends sooner.
const MAX_SLOT_WAIT: Duration = Duration::from_secs(5);
/// Connections opened to one node at once; more commands wait for one of them or for a
/// connection given back. 256 reads at once on a cold pool opened 256 connections together,
/// past a listen backlog of 128: dropped SYNs were sent again after 1 s, past the default total
/// timeout. A connection counts as opening until the node has answered on it: the kernel
/// completes the handshake before the server accepts, and connections it has not accepted yet
/// fill the same backlog (200 gets at once overflowed it with the count ended at the handshake).
const MAX_OPENING: usize = 8;

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

    /// Whether an idle connection can carry a command: not closed by its peer (a restarted
    /// or idle-closing server), which a peek without waiting tells, as the crate checks each
    /// pooled connection it hands out. Bytes waiting on a plain connection put it out of step
    /// with the protocol; under TLS they may be a session ticket or key update, not data.
    fn is_alive(&self) -> bool {
        let tcp = match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        };
        let mut byte = [0u8; 1];
        let mut buf = tokio::io::ReadBuf::new(&mut byte);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match tcp.poll_peek(&mut cx, &mut buf) {
            std::task::Poll::Pending => true,
            std::task::Poll::Ready(Ok(0)) | std::task::Poll::Ready(Err(_)) => false,
            std::task::Poll::Ready(Ok(_)) => matches!(self, Stream::Tls(_)),
        }
    }

    pub(crate) async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.read_exact(buf).await.map(drop),
            Stream::Tls(s) => s.read_exact(buf).await.map(drop),
        }
    }

    /// Whatever is there, at least one byte (0: the peer closed the connection).
    pub(crate) async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
        }
    }
}

/// A plain TCP connection read with blocking calls on the caller's thread (a sync client's
/// single-record reads): the kernel wakes that thread itself when the answer comes, where an
/// async connection needs a runtime's poll and, with many threads, a hand-off between them.
pub(crate) struct BlockingStream {
    tcp: std::net::TcpStream,
    /// The read timeout set on the socket now.
    read_limit: Option<Duration>,
}

/// How much earlier than asked a kept read timeout may end a read (setting the socket's timeout
/// is a system call; a command's time left moves by microseconds from one to the next).
const READ_LIMIT_SLACK: Duration = Duration::from_millis(2);

impl BlockingStream {
    fn open(address: &str, timeout: Duration) -> io::Result<Self> {
        use std::net::ToSocketAddrs;
        let mut failure = io::Error::new(io::ErrorKind::NotFound, format!("{address} resolves to no address"));
        for addr in address.to_socket_addrs()? {
            match std::net::TcpStream::connect_timeout(&addr, timeout.max(Duration::from_millis(1))) {
                Ok(tcp) => {
                    tcp.set_nodelay(true)?;
                    return Ok(Self { tcp, read_limit: None });
                }
                Err(e) => failure = e,
            }
        }
        Err(failure)
    }

    /// Each read from now ends within `limit` (None: waits as long as it takes), and no more
    /// than `READ_LIMIT_SLACK` sooner: the socket's timeout is set only when it must move.
    pub(crate) fn limit_reads(&mut self, limit: Option<Duration>) -> io::Result<()> {
        let limit = limit.map(|l| l.max(Duration::from_millis(1)));
        let keep = match (self.read_limit, limit) {
            (None, None) => true,
            (Some(set), Some(wanted)) => set <= wanted && set + READ_LIMIT_SLACK >= wanted,
            _ => false,
        };
        if !keep {
            self.tcp.set_read_timeout(limit)?;
            self.read_limit = limit;
        }
        Ok(())
    }

    pub(crate) fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::Write::write_all(&mut self.tcp, buf)
    }

    /// Whatever is there, at least one byte (0: the peer closed the connection); a read past
    /// the limit is `WouldBlock` or `TimedOut`, a signal `Interrupted`.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(&mut self.tcp, buf)
    }

    /// As `Stream::is_alive`: a peek that does not wait.
    fn is_alive(&self) -> bool {
        #[cfg(unix)]
        {
            let mut byte = [std::mem::MaybeUninit::<u8>::uninit(); 1];
            match socket2::SockRef::from(&self.tcp).recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT) {
                Err(e) => e.kind() == io::ErrorKind::WouldBlock,
                // Closed (0), or bytes nobody asked for: out of step with the protocol.
                Ok(_) => false,
            }
        }
        #[cfg(not(unix))]
        true
    }
}

/// What a node's pool keeps: async connections and blocking ones, each in its own idle list.
pub(crate) trait Pooled: Sized {
    fn idle(node: &NodeConnections) -> &parking_lot::Mutex<Vec<(Self, Instant)>>;
    fn is_alive(&self) -> bool;
}

impl Pooled for Stream {
    fn idle(node: &NodeConnections) -> &parking_lot::Mutex<Vec<(Self, Instant)>> {
        &node.idle
    }
    fn is_alive(&self) -> bool {
        Stream::is_alive(self)
    }
}

impl Pooled for BlockingStream {
    fn idle(node: &NodeConnections) -> &parking_lot::Mutex<Vec<(Self, Instant)>> {
        &node.idle_blocking
    }
    fn is_alive(&self) -> bool {
        BlockingStream::is_alive(self)
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
    /// The most connections open to one node, idle ones included (the client policy's
    /// `max_conns_per_node`, as the crate bounds its own pool); idle ones are kept up to it, so
    /// hundreds of single-record reads in flight reuse connections instead of opening one each.
    pub max_conns: usize,
}

/// One node's connections: the idle ones, and counts for the connection metrics.
pub(crate) struct NodeConnections {
    pub name: String,
    /// `host:port` as the crate resolved it.
    pub address: String,
    /// The name its certificate must carry (the host's TLS name, else its name).
    pub tls_name: String,
    idle: parking_lot::Mutex<Vec<(Stream, Instant)>>,
    idle_blocking: parking_lot::Mutex<Vec<(BlockingStream, Instant)>>,
    /// One permit per connection in use or being opened: at most `max_conns`.
    slots: tokio::sync::Semaphore,
    max_idle: usize,
    /// Connections being opened now, or opened and not yet answered on: at most `MAX_OPENING`.
    opening: std::sync::atomic::AtomicUsize,
    /// Woken when a connection is given back or an open ends.
    returned: tokio::sync::Notify,
    in_use: AtomicU64,
    created: AtomicU64,
    closed: AtomicU64,
}

/// A connection taken from a node: back to the idle list with `give_back`, else closed (and
/// counted) when dropped, so a connection in an unknown state is never reused.
pub(crate) struct Checkout<'a, S: Pooled = Stream> {
    node: &'a NodeConnections,
    stream: Option<S>,
    /// A new connection the node has not answered on yet: it holds an opening slot.
    unanswered: bool,
    _slot: tokio::sync::SemaphorePermit<'a>,
}

impl<S: Pooled> Checkout<'_, S> {
    pub(crate) fn stream(&mut self) -> io::Result<&mut S> {
        self.stream.as_mut().ok_or_else(|| io::Error::other("the connection was given back"))
    }

    /// The node answered on this connection: it was accepted, and its opening slot is free.
    pub(crate) fn answered(&mut self) {
        if std::mem::take(&mut self.unanswered) {
            self.node.opening.fetch_sub(1, Ordering::AcqRel);
            self.node.returned.notify_one();
        }
    }

    /// Keeps a connection whose answer was read to its end.
    pub(crate) fn give_back(mut self) {
        self.answered();
        if let Some(stream) = self.stream.take() {
            let mut idle = S::idle(self.node).lock();
            if idle.len() < self.node.max_idle {
                idle.push((stream, Instant::now()));
            } else {
                self.node.closed.fetch_add(1, Ordering::Relaxed);
            }
            drop(idle);
            self.node.returned.notify_one();
        }
    }
}

impl<S: Pooled> Drop for Checkout<'_, S> {
    fn drop(&mut self) {
        self.answered();
        self.node.in_use.fetch_sub(1, Ordering::Relaxed);
        if self.stream.take().is_some() {
            self.node.closed.fetch_add(1, Ordering::Relaxed);
            // A waiter may open a connection in its place.
            self.node.returned.notify_one();
        }
    }
}

impl NodeConnections {
    pub(crate) fn new(node: &aerospike::Node, max_conns: usize) -> Arc<Self> {
        let max_conns = max_conns.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        let host = node.host();
        let tls_name = host.tls_name.clone().unwrap_or_else(|| host.name.clone());
        Arc::new(Self {
            name: node.name().to_owned(),
            address: node.address().to_owned(),
            tls_name,
            idle: parking_lot::Mutex::new(Vec::new()),
            idle_blocking: parking_lot::Mutex::new(Vec::new()),
            slots: tokio::sync::Semaphore::new(max_conns),
            max_idle: max_conns,
            opening: std::sync::atomic::AtomicUsize::new(0),
            returned: tokio::sync::Notify::new(),
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
            open: (self.idle.lock().len() + self.idle_blocking.lock().len()) as u64 + in_use,
            in_use,
            created: self.created.load(Ordering::Relaxed),
            closed: self.closed.load(Ordering::Relaxed),
        }
    }

    /// An idle connection that has not outlived `idle_timeout`, else a new one (within
    /// `limit`, the time the command has left). With `max_conns` in use it waits for one to
    /// come free, for at most `MAX_SLOT_WAIT` or `limit`.
    pub(crate) async fn take(&self, dialer: &Dialer, limit: Option<Duration>) -> Result<Checkout<'_>, crate::login::LoginError> {
        let slot = match self.slots.try_acquire() {
            Ok(slot) => slot,
            Err(_) => {
                let wait = limit.map_or(MAX_SLOT_WAIT, |l| l.min(MAX_SLOT_WAIT));
                let busy = || io::Error::new(io::ErrorKind::WouldBlock, format!("all {} connections to the node are in use", self.max_idle));
                tokio::time::timeout(wait, self.slots.acquire()).await.map_err(|_| busy())?.map_err(|_| busy())?
            }
        };
        self.in_use.fetch_add(1, Ordering::Relaxed);
        let mut checkout = Checkout { node: self, stream: None, unanswered: false, _slot: slot };
        let waited_until = Instant::now() + limit.map_or(MAX_SLOT_WAIT, |l| l.min(MAX_SLOT_WAIT));
        loop {
            if let Some(stream) = self.fresh_idle(dialer).or_else(|| self.idle_blocking_as_async(dialer)) {
                checkout.stream = Some(stream);
                return Ok(checkout);
            }
            if self.opening.fetch_add(1, Ordering::AcqRel) < MAX_OPENING {
                break;
            }
            self.opening.fetch_sub(1, Ordering::AcqRel);
            // Enough opens are under way: the first connection given back, or an open slot,
            // serves this one (a burst of reads on a cold pool would otherwise open one
            // connection each at once, past the server's listen backlog).
            let woken = tokio::time::timeout_at(waited_until.into(), self.returned.notified()).await;
            if woken.is_err() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no connection to the node came free").into());
            }
        }
        // From here the checkout holds the opening slot until the node answers (or it drops).
        checkout.unanswered = true;
        // Boxed: a TLS handshake and a login make this future kilobytes, and inline it would
        // grow every command's future by as much, copied whole at each move (an open is rare).
        let stream = Box::pin(self.open(dialer, limit)).await?;
        self.created.fetch_add(1, Ordering::Relaxed);
        checkout.stream = Some(stream);
        Ok(checkout)
    }

    /// A blocking connection for a read on the calling thread, without waiting for one: None
    /// when all `max_conns` are in use or `MAX_OPENING` are being opened (the async path, which
    /// waits, serves the command then).
    pub(crate) fn take_blocking(&self, dialer: &Dialer, limit: Option<Duration>) -> Option<io::Result<Checkout<'_, BlockingStream>>> {
        let slot = self.slots.try_acquire().ok()?;
        self.in_use.fetch_add(1, Ordering::Relaxed);
        let mut checkout = Checkout { node: self, stream: None, unanswered: false, _slot: slot };
        if let Some(stream) = self.fresh_idle(dialer) {
            checkout.stream = Some(stream);
            return Some(Ok(checkout));
        }
        if self.opening.fetch_add(1, Ordering::AcqRel) >= MAX_OPENING {
            self.opening.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        checkout.unanswered = true;
        let timeout = limit.map_or(dialer.connect_timeout, |l| l.min(dialer.connect_timeout));
        Some(BlockingStream::open(&self.address, timeout).map(|stream| {
            self.created.fetch_add(1, Ordering::Relaxed);
            checkout.stream = Some(stream);
            checkout
        }))
    }

    /// An idle blocking connection made an async one, when no async one is idle: a sync read
    /// whose first attempt (on the caller's thread) is retried on the runtime reuses the
    /// connections the sync reads keep, rather than opening a new one to the next replica.
    fn idle_blocking_as_async(&self, dialer: &Dialer) -> Option<Stream> {
        let blocking: BlockingStream = self.fresh_idle(dialer)?;
        let converted = blocking.tcp.set_nonblocking(true).and_then(|()| TcpStream::from_std(blocking.tcp));
        match converted {
            Ok(tcp) => Some(Stream::Plain(tcp)),
            Err(_) => {
                self.closed.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// The newest idle connection that has not outlived `idle_timeout` and is still open;
    /// the others are closed.
    fn fresh_idle<S: Pooled>(&self, dialer: &Dialer) -> Option<S> {
        loop {
            let (stream, since) = S::idle(self).lock().pop()?;
            if dialer.idle_timeout.is_none_or(|idle| since.elapsed() < idle) && stream.is_alive() {
                return Some(stream);
            }
            self.closed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A new connection, logged in when the client has a user, within the connect timeout and
    /// `limit`.
    async fn open(&self, dialer: &Dialer, limit: Option<Duration>) -> Result<Stream, crate::login::LoginError> {
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
        if timeout.is_zero() {
            return open.await;
        }
        tokio::time::timeout(timeout, open).await.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
    }
}
