//! Serving a query on its connection: decode, then either stream the records (throttled to
//! records-per-second, stopping as soon as the client is gone) or start a background job and
//! answer at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::node::Node;
use crate::result_code as rc;

use crate::query::jobs::{self, OpsAction};
use crate::query::request::{self, Kind, Query};
use crate::query::run::{last_frame, partition_done, Execution, Step, BLOCK_SIZE};
use crate::query::{ClientSink, RecordSink};
use crate::udf;

/// Answers one query message over the partitions `node` owns; `false` when the connection
/// must close (the client went away).
pub async fn serve(stream: &mut (dyn AsyncWrite + Unpin + Send), node: &Node, body: &[u8]) -> bool {
    let mut q = match request::decode(&node.store, body) {
        Ok(q) => q,
        Err(code) => return stream.write_all(&last_frame(code)).await.is_ok(),
    };
    let unowned = q.keep_owned(|pid| node.owns(pid));
    match q.kind {
        Kind::Foreground => {
            let mut sink = ClientSink::for_query(&q);
            foreground(stream, node, &q, &unowned, &mut sink).await
        }
        Kind::Aggregate => match udf::stream::sink(&node.udf, &q) {
            Ok(mut sink) => foreground(stream, node, &q, &unowned, sink.as_mut()).await,
            Err(code) => stream.write_all(&last_frame(code)).await.is_ok(),
        },
        Kind::BackgroundOps => {
            let action = Box::new(OpsAction::new(&q));
            jobs::start(&node.jobs, node.store.clone(), q, action, job_writes(node));
            stream.write_all(&last_frame(rc::OK)).await.is_ok()
        }
        Kind::BackgroundUdf => match udf::background::action(&node.udf, &q) {
            Ok(action) => {
                jobs::start(&node.jobs, node.store.clone(), q, action, job_writes(node));
                stream.write_all(&last_frame(rc::OK)).await.is_ok()
            }
            Err(code) => stream.write_all(&last_frame(code)).await.is_ok(),
        },
    }
}

/// A background job's writes run on the partition's master and reach its replicas, as the
/// real server's internal transactions do (`thr_tsvc.c`, origins FROM_IOPS/FROM_IUDF).
fn job_writes(node: &Node) -> Arc<dyn jobs::WriteGate> {
    Arc::new(crate::cluster::JobWrites { cluster: node.cluster.clone(), me: node.member_index })
}

/// Streams a foreground query's frames block by block, after marking the partitions it was
/// asked for and does not own unavailable.
pub async fn foreground(stream: &mut (dyn AsyncWrite + Unpin + Send), node: &Node, q: &Query, unowned: &[u16], sink: &mut dyn RecordSink) -> bool {
    let _active = Active::enter(&node.jobs);
    let started = Instant::now();
    let budget = if q.rps > 0 { u64::from(q.rps).div_ceil(10) } else { 0 };
    let mut exec = Execution::new(q);
    let mut out = Vec::with_capacity(BLOCK_SIZE + 64 * 1024);
    if sink.partition_done() {
        for &pid in unowned {
            out.extend_from_slice(&partition_done(pid, rc::PARTITION_UNAVAILABLE));
        }
    }
    loop {
        let step = exec.fill(sink, &mut out, budget);
        let block = crate::codec::proto::merge_msg_frames(&out);
        out.clear();
        if !block.is_empty() && stream.write_all(&block).await.is_err() {
            return false;
        }
        if step == Step::Done {
            return true;
        }
        if q.rps > 0 {
            // Records so far may not have come sooner than `returned / rps` seconds.
            let due = Duration::from_secs_f64(exec.returned as f64 / f64::from(q.rps));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        } else {
            tokio::task::yield_now().await;
        }
    }
}

/// Counts the foreground queries running (a closed socket must bring the count back down).
struct Active(Arc<jobs::Jobs>);

impl Active {
    fn enter(jobs: &Arc<jobs::Jobs>) -> Active {
        jobs.foreground_active.fetch_add(1, Ordering::Relaxed);
        Active(jobs.clone())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.foreground_active.fetch_sub(1, Ordering::Relaxed);
    }
}
