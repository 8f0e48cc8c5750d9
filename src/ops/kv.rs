//! Single-record commands: the parsed request (checked with the GIL held, before anything is
//! sent) and the `async fn` that runs it, shared by `Client` and `AsyncClient`.

use std::sync::Arc;

use aerospike::{Bin, Bins, Key, ReadPolicy, ResultCode, Value, WritePolicy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::connection::Connection;
use crate::convert::{bin_name_from_py, bins_from_py, key_from_py, sequence, value_from_py, Answer};
use crate::errors::{self, param_error, AsError};
use crate::observe::{Cmd, Observed};
use crate::runtime;
use crate::operations::{ops_from_py, ParsedOps};
use crate::policy::{apply_meta, expiration, optional_dict, read_policy, write_policy};

type Client = Arc<aerospike::Client>;


/// get / select / exists.
pub(crate) struct ReadRequest {
    key: Key,
    bins: Bins,
    policy: ReadPolicy,
}

impl ReadRequest {
    /// `bins`: None reads every bin, a list reads those bins (`[]`: metadata only).
    pub(crate) fn parse(conn: &Connection, key: &Bound<'_, PyAny>, bins: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let policy = read_policy(&conn.defaults().read, optional_dict(policy, "policy")?.as_ref())?;
        let bins = match bins {
            None => Bins::All,
            Some(list) => {
                let names = bin_names(list)?;
                if names.is_empty() { Bins::None } else { Bins::Some(names) }
            }
        };
        Ok(Self { key, bins, policy })
    }
}

/// A list or tuple of bin names.
pub(crate) fn bin_names(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    sequence(obj, "bin names")?.iter().map(bin_name_from_py).collect()
}

/// The client's own connections (`crates/direct`), when it has them.
pub(crate) type Direct = Option<Arc<direct::Cluster>>;

/// What a read's record becomes: get/select's `Record`, or exists's `ExistsResult`.
#[derive(Clone, Copy)]
pub(crate) enum ReadAs {
    Record,
    Exists,
}

impl ReadRequest {
    /// The bins `read_as` reads: exists reads none.
    fn bins_for(&self, read_as: ReadAs) -> &Bins {
        match read_as {
            ReadAs::Record => &self.bins,
            ReadAs::Exists => &Bins::None,
        }
    }
}

/// get / select / exists: on the client's own connections when the policy is one they
/// implement (see `direct::single_read`), going on after `resume`'s failed first attempt when
/// there is one, else by the crate.
pub(crate) async fn read((client, direct): (Client, Direct), req: ReadRequest, read_as: ReadAs, resume: Option<direct::Resume>) -> Result<Answer, AsError> {
    if let Some(cluster) = direct {
        match cluster.get_after(&req.key, req.bins_for(read_as), &req.policy, resume).await {
            Ok(direct::Single::Row { rows, attempts }) => {
                crate::observe::note_retries(attempts.saturating_sub(1));
                return direct_answer(Ok(rows), req.key, read_as);
            }
            Ok(direct::Single::ByTheCrate) => {}
            Err(e) => return direct_answer(Err(e), req.key, read_as),
        }
    }
    // Boxed: the crate's get future is ~3.7 KB, and inline it would be part of every read's
    // future (copied whole at each move) though most reads never take this path.
    match (Box::pin(client.get(&req.policy, &req.key, req.bins_for(read_as).clone())).await, read_as) {
        (Ok(record), ReadAs::Record) => Ok(Answer::Record(req.key, record)),
        (Ok(record), ReadAs::Exists) => Ok(Answer::Exists(req.key, Some(record))),
        (Err(e), ReadAs::Exists) if e.server_result_code() == Some(ResultCode::KeyNotFoundError) => Ok(Answer::Exists(req.key, None)),
        (Err(e), _) => Err(e.into()),
    }
}

/// The answer of a read the client's own connections made.
fn direct_answer(outcome: Result<columnar::packed::PackedRows, direct::Error>, key: Key, read_as: ReadAs) -> Result<Answer, AsError> {
    match (outcome, read_as) {
        (Ok(rows), ReadAs::Record) => Ok(Answer::PackedRecord(rows)),
        (Ok(rows), ReadAs::Exists) => Ok(Answer::PackedExists(rows)),
        (Err(direct::Error::Server { result_code: 2, .. }), ReadAs::Exists) => Ok(Answer::Exists(key, None)),
        (Err(e), _) => Err(AsError::Direct(e)),
    }
}

/// get / select / exists of the sync `Client`: first on the calling thread with a blocking
/// connection (`direct::Cluster::get_blocking`, the GIL released), then, when it cannot run
/// there or its attempt is retried, on the runtime as `read` runs it, from where it stands.
pub(crate) fn read_on_this_thread(py: Python<'_>, conn: &Connection, mut cmd: Cmd, req: ReadRequest, read_as: ReadAs) -> PyResult<Observed<Answer>> {
    let (client, direct) = conn.direct_cluster()?;
    let mut resume = None;
    // `max_concurrent_operations` waits on the runtime; a command inside the runtime is refused
    // by `wait`, which says why.
    if let Some(cluster) = direct.as_ref().filter(|_| !conn.limits_concurrency() && runtime::outside_the_runtime()) {
        let started = cmd.started();
        match runtime::detached(py, || cluster.get_blocking(&req.key, req.bins_for(read_as), &req.policy)) {
            direct::Blocking::Done(outcome) => return cmd.finish(started, direct_answer(outcome, req.key, read_as), 0).map_err(errors::to_py),
            direct::Blocking::Retry(first) => resume = Some(first),
            direct::Blocking::Elsewhere { interrupted } => {
                if interrupted {
                    py.check_signals()?;
                }
            }
        }
    }
    runtime::wait(py, conn.limited(cmd, read((client, direct), req, read_as, resume)))
}

/// The write commands that send bins.
#[derive(Clone, Copy)]
pub(crate) enum WriteKind {
    Put,
    Append,
    Prepend,
    Increment,
}

pub(crate) struct WriteRequest {
    key: Key,
    bins: Vec<Bin>,
    policy: WritePolicy,
    kind: WriteKind,
}

/// A write policy from the client's defaults, a call's policy dict and its meta dict.
fn write_policy_for(base: &WritePolicy, family: &str, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<WritePolicy> {
    let mut policy = write_policy(base, optional_dict(policy, "policy")?.as_ref(), family)?;
    apply_meta(&mut policy, optional_dict(meta, "meta")?.as_ref())?;
    Ok(policy)
}

impl WriteRequest {
    pub(crate) fn put(conn: &Connection, key: &Bound<'_, PyAny>, bins: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let bins = bins_from_py(bins)?;
        if bins.is_empty() {
            return Err(param_error("bins is empty: a put needs at least one bin"));
        }
        let policy = write_policy_for(&conn.defaults().write, "write", meta, policy)?;
        Ok(Self { key, bins, policy, kind: WriteKind::Put })
    }

    /// append / prepend (str or bytes) and increment (int or float) of one bin.
    pub(crate) fn one_bin(conn: &Connection, kind: WriteKind, key: &Bound<'_, PyAny>, bin: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let name = bin_name_from_py(bin)?;
        let value = value_from_py(value)?;
        let fits = match kind {
            WriteKind::Increment => matches!(value, Value::Int(_) | Value::Float(_)),
            _ => matches!(value, Value::String(_) | Value::Blob(_)),
        };
        if !fits {
            let wanted = if matches!(kind, WriteKind::Increment) { "an int or float offset" } else { "a str or bytes value" };
            return Err(PyTypeError::new_err(format!("bin {name:?}: needs {wanted}")));
        }
        let policy = write_policy_for(&conn.defaults().write, "write", meta, policy)?;
        Ok(Self { key, bins: vec![Bin::new(name, value)], policy, kind })
    }

    /// remove_bin: writes nil to each named bin.
    pub(crate) fn remove_bins(conn: &Connection, key: &Bound<'_, PyAny>, names: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let names = bin_names(names)?;
        if names.is_empty() {
            return Err(param_error("bin_names is empty: name at least one bin to remove"));
        }
        let bins = names.into_iter().map(|n| Bin::new(n, Value::Nil)).collect();
        let policy = write_policy_for(&conn.defaults().write, "write", meta, policy)?;
        Ok(Self { key, bins, policy, kind: WriteKind::Put })
    }
}

pub(crate) async fn write(client: Client, req: WriteRequest) -> Result<Answer, AsError> {
    let WriteRequest { key, bins, policy, kind } = req;
    match kind {
        WriteKind::Put => client.put(&policy, &key, &bins).await?,
        WriteKind::Append => client.append(&policy, &key, &bins).await?,
        WriteKind::Prepend => client.prepend(&policy, &key, &bins).await?,
        WriteKind::Increment => client.add(&policy, &key, &bins).await?,
    }
    Ok(Answer::None)
}

/// remove and touch.
pub(crate) struct KeyRequest {
    key: Key,
    policy: WritePolicy,
}

impl KeyRequest {
    pub(crate) fn remove(conn: &Connection, key: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(Self { key: key_from_py(key)?, policy: write_policy_for(&conn.defaults().remove, "remove", meta, policy)? })
    }

    /// touch(key, val): `val` is the new TTL (0: the namespace default).
    /// A `val` of None keeps the TTL that `meta` or the policy gave.
    pub(crate) fn touch(conn: &Connection, key: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let mut policy = write_policy_for(&conn.defaults().write, "write", meta, policy)?;
        if let Some(val) = val.filter(|v| !v.is_none()) {
            policy.expiration = expiration(val, policy.expiration)?;
        }
        Ok(Self { key, policy })
    }
}

/// A delete sent as an operate, so that a missing record fails with the server's own error
/// (naming the node) instead of the crate's `Ok(false)`.
pub(crate) async fn remove(client: Client, req: KeyRequest) -> Result<Answer, AsError> {
    client.operate(&req.policy, &req.key, &[aerospike::operations::delete()]).await?;
    Ok(Answer::None)
}

pub(crate) async fn touch(client: Client, req: KeyRequest) -> Result<Answer, AsError> {
    client.touch(&req.policy, &req.key).await?;
    Ok(Answer::None)
}

pub(crate) struct OperateRequest {
    key: Key,
    ops: ParsedOps,
    policy: WritePolicy,
    ordered: bool,
}

impl OperateRequest {
    pub(crate) fn parse(conn: &Connection, key: &Bound<'_, PyAny>, ops: &Bound<'_, PyAny>, meta: Option<&Bound<'_, PyAny>>, policy: Option<&Bound<'_, PyAny>>, ordered: bool) -> PyResult<Self> {
        let key = key_from_py(key)?;
        let ops = ops_from_py(ops)?;
        let policy = write_policy_for(&conn.defaults().operate, "operate", meta, policy)?;
        Ok(Self { key, ops, policy, ordered })
    }
}

pub(crate) async fn operate(client: Client, req: OperateRequest) -> Result<Answer, AsError> {
    let OperateRequest { key, ops, policy, ordered } = req;
    let record = client.operate(&policy, &key, &ops.ops).await?;
    Ok(if ordered { Answer::Ordered(key, record, ops.answers) } else { Answer::Operated(key, record, ops.answers) })
}

/// Metrics and trace labels: the key's namespace and set.
macro_rules! labels_from_key {
    ($($request:ty),*) => {$(
        impl crate::observe::Labels for $request {
            fn namespace(&self) -> &str {
                crate::observe::Labels::namespace(&self.key)
            }
            fn set(&self) -> &str {
                crate::observe::Labels::set(&self.key)
            }
        }
    )*};
}
labels_from_key!(ReadRequest, WriteRequest, KeyRequest, OperateRequest);
