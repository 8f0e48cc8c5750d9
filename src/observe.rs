//! Binds the `observability` crate to the commands and to Python: each command's `Cmd` (metrics
//! series, trace span, stage clocks), the Python functions of the observability API, the
//! `log` records of the Rust side forwarded to Python's `logging`, and the node figures read from
//! live clients at scrape time. With metrics, stage profiling and tracing off, a command costs
//! two relaxed atomic loads here: no clock read, no lookup, no allocation.
//!
//! A span is started with the GIL the call holds anyway, and a command that succeeds ends it
//! where its answer becomes a Python object (the caller's thread, or the event loop's), stamped
//! with the time the command ended: no runtime thread takes the GIL for it. Failures and query
//! runs, which are rare next to commands, end theirs where they end.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use observability::logqueue::{LogQueue, Record};
use observability::metrics::{self, NodeStats, Series, Stage};
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;

use crate::errors::{self, AsError};

/// What a command's labels come from: its namespace and set (never its key), and how many
/// records it carries (batches).
pub(crate) trait Labels {
    fn namespace(&self) -> &str;
    fn set(&self) -> &str;
    fn records(&self) -> u64 {
        0
    }
}

impl Labels for aerospike::Key {
    fn namespace(&self) -> &str {
        self.namespace()
    }
    fn set(&self) -> &str {
        self.set_name()
    }
}

/// `init_tracing` ran and a tracer is installed: commands open spans through `TRACER`.
static TRACING: AtomicBool = AtomicBool::new(false);
/// `aerospike_py._tracing`'s `(start, end)` functions while tracing is on.
static TRACER: Mutex<Option<(Py<PyAny>, Py<PyAny>)>> = Mutex::new(None);

/// The clock for the parse stage, read only when stage profiling is on.
#[inline]
pub(crate) fn stage_clock() -> Option<Instant> {
    metrics::stages_enabled().then(Instant::now)
}

/// What one command records: built with the GIL held before the command runs, finished on the
/// runtime when it ends (`Connection::limited`).
pub(crate) struct Cmd {
    series: Option<&'static Series>,
    /// When the command was issued: its latency is measured from here (metrics on).
    issued: Option<Instant>,
    /// The send stage starts here (stage profiling on).
    ready: Option<Instant>,
    /// Where the send stage ended (`started`), once.
    started: Option<Instant>,
    span: Option<Py<PyAny>>,
}

impl Cmd {
    #[inline]
    pub(crate) fn new<'a>(py: Python<'_>, op: &'static str, labels: &impl Labels, parse_started: Option<Instant>, server: impl FnOnce() -> Option<(&'a str, u16)>) -> Cmd {
        let (timed, staged, traced) = (metrics::enabled(), parse_started.is_some(), TRACING.load(Relaxed));
        if !(timed || staged || traced) {
            return Cmd { series: None, issued: None, ready: None, started: None, span: None };
        }
        let server = if traced { server() } else { None };
        Self::observed(py, op, labels, parse_started, timed, traced, server)
    }

    #[cold]
    fn observed(py: Python<'_>, op: &'static str, labels: &impl Labels, parse_started: Option<Instant>, timed: bool, traced: bool, server: Option<(&str, u16)>) -> Cmd {
        let series = (timed || parse_started.is_some()).then(|| metrics::series(op, labels.namespace(), labels.set()));
        if let Some(series) = series {
            if timed && labels.records() > 0 {
                series.add_records(labels.records());
            }
            if let Some(started) = parse_started {
                series.stage(Stage::Parse, started.elapsed());
            }
        }
        let span = if traced { start_span(py, op, labels.namespace(), labels.set(), server) } else { None };
        let now = Instant::now();
        Cmd { series, issued: timed.then_some(now), ready: parse_started.map(|_| now), started: None, span }
    }

    /// The command started (after any `max_concurrent_operations` wait): on the caller's
    /// thread or on the runtime. A command that starts on the caller's thread and goes on on the
    /// runtime started once, at the first.
    pub(crate) fn started(&mut self) -> Option<Instant> {
        if self.started.is_none() {
            let (series, ready) = (self.series?, self.ready?);
            let now = Instant::now();
            series.stage(Stage::Send, now - ready);
            self.started = Some(now);
        }
        self.started
    }

    /// Records how the command ended. A failure ends its span here; an answer carries the span
    /// (and the convert stage's series) to where it becomes a Python object, which holds the GIL
    /// anyway: the runtime thread never takes the GIL for a command that succeeded.
    /// `retries_of_success`: the re-sends of a command that succeeded (`note_retries`); a
    /// failure's are the attempts its error reports.
    pub(crate) fn finish<T>(mut self, started: Option<Instant>, out: Result<T, AsError>, retries_of_success: u64) -> Result<Observed<T>, AsError> {
        if self.series.is_none() && self.span.is_none() {
            // Nothing observed: not even a failure is looked at.
            return out.map(|value| Observed { value, convert: None, span: None });
        }
        let now = Instant::now();
        if let (Some(series), Some(started)) = (self.series, started) {
            series.stage(Stage::Wait, now - started);
        }
        let (series, issued) = (self.series.filter(|_| self.issued.is_some()), self.issued);
        match out {
            Ok(value) => {
                if let (Some(series), Some(issued)) = (series, issued) {
                    series.success(now - issued);
                    series.add_retries(retries_of_success);
                }
                let convert = self.series.filter(|_| metrics::stages_enabled());
                Ok(Observed { value, convert, span: self.span.take().map(|span| Ending { span: Some(span), at: wall_clock_ns() }) })
            }
            Err(err) => {
                let raised = errors::raised(&err);
                if let (Some(series), Some(issued)) = (series, issued) {
                    series.failure(now - issued, raised.code, raised.class, is_timeout(raised.class));
                    series.add_retries(retries(&err));
                }
                if let Some(span) = self.span.take() {
                    end_span(span, Some(raised), wall_clock_ns(), None);
                }
                Err(err)
            }
        }
    }
}

impl Drop for Cmd {
    /// A command dropped before it ended (Ctrl-C, a cancelled task) still ends its span.
    fn drop(&mut self) {
        if let Some(span) = self.span.take() {
            end_span(span, Some(errors::raised(&AsError::Client("the command was cancelled".into()))), wall_clock_ns(), None);
        }
    }
}

tokio::task_local! {
    /// The re-sends of the command running in this task that succeeded in the end.
    static RETRIES_OF_SUCCESS: std::cell::Cell<u64>;
}

/// Runs a command, with what it says through `note_retries`.
pub(crate) async fn counting_retries<T>(command: impl std::future::Future<Output = T>) -> (T, u64) {
    RETRIES_OF_SUCCESS
        .scope(std::cell::Cell::new(0), async {
            let out = command.await;
            (out, RETRIES_OF_SUCCESS.with(std::cell::Cell::get))
        })
        .await
}

/// A command that succeeded after `n` re-sends says so (the client's own I/O knows its
/// attempts; the crate reports them only with an error). Outside `counting_retries`, nothing.
pub(crate) fn note_retries(n: usize) {
    if n > 0 {
        let _ = RETRIES_OF_SUCCESS.try_with(|count| count.set(count.get() + n as u64));
    }
}

/// Re-sends after the first attempt of a command that failed: the attempts its error reports,
/// less one. (The crate reports them only with an error; see `docs/observability.md`.)
pub(crate) fn retries(err: &AsError) -> u64 {
    match err {
        AsError::Aerospike(e) => u64::from(e.iteration().unwrap_or(0).saturating_sub(1)),
        AsError::Direct(direct::Error::MaxRetries { attempts, .. } | direct::Error::Timeout { attempts, .. }) => (*attempts as u64).saturating_sub(1),
        _ => 0,
    }
}

/// A command's answer on its way to Python: converting it ends the command's span (at the time
/// the command ended) and, with stage profiling on, times the convert stage.
pub(crate) struct Observed<T> {
    value: T,
    convert: Option<&'static Series>,
    span: Option<Ending>,
}

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Observed<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    #[inline]
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Observed { value, convert, span } = self;
        if let Some(mut span) = span {
            span.end(py);
        }
        let Some(series) = convert else { return value.into_bound_py_any(py) };
        let started = Instant::now();
        let out = value.into_bound_py_any(py);
        series.stage(Stage::Convert, started.elapsed());
        out
    }
}

/// A span whose command succeeded, to end (at `at`) where the GIL is held.
struct Ending {
    span: Option<Py<PyAny>>,
    /// When the command ended, in nanoseconds since the epoch (OpenTelemetry's clock).
    at: u64,
}

impl Ending {
    fn end(&mut self, py: Python<'_>) {
        if let Some(span) = self.span.take() {
            // `Span.end(end_time)`: no Python helper in between for the common case.
            let _ = span.bind(py).call_method1(pyo3::intern!(py, "end"), (self.at,));
        }
    }
}

impl Drop for Ending {
    /// An answer nobody converted (its task was cancelled after the command ended).
    fn drop(&mut self) {
        if self.span.is_some() {
            crate::runtime::attach_unless_exiting(|py| self.end(py));
        }
    }
}

fn wall_clock_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

pub(crate) fn is_timeout(class: &str) -> bool {
    matches!(class, "AerospikeTimeoutError" | "QueryTimeout" | "MaxRetriesExceeded")
}

fn start_span(py: Python<'_>, op: &'static str, namespace: &str, set: &str, server: Option<(&str, u16)>) -> Option<Py<PyAny>> {
    let start = TRACER.lock().ok()?.as_ref().map(|(start, _)| start.clone_ref(py))?;
    let (address, port) = server.unzip();
    // A tracer that fails must not fail the command: the span is simply not made.
    start.call1(py, (op, namespace, set, address, port)).ok().filter(|span| !span.is_none(py))
}

/// Ends `span` at `at` (ns since the epoch) with the exception the command raises, if any, and
/// for a query the rows it returned and whether it was stopped before its end. Takes the GIL:
/// for failures and queries, not per record.
fn end_span(span: Py<PyAny>, raised: Option<errors::Raised>, at: u64, query: Option<(u64, bool)>) {
    crate::runtime::attach_unless_exiting(|py| {
        let Some(end) = TRACER.lock().ok().and_then(|t| t.as_ref().map(|(_, end)| end.clone_ref(py))) else {
            // Tracing was shut down while the command ran: end the span as it is.
            let _ = span.bind(py).call_method1(pyo3::intern!(py, "end"), (at,));
            return;
        };
        let exc = raised.map(|r| r.err.into_value(py).into_any());
        let (rows, stopped) = query.unzip();
        let _ = end.call1(py, (span, exc, at, rows, stopped.unwrap_or(false)));
    });
}

/// The span of one query or scan run (`ops::query::Feed`), started in the caller's context.
pub(crate) fn query_span(py: Python<'_>, conn: &crate::connection::Connection, op: &'static str, namespace: &str, set: &str) -> Option<Py<PyAny>> {
    if !TRACING.load(Relaxed) {
        return None;
    }
    start_span(py, op, namespace, set, conn.seed())
}

/// How a query run ended, for its span.
pub(crate) enum QueryEnd<'a> {
    /// Every record was handed out.
    Finished,
    /// Closed or dropped before its end (a `break`, `close()`, a cancelled task).
    Stopped,
    Failed(&'a AsError),
}

/// Ends a query's span: the rows it handed out (`db.response.returned_rows`), the error if it
/// failed, `aerospike.query.stopped` if it was closed before its end.
pub(crate) fn end_query_span(span: Py<PyAny>, end: QueryEnd<'_>, rows: u64) {
    let at = wall_clock_ns();
    match end {
        QueryEnd::Finished => end_span(span, None, at, Some((rows, false))),
        QueryEnd::Stopped => end_span(span, None, at, Some((rows, true))),
        QueryEnd::Failed(err) => end_span(span, Some(errors::raised(err)), at, Some((rows, false))),
    }
}

// ----- live clients: their nodes' connection pools at scrape time -------------------------------

fn live_clients() -> &'static Mutex<Vec<Weak<aerospike::Client>>> {
    static CLIENTS: OnceLock<Mutex<Vec<Weak<aerospike::Client>>>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        metrics::set_node_source(node_stats);
        Mutex::new(Vec::new())
    })
}

/// A newly connected client: its pools are reported while it lives, and the crate counts
/// connections opened and closed while metrics are on. Only the crate's Tier 0 (connection and
/// tend counters): its operational tier adds per-command work (sampling, its own latency
/// histograms, result-code maps) for figures we measure ourselves; retries, which only that tier
/// counts, are therefore not exported.
pub(crate) fn track(client: &Arc<aerospike::Client>) {
    if metrics::enabled() {
        enable_crate_metrics(client);
    }
    if let Ok(mut clients) = live_clients().lock() {
        clients.retain(|c| c.strong_count() > 0);
        clients.push(Arc::downgrade(client));
    }
    tokio::spawn(watch_nodes(Arc::downgrade(client)));
}

/// The direct clusters (`crates/direct`) of live clients: their connections count in the
/// connection metrics beside the crate's pools.
fn live_direct() -> &'static Mutex<Vec<Weak<direct::Cluster>>> {
    static CLUSTERS: Mutex<Vec<Weak<direct::Cluster>>> = Mutex::new(Vec::new());
    &CLUSTERS
}

/// A newly connected client's direct cluster: its connections are reported while it lives.
pub(crate) fn track_direct(cluster: &Arc<direct::Cluster>) {
    if let Ok(mut clusters) = live_direct().lock() {
        clusters.retain(|c| c.strong_count() > 0);
        clusters.push(Arc::downgrade(cluster));
    }
}

/// The clients being closed: their nodes going away is not news.
fn closing_clients() -> &'static Mutex<Vec<Weak<aerospike::Client>>> {
    static CLOSING: Mutex<Vec<Weak<aerospike::Client>>> = Mutex::new(Vec::new());
    &CLOSING
}

/// `client` is about to be closed (`connection::close`).
pub(crate) fn closing(client: &Arc<aerospike::Client>) {
    if let Ok(mut closing) = closing_clients().lock() {
        closing.retain(|c| c.strong_count() > 0);
        closing.push(Arc::downgrade(client));
    }
}

fn is_closing(client: &Weak<aerospike::Client>) -> bool {
    closing_clients().lock().map(|c| c.iter().any(|c| c.ptr_eq(client))).unwrap_or(true)
}

/// Logs the cluster's membership changes as the client's tend sees them: a node joining at INFO,
/// one leaving at WARNING (the crate itself logs these only at DEBUG). Ends with the client.
async fn watch_nodes(client: Weak<aerospike::Client>) {
    let mut known: Vec<(String, String)> = Vec::new();
    loop {
        if is_closing(&client) {
            return;
        }
        let Some(now) = client.upgrade().map(|c| {
            let mut nodes: Vec<(String, String)> = c.nodes().iter().map(|n| (n.name().to_owned(), n.address().to_owned())).collect();
            nodes.sort();
            nodes
        }) else {
            return;
        };
        for (name, address) in now.iter().filter(|n| !known.contains(n)) {
            log::info!(target: "_native::cluster", "node {name} ({address}) joined the cluster");
        }
        for (name, address) in known.iter().filter(|n| !now.contains(n)) {
            log::warn!(target: "_native::cluster", "node {name} ({address}) left the cluster");
        }
        known = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn enable_crate_metrics(client: &aerospike::Client) {
    if !client.metrics_enabled() {
        client.enable_metrics(aerospike::metrics::MetricsPolicy::default());
    }
}

fn each_client(f: impl Fn(&aerospike::Client)) {
    let clients: Vec<_> = live_clients().lock().map(|c| c.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for client in clients {
        f(&client);
    }
}

fn node_stats() -> Vec<NodeStats> {
    let mut out = Vec::new();
    let clients: Vec<_> = live_clients().lock().map(|c| c.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for client in clients {
        let counters = client.metrics().nodes;
        for node in client.nodes() {
            let pool = node.pool_gauges();
            let host = node.host().to_string();
            let c = counters.get(&host).map(|s| s.counters.clone()).unwrap_or_default();
            out.push(NodeStats {
                node: node.name().to_string(),
                address: node.address().to_string(),
                open: pool.total,
                in_use: pool.in_use(),
                created: c.connections_successful,
                closed: c.connections_closed,
            });
        }
    }
    let clusters: Vec<_> = live_direct().lock().map(|c| c.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for stats in clusters.iter().flat_map(|c| c.connection_stats()) {
        match out.iter_mut().find(|n| n.node == stats.node && n.address == stats.address) {
            Some(n) => {
                n.open += stats.open;
                n.in_use += stats.in_use;
                n.created += stats.created;
                n.closed += stats.closed;
            }
            None => out.push(stats),
        }
    }
    out
}

// ----- logging: the Rust side's `log` records to Python's `logging` -----------------------------

fn queue() -> &'static LogQueue {
    static QUEUE: OnceLock<LogQueue> = OnceLock::new();
    // Room for bursts (a cluster of nodes failing at once) without holding much memory.
    QUEUE.get_or_init(|| LogQueue::new(4096))
}

/// Python is finalizing: records are no longer delivered (WARN and ERROR go to stderr).
static PYTHON_GONE: AtomicBool = AtomicBool::new(false);

struct Bridge;

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = record.level();
        let message = record.args().to_string();
        if PYTHON_GONE.load(Relaxed) {
            queue().count_dropped();
            if level <= log::Level::Warn {
                eprintln!("[aerospike_py] {level} {}: {message}", record.target());
            }
            return;
        }
        queue().push(Record { level: level as u8, target: record.target().to_owned(), message });
    }

    fn flush(&self) {}
}

/// The Python logger a record goes to: `aerospike_py.<target>` with `::` as dots, our own crate
/// (`_native`) as `aerospike_py` itself.
fn logger_name(target: &str) -> String {
    let dotted = target.replace("::", ".");
    match dotted.strip_prefix("_native") {
        Some(rest) => format!("aerospike_py{rest}"),
        None => format!("aerospike_py.{dotted}"),
    }
}

/// Python's level for a `log` level (TRACE is 5, as in the seed project).
fn python_level(level: u8) -> i32 {
    match level {
        1 => 40,
        2 => 30,
        3 => 20,
        4 => 10,
        _ => 5,
    }
}

/// The `log` filter that lets through what Python's `aerospike_py` logger would take, so records
/// nobody wants are not even formatted.
fn filter_for(python_level: i64) -> log::LevelFilter {
    match python_level {
        i64::MIN..=5 => log::LevelFilter::Trace,
        6..=10 => log::LevelFilter::Debug,
        11..=20 => log::LevelFilter::Info,
        21..=30 => log::LevelFilter::Warn,
        31..=40 => log::LevelFilter::Error,
        _ => log::LevelFilter::Off,
    }
}

/// Reads the `aerospike_py` logger's effective level and filters the Rust side to match.
fn sync_level(py: Python<'_>) -> PyResult<()> {
    let logger = py.import("logging")?.call_method1("getLogger", ("aerospike_py",))?;
    let level: i64 = logger.call_method0("getEffectiveLevel")?.extract()?;
    log::set_max_level(filter_for(level));
    Ok(())
}

/// The thread that delivers queued records to Python. Between records it re-reads the logger's
/// level once a second, so `logging.getLogger("aerospike_py").setLevel(...)` takes effect on
/// the Rust side too.
fn deliver() {
    let Some(rx) = queue().take_receiver() else { return };
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(first) => {
                let mut batch = vec![first];
                batch.extend(rx.try_iter().take(255));
                let n = batch.len();
                let delivered = crate::runtime::attach_unless_exiting(|py| {
                    for record in batch {
                        let _ = emit(py, &record);
                        queue().delivered();
                    }
                });
                if delivered.is_none() {
                    PYTHON_GONE.store(true, Relaxed);
                    for _ in 0..n {
                        queue().count_dropped();
                        queue().delivered();
                    }
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if !PYTHON_GONE.load(Relaxed) && crate::runtime::attach_unless_exiting(sync_level).is_none() {
                    PYTHON_GONE.store(true, Relaxed);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn emit(py: Python<'_>, record: &Record) -> PyResult<()> {
    let logger = py.import("logging")?.call_method1("getLogger", (logger_name(&record.target),))?;
    logger.call_method1("log", (python_level(record.level), "%s", &record.message))?;
    Ok(())
}

/// Installs the bridge (once per process): called when `_native` is imported.
pub(crate) fn init(py: Python<'_>) -> PyResult<()> {
    if log::set_boxed_logger(Box::new(Bridge)).is_ok() {
        sync_level(py)?;
        std::thread::Builder::new()
            .name("aerospike-py-log".into())
            .spawn(deliver)
            .map_err(|e| errors::client_error(format!("cannot start the log thread: {e}")))?;
    }
    if let Ok(v) = std::env::var("AEROSPIKE_PY_INTERNAL_METRICS") {
        metrics::set_stages_enabled(matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"));
    }
    Ok(())
}

// ----- the Python API (re-exported and documented in aerospike_py/__init__.py) ------------------

/// The metrics in the Prometheus text format.
#[pyfunction]
pub(crate) fn get_metrics(py: Python<'_>) -> String {
    py.detach(observability::exposition::render)
}

/// Serves `get_metrics()` at `http://addr:port/metrics` from a Rust thread; returns the port.
#[pyfunction]
#[pyo3(signature = (port=9464, addr="0.0.0.0"))]
pub(crate) fn start_metrics_server(py: Python<'_>, port: u16, addr: &str) -> PyResult<u16> {
    let at = py
        .detach(|| observability::http::start_global(addr, port))
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot serve metrics on {addr}:{port}: {e}")))?;
    Ok(at.port())
}

#[pyfunction]
pub(crate) fn stop_metrics_server(py: Python<'_>) {
    py.detach(observability::http::stop_global);
}

#[pyfunction]
pub(crate) fn set_metrics_enabled(enabled: bool) {
    metrics::set_enabled(enabled);
    each_client(|client| {
        if enabled {
            enable_crate_metrics(client);
        } else {
            client.disable_metrics();
        }
    });
}

#[pyfunction]
pub(crate) fn is_metrics_enabled() -> bool {
    metrics::enabled()
}

#[pyfunction]
pub(crate) fn set_internal_stage_metrics_enabled(enabled: bool) {
    metrics::set_stages_enabled(enabled);
}

#[pyfunction]
pub(crate) fn is_internal_stage_metrics_enabled() -> bool {
    metrics::stages_enabled()
}

#[pyfunction]
pub(crate) fn dropped_log_count() -> u64 {
    queue().dropped()
}

/// Makes the Rust side's level filter follow the `aerospike_py` logger now (`set_log_level`).
#[pyfunction]
pub(crate) fn _sync_log_level(py: Python<'_>) -> PyResult<()> {
    sync_level(py)
}

/// Waits until every record logged so far reached Python's `logging` (tests, shutdown).
#[pyfunction]
#[pyo3(signature = (timeout=5.0))]
pub(crate) fn _flush_logs(py: Python<'_>, timeout: f64) -> bool {
    py.detach(|| queue().flush(Duration::from_secs_f64(timeout.max(0.0))))
}

/// Installs (`start`, `end`) span functions, or removes them with None (`init_tracing`,
/// `shutdown_tracing`).
#[pyfunction]
#[pyo3(signature = (hooks=None))]
pub(crate) fn _set_tracer(hooks: Option<(Py<PyAny>, Py<PyAny>)>) {
    let on = hooks.is_some();
    if let Ok(mut tracer) = TRACER.lock() {
        *tracer = hooks;
    }
    TRACING.store(on, Relaxed);
}

/// Logs through the bridge as the crate would (tests of the bridge and its levels).
#[pyfunction]
pub(crate) fn _log(level: u8, target: &str, message: &str) {
    let level = match level {
        1 => log::Level::Error,
        2 => log::Level::Warn,
        3 => log::Level::Info,
        4 => log::Level::Debug,
        _ => log::Level::Trace,
    };
    log::log!(target: target, level, "{message}");
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(get_metrics, m)?,
        wrap_pyfunction!(start_metrics_server, m)?,
        wrap_pyfunction!(stop_metrics_server, m)?,
        wrap_pyfunction!(set_metrics_enabled, m)?,
        wrap_pyfunction!(is_metrics_enabled, m)?,
        wrap_pyfunction!(set_internal_stage_metrics_enabled, m)?,
        wrap_pyfunction!(is_internal_stage_metrics_enabled, m)?,
        wrap_pyfunction!(dropped_log_count, m)?,
        wrap_pyfunction!(_sync_log_level, m)?,
        wrap_pyfunction!(_flush_logs, m)?,
        wrap_pyfunction!(_set_tracer, m)?,
        wrap_pyfunction!(_log, m)?,
    ] {
        m.add_function(f)?;
    }
    init(m.py())
}
