//! The state `Client` and `AsyncClient` share: the parsed config, the default policies, and the
//! connected `aerospike::Client`. Connecting, closing and the fork check live here once.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use crate::errors::{client_error, AsError};
use crate::observe::{Cmd, Observed};
use crate::policy::{ClientConfig, Defaults};

pub(crate) struct Connection {
    config: ClientConfig,
    state: RwLock<Option<Connected>>,
    /// `max_concurrent_operations` (the seed's backpressure): a slot per command in flight.
    gate: Option<Arc<tokio::sync::Semaphore>>,
}

#[derive(Clone)]
struct Connected {
    client: Arc<aerospike::Client>,
    /// The commands `crates/direct` runs on the client's own connections; None when it cannot
    /// (TLS for the login only).
    direct_cluster: Option<Arc<direct::Cluster>>,
    /// The process that connected: a forked child must not reuse the parent's sockets.
    pid: u32,
}

impl Connection {
    pub(crate) fn new(config: ClientConfig) -> Self {
        let gate = (config.max_concurrent_operations > 0).then(|| Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_operations)));
        Self { config, state: RwLock::new(None), gate }
    }

    /// `fut` run under `max_concurrent_operations`: it waits for a free slot, at most
    /// `operation_queue_timeout_ms` (0: as long as it takes), then fails with BackpressureError.
    /// Without the limit it is `fut` itself. Every command passes here, so this is also where
    /// `cmd` measures and traces it (`observe.rs`).
    pub(crate) fn limited<T>(&self, cmd: Cmd, fut: impl Future<Output = Result<T, AsError>> + Send) -> impl Future<Output = Result<Observed<T>, AsError>> + Send {
        // Boxed at once: a command's future is kilobytes (a get's 4.5 KB), and each move of it by
        // value (into this block, out of it, into `wait` or the coroutine) was a memcpy of all of
        // it, a few percent of the asyncio profile.
        self.gated(cmd, Box::pin(fut))
    }

    /// `limited` for the command `make` builds on the connected client (a `ClientError` if there
    /// is none, as `client()`). The future is built straight into its box: built by the caller
    /// and then boxed, it was copied once more, whole, with the GIL held.
    pub(crate) fn limited_with<T, F>(&self, cmd: Cmd, make: impl FnOnce(Arc<aerospike::Client>) -> F) -> pyo3::PyResult<impl Future<Output = Result<Observed<T>, AsError>> + Send>
    where
        F: Future<Output = Result<T, AsError>> + Send,
    {
        let client = self.client()?;
        Ok(self.gated(cmd, Box::into_pin(Box::write(Box::new_uninit(), make(client)))))
    }

    /// `limited_with` for a command that runs on the client's own connections when it can
    /// (`make` gets `direct_cluster()`'s pair).
    pub(crate) fn limited_direct<T, F>(&self, cmd: Cmd, make: impl FnOnce((Arc<aerospike::Client>, Option<Arc<direct::Cluster>>)) -> F) -> pyo3::PyResult<impl Future<Output = Result<Observed<T>, AsError>> + Send>
    where
        F: Future<Output = Result<T, AsError>> + Send,
    {
        let both = self.direct_cluster()?;
        Ok(self.gated(cmd, Box::into_pin(Box::write(Box::new_uninit(), make(both)))))
    }

    /// The body of `limited`: the `max_concurrent_operations` slot and the observation around a
    /// boxed command.
    fn gated<T, F>(&self, mut cmd: Cmd, fut: std::pin::Pin<Box<F>>) -> impl Future<Output = Result<Observed<T>, AsError>> + Send
    where
        F: Future<Output = Result<T, AsError>> + Send,
    {
        let gate = self.gate.clone();
        let (limit, wait_ms) = (self.config.max_concurrent_operations, self.config.operation_queue_timeout_ms);
        async move {
            let _slot = match gate {
                None => None,
                Some(gate) => {
                    let acquire = gate.acquire_owned();
                    let permit = if wait_ms == 0 {
                        acquire.await.ok()
                    } else {
                        match tokio::time::timeout(std::time::Duration::from_millis(wait_ms), acquire).await {
                            Ok(permit) => permit.ok(),
                            Err(_) => {
                                let out = Err(AsError::Backpressure(format!(
                                    "{limit} commands (max_concurrent_operations) were in flight and none finished within \
                                     {wait_ms} ms (operation_queue_timeout_ms)"
                                )));
                                return cmd.finish(None, out, 0);
                            }
                        }
                    };
                    permit
                }
            };
            let started = cmd.started();
            let (out, retries) = crate::observe::counting_retries(fut).await;
            cmd.finish(started, out, retries)
        }
    }

    /// Whether commands wait for a `max_concurrent_operations` slot.
    pub(crate) fn limits_concurrency(&self) -> bool {
        self.gate.is_some()
    }

    /// The command `op` on `labels`' namespace and set, observed as metrics and tracing say.
    #[inline]
    pub(crate) fn cmd(&self, py: pyo3::Python<'_>, op: &'static str, labels: &impl crate::observe::Labels, parse_started: Option<std::time::Instant>) -> Cmd {
        Cmd::new(py, op, labels, parse_started, || self.seed())
    }

    /// A span's server.address/port: the first seed (which node serves a command is the
    /// crate's choice and not known here).
    pub(crate) fn seed(&self) -> Option<(&str, u16)> {
        self.config.hosts.first().map(|h| (h.name.as_str(), h.port))
    }

    pub(crate) fn defaults(&self) -> &Defaults {
        &self.config.defaults
    }

    /// The client policy to connect with: the config's, logging in as `connect()`'s user if
    /// given, else the config's, in the configured auth mode (checked before anything is sent).
    pub(crate) fn client_policy(&self, user: Option<String>, password: Option<String>) -> pyo3::PyResult<aerospike::ClientPolicy> {
        let mut policy = self.config.policy.clone();
        policy.set_auth_mode(self.config.auth(user, password)?);
        Ok(policy)
    }

    pub(crate) fn hosts(&self) -> Vec<aerospike::Host> {
        self.config.hosts.clone()
    }

    /// Connects unless already connected. The crate's tend task and connections bind to the
    /// runtime this runs on: `Client` connects through `runtime::wait` (the sync runtime, which
    /// its callers drive), `AsyncClient` through `runtime::spawn` (the multi-thread runtime).
    pub(crate) async fn connect(self: Arc<Self>, policy: aerospike::ClientPolicy, hosts: Vec<aerospike::Host>) -> Result<(), AsError> {
        if self.is_connected() {
            return Ok(());
        }
        let client = match aerospike::Client::new(&policy, &hosts).await {
            Ok(client) => Arc::new(client),
            Err(err) => {
                let seeds: Vec<String> = hosts.iter().map(ToString::to_string).collect();
                log::warn!("cannot connect to the cluster through {}: {err}", seeds.join(", "));
                return Err(err.into());
            }
        };
        crate::observe::track(&client);
        let direct_cluster = direct::Cluster::new(client.clone(), &policy).map(Arc::new);
        if let Some(cluster) = &direct_cluster {
            crate::observe::track_direct(cluster);
        }
        let mut state = self.state.write().map_err(|_| AsError::Client("client state is poisoned".into()))?;
        *state = Some(Connected { client, direct_cluster, pid: process_id() });
        Ok(())
    }

    /// The connected client, or a `ClientError` saying why there is none.
    pub(crate) fn client(&self) -> pyo3::PyResult<Arc<aerospike::Client>> {
        self.with_connected(|c| c.client.clone())
    }

    /// The connected client and its own view of the cluster for the commands `crates/direct`
    /// runs (if it has one), or a `ClientError` saying why there is none (one read of the state).
    pub(crate) fn direct_cluster(&self) -> pyo3::PyResult<(Arc<aerospike::Client>, Option<Arc<direct::Cluster>>)> {
        self.with_connected(|c| (c.client.clone(), c.direct_cluster.clone()))
    }

    /// `read` of the connection, or a `ClientError` when there is none in this process.
    fn with_connected<R>(&self, read: impl FnOnce(&Connected) -> R) -> pyo3::PyResult<R> {
        let state = self.state.read().map_err(|_| client_error("client state is poisoned"))?;
        match state.as_ref() {
            None => Err(client_error("the client is not connected: call connect() first")),
            Some(c) if c.pid != process_id() => Err(client_error("client used after fork; create a new client in the child")),
            Some(c) => Ok(read(c)),
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.state
            .read()
            .ok()
            .and_then(|s| s.as_ref().map(|c| c.pid == process_id() && c.client.is_connected()))
            .unwrap_or(false)
    }

    /// Forgets the connection and returns the client to close, if there was one.
    pub(crate) fn take(&self) -> Option<Arc<aerospike::Client>> {
        let mut state = self.state.write().ok()?;
        let connected = state.take()?;
        // In a forked child the parent's tend tasks don't exist here: just drop the handle.
        (connected.pid == process_id()).then_some(connected.client)
    }
}

/// Closes a client taken from a `Connection`.
pub(crate) async fn close(client: Option<Arc<aerospike::Client>>) -> Result<(), AsError> {
    if let Some(client) = client {
        crate::observe::closing(&client);
        client.close().await?;
    }
    Ok(())
}

/// This process's id, as every command checks it (a forked child must not use its parent's
/// sockets), without a syscall per command: glibc no longer caches `getpid`, and it showed in the
/// asyncio profile. 0 until read; a child made by `os.fork` (multiprocessing, ...) forgets it in
/// `watch_forks`'s hook. (A fork that bypasses `os.fork` keeps the parent's id here: such a child
/// runs no Python, so it never reaches a command.)
static PID: AtomicU32 = AtomicU32::new(0);

pub(crate) fn process_id() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

/// Registers `os.register_at_fork(after_in_child=...)` so a forked child reads its own id; called
/// once at import.
pub(crate) fn watch_forks(py: pyo3::Python<'_>) -> pyo3::PyResult<()> {
    use pyo3::types::{PyAnyMethods, PyDictMethods};
    let forget = pyo3::types::PyCFunction::new_closure(py, None, None, |_args, _kwargs| PID.store(0, Ordering::Relaxed))?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("after_in_child", forget)?;
    py.import("os")?.call_method("register_at_fork", (), Some(&kwargs))?;
    Ok(())
}
