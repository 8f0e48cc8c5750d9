//! The running server: binds, then serves on its own threads with its own tokio runtime, so
//! it never depends on (or blocks) a runtime of the code that embeds it. Its nodes (one per
//! port, see `cluster`) share the runtime and the store. With `Config::tls` every node's port
//! serves TLS with certificates made here at start (`tls::ServerTls`), removed at stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;
use crate::node::Node;
use crate::tls::ServerTls;
use crate::indexed_store::Store;
use crate::{expiry, net};

pub struct Server {
    /// One per node, in node order.
    addrs: Vec<SocketAddr>,
    shutdown: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
    /// The TLS certificates and their files, while running with TLS.
    tls: Option<Arc<ServerTls>>,
}

impl Server {
    /// Binds a port for each of `config.nodes` nodes on `config.host` (consecutive ports from
    /// `config.port`, or free ones when it is 0) and returns once connections are accepted.
    pub fn start(config: Config) -> std::io::Result<Server> {
        let tls = config.tls.as_ref().map(|t| ServerTls::generate(&t.name, t.client_auth)).transpose()?.map(Arc::new);
        let acceptor = tls.as_ref().map(|t| t.acceptor());
        let listeners = bind(&config)?;
        let addrs = listeners.iter().map(|l| l.local_addr()).collect::<std::io::Result<Vec<_>>>()?;
        let ports: Vec<u16> = addrs.iter().map(|a| a.port()).collect();
        let store = Arc::new(Store::new(&config.namespaces));
        let nodes: Vec<Arc<Node>> = Node::cluster(&config, &ports, store.clone()).into_iter().map(Arc::new).collect();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("aerospike-local")
            .enable_io()
            .enable_time()
            .build()?;
        let (tx, rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let sweep = Duration::from_millis(config.sweep_interval_ms.max(10));
        let thread = std::thread::Builder::new().name("aerospike-local-main".into()).spawn(move || {
            runtime.block_on(async move {
                let listeners = match listeners.into_iter().map(tokio::net::TcpListener::from_std).collect::<std::io::Result<Vec<_>>>() {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let sweeper = tokio::spawn(sweep_forever(store, sweep));
                let serving: Vec<_> = listeners.into_iter().zip(nodes).map(|(l, node)| tokio::spawn(net::serve(l, node, acceptor.clone(), rx.clone()))).collect();
                let _ = ready_tx.send(Ok(()));
                for node in serving {
                    let _ = node.await;
                }
                sweeper.abort();
            });
            // Dropping the runtime cancels every connection task, closing their sockets.
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Server { addrs, shutdown: Some(tx), thread: Some(thread), tls }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(std::io::Error::other("server thread ended before it was ready"))
            }
        }
    }

    /// The first node's address.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// The first node's port.
    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    /// Every node's address, in node order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The TLS certificates (CA file, tls-name, client certificates), when serving TLS.
    pub fn tls(&self) -> Option<&ServerTls> {
        self.tls.as_deref()
    }

    /// Closes the listener and every connection, joins the server's threads, and removes the
    /// TLS certificate files. Idempotent.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.tls = None;
    }
}

/// The nodes' listeners, non-blocking, in node order.
fn bind(config: &Config) -> std::io::Result<Vec<std::net::TcpListener>> {
    if config.nodes == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "a server needs at least one node"));
    }
    (0..config.nodes)
        .map(|i| {
            let port = match config.port {
                0 => 0,
                first => u16::try_from(usize::from(first) + i).map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{} nodes from port {first} run past port 65535", config.nodes))
                })?,
            };
            let listener = std::net::TcpListener::bind((config.host.as_str(), port))?;
            listener.set_nonblocking(true)?;
            Ok(listener)
        })
        .collect()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs until the store is dropped elsewhere or the task is cancelled with the runtime.
pub async fn sweep_forever(store: Arc<Store>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        store.sweep_expired(expiry::now_clepoch());
        // Yield between sweeps so the sweep never starves connections.
        tokio::task::yield_now().await;
    }
}
