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
        AsError::Backpressure(message) => PyErr::new::<BackpressureError, Facts>((message, CLIENT_ERROR, false, None)),
        AsError::Aerospike(err) => from_aerospike(&err),
    }
}

fn from_aerospike(err: &aerospike::Error) -> PyErr {
    let node = err.node().map(str::to_owned);
    let message = describe(err, node.as_deref());
    let code = err.result_code();
    let facts = |code: i32| -> Facts { (message.clone(), code, err.in_doubt(), node.clone()) };
    match err.kind() {
        ErrorKind::Timeout if code == i32::from(ClientResultCode::MaxRetriesExceeded) => {
            PyErr::new::<MaxRetriesExceeded, _>(facts(MAX_RETRIES_EXCEEDED))
        }
        ErrorKind::Timeout => PyErr::new::<AerospikeTimeoutError, _>(facts(code)),
        // A login refused by every seed is the server's security answer, not a network fault:
        // raise its own class (InvalidCredential, NotWhitelisted, ...), as the official client does.
        ErrorKind::Connection => match security_code_in(&message) {
            Some(code) => for_security_code(code, facts(code)),
            None => PyErr::new::<ConnectionError, _>(facts(CONNECTION)),
        },
        ErrorKind::Io(_) => PyErr::new::<ConnectionError, _>(facts(CONNECTION)),
        ErrorKind::ConnectionPoolEmpty | ErrorKind::NoMoreConnections => {
            PyErr::new::<NoMoreConnectionsError, _>(facts(NO_MORE_CONNECTIONS))
        }
        ErrorKind::MaxErrorRate => PyErr::new::<MaxErrorRateExceeded, _>(facts(MAX_ERROR_RATE)),
        ErrorKind::InvalidNode => PyErr::new::<InvalidNodeError, _>(facts(INVALID_NODE)),
        ErrorKind::InvalidNamespace => PyErr::new::<NamespaceNotFound, _>(facts(code)),
        // The crate's own argument checks: a ParamError like every other (-2), not the
        // server's "parameter error" (4), which a server answer raises as InvalidRequest.
        ErrorKind::InvalidArgument => PyErr::new::<ParamError, _>(facts(PARAM_ERROR)),
        ErrorKind::StreamTerminated => PyErr::new::<ClientAbortError, _>(facts(CLIENT_ABORT)),
        ErrorKind::Commit { .. } => PyErr::new::<TransactionFailed, _>(facts(code)),
        ErrorKind::Server { .. } => for_server_code(code, facts(code)),
        _ if code >= 0 => for_server_code(code, facts(code)),
        _ => for_client_code(code, facts),
    }
}

/// The official client's codes for client-side failures (the crate numbers them as the Java
/// client does): what `result_code` carries, so it compares with the AEROSPIKE_ERR_* constants.
const CLIENT_ABORT: i32 = -5;
const NO_MORE_CONNECTIONS: i32 = -7;
const INVALID_NODE: i32 = -8;
const CONNECTION: i32 = -10;
const MAX_RETRIES_EXCEEDED: i32 = -12;
const MAX_ERROR_RATE: i32 = -14;

/// A failure the crate reports with a client-side code, by the official client's class and code.
fn for_client_code(code: i32, facts: impl Fn(i32) -> Facts) -> PyErr {
    match ClientResultCode::from(code) {
        ClientResultCode::InvalidNodeError => PyErr::new::<InvalidNodeError, _>(facts(INVALID_NODE)),
        ClientResultCode::ScanTerminated | ClientResultCode::QueryTerminated => {
            PyErr::new::<ClientAbortError, _>(facts(CLIENT_ABORT))
        }
        ClientResultCode::NoMoreConnections => PyErr::new::<NoMoreConnectionsError, _>(facts(NO_MORE_CONNECTIONS)),
        ClientResultCode::ServerNotAvailable => PyErr::new::<ConnectionError, _>(facts(CONNECTION)),
        ClientResultCode::MaxRetriesExceeded => PyErr::new::<MaxRetriesExceeded, _>(facts(MAX_RETRIES_EXCEEDED)),
        ClientResultCode::MaxErrorRate => PyErr::new::<MaxErrorRateExceeded, _>(facts(MAX_ERROR_RATE)),
        ClientResultCode::NoResponse => PyErr::new::<NoResponse, _>(facts(-15)),
        ClientResultCode::BatchFailed => PyErr::new::<BatchFailed, _>(facts(-16)),
        ClientResultCode::TxnFailed => PyErr::new::<TransactionFailed, _>(facts(-17)),
        ClientResultCode::TxnAlreadyCommitted => PyErr::new::<TransactionAlreadyCommitted, _>(facts(-18)),
        ClientResultCode::TxnAlreadyAborted => PyErr::new::<TransactionAlreadyAborted, _>(facts(-19)),
        _ => PyErr::new::<ClientError, _>(facts(CLIENT_ERROR)),
    }
}

/// The class for each server result code; codes not listed are a plain `ServerError`.
fn for_server_code(code: i32, facts: Facts) -> PyErr {
    match code {
        2 => PyErr::new::<RecordNotFound, _>(facts),
        3 => PyErr::new::<RecordGenerationError, _>(facts),
        4 => PyErr::new::<InvalidRequest, _>(facts),
        5 => PyErr::new::<RecordExistsError, _>(facts),
        6 => PyErr::new::<BinExistsError, _>(facts),
        7 => PyErr::new::<ClusterChangeError, _>(facts),
        8 => PyErr::new::<ServerFull, _>(facts),
        9 => PyErr::new::<AerospikeTimeoutError, _>(facts),
        10 => PyErr::new::<AlwaysForbidden, _>(facts),
        11 => PyErr::new::<ClusterError, _>(facts),
        12 => PyErr::new::<BinTypeError, _>(facts),
        13 => PyErr::new::<RecordTooBig, _>(facts),
        14 => PyErr::new::<RecordBusy, _>(facts),
        15 => PyErr::new::<ScanAbortedError, _>(facts),
        16 => PyErr::new::<UnsupportedFeature, _>(facts),
        17 => PyErr::new::<BinNotFound, _>(facts),
        18 => PyErr::new::<DeviceOverload, _>(facts),
        19 => PyErr::new::<RecordKeyMismatch, _>(facts),
        20 => PyErr::new::<NamespaceNotFound, _>(facts),
        21 => PyErr::new::<BinNameError, _>(facts),
        22 => PyErr::new::<ForbiddenError, _>(facts),
        23 => PyErr::new::<ElementNotFoundError, _>(facts),
        24 => PyErr::new::<ElementExistsError, _>(facts),
        25 => PyErr::new::<EnterpriseOnly, _>(facts),
        26 => PyErr::new::<OpNotApplicable, _>(facts),
        27 => PyErr::new::<FilteredOut, _>(facts),
        28 => PyErr::new::<LostConflict, _>(facts),
        50..=89 => for_security_code(code, facts),
        100 => PyErr::new::<UDFError, _>(facts),
        150 => PyErr::new::<BatchDisabledError, _>(facts),
        151 => PyErr::new::<BatchMaxRequestError, _>(facts),
        152 => PyErr::new::<BatchQueueFullError, _>(facts),
        160 => PyErr::new::<InvalidGeoJSON, _>(facts),
        200 => PyErr::new::<IndexFoundError, _>(facts),
        201 => PyErr::new::<IndexNotFound, _>(facts),
        202 => PyErr::new::<IndexOOM, _>(facts),
        203 => PyErr::new::<IndexNotReadable, _>(facts),
        205 => PyErr::new::<IndexNameMaxLen, _>(facts),
        206 => PyErr::new::<IndexNameMaxCount, _>(facts),
        204 | 207..=209 => PyErr::new::<AerospikeIndexError, _>(facts),
        210 => PyErr::new::<QueryAbortedError, _>(facts),
        211 => PyErr::new::<QueryQueueFull, _>(facts),
        212 => PyErr::new::<QueryTimeout, _>(facts),
        213..=219 => PyErr::new::<QueryError, _>(facts),
        _ => PyErr::new::<ServerError, _>(facts),
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
fn for_security_code(code: i32, facts: Facts) -> PyErr {
    let facts = match security_hint(code) {
        Some(hint) if !facts.0.contains(hint) => (format!("{}: {hint}", facts.0.trim_end()), facts.1, facts.2, facts.3),
        _ => facts,
    };
    match code {
        51 => PyErr::new::<SecurityNotSupported, _>(facts),
        52 => PyErr::new::<SecurityNotEnabled, _>(facts),
        53 => PyErr::new::<SecuritySchemeNotSupported, _>(facts),
        54 => PyErr::new::<InvalidCommand, _>(facts),
        55 => PyErr::new::<InvalidField, _>(facts),
        56 => PyErr::new::<IllegalState, _>(facts),
        60 => PyErr::new::<InvalidUser, _>(facts),
        61 => PyErr::new::<UserExistsError, _>(facts),
        62 => PyErr::new::<InvalidPassword, _>(facts),
        63 => PyErr::new::<ExpiredPassword, _>(facts),
        64 => PyErr::new::<ForbiddenPassword, _>(facts),
        65 => PyErr::new::<InvalidCredential, _>(facts),
        66 => PyErr::new::<ExpiredSession, _>(facts),
        70 => PyErr::new::<InvalidRole, _>(facts),
        71 => PyErr::new::<RoleExistsError, _>(facts),
        72 => PyErr::new::<InvalidPrivilege, _>(facts),
        73 => PyErr::new::<InvalidWhitelist, _>(facts),
        74 => PyErr::new::<QuotasNotEnabled, _>(facts),
        75 => PyErr::new::<InvalidQuota, _>(facts),
        80 => PyErr::new::<NotAuthenticated, _>(facts),
        81 => PyErr::new::<RoleViolation, _>(facts),
        82 => PyErr::new::<NotWhitelisted, _>(facts),
        83 => PyErr::new::<QuotaExceeded, _>(facts),
        _ => PyErr::new::<AdminError, _>(facts),
    }
}

/// The class a server result code raises, as a `PyErr` with that code and `message`: the one
/// way another file (a per-record batch result, an admin answer) turns a code into an exception.
pub(crate) fn for_result_code(code: i32, message: impl Into<String>, in_doubt: bool, node: Option<String>) -> PyErr {
    let facts: Facts = (message.into(), code, in_doubt, node);
    if code >= 0 { for_server_code(code, facts) } else { for_client_code(code, |c| (facts.0.clone(), c, facts.2, facts.3.clone())) }
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
