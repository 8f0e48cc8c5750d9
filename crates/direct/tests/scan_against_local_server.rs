//! Direct scans against the local server over real sockets, checked against the crate's own
//! query of the same partitions: every record once, across nodes, through a node's death (the
//! next round asks the replica), and a cursor the crate resumes from.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{connect, server};

use std::collections::BTreeMap;
use std::sync::Arc;

use aerospike::query::PartitionFilter;
use aerospike::{Bins, Client, ClientPolicy, Key, QueryPolicy, Statement, Value, WritePolicy};
use columnar::packed::PackedRows;
use futures_core::Stream;
use direct::{Cluster, Error, PartitionRange, Scan, ScanRequest, Started};

const SET: &str = "scan";

async fn write(client: &Client, n: i64) {
    for i in 0..n {
        let key = Key::new("test", SET, Value::Int(i)).expect("key");
        let bins = [aerospike::Bin::new("i", Value::Int(i)), aerospike::Bin::new("s", Value::String(format!("v{i}")))];
        client.put(&WritePolicy::default(), &key, &bins).await.expect("put");
    }
}

/// Each record as (digest, its bins printed), so two paths compare by content.
type Seen = BTreeMap<[u8; 20], String>;

fn seen_rows(rows: &PackedRows, into: &mut Seen) {
    for row in rows.rows() {
        let bins: Vec<String> = rows.bins(row).map(|(name, cell)| format!("{name}={cell:?}")).collect();
        assert!(into.insert(row.digest, bins.join(",")).is_none(), "a record came twice");
    }
}

/// The crate's records of `filter`, packed as the client packs them.
async fn by_the_crate(client: &Client, filter: PartitionFilter) -> Seen {
    let records = client.query(&QueryPolicy::default(), filter, Statement::new("test", SET, Bins::All)).await.expect("crate query");
    let mut stream = records.into_stream();
    let mut rows = PackedRows::default();
    while let Some(record) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_next(cx)).await {
        let record = record.expect("record");
        rows.push(record.key.as_ref(), 0, Some(&record), false);
    }
    let mut seen = Seen::new();
    seen_rows(&rows, &mut seen);
    seen
}

async fn start(cluster: &Arc<Cluster>, range: PartitionRange, policy: &QueryPolicy) -> Scan {
    let request = ScanRequest::new("test", SET, &Bins::All, policy).expect("encodable");
    match cluster.scan(request, range, policy, 1000, &tokio::runtime::Handle::current()).await.expect("started") {
        Started::Running(scan) => scan,
        Started::ByTheCrate => panic!("a plain scan handed back to the crate"),
    }
}

/// Takes up to `limit` records, `step` at a time.
async fn drain(scan: &mut Scan, seen: &mut Seen, limit: usize) -> Result<usize, Error> {
    let mut taken = 0;
    while taken < limit {
        let mut rows = PackedRows::default();
        let n = scan.take(&mut rows, 333.min(limit - taken)).await?;
        if n == 0 {
            break;
        }
        seen_rows(&rows, seen);
        taken += n;
    }
    Ok(taken)
}

const ALL: PartitionRange = PartitionRange { begin: 0, count: 4096, digest: None };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_on_three_nodes_returns_each_record_once_as_the_crate_does() {
    let s = server(3, 2);
    let client = connect(&s).await;
    write(&client, 3000).await;
    let cluster = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("cluster"));
    let mut scan = start(&cluster, ALL, &QueryPolicy::default()).await;
    let mut seen = Seen::new();
    assert_eq!(drain(&mut scan, &mut seen, usize::MAX).await.expect("scan"), 3000);
    assert!(scan.is_finished());
    assert_eq!(seen, by_the_crate(&client, PartitionFilter::all()).await);
    let cursor = scan.cursor();
    assert!(cursor.done(), "a finished scan's cursor is done");
    assert!(by_the_crate(&client, cursor).await.is_empty(), "resuming a finished scan reads nothing");

    let range = PartitionRange { begin: 100, count: 700, digest: None };
    let mut part = Seen::new();
    drain(&mut start(&cluster, range, &QueryPolicy::default()).await, &mut part, usize::MAX).await.expect("range");
    assert!(!part.is_empty());
    assert_eq!(part, by_the_crate(&client, PartitionFilter::by_range(100, 700)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_stopped_midway_resumes_from_its_cursor_without_loss_or_repeat() {
    let s = server(2, 1);
    let client = connect(&s).await;
    write(&client, 2000).await;
    let cluster = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("cluster"));
    let mut scan = start(&cluster, ALL, &QueryPolicy::default()).await;
    let mut seen = Seen::new();
    assert_eq!(drain(&mut scan, &mut seen, 700).await.expect("first part"), 700);
    let cursor = scan.cursor();
    drop(scan);
    assert!(!cursor.done());
    let rest = by_the_crate(&client, cursor).await;
    assert_eq!(rest.len(), 1300, "the crate resumes right after what was taken");
    seen.extend(rest);
    assert_eq!(seen, by_the_crate(&client, PartitionFilter::all()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_node_is_read_from_the_replica_in_the_next_round_and_without_retries_fails() {
    let s = server(3, 2);
    let client = connect(&s).await;
    write(&client, 1500).await;
    let expected = by_the_crate(&client, PartitionFilter::all()).await;
    let cluster = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("cluster"));
    drain(&mut start(&cluster, ALL, &QueryPolicy::default()).await, &mut Seen::new(), usize::MAX).await.expect("warm");
    s.kill_node(1).expect("kill");

    let mut once = QueryPolicy::default();
    once.base_policy.max_retries = 0;
    match drain(&mut start(&cluster, ALL, &once).await, &mut Seen::new(), usize::MAX).await {
        Err(Error::MaxRetries { attempts: 1, cause }) => assert!(matches!(*cause, Error::Network { .. }), "{cause}"),
        other => panic!("one round with a dead node: {other:?}"),
    }
    let mut retried = QueryPolicy::default();
    retried.base_policy.max_retries = 2;
    retried.base_policy.sleep_between_retries = 0;
    retried.base_policy.replica = aerospike::Replica::Sequence;
    let mut seen = Seen::new();
    drain(&mut start(&cluster, ALL, &retried).await, &mut seen, usize::MAX).await.expect("the replicas answer");
    assert_eq!(seen, expected, "every record once");
}
