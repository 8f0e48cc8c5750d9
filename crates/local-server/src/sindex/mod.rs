//! Secondary indexes as CE 8.1 has them: definitions per namespace (`Registry`), the keys a
//! record contributes (`keys`), and per-partition entries kept current on every mutation
//! (`entries`, driven from `storage::Partition::put`/`remove`, the one notification point).
//!
//! An index is on a bin (or on an expression's value), optionally inside a CDT context, of one
//! key type (numeric, string, blob, geo2dsphere) and one collection type (default, list,
//! mapkeys, mapvalues). A query finds its index with [`Registry::find`], whose refusals are the
//! server's 201 ("no index").

pub mod build;
pub mod entries;
pub mod keys;

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use crate::cdt::context::{self, CtxItem};
use crate::codec::msgpack;
use crate::codec::particle;
use crate::result_code as rc;

pub use entries::{PartitionIndex, Predicate};

/// 200: an index of this name exists with another definition.
pub const INDEX_FOUND: u8 = 200;
/// 201: no index serves the query (or the name is unknown).
pub const INDEX_NOT_FOUND: u8 = 201;
/// `AS_ERR_SINDEX_MAX_COUNT`: a namespace holds at most `MAX_N_SINDEXES` (256) definitions.
pub const SINDEX_MAX_COUNT: u8 = 206;
pub const MAX_SINDEXES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Numeric,
    String,
    Blob,
    Geo,
}

impl KeyType {
    pub fn parse(s: &str) -> Option<KeyType> {
        match s.to_ascii_lowercase().as_str() {
            "numeric" => Some(KeyType::Numeric),
            "string" => Some(KeyType::String),
            "blob" => Some(KeyType::Blob),
            "geo2dsphere" => Some(KeyType::Geo),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyType::Numeric => "numeric",
            KeyType::String => "string",
            KeyType::Blob => "blob",
            KeyType::Geo => "geo2dsphere",
        }
    }

    /// The key type a query value of this particle type looks for.
    pub fn of_particle(p: u8) -> Option<KeyType> {
        match p {
            particle::INTEGER => Some(KeyType::Numeric),
            particle::STRING => Some(KeyType::String),
            particle::BLOB => Some(KeyType::Blob),
            particle::GEOJSON => Some(KeyType::Geo),
            _ => None,
        }
    }
}

/// The collection type: what of the (context-selected) value is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollType {
    Default,
    List,
    MapKeys,
    MapValues,
}

impl CollType {
    pub fn parse(s: &str) -> Option<CollType> {
        match s.to_ascii_lowercase().as_str() {
            "default" | "none" => Some(CollType::Default),
            "list" => Some(CollType::List),
            "mapkeys" => Some(CollType::MapKeys),
            "mapvalues" => Some(CollType::MapValues),
            _ => None,
        }
    }

    /// The query message's INDEX_TYPE byte.
    pub fn from_wire(b: u8) -> Option<CollType> {
        match b {
            0 => Some(CollType::Default),
            1 => Some(CollType::List),
            2 => Some(CollType::MapKeys),
            3 => Some(CollType::MapValues),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CollType::Default => "default",
            CollType::List => "list",
            CollType::MapKeys => "mapkeys",
            CollType::MapValues => "mapvalues",
        }
    }
}

/// One index definition. Everything but the name is its identity.
#[derive(Debug)]
pub struct IndexDef {
    pub id: u64,
    pub name: String,
    pub set: Option<Vec<u8>>,
    /// `None` for an expression index.
    pub bin: Option<Vec<u8>>,
    pub key_type: KeyType,
    pub coll: CollType,
    /// The context as msgpack (what `context=` decodes to), and parsed.
    pub ctx_bytes: Option<Vec<u8>>,
    pub ctx: Vec<CtxItem>,
    /// The packed expression of an expression index.
    pub exp: Option<Vec<u8>>,
    /// Partitions built so far, out of 4096 (load_pct).
    pub built: Arc<AtomicU32>,
    pub created: Instant,
    /// Build time in milliseconds, once built.
    pub load_ms: Arc<AtomicU64>,
}

impl IndexDef {
    pub fn same_definition(&self, o: &NewIndex) -> bool {
        self.set == o.set
            && self.bin == o.bin
            && self.key_type == o.key_type
            && self.coll == o.coll
            && self.ctx_bytes == o.ctx_bytes
            && self.exp == o.exp
    }

    pub fn load_pct(&self) -> u32 {
        self.built.load(Ordering::Relaxed) * 100 / crate::storage::N_PARTITIONS as u32
    }

    /// Whether this index applies to records of `set`.
    pub fn covers_set(&self, set: &[u8]) -> bool {
        self.set.as_deref().is_none_or(|s| s == set)
    }
}

/// What `sindex-create` asks for.
#[derive(Debug, Clone)]
pub struct NewIndex {
    pub name: String,
    pub set: Option<Vec<u8>>,
    pub bin: Option<Vec<u8>>,
    pub key_type: KeyType,
    pub coll: CollType,
    pub ctx_bytes: Option<Vec<u8>>,
    pub exp: Option<Vec<u8>>,
}

/// What a query's index fields ask for.
#[derive(Debug, Clone, Default)]
pub struct IndexQuery<'a> {
    pub name: Option<&'a [u8]>,
    pub bin: &'a [u8],
    pub key_type: Option<KeyType>,
    pub coll: Option<CollType>,
    pub ctx: Option<&'a [u8]>,
    pub exp: Option<&'a [u8]>,
}

/// How a create went.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// A new index: it must now be built over the existing records.
    New(u64),
    /// The same definition under the same name: nothing to do.
    Unchanged,
    /// The same definition under another name: renamed.
    Renamed,
}

/// The indexes of one namespace.
#[derive(Debug, Default)]
pub struct Registry {
    defs: RwLock<Vec<Arc<IndexDef>>>,
    next_id: AtomicU64,
}

impl Registry {
    pub fn defs(&self) -> Vec<Arc<IndexDef>> {
        self.defs.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs `f` on the current definitions without copying them (the write path's hot loop).
    pub fn with_defs<R>(&self, f: impl FnOnce(&[Arc<IndexDef>]) -> R) -> R {
        f(&self.defs.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn by_name(&self, name: &str) -> Option<Arc<IndexDef>> {
        self.with_defs(|d| d.iter().find(|x| x.name == name).cloned())
    }

    pub fn create(&self, n: NewIndex) -> Result<Created, (u8, &'static str)> {
        let ctx = match &n.ctx_bytes {
            Some(b) => msgpack::parse(b).ok().and_then(|v| context::parse(v).ok()).ok_or((rc::PARAMETER_ERROR, "bad 'context'"))?,
            None => Vec::new(),
        };
        let mut defs = self.defs.write().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = defs.iter().find(|d| d.name == n.name) {
            return if existing.same_definition(&n) {
                Ok(Created::Unchanged)
            } else {
                Err((INDEX_FOUND, "'indexname' already exists with different definition"))
            };
        }
        if let Some(pos) = defs.iter().position(|d| d.same_definition(&n)) {
            let old = &defs[pos];
            let renamed = IndexDef {
                id: old.id,
                name: n.name,
                set: n.set,
                bin: n.bin,
                key_type: n.key_type,
                coll: n.coll,
                ctx_bytes: n.ctx_bytes,
                ctx,
                exp: n.exp,
                built: old.built.clone(),
                created: old.created,
                load_ms: old.load_ms.clone(),
            };
            defs[pos] = Arc::new(renamed);
            return Ok(Created::Renamed);
        }
        // A rename is allowed at the limit; a new definition is not (as_sindex_manager_sindex_create).
        if defs.len() >= MAX_SINDEXES {
            crate::log::warning("info", format_args!("sindex-create {}: already at sindex definition limit", n.name));
            return Err((SINDEX_MAX_COUNT, "already at sindex definition limit"));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        defs.push(Arc::new(IndexDef {
            id,
            name: n.name,
            set: n.set,
            bin: n.bin,
            key_type: n.key_type,
            coll: n.coll,
            ctx_bytes: n.ctx_bytes,
            ctx,
            exp: n.exp,
            built: Arc::new(AtomicU32::new(0)),
            created: Instant::now(),
            load_ms: Arc::new(AtomicU64::new(0)),
        }));
        Ok(Created::New(id))
    }

    /// Removes the definition; its entries are dropped by the caller (`storage`).
    pub fn remove(&self, name: &str) -> Option<Arc<IndexDef>> {
        let mut defs = self.defs.write().unwrap_or_else(|e| e.into_inner());
        let pos = defs.iter().position(|d| d.name == name)?;
        Some(defs.remove(pos))
    }

    /// The index a query uses, or 201. `set` is the query's set (`None`: the whole namespace).
    pub fn find(&self, set: Option<&[u8]>, q: &IndexQuery<'_>) -> Result<Arc<IndexDef>, u8> {
        let set_ok = |d: &IndexDef| match (&d.set, set) {
            (None, _) => true,
            (Some(s), Some(q)) => s.as_slice() == q,
            (Some(_), None) => false,
        };
        let type_ok = |d: &IndexDef| q.key_type.is_none_or(|t| t == d.key_type);
        let coll = q.coll.unwrap_or(CollType::Default);
        self.with_defs(|defs| {
            let found = if let Some(name) = q.name {
                defs.iter().find(|d| d.name.as_bytes() == name && type_ok(d) && set_ok(d))
            } else if let Some(exp) = q.exp {
                defs.iter().find(|d| d.exp.as_deref() == Some(exp) && d.coll == coll && type_ok(d) && set_ok(d))
            } else {
                defs.iter().find(|d| {
                    d.exp.is_none()
                        && d.bin.as_deref() == Some(q.bin)
                        && d.coll == coll
                        && type_ok(d)
                        && d.ctx_bytes.as_deref() == q.ctx
                        && set_ok(d)
                })
            };
            found.cloned().ok_or(INDEX_NOT_FOUND)
        })
    }

    /// How many indexes cover records of `set` (for the `sets` info command).
    pub fn count_for_set(&self, set: &[u8]) -> usize {
        self.with_defs(|d| d.iter().filter(|x| x.set.as_deref() == Some(set)).count())
    }
}

#[cfg(test)]
mod tests;
