//! The index keys one record contributes to one index: the bin (or expression) value, followed
//! into its CDT context, split by collection type, and kept when it has the index's key type.

use crate::cdt::{context, order};
use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle::Value;
use crate::expressions::{self, geo, RecordView};
use crate::storage::{Digest, Record};

use super::{CollType, IndexDef, KeyType};

/// Strings and blobs longer than this are not indexed (and a query value this long is refused).
pub const MAX_KEY_BYTES: usize = 2048;

/// An ordered index key. Numeric indexes hold `Int`, string and blob indexes `Bytes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Int(i64),
    Bytes(Vec<u8>),
}

/// What a record contributes: ordered keys, or shapes for a geo index (one per element).
#[derive(Debug, Default, Clone)]
pub struct Extracted {
    pub keys: Vec<Key>,
    pub shapes: Vec<geo::Shape>,
}

impl Extracted {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.shapes.is_empty()
    }
}

/// A scalar or container, from a bin value or from inside msgpack.
enum Item {
    Int(i64),
    Str(Vec<u8>),
    Blob(Vec<u8>),
    Geo(Vec<u8>),
    Mp(MpValue),
    Other,
}

fn item_of_value(v: &Value) -> Item {
    match v {
        Value::Int(i) => Item::Int(*i),
        Value::Str(s) => Item::Str(s.clone()),
        Value::Blob(t, b) if *t == crate::codec::particle::BLOB => Item::Blob(b.clone()),
        Value::GeoJson(t) => Item::Geo(t.clone()),
        Value::List(b) | Value::Map(b) => msgpack::parse(b).map_or(Item::Other, Item::Mp),
        _ => Item::Other,
    }
}

fn item_of_mp(v: &MpValue) -> Item {
    match v {
        MpValue::Int(i) => Item::Int(*i),
        MpValue::Raw { data, .. } => match data.split_first() {
            Some((&RAW_STRING, rest)) => Item::Str(rest.to_vec()),
            Some((&RAW_BLOB, rest)) => Item::Blob(rest.to_vec()),
            Some((&RAW_GEOJSON, rest)) => Item::Geo(rest.to_vec()),
            _ => Item::Other,
        },
        MpValue::Array(_) | MpValue::Map(_) => Item::Mp(v.clone()),
        _ => Item::Other,
    }
}

/// The value an index looks at, before collection splitting.
fn source(def: &IndexDef, rec: &Record, digest: &Digest) -> Option<Item> {
    let top = if let Some(exp) = &def.exp {
        // An expression op's argument is `[expr, flags]`.
        let mut raw = Vec::with_capacity(exp.len() + 2);
        raw.push(0x92);
        raw.extend_from_slice(exp);
        raw.push(0);
        let v = expressions::read_op(&RecordView { record: rec, digest }, &raw).ok()??;
        item_of_value(&v)
    } else {
        item_of_value(rec.bin(def.bin.as_deref()?)?)
    };
    if def.ctx.is_empty() {
        return Some(top);
    }
    let Item::Mp(root) = top else { return None };
    let inner = context::resolve(&root, &def.ctx).ok()?;
    Some(item_of_mp(inner))
}

fn push(def: &IndexDef, item: Item, out: &mut Extracted) {
    match (def.key_type, item) {
        (KeyType::Numeric, Item::Int(i)) => out.keys.push(Key::Int(i)),
        (KeyType::String, Item::Str(s)) if s.len() <= MAX_KEY_BYTES => out.keys.push(Key::Bytes(s)),
        (KeyType::Blob, Item::Blob(b)) if b.len() <= MAX_KEY_BYTES => out.keys.push(Key::Bytes(b)),
        (KeyType::Geo, Item::Geo(t)) => {
            if let Some(shape) = geo::parse(&t) {
                out.shapes.push(shape);
            }
        }
        _ => {}
    }
}

/// The keys `rec` contributes to `def` (nothing when the record's set is not covered).
pub fn extract(def: &IndexDef, rec: &Record, digest: &Digest) -> Extracted {
    let mut out = Extracted::default();
    if !def.covers_set(&rec.set) {
        return out;
    }
    let Some(item) = source(def, rec, digest) else { return out };
    match def.coll {
        CollType::Default => push(def, item, &mut out),
        CollType::List => {
            if let Item::Mp(MpValue::Array(items)) = item {
                for v in items.iter().filter(|v| !order::is_header(v)) {
                    push(def, item_of_mp(v), &mut out);
                }
            }
        }
        CollType::MapKeys | CollType::MapValues => {
            if let Item::Mp(MpValue::Map(pairs)) = item {
                for (k, v) in pairs.iter().filter(|(k, _)| !order::is_header(k)) {
                    let x = if def.coll == CollType::MapKeys { k } else { v };
                    push(def, item_of_mp(x), &mut out);
                }
            }
        }
    }
    // Equal keys of one record are one entry; geo elements each count.
    out.keys.sort();
    out.keys.dedup();
    out
}
