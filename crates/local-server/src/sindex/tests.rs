//! Index maintenance on every mutation path, definitions and their 201/200 rules, key
//! extraction by type and collection, geo lookups.

use super::*;
use crate::codec::particle::Value;
use crate::storage::PartitionSet;
use crate::config::NamespaceConfig;
use crate::storage::{digest, Record};
use crate::indexed_store::Store;

fn new_index(name: &str, bin: &str, key_type: KeyType, coll: CollType) -> NewIndex {
    NewIndex { name: name.into(), set: Some(b"s".to_vec()), bin: Some(bin.as_bytes().to_vec()), key_type, coll, ctx_bytes: None, exp: None }
}

fn rec(bins: &[(&str, Value)]) -> Record {
    let mut r = Record::new(b"s".to_vec());
    for (n, v) in bins {
        r.set_bin(n.as_bytes(), v.clone());
    }
    r
}

fn lookup_all(ns: &crate::indexed_store::Namespace, id: u64, p: &Predicate) -> Vec<Digest> {
    let mut out = Vec::new();
    for pid in 0..crate::storage::N_PARTITIONS {
        out.extend(ns.partition_at(pid).index().lookup(id, p).into_iter().map(|(d, _)| d));
    }
    out.sort();
    out
}

use crate::storage::Digest;

#[test]
fn maintained_on_put_remove_expiry_and_truncate() {
    let store = Store::new(&[NamespaceConfig::new("test")]);
    let ns = store.namespace(b"test").expect("ns");
    let d1 = digest::of_int(b"s", 1);
    ns.partition(&d1).put(d1, rec(&[("n", Value::Int(10))]));
    // Built over the existing record.
    let Ok(Created::New(id)) = ns.sindex.create(new_index("i", "n", KeyType::Numeric, CollType::Default)) else {
        panic!("created")
    };
    let def = ns.sindex.by_name("i").expect("def");
    build::build(ns, &def);
    assert_eq!(def.load_pct(), 100);
    assert_eq!(lookup_all(ns, id, &Predicate::Range(10, 10)), vec![d1]);
    // Update moves the entry.
    ns.partition(&d1).put(d1, rec(&[("n", Value::Int(20))]));
    assert!(lookup_all(ns, id, &Predicate::Range(10, 10)).is_empty());
    assert_eq!(lookup_all(ns, id, &Predicate::Range(15, 25)), vec![d1]);
    // A value of another type leaves the index.
    ns.partition(&d1).put(d1, rec(&[("n", Value::Str(b"20".to_vec()))]));
    assert!(lookup_all(ns, id, &Predicate::Range(i64::MIN, i64::MAX)).is_empty());
    ns.partition(&d1).put(d1, rec(&[("n", Value::Int(5))]));
    // Delete.
    ns.partition(&d1).remove(&d1);
    assert!(lookup_all(ns, id, &Predicate::Range(i64::MIN, i64::MAX)).is_empty());
    // Expiry (sweep) and live().
    let mut r = rec(&[("n", Value::Int(1))]);
    r.void_time = 5;
    ns.partition(&d1).put(d1, r.clone());
    assert_eq!(store.sweep_expired(10), 1);
    assert!(lookup_all(ns, id, &Predicate::Range(1, 1)).is_empty());
    ns.partition(&d1).put(d1, r);
    assert!(ns.partition(&d1).live(&d1, 10).is_none());
    assert!(lookup_all(ns, id, &Predicate::Range(1, 1)).is_empty());
    // Truncate.
    let mut r = rec(&[("n", Value::Int(1))]);
    r.last_update_ms = 1;
    ns.partition(&d1).put(d1, r);
    assert_eq!(crate::truncate::truncate(&store, b"test", Some(b"s"), 2), 1);
    assert!(lookup_all(ns, id, &Predicate::Range(1, 1)).is_empty());
    // Dropping the index drops its entries.
    ns.partition(&d1).put(d1, rec(&[("n", Value::Int(1))]));
    assert_eq!(build::entry_count(ns, id, &PartitionSet::all()), 1);
    let gone = ns.sindex.remove("i").expect("removed");
    build::drop_entries(ns, gone.id);
    assert_eq!(build::entry_count(ns, id, &PartitionSet::all()), 0);
}

#[test]
fn definitions_rename_and_refuse() {
    let r = Registry::default();
    assert!(matches!(r.create(new_index("a", "n", KeyType::Numeric, CollType::Default)), Ok(Created::New(_))));
    assert_eq!(r.create(new_index("a", "n", KeyType::Numeric, CollType::Default)), Ok(Created::Unchanged));
    assert_eq!(r.create(new_index("a", "m", KeyType::Numeric, CollType::Default)).map_err(|e| e.0), Err(INDEX_FOUND));
    assert_eq!(r.create(new_index("b", "n", KeyType::Numeric, CollType::Default)), Ok(Created::Renamed));
    assert!(r.by_name("a").is_none() && r.by_name("b").is_some());
    let q = |coll, t| IndexQuery { bin: b"n", key_type: Some(t), coll: Some(coll), ..Default::default() };
    assert!(r.find(Some(b"s"), &q(CollType::Default, KeyType::Numeric)).is_ok());
    assert_eq!(r.find(Some(b"s"), &q(CollType::List, KeyType::Numeric)).err(), Some(INDEX_NOT_FOUND));
    assert_eq!(r.find(Some(b"s"), &q(CollType::Default, KeyType::String)).err(), Some(INDEX_NOT_FOUND));
    assert_eq!(r.find(None, &q(CollType::Default, KeyType::Numeric)).err(), Some(INDEX_NOT_FOUND));
    assert_eq!(r.find(Some(b"t"), &q(CollType::Default, KeyType::Numeric)).err(), Some(INDEX_NOT_FOUND));
}

// as_sindex_manager_sindex_create: at MAX_N_SINDEXES (256) definitions a new one gets
// ERROR:206:already at sindex definition limit; re-creating or renaming still works.
#[test]
fn at_most_256_definitions() {
    let r = Registry::default();
    for i in 0..MAX_SINDEXES {
        assert!(matches!(r.create(new_index(&format!("i{i}"), &format!("b{i}"), KeyType::Numeric, CollType::Default)), Ok(Created::New(_))));
    }
    let over = r.create(new_index("over", "x", KeyType::Numeric, CollType::Default));
    assert_eq!(over, Err((SINDEX_MAX_COUNT, "already at sindex definition limit")));
    assert_eq!(r.create(new_index("i0", "b0", KeyType::Numeric, CollType::Default)), Ok(Created::Unchanged));
    assert_eq!(r.create(new_index("renamed", "b1", KeyType::Numeric, CollType::Default)), Ok(Created::Renamed));
}

#[test]
fn collections_and_types() {
    let store = Store::new(&[NamespaceConfig::new("test")]);
    let ns = store.namespace(b"test").expect("ns");
    let list = |items: &[i64]| {
        let mut b = vec![0x90 | items.len() as u8];
        for i in items {
            b.push(*i as u8);
        }
        Value::List(b)
    };
    let Ok(Created::New(id)) = ns.sindex.create(new_index("l", "l", KeyType::Numeric, CollType::List)) else { panic!() };
    let d = digest::of_int(b"s", 7);
    ns.partition(&d).put(d, rec(&[("l", list(&[1, 2, 3, 2, 1]))]));
    // A range over several matching elements answers the record once.
    assert_eq!(lookup_all(ns, id, &Predicate::Range(1, 5)), vec![d]);
    let Ok(Created::New(gid)) = ns.sindex.create(new_index("g", "loc", KeyType::Geo, CollType::Default)) else { panic!() };
    let g = digest::of_int(b"s", 8);
    ns.partition(&g).put(g, rec(&[("loc", Value::GeoJson(br#"{"type":"Point","coordinates":[179.9,0.0]}"#.to_vec()))]));
    let region = crate::expressions::geo::parse(
        br#"{"type":"Polygon","coordinates":[[[179,-1],[-179,-1],[-179,1],[179,1],[179,-1]]]}"#,
    )
    .expect("region");
    // An antimeridian-crossing polygon is the small one.
    assert_eq!(lookup_all(ns, gid, &Predicate::Geo(region)), vec![g]);
    let far = crate::expressions::geo::parse(br#"{"type":"AeroCircle","coordinates":[[0.0,0.0],1000.0]}"#).expect("c");
    assert!(lookup_all(ns, gid, &Predicate::Geo(far)).is_empty());
}
