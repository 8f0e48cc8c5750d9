//! `LocalServer`: starts and stops the embedded Aerospike-compatible server of
//! `crates/local-server`, so tests, notebooks and the quick start need nothing installed.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors::{client_error, param_error};

/// An Aerospike-compatible server in this process: `nodes` nodes (default 1), each on its own
/// port and owning its share of the 4096 partitions, so a client routes, fans out batches and
/// queries across them as it does on a real cluster.
///
/// >>> import aerospike_py as aerospike
/// >>> with aerospike.LocalServer(nodes=3) as server:
/// ...     hosts = server.hosts
/// ...     with aerospike.client(server.config).connect() as client:
/// ...         nodes = client.get_node_names()
/// ...         for i in range(100):
/// ...             client.put(("test", "demo", i), {"n": i})
/// ...         records = client.batch_read([("test", "demo", i) for i in range(100)])
/// ...         total = sum(bins["n"] for bins in records.values())
/// >>> len(nodes), len(hosts), total
/// (3, 3, 4950)
///
/// With `replication_factor=R` (default 1) each partition has a master and `R - 1` replicas on
/// distinct nodes (placed by Aerospike's partition-balance hashing); a write reaches every copy
/// before it is answered, and a read goes to the node the client's replica policy picks.
/// `kill_node(i)` takes a node down abruptly and `restart_node(i)` brings it back; faults can
/// be injected into a node with `inject_fault` (see there).
///
/// >>> with aerospike.LocalServer(nodes=3, replication_factor=2) as server:
/// ...     with aerospike.client(server.config).connect() as client:
/// ...         client.put(("test", "demo", "kept"), {"v": 1})
/// ...         server.kill_node(0)
/// ...         _, _, bins = client.get(("test", "demo", "kept"))
/// ...         server.restart_node(0)
/// ...     up = server.nodes_up
/// >>> bins, up
/// ({'v': 1}, [True, True, True])
///
/// With `security=True` it enforces access control as Aerospike Enterprise does (users, roles,
/// privileges, whitelists, quotas), starting with the user `admin`, password `admin`, whose
/// only role is `user-admin`; without it, it is Aerospike CE and refuses admin commands.
/// `session_ttl` is the lifetime in seconds of the session token a login returns (the
/// server's `session-ttl`, default 86400).
///
/// With `tls=True` every node serves TLS, as Enterprise does on its `tls-port`, with a CA and a
/// certificate for `tls_name` (default `"aerospike-local"`) made at start: `tls_ca_file` is
/// the CA to trust, and `config` carries it, so `aerospike_py.client(server.config)` connects
/// over TLS. `tls_client_auth=True` also requires a client certificate signed by that CA
/// (mutual TLS); `issue_client_cert(common_name)` makes one. With `security=True` too, a client
/// with `auth_mode=AUTH_PKI` logs in as its certificate's common name.
///
/// >>> with aerospike.LocalServer(tls=True) as server:
/// ...     with aerospike.client(server.config).connect() as client:
/// ...         client.put(("test", "demo", "tls"), {"over": "tls"})
/// ...         _, _, bins = client.get(("test", "demo", "tls"))
/// ...     config = server.config
/// >>> bins, config["tls"]["enable"], config["hosts"][0][2]
/// ({'over': 'tls'}, True, 'aerospike-local')
#[pyclass(name = "LocalServer", module = "aerospike_py", frozen)]
pub(crate) struct PyLocalServer {
    config: local_server::Config,
    running: Mutex<Option<local_server::Server>>,
}

#[pymethods]
impl PyLocalServer {
    #[new]
    #[pyo3(signature = (port=0, host="127.0.0.1".to_owned(), namespaces=None, cluster_name=None, default_ttl=2_592_000, nodes=1, security=false, tls=false, tls_name=None, tls_client_auth=false, replication_factor=1, session_ttl=86_400))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        port: u16,
        host: String,
        namespaces: Option<Vec<String>>,
        cluster_name: Option<String>,
        default_ttl: u32,
        nodes: usize,
        security: bool,
        tls: bool,
        tls_name: Option<String>,
        tls_client_auth: bool,
        replication_factor: u32,
        session_ttl: u32,
    ) -> PyResult<Self> {
        if nodes == 0 {
            return Err(param_error("nodes must be at least 1"));
        }
        let most = local_server::cluster::partition_table::MAX_NODES;
        if nodes > most {
            return Err(param_error(format!("nodes is {nodes}: a Community Edition cluster holds at most {most} nodes")));
        }
        if replication_factor == 0 {
            return Err(param_error("replication_factor must be at least 1"));
        }
        if session_ttl == 0 {
            return Err(param_error("session_ttl must be at least 1 second"));
        }
        if !tls && (tls_name.is_some() || tls_client_auth) {
            return Err(param_error("tls_name and tls_client_auth need tls=True"));
        }
        let tls = tls.then(|| local_server::TlsConfig {
            name: tls_name.unwrap_or_else(|| local_server::config::DEFAULT_TLS_NAME.to_owned()),
            client_auth: tls_client_auth,
        });
        let defaults = local_server::Config::default();
        // Without a name, the server keeps its default one (the corpus's server was "docker").
        let cluster_name = cluster_name.or(defaults.cluster_name.clone());
        let mut config = local_server::Config { host, port, cluster_name, nodes, security, session_ttl, tls, ..defaults };
        if let Some(names) = namespaces {
            if names.is_empty() {
                return Err(param_error("namespaces is empty: the server needs at least one"));
            }
            config.namespaces = names
                .into_iter()
                .map(|name| local_server::NamespaceConfig { name, default_ttl, ..local_server::NamespaceConfig::default() })
                .collect();
        } else {
            for ns in &mut config.namespaces {
                ns.default_ttl = default_ttl;
            }
        }
        for ns in &mut config.namespaces {
            ns.replication_factor = replication_factor;
        }
        Ok(Self { config, running: Mutex::new(None) })
    }

    /// Starts the server (if not running) and returns it.
    fn start(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let me = slf.get();
        let mut running = me.running.lock().map_err(|_| client_error("local server state is poisoned"))?;
        if running.is_none() {
            let config = me.config.clone();
            let server = slf
                .py()
                .detach(|| local_server::Server::start(config))
                .map_err(|e| client_error(format!("could not start the local server: {e}")))?;
            *running = Some(server);
        }
        drop(running);
        Ok(slf)
    }

    /// Stops the server; it can be started again (on a new port when the port was 0).
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let server = self.running.lock().map_err(|_| client_error("local server state is poisoned"))?.take();
        if let Some(mut server) = server {
            py.detach(move || server.stop());
        }
        Ok(())
    }

    #[getter]
    fn is_running(&self) -> bool {
        self.running.lock().is_ok_and(|s| s.is_some())
    }

    #[getter]
    fn nodes(&self) -> usize {
        self.config.nodes
    }

    /// The replication factor the namespaces were configured with (fewer copies exist while
    /// fewer nodes are up).
    #[getter]
    fn replication_factor(&self) -> u32 {
        self.config.namespaces.first().map_or(1, |ns| ns.replication_factor)
    }

    /// Whether each node is up, in node order.
    #[getter]
    fn nodes_up(&self) -> PyResult<Vec<bool>> {
        self.with_server(|s| (0..self.config.nodes).map(|i| s.node_is_up(i)).collect())
    }

    /// Takes node `node` down at once, as a crash would: its port closes, its connections are
    /// dropped wherever they are (mid-response too), and the other nodes take over its
    /// partitions (replicas become masters; partition and peers generations move, so clients
    /// re-route). Its records are lost with it; with `replication_factor` 2 or more the other
    /// copies serve them. Killing a node that is down does nothing.
    ///
    /// >>> import aerospike_py as aerospike
    /// >>> with aerospike.LocalServer(nodes=2, replication_factor=2) as server:
    /// ...     server.kill_node(1)
    /// ...     up = server.nodes_up
    /// >>> up
    /// [True, False]
    fn kill_node(&self, py: Python<'_>, node: usize) -> PyResult<()> {
        self.node_index(node)?;
        self.with_server(|s| py.detach(|| s.kill_node(node)))?.map_err(|e| client_error(format!("cannot kill node {node}: {e}")))
    }

    /// Brings node `node` back on its port. It comes back empty, as an in-memory node does
    /// after a restart, and is given every partition it holds in the new table (migration)
    /// before clients are told to use it, so it never serves as master without the writes it
    /// missed. Restarting a node that is up does nothing.
    fn restart_node(&self, py: Python<'_>, node: usize) -> PyResult<()> {
        self.node_index(node)?;
        self.with_server(|s| py.detach(|| s.restart_node(node)))?.map_err(|e| client_error(format!("cannot restart node {node}: {e}")))
    }

    /// Makes node `node` misbehave for data commands (single-record commands, batches, scans
    /// and queries; the info requests clients tend the cluster with are left alone, but by
    /// `"refuse"`), until `clear_faults()` or, with `times=n`, for the next `n` commands
    /// (connections, for `"refuse"`). Kinds:
    ///
    /// - `"delay"`: wait `delay_ms` milliseconds before answering (trips `socket_timeout` and
    ///   `total_timeout`);
    /// - `"drop"`: send half of the answer, then close the connection (a write is then in
    ///   doubt: it ran);
    /// - `"refuse"`: close each new connection before it reads a byte;
    /// - `"result_code"`: answer `result_code` instead of running the command (for example
    ///   11 partition unavailable, 14 hot key, 18 device overload); batches, scans and
    ///   queries end with it.
    ///
    /// Several faults can be active at once; each applies to a command once.
    ///
    /// >>> import aerospike_py as aerospike
    /// >>> from aerospike_py import exception
    /// >>> with aerospike.LocalServer() as server:
    /// ...     with aerospike.client(server.config).connect() as client:
    /// ...         server.inject_fault(node=0, kind="result_code", result_code=8, times=1)
    /// ...         try:
    /// ...             client.put(("test", "demo", "full"), {"v": 1})
    /// ...         except exception.ServerFull as e:
    /// ...             failed = (e.code, e.in_doubt)
    /// ...         client.put(("test", "demo", "full"), {"v": 1})  # the fault was used up
    /// >>> failed
    /// (8, False)
    #[pyo3(signature = (node, kind, *, delay_ms=None, result_code=None, times=None))]
    fn inject_fault(&self, node: usize, kind: &str, delay_ms: Option<u64>, result_code: Option<i64>, times: Option<u32>) -> PyResult<()> {
        use local_server::node::faults::{Fault, FaultKind};
        self.node_index(node)?;
        if times == Some(0) {
            return Err(param_error("times must be at least 1 (or None: until clear_faults())"));
        }
        let only = |what: &str, given: bool| if given { Err(param_error(format!("{what} does not apply to a {kind:?} fault"))) } else { Ok(()) };
        let kind = match kind {
            "delay" => {
                only("result_code", result_code.is_some())?;
                let ms = delay_ms.ok_or_else(|| param_error("a \"delay\" fault needs delay_ms"))?;
                FaultKind::Delay(std::time::Duration::from_millis(ms))
            }
            "drop" | "refuse" => {
                only("delay_ms", delay_ms.is_some())?;
                only("result_code", result_code.is_some())?;
                if kind == "drop" { FaultKind::DropMidResponse } else { FaultKind::Refuse }
            }
            "result_code" => {
                only("delay_ms", delay_ms.is_some())?;
                let code = result_code.ok_or_else(|| param_error("a \"result_code\" fault needs result_code"))?;
                let code = u8::try_from(code).ok().filter(|&c| c != 0).ok_or_else(|| {
                    param_error(format!("result_code must be a server result code from 1 to 255, not {code}"))
                })?;
                FaultKind::ResultCode(code)
            }
            other => {
                return Err(param_error(format!("unknown fault kind {other:?}: use \"delay\", \"drop\", \"refuse\" or \"result_code\"")))
            }
        };
        self.with_server(|s| s.inject_fault(node, Fault { kind, remaining: times }))?.map_err(|e| param_error(e.to_string()))
    }

    /// Removes the faults of node `node`, or of every node.
    #[pyo3(signature = (node=None))]
    fn clear_faults(&self, node: Option<usize>) -> PyResult<()> {
        if let Some(i) = node {
            self.node_index(i)?;
        }
        self.with_server(|s| s.clear_faults(node))?.map_err(|e| param_error(e.to_string()))
    }

    /// The first node's port.
    #[getter]
    fn port(&self) -> PyResult<u16> {
        self.with_server(|s| s.port())
    }

    /// Every node's port, in node order.
    #[getter]
    fn ports(&self) -> PyResult<Vec<u16>> {
        self.with_server(|s| s.addrs().iter().map(|a| a.port()).collect())
    }

    /// `[(host, port)]` of every node, ready for a client config (any one of them is enough
    /// as a seed: the nodes announce each other); with TLS `[(host, port, tls_name)]`.
    #[getter]
    fn hosts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let ports = self.ports()?;
        match &self.config.tls {
            None => PyList::new(py, ports.into_iter().map(|port| (self.config.host.clone(), port))),
            Some(tls) => PyList::new(py, ports.into_iter().map(|port| (self.config.host.clone(), port, tls.name.clone()))),
        }
    }

    /// A client config for this server: `aerospike_py.client(server.config).connect()`; with
    /// TLS its `tls` section trusts the server's CA (`{"enable": True, "cafile": ...}`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("hosts", self.hosts(py)?)?;
        if let Some(name) = &self.config.cluster_name {
            dict.set_item("cluster_name", name)?;
        }
        if let Some(cafile) = self.tls_ca_file()? {
            let tls = PyDict::new(py);
            tls.set_item("enable", true)?;
            tls.set_item("cafile", cafile)?;
            dict.set_item("tls", tls)?;
        }
        Ok(dict)
    }

    /// The PEM file of the CA that signed the server's certificate (what a client trusts), in
    /// a temporary directory removed at stop; `None` without TLS.
    #[getter]
    fn tls_ca_file(&self) -> PyResult<Option<String>> {
        self.with_server(|s| s.tls().map(|t| t.ca_file().to_string_lossy().into_owned()))
    }

    /// The name in the server's certificate, which clients check it by; `None` without TLS.
    #[getter]
    fn tls_name(&self) -> Option<String> {
        self.config.tls.as_ref().map(|t| t.name.clone())
    }

    /// A client certificate for `common_name` signed by the server's CA, for mutual TLS and
    /// PKI logins (the user is the common name): `(certfile, keyfile)`, PEM files removed at
    /// stop, ready for `config["tls"]`.
    fn issue_client_cert(&self, py: Python<'_>, common_name: &str) -> PyResult<(String, String)> {
        let issued = self.with_server(|s| match s.tls() {
            None => Err(client_error("issue_client_cert needs a server started with tls=True")),
            Some(tls) => py
                .detach(|| tls.issue_client_cert(common_name))
                .map(|(c, k)| (c.to_string_lossy().into_owned(), k.to_string_lossy().into_owned()))
                .map_err(|e| param_error(format!("cannot issue a client certificate for {common_name:?}: {e}"))),
        })?;
        issued
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        Self::start(slf)
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        match self.ports() {
            Ok(ports) if ports.len() == 1 => format!("LocalServer({}:{}, running)", self.config.host, ports[0]),
            Ok(ports) => {
                let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                format!("LocalServer({}:{}, {} nodes, running)", self.config.host, ports.join(","), self.config.nodes)
            }
            Err(_) => "LocalServer(stopped)".to_owned(),
        }
    }
}

impl PyLocalServer {
    fn node_index(&self, node: usize) -> PyResult<()> {
        if node < self.config.nodes {
            Ok(())
        } else {
            Err(param_error(format!("node {node} does not exist: the server has {} nodes (0 to {})", self.config.nodes, self.config.nodes - 1)))
        }
    }

    fn with_server<T>(&self, f: impl FnOnce(&local_server::Server) -> T) -> PyResult<T> {
        let running = self.running.lock().map_err(|_| client_error("local server state is poisoned"))?;
        running.as_ref().map(f).ok_or_else(|| client_error("the local server is not running: call start() or use it as a context manager"))
    }
}

impl Drop for PyLocalServer {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock() {
            if let Some(mut server) = running.take() {
                server.stop();
            }
        }
    }
}
