//! Python policy and meta dicts -> the aerospike crate's policies. Every key is checked: an
//! unknown key or a value of the wrong type raises before anything is sent, naming the key.
//!
//! Each family's keys are the ones the official `aerospike` client documents for it (its "Base",
//! "Read", "Write", "Operate", "Apply", "Remove", "Batch*", "Query"/"Scan", "Info" and "Admin"
//! policies), plus the seed's additions (per-record write keys in a batch policy, `key`/`exists`/
//! `commit_level`/`durable_delete` in meta). A key is in exactly one of three states:
//! - accepted and applied to the crate's policy (the `*_KEYS` lists below, which the "unknown
//!   key" message quotes, so `tests/test_types.py` can hold the TypedDicts of
//!   `aerospike_py.types` to them);
//! - accepted and ignored, only where that is the documented meaning (each says why);
//! - refused with a message saying why (`txn`: no transactions here; a non-zero per-command
//!   `connect_timeout`: the crate has one connect timeout per client).
//!
//! `config` (the client's dict) is parsed in `policy/config.rs`.

use aerospike::{
    policy::{CommitLevel, Expiration, GenerationPolicy, ReadModeAp, ReadModeSc, ReadTouchTtl, RecordExistsAction, Replica},
    BasePolicy, ReadPolicy, WritePolicy,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

use crate::errors::param_error;

mod batch;
mod config;
pub(crate) mod tls;

pub(crate) use batch::{
    apply_batch_udf_key, batch_apply_policy, batch_policy, batch_remove_policy, batch_udf_policy, batch_write_policy,
    BatchPolicies,
};
pub(crate) use config::{client_config, ClientConfig};

/// The unsigned TTL spellings of the official client, accepted beside -1/-2/-3.
const TTL_NEVER_UNSIGNED: i64 = 0xFFFF_FFFF;
const TTL_DONT_UPDATE_UNSIGNED: i64 = 0xFFFF_FFFE;
const TTL_CLIENT_DEFAULT_UNSIGNED: i64 = 0xFFFF_FFFD;

/// The keys every command policy takes (the official client's "Base Policies", the seed's
/// `timeout`, and the read keys it lists for every family).
const BASE_KEYS: &[&str] = &[
    "timeout",
    "total_timeout",
    "socket_timeout",
    "max_retries",
    "sleep_between_retries",
    "timeout_delay",
    "connect_timeout",
    "compress",
    "filter_expression",
    "expressions",
    "replica",
    "read_mode_ap",
    "read_mode_sc",
    "read_touch_ttl_percent",
    "deserialize",
];
/// Read policies (get, select, exists): the base keys and `key`.
const READ_KEYS: &[&str] = &["key"];
/// The write families (write, operate, remove, apply, touch and the other single-record writes).
const WRITE_KEYS: &[&str] = &[
    "key",
    "exists",
    "gen",
    "generation",
    "commit_level",
    "durable_delete",
    "ttl",
    "respond_all_ops",
    "compression_threshold",
    "on_locking_only",
];
/// Query and scan policies: the base keys and these.
const QUERY_KEYS: &[&str] = &[
    "partition_filter",
    "max_records",
    "records_per_second",
    "record_queue_size",
    "max_concurrent_nodes",
    "include_bin_data",
    "expected_duration",
    "short_query",
    "durable_delete",
    "ttl",
];
/// Info and admin policies.
const INFO_KEYS: &[&str] = &["timeout"];
/// A write's meta dict (official: ttl, gen; the seed adds the per-record write keys).
const META_KEYS: &[&str] = &["ttl", "gen", "key", "exists", "commit_level", "durable_delete"];
/// The per-family default policies a client applies before a call's own policy dict
/// (`config["policies"]`).
#[derive(Clone)]
pub(crate) struct Defaults {
    pub read: ReadPolicy,
    pub write: WritePolicy,
    pub operate: WritePolicy,
    pub remove: WritePolicy,
    /// `policies["apply"]`: `apply` and background UDF jobs.
    pub apply: WritePolicy,
    /// `policies["batch"]`: the parent policy of batches that only read.
    pub batch: aerospike::BatchPolicy,
    /// `policies["batch_parent_write"]`: the parent policy of batches that write (max_retries 0
    /// by default, as in the official client: a retried write may be applied twice).
    pub batch_parent_write: aerospike::BatchPolicy,
    /// `policies["batch_write"]`, `["batch_remove"]`, `["batch_apply"]`: per-record defaults.
    pub batch_write: aerospike::BatchWritePolicy,
    pub batch_remove: aerospike::BatchDeletePolicy,
    pub batch_apply: aerospike::BatchUdfPolicy,
    /// `policies["query"]`: every query and scan starts from it (the official client's
    /// `policies["scan"]` is taken as the same family: a scan here is a query without `where`).
    pub query: aerospike::QueryPolicy,
    /// `policies["info"]` and `policies["admin"]`.
    pub info: aerospike::policy::AdminPolicy,
    pub admin: aerospike::policy::AdminPolicy,
    /// `config["lua"]["user_path"]`: where `udf_put` keeps the client's copy of each module,
    /// which the final reduce of an aggregation loads (None: `default_lua_user_path()`).
    pub lua_user_path: Option<std::path::PathBuf>,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            read: ReadPolicy::default(),
            write: WritePolicy::default(),
            operate: WritePolicy::default(),
            remove: WritePolicy::default(),
            apply: WritePolicy::default(),
            batch: aerospike::BatchPolicy::default(),
            batch_parent_write: aerospike::BatchPolicy::write_default(),
            batch_write: aerospike::BatchWritePolicy::default(),
            batch_remove: aerospike::BatchDeletePolicy::default(),
            batch_apply: aerospike::BatchUdfPolicy::default(),
            query: aerospike::QueryPolicy::default(),
            info: aerospike::policy::AdminPolicy::default(),
            admin: aerospike::policy::AdminPolicy::default(),
            lua_user_path: None,
        }
    }
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

fn usize_value(value: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    Ok(usize::try_from(u32_value(value, what)?).unwrap_or(usize::MAX))
}

fn bool_value(value: &Bound<'_, PyAny>, what: &str) -> PyResult<bool> {
    value
        .cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a bool, not {}", type_name(value))))
}

fn policy_key(key: &Bound<'_, PyAny>, family: &str) -> PyResult<String> {
    key.extract::<String>()
        .map_err(|_| PyTypeError::new_err(format!("{family} policy keys are str, not {}", type_name(key))))
}

/// The error for a key no family of `family` knows; it lists the keys that family takes, in the
/// form `tests/test_types.py` reads: `...; it takes: a, b, c`.
fn unknown_key(family: &str, key: &str, lists: &[&[&str]]) -> PyErr {
    param_error(format!("unknown {family} policy key {key:?}; it takes: {}", key_list(lists)))
}

fn key_list(lists: &[&[&str]]) -> String {
    let mut keys: Vec<&str> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.join(", ")
}

/// Checks `key` against the family's lists: keys refused for a stated reason first, then
/// unknown keys. Ok means the caller's match handles it.
fn check_key(family: &str, key: &str, value: &Bound<'_, PyAny>, lists: &[&[&str]]) -> PyResult<()> {
    refuse_unsupported(key, value)?;
    if lists.iter().any(|l| l.contains(&key)) {
        Ok(())
    } else {
        Err(unknown_key(family, key, lists))
    }
}

/// The keys the official client documents that this client cannot honour: refused with why.
fn refuse_unsupported(key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    match key {
        "txn" if !value.is_none() => {
            Err(param_error("policy key \"txn\": multi-record transactions are not supported by aerospike-py"))
        }
        "txn" => Ok(()),
        _ => Ok(()),
    }
}

/// An accepted key that reached no arm of its family's match: a bug in this file.
fn unhandled(family: &str, key: &str) -> PyErr {
    crate::errors::client_error(format!("internal error: {family} policy key {key:?} is listed but not handled"))
}

/// Applies a key common to every policy family; false when the key is not one of them.
fn apply_base(base: &mut BasePolicy, key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match key {
        "timeout" | "total_timeout" => base.total_timeout = u32_value(value, key)?,
        "socket_timeout" => base.socket_timeout = u32_value(value, key)?,
        "max_retries" => base.max_retries = usize_value(value, key)?,
        "sleep_between_retries" => base.sleep_between_retries = u32_value(value, key)?,
        "timeout_delay" => base.timeout_delay = u32_value(value, key)?,
        "connect_timeout" => {
            // 0 (the official default) means "use the socket/total timeout", which is what the
            // crate does; a per-command connect timeout it has not.
            if u32_value(value, key)? != 0 {
                return Err(param_error(
                    "policy key \"connect_timeout\": a per-command connect timeout is not supported \
                     (the aerospike crate has one per client); set config[\"connect_timeout\"] instead",
                ));
            }
        }
        "compress" => base.use_compression = bool_value(value, key)?,
        "filter_expression" | "expressions" => {
            base.filter_expression = if value.is_none() {
                None
            } else {
                Some(crate::expressions::expression_from_py(value).map_err(|e| crate::errors::with_context(value.py(), e, key))?)
            };
        }
        "replica" => base.replica = replica(int_value(value, key)?)?,
        "read_mode_ap" => base.read_mode_ap = read_mode_ap(int_value(value, key)?)?,
        "read_mode_sc" => base.read_mode_sc = read_mode_sc(int_value(value, key)?)?,
        "read_touch_ttl_percent" => base.read_touch_ttl = read_touch_ttl(int_value(value, key)?)?,
        "deserialize" => {
            // Accepted and ignored, as documented: it asks the C client to turn raw list/map
            // bytes into list/dict, and here lists and maps always arrive as list and dict.
            bool_value(value, key)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `POLICY_REPLICA_*`: the seed's MASTER 0, SEQUENCE 1, PREFER_RACK 2, then the official
/// client's ANY 3 (master and proles in turn) and RANDOM 4.
fn replica(value: i64) -> PyResult<Replica> {
    Ok(match value {
        0 => Replica::Master,
        1 => Replica::Sequence,
        2 => Replica::PreferRack,
        3 => Replica::MasterProles,
        4 => Replica::Random,
        n => return Err(param_error(format!("replica must be a POLICY_REPLICA_* value, not {n}"))),
    })
}

fn read_mode_ap(value: i64) -> PyResult<ReadModeAp> {
    Ok(match value {
        0 => ReadModeAp::One,
        1 => ReadModeAp::All,
        n => return Err(param_error(format!("read_mode_ap must be a POLICY_READ_MODE_AP_* value, not {n}"))),
    })
}

fn read_mode_sc(value: i64) -> PyResult<ReadModeSc> {
    Ok(match value {
        0 => ReadModeSc::Session,
        1 => ReadModeSc::Linearize,
        2 => ReadModeSc::AllowReplica,
        3 => ReadModeSc::AllowUnavailable,
        n => return Err(param_error(format!("read_mode_sc must be a POLICY_READ_MODE_SC_* value, not {n}"))),
    })
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

/// A read policy: `base` (the client's default) with the keys of `dict` applied.
pub(crate) fn read_policy(base: &ReadPolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<ReadPolicy> {
    let mut policy = base.clone();
    let Some(dict) = dict else { return Ok(policy) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "read")?;
        check_key("read", &key, &value, &[BASE_KEYS, READ_KEYS])?;
        if apply_base(&mut policy.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "key" => {
                // Validated and ignored: a read sends the digest; the official client sends the
                // key on reads only for the server to check it against the digest.
                send_key(int_value(&value, &key)?)?;
            }
            _ => return Err(unhandled("read", &key)),
        }
    }
    Ok(policy)
}

/// A write-family policy (write, operate, remove, apply, touch): `base` with `dict`'s keys applied.
pub(crate) fn write_policy(base: &WritePolicy, dict: Option<&Bound<'_, PyDict>>, family: &str) -> PyResult<WritePolicy> {
    let mut policy = base.clone();
    let Some(dict) = dict else { return Ok(policy) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, family)?;
        check_key(family, &key, &value, &[BASE_KEYS, WRITE_KEYS])?;
        if apply_base(&mut policy.base_policy, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "key" => policy.send_key = send_key(int_value(&value, &key)?)?,
            "exists" => policy.record_exists_action = exists_action(int_value(&value, &key)?)?,
            "gen" => policy.generation_policy = generation_policy(int_value(&value, &key)?)?,
            "generation" => policy.generation = u32_value(&value, &key)?,
            "commit_level" => policy.commit_level = commit_level(int_value(&value, &key)?)?,
            "durable_delete" => policy.durable_delete = bool_value(&value, &key)?,
            "ttl" => policy.expiration = expiration(&value, base.expiration)?,
            "respond_all_ops" => policy.respond_per_each_op = bool_value(&value, &key)?,
            "on_locking_only" => policy.on_locking_only = bool_value(&value, &key)?,
            "compression_threshold" => {
                // The official client: compress a command bigger than this many bytes (0: never).
                let threshold = usize_value(&value, &key)?;
                policy.base_policy.compression_threshold = threshold;
                if threshold > 0 {
                    policy.base_policy.use_compression = true;
                }
            }
            _ => return Err(unhandled(family, &key)),
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

/// A TTL in seconds, with the special values of the TTL_* constants (signed or unsigned):
/// TTL_CLIENT_DEFAULT (-3) takes `client_default`, the policy's own ttl.
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

/// The fields a meta dict sets.
struct MetaTarget<'a> {
    expiration: &'a mut Expiration,
    generation: &'a mut u32,
    send_key: &'a mut bool,
    exists: &'a mut RecordExistsAction,
    commit_level: &'a mut CommitLevel,
    durable_delete: &'a mut bool,
}

/// The keys of a meta dict. They override the policy's (the seed's precedence); a ttl of
/// TTL_CLIENT_DEFAULT keeps the policy's ttl.
fn meta_fields(meta: &Bound<'_, PyDict>, what: &str, target: MetaTarget<'_>) -> PyResult<()> {
    let MetaTarget { expiration: expiration_, generation, send_key: send, exists, commit_level: level, durable_delete } = target;
    for (key, value) in meta.iter() {
        let key = key.extract::<String>().map_err(|_| PyTypeError::new_err(format!("{what} keys are str")))?;
        if !META_KEYS.contains(&key.as_str()) {
            return Err(param_error(format!("unknown {what} key {key:?}; it takes: {}", key_list(&[META_KEYS]))));
        }
        match key.as_str() {
            "ttl" => *expiration_ = expiration(&value, *expiration_)?,
            "gen" => *generation = u32_value(&value, "gen")?,
            "key" => *send = send_key(int_value(&value, &key)?)?,
            "exists" => *exists = exists_action(int_value(&value, &key)?)?,
            "commit_level" => *level = commit_level(int_value(&value, &key)?)?,
            "durable_delete" => *durable_delete = bool_value(&value, &key)?,
            _ => return Err(unhandled(what, &key)),
        }
    }
    Ok(())
}

/// Applies `meta` (`WriteMeta`: ttl, gen, key, exists, commit_level, durable_delete) to a write policy.
pub(crate) fn apply_meta(policy: &mut WritePolicy, meta: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let Some(meta) = meta else { return Ok(()) };
    meta_fields(
        meta,
        "meta",
        MetaTarget {
            expiration: &mut policy.expiration,
            generation: &mut policy.generation,
            send_key: &mut policy.send_key,
            exists: &mut policy.record_exists_action,
            commit_level: &mut policy.commit_level,
            durable_delete: &mut policy.durable_delete,
        },
    )
}

/// `(key, bins, meta)` in `batch_write`: meta (`WriteMeta`) for that record.
pub(crate) fn apply_batch_write_meta(policy: &mut aerospike::BatchWritePolicy, meta: &Bound<'_, PyDict>) -> PyResult<()> {
    meta_fields(
        meta,
        "meta",
        MetaTarget {
            expiration: &mut policy.expiration,
            generation: &mut policy.generation,
            send_key: &mut policy.send_key,
            exists: &mut policy.record_exists_action,
            commit_level: &mut policy.commit_level,
            durable_delete: &mut policy.durable_delete,
        },
    )
}

/// The policy of info commands (`policy={"timeout": ms}`), from the crate's default.
pub(crate) fn info_policy(defaults: &Defaults, policy: Option<&Bound<'_, PyAny>>) -> PyResult<aerospike::policy::AdminPolicy> {
    admin_policy_from(&defaults.info, policy, "info")
}

/// An info or admin policy dict applied to `base` (`Defaults::info` or `Defaults::admin`).
pub(crate) fn admin_policy_from(
    base: &aerospike::policy::AdminPolicy,
    policy: Option<&Bound<'_, PyAny>>,
    family: &str,
) -> PyResult<aerospike::policy::AdminPolicy> {
    let mut out = *base;
    if let Some(dict) = optional_dict(policy, "policy")? {
        for (key, value) in dict.iter() {
            let key = policy_key(&key, family)?;
            check_key(family, &key, &value, &[INFO_KEYS])?;
            match key.as_str() {
                "timeout" => out.timeout = u32_value(&value, &key)?,
                _ => return Err(unhandled(family, &key)),
            }
        }
    }
    Ok(out)
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
        check_key("query", &key, &value, &[BASE_KEYS, QUERY_KEYS])?;
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
            "max_concurrent_nodes" => policy.max_concurrent_nodes = usize_value(&value, &key)?,
            "include_bin_data" => policy.include_bin_data = bool_value(&value, &key)?,
            "expected_duration" => {
                policy.expected_duration = match int_value(&value, &key)? {
                    0 => aerospike::policy::QueryDuration::Long,
                    1 => aerospike::policy::QueryDuration::Short,
                    2 => aerospike::policy::QueryDuration::LongRelaxAp,
                    n => return Err(param_error(format!("expected_duration must be a QUERY_DURATION_* value, not {n}"))),
                };
            }
            "short_query" => {
                // Deprecated official spelling: True means QUERY_DURATION_SHORT.
                if bool_value(&value, &key)? {
                    policy.expected_duration = aerospike::policy::QueryDuration::Short;
                }
            }
            "durable_delete" | "ttl" => {
                // The official scan policy's keys for background writes: validated here and
                // ignored by a foreground query, which writes nothing; background jobs
                // (`execute_background(policy)`) take them through the write policy.
                if key == "ttl" {
                    expiration(&value, Expiration::NamespaceDefault)?;
                } else {
                    bool_value(&value, &key)?;
                }
            }
            _ => return Err(unhandled("query", &key)),
        }
    }
    Ok(policy)
}
