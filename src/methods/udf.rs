//! UDF methods: the module registry (`udf_put`, `udf_remove`, `udf_list`, `udf_get`), record
//! UDFs (`apply`, `batch_apply`) and background jobs (`job_info`). Stream aggregations and
//! background jobs start from a query: `query.apply(...)`, then `results()` or
//! `execute_background()`.

use aerospike::Value;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::IntoPyObjectExt;

use crate::observe;
use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::convert::value_to_py;
use crate::errors::{param_error, AsError};
use crate::ops::udf::{self, ApplyRequest, CompileError, JobInfo, ModuleInfo, PutRequest, UdfCall};
use crate::policy::info_policy;
use crate::query::{PyAsyncQuery, PyQuery};
use crate::runtime::{spawn, wait};
use super::{awaitable, to_object};

pyo3::import_exception!(aerospike_py.exception, UDFError);

/// The result code of a UDF failure (`AEROSPIKE_ERR_UDF`).
const UDF_ERROR: i32 = 100;

/// What a UDF command answers, converted to Python when the caller (sync or asyncio) takes it.
pub(crate) enum UdfAnswer {
    None,
    Put(Result<(), CompileError>),
    Value(Option<Value>),
    Values(Vec<Value>),
    Source(Result<String, String>),
    List(Vec<ModuleInfo>),
    Job(JobInfo),
    JobId(u64),
}

fn udf_error(message: String) -> PyErr {
    PyErr::new::<UDFError, _>((message, UDF_ERROR, false, None::<String>))
}

impl<'py> IntoPyObject<'py> for UdfAnswer {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            UdfAnswer::None | UdfAnswer::Put(Ok(())) | UdfAnswer::Value(None) => Ok(py.None().into_bound(py)),
            UdfAnswer::Put(Err(CompileError(message))) | UdfAnswer::Source(Err(message)) => Err(udf_error(message)),
            UdfAnswer::Value(Some(value)) => value_to_py(py, &value),
            UdfAnswer::Values(values) => {
                let list = PyList::empty(py);
                for value in &values {
                    list.append(value_to_py(py, value)?)?;
                }
                Ok(list.into_any())
            }
            UdfAnswer::Source(Ok(source)) => source.into_bound_py_any(py),
            UdfAnswer::List(modules) => {
                let list = PyList::empty(py);
                for (name, hash, kind) in modules {
                    let entry = PyDict::new(py);
                    entry.set_item("name", name)?;
                    entry.set_item("hash", hash)?;
                    entry.set_item("type", if kind.eq_ignore_ascii_case("lua") { 0 } else { -1 })?;
                    list.append(entry)?;
                }
                Ok(list.into_any())
            }
            UdfAnswer::Job(info) => {
                let out = PyDict::new(py);
                out.set_item("status", if info.complete { 2 } else { 1 })?;
                out.set_item("progress_pct", info.progress_pct)?;
                out.set_item("records_read", info.records_read)?;
                Ok(out.into_any())
            }
            UdfAnswer::JobId(id) => id.into_bound_py_any(py),
        }
    }
}

fn job_module(module: &str) -> PyResult<()> {
    match module {
        "scan" | "query" => Ok(()),
        _ => Err(param_error(format!("job_info module must be JOB_SCAN or JOB_QUERY, not {module:?}"))),
    }
}

async fn answer<T>(fut: impl std::future::Future<Output = Result<T, AsError>>, wrap: impl FnOnce(T) -> UdfAnswer) -> Result<UdfAnswer, AsError> {
    Ok(wrap(fut.await?))
}

/// The twins: the same parse and the same `ops::udf` future; `$wait` is `wait` (returns the
/// value) or `spawn` (returns an awaitable).
macro_rules! udf_methods {
    ($class:ident, $ret:ty, $wait:ident, $finish:expr) => {
        #[pymethods]
        impl $class {
            /// Registers the Lua module in `filename` (its name is the file's, without `.lua`) and
            /// waits until every node has it. A copy is kept in the client's lua user path
            /// (`config["lua"]["user_path"]`, by default a per-process temp dir), where the
            /// final reduce of an aggregation finds it. A module that fails to compile raises
            /// `UDFError` with the server's line and message.
            ///
            /// >>> import pathlib, tempfile
            /// >>> path = pathlib.Path(tempfile.mkdtemp()) / "doc_udf.lua"
            /// >>> _ = path.write_text("function add(rec, a, b) return a + b end")
            /// >>> client.udf_put(str(path))
            /// >>> client.apply(("test", "doc", "u"), "doc_udf", "add", [2, 3])
            /// 5
            /// >>> client.udf_remove("doc_udf")
            #[pyo3(signature = (filename, udf_type=0, policy=None))]
            fn udf_put<'py>(&self, py: Python<'py>, filename: &str, udf_type: i64, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let req = PutRequest::parse(&self.conn, filename, udf_type, info_policy(self.conn.defaults(), policy)?)?;
                let out = $wait(py, answer(udf::put(self.conn.client()?, req), UdfAnswer::Put))?;
                $finish(py, out)
            }

            /// Removes the module (`"name"` or `"name.lua"`) from every node and its client copy.
            /// Removing a module that is not registered succeeds, as on the server.
            #[pyo3(signature = (module, policy=None))]
            fn udf_remove<'py>(&self, py: Python<'py>, module: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let module = udf::module_name(module)?;
                let fut = udf::remove(self.conn.client()?, udf::copy_dir(&self.conn), module, info_policy(self.conn.defaults(), policy)?);
                let out = $wait(py, answer(fut, |()| UdfAnswer::None))?;
                $finish(py, out)
            }

            /// The registered modules: `[{"name": "m.lua", "hash": ..., "type": UDF_TYPE_LUA}]`.
            #[pyo3(signature = (policy=None))]
            fn udf_list<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let out = $wait(py, answer(udf::list(self.conn.client()?, info_policy(self.conn.defaults(), policy)?), UdfAnswer::List))?;
                $finish(py, out)
            }

            /// The source of a registered module; `UDFError` when there is none.
            #[pyo3(signature = (module, language=0, policy=None))]
            fn udf_get<'py>(&self, py: Python<'py>, module: &str, language: i64, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                if language != 0 {
                    return Err(param_error(format!("language {language} is not supported: only UDF_TYPE_LUA (0)")));
                }
                let module = udf::module_name(module)?;
                let out = $wait(py, answer(udf::get(self.conn.client()?, module, info_policy(self.conn.defaults(), policy)?), UdfAnswer::Source))?;
                $finish(py, out)
            }

            /// Runs `module.function(record, *args)` on the record at `key` and returns the
            /// UDF's value, converted like a bin value (None when it returns nothing). A Lua
            /// error raises `UDFError` with the server's message.
            #[pyo3(signature = (key, module, function, args=None, policy=None))]
            fn apply<'py>(&self, py: Python<'py>, key: &Bound<'_, PyAny>, module: &str, function: &str, args: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let t0 = observe::stage_clock();
                let req = ApplyRequest::parse(&self.conn, key, UdfCall::parse(module, function, args)?, policy)?;
                let out = $wait(py, self.conn.limited(self.conn.cmd(py, "apply", &req, t0), answer(udf::apply(self.conn.client()?, req), UdfAnswer::Value)))?;
                $finish(py, out)
            }

            /// Runs a record UDF on many records in one batch: `BatchWriteResult`. Each item of
            /// `keys` is a key or `(key, meta)`, where meta may override `module`, `function`,
            /// `args` (`[]` included), `ttl`, `commit_level`, `key` and `durable_delete` for that
            /// record. The UDF's value is in `record.bins["SUCCESS"]`; a UDF error gives result
            /// 100 and its message in `bins["FAILURE"]`.
            #[pyo3(signature = (keys, module, function, args=None, policy=None))]
            fn batch_apply<'py>(&self, py: Python<'py>, keys: &Bound<'_, PyAny>, module: &str, function: &str, args: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let t0 = observe::stage_clock();
                let req = udf::batch_request(&self.conn, keys, &UdfCall::parse(module, function, args)?, policy)?;
                let out = $wait(py, self.conn.limited(self.conn.cmd(py, "batch_apply", &req, t0), crate::ops::batch::write(self.conn.client()?, req)))?;
                $finish(py, out)
            }

            /// Starts a record UDF on every record a query selects, as a background job on the
            /// servers (the official client's `query_apply`): `predicate` as in `where()`, or
            /// None for every record of `set`. Returns the job id for `job_info(id, JOB_QUERY)`.
            #[pyo3(signature = (namespace, set, predicate, module, function, args=None, policy=None))]
            #[allow(clippy::too_many_arguments)]
            fn query_apply<'py>(&self, py: Python<'py>, namespace: String, set: Option<String>, predicate: Option<&Bound<'_, PyAny>>, module: &str, function: &str, args: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let core = crate::query::QueryCore::new(self.conn.clone(), namespace, set)?;
                if let Some(predicate) = predicate.filter(|p| !p.is_none()) {
                    core.where_(predicate)?;
                }
                core.set_udf(UdfCall::parse(module, function, args)?)?;
                let write = background_policy(&core, policy)?;
                let (client, statement, call) = core.background()?;
                let out = $wait(py, answer(udf::background(client, statement, write, call), UdfAnswer::JobId))?;
                $finish(py, out)
            }

            /// `query_apply` of every record of `set` (the official client's `scan_apply`;
            /// `options` must be None or empty: the C client's scan options have no effect here).
            #[pyo3(signature = (namespace, set, module, function, args=None, policy=None, options=None))]
            #[allow(clippy::too_many_arguments)]
            fn scan_apply<'py>(&self, py: Python<'py>, namespace: String, set: Option<String>, module: &str, function: &str, args: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>, options: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                if let Some(options) = crate::policy::optional_dict(options, "options")? {
                    if !options.is_empty() {
                        return Err(param_error("scan_apply options are not supported: use the policy (e.g. records_per_second, filter_expression)"));
                    }
                }
                self.query_apply(py, namespace, set, None, module, function, args, policy)
            }

            /// The state of a background job (`query.execute_background()`):
            /// `{"status": JOB_STATUS_COMPLETED or JOB_STATUS_INPROGRESS, "progress_pct": int,
            /// "records_read": int}`. `module` is `JOB_SCAN` or `JOB_QUERY`.
            #[pyo3(signature = (job_id, module, policy=None))]
            fn job_info<'py>(&self, py: Python<'py>, job_id: u64, module: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                job_module(module)?;
                let out = $wait(py, answer(udf::job_info(self.conn.client()?, job_id, info_policy(self.conn.defaults(), policy)?), UdfAnswer::Job))?;
                $finish(py, out)
            }
        }
    };
}

udf_methods!(PyClient, Py<PyAny>, wait, to_object);
udf_methods!(PyAsyncClient, Bound<'py, PyAny>, spawn, awaitable);

// ---------------------------------------------------------------- queries

/// `query.apply(...)` then `results()`: every value of the aggregation, as a list.
pub(crate) fn aggregate_values<'py>(py: Python<'py>, client: std::sync::Arc<aerospike::Client>, req: udf::AggregateRequest) -> PyResult<Bound<'py, PyList>> {
    let values = wait(py, udf::aggregate(client, req))?;
    UdfAnswer::Values(values).into_pyobject(py)?.cast_into::<PyList>().map_err(PyErr::from)
}

/// The same on `AsyncQuery`: an awaitable of the list.
pub(crate) fn aggregate_awaitable<'py>(py: Python<'py>, client: std::sync::Arc<aerospike::Client>, req: udf::AggregateRequest) -> PyResult<Bound<'py, PyAny>> {
    spawn(py, answer(udf::aggregate(client, req), UdfAnswer::Values))
}

/// The write policy of a background job: `{"timeout", "key", "ttl", "durable_delete", ...}`.
fn background_policy(query: &crate::query::QueryCore, policy: Option<&Bound<'_, PyAny>>) -> PyResult<aerospike::WritePolicy> {
    let dict = crate::policy::optional_dict(policy, "policy")?;
    crate::policy::write_policy(&query.connection().defaults().write, dict.as_ref(), "background job")
}

macro_rules! query_udf_methods {
    ($class:ident, $ret:ty, $wait:ident, $finish:expr) => {
        #[pymethods]
        impl $class {
            /// Runs the query through a UDF: with `results()`, `foreach()` or iteration, a stream
            /// UDF aggregation (the servers run the stream up to its first reduce, the client the
            /// rest, from the module copy `udf_put` keeps, or the server's source); with
            /// `execute_background()`, a record UDF applied to every matching record.
            #[pyo3(signature = (module, function, arguments=None))]
            fn apply<'py>(slf: Bound<'py, Self>, module: &str, function: &str, arguments: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, Self>> {
                slf.get().core.set_udf(UdfCall::parse(module, function, arguments)?)?;
                Ok(slf)
            }

            /// Starts the record UDF named by `apply()` on every record the query selects, as a
            /// job on the servers; returns its id for `client.job_info(id, JOB_QUERY)`.
            #[pyo3(signature = (policy=None))]
            fn execute_background<'py>(&self, py: Python<'py>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<$ret> {
                let write = background_policy(&self.core, policy)?;
                let (client, statement, call) = self.core.background()?;
                let out = $wait(py, answer(udf::background(client, statement, write, call), UdfAnswer::JobId))?;
                $finish(py, out)
            }
        }
    };
}

query_udf_methods!(PyQuery, Py<PyAny>, wait, to_object);
query_udf_methods!(PyAsyncQuery, Bound<'py, PyAny>, spawn, awaitable);
