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
    #[pyo3(signature = (port=0, host="127.0.0.1".to_owned(), namespaces=None, cluster_name=None, default_ttl=2_592_000, nodes=1, security=false, tls=false, tls_name=None, tls_client_auth=false, session_ttl=86_400))]
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
        session_ttl: u32,
    ) -> PyResult<Self> {
        if nodes == 0 {
            return Err(param_error("nodes must be at least 1"));
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
