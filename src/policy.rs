//! Python policy, meta and config dicts -> the aerospike crate's policies. Every key is checked:
//! an unknown key or a value of the wrong type raises before anything is sent, naming the key.

use aerospike::{
    policy::{CommitLevel, Expiration, GenerationPolicy, ReadTouchTtl, RecordExistsAction},
    BasePolicy, ClientPolicy, Host, ReadPolicy, WritePolicy,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString, PyTuple};

use crate::errors::param_error;

/// The unsigned TTL spellings of the official client, accepted beside -1/-2/-3.
const TTL_NEVER_UNSIGNED: i64 = 0xFFFF_FFFF;
const TTL_DONT_UPDATE_UNSIGNED: i64 = 0xFFFF_FFFE;
const TTL_CLIENT_DEFAULT_UNSIGNED: i64 = 0xFFFF_FFFD;

/// The per-family default policies a client applies before a call's own policy dict.
#[derive(Clone, Default)]
pub(crate) struct Defaults {
    pub read: ReadPolicy,
    pub write: WritePolicy,
    pub operate: WritePolicy,
    pub remove: WritePolicy,
    pub batch: aerospike::BatchPolicy,
    /// `policies["query"]`: every query and scan starts from it (the official client's
    /// `policies["scan"]` is taken as the same family: a scan here is a query without `where`).
    pub query: aerospike::QueryPolicy,
    /// `config["lua"]["user_path"]`: where `udf_put` keeps the client's copy of each module,
    /// which the final reduce of an aggregation loads (None: `default_lua_user_path()`).
    pub lua_user_path: Option<std::path::PathBuf>,
}

/// Everything `client(config)` needs to connect.
pub(crate) struct ClientConfig {
    pub hosts: Vec<Host>,
    pub policy: ClientPolicy,
    pub defaults: Defaults,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A dict argument, or None; anything else is a TypeError naming the argument.
pub(crate) fn optional_dict<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    what: &str,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => o
            .cast::<PyDict>()
            .map(|d| Some(d.clone()))
            .map_err(|_| PyTypeError::new_err(format!("{what} must be a dict, not {}", type_name(o)))),
    }
}

fn int_value(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{what} must be an int, not bool")));
    }
    value
        .extract::<i64>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be an int, not {}", type_name(value))))
}

fn u32_value(value: &Bound<'_, PyAny>, what: &str) -> PyResult<u32> {
    let n = int_value(value, what)?;
    u32::try_from(n).map_err(|_| param_error(format!("{what} must be between 0 and {}, not {n}", u32::MAX)))
}

fn bool_value(value: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    value
        .cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a bool, not {}", type_name(value))))
}

/// Applies a key common to every policy family; false when the key is not one of them.
fn apply_base(base: &mut BasePolicy, key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match key {
        "timeout" | "total_timeout" => base.total_timeout = u32_value(value, key)?,
        "socket_timeout" => base.socket_timeout = u32_value(value, key)?,
        "max_retries" => {
            base.max_retries = usize::try_from(u32_value(value, key)?).unwrap_or(usize::MAX);
        }
        "sleep_between_retries" => base.sleep_between_retries = u32_value(value, key)?,
        "compress" => base.use_compression = bool_value(value, key)?,
        "filter_expression" => {
            base.filter_expression = if value.is_none() {
                None
            } else {
                Some(
                    crate::expressions::expression_from_py(value)
                        .map_err(|e| crate::errors::with_context(value.py(), e, "filter_expression"))?,
                )
            };
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A read policy: `base` (the client's default) with the keys of `dict` applied.
pub(crate) fn read_policy(base: &ReadPolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<ReadPolicy> {
    let mut policy = base.clone();
    let Some(dict) = dict else { return Ok(policy) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "read")?;
        if apply_base(&mut policy.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "read_touch_ttl_percent" => {
                policy.base_policy.read_touch_ttl = read_touch_ttl(int_value(&value, &key)?)?;
            }
            "key" => {
                u32_value(&value, &key)?; // accepted for symmetry with writes; reads never send it
            }
            _ => return Err(unknown_key("read", &key)),
        }
    }
    Ok(policy)
}

fn read_touch_ttl(percent: i64) -> PyResult<ReadTouchTtl> {
    Ok(match percent {
        0 => ReadTouchTtl::ServerDefault,
        -1 => ReadTouchTtl::DontReset,
        1..=100 => ReadTouchTtl::Percent(u8::try_from(percent).unwrap_or(100)),
        _ => {
            return Err(param_error(format!(
                "read_touch_ttl_percent must be 0 (server default), -1 (don't reset) or 1..100, not {percent}"
            )))
        }
    })
}

/// A write-family policy (write, operate, remove, touch): `base` with `dict`'s keys applied.
pub(crate) fn write_policy(
    base: &WritePolicy,
    dict: Option<&Bound<'_, PyDict>>,
    family: &str,
) -> PyResult<WritePolicy> {
    let mut policy = base.clone();
    let Some(dict) = dict else { return Ok(policy) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, family)?;
        if apply_base(&mut policy.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "key" => {
                policy.send_key = send_key(int_value(&value, &key)?)?;
            }
            "exists" => policy.record_exists_action = exists_action(int_value(&value, &key)?)?,
            "gen" => {
                policy.generation_policy = generation_policy(int_value(&value, &key)?)?;
            }
            "commit_level" => {
                policy.commit_level = commit_level(int_value(&value, &key)?)?;
            }
            "durable_delete" => policy.durable_delete = bool_value(&value, &key)?,
            "ttl" => policy.expiration = expiration(&value, base.expiration)?,
            "respond_all_ops" => policy.respond_per_each_op = bool_value(&value, &key)?,
            _ => return Err(unknown_key(family, &key)),
        }
    }
    Ok(policy)
}

fn exists_action(value: i64) -> PyResult<RecordExistsAction> {
    Ok(match value {
        0 => RecordExistsAction::Update,
        1 => RecordExistsAction::UpdateOnly,
        2 => RecordExistsAction::Replace,
        3 => RecordExistsAction::ReplaceOnly,
        4 => RecordExistsAction::CreateOnly,
        n => return Err(param_error(format!("exists must be a POLICY_EXISTS_* value, not {n}"))),
    })
}

/// A TTL in seconds, with the special values of the TTL_* constants (signed or unsigned).
pub(crate) fn expiration(value: &Bound<'_, PyAny>, client_default: Expiration) -> PyResult<Expiration> {
    let ttl = int_value(value, "ttl")?;
    Ok(match ttl {
        0 => Expiration::NamespaceDefault,
        -1 | TTL_NEVER_UNSIGNED => Expiration::Never,
        -2 | TTL_DONT_UPDATE_UNSIGNED => Expiration::DontUpdate,
        -3 | TTL_CLIENT_DEFAULT_UNSIGNED => client_default,
        1..TTL_CLIENT_DEFAULT_UNSIGNED => Expiration::Seconds(u32::try_from(ttl).unwrap_or(u32::MAX)),
        _ => {
            return Err(param_error(format!(
                "ttl {ttl} is invalid: use seconds, or TTL_NAMESPACE_DEFAULT, TTL_NEVER_EXPIRE, \
                 TTL_DONT_UPDATE or TTL_CLIENT_DEFAULT"
            )))
        }
    })
}

/// Applies `meta={"ttl": .., "gen": ..}` to a write policy.
pub(crate) fn apply_meta(policy: &mut WritePolicy, meta: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    match meta {
        Some(meta) => meta_fields(meta, &mut policy.expiration, &mut policy.generation),
        None => Ok(()),
    }
}

/// The keys of a meta dict: `ttl` and `gen`.
fn meta_fields(meta: &Bound<'_, PyDict>, expiration_: &mut Expiration, generation: &mut u32) -> PyResult<()> {
    for (key, value) in meta.iter() {
        let key = policy_key(&key, "meta")?;
        match key.as_str() {
            "ttl" => *expiration_ = expiration(&value, *expiration_)?,
            "gen" => *generation = u32_value(&value, "gen")?,
            _ => return Err(param_error(format!("unknown meta key {key:?}: meta takes \"ttl\" and \"gen\""))),
        }
    }
    Ok(())
}

fn policy_key(key: &Bound<'_, PyAny>, family: &str) -> PyResult<String> {
    key.extract::<String>()
        .map_err(|_| PyTypeError::new_err(format!("{family} policy keys are str, not {}", type_name(key))))
}

fn unknown_key(family: &str, key: &str) -> PyErr {
    param_error(format!("unknown {family} policy key {key:?}"))
}

/// `client(config)`: hosts, credentials, timeouts and per-family default policies.
pub(crate) fn client_config(config: &Bound<'_, PyAny>) -> PyResult<ClientConfig> {
    let config = config
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("config must be a dict, not {}", type_name(config))))?;
    let mut out = ClientConfig { hosts: Vec::new(), policy: ClientPolicy::default(), defaults: Defaults::default() };
    let mut user: Option<String> = None;
    let mut password: Option<String> = None;
    let mut policies: Option<Bound<'_, PyDict>> = None;
    for (key, value) in config.iter() {
        let key = policy_key(&key, "config")?;
        match key.as_str() {
            "hosts" => out.hosts = hosts(&value)?,
            "cluster_name" => out.policy.cluster_name = optional_string(&value, &key)?,
            "user" => user = optional_string(&value, &key)?,
            "password" => password = optional_string(&value, &key)?,
            "timeout" | "connect_timeout" => out.policy.timeout = u32_value(&value, &key)?,
            "login_timeout" => out.policy.login_timeout = u32_value(&value, &key)?,
            "idle_timeout" => out.policy.idle_timeout = u32_value(&value, &key)?,
            "tend_interval" => out.policy.tend_interval = u32_value(&value, &key)?,
            "max_conns_per_node" => {
                out.policy.max_conns_per_node = usize::try_from(u32_value(&value, &key)?).unwrap_or(usize::MAX);
            }
            "min_conns_per_node" => {
                out.policy.min_conns_per_node = usize::try_from(u32_value(&value, &key)?).unwrap_or(usize::MAX);
            }
            "use_services_alternate" => out.policy.use_services_alternate = bool_value(&value, &key)?,
            "policies" => policies = optional_dict(Some(&value), "config[\"policies\"]")?,
            "lua" => out.defaults.lua_user_path = lua_config(&value)?,
            "tls" => {
                let enabled = optional_dict(Some(&value), "config[\"tls\"]")?
                    .is_some_and(|d| d.get_item("enable").ok().flatten().is_none_or(|v| v.is_truthy().unwrap_or(true)));
                if enabled {
                    return Err(param_error("TLS is not supported by this build of aerospike-py"));
                }
            }
            _ => return Err(param_error(format!("unknown config key {key:?}"))),
        }
    }
    if out.hosts.is_empty() {
        return Err(param_error("config[\"hosts\"] must list at least one (host, port)"));
    }
    match (user, password) {
        (Some(user), Some(password)) => out.policy.set_auth_mode(aerospike::AuthMode::Internal(user, password)),
        (Some(_), None) => return Err(param_error("config has a \"user\" but no \"password\"")),
        _ => {}
    }
    if let Some(policies) = policies {
        apply_default_policies(&mut out.defaults, &policies)?;
    }
    Ok(out)
}

fn apply_default_policies(defaults: &mut Defaults, policies: &Bound<'_, PyDict>) -> PyResult<()> {
    for (family, value) in policies.iter() {
        let family = policy_key(&family, "policies")?;
        let what = format!("policies[{family:?}]");
        let dict = optional_dict(Some(&value), &what)?;
        let dict = dict.as_ref();
        match family.as_str() {
            "read" => defaults.read = read_policy(&defaults.read, dict)?,
            "write" => defaults.write = write_policy(&defaults.write, dict, "write")?,
            "operate" => defaults.operate = write_policy(&defaults.operate, dict, "operate")?,
            "remove" => defaults.remove = write_policy(&defaults.remove, dict, "remove")?,
            "batch" => defaults.batch = batch_policy(defaults, dict)?.batch,
            "query" | "scan" => {
                if dict.is_some_and(|d| d.contains("partition_filter").unwrap_or(false)) {
                    return Err(param_error(format!("{what} cannot hold a partition_filter: it belongs to one query")));
                }
                defaults.query = query_policy(&defaults.query, dict)?;
            }
            _ => return Err(param_error(format!("unknown policy family {family:?} in config[\"policies\"]"))),
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
    Ok(Host::new(&name, port))
}

/// The policy of info commands: `{"timeout": ms}`.
pub(crate) fn admin_policy(policy: Option<&Bound<'_, PyAny>>) -> PyResult<aerospike::policy::AdminPolicy> {
    let mut out = aerospike::policy::AdminPolicy::default();
    if let Some(dict) = optional_dict(policy, "policy")? {
        for (key, value) in dict.iter() {
            let key = policy_key(&key, "info")?;
            match key.as_str() {
                "timeout" => out.timeout = u32_value(&value, &key)?,
                _ => return Err(unknown_key("info", &key)),
            }
        }
    }
    Ok(out)
}

/// A batch's policies: the batch-wide one and the per-record ones each kind of row uses.
pub(crate) struct BatchPolicies {
    pub batch: aerospike::BatchPolicy,
    pub read: aerospike::BatchReadPolicy,
    pub write: aerospike::BatchWritePolicy,
    pub delete: aerospike::BatchDeletePolicy,
}

/// A batch policy dict: batch-wide keys (timeouts, `respond_all_keys`, `allow_inline`,
/// `concurrent`) and per-record keys (`key`, `exists`, `gen`, `ttl`, `commit_level`,
/// `durable_delete`, `read_touch_ttl_percent`) in one dict.
pub(crate) fn batch_policy(defaults: &Defaults, dict: Option<&Bound<'_, PyDict>>) -> PyResult<BatchPolicies> {
    let mut out = BatchPolicies {
        batch: defaults.batch.clone(),
        read: aerospike::BatchReadPolicy::default(),
        write: aerospike::BatchWritePolicy::default(),
        delete: aerospike::BatchDeletePolicy::default(),
    };
    let Some(dict) = dict else { return Ok(out) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch")?;
        if apply_base(&mut out.batch.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "respond_all_keys" => out.batch.respond_all_keys = bool_value(&value, &key)?,
            "allow_inline" => out.batch.allow_inline = bool_value(&value, &key)?,
            "allow_inline_ssd" => out.batch.allow_inline_ssd = bool_value(&value, &key)?,
            "concurrent" => {
                out.batch.concurrency = if bool_value(&value, &key)? {
                    aerospike::Concurrency::Parallel
                } else {
                    aerospike::Concurrency::Sequential
                };
            }
            "read_touch_ttl_percent" => out.read.read_touch_ttl = read_touch_ttl(int_value(&value, &key)?)?,
            "key" => {
                let send = send_key(int_value(&value, &key)?)?;
                out.write.send_key = send;
                out.delete.send_key = send;
            }
            "exists" => out.write.record_exists_action = exists_action(int_value(&value, &key)?)?,
            "gen" => {
                let gen = generation_policy(int_value(&value, &key)?)?;
                out.write.generation_policy = gen;
                out.delete.generation_policy = gen;
            }
            "commit_level" => {
                let level = commit_level(int_value(&value, &key)?)?;
                out.write.commit_level = level;
                out.delete.commit_level = level;
            }
            "durable_delete" => {
                let durable = bool_value(&value, &key)?;
                out.write.durable_delete = durable;
                out.delete.durable_delete = durable;
            }
            "ttl" => out.write.expiration = expiration(&value, out.write.expiration)?,
            _ => return Err(unknown_key("batch", &key)),
        }
    }
    Ok(out)
}

/// `(key, bins, meta)` in `batch_write`: meta's `ttl` and `gen` for that record.
pub(crate) fn apply_batch_write_meta(policy: &mut aerospike::BatchWritePolicy, meta: &Bound<'_, PyDict>) -> PyResult<()> {
    meta_fields(meta, &mut policy.expiration, &mut policy.generation)
}

fn send_key(value: i64) -> PyResult<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(param_error(format!("key must be POLICY_KEY_DIGEST or POLICY_KEY_SEND, not {n}"))),
    }
}

fn generation_policy(value: i64) -> PyResult<GenerationPolicy> {
    Ok(match value {
        0 => GenerationPolicy::None,
        1 => GenerationPolicy::ExpectGenEqual,
        2 => GenerationPolicy::ExpectGenGreater,
        n => return Err(param_error(format!("gen must be a POLICY_GEN_* value, not {n}"))),
    })
}

fn commit_level(value: i64) -> PyResult<CommitLevel> {
    Ok(match value {
        0 => CommitLevel::CommitAll,
        1 => CommitLevel::CommitMaster,
        n => return Err(param_error(format!("commit_level must be a POLICY_COMMIT_LEVEL_* value, not {n}"))),
    })
}

/// A query or scan policy: `base` with `dict`'s keys applied. `partition_filter` is left to the
/// caller (it is a query argument carried in the policy dict, as the peer client does).
pub(crate) fn query_policy(base: &aerospike::QueryPolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<aerospike::QueryPolicy> {
    let mut policy = base.clone();
    let Some(dict) = dict else { return Ok(policy) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "query")?;
        if apply_base(&mut policy.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "partition_filter" => {}
            "max_records" => policy.max_records = u64::try_from(int_value(&value, &key)?).map_err(|_| param_error("max_records must be >= 0"))?,
            "records_per_second" => policy.records_per_second = u32_value(&value, &key)?,
            "record_queue_size" => {
                let size = u32_value(&value, &key)?;
                if size == 0 {
                    return Err(param_error("record_queue_size must be at least 1"));
                }
                policy.record_queue_size = usize::try_from(size).unwrap_or(usize::MAX);
            }
            "max_concurrent_nodes" => {
                policy.max_concurrent_nodes = usize::try_from(u32_value(&value, &key)?).unwrap_or(usize::MAX);
            }
            "include_bin_data" => policy.include_bin_data = bool_value(&value, &key)?,
            "expected_duration" => {
                policy.expected_duration = match int_value(&value, &key)? {
                    0 => aerospike::policy::QueryDuration::Long,
                    1 => aerospike::policy::QueryDuration::Short,
                    2 => aerospike::policy::QueryDuration::LongRelaxAp,
                    n => return Err(param_error(format!("expected_duration must be a QUERY_DURATION_* value, not {n}"))),
                };
            }
            "read_touch_ttl_percent" => {
                policy.base_policy.read_touch_ttl = read_touch_ttl(int_value(&value, &key)?)?;
            }
            _ => return Err(unknown_key("query", &key)),
        }
    }
    Ok(policy)
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

/// A batch UDF's policies: the batch-wide one and the per-record `BatchUdfPolicy`
/// (`key`, `ttl`, `commit_level`, `durable_delete`; `filter_expression` goes to both).
pub(crate) fn batch_udf_policy(defaults: &Defaults, dict: Option<&Bound<'_, PyDict>>) -> PyResult<(aerospike::BatchPolicy, aerospike::BatchUdfPolicy)> {
    let mut batch = defaults.batch.clone();
    let mut udf = aerospike::BatchUdfPolicy::default();
    let Some(dict) = dict else { return Ok((batch, udf)) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch_apply")?;
        if apply_batch_udf_key(&mut udf, &key, &value)? {
            continue;
        }
        if apply_base(&mut batch.base_policy, &key, &value)? {
            if key == "filter_expression" {
                udf.filter_expression = batch.base_policy.filter_expression.clone();
            }
            continue;
        }
        match key.as_str() {
            "respond_all_keys" => batch.respond_all_keys = bool_value(&value, &key)?,
            "allow_inline" => batch.allow_inline = bool_value(&value, &key)?,
            "allow_inline_ssd" => batch.allow_inline_ssd = bool_value(&value, &key)?,
            "concurrent" => {
                batch.concurrency = if bool_value(&value, &key)? { aerospike::Concurrency::Parallel } else { aerospike::Concurrency::Sequential };
            }
            _ => return Err(unknown_key("batch_apply", &key)),
        }
    }
    Ok((batch, udf))
}

/// A per-record key of a batch UDF (policy dict or `BatchUDFMeta`); false when not one of them.
pub(crate) fn apply_batch_udf_key(policy: &mut aerospike::BatchUdfPolicy, key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match key {
        "key" => policy.send_key = send_key(int_value(value, key)?)?,
        "ttl" => policy.expiration = expiration(value, policy.expiration)?,
        "commit_level" => policy.commit_level = commit_level(int_value(value, key)?)?,
        "durable_delete" => policy.durable_delete = bool_value(value, key)?,
        _ => return Ok(false),
    }
    Ok(true)
}
