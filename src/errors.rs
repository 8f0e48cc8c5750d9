//! The one place where failures become Python exceptions: the classes of
//! `aerospike_py.exception`, chosen from the result code, carrying the code, `in_doubt` and the
//! node. Exceptions are built lazily, so this works on a tokio worker without the GIL.

use aerospike::{ClientResultCode, ErrorKind};
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
    // client side
    ClientAbortError, ConnectionError, NoMoreConnectionsError, InvalidNodeError,
    MaxErrorRateExceeded, MaxRetriesExceeded, NoResponse, BatchFailed, TransactionFailed,
    TransactionAlreadyCommitted, TransactionAlreadyAborted, BackpressureError,
    // server side
    ClusterChangeError, ServerFull, AlwaysForbidden, ScanAbortedError, DeviceOverload,
    RecordKeyMismatch, ForbiddenError, LostConflict, BatchDisabledError, BatchMaxRequestError,
    BatchQueueFullError, InvalidGeoJSON, IndexOOM, IndexNotReadable, IndexNameMaxLen,
    IndexNameMaxCount, QueryQueueFull, QueryTimeout,
    // security (AdminError), one per result code
    SecurityNotSupported, SecurityNotEnabled, SecuritySchemeNotSupported, InvalidCommand,
    InvalidField, IllegalState, InvalidUser, UserExistsError, InvalidPassword, ExpiredPassword,
    ForbiddenPassword, InvalidCredential, ExpiredSession, InvalidRole, RoleExistsError,
    InvalidPrivilege, InvalidWhitelist, QuotasNotEnabled, InvalidQuota, NotAuthenticated,
    RoleViolation, NotWhitelisted, QuotaExceeded,
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
    /// `max_concurrent_operations` commands were in flight and none finished within
    /// `operation_queue_timeout_ms`.
    Backpressure(String),
    /// A read (batch or single record) on the client's own connections (`crates/direct`) failed.
    Direct(direct::Error),
}

impl From<aerospike::Error> for AsError {
    fn from(err: aerospike::Error) -> Self {
        Self::Aerospike(err)
    }
}

/// The facts every exception carries: message, result code, in_doubt, node.
type Facts = (String, i32, bool, Option<String>);

/// `raise!(Class, facts)`: the exception of that class, carrying `facts`, as a `Raised`.
macro_rules! raise {
    ($class:ident, $facts:expr) => {{
        let facts: Facts = $facts;
        Raised { class: stringify!($class), code: facts.1, err: PyErr::new::<$class, Facts>(facts) }
    }};
}

/// A `ParamError` (also a `ValueError`): bad input found before anything was sent.
pub(crate) fn param_error(message: impl Into<String>) -> PyErr {
    raise!(ParamError, (message.into(), PARAM_ERROR, false, None)).err
}

/// A `ClientError` raised by this client's own checks.
pub(crate) fn client_error(message: impl Into<String>) -> PyErr {
    raise!(ClientError, (message.into(), CLIENT_ERROR, false, None)).err
}

/// An exception chosen for a failure, with its class name and result code at hand for metrics
/// and traces (`observe.rs`) without the GIL.
pub(crate) struct Raised {
    pub(crate) class: &'static str,
    pub(crate) code: i32,
    pub(crate) err: PyErr,
}



pub(crate) fn to_py(err: AsError) -> PyErr {
    raised(&err).err
}

/// The exception `err` raises, with its class name and code.
pub(crate) fn raised(err: &AsError) -> Raised {
    match err {
        AsError::Client(message) => raise!(ClientError, (message.clone(), CLIENT_ERROR, false, None)),
        AsError::Backpressure(message) => raise!(BackpressureError, (message.clone(), CLIENT_ERROR, false, None)),
        AsError::Aerospike(err) => from_aerospike(err),
        AsError::Direct(err) => from_direct(err),
    }
}

/// A direct read's failure (a batch or a single record), as the crate's failure of the same kind raises: the total
/// timeout a timeout, retries run out MaxRetriesExceeded, a connection's failure a
/// ConnectionError, bytes that are not an answer a ClientError, a refused login its security
/// class.
fn from_direct(err: &direct::Error) -> Raised {
    let facts = |code: i32| -> Facts { (err.to_string(), code, false, err.node().map(str::to_owned)) };
    match err {
        direct::Error::Timeout { .. } => raise!(AerospikeTimeoutError, facts(TIMEOUT)),
        // The server refused every attempt (TIMEOUT, KEY_BUSY, ...): its answer, as `from_aerospike` raises it.
        direct::Error::MaxRetries { cause, .. } => match **cause {
            direct::Error::Server { result_code, .. } => for_server_code(i32::from(result_code), facts(i32::from(result_code))),
            _ => raise!(MaxRetriesExceeded, facts(MAX_RETRIES_EXCEEDED)),
        },
        direct::Error::Network { .. } => raise!(ConnectionError, facts(CONNECTION)),
        direct::Error::BadAnswer { .. } => raise!(ClientError, facts(CLIENT_ERROR)),
        // A login refused with a security code: its own class, as a refused seed login raises.
        // A command's answer (a single-record read's KEY_NOT_FOUND, FILTERED_OUT, ...): the class of its code.
        direct::Error::Refused { result_code, .. } | direct::Error::Server { result_code, .. } => for_server_code(i32::from(*result_code), facts(i32::from(*result_code))),
    }
}

fn from_aerospike(err: &aerospike::Error) -> Raised {
    let node = err.node().map(str::to_owned);
    let message = describe(err, node.as_deref());
    let code = err.result_code();
    let facts = |code: i32| -> Facts { (message.clone(), code, err.in_doubt(), node.clone()) };
    match err.kind() {
        ErrorKind::Timeout if code == i32::from(ClientResultCode::MaxRetriesExceeded) => match refused_by_server(err) {
            // The server refused every attempt (11, 14, 18, ...): raise its answer, as the C
            // client does (as_command.c returns the last server status once retries run out),
            // in doubt only if more than one attempt reached it (as_error_set_in_doubt), a fact
            // the crate computed for that server error. The wrapper's own flag counts any sent
            // attempt of a write, so a refusal with max_retries=0 would read as in doubt.
            Some(refusal) => {
                let rc = refusal.result_code();
                for_server_code(rc, (message.clone(), rc, refusal.in_doubt(), node.clone()))
            }
            None => raise!(MaxRetriesExceeded, facts(MAX_RETRIES_EXCEEDED)),
        },
        ErrorKind::Timeout => raise!(AerospikeTimeoutError, facts(code)),
        // A login refused by every seed is the server's security answer, not a network fault:
        // raise its own class (InvalidCredential, NotWhitelisted, ...), as the official client does.
        ErrorKind::Connection => match security_code_in(&message) {
            Some(code) => for_security_code(code, facts(code)),
            None => raise!(ConnectionError, facts(CONNECTION)),
        },
        ErrorKind::Io(_) => raise!(ConnectionError, facts(CONNECTION)),
        ErrorKind::ConnectionPoolEmpty | ErrorKind::NoMoreConnections => {
            raise!(NoMoreConnectionsError, facts(NO_MORE_CONNECTIONS))
        }
        ErrorKind::MaxErrorRate => raise!(MaxErrorRateExceeded, facts(MAX_ERROR_RATE)),
        ErrorKind::InvalidNode => raise!(InvalidNodeError, facts(INVALID_NODE)),
        ErrorKind::InvalidNamespace => raise!(NamespaceNotFound, facts(code)),
        // The crate's own argument checks: a ParamError like every other (-2), not the
        // server's "parameter error" (4), which a server answer raises as InvalidRequest.
        ErrorKind::InvalidArgument => raise!(ParamError, facts(PARAM_ERROR)),
        ErrorKind::StreamTerminated => raise!(ClientAbortError, facts(CLIENT_ABORT)),
        ErrorKind::Commit { .. } => raise!(TransactionFailed, facts(code)),
        ErrorKind::Server { .. } => for_server_code(code, facts(code)),
        _ if code >= 0 => for_server_code(code, facts(code)),
        _ => for_client_code(code, facts),
    }
}

/// The server's answer behind a MaxRetriesExceeded, when the last attempt got one (not when it
/// ended in a timeout, a reset or a refused connection: those stay MaxRetriesExceeded).
fn refused_by_server(err: &aerospike::Error) -> Option<&aerospike::Error> {
    let last = err.cause()?;
    matches!(last.kind(), ErrorKind::Server { .. }).then_some(last)
}

/// The official client's codes for client-side failures (the crate numbers them as the Java
/// client does): what `result_code` carries, so it compares with the AEROSPIKE_ERR_* constants.
const CLIENT_ABORT: i32 = -5;
/// A command's total timeout ran out (the official client's AEROSPIKE_ERR_TIMEOUT).
const TIMEOUT: i32 = 9;
const NO_MORE_CONNECTIONS: i32 = -7;
const INVALID_NODE: i32 = -8;
const CONNECTION: i32 = -10;
const MAX_RETRIES_EXCEEDED: i32 = -12;
const MAX_ERROR_RATE: i32 = -14;

/// A failure the crate reports with a client-side code, by the official client's class and code.
fn for_client_code(code: i32, facts: impl Fn(i32) -> Facts) -> Raised {
    match ClientResultCode::from(code) {
        ClientResultCode::InvalidNodeError => raise!(InvalidNodeError, facts(INVALID_NODE)),
        ClientResultCode::ScanTerminated | ClientResultCode::QueryTerminated => {
            raise!(ClientAbortError, facts(CLIENT_ABORT))
        }
        ClientResultCode::NoMoreConnections => raise!(NoMoreConnectionsError, facts(NO_MORE_CONNECTIONS)),
        ClientResultCode::ServerNotAvailable => raise!(ConnectionError, facts(CONNECTION)),
        ClientResultCode::MaxRetriesExceeded => raise!(MaxRetriesExceeded, facts(MAX_RETRIES_EXCEEDED)),
        ClientResultCode::MaxErrorRate => raise!(MaxErrorRateExceeded, facts(MAX_ERROR_RATE)),
        ClientResultCode::NoResponse => raise!(NoResponse, facts(-15)),
        ClientResultCode::BatchFailed => raise!(BatchFailed, facts(-16)),
        ClientResultCode::TxnFailed => raise!(TransactionFailed, facts(-17)),
        ClientResultCode::TxnAlreadyCommitted => raise!(TransactionAlreadyCommitted, facts(-18)),
        ClientResultCode::TxnAlreadyAborted => raise!(TransactionAlreadyAborted, facts(-19)),
        _ => raise!(ClientError, facts(CLIENT_ERROR)),
    }
}

/// The class for each server result code; codes not listed are a plain `ServerError`.
fn for_server_code(code: i32, facts: Facts) -> Raised {
    match code {
        2 => raise!(RecordNotFound, facts),
        3 => raise!(RecordGenerationError, facts),
        4 => raise!(InvalidRequest, facts),
        5 => raise!(RecordExistsError, facts),
        6 => raise!(BinExistsError, facts),
        7 => raise!(ClusterChangeError, facts),
        8 => raise!(ServerFull, facts),
        9 => raise!(AerospikeTimeoutError, facts),
        10 => raise!(AlwaysForbidden, facts),
        11 => raise!(ClusterError, facts),
        12 => raise!(BinTypeError, facts),
        13 => raise!(RecordTooBig, facts),
        14 => raise!(RecordBusy, facts),
        15 => raise!(ScanAbortedError, facts),
        16 => raise!(UnsupportedFeature, facts),
        17 => raise!(BinNotFound, facts),
        18 => raise!(DeviceOverload, facts),
        19 => raise!(RecordKeyMismatch, facts),
        20 => raise!(NamespaceNotFound, facts),
        21 => raise!(BinNameError, facts),
        22 => raise!(ForbiddenError, facts),
        23 => raise!(ElementNotFoundError, facts),
        24 => raise!(ElementExistsError, facts),
        25 => raise!(EnterpriseOnly, facts),
        26 => raise!(OpNotApplicable, facts),
        27 => raise!(FilteredOut, facts),
        28 => raise!(LostConflict, facts),
        50..=89 => for_security_code(code, facts),
        100 => raise!(UDFError, facts),
        150 => raise!(BatchDisabledError, facts),
        151 => raise!(BatchMaxRequestError, facts),
        152 => raise!(BatchQueueFullError, facts),
        160 => raise!(InvalidGeoJSON, facts),
        200 => raise!(IndexFoundError, facts),
        201 => raise!(IndexNotFound, facts),
        202 => raise!(IndexOOM, facts),
        203 => raise!(IndexNotReadable, facts),
        205 => raise!(IndexNameMaxLen, facts),
        206 => raise!(IndexNameMaxCount, facts),
        204 | 207..=209 => raise!(AerospikeIndexError, facts),
        210 => raise!(QueryAbortedError, facts),
        211 => raise!(QueryQueueFull, facts),
        212 => raise!(QueryTimeout, facts),
        213..=219 => raise!(QueryError, facts),
        _ => raise!(ServerError, facts),
    }
}

/// The first security result code (50-89) a connect failure quotes from a node's answer: the
/// crate lists each seed's error as text, "host Error 65, node=...: Invalid credential".
fn security_code_in(message: &str) -> Option<i32> {
    message.match_indices("Error ").find_map(|(at, _)| {
        let rest = &message[at + "Error ".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let code: i32 = digits.parse().ok()?;
        ((50..=89).contains(&code) && rest[digits.len()..].starts_with(',')).then_some(code)
    })
}

/// What to do about a security answer: the server's text names the code, not the remedy.
fn security_hint(code: i32) -> Option<&'static str> {
    Some(match code {
        51 => "this server has no security (Aerospike Community Edition): admin commands and logins need Aerospike Enterprise with security enabled; connect without a user",
        52 => "security is not enabled on this server: connect without a user and password",
        60 => "no such user: check the name, or create it with admin_create_user",
        61 => "a user of that name exists: drop it first or pick another name",
        62 => "the password is not acceptable (a user changing their own password must give the current one at login)",
        65 => "wrong user or password",
        66 => "the session expired: reconnect to log in again",
        70 => "no such role (or a predefined role that cannot be changed): check the name, or create it with admin_create_role",
        71 => "a role of that name exists: drop it first or pick another name",
        72 => "invalid privilege: global privileges (user-admin, sys-admin, data-admin, udf-admin, sindex-admin) take no namespace or set",
        73 => "invalid whitelist: entries are IP addresses or CIDR blocks",
        74 => "quotas are not enabled on this server (enable-quotas in its security configuration)",
        80 => "not authenticated: this server has security enabled; connect with a user and password (connect(user, password) or config \"user\"/\"password\")",
        81 => "the logged-in user's roles lack the privilege this command needs on this namespace/set: grant a role that has it (admin_grant_roles, admin_grant_privileges)",
        82 => "this client's address is not in the whitelist of the user's roles (admin_set_whitelist)",
        83 => "the role's quota (records per second) is exceeded: retry later, or raise it with admin_set_quotas",
        _ => return None,
    })
}

/// The security result codes (50-89), one `AdminError` subclass each, their message ending
/// with what to do about it.
fn for_security_code(code: i32, facts: Facts) -> Raised {
    let facts = match security_hint(code) {
        Some(hint) if !facts.0.contains(hint) => (format!("{}: {hint}", facts.0.trim_end()), facts.1, facts.2, facts.3),
        _ => facts,
    };
    match code {
        51 => raise!(SecurityNotSupported, facts),
        52 => raise!(SecurityNotEnabled, facts),
        53 => raise!(SecuritySchemeNotSupported, facts),
        54 => raise!(InvalidCommand, facts),
        55 => raise!(InvalidField, facts),
        56 => raise!(IllegalState, facts),
        60 => raise!(InvalidUser, facts),
        61 => raise!(UserExistsError, facts),
        62 => raise!(InvalidPassword, facts),
        63 => raise!(ExpiredPassword, facts),
        64 => raise!(ForbiddenPassword, facts),
        65 => raise!(InvalidCredential, facts),
        66 => raise!(ExpiredSession, facts),
        70 => raise!(InvalidRole, facts),
        71 => raise!(RoleExistsError, facts),
        72 => raise!(InvalidPrivilege, facts),
        73 => raise!(InvalidWhitelist, facts),
        74 => raise!(QuotasNotEnabled, facts),
        75 => raise!(InvalidQuota, facts),
        80 => raise!(NotAuthenticated, facts),
        81 => raise!(RoleViolation, facts),
        82 => raise!(NotWhitelisted, facts),
        83 => raise!(QuotaExceeded, facts),
        _ => raise!(AdminError, facts),
    }
}

/// The class a server result code raises, as a `PyErr` with that code and `message`: the one
/// way another file (a per-record batch result, an admin answer) turns a code into an exception.
pub(crate) fn for_result_code(code: i32, message: impl Into<String>, in_doubt: bool, node: Option<String>) -> PyErr {
    let facts: Facts = (message.into(), code, in_doubt, node);
    if code >= 0 { for_server_code(code, facts).err } else { for_client_code(code, |c| (facts.0.clone(), c, facts.2, facts.3.clone())).err }
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
    if let Some(hint) = crate::policy::tls::explain(&message) {
        message = format!("{hint}: {message}");
    }
    match node {
        Some(node) if !message.contains(node) => format!("{message} (node {node})"),
        _ => message,
    }
}

/// Re-raises `err` with `where_` in front of its message, keeping its class and, for an
/// `AerospikeError`, its facts (`result_code`, `in_doubt`, `node`): the one way an argument error
/// names the argument it came from (`keys[3]: ...`, `bin "x": ...`).
pub(crate) fn with_context(py: pyo3::Python<'_>, err: PyErr, where_: &str) -> PyErr {
    use pyo3::types::PyAnyMethods;
    let value = err.value(py);
    let message = format!("{where_}: {value}");
    let ty = err.get_type(py);
    let rebuilt = if value.is_instance_of::<AerospikeError>() {
        let code = value.getattr("result_code").and_then(|c| c.extract::<i32>()).unwrap_or(CLIENT_ERROR);
        let in_doubt = value.getattr("in_doubt").and_then(|d| d.extract::<bool>()).unwrap_or(false);
        let node = value.getattr("node").and_then(|n| n.extract::<Option<String>>()).unwrap_or(None);
        ty.call1((message, code, in_doubt, node))
    } else {
        ty.call1((message,))
    };
    match rebuilt {
        Ok(new) => {
            let new = PyErr::from_value(new);
            new.set_cause(py, err.cause(py));
            new
        }
        Err(_) => err,
    }
}
