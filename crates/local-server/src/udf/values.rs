//! Aerospike values inside Lua, as the real server's mod-lua boxes them: `list`, `map`,
//! `bytes` and GeoJSON are userdata (so `type(v)` is "userdata"), integers stay full 64-bit
//! integers, floats stay floats, and Lua tables and functions have no Aerospike form (they come
//! back as nil, and cannot be stored in a bin).
//!
//! Containers hold Lua values, so a nested list or map is shared by reference exactly as the
//! server's reference-counted `as_val`s are: `list.append(m['l'], 1)` changes the list inside
//! the map.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

use mlua::{AnyUserData, Lua, MetaMethod, UserData, UserDataMethods, Value as LuaValue};

use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle::{self, Value};

/// Deeper nesting than this is refused when converting (it also stops a list containing itself).
pub const MAX_DEPTH: usize = 256;

/// Bytes that Rust-side containers may grow by during one UDF call, beyond what Lua's own
/// allocator (which has its own limit) counts. Kept in the state's app data and reset per call.
pub struct Budget(pub AtomicI64);

pub const CONTAINER_BUDGET: i64 = 256 * 1024 * 1024;

/// Charges `bytes` of container growth, failing once the budget is spent.
pub fn charge(lua: &Lua, bytes: usize) -> mlua::Result<()> {
    if let Some(b) = lua.app_data_ref::<Budget>() {
        let n = i64::try_from(bytes).unwrap_or(i64::MAX);
        let left = b.0.fetch_sub(n, Ordering::Relaxed).saturating_sub(n);
        if left < 0 {
            return Err(mlua::Error::RuntimeError("not enough memory".into()));
        }
    }
    Ok(())
}

const SLOT: usize = std::mem::size_of::<LuaValue>();

/// An Aerospike list (`as_arraylist`).
#[derive(Default)]
pub struct LList(pub Vec<LuaValue>);

/// An Aerospike map (`as_hashmap`), keeping insertion order.
#[derive(Default)]
pub struct LMap {
    pub entries: Vec<(LuaValue, LuaValue)>,
    index: HashMap<MapKey, usize>,
}

/// An Aerospike byte buffer: a size, a capacity (`bytes(n)` reserves without growing the
/// size) and the blob's particle type.
pub struct LBytes {
    pub data: Vec<u8>,
    pub capacity: usize,
    pub ptype: u8,
}

/// A GeoJSON value (its text).
pub struct LGeo(pub Vec<u8>);

/// Map keys compare by value for scalars and bytes, by identity for containers.
#[derive(Hash, PartialEq, Eq, Clone)]
enum MapKey {
    Nil,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Other(usize),
}

fn map_key(v: &LuaValue) -> MapKey {
    match v {
        LuaValue::Nil => MapKey::Nil,
        LuaValue::Boolean(b) => MapKey::Bool(*b),
        LuaValue::Integer(i) => MapKey::Int(*i),
        LuaValue::Number(f) => MapKey::Float(f.to_bits()),
        LuaValue::String(s) => MapKey::Str(s.as_bytes().to_vec()),
        LuaValue::UserData(ud) => match ud.borrow::<LBytes>() {
            Ok(b) => MapKey::Bytes(b.data.clone()),
            Err(_) => MapKey::Other(ud.to_pointer() as usize),
        },
        other => MapKey::Other(other.to_pointer() as usize),
    }
}

impl LMap {
    pub fn get(&self, k: &LuaValue) -> Option<&LuaValue> {
        self.index.get(&map_key(k)).and_then(|&i| self.entries.get(i)).map(|(_, v)| v)
    }

    pub fn set(&mut self, k: LuaValue, v: LuaValue) {
        let key = map_key(&k);
        match self.index.get(&key) {
            Some(&i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = v;
                }
            }
            None => {
                self.index.insert(key, self.entries.len());
                self.entries.push((k, v));
            }
        }
    }

    pub fn remove(&mut self, k: &LuaValue) {
        if let Some(i) = self.index.remove(&map_key(k)) {
            if i < self.entries.len() {
                self.entries.remove(i);
                for slot in self.index.values_mut() {
                    if *slot > i {
                        *slot -= 1;
                    }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether a value can live inside a list or map (a record cannot; tables and functions have
/// no Aerospike form and are dropped, as `mod_lua_toval` returns NULL for them).
fn storable(v: &LuaValue) -> bool {
    match v {
        LuaValue::Table(_) | LuaValue::Function(_) | LuaValue::Thread(_) | LuaValue::LightUserData(_) => false,
        LuaValue::UserData(ud) => !ud.is::<super::record::LuaRecord>(),
        _ => true,
    }
}

fn opt_index(v: &LuaValue) -> Option<i64> {
    match v {
        LuaValue::Integer(i) => Some(*i),
        LuaValue::Number(f) if f.fract() == 0.0 => Some(*f as i64),
        LuaValue::String(s) => s.to_str().ok().and_then(|t| t.trim().parse().ok()),
        _ => None,
    }
}

impl UserData for LList {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(MetaMethod::Index, |_, this, idx: LuaValue| {
            let i = opt_index(&idx).unwrap_or(0);
            Ok(if i > 0 { this.0.get(i as usize - 1).cloned().unwrap_or(LuaValue::Nil) } else { LuaValue::Nil })
        });
        m.add_meta_method_mut(MetaMethod::NewIndex, |lua, this, (idx, v): (LuaValue, LuaValue)| {
            let i = opt_index(&idx).unwrap_or(0);
            if i > 0 && storable(&v) {
                list_set(lua, &mut this.0, i as usize - 1, v)?;
            }
            Ok(())
        });
        m.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.0.len() as i64));
        m.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(super::tostring::list_string(this)));
    }
}

/// `as_arraylist_set`: past the end, the gap fills with nil.
pub fn list_set(lua: &Lua, items: &mut Vec<LuaValue>, at: usize, v: LuaValue) -> mlua::Result<()> {
    if at >= items.len() {
        charge(lua, (at - items.len()).saturating_add(1).saturating_mul(SLOT))?;
        items.resize(at + 1, LuaValue::Nil);
    }
    items[at] = v;
    Ok(())
}

/// `as_arraylist_insert` at a 0-based position (past the end, as a set).
pub fn list_insert(lua: &Lua, items: &mut Vec<LuaValue>, at: usize, v: LuaValue) -> mlua::Result<()> {
    if at >= items.len() {
        return list_set(lua, items, at, v);
    }
    charge(lua, SLOT)?;
    items.insert(at, v);
    Ok(())
}

pub fn list_push(lua: &Lua, items: &mut Vec<LuaValue>, v: LuaValue) -> mlua::Result<()> {
    charge(lua, SLOT)?;
    items.push(v);
    Ok(())
}

impl UserData for LMap {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(MetaMethod::Index, |_, this, k: LuaValue| Ok(this.get(&k).cloned().unwrap_or(LuaValue::Nil)));
        m.add_meta_method_mut(MetaMethod::NewIndex, |lua, this, (k, v): (LuaValue, LuaValue)| {
            if !storable(&k) {
                return Ok(());
            }
            match &v {
                LuaValue::UserData(ud) if ud.is::<super::record::LuaRecord>() => {}
                v if !storable(v) => this.remove(&k),
                _ => {
                    if this.get(&k).is_none() {
                        charge(lua, 2 * SLOT + 32)?;
                    }
                    this.set(k, v);
                }
            }
            Ok(())
        });
        m.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.len() as i64));
        m.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(super::tostring::map_string(this)));
    }
}

impl UserData for LGeo {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(super::tostring::geo_meta(this)));
    }
}

/// Which Aerospike type a Lua value boxes (what the sandbox's `getmetatable` keys on).
pub fn kind(v: &LuaValue) -> Option<&'static str> {
    let LuaValue::UserData(ud) = v else { return None };
    if ud.is::<LList>() {
        Some("List")
    } else if ud.is::<LMap>() {
        Some("Map")
    } else if ud.is::<LBytes>() {
        Some("Bytes")
    } else if ud.is::<LGeo>() {
        Some("GeoJSON")
    } else if ud.is::<super::record::LuaRecord>() {
        Some("Record")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Aerospike -> Lua

fn too_deep() -> mlua::Error {
    mlua::Error::RuntimeError("value nested too deep".into())
}

/// A bin value as Lua sees it.
pub fn to_lua(lua: &Lua, v: &Value) -> mlua::Result<LuaValue> {
    Ok(match v {
        Value::Nil => LuaValue::Nil,
        Value::Int(i) => LuaValue::Integer(*i),
        Value::Float(f) => LuaValue::Number(*f),
        Value::Bool(b) => LuaValue::Boolean(*b),
        Value::Str(s) => LuaValue::String(lua.create_string(s)?),
        Value::Blob(t, b) => bytes_value(lua, b.clone(), *t)?,
        Value::Hll(b) => bytes_value(lua, b.clone(), particle::HLL)?,
        Value::GeoJson(t) => LuaValue::UserData(lua.create_userdata(LGeo(t.clone()))?),
        Value::List(b) | Value::Map(b) => {
            let mp = msgpack::parse(b).map_err(|_| mlua::Error::RuntimeError("bad collection value".into()))?;
            mp_to_lua(lua, &mp, 0)?
        }
    })
}

pub fn bytes_value(lua: &Lua, data: Vec<u8>, ptype: u8) -> mlua::Result<LuaValue> {
    let capacity = data.len();
    Ok(LuaValue::UserData(lua.create_userdata(LBytes { data, capacity, ptype })?))
}

/// A msgpack element (an argument, or an element of a list or map bin) as a Lua value.
pub fn mp_to_lua(lua: &Lua, v: &MpValue, depth: usize) -> mlua::Result<LuaValue> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(match v {
        MpValue::Nil | MpValue::Ext(..) => LuaValue::Nil,
        MpValue::Bool(b) => LuaValue::Boolean(*b),
        MpValue::Int(i) => LuaValue::Integer(*i),
        MpValue::UInt(u) => LuaValue::Integer(*u as i64),
        MpValue::Float(f) => LuaValue::Number(*f),
        MpValue::Raw { bin, data } => match data.split_first() {
            Some((&RAW_STRING, rest)) => LuaValue::String(lua.create_string(rest)?),
            Some((&RAW_GEOJSON, rest)) => LuaValue::UserData(lua.create_userdata(LGeo(rest.to_vec()))?),
            Some((&t, rest)) if t == particle::BLOB || (particle::JAVA_BLOB..=particle::ERLANG_BLOB).contains(&t) => {
                bytes_value(lua, rest.to_vec(), t)?
            }
            _ if !*bin => LuaValue::String(lua.create_string(data)?),
            _ => bytes_value(lua, data.clone(), particle::BLOB)?,
        },
        MpValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(mp_to_lua(lua, x, depth + 1)?);
            }
            LuaValue::UserData(lua.create_userdata(LList(out))?)
        }
        MpValue::Map(pairs) => {
            let mut m = LMap::default();
            for (k, x) in pairs {
                // The leading ext key carries the map's order flags, not an entry.
                if matches!(k, MpValue::Ext(..)) {
                    continue;
                }
                m.set(mp_to_lua(lua, k, depth + 1)?, mp_to_lua(lua, x, depth + 1)?);
            }
            LuaValue::UserData(lua.create_userdata(m)?)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Lua -> Aerospike

/// A Lua value as a bin value: `None` when it has no Aerospike form (a table, a function, a
/// record), which a UDF's return value turns into nil and a bin write refuses.
pub fn from_lua(v: &LuaValue) -> mlua::Result<Option<Value>> {
    Ok(Some(match v {
        LuaValue::Nil => Value::Nil,
        LuaValue::Boolean(b) => Value::Bool(*b),
        LuaValue::Integer(i) => Value::Int(*i),
        LuaValue::Number(f) => Value::Float(*f),
        LuaValue::String(s) => Value::Str(s.as_bytes().to_vec()),
        LuaValue::UserData(ud) => {
            if let Ok(b) = ud.borrow::<LBytes>() {
                match b.ptype {
                    particle::HLL => Value::Hll(b.data.clone()),
                    t if t == particle::BLOB || (particle::JAVA_BLOB..=particle::ERLANG_BLOB).contains(&t) => {
                        Value::Blob(t, b.data.clone())
                    }
                    _ => Value::Blob(particle::BLOB, b.data.clone()),
                }
            } else if let Ok(g) = ud.borrow::<LGeo>() {
                Value::GeoJson(g.0.clone())
            } else if ud.is::<LList>() {
                Value::List(msgpack::to_bytes(&lua_to_mp(v, 0)?))
            } else if ud.is::<LMap>() {
                Value::Map(msgpack::to_bytes(&lua_to_mp(v, 0)?))
            } else {
                return Ok(None);
            }
        }
        _ => return Ok(None),
    }))
}

fn typed(t: u8, data: &[u8], bin: bool) -> MpValue {
    let mut d = Vec::with_capacity(data.len() + 1);
    d.push(t);
    d.extend_from_slice(data);
    MpValue::Raw { bin, data: d }
}

/// A Lua value as a msgpack element (inside a list or map, or an aggregation's output).
pub fn lua_to_mp(v: &LuaValue, depth: usize) -> mlua::Result<MpValue> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(match v {
        LuaValue::Nil => MpValue::Nil,
        LuaValue::Boolean(b) => MpValue::Bool(*b),
        LuaValue::Integer(i) => MpValue::Int(*i),
        LuaValue::Number(f) => MpValue::Float(*f),
        LuaValue::String(s) => typed(RAW_STRING, &s.as_bytes(), false),
        LuaValue::UserData(ud) => ud_to_mp(ud, depth)?,
        _ => MpValue::Nil,
    })
}

fn ud_to_mp(ud: &AnyUserData, depth: usize) -> mlua::Result<MpValue> {
    if let Ok(b) = ud.borrow::<LBytes>() {
        let t = if (particle::JAVA_BLOB..=particle::ERLANG_BLOB).contains(&b.ptype) { b.ptype } else { RAW_BLOB };
        return Ok(typed(t, &b.data, true));
    }
    if let Ok(g) = ud.borrow::<LGeo>() {
        return Ok(typed(RAW_GEOJSON, &g.0, false));
    }
    if let Ok(l) = ud.borrow::<LList>() {
        let mut out = Vec::with_capacity(l.0.len());
        for x in &l.0 {
            out.push(lua_to_mp(x, depth + 1)?);
        }
        return Ok(MpValue::Array(out));
    }
    if let Ok(m) = ud.borrow::<LMap>() {
        let mut out = Vec::with_capacity(m.len());
        for (k, x) in &m.entries {
            out.push((lua_to_mp(k, depth + 1)?, lua_to_mp(x, depth + 1)?));
        }
        return Ok(MpValue::Map(out));
    }
    Ok(MpValue::Nil)
}
