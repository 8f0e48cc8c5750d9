//! The entries of every index inside one partition, updated under that partition's lock, so an
//! index is never out of step with the records it points at. Each entry set also remembers
//! what it holds for each digest, so an update never depends on the old record's contents.

use std::collections::{BTreeSet, HashMap};

use crate::expressions::geo::{self, Shape};
use crate::storage::{Digest, Record};

use super::keys::{self, Key};
use super::Registry;

/// What a query looks for in an index.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// An inclusive integer range (equality is a range of one).
    Range(i64, i64),
    /// Equality on a string or blob.
    Equal(Vec<u8>),
    /// Points within a region, or regions containing a point.
    Geo(Shape),
}

#[derive(Debug, Default)]
struct Entries {
    keys: BTreeSet<(Key, Digest)>,
    of_record: HashMap<Digest, Vec<Key>>,
    shapes: HashMap<Digest, Vec<Shape>>,
}

impl Entries {
    fn remove(&mut self, d: &Digest) {
        if let Some(ks) = self.of_record.remove(d) {
            for k in ks {
                self.keys.remove(&(k, *d));
            }
        }
        self.shapes.remove(d);
    }

    fn insert(&mut self, d: Digest, x: keys::Extracted) {
        for k in &x.keys {
            self.keys.insert((k.clone(), d));
        }
        if !x.keys.is_empty() {
            self.of_record.insert(d, x.keys);
        }
        if !x.shapes.is_empty() {
            self.shapes.insert(d, x.shapes);
        }
    }

    fn len(&self) -> usize {
        self.keys.len() + self.shapes.values().map(Vec::len).sum::<usize>()
    }
}

/// Storage tells a partition's entries of every change to its records.
impl crate::storage::RecordIndex for PartitionIndex {
    type Defs = super::Registry;
    fn update(&mut self, defs: &super::Registry, d: &Digest, rec: &Record) {
        PartitionIndex::update(self, defs, d, rec)
    }
    fn remove(&mut self, d: &Digest) {
        PartitionIndex::remove(self, d)
    }
}

/// Every index's entries for one partition, keyed by index id.
#[derive(Debug, Default)]
pub struct PartitionIndex {
    by_index: HashMap<u64, Entries>,
}

impl PartitionIndex {
    /// Re-indexes `d` after a write: drops what it held, adds what `rec` now contributes.
    pub fn update(&mut self, registry: &Registry, d: &Digest, rec: &Record) {
        registry.with_defs(|defs| {
            for def in defs {
                let x = keys::extract(def, rec, d);
                let had = self.by_index.get(&def.id).is_some_and(|e| e.of_record.contains_key(d) || e.shapes.contains_key(d));
                if x.is_empty() && !had {
                    continue;
                }
                let e = self.by_index.entry(def.id).or_default();
                e.remove(d);
                e.insert(*d, x);
            }
        });
    }

    /// Drops every entry of `d` (delete, expiry, truncate).
    pub fn remove(&mut self, d: &Digest) {
        for e in self.by_index.values_mut() {
            e.remove(d);
        }
    }

    /// Indexes one record for one (new) index while it is being built.
    pub fn build_one(&mut self, def: &super::IndexDef, d: &Digest, rec: &Record) {
        let x = keys::extract(def, rec, d);
        let e = self.by_index.entry(def.id).or_default();
        e.remove(d);
        e.insert(*d, x);
    }

    /// Forgets a dropped index.
    pub fn drop_index(&mut self, id: u64) {
        self.by_index.remove(&id);
    }

    pub fn entry_count(&self, id: u64) -> usize {
        self.by_index.get(&id).map_or(0, Entries::len)
    }

    /// The digests matching `p` in index `id`, in descending digest order, each with how many
    /// times it answers: once for key predicates, once per matching element for geo.
    pub fn lookup(&self, id: u64, p: &Predicate) -> Vec<(Digest, u32)> {
        let Some(e) = self.by_index.get(&id) else { return Vec::new() };
        let mut out: Vec<(Digest, u32)> = match p {
            Predicate::Range(lo, hi) => {
                let lo = (Key::Int(*lo), [0u8; 20]);
                let hi = (Key::Int(*hi), [0xffu8; 20]);
                let set: BTreeSet<Digest> = e.keys.range(lo..=hi).map(|(_, d)| *d).collect();
                set.into_iter().map(|d| (d, 1)).collect()
            }
            Predicate::Equal(b) => {
                let lo = (Key::Bytes(b.clone()), [0u8; 20]);
                let hi = (Key::Bytes(b.clone()), [0xffu8; 20]);
                e.keys.range(lo..=hi).map(|(_, d)| (*d, 1)).collect()
            }
            Predicate::Geo(q) => e
                .shapes
                .iter()
                .filter_map(|(d, shapes)| {
                    let n = shapes.iter().filter(|s| geo::matches(s, q)).count() as u32;
                    (n > 0).then_some((*d, n))
                })
                .collect(),
        };
        out.sort_by_key(|x| std::cmp::Reverse(x.0));
        out
    }
}
