//! Queries and scans: the request a `Query` builds (with the GIL held, so bad input raises before
//! anything is sent), and the `Feed` that pulls its records from the crate's bounded record
//! channel. The feed is polled from the caller's thread (through `runtime::wait`, or a plain poll
//! when records are already waiting) or from an asyncio awaitable; Python never runs on a tokio
//! worker, and the channel's bound applies backpressure to the server.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aerospike::query::{PartitionFilter, RecordStream};
use aerospike::{QueryPolicy, Record, Statement};
use columnar::packed::PackedRows;
use futures_core::Stream;

use crate::errors::AsError;
use crate::observe::QueryEnd;

/// Where a paginated query keeps its resume cursor between runs.
pub(crate) type CursorSink = Arc<Mutex<Option<PartitionFilter>>>;

/// Everything a query or scan needs to run.
pub(crate) struct QueryRequest {
    pub statement: Statement,
    pub policy: QueryPolicy,
    pub partitions: PartitionFilter,
}

/// A running (or not yet started) query: the record stream and, once it has ended or been
/// closed, the cursor to resume from. Dropping it closes the stream, which stops the node
/// streams and so the server-side work.
pub(crate) struct Feed {
    client: Arc<aerospike::Client>,
    /// The client's own view of the cluster: a scan whose records become columns runs on it
    /// (`crates/direct`), decoded straight into packed rows.
    direct: Option<Arc<direct::Cluster>>,
    /// Set by a consumer that takes packed rows (`pack`), to its batch size: only such a feed
    /// may run directly, holding about a batch (or `record_queue_size`) of records ahead.
    columnar: Option<usize>,
    request: Option<QueryRequest>,
    stream: Option<RecordStream>,
    /// The scan running on the client's own connections, instead of `stream`.
    direct_scan: Option<direct::Scan>,
    ended: bool,
    cursor: Option<PartitionFilter>,
    sink: Option<CursorSink>,
    /// Records handed out so far.
    pub delivered: u64,
    /// The metrics series (`query` with a filter, else `scan`) and when the query was sent.
    observed: Option<(&'static observability::metrics::Series, std::time::Instant)>,
    /// The run's trace span (tracing on), ended with the run (`observe::end_query_span`).
    span: Option<pyo3::Py<pyo3::PyAny>>,
}

impl Feed {
    pub(crate) fn new(client: Arc<aerospike::Client>, direct: Option<Arc<direct::Cluster>>, request: QueryRequest, sink: Option<CursorSink>) -> Self {
        Self { client, direct, columnar: None, request: Some(request), stream: None, direct_scan: None, ended: false, cursor: None, sink, delivered: 0, observed: None, span: None }
    }

    /// This feed's records will be taken as packed rows (`pack`), `batch_size` at a time, so a
    /// scan may run on the client's own connections.
    pub(crate) fn into_columnar(mut self, batch_size: usize) -> Self {
        self.columnar = Some(batch_size);
        self
    }

    /// `query` with a predicate, else `scan`: the operation name of its metrics and span.
    pub(crate) fn operation(statement: &Statement) -> &'static str {
        if statement.filter.is_some() {
            "query"
        } else {
            "scan"
        }
    }

    /// The feed of one run of `request`, traced as one span from here to its end (started with
    /// the GIL, in the caller's context, so it is a child of the caller's current span).
    pub(crate) fn traced(py: pyo3::Python<'_>, conn: &crate::connection::Connection, (client, direct): (Arc<aerospike::Client>, Option<Arc<direct::Cluster>>), request: QueryRequest, sink: Option<CursorSink>) -> Self {
        let span = crate::observe::query_span(py, conn, Self::operation(&request.statement), &request.statement.namespace, &request.statement.set_name);
        let mut feed = Self::new(client, direct, request, sink);
        feed.span = span;
        feed
    }

    /// Sends the query (on first use); the node streams start filling the channel.
    pub(crate) async fn start(&mut self) -> Result<(), AsError> {
        if let Some(req) = self.request.take() {
            if observability::metrics::enabled() {
                let op = Self::operation(&req.statement);
                let series = observability::metrics::series(op, &req.statement.namespace, &req.statement.set_name);
                self.observed = Some((series, std::time::Instant::now()));
            }
            match self.start_direct(&req).await {
                Ok(Some(scan)) => {
                    self.direct_scan = Some(scan);
                    return Ok(());
                }
                Ok(None) => {}
                Err(e) => {
                    self.observe_end(QueryEnd::Failed(&e));
                    self.ended = true;
                    return Err(e);
                }
            }
            match self.client.query(&req.policy, req.partitions, req.statement).await {
                Ok(recordset) => self.stream = Some(recordset.into_stream()),
                Err(e) => {
                    let e = e.into();
                    self.observe_end(QueryEnd::Failed(&e));
                    self.ended = true;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The scan on the client's own connections, when this feed may and can run one: a
    /// columnar consumer, a scan (no index predicate) from a fresh partition filter, and a
    /// policy `crates/direct` implements. None: the crate runs it.
    async fn start_direct(&self, req: &QueryRequest) -> Result<Option<direct::Scan>, AsError> {
        let (Some(cluster), Some(batch_size)) = (self.direct.as_ref(), self.columnar) else { return Ok(None) };
        let statement = &req.statement;
        if statement.filter.is_some() || statement.operations.is_some() || req.partitions.partitions.is_some() {
            return Ok(None);
        }
        let Ok(request) = direct::ScanRequest::new(&statement.namespace, &statement.set_name, &statement.bins, &req.policy) else { return Ok(None) };
        let range = direct::PartitionRange { begin: req.partitions.begin, count: req.partitions.count, digest: req.partitions.digest };
        // On the shared runtime's workers, not the sync caller's: the nodes' answers are
        // decoded there while this thread builds the columns.
        let runtime = crate::runtime::runtime().handle();
        let queue_rows = req.policy.record_queue_size.max(batch_size);
        Ok(match cluster.scan(request, range, &req.policy, queue_rows, runtime).await.map_err(AsError::Direct)? {
            direct::Started::Running(scan) => Some(scan),
            direct::Started::ByTheCrate => None,
        })
    }

    /// Packs up to `max` records into `rows` (waiting until there are `max` or the query
    /// ends); how many. Records taken here count as delivered (the cursor moves past them).
    pub(crate) async fn pack(&mut self, rows: &mut PackedRows, max: usize) -> Result<usize, AsError> {
        self.start().await?;
        if self.ended {
            return Ok(0);
        }
        let Some(scan) = self.direct_scan.as_mut() else {
            let records = self.fill(max).await?;
            for record in &records {
                rows.push(record.key.as_ref(), 0, Some(record), false);
            }
            return Ok(records.len());
        };
        let mut packed = 0;
        while packed < max {
            match scan.take(rows, max - packed).await {
                Ok(0) => {
                    self.observe_end(QueryEnd::Finished);
                    self.close();
                    break;
                }
                Ok(n) => {
                    packed += n;
                    self.delivered += n as u64;
                }
                Err(e) => {
                    let e = AsError::Direct(e);
                    self.observe_end(QueryEnd::Failed(&e));
                    self.close();
                    return Err(e);
                }
            }
        }
        Ok(packed)
    }

    pub(crate) fn is_started(&self) -> bool {
        self.request.is_none()
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.ended
    }

    /// The next record if one is ready (`Ready(Ok(None))` at the end). Errors end the query.
    pub(crate) fn poll_one(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Record>, AsError>> {
        if self.ended {
            return Poll::Ready(Ok(None));
        }
        let Some(stream) = self.stream.as_mut() else {
            return Poll::Ready(Err(AsError::Client("the query was not started".to_owned())));
        };
        match Pin::new(stream).poll_next(cx) {
            Poll::Ready(Some(Ok(record))) => {
                self.delivered += 1;
                Poll::Ready(Ok(Some(record)))
            }
            Poll::Ready(Some(Err(e))) => {
                let e = e.into();
                self.observe_end(QueryEnd::Failed(&e));
                self.close();
                Poll::Ready(Err(e))
            }
            Poll::Ready(None) => {
                self.observe_end(QueryEnd::Finished);
                self.close();
                Poll::Ready(Ok(None))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// The next record without waiting: `None` when none is ready yet (or the query has not
    /// started). Runs no async machinery, so the caller may hold the GIL.
    pub(crate) fn try_next(&mut self) -> Option<Result<Option<Record>, AsError>> {
        if !self.is_started() {
            return None;
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match self.poll_one(&mut cx) {
            Poll::Ready(out) => Some(out),
            Poll::Pending => None,
        }
    }

    /// The next record, waiting for it; `None` at the end.
    pub(crate) async fn next(&mut self) -> Result<Option<Record>, AsError> {
        self.start().await?;
        std::future::poll_fn(|cx| self.poll_one(cx)).await
    }

    /// Up to `max` records: waits until there are `max` or the query ends. Records taken here
    /// count as delivered (the resume cursor moves past them).
    pub(crate) async fn fill(&mut self, max: usize) -> Result<Vec<Record>, AsError> {
        self.start().await?;
        let mut out = Vec::with_capacity(max.min(4096));
        while out.len() < max {
            match std::future::poll_fn(|cx| self.poll_one(cx)).await? {
                Some(record) => out.push(record),
                None => break,
            }
        }
        Ok(out)
    }

    /// Every remaining record.
    pub(crate) async fn all(&mut self) -> Result<Vec<Record>, AsError> {
        self.fill(usize::MAX).await
    }

    /// The query's latency (from sending to its end or close), the records it handed out, and
    /// its span. Once: the first end wins (a failure, then the close after it).
    fn observe_end(&mut self, end: QueryEnd<'_>) {
        if let Some((series, sent)) = self.observed.take() {
            series.add_records(self.delivered);
            match &end {
                QueryEnd::Failed(err) => {
                    let r = crate::errors::raised(err);
                    series.failure(sent.elapsed(), r.code, r.class, crate::observe::is_timeout(r.class));
                    series.add_retries(crate::observe::retries(err));
                }
                _ => series.success(sent.elapsed()),
            }
        }
        if let Some(span) = self.span.take() {
            crate::observe::end_query_span(span, end, self.delivered);
        }
    }

    /// Stops the query (node streams end at their next record) and keeps the cursor: records
    /// buffered but never handed out stay ahead of it, so a resume reads them again.
    pub(crate) fn close(&mut self) {
        self.observe_end(QueryEnd::Stopped);
        self.request = None;
        self.ended = true;
        if let Some(stream) = self.stream.take() {
            let recordset: &aerospike::Recordset = stream.as_ref();
            recordset.close();
            self.cursor = stream.partition_filter();
        }
        // Dropping the direct scan closes its node connections.
        if let Some(scan) = self.direct_scan.take() {
            self.cursor = Some(scan.cursor());
        }
        if let (Some(sink), Some(cursor)) = (&self.sink, &self.cursor) {
            if let Ok(mut slot) = sink.lock() {
                *slot = Some(cursor.clone());
            }
        }
    }

    /// The resume cursor, once the query has ended or been closed.
    pub(crate) fn cursor(&self) -> Option<PartitionFilter> {
        self.cursor.clone()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.close();
    }
}

/// A whole query's records (`results()`).
pub(crate) async fn results(mut feed: Feed) -> Result<Vec<Record>, AsError> {
    feed.all().await
}
