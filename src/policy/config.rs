//! `client(config)`: the config dict -> hosts, the crate's `ClientPolicy` and the per-family
//! default policies. The keys are those of the official client's "Client Configuration" and the
//! seed's `ClientConfig`; an unknown key is an error naming it, and a documented key this client
//! cannot honour is refused with the reason (`shm`, `serialization`, `config_provider`, ...).

use aerospike::{ClientPolicy, Host};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::{
    admin_policy_from, batch_apply_policy, batch_policy, batch_remove_policy, batch_write_policy, bool_value, int_value,
    key_list, optional_dict, policy_key, query_policy, read_policy, type_name, u32_value, usize_value, write_policy, Defaults,
};
use crate::errors::param_error;

/// The config keys this file handles (the credentials and `tls` are the connection's).
const CONFIG_KEYS: &[&str] = &[
    "hosts",
    "cluster_name",
    "user",
    "password",
    "auth_mode",
    "timeout",
    "connect_timeout",
    "login_timeout",
    "idle_timeout",
    "max_socket_idle",
    "tend_interval",
    "max_conns_per_node",
    "min_conns_per_node",
    "conn_pools_per_node",
    "max_error_rate",
    "error_rate_window",
    "use_services_alternate",
    "rack_aware",
    "rack_id",
    "rack_ids",
    "app_id",
    "fail_if_not_connected",
    "force_single_node",
    "compression_threshold",
    "validate_keys",
    "thread_pool_size",
    "send_bool_as",
    "use_shared_connection",
    "shm",
    "serialization",
    "config_provider",
    "max_concurrent_operations",
    "operation_queue_timeout_ms",
    "policies",
    "lua",
    "tls",
];

/// `config["policies"]`: the families, and the deprecated client-wide scalars.
const POLICY_FAMILIES: &[&str] = &[
    "read",
    "write",
    "apply",
    "operate",
    "remove",
    "query",
    "scan",
    "batch",
    "batch_parent_write",
    "batch_write",
    "batch_remove",
    "batch_apply",
    "info",
    "admin",
    "txn_verify",
    "txn_roll",
];
const POLICY_SCALARS: &[&str] = &["total_timeout", "login_timeout_ms", "auth_mode", "key", "exists", "max_retries", "replica", "commit_level"];

/// Everything `client(config)` needs to connect.
pub(crate) struct ClientConfig {
    pub hosts: Vec<Host>,
    pub policy: ClientPolicy,
    pub defaults: Defaults,
    /// The seed's backpressure: at most this many commands in flight per client (0: no limit),
    /// a command waiting at most `operation_queue_timeout_ms` (0: forever) for a slot before
    /// `BackpressureError`.
    pub max_concurrent_operations: usize,
    pub operation_queue_timeout_ms: u64,
    /// `config["user"]` / `["password"]`, overridden by `connect(username, password)`.
    pub user: Option<String>,
    pub password: Option<String>,
    /// `AUTH_INTERNAL` (0), `AUTH_EXTERNAL` (1), `AUTH_EXTERNAL_INSECURE` (2) or `AUTH_PKI` (3),
    /// from `config["auth_mode"]` (the seed's place) or `config["policies"]["auth_mode"]` (the
    /// official client's).
    pub auth_mode: i64,
    /// Whether connections use TLS (`config["tls"]["enable"]`): external logins send the
    /// password in clear, and PKI logins are a TLS client certificate, so both need it.
    pub tls_enabled: bool,
}

impl ClientConfig {
    /// The crate's auth mode for a login as `user` (from `connect()`, else the config), checked
    /// before anything is sent: a password goes in clear only over TLS unless the caller chose
    /// AUTH_EXTERNAL_INSECURE, and AUTH_PKI is a TLS client certificate with no password.
    pub(crate) fn auth(&self, user: Option<String>, password: Option<String>) -> PyResult<aerospike::AuthMode> {
        let (user, password) = match (user, password) {
            (Some(u), Some(p)) => (Some(u), Some(p)),
            (Some(_), None) => return Err(param_error("connect() got a username but no password")),
            (None, Some(_)) => return Err(param_error("connect() got a password but no username")),
            (None, None) => (self.user.clone(), self.password.clone()),
        };
        let credentials = match (user, password) {
            (Some(u), Some(p)) => Some((u, p)),
            (Some(_), None) => return Err(param_error("config has a \"user\" but no \"password\"")),
            (None, Some(_)) => return Err(param_error("config has a \"password\" but no \"user\"")),
            (None, None) => None,
        };
        Ok(match (self.auth_mode, credentials) {
            (AUTH_PKI, Some(_)) => {
                return Err(param_error("AUTH_PKI logs in with the TLS client certificate: give no user or password"));
            }
            (AUTH_PKI, None) if !self.tls_enabled => {
                return Err(param_error("AUTH_PKI needs TLS with a client certificate: set config[\"tls\"] (enable, certfile, keyfile)"));
            }
            (AUTH_PKI, None) => aerospike::AuthMode::Pki,
            (_, None) => aerospike::AuthMode::None,
            (AUTH_INTERNAL, Some((u, p))) => aerospike::AuthMode::Internal(u, p),
            (AUTH_EXTERNAL, Some(_)) if !self.tls_enabled => {
                return Err(param_error(
                    "AUTH_EXTERNAL sends the password in clear, so it needs TLS (config[\"tls\"]); use AUTH_EXTERNAL_INSECURE to send it without",
                ));
            }
            (AUTH_EXTERNAL, Some((u, p))) => aerospike::AuthMode::External(u, p),
            (_, Some((u, p))) => aerospike::AuthMode::ExternalInsecure(u, p),
        })
    }
}

const AUTH_INTERNAL: i64 = 0;
const AUTH_EXTERNAL: i64 = 1;
const AUTH_EXTERNAL_INSECURE: i64 = 2;
const AUTH_PKI: i64 = 3;

/// An `auth_mode` value: one of the `AUTH_*` constants.
fn auth_mode(value: &Bound<'_, PyAny>, key: &str) -> PyResult<i64> {
    let mode = int_value(value, key)?;
    if !(AUTH_INTERNAL..=AUTH_PKI).contains(&mode) {
        return Err(param_error(format!(
            "{key} must be AUTH_INTERNAL ({AUTH_INTERNAL}), AUTH_EXTERNAL ({AUTH_EXTERNAL}), AUTH_EXTERNAL_INSECURE ({AUTH_EXTERNAL_INSECURE}) or AUTH_PKI ({AUTH_PKI}), not {mode}"
        )));
    }
    Ok(mode)
}

/// `client(config)`: hosts, credentials, timeouts and per-family default policies.
pub(crate) fn client_config(config: &Bound<'_, PyAny>) -> PyResult<ClientConfig> {
    let config = config
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("config must be a dict, not {}", type_name(config))))?;
    let mut out = ClientConfig {
        hosts: Vec::new(),
        policy: ClientPolicy::default(),
        defaults: Defaults::default(),
        max_concurrent_operations: 0,
        operation_queue_timeout_ms: 0,
        user: None,
        password: None,
        auth_mode: AUTH_INTERNAL,
        tls_enabled: false,
    };
    let mut policies: Option<Bound<'_, PyDict>> = None;
    let mut rack_aware = false;
    let mut rack_id: Option<usize> = None;
    let mut rack_ids: Option<Vec<usize>> = None;
    let mut compression_threshold: Option<Bound<'_, PyAny>> = None;
    for (key, value) in config.iter() {
        let key = policy_key(&key, "config")?;
        refuse_config_key(&key, &value)?;
        if !CONFIG_KEYS.contains(&key.as_str()) {
            return Err(param_error(format!("unknown config key {key:?}; config takes: {}", key_list(&[CONFIG_KEYS]))));
        }
        match key.as_str() {
            "hosts" => out.hosts = hosts(&value)?,
            "cluster_name" => out.policy.cluster_name = optional_string(&value, &key)?,
            "user" => out.user = optional_string(&value, &key)?,
            "password" => out.password = optional_string(&value, &key)?,
            "auth_mode" => out.auth_mode = auth_mode(&value, &key)?,
            "timeout" | "connect_timeout" => out.policy.timeout = u32_value(&value, &key)?,
            "login_timeout" => out.policy.login_timeout = u32_value(&value, &key)?,
            "idle_timeout" => out.policy.idle_timeout = u32_value(&value, &key)?,
            "max_socket_idle" => {
                // Seconds in the official client; the crate's idle timeout is in milliseconds.
                out.policy.idle_timeout = u32_value(&value, &key)?.saturating_mul(1000);
            }
            "tend_interval" => out.policy.tend_interval = u32_value(&value, &key)?,
            "max_conns_per_node" => out.policy.max_conns_per_node = usize_value(&value, &key)?,
            "min_conns_per_node" => out.policy.min_conns_per_node = usize_value(&value, &key)?,
            "conn_pools_per_node" => {
                let n = u32_value(&value, &key)?;
                out.policy.conn_pools_per_node = u8::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| param_error(format!("conn_pools_per_node must be between 1 and 255, not {n}")))?;
            }
            "max_error_rate" => out.policy.max_error_rate = usize_value(&value, &key)?,
            "error_rate_window" => out.policy.error_rate_window = usize_value(&value, &key)?,
            "use_services_alternate" => out.policy.use_services_alternate = bool_value(&value, &key)?,
            "rack_aware" => rack_aware = bool_value(&value, &key)?,
            "rack_id" => rack_id = Some(usize_value(&value, &key)?),
            "rack_ids" => {
                let ids = crate::convert::sequence(&value, "config[\"rack_ids\"]")?
                    .iter()
                    .map(|id| usize_value(id, "a rack id"))
                    .collect::<PyResult<Vec<_>>>()?;
                if ids.is_empty() {
                    return Err(param_error("config[\"rack_ids\"] is empty: list at least one rack id"));
                }
                rack_ids = Some(ids);
            }
            "app_id" => out.policy.application_id = optional_string(&value, &key)?,
            "fail_if_not_connected" => out.policy.fail_if_not_connected = bool_value(&value, &key)?,
            "force_single_node" | "use_shared_connection" => {
                // Only False is accepted here (refuse_config_key turned True away).
                bool_value(&value, &key)?;
            }
            "shm" | "serialization" | "config_provider" => {
                // Only None reaches here (refuse_config_key refused any other value).
            }
            "compression_threshold" => compression_threshold = Some(value.clone()),
            "validate_keys" => {
                // Accepted for the official client's configs: this client always validates
                // (an unknown config or policy key is an error whatever this says).
                bool_value(&value, &key)?;
            }
            "thread_pool_size" => {
                // Accepted and ignored: the size of the C client's batch/scan thread pool; here
                // commands run on the tokio runtimes of `runtime.rs` and nodes are read concurrently.
                u32_value(&value, &key)?;
            }
            "send_bool_as" => {
                // Only AS_BOOL (refuse_config_key refused the others): bools are written as the
                // server's boolean type.
            }
            "max_concurrent_operations" => out.max_concurrent_operations = usize_value(&value, &key)?,
            "operation_queue_timeout_ms" => out.operation_queue_timeout_ms = u64::from(u32_value(&value, &key)?),
            "policies" => policies = optional_dict(Some(&value), "config[\"policies\"]")?,
            "lua" => out.defaults.lua_user_path = lua_config(&value)?,
            "tls" => {
                out.policy.tls_policy = super::tls::tls_policy(&value)?;
                out.tls_enabled = out.policy.tls_policy.is_some();
            }
            _ => return Err(crate::errors::client_error(format!("internal error: config key {key:?} is listed but not handled"))),
        }
    }
    if out.hosts.is_empty() {
        return Err(param_error("config[\"hosts\"] must list at least one (host, port)"));
    }
    if out.tls_enabled && out.policy.cluster_name.is_none() {
        // The crate checks a seed's certificate against its tls_name, else the cluster name;
        // with neither, against the address it dials, as other TLS clients do.
        for host in out.hosts.iter_mut().filter(|h| h.tls_name.is_none()) {
            host.tls_name = Some(host.name.clone());
        }
    }
    // The official client: rack awareness needs rack_aware; rack_ids wins over rack_id.
    if rack_aware {
        out.policy.rack_ids = Some(rack_ids.unwrap_or_else(|| vec![rack_id.unwrap_or(0)]));
    }
    if let Some(threshold) = compression_threshold {
        // Deprecated client-wide spelling of the write policies' compression_threshold.
        let dict = PyDict::new(config.py());
        dict.set_item("compression_threshold", threshold)?;
        for family in [&mut out.defaults.write, &mut out.defaults.operate, &mut out.defaults.apply] {
            *family = write_policy(family, Some(&dict), "write")?;
        }
    }
    if let Some(policies) = policies {
        if let Some(mode) = policies.get_item("auth_mode")? {
            out.auth_mode = auth_mode(&mode, "config[\"policies\"][\"auth_mode\"]")?;
        }
        apply_default_policies(&mut out.defaults, &mut out.policy, &policies)?;
    }
    out.auth(None, None)?; // the config's own credentials and auth mode are checked now
    Ok(out)
}

/// Config keys the official client documents that this client cannot honour, refused with why.
fn refuse_config_key(key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let why = match key {
        "shm" => "shared-memory cluster tending is a feature of the C client; each aerospike-py client tends its own cluster view",
        "serialization" => "user serializers are not supported: bins take the server's types (int, float, str, bytes, list, map, GeoJSON, HLL)",
        "config_provider" => "dynamic configuration providers are not supported",
        "use_shared_connection" if value.is_truthy()? => "clients cannot share one cluster connection; share the client object instead",
        "force_single_node" if value.is_truthy()? => "force_single_node (for testing the C client) is not supported",
        "send_bool_as" if value.is_instance_of::<pyo3::types::PyBool>() || !value.extract::<i64>().is_ok_and(|v| v == 1) => {
            "only AS_BOOL (1) is supported: booleans are written as the server's boolean type"
        }
        _ => return Ok(()),
    };
    if value.is_none() && !matches!(key, "send_bool_as") {
        return Ok(());
    }
    Err(param_error(format!("config key {key:?}: {why}")))
}

/// `config["policies"]`: the deprecated client-wide scalars first, then each family's dict
/// (which overrides them).
fn apply_default_policies(defaults: &mut Defaults, client: &mut ClientPolicy, policies: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = policies.py();
    for (name, value) in policies.iter() {
        let name = policy_key(&name, "policies")?;
        if POLICY_FAMILIES.contains(&name.as_str()) {
            continue;
        }
        if name == "metrics" {
            return Err(param_error(
                "config[\"policies\"][\"metrics\"]: MetricsPolicy is not supported; aerospike-py has get_metrics() and start_metrics_server()",
            ));
        }
        if !POLICY_SCALARS.contains(&name.as_str()) {
            return Err(param_error(format!(
                "unknown key {name:?} in config[\"policies\"]; it takes: {}",
                key_list(&[POLICY_FAMILIES, POLICY_SCALARS])
            )));
        }
        if name == "login_timeout_ms" {
            client.login_timeout = u32_value(&value, &name)?;
            continue;
        }
        if name == "auth_mode" {
            continue; // read by client_config into ClientConfig::auth_mode
        }
        let one = PyDict::new(py);
        one.set_item(name.as_str(), &value)?;
        let one = Some(&one);
        let writes = [&mut defaults.write, &mut defaults.operate, &mut defaults.remove, &mut defaults.apply];
        match name.as_str() {
            "total_timeout" | "max_retries" => {
                defaults.read = read_policy(&defaults.read, one)?;
                for family in writes {
                    *family = write_policy(family, one, "write")?;
                }
                for batch in [&mut defaults.batch, &mut defaults.batch_parent_write] {
                    super::batch::apply_batch_parent(batch, &name, &value)?;
                }
                if name == "max_retries" {
                    defaults.query = query_policy(&defaults.query, one)?;
                }
            }
            "key" => {
                defaults.read = read_policy(&defaults.read, one)?;
                for family in writes {
                    *family = write_policy(family, one, "write")?;
                }
                defaults.batch_write = batch_write_policy(&defaults.batch_write, one)?;
                defaults.batch_remove = batch_remove_policy(&defaults.batch_remove, one)?;
                defaults.batch_apply = batch_apply_policy(&defaults.batch_apply, one)?;
            }
            "exists" => defaults.write = write_policy(&defaults.write, one, "write")?,
            "replica" => {
                defaults.read = read_policy(&defaults.read, one)?;
                for family in writes {
                    *family = write_policy(family, one, "write")?;
                }
            }
            "commit_level" => {
                for family in writes {
                    *family = write_policy(family, one, "write")?;
                }
            }
            _ => return Err(crate::errors::client_error(format!("internal error: policies key {name:?} not handled"))),
        }
    }
    for (family, value) in policies.iter() {
        let family = policy_key(&family, "policies")?;
        if !POLICY_FAMILIES.contains(&family.as_str()) {
            continue;
        }
        let what = format!("policies[{family:?}]");
        let dict = optional_dict(Some(&value), &what)?;
        let dict = dict.as_ref();
        match family.as_str() {
            "read" => defaults.read = read_policy(&defaults.read, dict)?,
            "write" => defaults.write = write_policy(&defaults.write, dict, "write")?,
            "apply" => defaults.apply = write_policy(&defaults.apply, dict, "apply")?,
            "operate" => defaults.operate = write_policy(&defaults.operate, dict, "operate")?,
            "remove" => defaults.remove = write_policy(&defaults.remove, dict, "remove")?,
            "batch" | "batch_parent_write" => {
                // The seed's batch policy also carries per-record write keys: they become the
                // per-record defaults; the batch-wide keys go to that family's parent policy.
                let mut parent = defaults.clone();
                if family == "batch_parent_write" {
                    parent.batch = defaults.batch_parent_write.clone();
                }
                let p = batch_policy(&parent, dict)?;
                if family == "batch" {
                    defaults.batch = p.batch;
                } else {
                    defaults.batch_parent_write = p.batch;
                }
                defaults.batch_write = p.write;
                defaults.batch_remove = p.delete;
            }
            "batch_write" => defaults.batch_write = batch_write_policy(&defaults.batch_write, dict)?,
            "batch_remove" => defaults.batch_remove = batch_remove_policy(&defaults.batch_remove, dict)?,
            "batch_apply" => defaults.batch_apply = batch_apply_policy(&defaults.batch_apply, dict)?,
            "query" | "scan" => {
                if dict.is_some_and(|d| d.contains("partition_filter").unwrap_or(false)) {
                    return Err(param_error(format!("{what} cannot hold a partition_filter: it belongs to one query")));
                }
                defaults.query = query_policy(&defaults.query, dict)?;
            }
            "info" => defaults.info = admin_policy_from(&defaults.info, Some(&value), "info")?,
            "admin" => defaults.admin = admin_policy_from(&defaults.admin, Some(&value), "admin")?,
            "txn_verify" | "txn_roll" => {
                // Checked as batch policies and not kept: they apply only to committing or
                // aborting a multi-record transaction, which aerospike-py does not have.
                batch_policy(defaults, dict)?;
            }
            _ => return Err(crate::errors::client_error(format!("internal error: policy family {family:?} not handled"))),
        }
    }
    Ok(())
}

fn optional_string(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    value
        .cast::<PyString>()
        .map(|s| Some(s.to_string()))
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a str, not {}", type_name(value))))
}

/// `[(host, port), (host, port, tls_name), "host:port", ...]`.
fn hosts(value: &Bound<'_, PyAny>) -> PyResult<Vec<Host>> {
    crate::convert::sequence(value, "config[\"hosts\"]")?.iter().map(host).collect()
}

fn host(item: &Bound<'_, PyAny>) -> PyResult<Host> {
    if let Ok(text) = item.extract::<String>() {
        let (name, port) = match text.rsplit_once(':') {
            Some((name, port)) => (name.to_owned(), port.parse::<u16>().map_err(|_| param_error(format!("host {text:?} has an invalid port")))?),
            None => (text.clone(), 3000),
        };
        return Ok(Host::new(&name, port));
    }
    let tuple = item
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err(format!("a host is (address, port) or \"address:port\", not {}", type_name(item))))?;
    if !(2..=3).contains(&tuple.len()) {
        return Err(param_error("a host is (address, port) or (address, port, tls_name)"));
    }
    let name: String = tuple.get_item(0)?.extract().map_err(|_| PyTypeError::new_err("a host's address must be a str"))?;
    let port = int_value(&tuple.get_item(1)?, "a host's port")?;
    let port = u16::try_from(port).map_err(|_| param_error(format!("port {port} is out of range")))?;
    // The third element: the name the node's TLS certificate is checked against.
    let tls_name = match tuple.get_item(2) {
        Ok(t) => optional_string(&t, "a host's tls_name")?,
        Err(_) => None,
    };
    Ok(match tls_name {
        Some(tls_name) => Host::new_tls(&name, &tls_name, port),
        None => Host::new(&name, port),
    })
}

/// `config["lua"]`: `{"user_path": dir}` (the client's copies of UDF modules); `system_path` is
/// accepted for the official client's configs and ignored (the system Lua is built in).
fn lua_config(value: &Bound<'_, PyAny>) -> PyResult<Option<std::path::PathBuf>> {
    let mut out = None;
    if let Some(dict) = optional_dict(Some(value), "config[\"lua\"]")? {
        for (key, value) in dict.iter() {
            let key = policy_key(&key, "lua")?;
            match key.as_str() {
                "user_path" => out = optional_string(&value, "config[\"lua\"][\"user_path\"]")?.map(std::path::PathBuf::from),
                "system_path" => {}
                _ => return Err(param_error(format!("unknown config[\"lua\"] key {key:?}: it takes \"user_path\""))),
            }
        }
    }
    Ok(out)
}
