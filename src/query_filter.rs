//! What scopes a query: the secondary-index predicate of `query.where()` (the tuples
//! `aerospike_py.predicates` builds -> the crate's `Filter`), and `PartitionFilter`, which selects
//! partitions and carries the resume cursor of a paginated query or scan.

use std::sync::Arc;

use aerospike::query::{CollectionIndexType, Filter, PartitionFilter, PartitionStatus};
use aerospike::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::convert::{check_bin_name, key_from_py};
use crate::errors::param_error;

/// Partitions in a namespace.
const PARTITIONS: usize = 4096;

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// `INDEX_TYPE_*` -> the crate's collection index type.
pub(crate) fn collection_type(value: i64) -> PyResult<CollectionIndexType> {
    Ok(match value {
        0 => CollectionIndexType::Default,
        1 => CollectionIndexType::List,
        2 => CollectionIndexType::MapKeys,
        3 => CollectionIndexType::MapValues,
        n => return Err(param_error(format!("index_type must be an INDEX_TYPE_* value (0..3), not {n}"))),
    })
}

/// A value an equality or contains filter can match: int, str or bytes.
fn eq_value(obj: &Bound<'_, PyAny>, kind: &str) -> PyResult<Value> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{kind} matches an int, str or bytes, not bool")));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Value::Int(int_value(obj, kind)?));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Blob(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "{kind} matches an int, str or bytes (what a secondary index holds), not {}",
        type_name(obj)
    )))
}

fn int_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} takes int bounds, not {}", type_name(obj))));
    }
    obj.extract::<i64>().map_err(|_| param_error(format!("{what}: {} does not fit a signed 64-bit integer", obj)))
}

fn float_value(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<f64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{what} must be a number, not bool")));
    }
    let value: f64 = obj.extract().map_err(|_| PyTypeError::new_err(format!("{what} must be a number, not {}", type_name(obj))))?;
    if !value.is_finite() {
        return Err(param_error(format!("{what} must be finite, not {value}")));
    }
    Ok(value)
}

fn geojson_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let text: String = obj.extract().map_err(|_| PyTypeError::new_err(format!("{what} is GeoJSON text, not {}", type_name(obj))))?;
    if !text.trim_start().starts_with('{') {
        return Err(param_error(format!("{what} is not GeoJSON: {text:?}")));
    }
    Ok(text)
}

/// A predicate tuple `(kind, bin, index_type, args, ctx)` -> the crate's filter. Everything is
/// checked here, before a query is sent.
pub(crate) fn filter_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Filter> {
    let bad = || PyTypeError::new_err("where() takes a predicate from aerospike_py.predicates (equals, between, contains, geo_*)");
    let tuple = obj.cast::<PyTuple>().map_err(|_| bad())?;
    if tuple.len() != 5 {
        return Err(bad());
    }
    let kind: String = tuple.get_item(0)?.extract().map_err(|_| bad())?;
    let bin: String = tuple
        .get_item(1)?
        .extract()
        .map_err(|_| PyTypeError::new_err("a predicate's bin name must be a str"))?;
    check_bin_name(&bin)?;
    let index_type = tuple.get_item(2)?;
    let cit = collection_type(int_value(&index_type, "index_type")?)?;
    let args_obj = tuple.get_item(3)?;
    let args = args_obj.cast::<PyTuple>().map_err(|_| bad())?;
    let arg = |i: usize| -> PyResult<Bound<'_, PyAny>> {
        args.get_item(i).map_err(|_| param_error(format!("predicate {kind:?} is missing argument {i}")))
    };
    let filter = match kind.as_str() {
        "equals" => Filter::equal(bin, eq_value(&arg(0)?, "equals")?),
        "contains" => {
            if cit == CollectionIndexType::Default {
                Filter::equal(bin, eq_value(&arg(0)?, "contains")?)
            } else {
                Filter::contains(bin, eq_value(&arg(0)?, "contains")?, cit)
            }
        }
        "between" => {
            let (begin, end) = (int_value(&arg(0)?, "between")?, int_value(&arg(1)?, "between")?);
            if begin > end {
                return Err(param_error(format!("between({begin}, {end}): the lower bound is above the upper bound")));
            }
            if cit == CollectionIndexType::Default {
                Filter::range(bin, begin, end)
            } else {
                Filter::contains_range(bin, begin, end, cit)
            }
        }
        "geo_within_region" => Filter::geo_within_region(bin, &geojson_text(&arg(0)?, "region")?).collection_type(cit),
        "geo_contains_point" => Filter::geo_contains(bin, &geojson_text(&arg(0)?, "point")?).collection_type(cit),
        "geo_within_radius" => {
            let lng = float_value(&arg(0)?, "longitude")?;
            let lat = float_value(&arg(1)?, "latitude")?;
            let radius = float_value(&arg(2)?, "radius")?;
            if !(-180.0..=180.0).contains(&lng) || !(-90.0..=90.0).contains(&lat) {
                return Err(param_error(format!("({lng}, {lat}) is not a (longitude, latitude) point")));
            }
            if radius < 0.0 {
                return Err(param_error(format!("radius must be >= 0 metres, not {radius}")));
            }
            Filter::geo_within_radius(bin, lng, lat, radius).collection_type(cit)
        }
        other => return Err(param_error(format!("unknown predicate {other:?}"))),
    };
    let ctx = tuple.get_item(4)?;
    if ctx.is_none() {
        return Ok(filter);
    }
    let ctx = crate::operations::context::ctx_from_py(&ctx)?;
    Ok(if ctx.is_empty() { filter } else { filter.context(ctx) })
}

/// Which partitions a query or scan reads, and how far it has read them: pass it as
/// `policy={"partition_filter": pf}`, and take the cursor of a finished (or stopped) run from
/// `stream.partition_filter` or `query.partition_filter` to resume exactly after it.
///
/// >>> from aerospike_py import predicates as p
/// >>> pf = p.partition_filter_by_range(0, 16)
/// >>> pf.begin, pf.count, pf.done
/// (0, 16, False)
#[pyclass(name = "PartitionFilter", module = "aerospike_py", frozen)]
pub(crate) struct PyPartitionFilter {
    pub(crate) inner: PartitionFilter,
}

impl PyPartitionFilter {
    /// An independent copy to run a query with: the handle itself never moves.
    pub(crate) fn filter(&self) -> PartitionFilter {
        self.inner.clone()
    }
}

fn partition_id(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    let n = int_value(obj, what)?;
    usize::try_from(n).ok().filter(|n| *n < PARTITIONS).ok_or_else(|| param_error(format!("{what} must be in 0..4095, not {n}")))
}

fn digest_from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<[u8; 20]>> {
    if obj.is_none() {
        return Ok(None);
    }
    let bytes: Vec<u8> = obj.cast::<PyBytes>().map(|b| b.as_bytes().to_vec()).map_err(|_| PyTypeError::new_err(format!("{what} must be 20 bytes or None")))?;
    let digest: [u8; 20] = bytes.as_slice().try_into().map_err(|_| param_error(format!("{what} is 20 bytes, not {}", bytes.len())))?;
    Ok(Some(digest))
}

#[pymethods]
impl PyPartitionFilter {
    /// Every partition.
    #[staticmethod]
    fn all() -> Self {
        Self { inner: PartitionFilter::all() }
    }

    /// One partition, `0 <= partition_id < 4096`.
    #[staticmethod]
    fn by_id(partition_id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self { inner: PartitionFilter::by_id(self::partition_id(partition_id, "partition_id")?) })
    }

    /// `count` partitions from `begin`.
    #[staticmethod]
    fn by_range(begin: &Bound<'_, PyAny>, count: &Bound<'_, PyAny>) -> PyResult<Self> {
        let begin = partition_id(begin, "begin")?;
        let count = int_value(count, "count")?;
        let count = usize::try_from(count)
            .ok()
            .filter(|c| *c >= 1 && begin + c <= PARTITIONS)
            .ok_or_else(|| param_error(format!("count must be in 1..={} for begin={begin}, not {count}", PARTITIONS - begin)))?;
        Ok(Self { inner: PartitionFilter::by_range(begin, count) })
    }

    /// The records after `key`'s digest, in `key`'s partition.
    #[staticmethod]
    fn by_key(key: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self { inner: PartitionFilter::by_key(&key_from_py(key)?) })
    }

    /// A cursor saved with `to_dict()`.
    #[staticmethod]
    fn from_dict(state: &Bound<'_, PyAny>) -> PyResult<Self> {
        let dict = state.cast::<PyDict>().map_err(|_| PyTypeError::new_err("from_dict takes the dict to_dict() made"))?;
        let get = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            dict.get_item(name)?.ok_or_else(|| param_error(format!("the partition filter state has no {name:?}")))
        };
        let begin = partition_id(&get("begin")?, "begin")?;
        let count = usize::try_from(int_value(&get("count")?, "count")?)
            .ok()
            .filter(|c| *c >= 1 && begin + c <= PARTITIONS)
            .ok_or_else(|| param_error("count is out of range"))?;
        let mut inner = PartitionFilter::by_range(begin, count);
        inner.digest = digest_from_py(&get("digest")?, "digest")?;
        let parts = get("partitions")?;
        if !parts.is_none() {
            let list = parts.cast::<PyList>().map_err(|_| PyTypeError::new_err("partitions must be a list"))?;
            if list.len() != count {
                return Err(param_error(format!("partitions lists {} partitions, the range has {count}", list.len())));
            }
            let mut statuses = Vec::with_capacity(count);
            for (offset, item) in list.iter().enumerate() {
                let item = item.cast::<PyDict>().map_err(|_| PyTypeError::new_err("each partition is a dict"))?.clone();
                let field = |name: &str| -> PyResult<Bound<'_, PyAny>> {
                    item.get_item(name)?.ok_or_else(|| param_error(format!("partitions[{offset}] has no {name:?}")))
                };
                let id = partition_id(&field("id")?, "id")?;
                if id != begin + offset {
                    return Err(param_error(format!("partitions[{offset}] is partition {id}, expected {}", begin + offset)));
                }
                let mut status = PartitionStatus::new(id);
                status.retry = field("retry")?.is_truthy()?;
                status.digest = digest_from_py(&field("digest")?, "digest")?;
                let bval = field("bval")?;
                status.bval = if bval.is_none() { None } else { Some(bval.extract::<u64>().map_err(|_| param_error("bval must be an unsigned int"))?) };
                statuses.push(parking_lot::Mutex::new(status));
            }
            inner.partitions = Some(Arc::new(statuses));
        }
        Ok(Self { inner })
    }

    /// The first partition.
    #[getter]
    fn begin(&self) -> usize {
        self.inner.begin
    }

    /// How many partitions.
    #[getter]
    fn count(&self) -> usize {
        self.inner.count
    }

    /// The digest a by-key filter starts after.
    #[getter]
    fn digest<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.digest.map(|d| PyBytes::new(py, &d))
    }

    /// True once a run of this cursor has read everything: a further run returns nothing.
    #[getter]
    fn done(&self) -> bool {
        self.inner.done()
    }

    /// Each partition's resume point (`id`, `retry`, `digest`, `bval`), or None before any run.
    #[getter]
    fn partitions<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let Some(parts) = &self.inner.partitions else { return Ok(None) };
        let out = PyList::empty(py);
        for part in parts.iter() {
            let part = part.lock();
            let d = PyDict::new(py);
            d.set_item("id", part.id)?;
            d.set_item("retry", part.retry)?;
            d.set_item("digest", part.digest.map(|x| PyBytes::new(py, &x)))?;
            d.set_item("bval", part.bval)?;
            out.append(d)?;
        }
        Ok(Some(out))
    }

    /// The cursor as plain data (for JSON-free persistence, pickling or another process):
    /// `PartitionFilter.from_dict(pf.to_dict())` resumes where `pf` stands.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("begin", self.inner.begin)?;
        d.set_item("count", self.inner.count)?;
        d.set_item("digest", self.digest(py))?;
        d.set_item("done", self.inner.done())?;
        d.set_item("partitions", self.partitions(py)?)?;
        Ok(d)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(slf.py())?,)))
    }

    fn __repr__(&self) -> String {
        let state = if self.inner.done() {
            "done"
        } else if self.inner.partitions.is_some() {
            "in progress"
        } else {
            "not started"
        };
        format!("PartitionFilter(begin={}, count={}, {state})", self.inner.begin, self.inner.count)
    }
}
