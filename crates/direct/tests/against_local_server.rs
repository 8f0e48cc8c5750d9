//! Direct batch reads against the local server over real sockets, checked against the crate's
//! own batch read of the same keys: the same rows, across nodes, through a node's death (the
//! retry walks to the replica) and with the failures a caller sees.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{connect, server};

use std::sync::Arc;
use std::time::Duration;

use aerospike::{BatchOperation, BatchPolicy, BatchReadPolicy, Bins, Client, ClientPolicy, Key, Value, WritePolicy};
use columnar::packed::PackedRows;
use direct::{Cluster, Error, Read, ReadRequest};
use local_server::node::faults::{Fault, FaultKind};
use local_server::{Config, Server};

fn keys(n: i64) -> Vec<Key> {
    (0..n).map(|i| Key::new("test", "direct", Value::Int(i)).expect("key")).collect()
}

/// Writes every other key of `keys` (the rest are not found).
async fn write(client: &Client, keys: &[Key]) {
    for (i, key) in keys.iter().enumerate().step_by(2) {
        let bins = [aerospike::Bin::new("i", Value::Int(i as i64)), aerospike::Bin::new("s", Value::String(format!("v{i}"))), aerospike::Bin::new("l", Value::List(vec![Value::Int(1), Value::Float(2.5.into())]))];
        client.put(&WritePolicy::default(), key, &bins).await.expect("put");
    }
}

/// The crate's answer for the same keys, packed the way the client packed it before.
async fn by_the_crate(client: &Client, keys: &[Key], bins: &Bins) -> PackedRows {
    let mut ops: Vec<BatchOperation> = keys.iter().map(|k| BatchOperation::read(&BatchReadPolicy::default(), k.clone(), bins.clone())).collect();
    client.batch(&patient(), &mut ops).await.expect("crate batch");
    let mut rows = PackedRows::default();
    for op in &ops {
        rows.push(Some(&op.batch_record().key), op.result_code().map_or(direct::NO_RESPONSE, |rc| i32::from(u8::from(rc))), op.record(), false);
    }
    rows
}

async fn direct_read(cluster: &Cluster, keys: &[Key], bins: &Bins, policy: &BatchPolicy) -> Result<PackedRows, Error> {
    let request = ReadRequest::new(policy, &BatchReadPolicy::default(), bins).expect("encodable");
    match cluster.batch_read(Arc::new(keys.to_vec()), Arc::new(request), policy).await? {
        Read::Rows(rows) => Ok(rows),
        Read::ByTheCrate => panic!("the direct path handed a plain read back"),
    }
}

/// A policy with room for a loaded test machine (the default total timeout is 1 s).
fn patient() -> BatchPolicy {
    let mut policy = BatchPolicy::default();
    policy.base_policy.total_timeout = 20_000;
    policy
}

fn assert_same(direct: &PackedRows, crate_rows: &PackedRows) {
    assert_eq!(direct.len(), crate_rows.len());
    for (d, c) in direct.rows().iter().zip(crate_rows.rows()) {
        assert_eq!((d.result_code, d.has_record, d.generation, d.digest), (c.result_code, c.has_record, c.generation, c.digest));
        let bins = |rows: &PackedRows, r| rows.bins(r).map(|(n, v)| format!("{n}={v:?}")).collect::<Vec<_>>();
        assert_eq!(bins(direct, d), bins(crate_rows, c));
        assert_eq!(direct.namespace_set(d), crate_rows.namespace_set(c));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_match_the_crates_across_three_nodes_and_sub_batches() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let keys = keys(9000);
    write(&client, &keys).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("a reader without login");
    for bins in [Bins::All, Bins::Some(vec!["s".into(), "nope".into()]), Bins::None] {
        let direct = direct_read(&reader, &keys, &bins, &patient()).await.expect("direct read");
        assert_same(&direct, &by_the_crate(&client, &keys, &bins).await);
    }
    assert_eq!(direct_read(&reader, &[], &Bins::All, &BatchPolicy::default()).await.expect("empty").len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_master_is_retried_on_the_replica_and_without_retries_the_read_fails() {
    let s = server(3, 2);
    let client = connect(&s).await;
    let keys = keys(600);
    write(&client, &keys).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    let expected = by_the_crate(&client, &keys, &Bins::All).await;
    direct_read(&reader, &keys, &Bins::All, &patient()).await.expect("warm");
    s.kill_node(1).expect("kill");

    let mut once = patient();
    once.base_policy.max_retries = 0;
    match direct_read(&reader, &keys, &Bins::All, &once).await {
        Err(Error::MaxRetries { attempts: 1, cause }) => assert!(matches!(*cause, Error::Network { .. }), "{cause}"),
        other => panic!("one attempt on a dead node: {:?}", other.map(|r| r.len())),
    }
    let mut retried = patient();
    retried.base_policy.max_retries = 2;
    retried.base_policy.sleep_between_retries = 0;
    let rows = direct_read(&reader, &keys, &Bins::All, &retried).await.expect("the replica answers");
    assert_same(&rows, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_slower_than_the_timeouts_fails_the_read_as_a_timeout() {
    let s = server(1, 1);
    let client = connect(&s).await;
    let keys = keys(10);
    write(&client, &keys).await;
    let reader = Cluster::new(client.clone(), &ClientPolicy::default()).expect("reader");
    s.inject_fault(0, Fault { kind: FaultKind::Delay(Duration::from_millis(800)), remaining: None }).expect("fault");
    let mut policy = BatchPolicy::default();
    policy.base_policy.total_timeout = 300;
    policy.base_policy.socket_timeout = 100;
    policy.base_policy.max_retries = 5;
    match direct_read(&reader, &keys, &Bins::All, &policy).await {
        Err(Error::Timeout { total_timeout_ms: 300, .. }) => {}
        Err(Error::MaxRetries { cause, .. }) => assert!(cause.to_string().contains("socket timeout"), "{cause}"),
        other => panic!("a read slower than its timeouts: {:?}", other.map(|r| r.len())),
    }
    s.clear_faults(None).expect("clear");
}

/// On a secured server the reader's connections log in as the client does (the session token
/// from the first LOGIN authenticates the rest), and a refused login is the server's code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_log_in_on_a_secured_server_and_a_refused_login_says_why() {
    let s = Server::start(Config { security: true, ..Config::default() }).expect("server");
    let admin = ClientPolicy { auth_mode: aerospike::AuthMode::Internal("admin".into(), "admin".into()), ..ClientPolicy::default() };
    let admin = Client::new(&admin, &s.addr().to_string()).await.expect("connect as admin");
    admin.create_user(&aerospike::AdminPolicy::default(), "rw", "pw", &["read-write"]).await.expect("create user");
    let policy = ClientPolicy { auth_mode: aerospike::AuthMode::Internal("rw".into(), "pw".into()), ..ClientPolicy::default() };
    let client = Arc::new(Client::new(&policy, &s.addr().to_string()).await.expect("connect"));
    let keys = keys(300);
    write(&client, &keys).await;
    let reader = Cluster::new(client.clone(), &policy).expect("a reader that logs in");
    let parallel = patient();
    // Two reads at once: two connections, the second authenticated by the first's session.
    let (a, b) = tokio::join!(direct_read(&reader, &keys, &Bins::All, &parallel), direct_read(&reader, &keys, &Bins::All, &parallel));
    let expected = by_the_crate(&client, &keys, &Bins::All).await;
    assert_same(&a.expect("first"), &expected);
    assert_same(&b.expect("second"), &expected);

    let mut wrong = policy.clone();
    wrong.auth_mode = aerospike::AuthMode::Internal("rw".into(), "not the password".into());
    let refused = Cluster::new(client.clone(), &wrong).expect("reader");
    match direct_read(&refused, &keys, &Bins::All, &patient()).await {
        Err(Error::Refused { result_code: 65, .. }) => {}
        other => panic!("a wrong password: {:?}", other.map(|r| r.len())),
    }
}
