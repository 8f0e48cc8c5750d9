//! Direct single-record reads against the local server over real sockets, checked against the
//! crate's own `get` of the same keys: the same record on every node, every particle type, a
//! dead master retried on the replica, the timeouts, and a pool that reuses its connections.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

mod common;

use aerospike::{Bin, Bins, Client, ClientPolicy, Key, ReadPolicy, Replica, Value, WritePolicy};
use columnar::packed::PackedRows;
use direct::{Blocking, Cluster, Error, Single};
use local_server::node::faults::{Fault, FaultKind};
use common::{connect, server};

fn key(i: i64) -> Key {
    Key::new("test", "single", Value::Int(i)).expect("key")
}

/// A policy with room for a loaded test machine (the default total timeout is 1 s).
fn patient() -> ReadPolicy {
    let mut policy = ReadPolicy::default();
    policy.base_policy.total_timeout = 20_000;
    policy
}

fn every_type() -> Vec<Bin> {
    let mut map = std::collections::HashMap::new();
    map.insert(Value::from("k"), Value::List(vec![Value::Int(1), Value::Nil]));
    vec![
        Bin::new("i", Value::Int(-7)),
        Bin::new("f", Value::Float(2.5.into())),
        Bin::new("s", Value::from("snow ☃")),
        Bin::new("b", Value::Blob(vec![0, 1, 255])),
        Bin::new("t", Value::Bool(true)),
        Bin::new("l", Value::List(vec![Value::Int(1), Value::from("x"), Value::List(vec![]), Value::Float(1.5.into())])),
        Bin::new("m", Value::HashMap(map)),
        Bin::new("g", Value::GeoJson(r#"{"type":"Point","coordinates":[1.0,2.0]}"#.into())),
    ]
}

async fn direct_get(cluster: &Cluster, key: &Key, bins: &Bins, policy: &ReadPolicy) -> Result<PackedRows, Error> {
    Ok(direct_get_attempts(cluster, key, bins, policy).await?.0)
}

async fn direct_get_attempts(cluster: &Cluster, key: &Key, bins: &Bins, policy: &ReadPolicy) -> Result<(PackedRows, usize), Error> {
    match cluster.get(key, bins, policy).await? {
        Single::Row { rows, attempts } => Ok((rows, attempts)),
        Single::ByTheCrate => panic!("the direct path handed a plain read back"),
    }
}

/// The crate's record for the same key, packed as the client packs a batch row.
async fn by_the_crate(client: &Client, key: &Key, bins: &Bins) -> PackedRows {
    let record = client.get(&patient(), key, bins.clone()).await.expect("crate get");
    let mut rows = PackedRows::default();
    rows.push(Some(key), 0, Some(&record), false);
    rows
}

fn assert_same(direct: &PackedRows, crate_rows: &PackedRows) {
    assert_eq!((direct.len(), crate_rows.len()), (1, 1));
    let (d, c) = (&direct.rows()[0], &crate_rows.rows()[0]);
    assert_eq!((d.result_code, d.has_record, d.generation, d.digest), (c.result_code, c.has_record, c.generation, c.digest));
    assert!((d.ttl - c.ttl).abs() <= 1, "ttl {} vs {}", d.ttl, c.ttl);
    let bins = |rows: &PackedRows, r| rows.bins(r).map(|(n, v)| format!("{n}={v:?}")).collect::<Vec<_>>();
    assert_eq!(bins(direct, d), bins(crate_rows, c));
    assert_eq!(direct.namespace_set(d), crate_rows.namespace_set(c));
    assert_eq!(direct.user_key(d).map(|k| format!("{k:?}")), crate_rows.user_key(c).map(|k| format!("{k:?}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_match_the_crates_on_every_node_for_every_bins_choice() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("a reader without login");
    let write = WritePolicy { expiration: aerospike::Expiration::Seconds(5000), ..WritePolicy::default() };
    for i in 0..60 {
        client.put(&write, &key(i), &every_type()).await.expect("put");
    }
    let mut sequence = patient();
    sequence.base_policy.replica = Replica::Sequence;
    for i in 0..60 {
        for bins in [Bins::All, Bins::Some(vec!["s".into(), "nope".into(), "m".into()]), Bins::None] {
            for policy in [patient(), sequence.clone()] {
                let direct = direct_get(&reader, &key(i), &bins, &policy).await.expect("direct get");
                assert_same(&direct, &by_the_crate(&client, &key(i), &bins).await);
            }
        }
    }
    match reader.get(&key(1000), &Bins::All, &patient()).await {
        Err(e @ Error::Server { result_code: 2, .. }) => assert!(e.to_string().contains("Key not found"), "{e}"),
        other => panic!("a missing record: {:?}", other.is_ok()),
    }
    let stats = reader.connection_stats();
    assert_eq!(stats.len(), 3);
    assert!(stats.iter().all(|n| n.created <= 2 && n.in_use == 0), "reads one at a time reuse each node's connection: {stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_reader_does_not_implement_goes_to_the_crate() {
    let s = server(1, 1);
    let client = connect(&s).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    let mut rack = patient();
    rack.base_policy.replica = Replica::PreferRack;
    assert!(matches!(reader.get(&key(1), &Bins::All, &rack).await, Ok(Single::ByTheCrate)));
    let mut compressed = patient();
    compressed.base_policy.use_compression = true;
    assert!(matches!(reader.get(&key(1), &Bins::All, &compressed).await, Ok(Single::ByTheCrate)));
    let elsewhere = Key::new("no_such_namespace", "s", Value::Int(1)).expect("key");
    assert!(matches!(reader.get(&elsewhere, &Bins::All, &patient()).await, Ok(Single::ByTheCrate)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_master_is_retried_on_the_replica_and_without_retries_the_read_fails() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    let keys: Vec<Key> = (0..200).map(key).collect();
    for k in &keys {
        client.put(&WritePolicy::default(), k, &every_type()).await.expect("put");
    }
    for k in &keys {
        direct_get(&reader, k, &Bins::All, &patient()).await.expect("warm");
    }
    s.kill_node(1).expect("kill");
    let mut once = patient();
    once.base_policy.replica = Replica::Sequence;
    once.base_policy.max_retries = 0;
    let mut retried = once.clone();
    retried.base_policy.max_retries = 2;
    let (mut failed, mut read, mut retried_reads) = (0, 0, 0);
    for k in &keys {
        match direct_get(&reader, k, &Bins::All, &once).await {
            Err(Error::MaxRetries { attempts: 1, cause }) => {
                assert!(matches!(*cause, Error::Network { .. }), "{cause}");
                failed += 1;
            }
            Err(e) => panic!("one attempt: {e}"),
            Ok(_) => {}
        }
        let (rows, attempts) = direct_get_attempts(&reader, k, &Bins::All, &retried).await.expect("the replica answers");
        assert_eq!(rows.bins(&rows.rows()[0]).count(), 8);
        // A master on the dead node: its first attempt failed, the replica answered the second.
        retried_reads += usize::from(attempts == 2);
        assert!(attempts <= 2, "{attempts} attempts");
        read += 1;
    }
    assert!(failed > 0, "some masters were on the dead node");
    assert_eq!(retried_reads, failed, "each read whose master was dead took two attempts");
    assert_eq!(read, keys.len());
}

/// A node that died before the map was (re)fetched answers nothing: the map is made from the
/// others within a default read's 1 s total timeout. The crate's own `Node::info` waited up to a
/// second for a connection to the dead node, so reads timed out with no attempt made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dead_while_the_map_is_fetched_does_not_use_up_the_reads_time() {
    let s = server(3, 2);
    let hosts = s.addrs().iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    // The crate keeps the dead node in its view (no tend for a minute): the map is asked of it.
    let client = Arc::new(Client::new(&ClientPolicy { tend_interval: 60_000, ..ClientPolicy::default() }, &hosts).await.expect("connect"));
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    let keys: Vec<Key> = (0..50).map(key).collect();
    for k in &keys {
        client.put(&WritePolicy::default(), k, &every_type()).await.expect("put");
    }
    s.kill_node(0).expect("kill");
    let mut default_timeouts = ReadPolicy::default();
    default_timeouts.base_policy.replica = Replica::Sequence;
    default_timeouts.base_policy.total_timeout = 1000;
    default_timeouts.base_policy.max_retries = 2;
    // Past a few expiries of a partial map, so that it is fetched again while the node is dead.
    let until = std::time::Instant::now() + Duration::from_millis(1500);
    let mut reads = 0;
    while std::time::Instant::now() < until {
        for k in &keys {
            let rows = direct_get(&reader, k, &Bins::All, &default_timeouts).await.unwrap_or_else(|e| panic!("read {reads}: {e}"));
            assert_eq!(rows.bins(&rows.rows()[0]).count(), 8);
            reads += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_slower_than_the_timeouts_fails_the_read_as_a_timeout() {
    let s = server(1, 1);
    let client = connect(&s).await;
    client.put(&WritePolicy::default(), &key(1), &every_type()).await.expect("put");
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    s.inject_fault(0, Fault { kind: FaultKind::Delay(Duration::from_millis(800)), remaining: None }).expect("fault");
    let mut policy = ReadPolicy::default();
    policy.base_policy.total_timeout = 300;
    policy.base_policy.socket_timeout = 100;
    policy.base_policy.max_retries = 5;
    match reader.get(&key(1), &Bins::All, &policy).await {
        Err(Error::Timeout { total_timeout_ms: 300, .. }) => {}
        Err(Error::MaxRetries { cause, .. }) => assert!(cause.to_string().contains("socket timeout"), "{cause}"),
        other => panic!("a read slower than its timeouts: {:?}", other.is_ok()),
    }
    s.clear_faults(None).expect("clear");
}

/// Many reads in flight share a pool of at most `max_conns_per_node` connections, kept for the
/// next reads rather than closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_in_flight_stay_within_max_conns_and_their_connections_are_kept() {
    let s = server(1, 1);
    let client = connect(&s).await;
    client.put(&WritePolicy::default(), &key(1), &every_type()).await.expect("put");
    let policy = ClientPolicy { max_conns_per_node: 8, ..ClientPolicy::default() };
    let reader = Arc::new(Cluster::new(client.clone(), &policy).expect("reader"));
    for _ in 0..3 {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..64 {
            let reader = reader.clone();
            tasks.spawn(async move { direct_get(&reader, &key(1), &Bins::All, &patient()).await.map(|r| r.len()) });
        }
        while let Some(done) = tasks.join_next().await {
            assert_eq!(done.expect("task").expect("read"), 1);
        }
    }
    let stats = reader.connection_stats();
    assert!(stats[0].created <= 8, "at most max_conns_per_node opened: {stats:?}");
    assert_eq!((stats[0].closed, stats[0].in_use), (0, 0), "every connection kept: {stats:?}");
}

/// 256 reads at once on a cold pool: a few connections are opened at a time (not 256 at once,
/// past the server's listen backlog: dropped SYNs are sent again only after a second) and a
/// read that finds none free waits for one being opened or given back, so fewer connections
/// than reads are made. How many depends on how fast reads end against opens (about half as
/// many as reads when all 256 start at the same instant on a loaded machine).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_reads_on_a_cold_pool_shares_a_few_connections() {
    let s = server(1, 1);
    let client = connect(&s).await;
    client.put(&WritePolicy::default(), &key(1), &every_type()).await.expect("put");
    let reader = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..256 {
        let reader = reader.clone();
        tasks.spawn(async move { direct_get(&reader, &key(1), &Bins::All, &patient()).await.map(|r| r.len()) });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.expect("task").expect("read"), 1);
    }
    let stats = reader.connection_stats();
    assert!(stats[0].created < 256, "connections are shared: {stats:?}");
}

/// Idle connections a restarted node closed are found closed when taken (as the crate peeks
/// each pooled connection) and replaced, so a read without retries does not fail on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_by_a_restarted_node_are_not_used_again() {
    let s = server(1, 1);
    let client = connect(&s).await;
    client.put(&WritePolicy::default(), &key(1), &every_type()).await.expect("put");
    let reader = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let reader = reader.clone();
        tasks.spawn(async move { direct_get(&reader, &key(1), &Bins::All, &patient()).await.map(|r| r.len()) });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("read");
    }
    let idle_before = reader.connection_stats()[0].open;
    assert!(idle_before >= 1, "a connection kept idle");
    s.kill_node(0).expect("kill");
    s.restart_node(0).expect("restart");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut once = patient();
    once.base_policy.max_retries = 0;
    // The restarted node is empty: the record is gone, which only a live connection can tell.
    match reader.get(&key(1), &Bins::All, &once).await {
        Err(Error::Server { result_code: 2, .. }) => {}
        other => panic!("a read after the restart: {:?}", other.map(|_| ()).map_err(|e| e.to_string())),
    }
}

/// `get_blocking` on a thread of its own (it blocks), as a sync client's caller runs it.
async fn blocking(reader: &Arc<Cluster>, key: Key, policy: ReadPolicy) -> Blocking {
    let reader = reader.clone();
    tokio::task::spawn_blocking(move || reader.get_blocking(&key, &Bins::All, &policy)).await.expect("blocking read")
}

/// The first attempt on the caller's thread reads what the async path reads, from every node;
/// without a current partition map it leaves the read to the async path, which fetches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_reads_match_the_async_ones_and_need_a_current_map() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let reader = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader"));
    for i in 0..60 {
        client.put(&WritePolicy::default(), &key(i), &every_type()).await.expect("put");
    }
    assert!(matches!(blocking(&reader, key(0), patient()).await, Blocking::Elsewhere { interrupted: false }), "no map fetched yet");
    direct_get(&reader, &key(0), &Bins::All, &patient()).await.expect("the async path fetches the map");
    for i in 0..60 {
        let Blocking::Done(Ok(rows)) = blocking(&reader, key(i), patient()).await else { panic!("key {i} not read on the caller's thread") };
        assert_same(&rows, &direct_get(&reader, &key(i), &Bins::All, &patient()).await.expect("async"));
    }
    // An answer far past the first read's 2 KiB arrives in several reads.
    let big = Key::new("test", "single", Value::from("big")).expect("key");
    let blob: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    client.put(&WritePolicy::default(), &big, &[Bin::new("b", Value::Blob(blob.clone()))]).await.expect("put");
    let Blocking::Done(Ok(rows)) = blocking(&reader, big.clone(), patient()).await else { panic!("the big record not read on the caller's thread") };
    assert_same(&rows, &by_the_crate(&client, &big, &Bins::All).await);
    match blocking(&reader, Key::new("test", "single", Value::Int(1_000_000)).expect("key"), patient()).await {
        Blocking::Done(Err(Error::Server { result_code: 2, .. })) => {}
        _ => panic!("a missing record is KEY_NOT_FOUND"),
    }
    let stats = reader.connection_stats();
    assert!(stats.iter().all(|n| n.in_use == 0), "every blocking connection given back: {stats:?}");
}

/// A blocking first attempt that fails on a dead master hands the read on with its attempt
/// counted: the async path reads the replica as attempt 2, as `get` alone would have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_attempt_that_failed_is_retried_from_where_it_stands() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let reader = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader"));
    let keys: Vec<Key> = (0..100).map(key).collect();
    for k in &keys {
        client.put(&WritePolicy::default(), k, &every_type()).await.expect("put");
        direct_get(&reader, k, &Bins::All, &patient()).await.expect("warm");
    }
    s.kill_node(1).expect("kill");
    let mut sequence = patient();
    sequence.base_policy.replica = Replica::Sequence;
    sequence.base_policy.max_retries = 2;
    let mut retried = 0;
    for k in &keys {
        match blocking(&reader, k.clone(), sequence.clone()).await {
            Blocking::Done(Ok(rows)) => assert_eq!(rows.len(), 1),
            Blocking::Retry(resume) => {
                let Single::Row { rows, attempts } = reader.get_after(k, &Bins::All, &sequence, Some(resume)).await.expect("the replica answers") else {
                    panic!("handed to the crate")
                };
                assert_eq!((rows.len(), attempts), (1, 2));
                retried += 1;
            }
            // The crate's tend may have dropped the node: the map is fetched again first.
            Blocking::Elsewhere { interrupted: false } => {}
            Blocking::Done(Err(e)) => panic!("{e}"),
            Blocking::Elsewhere { interrupted: true } => panic!("no signal here"),
        }
    }
    assert!(retried > 0, "some masters were on the dead node");
}

/// The socket's read timeout bounds a blocking read: the socket timeout fails the attempt as a
/// network failure (retried), the total deadline fails the read as a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_read_ends_by_its_socket_timeout_and_its_deadline() {
    let s = server(1, 1);
    let client = connect(&s).await;
    client.put(&WritePolicy::default(), &key(1), &every_type()).await.expect("put");
    let reader = Arc::new(Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader"));
    direct_get(&reader, &key(1), &Bins::All, &patient()).await.expect("warm");
    s.inject_fault(0, Fault { kind: FaultKind::Delay(Duration::from_millis(1500)), remaining: None }).expect("fault");
    let mut socket_bound = patient();
    socket_bound.base_policy.socket_timeout = 100;
    match blocking(&reader, key(1), socket_bound).await {
        Blocking::Retry(_) => {}
        _ => panic!("a read past its socket timeout is retried"),
    }
    let mut deadline_bound = ReadPolicy::default();
    deadline_bound.base_policy.total_timeout = 300;
    deadline_bound.base_policy.socket_timeout = 0;
    match blocking(&reader, key(1), deadline_bound).await {
        Blocking::Done(Err(Error::Timeout { total_timeout_ms: 300, attempts: 1, .. })) => {}
        _ => panic!("a read past its total timeout fails as a timeout"),
    }
    s.clear_faults(None).expect("clear");
}
