//! Lua UDFs: the module registry (`udf_put`, `udf_remove`, `udf_list`, `udf_get`), a record UDF
//! on one key (`apply`) or many (`batch_apply`), stream aggregations (`query.apply`, whose final
//! reduce runs in the client through the crate's `lua` feature) and background jobs
//! (`query.execute_background`, `job_info`). Requests are parsed with the GIL held, so bad input
//! raises before anything is sent; the I/O is one `async fn` per command, shared by both clients.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerospike::policy::AdminPolicy;
use aerospike::task::{Status, Task};
use aerospike::{BatchOperation, BatchUdfPolicy, Key, QueryPolicy, Statement, UdfLang, Value, WritePolicy};
use base64::Engine as _;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::connection::Connection;
use crate::convert::{key_from_py, sequence, value_from_py};
use crate::errors::{param_error, with_context, AsError};
use crate::ops::batch::BatchRequest;
use crate::policy::{apply_batch_udf_key, batch_udf_policy, optional_dict, write_policy};

type Client = Arc<aerospike::Client>;

/// How often the registry is polled while a module reaches (or leaves) every node.
const REGISTRY_POLL: Duration = Duration::from_millis(20);
/// How long `udf_put` / `udf_remove` wait for every node when the policy gives no timeout.
const REGISTRY_WAIT: Duration = Duration::from_secs(10);

/// The directory of the client's module copies when the config names none: one per process,
/// under the system temp dir, so two processes never read each other's copies.
pub(crate) fn default_lua_user_path() -> PathBuf {
    std::env::temp_dir().join(format!("aerospike-py-lua-{}", std::process::id()))
}

fn user_path(conn: &Connection) -> PathBuf {
    conn.defaults().lua_user_path.clone().unwrap_or_else(default_lua_user_path)
}

/// A module name as the caller gives it (`"m"` or `"m.lua"`) -> `"m"`.
pub(crate) fn module_name(module: &str) -> PyResult<String> {
    let name = module.strip_suffix(".lua").unwrap_or(module);
    if name.is_empty() || name.contains(['/', '\\', ';', ':', '=']) {
        return Err(param_error(format!("{module:?} is not a UDF module name")));
    }
    Ok(name.to_owned())
}

fn function_name(function: &str) -> PyResult<String> {
    if function.is_empty() || function.len() > 127 {
        return Err(param_error(format!("{function:?} is not a UDF function name")));
    }
    Ok(function.to_owned())
}

/// `args`: None (no arguments) or a list / tuple of values, each converted like a bin value.
pub(crate) fn args_from_py(args: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Value>> {
    let Some(args) = args.filter(|a| !a.is_none()) else { return Ok(Vec::new()) };
    sequence(args, "UDF args")?
        .iter().enumerate().map(|(i, a)| value_from_py(a).map_err(|e| with_context(args.py(), e, &format!("args[{i}]")))).collect()
}

/// A UDF call: module, function and arguments.
#[derive(Clone)]
pub(crate) struct UdfCall {
    pub module: String,
    pub function: String,
    pub args: Vec<Value>,
}

impl UdfCall {
    pub(crate) fn parse(module: &str, function: &str, args: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(Self { module: module_name(module)?, function: function_name(function)?, args: args_from_py(args)? })
    }
}

// ---------------------------------------------------------------- registry

/// `udf_put`: the module's source, read before anything is sent.
pub(crate) struct PutRequest {
    body: Vec<u8>,
    /// `<module>.lua`, the name the server files it under.
    server_name: String,
    copy_dir: PathBuf,
    policy: AdminPolicy,
}

impl PutRequest {
    pub(crate) fn parse(conn: &Connection, filename: &str, udf_type: i64, policy: AdminPolicy) -> PyResult<Self> {
        if udf_type != 0 {
            return Err(param_error(format!("udf_type {udf_type} is not supported: only UDF_TYPE_LUA (0)")));
        }
        let path = Path::new(filename);
        let body = std::fs::read(path).map_err(|e| param_error(format!("cannot read UDF file {filename:?}: {e}")))?;
        let file = path.file_name().and_then(|f| f.to_str()).ok_or_else(|| param_error(format!("{filename:?} names no file")))?;
        let server_name = format!("{}.lua", module_name(file)?);
        Ok(Self { body, server_name, copy_dir: user_path(conn), policy })
    }
}

/// Why a module was refused: the server's file, line and message.
pub(crate) struct CompileError(pub String);

/// `error=compile_error;file=m.lua;line=3;message=...` -> `m.lua:3: ...`.
fn compile_error(text: &str) -> Option<CompileError> {
    let start = text.find("compile_error")?;
    let field = |name: &str| {
        text[start..].split(';').find_map(|part| part.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned()))
    };
    let file = field("file").unwrap_or_default();
    let line = field("line").unwrap_or_default();
    // Servers send the message in base64; one that is not is kept as it is.
    let message = field("message").map_or_else(|| text[start..].to_owned(), |m| {
        base64::engine::general_purpose::STANDARD.decode(m.trim()).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or(m)
    });
    Some(CompileError(format!("UDF module {file} failed to compile: {file}:{line}: {message}")))
}

/// Registers the module, waits until every node lists it, then keeps the client's copy.
pub(crate) async fn put(client: Client, req: PutRequest) -> Result<Result<(), CompileError>, AsError> {
    let task = match client.register_udf(&req.policy, &req.body, &req.server_name, UdfLang::Lua).await {
        Ok(task) => task,
        Err(e) => match compile_error(&e.to_string()) {
            Some(compile) => return Ok(Err(compile)),
            None => return Err(e.into()),
        },
    };
    wait_registry(&task, &req.policy, &req.server_name).await?;
    keep_copy(&req.copy_dir, &req.server_name, &req.body)?;
    Ok(Ok(()))
}

fn keep_copy(dir: &Path, name: &str, body: &[u8]) -> Result<(), AsError> {
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join(name), body))
        .map_err(|e| AsError::Client(format!("the module was registered, but its copy in the lua user path {} could not be written: {e}", dir.display())))
}

async fn wait_registry(task: &(impl Task + Sync), policy: &AdminPolicy, name: &str) -> Result<(), AsError> {
    let limit = if policy.timeout > 0 { Duration::from_millis(u64::from(policy.timeout)) } else { REGISTRY_WAIT };
    let deadline = Instant::now() + limit;
    loop {
        if task.query_status().await? == Status::Complete {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(AsError::Client(format!("UDF module {name} did not reach every node within {} ms", limit.as_millis())));
        }
        tokio::time::sleep(REGISTRY_POLL).await;
    }
}

/// Removes the module from the server (a missing one is not an error, as on the server) and the
/// client's copy.
pub(crate) async fn remove(client: Client, conn_dir: PathBuf, module: String, policy: AdminPolicy) -> Result<(), AsError> {
    let name = format!("{module}.lua");
    let task = client.remove_udf(&policy, &name).await?;
    wait_registry(&task, &policy, &name).await?;
    let _ = std::fs::remove_file(conn_dir.join(&name));
    Ok(())
}

pub(crate) fn copy_dir(conn: &Connection) -> PathBuf {
    user_path(conn)
}

/// One registered module: `(name, hash, type)`.
pub(crate) type ModuleInfo = (String, String, String);

/// `udf-list`: `filename=a.lua,hash=..,type=LUA;filename=..`.
pub(crate) async fn list(client: Client, policy: AdminPolicy) -> Result<Vec<ModuleInfo>, AsError> {
    let answer = crate::ops::info::random_node(client, "udf-list".to_owned(), policy).await?;
    Ok(parse_list(&answer))
}

fn parse_list(answer: &str) -> Vec<ModuleInfo> {
    answer
        .split(';')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            let field = |name: &str| entry.split(',').find_map(|p| p.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.to_owned())).unwrap_or_default();
            (field("filename"), field("hash"), field("type"))
        })
        .filter(|(name, _, _)| !name.is_empty())
        .collect()
}

/// `udf-get`: the module's source, or `Err(message)` when the server has no such module.
pub(crate) async fn get(client: Client, module: String, policy: AdminPolicy) -> Result<Result<String, String>, AsError> {
    let answer = crate::ops::info::random_node(client, format!("udf-get:filename={module}.lua"), policy).await?;
    Ok(parse_get(&module, &answer))
}

fn parse_get(module: &str, answer: &str) -> Result<String, String> {
    let content = answer.split(';').find_map(|p| p.strip_prefix("content=")).filter(|_| !answer.starts_with("error"));
    let Some(content) = content else {
        return Err(format!("UDF module {module}.lua is not registered ({})", answer.trim()));
    };
    let bytes = base64::engine::general_purpose::STANDARD.decode(content.trim()).map_err(|e| format!("udf-get of {module}.lua: bad base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("UDF module {module}.lua is not UTF-8"))
}

// ---------------------------------------------------------------- record UDFs

pub(crate) struct ApplyRequest {
    key: Key,
    call: UdfCall,
    policy: WritePolicy,
}

impl ApplyRequest {
    pub(crate) fn parse(conn: &Connection, key: &Bound<'_, PyAny>, call: UdfCall, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let policy = write_policy(&conn.defaults().apply, optional_dict(policy, "policy")?.as_ref(), "apply")?;
        Ok(Self { key, call, policy })
    }
}

/// `apply`: the UDF's return value (None when it returns nothing).
pub(crate) async fn apply(client: Client, req: ApplyRequest) -> Result<Option<Value>, AsError> {
    let ApplyRequest { key, call, policy } = req;
    Ok(client.execute_udf(&policy, &key, &call.module, &call.function, &call.args).await?)
}

/// `batch_apply`: one UDF row per key; each item is a key or `(key, meta)` where meta
/// (`BatchUDFMeta`) may override `module`, `function`, `args` and `ttl`, `commit_level`, `key`,
/// `durable_delete` for that record.
pub(crate) fn batch_request(conn: &Connection, keys: &Bound<'_, PyAny>, call: &UdfCall, policy: Option<&Bound<'_, PyAny>>) -> PyResult<BatchRequest> {
    let (batch, base) = batch_udf_policy(conn.defaults(), optional_dict(policy, "policy")?.as_ref())?;
    let mut ops = Vec::new();
    let mut labels = observability::metrics::CommonLabels::default();
    for (i, item) in sequence(keys, "keys")?.iter().enumerate() {
        let op = udf_row(item, call, &base, &mut labels).map_err(|e| with_context(keys.py(), e, &format!("keys[{i}]")))?;
        ops.push(op);
    }
    Ok(BatchRequest::from_ops(batch, ops, labels))
}

fn udf_row(item: &Bound<'_, PyAny>, call: &UdfCall, base: &BatchUdfPolicy, labels: &mut observability::metrics::CommonLabels) -> PyResult<BatchOperation> {
    let pair = item.cast::<PyTuple>().ok().filter(|t| t.len() == 2 && t.get_item(1).is_ok_and(|m| m.is_instance_of::<PyDict>()));
    let Some(pair) = pair else {
        let key = key_from_py(item)?;
        labels.add(key.namespace(), key.set_name());
        return Ok(BatchOperation::udf(base, key, call.module.clone(), call.function.clone(), call.args.clone()));
    };
    let key = key_from_py(&pair.get_item(0)?)?;
    labels.add(key.namespace(), key.set_name());
    let meta = pair.get_item(1)?;
    let meta = meta.cast::<PyDict>()?;
    let mut policy = base.clone();
    let mut call = call.clone();
    for (name, value) in meta.iter() {
        let name: String = name.extract().map_err(|_| PyTypeError::new_err("BatchUDFMeta keys are str"))?;
        if apply_batch_udf_key(&mut policy, &name, &value)? {
            continue;
        }
        match name.as_str() {
            "module" => call.module = module_name(&value.extract::<String>().map_err(|_| PyTypeError::new_err("meta[\"module\"] must be a str"))?)?,
            "function" => call.function = function_name(&value.extract::<String>().map_err(|_| PyTypeError::new_err("meta[\"function\"] must be a str"))?)?,
            "args" => call.args = args_from_py(Some(&value))?,
            _ => {
                return Err(param_error(format!(
                    "unknown BatchUDFMeta key {name:?}: it takes module, function, args, ttl, commit_level, key, durable_delete"
                )))
            }
        }
    }
    Ok(BatchOperation::udf(&policy, key, call.module, call.function, call.args))
}

// ---------------------------------------------------------------- aggregations and jobs

/// A stream aggregation: the statement, and the module's source for the client's final reduce
/// (None: not in the lua user path, so it is fetched from the server first).
pub(crate) struct AggregateRequest {
    pub statement: Statement,
    pub policy: QueryPolicy,
    pub call: UdfCall,
    pub source: Option<String>,
    pub copy_dir: PathBuf,
}

impl AggregateRequest {
    pub(crate) fn new(conn: &Connection, statement: Statement, policy: QueryPolicy, call: UdfCall) -> Self {
        let copy_dir = user_path(conn);
        let source = std::fs::read_to_string(copy_dir.join(format!("{}.lua", call.module))).ok();
        Self { statement, policy, call, source, copy_dir }
    }
}

/// Runs the aggregation: the servers run the stream up to the first reduce, the client the rest.
/// Answers every value the stream produced.
pub(crate) async fn aggregate(client: Client, req: AggregateRequest) -> Result<Vec<Value>, AsError> {
    let AggregateRequest { statement, policy, call, source, copy_dir } = req;
    let source = match source {
        Some(source) => source,
        None => {
            let fetched = get(client.clone(), call.module.clone(), AdminPolicy::default()).await?;
            let source = fetched.map_err(|why| AsError::Client(format!("cannot run the aggregation's final reduce: {why}")))?;
            // Best effort: the copy only saves the next fetch.
            let _ = keep_copy(&copy_dir, &format!("{}.lua", call.module), source.as_bytes());
            source
        }
    };
    aerospike::lua::register_package(&call.module, &source);
    let results = client.query_aggregate(&policy, statement, &call.module, &call.function, &call.args).await?;
    drain(results).await
}

/// Every value of an aggregation's result set.
///
/// The crate's `ResultStream::poll_next` (aerospike-core 3.0.0, `src/query/result_set.rs`) can
/// report the end while a value is still queued: it takes `try_recv()`'s `Empty` first and
/// reads the set's `active` flag after. When the output pump pushes the final value and closes
/// the set (`active = false`) between those two reads, the stream answers `None` with the value
/// left in the channel: the aggregation came back as `[]` although the server had sent every
/// partial value and the client's reduce had produced its result. The value is not consumed by
/// that poll, so once the end is reported the stream is drained again: the pump pushed
/// everything before clearing `active`, and the acquire fence pairs with the full fence that
/// follows each push (the channel's notify), so the second pass sees every value.
async fn drain(results: Arc<aerospike::ResultSet>) -> Result<Vec<Value>, AsError> {
    let mut stream = results.into_stream();
    let mut out = Vec::new();
    let mut end_seen = false;
    loop {
        let next = std::future::poll_fn(|cx| futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)).await;
        match next {
            Some(value) => out.push(value?),
            None if end_seen => return Ok(out),
            None => {
                std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
                end_seen = true;
            }
        }
    }
}

/// `query.execute_background()`: starts the record UDF on every matching record; the job id.
pub(crate) async fn background(client: Client, statement: Statement, policy: WritePolicy, call: UdfCall) -> Result<u64, AsError> {
    let task = client.query_execute_udf(&policy, statement, &call.module, &call.function, &call.args).await?;
    Ok(task.task_id())
}

/// What `job_info` reports, summed over the nodes.
pub(crate) struct JobInfo {
    pub complete: bool,
    pub progress_pct: u64,
    pub records_read: u64,
}

/// `job_info`: `query-show` on every node (a job a node no longer knows has finished there).
pub(crate) async fn job_info(client: Client, job_id: u64, policy: AdminPolicy) -> Result<JobInfo, AsError> {
    let mut info = JobInfo { complete: true, progress_pct: 0, records_read: 0 };
    let nodes = client.nodes();
    let mut percent = 0.0;
    for node in &nodes {
        let id_key = if node.version() >= &aerospike::Version::new(8, 1, 0, 0) { "id" } else { "trid" };
        let command = format!("query-show:{id_key}={job_id}");
        let mut answers = node.info(&policy, &[command.as_str()]).await?;
        let reply = answers.swap_remove(&command).unwrap_or_default();
        if reply.contains("ERROR:2") || reply.contains("not-found") || reply.trim().is_empty() {
            percent += 100.0;
            continue;
        }
        if reply.starts_with("ERROR") {
            return Err(AsError::Client(format!("job_info of job {job_id} on node {}: {reply}", node.name())));
        }
        let field = |name: &str| reply.split(':').find_map(|p| p.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned()));
        info.complete &= field("status").is_some_and(|s| s.to_lowercase().starts_with("done"));
        info.records_read += field("recs-read").or_else(|| field("recs-succeeded")).and_then(|v| v.parse().ok()).unwrap_or(0);
        percent += field("job-progress").and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    }
    if !nodes.is_empty() {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let mean = (percent / nodes.len() as f64).clamp(0.0, 100.0) as u64;
        info.progress_pct = if info.complete { 100 } else { mean };
    }
    Ok(info)
}


impl crate::observe::Labels for ApplyRequest {
    fn namespace(&self) -> &str {
        crate::observe::Labels::namespace(&self.key)
    }
    fn set(&self) -> &str {
        crate::observe::Labels::set(&self.key)
    }
}
