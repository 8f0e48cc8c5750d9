//! Ownership, peers and replicas of a three-node cluster, through the nodes' own answers.

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

fn three_nodes() -> Vec<Node> {
    let store = Arc::new(Store::new(&[NamespaceConfig::new("test"), NamespaceConfig::new("bar")]));
    Node::cluster(&Config::default(), &[3000, 3001, 3002], store)
}

/// The one node whose partitions hold `key`.
fn owner(nodes: &[Node], key: i64) -> usize {
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

/// Sends one AS_MSG to `node` as a client would and returns the answer's result code.
fn result_code(node: &Node, body: Vec<u8>) -> u8 {
    let frame = proto::frame(proto::TYPE_MSG, &body);
    let header = ProtoHeader::parse(frame[..proto::HEADER_SIZE].try_into().expect("header"));
    match dispatch(node, &mut Conn::default(), header, body) {
        Some(Reply::Frame(answer)) => message::parse(&answer[proto::HEADER_SIZE..]).expect("answer").header.result_code,
        _ => panic!("a single-record command is answered by one frame"),
    }
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
fn shares_are_disjoint_and_cover_every_partition() {
    for n in 1..=5 {
        let shares: Vec<PartitionSet> = (0..n).map(|i| PartitionSet::share_of(i, n)).collect();
        for pid in 0..N_PARTITIONS {
            let owners: Vec<usize> = (0..n).filter(|&i| shares[i].contains(pid)).collect();
            assert_eq!(owners, vec![pid % n], "partition {pid} of {n} nodes");
        }
    }
    assert_eq!(PartitionSet::share_of(0, 1), PartitionSet::all());
    assert!(!PartitionSet::all().contains(N_PARTITIONS));
}

#[test]
fn bitmap_is_most_significant_bit_first() {
    let set = PartitionSet::share_of(1, 3);
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
        let others: Vec<&Node> = nodes.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, n)| n).collect();
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
            assert_eq!(master, node.partitions);
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
    let ns = nodes[0].store.namespace(b"test").expect("ns");
    let mut expected = [0u64; 3];
    for k in 0..600 {
        let d = digest::of_int(SET, k);
        let mut r = Record::new(SET.to_vec());
        r.set_bin(b"v", Value::Int(k));
        ns.partition(&d).put(d, r);
        expected[owner(&nodes, k)] += 1;
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

#[test]
fn single_record_commands_run_only_on_the_owner() {
    let nodes = three_nodes();
    for k in 0..30 {
        let home = owner(&nodes, k);
        for (i, node) in nodes.iter().enumerate() {
            if i != home {
                assert_eq!(result_code(node, put(k)), rc::PARTITION_UNAVAILABLE);
                assert_eq!(result_code(node, get(k)), rc::PARTITION_UNAVAILABLE);
            }
        }
        assert_eq!(result_code(&nodes[home], get(k)), rc::KEY_NOT_FOUND, "refused writes wrote nothing");
        assert_eq!(result_code(&nodes[home], put(k)), rc::OK);
        assert_eq!(result_code(&nodes[home], get(k)), rc::OK);
    }
}

#[test]
fn cluster_wide_commands_reach_the_shared_store_from_any_node() {
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
    let c = Cluster {
        members: ["BB9020011AC4202", "BB90A0011AC4202", "BB9030011AC4202"]
            .map(|id| Member { id: id.to_string(), address: String::new() })
            .to_vec(),
    };
    assert_eq!(c.principal(), "BB90A0011AC4202");
    assert_eq!(c.peers_of(1).map(|m| m.id.as_str()).collect::<Vec<_>>(), ["BB9020011AC4202", "BB9030011AC4202"]);
    let one = Cluster { members: c.members[..1].to_vec() };
    assert_ne!(c.key(), one.key());
}
