//! Ownership, peers and replicas of a three-node cluster, through the nodes' own answers;
//! commands proxied between the nodes; background jobs' writes replicated.

use std::sync::Arc;

use super::*;
use crate::storage::{PartitionSet, N_PARTITIONS};
use crate::codec::message::tests::request;
use crate::codec::message::{self, field, info1, info2, op, MsgHeader};
use crate::codec::particle::{self, Value};
use crate::codec::proto::{self, ProtoHeader};
use crate::config::{Config, NamespaceConfig};
use crate::info::answer;
use crate::info_text::{base64_decode, base64_encode};
use crate::net::{dispatch, Conn, Reply};
use crate::node::Node;
use crate::result_code as rc;
use crate::storage::{digest, Record};
use crate::indexed_store::Store;

const SET: &[u8] = b"c";

fn three_nodes() -> Vec<Arc<Node>> {
    let store = Arc::new(Store::new(&[NamespaceConfig::new("test"), NamespaceConfig::new("bar")]));
    Node::link(Node::cluster(&Config::default(), &[3000, 3001, 3002], store))
}

/// The one node whose partitions hold `key`.
fn owner(nodes: &[Arc<Node>], key: i64) -> usize {
    let pid = digest::partition_id(&digest::of_int(SET, key));
    let owners: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].owns(pid)).collect();
    assert_eq!(owners.len(), 1, "partition {pid} has one owner");
    owners[0]
}

/// The partitions a `replicas*` bitmap (base64) names.
fn decoded(bitmap: &str) -> PartitionSet {
    let bytes = base64_decode(bitmap).expect("base64");
    PartitionSet::from_bitmap(&bytes).expect("a whole bitmap")
}

/// The value of `key` in a `key=value;...` (or `:`-separated) answer.
fn stat(text: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    text.split([';', ':']).find_map(|kv| kv.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{key} in {text}")).to_string()
}

/// Sends one AS_MSG to `node` as a client would and returns the answer's result code (after
/// the proxy, when `node` proxies it).
fn result_code(node: &Node, body: Vec<u8>) -> u8 {
    let frame = proto::frame(proto::TYPE_MSG, &body);
    let header = ProtoHeader::parse(frame[..proto::HEADER_SIZE].try_into().expect("header"));
    let answer = match dispatch(node, &mut Conn::default(), header, body) {
        Some(Reply::Frame(answer)) => answer,
        Some(Reply::Proxy(p)) => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
            rt.block_on(crate::net::proxy::forward(node, p))
        }
        _ => panic!("a single-record command is answered by one frame"),
    };
    message::parse(&answer[proto::HEADER_SIZE..]).expect("answer").header.result_code
}

/// Whether `node` proxies `body` rather than run it.
fn proxies(node: &Node, body: Vec<u8>) -> bool {
    let header = ProtoHeader { version: proto::PROTO_VERSION, kind: proto::TYPE_MSG, size: body.len() as u64 };
    matches!(dispatch(node, &mut Conn::default(), header, body), Some(Reply::Proxy(_)))
}

/// `node`'s figure `key` of `namespace/test`.
fn ns_stat(node: &Node, key: &str) -> u64 {
    stat(&answer(node, "namespace/test"), key).parse().expect("a count")
}

fn put(key: i64) -> Vec<u8> {
    let value = 7i64.to_be_bytes();
    let key_field = [&[particle::INTEGER][..], &key.to_be_bytes()].concat();
    let h = MsgHeader { info2: info2::WRITE, ..Default::default() };
    request(h, &[(field::NAMESPACE, b"test"), (field::SET, SET), (field::KEY, &key_field)], &[(op::WRITE, particle::INTEGER, b"v", &value)])
}

fn get(key: i64) -> Vec<u8> {
    let h = MsgHeader { info1: info1::READ | info1::GET_ALL, ..Default::default() };
    request(h, &[(field::NAMESPACE, b"test"), (field::SET, SET), (field::DIGEST, &digest::of_int(SET, key))], &[])
}

#[test]
fn masters_are_disjoint_and_cover_every_partition() {
    for n in 1..=5 {
        let ports: Vec<u16> = (0..n).map(|i| 3000 + i as u16).collect();
        let nodes = Node::cluster(&Config::default(), &ports, Arc::new(Store::new(&[NamespaceConfig::new("test")])));
        let masters: Vec<PartitionSet> = nodes.iter().map(Node::master_partitions).collect();
        for pid in 0..N_PARTITIONS {
            assert_eq!((0..n).filter(|&i| masters[i].contains(pid)).count(), 1, "partition {pid} of {n} nodes");
        }
    }
    assert!(!PartitionSet::all().contains(N_PARTITIONS));
}

#[test]
fn bitmap_is_most_significant_bit_first() {
    let set = PartitionSet::of([1, 4, 7, 10, 13]);
    // Partitions 1, 4 and 7 of the first byte; 10 and 13 of the second.
    assert_eq!(set.bitmap()[0], 0b0100_1001);
    assert_eq!(set.bitmap()[1], 0b0010_0100);
}

#[test]
fn each_node_announces_the_others_as_peers() {
    let nodes = three_nodes();
    let ids: std::collections::HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "every node has its own id");
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(answer(node, "node"), node.id);
        assert_eq!(answer(node, "service-clear-std"), format!("127.0.0.1:{}", node.port));
        let others: Vec<&Node> = nodes.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, n)| &**n).collect();
        let listed: Vec<String> = others.iter().map(|n| format!("[{},,[127.0.0.1:{}]]", n.id, n.port)).collect();
        let peers = format!("1,{},[{}]", node.port, listed.join(","));
        assert_eq!(answer(node, "peers-clear-std"), peers);
        assert_eq!(answer(node, "peers-clear-alt"), peers);
        // Clients fetch the list again when this moves; it must match the list's generation.
        assert_eq!(answer(node, "peers-generation"), "1");
        let services: Vec<String> = others.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        assert_eq!(answer(node, "services"), services.join(";"));
    }
}

#[test]
fn a_single_node_has_no_peers() {
    let store = Arc::new(Store::new(&[NamespaceConfig::new("test")]));
    let node = Node::cluster(&Config::default(), &[3000], store).remove(0);
    assert_eq!(answer(&node, "peers-clear-std"), "1,3000,[]");
    assert_eq!(answer(&node, "services"), "");
    assert_eq!(answer(&node, "cluster-stable:size=1"), answer(&node, "cluster-stable"));
    let all = base64_encode(PartitionSet::all().bitmap());
    assert_eq!(answer(&node, "replicas"), format!("test:0,1,{all}"));
}

#[test]
fn replicas_name_each_partition_on_exactly_one_node() {
    let nodes = three_nodes();
    for ns in ["test", "bar"] {
        let mut owners = vec![0; N_PARTITIONS];
        for node in &nodes {
            let of = |cmd: &str, prefix: &str| {
                let entry = answer(node, cmd).split(';').find_map(|e| e.strip_prefix(&format!("{ns}:")).map(str::to_string));
                decoded(entry.expect("namespace listed").strip_prefix(prefix).expect("regime and replica count"))
            };
            let master = of("replicas", "0,1,");
            assert_eq!(master, node.master_partitions());
            assert_eq!(of("replicas-all", "1,"), master);
            assert_eq!(of("replicas-master", ""), master);
            for (pid, n) in owners.iter_mut().enumerate() {
                *n += usize::from(master.contains(pid));
            }
        }
        assert!(owners.iter().all(|&n| n == 1));
    }
}

#[test]
fn cluster_figures_are_the_same_on_every_node() {
    let nodes = three_nodes();
    let key = answer(&nodes[0], "cluster-stable:size=3;namespace=test");
    assert!(!key.starts_with("ERROR"), "{key}");
    let principal = nodes.iter().map(|n| n.id.clone()).max_by_key(|id| u64::from_str_radix(id, 16).expect("hex id"));
    for node in &nodes {
        assert_eq!(answer(node, "cluster-stable"), key);
        assert!(answer(node, "cluster-stable:size=1").starts_with("ERROR:7:"));
        let stats = answer(node, "statistics");
        assert_eq!(stat(&stats, "cluster_size"), "3");
        assert_eq!(stat(&stats, "cluster_key"), key);
        assert_eq!(Some(stat(&stats, "cluster_principal")), principal);
        assert_eq!(stat(&answer(node, "namespace/test"), "ns_cluster_size"), "3");
    }
}

#[test]
fn record_counts_are_each_node_own_and_add_up() {
    let nodes = three_nodes();
    let mut expected = [0u64; 3];
    for k in 0..600 {
        let d = digest::of_int(SET, k);
        let mut r = Record::new(SET.to_vec());
        r.set_bin(b"v", Value::Int(k));
        let home = owner(&nodes, k);
        nodes[home].store.namespace(b"test").expect("ns").partition(&d).put(d, r);
        expected[home] += 1;
    }
    assert!(expected.iter().all(|&n| n > 150), "the keys spread over the nodes: {expected:?}");
    for (node, want) in nodes.iter().zip(expected) {
        let want = want.to_string();
        assert_eq!(stat(&answer(node, "sets/test/c"), "objects"), want);
        assert_eq!(stat(&answer(node, "sets"), "objects"), want);
        assert_eq!(stat(&answer(node, "namespace/test"), "objects"), want);
        assert_eq!(stat(&answer(node, "namespace/test"), "master_objects"), want);
        assert_eq!(stat(&answer(node, "statistics"), "objects"), want);
    }
}

// thr_tsvc.c: a command whose partition reservation fails (`as_partition_reserve_write`/
// `_read_tr` return -1 with the better node) is diverted to that node (`as_proxy_divert`), and
// its answer goes back on the client's connection (proxy.c `proxyer_handle_client_response`,
// counted in `client_proxy_complete`).
#[test]
fn single_record_commands_reaching_another_node_are_proxied_to_the_owner() {
    let nodes = three_nodes();
    for k in 0..30 {
        let home = owner(&nodes, k);
        let away = (home + 1) % 3;
        assert!(proxies(&nodes[away], get(k)) && !proxies(&nodes[home], get(k)));
        let before = ns_stat(&nodes[away], "client_proxy_complete");
        assert_eq!(result_code(&nodes[away], get(k)), rc::KEY_NOT_FOUND);
        assert_eq!(result_code(&nodes[away], put(k)), rc::OK);
        assert_eq!(result_code(&nodes[home], get(k)), rc::OK, "written on the owner");
        assert_eq!(result_code(&nodes[(home + 2) % 3], get(k)), rc::OK);
        assert_eq!(ns_stat(&nodes[away], "client_proxy_complete"), before + 2);
        let d = digest::of_int(SET, k);
        for (i, node) in nodes.iter().enumerate() {
            let held = node.store.namespace(b"test").expect("ns").partition(&d).get(&d).is_some();
            assert_eq!(held, i == home, "key {k} is only on its owner, once");
        }
    }
    assert_eq!(stat(&answer(&nodes[0], "statistics"), "proxy_in_progress"), "0");
}

#[test]
fn cluster_wide_commands_reach_every_node_store_from_any_node() {
    let nodes = three_nodes();
    for k in 0..30 {
        assert_eq!(result_code(&nodes[owner(&nodes, k)], put(k)), rc::OK);
    }
    assert_eq!(answer(&nodes[1], "sindex-create:namespace=test;set=c;indexname=by_v;bin=v;type=numeric"), "ok");
    for node in &nodes {
        assert!(answer(node, "sindex-list:ns=test").contains("indexname=by_v"));
    }
    // Truncate drops records updated strictly before its cut-off.
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert_eq!(answer(&nodes[2], "truncate:namespace=test;set=c"), "ok");
    for k in 0..30 {
        assert_eq!(result_code(&nodes[owner(&nodes, k)], get(k)), rc::KEY_NOT_FOUND);
    }
}

#[test]
fn principal_is_the_highest_id_and_key_is_shared() {
    let members: Vec<Member> =
        ["BB9020011AC4202", "BB90A0011AC4202", "BB9030011AC4202"].map(|id| Member { id: id.to_string(), address: String::new() }).to_vec();
    let stores = |n: usize| (0..n).map(|_| Arc::new(Store::new(&[NamespaceConfig::new("test")]))).collect::<Vec<_>>();
    let c = Cluster::new(members.clone(), stores(3), 1);
    assert_eq!(c.principal(), "BB90A0011AC4202");
    assert_eq!(c.peers_of(1).iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["BB9020011AC4202", "BB9030011AC4202"]);
    let one = Cluster::new(members[..1].to_vec(), stores(1), 1);
    assert_ne!(c.key(), one.key());
    // A node going down changes the key, the principal, the peers and both generations.
    let (key, generation) = (c.key(), c.table().generation);
    c.set_up(1, false);
    assert_ne!(c.key(), key);
    assert_eq!(c.principal(), "BB9030011AC4202");
    assert_eq!(c.peers_of(0).len(), 1);
    assert_eq!((c.peers_generation(), c.table().generation), (2, generation + 1));
}

fn three_nodes_rf(replication_factor: u32) -> Vec<Arc<Node>> {
    let config = Config { namespaces: vec![NamespaceConfig { replication_factor, ..NamespaceConfig::new("test") }], ..Config::default() };
    let store = Arc::new(Store::new(&config.namespaces));
    Node::link(Node::cluster(&config, &[3000, 3001, 3002], store))
}

/// The nodes holding `key`'s partition, master first.
fn holders(nodes: &[Arc<Node>], key: i64) -> Vec<usize> {
    let pid = digest::partition_id(&digest::of_int(SET, key));
    nodes[0].cluster.table().holders(pid).iter().map(|&n| usize::from(n)).collect()
}

// partition.c, as_partition_get_replicas_all_str: `ns:regime,n,map0,...,map(n-1)`, n the
// effective replication factor; each partition is on n distinct nodes, once per position.
#[test]
fn replicas_maps_give_each_partition_a_master_and_replicas_on_distinct_nodes() {
    let nodes = three_nodes_rf(2);
    let mut seen = vec![[0usize; 2]; N_PARTITIONS];
    let mut node_of = vec![[usize::MAX; 2]; N_PARTITIONS];
    for (i, node) in nodes.iter().enumerate() {
        let entry = answer(node, "replicas");
        let maps = entry.strip_prefix("test:0,2,").expect("regime 0 and two columns");
        for (j, map) in maps.split(',').enumerate() {
            let set = decoded(map);
            for pid in (0..N_PARTITIONS).filter(|&p| set.contains(p)) {
                seen[pid][j] += 1;
                node_of[pid][j] = i;
            }
        }
        assert_eq!(stat(&answer(node, "namespace/test"), "effective_replication_factor"), "2");
    }
    for pid in 0..N_PARTITIONS {
        assert_eq!(seen[pid], [1, 1], "partition {pid}");
        assert_ne!(node_of[pid][0], node_of[pid][1], "partition {pid}");
    }
}

// A write runs on the master only (`as_partition_reserve_write`: any other node proxies it);
// a read on any node holding a full copy (`find_best_node` on a replica with no pending
// immigration returns self), and a node holding none proxies it to the master.
#[test]
fn writes_reach_the_replica_and_reads_are_served_by_it() {
    let nodes = three_nodes_rf(2);
    for k in 0..20 {
        let h = holders(&nodes, k);
        let other = (0..3).find(|i| !h.contains(i)).expect("a node without the partition");
        assert!(proxies(&nodes[h[1]], put(k)), "the replica proxies writes");
        assert_eq!(result_code(&nodes[h[1]], put(k)), rc::OK);
        assert!(!proxies(&nodes[h[1]], get(k)), "the replica serves reads");
        assert_eq!(result_code(&nodes[h[1]], get(k)), rc::OK, "the replica has the write");
        assert!(proxies(&nodes[other], get(k)));
        assert_eq!(result_code(&nodes[other], get(k)), rc::OK);
        let d = digest::of_int(SET, k);
        let copies = nodes.iter().filter(|n| n.store.namespace(b"test").expect("ns").partition(&d).get(&d).is_some()).count();
        assert_eq!(copies, 2, "on the master and its replica only");
    }
}

// proxy.c: a proxied command whose node dies before answering gets no answer; the proxyer
// answers TIMEOUT at the command's end time (`proxy_timeout_reduce_fn`, counted in
// `client_proxy_timeout`), and the write was not applied by the node that died before it ran.
#[test]
fn a_proxy_to_a_node_that_died_times_out_and_writes_nothing() {
    let nodes = three_nodes_rf(2);
    let k = (0..).find(|&k| holders(&nodes, k)[0] == 1).expect("a key node 1 masters");
    let proxyer = 0;
    let mut h = MsgHeader { info2: info2::WRITE, transaction_ttl: 50, ..Default::default() };
    let key_field = [&[particle::INTEGER][..], &k.to_be_bytes()].concat();
    let value = 7i64.to_be_bytes();
    let fields = [(field::NAMESPACE, &b"test"[..]), (field::SET, SET), (field::KEY, &key_field[..])];
    let ops = [(op::WRITE, particle::INTEGER, &b"v"[..], &value[..])];
    let write = request(h, &fields, &ops);
    // Node 1 dies: down at once, before the cluster's table drops it.
    nodes[1].up.send_replace(false);
    assert_eq!(result_code(&nodes[proxyer], write.clone()), rc::TIMEOUT);
    assert_eq!(ns_stat(&nodes[proxyer], "client_proxy_timeout"), 1);
    nodes[0].cluster.set_up(1, false);
    assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], get(k)), rc::KEY_NOT_FOUND, "never applied");
    // Once the table has moved, the command runs on the new master.
    h.transaction_ttl = 0;
    assert_eq!(result_code(&nodes[2], request(h, &fields, &ops)), rc::OK);
    assert_eq!(result_code(&nodes[0], get(k)), rc::OK);
}

#[test]
fn a_lost_node_is_replaced_by_its_replicas_and_gets_everything_back() {
    let nodes = three_nodes_rf(2);
    for k in 0..200 {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], put(k)), rc::OK);
    }
    let generation = answer(&nodes[0], "partition-generation");
    nodes[0].cluster.set_up(1, false);
    assert_ne!(answer(&nodes[0], "partition-generation"), generation);
    assert!(!answer(&nodes[0], "peers-clear-std").contains(&nodes[1].id));
    for k in 0..200 {
        let h = holders(&nodes, k);
        assert!(!h.contains(&1) && h.len() == 2, "two copies on the two nodes left: {h:?}");
        for &n in &h {
            assert_eq!(result_code(&nodes[n], get(k)), rc::OK, "key {k} on node {n}");
        }
    }
    for k in 200..260 {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], put(k)), rc::OK);
    }
    nodes[0].cluster.set_up(1, true);
    let mut mastered = 0;
    for k in 0..260 {
        let h = holders(&nodes, k);
        mastered += usize::from(h[0] == 1);
        for &n in &h {
            assert_eq!(result_code(&nodes[n], get(k)), rc::OK, "key {k} on node {n} after the return");
        }
    }
    assert!(mastered > 0, "the returning node is master again");
}

#[test]
fn with_one_copy_a_lost_node_takes_its_records_with_it() {
    let nodes = three_nodes_rf(1);
    let lost: Vec<i64> = (0..60).filter(|&k| holders(&nodes, k)[0] == 2).collect();
    for k in 0..60 {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], put(k)), rc::OK);
    }
    nodes[0].cluster.set_up(2, false);
    for &k in &lost {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], get(k)), rc::KEY_NOT_FOUND);
    }
}

/// The value of bin `name` of `key` in `node`'s own store.
fn stored_bin(node: &Node, key: i64, name: &[u8]) -> Option<Value> {
    let d = digest::of_int(SET, key);
    node.store.namespace(b"test").expect("ns").partition(&d).get(&d).and_then(|r| r.bin(name).cloned())
}

/// Sends a background-ops query (write `bg` = 1 on every record of the set) to every node, as
/// a client does, and waits for the jobs to end.
fn background_ops_everywhere(nodes: &[Arc<Node>]) {
    let h = MsgHeader { info2: info2::WRITE, ..Default::default() };
    let body = request(h, &[(field::NAMESPACE, b"test"), (field::SET, SET)], &[(op::WRITE, particle::INTEGER, b"bg", &1i64.to_be_bytes())]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
    for node in nodes {
        assert!(rt.block_on(crate::net::query_stream::serve(&mut tokio::io::sink(), node, &body)));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !nodes.iter().flat_map(|n| n.jobs.all()).all(|j| j.done.load(std::sync::atomic::Ordering::Relaxed)) {
        assert!(std::time::Instant::now() < deadline, "the jobs end");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

// A background job's writes are internal transactions that go through the write path, replica
// writes included (thr_tsvc.c origins FROM_IOPS/FROM_IUDF; write.c, udf.c): once the job is
// done, every copy has them, and losing the master loses none.
#[test]
fn background_job_writes_reach_the_replicas_and_survive_the_master() {
    let nodes = three_nodes_rf(2);
    for k in 0..300 {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], put(k)), rc::OK);
    }
    background_ops_everywhere(&nodes);
    let succeeded: u64 = nodes.iter().flat_map(|n| n.jobs.all()).map(|j| j.succeeded.load(std::sync::atomic::Ordering::Relaxed)).sum();
    assert_eq!(succeeded, 300, "each record written once, by its master's job");
    for k in 0..300 {
        for n in holders(&nodes, k) {
            assert_eq!(stored_bin(&nodes[n], k, b"bg"), Some(Value::Int(1)), "key {k} on node {n}");
        }
    }
    nodes[0].cluster.set_up(0, false);
    for k in 0..300 {
        assert_eq!(stored_bin(&nodes[holders(&nodes, k)[0]], k, b"bg"), Some(Value::Int(1)), "key {k} after the loss");
    }
}

// query.c: a job's sub-transaction on a partition the node no longer masters fails its
// reservation (thr_tsvc.c answers it AS_ERR_UNKNOWN) and counts as failed; it writes nothing.
#[test]
fn a_background_job_writes_nothing_where_its_node_is_no_longer_master() {
    let nodes = three_nodes_rf(2);
    for k in 0..100 {
        assert_eq!(result_code(&nodes[holders(&nodes, k)[0]], put(k)), rc::OK);
    }
    let gate = JobWrites { cluster: nodes[0].cluster.clone(), me: 1 };
    let ns = nodes[1].store.namespace(b"test").expect("ns").clone();
    let mut ran = 0;
    for k in 0..100 {
        let d = digest::of_int(SET, k);
        let outcome = gate.run(&ns, &d, &mut || {
            ran += 1;
            Outcome::Succeeded
        });
        let master = holders(&nodes, k)[0] == 1;
        assert_eq!(outcome, Some(if master { Outcome::Succeeded } else { Outcome::Failed }), "key {k}");
    }
    assert!(ran > 0 && ran < 100);
    nodes[0].cluster.set_up(1, false);
    assert_eq!(gate.run(&ns, &digest::of_int(SET, 0), &mut || Outcome::Succeeded), None, "a dead node's job ends");
}

// partition_ce.c `partition_reserve_unavailable` (AP, CE): 11 only when a partition has no
// replicas at all (the node has no resolved partition table); a partition whose every copy was
// lost is given to new holders empty (partition_balance.c, "fresh partitions") and serves.
#[test]
fn losing_every_copy_empties_a_partition_but_never_makes_it_unavailable() {
    let nodes = three_nodes_rf(1);
    let k = (0..).find(|&k| holders(&nodes, k) == [2]).expect("a key on node 2");
    assert_eq!(result_code(&nodes[0], put(k)), rc::OK);
    nodes[0].cluster.set_up(2, false);
    for node in &nodes[..2] {
        assert_eq!(result_code(node, get(k)), rc::KEY_NOT_FOUND, "the data went with its node");
    }
    assert_eq!(result_code(&nodes[1], put(k)), rc::OK);
    assert_eq!(result_code(&nodes[0], get(k)), rc::OK);
}

// node::faults: a command proxied to a node is one that node runs, so its injected result code
// answers it; a dropped-connection fault concerns the client's connections to that node only.
#[test]
fn a_proxied_command_meets_the_faults_of_the_node_that_runs_it() {
    use crate::node::faults::{Fault, FaultKind};
    let nodes = three_nodes_rf(2);
    let k = (0..).find(|&k| holders(&nodes, k)[0] == 1).expect("a key node 1 masters");
    nodes[1].faults.add(Fault { kind: FaultKind::ResultCode(rc::SERVER_MEM_ERROR), remaining: Some(1) });
    nodes[1].faults.add(Fault { kind: FaultKind::DropMidResponse, remaining: Some(1) });
    assert_eq!(result_code(&nodes[0], put(k)), rc::SERVER_MEM_ERROR);
    assert_eq!(result_code(&nodes[0], get(k)), rc::KEY_NOT_FOUND, "refused, not run");
    assert_eq!(result_code(&nodes[0], put(k)), rc::OK, "the code was used up");
    let left = nodes[1].faults.list();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].kind, FaultKind::DropMidResponse, "left for a client's connection to node 1");
}
