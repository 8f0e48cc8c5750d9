//! Server configuration: what the embedding code (tests, the extension, the binary) can choose.

/// One namespace, held in memory.
#[derive(Debug, Clone)]
pub struct NamespaceConfig {
    pub name: String,
    /// Seconds; 0 means records never expire by default.
    pub default_ttl: u32,
    /// Largest TTL a client may ask for (the real server's `max-ttl`, 10 years).
    pub max_ttl: u32,
    /// Largest record, in the server's storage format (`write-block-size`, 1 MiB).
    pub max_record_size: usize,
    pub replication_factor: u32,
}

impl NamespaceConfig {
    pub fn new(name: impl Into<String>) -> Self {
        NamespaceConfig { name: name.into(), ..Default::default() }
    }
}

impl Default for NamespaceConfig {
    fn default() -> Self {
        NamespaceConfig {
            name: "test".to_string(),
            default_ttl: 30 * 24 * 3600,
            max_ttl: 315_360_000,
            max_record_size: 1024 * 1024,
            replication_factor: 1,
        }
    }
}

/// TLS on every node's port, as Aerospike Enterprise serves it on a `tls-port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The name in the server certificate (`tls-name`): what clients check the server by.
    pub name: String,
    /// Require a client certificate signed by the server's CA (`tls-authenticate-client
    /// any`): mutual TLS, which a PKI login needs.
    pub client_auth: bool,
}

/// The `tls-name` a server gets unless told otherwise.
pub const DEFAULT_TLS_NAME: &str = "aerospike-local";

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig { name: DEFAULT_TLS_NAME.to_string(), client_auth: false }
    }
}

/// The whole server.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    /// The first node's port; node `i` listens on `port + i`. 0 picks free ports.
    pub port: u16,
    /// Nodes in the cluster, each on its own port and owning its share of the partitions.
    pub nodes: usize,
    pub namespaces: Vec<NamespaceConfig>,
    /// `None` answers `null` to `cluster-name`, as an unnamed real server does. The default is
    /// `docker`: the conformance corpus was recorded from a server named so (the official
    /// Docker image's configuration), and its `cluster-name` cases expect that name.
    pub cluster_name: Option<String>,
    /// Worker threads of the server's own tokio runtime.
    pub worker_threads: usize,
    /// How often the expiry sweep runs, in milliseconds.
    pub sweep_interval_ms: u64,
    /// Access control as Aerospike Enterprise enforces it (users, roles, privileges,
    /// whitelists, quotas), starting with the user `admin`/`admin` (role `user-admin`). Off,
    /// the server is CE: no login, and every admin message is answered "not supported".
    pub security: bool,
    /// Seconds a login's session token stays valid (EE's `session-ttl`, default 1 day).
    pub session_ttl: u32,
    /// TLS on every node's port, with a CA and server certificate made at start; `None`:
    /// plaintext, as CE.
    pub tls: Option<TlsConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_string(),
            port: 0,
            nodes: 1,
            // The conformance corpus was recorded with namespaces `test` and `bar`.
            namespaces: vec![NamespaceConfig::new("test"), NamespaceConfig::new("bar")],
            cluster_name: Some("docker".to_string()),
            worker_threads: 2,
            sweep_interval_ms: 1000,
            security: false,
            session_ttl: 86_400,
            tls: None,
        }
    }
}
