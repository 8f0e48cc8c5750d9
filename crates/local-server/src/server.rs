//! The running server: binds, then serves on its own threads with its own tokio runtime, so
//! it never depends on (or blocks) a runtime of the code that embeds it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;
use crate::node::Node;
use crate::storage::Store;
use crate::{expiry, net};

pub struct Server {
    addr: SocketAddr,
    shutdown: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `config.host:config.port` and returns once connections are accepted.
    pub fn start(config: Config) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind((config.host.as_str(), config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Store::new(&config.namespaces));
        let node = Arc::new(Node::new(&config, addr.port(), store.clone()));
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
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let sweeper = tokio::spawn(expiry::sweep_forever(store, sweep));
                let _ = ready_tx.send(Ok(()));
                net::serve(listener, node, rx).await;
                sweeper.abort();
            });
            // Dropping the runtime cancels every connection task, closing their sockets.
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Server { addr, shutdown: Some(tx), thread: Some(thread) }),
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

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Closes the listener and every connection, and joins the server's threads. Idempotent.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
