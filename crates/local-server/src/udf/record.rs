//! The record a UDF works on (`rec`), the `record` module of metadata functions, and the
//! `aerospike` object whose `create`/`update`/`exists`/`remove` commit the UDF's bin changes
//! to the record being built (the server writes it once, after the UDF returns).
//!
//! As on the real server (`udf_record.c`, `udf_aerospike.c`): `rec[name] = v` only caches the
//! change; `aerospike:update(rec)` applies every cached change to the bins; metadata functions
//! report the record as it was before the write; names of 16 characters or more are ignored.

use mlua::{AnyUserData, Lua, MetaMethod, UserData, UserDataMethods, Value as LuaValue, Variadic};

use super::sandbox::where_;
use super::values;
use crate::codec::particle::{self, Value};
use crate::expiry;
use crate::result_code as rc;
use crate::storage::{Bin, Digest, StoredKey};

/// `AS_BIN_NAME_MAX_SZ`: names must be shorter than this.
const BIN_NAME_MAX_SZ: usize = 16;

/// One cached bin: read (clean) or assigned (dirty) during the UDF.
pub struct Cached {
    pub name: Vec<u8>,
    pub value: LuaValue,
    pub dirty: bool,
}

/// The metadata of the record as it was when the UDF started.
#[derive(Clone, Default)]
pub struct Meta {
    pub generation: u16,
    pub void_time: u32,
    pub last_update_ms: u64,
    pub set: Vec<u8>,
    pub key: Option<StoredKey>,
    pub size: u32,
}

pub struct LuaRecord {
    /// The record exists (or the UDF created it).
    pub is_open: bool,
    pub bins: Vec<Bin>,
    /// The bins before the first applied update (restored when an update fails).
    pub old_bins: Option<Vec<Bin>>,
    pub cache: Vec<Cached>,
    pub has_updates: bool,
    /// A failed update's code, reported once the UDF returns.
    pub result_code: u8,
    pub meta: Meta,
    pub digest: Digest,
    /// The set and key the message names (used when the UDF creates the record).
    pub msg_set: Vec<u8>,
    pub msg_key: Option<StoredKey>,
    /// `record.set_ttl`: replaces the message's TTL for the write.
    pub ttl: Option<u32>,
    pub drop_key: bool,
    /// Records streamed to an aggregation are read-only.
    pub read_only: bool,
}

impl LuaRecord {
    pub fn new(digest: Digest) -> Self {
        LuaRecord {
            is_open: false,
            bins: Vec::new(),
            old_bins: None,
            cache: Vec::new(),
            has_updates: false,
            result_code: rc::OK,
            meta: Meta::default(),
            digest,
            msg_set: Vec::new(),
            msg_key: None,
            ttl: None,
            drop_key: false,
            read_only: false,
        }
    }

    /// How many bins the record had before the UDF first changed it.
    pub fn n_old_bins(&self) -> usize {
        self.old_bins.as_ref().map_or(self.bins.len(), |b| b.len())
    }

    fn cache_set(&mut self, name: &[u8], value: LuaValue, dirty: bool) {
        match self.cache.iter_mut().find(|c| c.name == name) {
            Some(c) => {
                c.value = value;
                c.dirty = dirty;
            }
            None => self.cache.push(Cached { name: name.to_vec(), value, dirty }),
        }
    }

    fn get(&mut self, lua: &Lua, name: &[u8]) -> mlua::Result<LuaValue> {
        if name.len() >= BIN_NAME_MAX_SZ {
            return Ok(LuaValue::Nil);
        }
        if let Some(c) = self.cache.iter().find(|c| c.name == name) {
            return Ok(c.value.clone());
        }
        if !self.is_open {
            return Ok(LuaValue::Nil);
        }
        let Some(b) = self.bins.iter().find(|b| b.name == name) else { return Ok(LuaValue::Nil) };
        let v = values::to_lua(lua, &b.value)?;
        self.cache_set(name, v.clone(), false);
        Ok(v)
    }

    /// `execute_updates`: applies every dirty cached bin. Answers 0, or -1 when a value
    /// cannot be stored (the record then goes back to how it was).
    pub fn execute_updates(&mut self) -> i64 {
        if !self.has_updates && self.old_bins.is_none() {
            self.old_bins = Some(self.bins.clone());
        }
        let mut i = 0;
        while i < self.cache.len() {
            if !self.cache[i].dirty {
                i += 1;
                continue;
            }
            let name = self.cache[i].name.clone();
            match values::from_lua(&self.cache[i].value) {
                Ok(Some(Value::Nil)) => {
                    if let Some(at) = self.bins.iter().position(|b| b.name == name) {
                        self.bins.swap_remove(at);
                    }
                    self.cache.swap_remove(i);
                    continue;
                }
                Ok(Some(v)) => match self.bins.iter_mut().find(|b| b.name == name) {
                    Some(b) => b.value = v,
                    None => self.bins.push(Bin { name, value: v }),
                },
                Ok(None) | Err(_) => {
                    self.execute_failed(rc::INCOMPATIBLE_TYPE);
                    return -1;
                }
            }
            i += 1;
        }
        self.result_code = rc::OK;
        self.has_updates = true;
        for c in &mut self.cache {
            c.dirty = false;
        }
        0
    }

    fn execute_failed(&mut self, code: u8) {
        self.result_code = code;
        self.has_updates = false;
        if let Some(old) = self.old_bins.take() {
            self.bins = old;
        }
        self.cache.clear();
    }

    fn create(&mut self) -> i64 {
        if self.is_open {
            if !self.bins.is_empty() {
                return 1;
            }
            return self.execute_updates();
        }
        self.meta.set = self.msg_set.clone();
        self.bins.clear();
        self.old_bins = Some(Vec::new());
        let rv = self.execute_updates();
        if rv == 0 {
            self.is_open = true;
        }
        rv
    }

    fn update(&mut self) -> i64 {
        if !self.is_open {
            return -2;
        }
        self.execute_updates()
    }

    fn remove(&mut self) -> i64 {
        if !self.is_open {
            return 1;
        }
        self.cache.clear();
        let names: Vec<Vec<u8>> = self.bins.iter().map(|b| b.name.clone()).collect();
        for n in names {
            self.cache.push(Cached { name: n, value: LuaValue::Nil, dirty: true });
        }
        self.execute_updates()
    }

    fn ttl_left(&self) -> i64 {
        let now = expiry::now_clepoch();
        if self.meta.void_time > now { i64::from(self.meta.void_time - now) } else { 0 }
    }
}

fn bin_name(v: &LuaValue) -> Option<Vec<u8>> {
    match v {
        LuaValue::String(s) => Some(s.as_bytes().to_vec()),
        LuaValue::Integer(i) => Some(i.to_string().into_bytes()),
        LuaValue::Number(f) => Some(LuaValue::Number(*f).to_string().ok()?.into_bytes()),
        _ => None,
    }
}

impl UserData for LuaRecord {
    fn add_methods<M: UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method_mut(MetaMethod::Index, |lua, this, name: LuaValue| match bin_name(&name) {
            Some(n) => this.get(lua, &n),
            None => Ok(LuaValue::Nil),
        });
        m.add_meta_method_mut(MetaMethod::NewIndex, |lua, this, (name, v): (LuaValue, LuaValue)| {
            let Some(n) = bin_name(&name) else { return Ok(()) };
            let storable = match &v {
                LuaValue::Table(_) | LuaValue::Function(_) | LuaValue::Thread(_) | LuaValue::LightUserData(_) => false,
                LuaValue::UserData(ud) => values::kind(&LuaValue::UserData(ud.clone())).is_some(),
                _ => true,
            };
            if !storable {
                let at = where_(lua, 1);
                return Err(mlua::Error::RuntimeError(format!(
                    "{at}can't set bin {} to unsupported type",
                    String::from_utf8_lossy(&n)
                )));
            }
            if n.len() < BIN_NAME_MAX_SZ && !this.read_only {
                this.cache_set(&n, v, true);
            }
            Ok(())
        });
    }
}

fn with_rec<R>(lua: &Lua, args: &[LuaValue], f: impl FnOnce(&mut LuaRecord) -> R) -> mlua::Result<R> {
    match args.first() {
        Some(LuaValue::UserData(ud)) if ud.is::<LuaRecord>() => {
            let mut r = ud.borrow_mut::<LuaRecord>()?;
            Ok(f(&mut r))
        }
        _ => {
            let at = where_(lua, 1);
            Err(mlua::Error::RuntimeError(format!("{at}bad argument #1 (Record expected)")))
        }
    }
}

fn key_value(lua: &Lua, k: &StoredKey) -> mlua::Result<LuaValue> {
    Ok(match k.particle {
        particle::INTEGER => match particle::int_from_wire(&k.bytes) {
            Ok(i) => LuaValue::Integer(i),
            Err(_) => LuaValue::Nil,
        },
        particle::STRING => LuaValue::String(lua.create_string(&k.bytes)?),
        _ => values::bytes_value(lua, k.bytes.clone(), particle::BLOB)?,
    })
}

/// Registers `record` and `aerospike`.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    type Args = Variadic<LuaValue>;
    let record = lua.create_table()?;
    record.set("ttl", lua.create_function(|lua, a: Args| with_rec(lua, &a, |r| if r.is_open { r.ttl_left() } else { 0 }))?)?;
    record.set("gen", lua.create_function(|lua, a: Args| {
        with_rec(lua, &a, |r| if r.is_open { i64::from(r.meta.generation) } else { 0 })
    })?)?;
    record.set("last_update_time", lua.create_function(|lua, a: Args| {
        with_rec(lua, &a, |r| {
            if r.is_open { r.meta.last_update_ms.saturating_sub(expiry::CITRUSLEAF_EPOCH * 1000) as i64 } else { 0 }
        })
    })?)?;
    let size = lua.create_function(|lua, a: Args| with_rec(lua, &a, |r| if r.is_open { i64::from(r.meta.size) } else { 0 }))?;
    record.set("size", size.clone())?;
    record.set("memory_size", size)?;
    record.set("device_size", lua.create_function(|lua, a: Args| with_rec(lua, &a, |_| 0i64))?)?;
    record.set("numbins", lua.create_function(|lua, a: Args| with_rec(lua, &a, |r| if r.is_open { r.bins.len() as i64 } else { 0 }))?)?;
    record.set("setname", lua.create_function(|lua, a: Args| {
        let set = with_rec(lua, &a, |r| r.is_open.then(|| r.meta.set.clone()))?;
        match set {
            Some(s) => Ok(LuaValue::String(lua.create_string(s)?)),
            None => Ok(LuaValue::Nil),
        }
    })?)?;
    record.set("key", lua.create_function(|lua, a: Args| {
        let key = with_rec(lua, &a, |r| if r.is_open { r.meta.key.clone() } else { None })?;
        match key {
            Some(k) => key_value(lua, &k),
            None => Ok(LuaValue::Nil),
        }
    })?)?;
    record.set("digest", lua.create_function(|lua, a: Args| {
        let d = with_rec(lua, &a, |r| r.digest)?;
        values::bytes_value(lua, d.to_vec(), particle::BLOB)
    })?)?;
    record.set("bin_names", lua.create_function(|lua, a: Args| {
        let names = with_rec(lua, &a, |r| if r.is_open { r.bins.iter().map(|b| b.name.clone()).collect() } else { Vec::new() })?;
        let t = lua.create_table()?;
        for (i, n) in names.into_iter().enumerate() {
            t.raw_set(i + 1, lua.create_string(n)?)?;
        }
        Ok(t)
    })?)?;
    record.set("set_ttl", lua.create_function(|lua, a: Args| {
        let ttl = match a.get(1) {
            Some(LuaValue::Integer(i)) => *i as u32,
            Some(LuaValue::Number(f)) => *f as i64 as u32,
            _ => 0,
        };
        with_rec(lua, &a, |r| r.ttl = Some(ttl))
    })?)?;
    record.set("drop_key", lua.create_function(|lua, a: Args| {
        with_rec(lua, &a, |r| {
            if r.is_open {
                r.drop_key = true;
            }
        })
    })?)?;
    lua.globals().set("record", record)?;

    // aerospike:<fn>(rec): the object is a plain table; its functions take it first.
    let aerospike = lua.create_table()?;
    let rec_arg = |lua: &Lua, a: &Args| -> mlua::Result<AnyUserData> {
        match a.get(1) {
            Some(LuaValue::UserData(ud)) if ud.is::<LuaRecord>() => Ok(ud.clone()),
            _ => Err(mlua::Error::RuntimeError(format!("{}bad argument #1 (Record expected)", where_(lua, 1)))),
        }
    };
    aerospike.set("create", lua.create_function(move |lua, a: Args| {
        let ud = rec_arg(lua, &a)?;
        let mut r = ud.borrow_mut::<LuaRecord>()?;
        Ok(if r.read_only { 1 } else { r.create() })
    })?)?;
    aerospike.set("update", lua.create_function(move |lua, a: Args| {
        let ud = rec_arg(lua, &a)?;
        let mut r = ud.borrow_mut::<LuaRecord>()?;
        Ok(if r.read_only { -2 } else { r.update() })
    })?)?;
    aerospike.set("remove", lua.create_function(move |lua, a: Args| {
        let ud = rec_arg(lua, &a)?;
        let mut r = ud.borrow_mut::<LuaRecord>()?;
        Ok(if r.read_only { 1 } else { r.remove() })
    })?)?;
    aerospike.set("exists", lua.create_function(move |lua, a: Args| {
        let ud = rec_arg(lua, &a)?;
        let r = ud.borrow::<LuaRecord>()?;
        Ok(r.is_open)
    })?)?;
    aerospike.set("log", lua.create_function(|_, _a: Args| Ok(0))?)?;
    aerospike.set("get_current_time", lua.create_function(|_, _a: Args| {
        Ok(expiry::now_unix_ms().saturating_sub(expiry::CITRUSLEAF_EPOCH * 1000) as i64)
    })?)?;
    aerospike.set("set_context", lua.create_function(|_, _a: Args| Ok(0))?)?;
    aerospike.set("get_config", lua.create_function(|_, _a: Args| Ok(0))?)?;
    lua.globals().set("aerospike", aerospike)
}
