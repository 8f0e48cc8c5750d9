//! The running server: binds, then serves on its own threads with its own tokio runtime, so
//! it never depends on (or blocks) a runtime of the code that embeds it. Its nodes (one per
//! port, see `cluster`) share the runtime and the store. With `Config::tls` every node's port
//! serves TLS with certificates made here at start (`tls::ServerTls`), removed at stop.
//!
//! A node can be taken down and brought back while the others serve (`kill_node`,
//! `restart_node`: its port closes and reopens, the cluster rebalances), and faults can be
//! injected into a node (`inject_fault`), so code using a client can be tested against them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;
use crate::node::faults::Fault;
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
    nodes: Vec<Arc<Node>>,
    /// The runtime the nodes are served on, and each node's accept loop while it is up.
    runtime: tokio::runtime::Handle,
    serving: Mutex<Vec<Option<tokio::task::JoinHandle<()>>>>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shutdown_rx: watch::Receiver<bool>,
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
        let nodes: Vec<Arc<Node>> = Node::link(Node::cluster(&config, &ports, store.clone()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("aerospike-local")
            .enable_io()
            .enable_time()
            .build()?;
        let (tx, rx) = watch::channel(false);
        type Ready = (tokio::runtime::Handle, Vec<tokio::task::JoinHandle<()>>);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<Ready>>();
        let (served_nodes, served_acceptor, shutdown_rx) = (nodes.clone(), acceptor.clone(), rx.clone());
        let mut stop_rx = rx.clone();
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
                let stores = nodes[0].cluster.stores().to_vec();
                let sweeper = tokio::spawn(sweep_forever(stores, sweep));
                let serving: Vec<_> = listeners.into_iter().zip(nodes).map(|(l, node)| tokio::spawn(net::serve(l, node, acceptor.clone(), rx.clone()))).collect();
                let _ = ready_tx.send(Ok((tokio::runtime::Handle::current(), serving)));
                let _ = stop_rx.wait_for(|stop| *stop).await;
                sweeper.abort();
            });
            // Dropping the runtime cancels every connection task, closing their sockets.
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
        match ready_rx.recv() {
            Ok(Ok((runtime, serving))) => Ok(Server {
                addrs,
                shutdown: Some(tx),
                thread: Some(thread),
                tls,
                nodes: served_nodes,
                runtime,
                serving: Mutex::new(serving.into_iter().map(Some).collect()),
                acceptor: served_acceptor,
                shutdown_rx,
            }),
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

    /// Takes node `i` down at once, as a crash would: its port closes, its connections are
    /// dropped wherever they are (mid-response too), and the other nodes take over its
    /// partitions (its replicas become masters; partition and peers generations move).
    pub fn kill_node(&self, i: usize) -> std::io::Result<()> {
        let node = self.node(i)?;
        node.up.send_replace(false);
        let task = self.serving_slots().get_mut(i).and_then(Option::take);
        if let Some(task) = task {
            // Waited for without blocking on the runtime, so this works from any thread.
            task.abort();
            while !task.is_finished() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        node.cluster.set_up(i, false);
        Ok(())
    }

    /// Brings node `i` back on its port, empty (an in-memory node loses its records when it
    /// stops); the partitions it holds in the new table are copied to it before the table
    /// names it, so it never answers as master without the writes it missed. A no-op for a
    /// node that is up.
    pub fn restart_node(&self, i: usize) -> std::io::Result<()> {
        let node = self.node(i)?;
        let mut serving = self.serving_slots();
        if serving.get(i).is_some_and(Option::is_some) {
            return Ok(());
        }
        let listener = std::net::TcpListener::bind(self.addrs[i])?;
        listener.set_nonblocking(true)?;
        // Alive before the table names it: a command proxied to it from then on finds it.
        node.up.send_replace(true);
        node.cluster.set_up(i, true);
        let (acceptor, shutdown) = (self.acceptor.clone(), self.shutdown_rx.clone());
        let served = node.clone();
        let task = self.runtime.spawn(async move {
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                net::serve(listener, served, acceptor, shutdown).await;
            }
        });
        if let Some(slot) = serving.get_mut(i) {
            *slot = Some(task);
        }
        Ok(())
    }

    /// Whether node `i` is up.
    pub fn node_is_up(&self, i: usize) -> bool {
        self.nodes.get(i).is_some_and(|n| *n.up.borrow())
    }

    /// Adds a fault to node `i` (see `node::faults`).
    pub fn inject_fault(&self, i: usize, fault: Fault) -> std::io::Result<()> {
        self.node(i)?.faults.add(fault);
        Ok(())
    }

    /// Removes every fault of node `i`, or of every node.
    pub fn clear_faults(&self, i: Option<usize>) -> std::io::Result<()> {
        match i {
            Some(i) => self.node(i)?.faults.clear(),
            None => self.nodes.iter().for_each(|n| n.faults.clear()),
        }
        Ok(())
    }

    /// The faults active on node `i`.
    pub fn faults(&self, i: usize) -> std::io::Result<Vec<Fault>> {
        Ok(self.node(i)?.faults.list())
    }

    fn node(&self, i: usize) -> std::io::Result<&Arc<Node>> {
        self.nodes.get(i).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("node {i} does not exist: the server has {} nodes", self.nodes.len()))
        })
    }

    fn serving_slots(&self) -> std::sync::MutexGuard<'_, Vec<Option<tokio::task::JoinHandle<()>>>> {
        self.serving.lock().unwrap_or_else(|e| e.into_inner())
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
    let most = crate::cluster::partition_table::MAX_NODES;
    if config.nodes > most {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("a cluster holds at most {most} nodes (Community Edition)")));
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

/// Drops expired records from every node's store, until the task is cancelled with the runtime.
async fn sweep_forever(stores: Vec<Arc<Store>>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for store in &stores {
            store.sweep_expired(expiry::now_clepoch());
            // Yield between sweeps so the sweep never starves connections.
            tokio::task::yield_now().await;
        }
    }
}
