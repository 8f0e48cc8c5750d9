//! Batch policies: the parent policy of a batch (`policies["batch"]`, and
//! `["batch_parent_write"]` for batches that write) and each record's policy (`batch_write`,
//! `batch_remove`, `batch_apply`), from one dict or the official client's second
//! policy argument. Split from `policy.rs`, whose key helpers it uses.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

use super::*;

/// The batch-wide keys of a batch policy (the official client's "Batch Policies").
const BATCH_PARENT_KEYS: &[&str] = &["respond_all_keys", "allow_inline", "allow_inline_ssd", "concurrent"];
/// The per-record write keys a batch policy also takes (the seed's batch policy).
const BATCH_RECORD_KEYS: &[&str] = &["key", "exists", "gen", "commit_level", "durable_delete", "ttl"];
/// Per-record policies: batch write, batch remove, batch apply and batch read records.
const BATCH_WRITE_KEYS: &[&str] =
    &["key", "commit_level", "gen", "exists", "durable_delete", "ttl", "filter_expression", "expressions", "on_locking_only"];
const BATCH_REMOVE_KEYS: &[&str] =
    &["key", "commit_level", "gen", "generation", "durable_delete", "filter_expression", "expressions"];
const BATCH_APPLY_KEYS: &[&str] =
    &["key", "commit_level", "ttl", "durable_delete", "filter_expression", "expressions", "on_locking_only"];
/// A batch's policies: the batch-wide ones and the per-record ones each kind of row uses.
pub(crate) struct BatchPolicies {
    /// The parent policy of a batch that only reads (`policies["batch"]` + the call's dict).
    pub batch: aerospike::BatchPolicy,
    /// The parent policy of a batch that writes (`policies["batch_parent_write"]` + the call's
    /// dict): what batch_write, batch_remove and batch_operate with writes send.
    pub write_batch: aerospike::BatchPolicy,
    pub read: aerospike::BatchReadPolicy,
    pub write: aerospike::BatchWritePolicy,
    pub delete: aerospike::BatchDeletePolicy,
}

/// Applies a batch-wide key to a parent batch policy; false when not one of them.
pub(super) fn apply_batch_parent(batch: &mut aerospike::BatchPolicy, key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if apply_base(&mut batch.base_policy, key, value)? {
        return Ok(true);
    }
    match key {
        "respond_all_keys" => batch.respond_all_keys = bool_value(value, key)?,
        "allow_inline" => batch.allow_inline = bool_value(value, key)?,
        "allow_inline_ssd" => batch.allow_inline_ssd = bool_value(value, key)?,
        "concurrent" => batch.concurrency = concurrency(value)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `concurrent`: a bool (the official client), or BATCH_CONCURRENCY_SEQUENTIAL (0) / _PARALLEL (1).
fn concurrency(value: &Bound<'_, PyAny>) -> PyResult<aerospike::Concurrency> {
    let parallel = if value.is_instance_of::<PyBool>() {
        bool_value(value, "concurrent")?
    } else {
        match int_value(value, "concurrent")? {
            0 => false,
            1 => true,
            n => return Err(param_error(format!("concurrent must be a bool or a BATCH_CONCURRENCY_* value, not {n}"))),
        }
    };
    Ok(if parallel { aerospike::Concurrency::Parallel } else { aerospike::Concurrency::Sequential })
}

/// A batch policy dict: batch-wide keys (base keys, `respond_all_keys`, `allow_inline`,
/// `allow_inline_ssd`, `concurrent`) and per-record keys (`key`, `exists`, `gen`, `ttl`,
/// `commit_level`, `durable_delete`, `read_touch_ttl_percent`) in one dict, over the client's
/// defaults (`policies["batch"]`, `["batch_parent_write"]`, `["batch_write"]`, `["batch_remove"]`).
pub(crate) fn batch_policy(defaults: &Defaults, dict: Option<&Bound<'_, PyDict>>) -> PyResult<BatchPolicies> {
    let mut out = BatchPolicies {
        batch: defaults.batch.clone(),
        write_batch: defaults.batch_parent_write.clone(),
        read: aerospike::BatchReadPolicy::default(),
        write: defaults.batch_write.clone(),
        delete: defaults.batch_remove.clone(),
    };
    out.read.read_touch_ttl = out.batch.base_policy.read_touch_ttl;
    let Some(dict) = dict else { return Ok(out) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch")?;
        check_key("batch", &key, &value, &[BASE_KEYS, BATCH_PARENT_KEYS, BATCH_RECORD_KEYS])?;
        if apply_batch_parent(&mut out.batch, &key, &value)? {
            apply_batch_parent(&mut out.write_batch, &key, &value)?;
            if key == "read_touch_ttl_percent" {
                // A batch read row takes its own read_touch_ttl, not the parent's.
                out.read.read_touch_ttl = out.batch.base_policy.read_touch_ttl;
            }
            continue;
        }
        match key.as_str() {
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
            _ => return Err(unhandled("batch", &key)),
        }
    }
    Ok(out)
}

/// A per-record filter expression (`filter_expression`, or the official `expressions`).
fn record_filter(value: &Bound<'_, PyAny>, key: &str) -> PyResult<Option<aerospike::expressions::Expression>> {
    if value.is_none() {
        return Ok(None);
    }
    crate::expressions::expression_from_py(value).map(Some).map_err(|e| crate::errors::with_context(value.py(), e, key))
}

/// A batch write record's policy (`policies["batch_write"]`, `BatchWritePolicy`).
pub(crate) fn batch_write_policy(base: &aerospike::BatchWritePolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<aerospike::BatchWritePolicy> {
    let mut p = base.clone();
    let Some(dict) = dict else { return Ok(p) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch_write")?;
        check_key("batch_write", &key, &value, &[BATCH_WRITE_KEYS])?;
        match key.as_str() {
            "key" => p.send_key = send_key(int_value(&value, &key)?)?,
            "commit_level" => p.commit_level = commit_level(int_value(&value, &key)?)?,
            "gen" => p.generation_policy = generation_policy(int_value(&value, &key)?)?,
            "exists" => p.record_exists_action = exists_action(int_value(&value, &key)?)?,
            "durable_delete" => p.durable_delete = bool_value(&value, &key)?,
            "ttl" => p.expiration = expiration(&value, base.expiration)?,
            "filter_expression" | "expressions" => p.filter_expression = record_filter(&value, &key)?,
            "on_locking_only" => p.on_locking_only = bool_value(&value, &key)?,
            _ => return Err(unhandled("batch_write", &key)),
        }
    }
    Ok(p)
}

/// A batch remove record's policy (`policies["batch_remove"]`, `BatchDeletePolicy`).
pub(crate) fn batch_remove_policy(base: &aerospike::BatchDeletePolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<aerospike::BatchDeletePolicy> {
    let mut p = base.clone();
    let Some(dict) = dict else { return Ok(p) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch_remove")?;
        check_key("batch_remove", &key, &value, &[BATCH_REMOVE_KEYS])?;
        match key.as_str() {
            "key" => p.send_key = send_key(int_value(&value, &key)?)?,
            "commit_level" => p.commit_level = commit_level(int_value(&value, &key)?)?,
            "gen" => p.generation_policy = generation_policy(int_value(&value, &key)?)?,
            "generation" => p.generation = u32_value(&value, &key)?,
            "durable_delete" => p.durable_delete = bool_value(&value, &key)?,
            "filter_expression" | "expressions" => p.filter_expression = record_filter(&value, &key)?,
            _ => return Err(unhandled("batch_remove", &key)),
        }
    }
    Ok(p)
}

/// A batch apply record's policy (`policies["batch_apply"]`, `BatchUdfPolicy`).
pub(crate) fn batch_apply_policy(base: &aerospike::BatchUdfPolicy, dict: Option<&Bound<'_, PyDict>>) -> PyResult<aerospike::BatchUdfPolicy> {
    let mut p = base.clone();
    let Some(dict) = dict else { return Ok(p) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch_apply record")?;
        check_key("batch_apply record", &key, &value, &[BATCH_APPLY_KEYS])?;
        if apply_batch_udf_key(&mut p, &key, &value)? {
            continue;
        }
        match key.as_str() {
            "filter_expression" | "expressions" => p.filter_expression = record_filter(&value, &key)?,
            "on_locking_only" => p.on_locking_only = bool_value(&value, &key)?,
            _ => return Err(unhandled("batch_apply record", &key)),
        }
    }
    Ok(p)
}

/// A batch UDF's policies: the batch-wide one and the per-record `BatchUdfPolicy`
/// (`key`, `ttl`, `commit_level`, `durable_delete`; `filter_expression` goes to both), over the
/// client's `policies["batch_parent_write"]` and `policies["batch_apply"]`.
pub(crate) fn batch_udf_policy(defaults: &Defaults, dict: Option<&Bound<'_, PyDict>>) -> PyResult<(aerospike::BatchPolicy, aerospike::BatchUdfPolicy)> {
    let mut batch = defaults.batch_parent_write.clone();
    let mut udf = defaults.batch_apply.clone();
    let Some(dict) = dict else { return Ok((batch, udf)) };
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "batch_apply")?;
        check_key("batch_apply", &key, &value, &[BASE_KEYS, BATCH_PARENT_KEYS, BATCH_UDF_KEYS])?;
        if apply_batch_udf_key(&mut udf, &key, &value)? {
            continue;
        }
        if apply_batch_parent(&mut batch, &key, &value)? {
            if key == "filter_expression" || key == "expressions" {
                udf.filter_expression = batch.base_policy.filter_expression.clone();
            }
            continue;
        }
        return Err(unhandled("batch_apply", &key));
    }
    Ok((batch, udf))
}

/// The per-record keys of a batch UDF, in its policy dict or a `BatchUDFMeta`.
const BATCH_UDF_KEYS: &[&str] = &["key", "ttl", "commit_level", "durable_delete"];

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
