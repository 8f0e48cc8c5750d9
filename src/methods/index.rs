//! Index management and truncate: `index_*_create`, `index_remove`, `truncate`. Names and
//! types are checked before anything is sent (an info command has no escaping, so a name with
//! `;`, `:` or `=` could change the command).

use aerospike::query::{CollectionIndexType, IndexType};
use pyo3::prelude::*;

use crate::async_client::PyAsyncClient;
use crate::client::PyClient;
use crate::connection::Connection;
use crate::convert::check_bin_name;
use crate::errors::param_error;
use crate::ops::index::{self, IndexSpec};
use crate::policy::info_policy;
use crate::query_filter::collection_type;
use crate::runtime::{spawn, wait};

/// A name that goes into an info command: non-empty, at most `max` bytes, no separators.
fn info_name(value: &str, what: &str, max: usize) -> PyResult<String> {
    if value.is_empty() || value.len() > max {
        return Err(param_error(format!("{what} {value:?} is invalid: 1 to {max} bytes")));
    }
    if let Some(c) = value.chars().find(|c| matches!(c, ';' | ':' | '=' | '\t' | '\n' | ',')) {
        return Err(param_error(format!("{what} {value:?} may not contain {c:?}")));
    }
    Ok(value.to_owned())
}

fn set_name(set: Option<&str>) -> PyResult<String> {
    match set {
        None | Some("") => Ok(String::new()),
        Some(s) => info_name(s, "set name", 63),
    }
}

/// `INDEX_NUMERIC`, `INDEX_STRING`, `INDEX_BLOB`, `INDEX_GEO2DSPHERE` -> the crate's type.
fn data_type(value: i64) -> PyResult<IndexType> {
    Ok(match value {
        0 => IndexType::Numeric,
        1 => IndexType::String,
        2 => IndexType::Blob,
        3 => IndexType::Geo2DSphere,
        n => return Err(param_error(format!("index_datatype must be INDEX_NUMERIC, INDEX_STRING, INDEX_BLOB or INDEX_GEO2DSPHERE, not {n}"))),
    })
}

#[allow(clippy::too_many_arguments)]
fn spec(
    namespace: &str,
    set: Option<&str>,
    bin: &str,
    name: &str,
    index_type: IndexType,
    collection: CollectionIndexType,
    ctx: Option<&Bound<'_, PyAny>>,
    policy: aerospike::policy::AdminPolicy,
) -> PyResult<IndexSpec> {
    check_bin_name(bin)?;
    let ctx = match ctx.filter(|c| !c.is_none()) {
        None => Vec::new(),
        Some(c) => crate::operations::context::ctx_from_py(c)?,
    };
    Ok(IndexSpec {
        namespace: info_name(namespace, "namespace", 31)?,
        set: set_name(set)?,
        bin: info_name(bin, "bin name", 15)?,
        name: info_name(name, "index name", 255)?,
        index_type,
        collection,
        ctx,
        policy,
    })
}

fn truncate_args(namespace: &str, set: Option<&str>, nanos: i64) -> PyResult<(String, String)> {
    if nanos < 0 {
        return Err(param_error(format!("nanos must be >= 0 (0: everything written until now), not {nanos}")));
    }
    Ok((info_name(namespace, "namespace", 31)?, set_name(set)?))
}

fn remove_args(namespace: &str, name: &str) -> PyResult<(String, String)> {
    Ok((info_name(namespace, "namespace", 31)?, info_name(name, "index name", 255)?))
}

/// The twins: each method parses, then `Client` waits and `AsyncClient` returns an awaitable.
macro_rules! index_methods {
    ($class:ident, $run:ident, $ret:ty) => {
        #[pymethods]
        impl $class {
            /// Creates an integer index on a bin and waits until it is built.
            #[pyo3(signature = (namespace, set, bin, index_name, policy=None))]
            fn index_integer_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_name: &str, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, IndexType::Numeric, CollectionIndexType::Default, None, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Creates a string index on a bin and waits until it is built.
            #[pyo3(signature = (namespace, set, bin, index_name, policy=None))]
            fn index_string_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_name: &str, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, IndexType::String, CollectionIndexType::Default, None, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Creates a blob (bytes) index on a bin and waits until it is built.
            #[pyo3(signature = (namespace, set, bin, index_name, policy=None))]
            fn index_blob_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_name: &str, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, IndexType::Blob, CollectionIndexType::Default, None, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Creates a geospatial (GeoJSON) index on a bin and waits until it is built.
            #[pyo3(signature = (namespace, set, bin, index_name, policy=None))]
            fn index_geo2dsphere_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_name: &str, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, IndexType::Geo2DSphere, CollectionIndexType::Default, None, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Indexes the values of a list bin (`index_datatype`: `INDEX_NUMERIC`, `INDEX_STRING`,
            /// `INDEX_BLOB`, `INDEX_GEO2DSPHERE`); query it with `predicates.contains(bin,
            /// INDEX_TYPE_LIST, value)`.
            #[pyo3(signature = (namespace, set, bin, index_datatype, index_name, policy=None, ctx=None))]
            #[allow(clippy::too_many_arguments)]
            fn index_list_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_datatype: i64, index_name: &str, policy: Option<&Bound<'py, PyAny>>, ctx: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, data_type(index_datatype)?, CollectionIndexType::List, ctx, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Indexes the keys of a map bin.
            #[pyo3(signature = (namespace, set, bin, index_datatype, index_name, policy=None, ctx=None))]
            #[allow(clippy::too_many_arguments)]
            fn index_map_keys_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_datatype: i64, index_name: &str, policy: Option<&Bound<'py, PyAny>>, ctx: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, data_type(index_datatype)?, CollectionIndexType::MapKeys, ctx, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Indexes the values of a map bin.
            #[pyo3(signature = (namespace, set, bin, index_datatype, index_name, policy=None, ctx=None))]
            #[allow(clippy::too_many_arguments)]
            fn index_map_values_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_datatype: i64, index_name: &str, policy: Option<&Bound<'py, PyAny>>, ctx: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, data_type(index_datatype)?, CollectionIndexType::MapValues, ctx, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// An index on a bin's value (the official client's name): `index_datatype` is
            /// `INDEX_NUMERIC`, `INDEX_STRING`, `INDEX_BLOB` or `INDEX_GEO2DSPHERE`.
            #[pyo3(signature = (namespace, set, bin, index_datatype, index_name, policy=None, ctx=None))]
            #[allow(clippy::too_many_arguments)]
            fn index_single_value_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_datatype: i64, index_name: &str, policy: Option<&Bound<'py, PyAny>>, ctx: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, data_type(index_datatype)?, CollectionIndexType::Default, ctx, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Any index: `index_type` (`INDEX_TYPE_DEFAULT`, `_LIST`, `_MAPKEYS`, `_MAPVALUES`),
            /// `index_datatype` (`INDEX_NUMERIC`...) and an optional nested `ctx`.
            #[pyo3(signature = (namespace, set, bin, index_type, index_datatype, index_name, ctx=None, policy=None))]
            #[allow(clippy::too_many_arguments)]
            fn index_cdt_create<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, bin: &str, index_type: i64, index_datatype: i64, index_name: &str, ctx: Option<&Bound<'py, PyAny>>, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let spec = spec(namespace, set, bin, index_name, data_type(index_datatype)?, collection_type(index_type)?, ctx, info_policy(self.conn.defaults(), policy)?)?;
                $run(py, index::create(client(&self.conn)?, spec))
            }

            /// Removes every record of `set` (of the namespace when `set` is None) last updated
            /// before `nanos` (nanoseconds since the Unix epoch; 0: now).
            #[pyo3(signature = (namespace, set, nanos=0, policy=None))]
            fn truncate<'py>(&self, py: Python<'py>, namespace: &str, set: Option<&str>, nanos: i64, policy: Option<&Bound<'py, PyAny>>) -> PyResult<$ret> {
                let (namespace, set) = truncate_args(namespace, set, nanos)?;
                let policy = info_policy(self.conn.defaults(), policy)?;
                $run(py, index::truncate(client(&self.conn)?, policy, namespace, set, nanos))
            }
        }
    };
}

pyo3::import_exception!(aerospike_py.exception, IndexNotFound);

/// The answer of `index_remove`: None, or `IndexNotFound` when there was no such index.
struct Removal(Result<(), String>);

impl<'py> IntoPyObject<'py> for Removal {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(()) => Ok(py.None().into_bound(py)),
            Err(message) => Err(PyErr::new::<IndexNotFound, _>((message, 201, false, None::<String>))),
        }
    }
}

#[pymethods]
impl PyClient {
    /// Drops the index `index_name` of `namespace` (`IndexNotFound` if there is none).
    #[pyo3(signature = (namespace, index_name, policy=None))]
    fn index_remove(&self, py: Python<'_>, namespace: &str, index_name: &str, policy: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let (namespace, name) = remove_args(namespace, index_name)?;
        let policy = info_policy(self.conn.defaults(), policy)?;
        let removal = wait(py, index::remove(client(&self.conn)?, policy, namespace, name))?;
        Removal(removal).into_pyobject(py).map(drop)
    }
}

#[pymethods]
impl PyAsyncClient {
    /// Awaitable: drops the index `index_name` of `namespace` (`IndexNotFound` if there is none).
    #[pyo3(signature = (namespace, index_name, policy=None))]
    fn index_remove<'py>(&self, py: Python<'py>, namespace: &str, index_name: &str, policy: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let (namespace, name) = remove_args(namespace, index_name)?;
        let policy = info_policy(self.conn.defaults(), policy)?;
        let fut = index::remove(client(&self.conn)?, policy, namespace, name);
        spawn(py, async move { Ok(Removal(fut.await?)) })
    }
}

fn client(conn: &Connection) -> PyResult<std::sync::Arc<aerospike::Client>> {
    conn.client()
}

index_methods!(PyClient, wait, ());
index_methods!(PyAsyncClient, spawn, Bound<'py, PyAny>);
