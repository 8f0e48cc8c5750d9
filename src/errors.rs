//! The one place where failures become Python exceptions: the classes of
//! `aerospike_py.exception`, chosen from the result code, carrying the code, `in_doubt` and the
//! node. Exceptions are built lazily, so this works on a tokio worker without the GIL.

use aerospike::ErrorKind;
use pyo3::PyErr;

macro_rules! python_exceptions {
    ($($name:ident),* $(,)?) => { $( pyo3::import_exception!(aerospike_py.exception, $name); )* };
}

python_exceptions!(
    AerospikeError, ClientError, ParamError, ClusterError, AerospikeTimeoutError, RecordError,
    RecordNotFound, RecordGenerationError, RecordExistsError, BinExistsError, BinTypeError,
    RecordTooBig, RecordBusy, BinNotFound, BinNameError, ElementNotFoundError, ElementExistsError,
    FilteredOut, ServerError, InvalidRequest, UnsupportedFeature, NamespaceNotFound,
    EnterpriseOnly, OpNotApplicable, AerospikeIndexError, IndexFoundError, IndexNotFound,
    QueryError, QueryAbortedError, UDFError, AdminError,
);

/// The result codes of failures that happen in this client rather than on a server.
pub(crate) const CLIENT_ERROR: i32 = -1;
pub(crate) const PARAM_ERROR: i32 = -2;

/// A failed command: the aerospike crate's error, or one raised by this client itself.
#[derive(Debug)]
pub(crate) enum AsError {
    Aerospike(aerospike::Error),
    /// The client cannot run the command (closed, used after fork, internal failure).
    Client(String),
}

impl From<aerospike::Error> for AsError {
    fn from(err: aerospike::Error) -> Self {
        Self::Aerospike(err)
    }
}

/// The facts every exception carries: message, result code, in_doubt, node.
type Facts = (String, i32, bool, Option<String>);

/// A `ParamError` (also a `ValueError`): bad input found before anything was sent.
pub(crate) fn param_error(message: impl Into<String>) -> PyErr {
    PyErr::new::<ParamError, Facts>((message.into(), PARAM_ERROR, false, None))
}

/// A `ClientError` raised by this client's own checks.
pub(crate) fn client_error(message: impl Into<String>) -> PyErr {
    PyErr::new::<ClientError, Facts>((message.into(), CLIENT_ERROR, false, None))
}

pub(crate) fn to_py(err: AsError) -> PyErr {
    match err {
        AsError::Client(message) => client_error(message),
        AsError::Aerospike(err) => from_aerospike(&err),
    }
}

fn from_aerospike(err: &aerospike::Error) -> PyErr {
    let node = err.node().map(str::to_owned);
    let message = describe(err, node.as_deref());
    let code = err.result_code();
    let facts: Facts = (message, code, err.in_doubt(), node);
    match err.kind() {
        ErrorKind::Timeout => PyErr::new::<AerospikeTimeoutError, _>(facts),
        ErrorKind::Connection
        | ErrorKind::ConnectionPoolEmpty
        | ErrorKind::NoMoreConnections
        | ErrorKind::MaxErrorRate
        | ErrorKind::InvalidNode
        | ErrorKind::Io(_) => PyErr::new::<ClusterError, _>(facts),
        ErrorKind::InvalidNamespace => PyErr::new::<NamespaceNotFound, _>(facts),
        ErrorKind::InvalidArgument => PyErr::new::<ParamError, _>(facts),
        ErrorKind::Server { .. } => for_server_code(code, facts),
        _ if code >= 0 => for_server_code(code, facts),
        _ => PyErr::new::<ClientError, _>(facts),
    }
}

/// The class for each server result code; codes not listed are a plain `ServerError`.
fn for_server_code(code: i32, facts: Facts) -> PyErr {
    match code {
        2 => PyErr::new::<RecordNotFound, _>(facts),
        3 => PyErr::new::<RecordGenerationError, _>(facts),
        4 | 160 => PyErr::new::<InvalidRequest, _>(facts),
        5 => PyErr::new::<RecordExistsError, _>(facts),
        6 => PyErr::new::<BinExistsError, _>(facts),
        7 | 11 => PyErr::new::<ClusterError, _>(facts),
        9 => PyErr::new::<AerospikeTimeoutError, _>(facts),
        12 => PyErr::new::<BinTypeError, _>(facts),
        13 => PyErr::new::<RecordTooBig, _>(facts),
        14 => PyErr::new::<RecordBusy, _>(facts),
        15 | 210 => PyErr::new::<QueryAbortedError, _>(facts),
        16 => PyErr::new::<UnsupportedFeature, _>(facts),
        17 => PyErr::new::<BinNotFound, _>(facts),
        19 => PyErr::new::<RecordError, _>(facts),
        20 => PyErr::new::<NamespaceNotFound, _>(facts),
        21 => PyErr::new::<BinNameError, _>(facts),
        23 => PyErr::new::<ElementNotFoundError, _>(facts),
        24 => PyErr::new::<ElementExistsError, _>(facts),
        25 => PyErr::new::<EnterpriseOnly, _>(facts),
        26 => PyErr::new::<OpNotApplicable, _>(facts),
        27 => PyErr::new::<FilteredOut, _>(facts),
        51..=90 => PyErr::new::<AdminError, _>(facts),
        100 => PyErr::new::<UDFError, _>(facts),
        200 => PyErr::new::<IndexFoundError, _>(facts),
        201 => PyErr::new::<IndexNotFound, _>(facts),
        202..=209 => PyErr::new::<AerospikeIndexError, _>(facts),
        211..=219 => PyErr::new::<QueryError, _>(facts),
        _ => PyErr::new::<ServerError, _>(facts),
    }
}

/// The error's message with its source chain, and the node when the crate's text lacks it.
fn describe(err: &aerospike::Error, node: Option<&str>) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    match node {
        Some(node) if !message.contains(node) => format!("{message} (node {node})"),
        _ => message,
    }
}

/// Re-raises `err` with `where_` in front of its message, keeping its class: the one way an
/// argument error names the argument it came from (`keys[3]: ...`, `bin "x": ...`).
pub(crate) fn with_context(py: pyo3::Python<'_>, err: PyErr, where_: &str) -> PyErr {
    use pyo3::types::PyAnyMethods;
    let message = format!("{where_}: {}", err.value(py));
    err.get_type(py).call1((message,)).map_or(err, PyErr::from_value)
}
