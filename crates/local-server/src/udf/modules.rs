//! The `list`, `map`, `bytes` and `geojson` modules a UDF sees, with the real server's
//! function names, argument checks and quirks (`#b` on bytes is 0, `bytes(n)` reserves without
//! growing, `append_var_int` writes past the size and so appends nothing).

use mlua::{AnyUserData, Lua, MultiValue, Table, Value as LuaValue, Variadic};

use super::values::{self, charge, LBytes, LGeo, LList, LMap};
use crate::codec::particle;

type Args = Variadic<LuaValue>;

fn int_arg(args: &[LuaValue], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(LuaValue::Integer(n)) => Some(*n),
        Some(LuaValue::Number(f)) => Some(*f as i64),
        Some(LuaValue::String(s)) => s.to_str().ok().and_then(|t| t.trim().parse().ok()),
        _ => None,
    }
}

fn ud_arg(args: &[LuaValue], i: usize) -> Option<&AnyUserData> {
    match args.get(i) {
        Some(LuaValue::UserData(ud)) => Some(ud),
        _ => None,
    }
}

/// `luaL_checkudata`'s error, as the real modules raise it for a wrong first argument.
fn bad_arg(lua: &Lua, n: usize, want: &str) -> mlua::Error {
    let here = super::sandbox::where_(lua, 1);
    mlua::Error::RuntimeError(format!("{here}bad argument #{n} ({want} expected)"))
}

fn with_list<R>(lua: &Lua, args: &[LuaValue], f: impl FnOnce(&mut Vec<LuaValue>) -> mlua::Result<R>) -> mlua::Result<R> {
    let ud = ud_arg(args, 0).filter(|u| u.is::<LList>()).ok_or_else(|| bad_arg(lua, 1, "List"))?;
    let mut l = ud.borrow_mut::<LList>()?;
    f(&mut l.0)
}

fn with_map<R>(lua: &Lua, args: &[LuaValue], f: impl FnOnce(&mut LMap) -> mlua::Result<R>) -> mlua::Result<R> {
    let ud = ud_arg(args, 0).filter(|u| u.is::<LMap>()).ok_or_else(|| bad_arg(lua, 1, "Map"))?;
    let mut m = ud.borrow_mut::<LMap>()?;
    f(&mut m)
}

fn storable(v: &LuaValue) -> bool {
    match v {
        LuaValue::UserData(ud) => !ud.is::<super::record::LuaRecord>(),
        LuaValue::Table(_) | LuaValue::Function(_) | LuaValue::Thread(_) | LuaValue::LightUserData(_) => false,
        _ => true,
    }
}

fn new_list(lua: &Lua, items: Vec<LuaValue>) -> mlua::Result<LuaValue> {
    Ok(LuaValue::UserData(lua.create_userdata(LList(items))?))
}

/// Registers the four modules as globals.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let g = lua.globals();
    g.set("list", list_module(lua)?)?;
    g.set("map", map_module(lua)?)?;
    g.set("bytes", bytes_module(lua)?)?;
    g.set("geojson", geojson_module(lua)?)?;
    Ok(())
}

fn callable(lua: &Lua, t: &Table, cons: mlua::Function) -> mlua::Result<()> {
    let mt = lua.create_table()?;
    mt.set("__call", cons)?;
    t.set_metatable(Some(mt))?;
    Ok(())
}

fn list_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    // list{...}: the table's values under number keys, in traversal order.
    callable(lua, &t, lua.create_function(|lua, args: Args| {
        let mut items = Vec::new();
        if let (2, Some(LuaValue::Table(src))) = (args.len(), args.get(1)) {
            for pair in src.clone().pairs::<LuaValue, LuaValue>() {
                let (k, v) = pair?;
                if matches!(k, LuaValue::Integer(_) | LuaValue::Number(_)) && storable(&v) {
                    values::list_push(lua, &mut items, v)?;
                }
            }
        }
        new_list(lua, items)
    })?)?;
    let create = lua.create_function(|lua, args: Args| {
        if args.is_empty() || args.len() > 2 || int_arg(&args, 0).is_none_or(|c| c < 0) {
            return Ok(LuaValue::Nil);
        }
        new_list(lua, Vec::new())
    })?;
    t.set("create", create.clone())?;
    t.set("new", create)?;
    t.set("insert", lua.create_function(|lua, args: Args| {
        with_list(lua, &args, |items| {
            let i = int_arg(&args, 1).unwrap_or(0);
            let v = args.get(2).cloned().unwrap_or(LuaValue::Nil);
            if i > 0 && storable(&v) {
                values::list_insert(lua, items, i as usize - 1, v)?;
            }
            Ok(())
        })
    })?)?;
    t.set("append", lua.create_function(|lua, args: Args| {
        with_list(lua, &args, |items| {
            let v = args.get(1).cloned().unwrap_or(LuaValue::Nil);
            if storable(&v) {
                values::list_push(lua, items, v)?;
            }
            Ok(())
        })
    })?)?;
    t.set("prepend", lua.create_function(|lua, args: Args| {
        with_list(lua, &args, |items| {
            let v = args.get(1).cloned().unwrap_or(LuaValue::Nil);
            if storable(&v) {
                charge(lua, std::mem::size_of::<LuaValue>())?;
                items.insert(0, v);
            }
            Ok(())
        })
    })?)?;
    t.set("remove", lua.create_function(|lua, args: Args| {
        with_list(lua, &args, |items| {
            let i = int_arg(&args, 1).unwrap_or(0);
            if i > 0 && (i as usize) <= items.len() {
                items.remove(i as usize - 1);
            }
            Ok(())
        })
    })?)?;
    t.set("concat", lua.create_function(|lua, args: Args| {
        let other: Vec<LuaValue> = match ud_arg(&args, 1) {
            Some(ud) if ud.is::<LList>() => ud.borrow::<LList>()?.0.clone(),
            _ => return Err(bad_arg(lua, 2, "List")),
        };
        with_list(lua, &args, |items| {
            charge(lua, other.len() * std::mem::size_of::<LuaValue>())?;
            items.extend(other);
            Ok(())
        })
    })?)?;
    // trim(l, n) keeps the first n-1 elements (as_list_trim at the 0-based index n-1).
    t.set("trim", lua.create_function(|lua, args: Args| {
        with_list(lua, &args, |items| {
            let i = int_arg(&args, 1).unwrap_or(0);
            if i > 0 {
                items.truncate(i as usize - 1);
            }
            Ok(())
        })
    })?)?;
    t.set("take", lua.create_function(|lua, args: Args| {
        let sub = with_list(lua, &args, |items| {
            let n = int_arg(&args, 1).unwrap_or(0);
            Ok((n > 0).then(|| items.iter().take(n as usize).cloned().collect::<Vec<_>>()))
        })?;
        match sub {
            Some(items) => new_list(lua, items),
            None => Ok(LuaValue::Nil),
        }
    })?)?;
    t.set("drop", lua.create_function(|lua, args: Args| {
        let sub = with_list(lua, &args, |items| {
            let n = int_arg(&args, 1).unwrap_or(0);
            Ok((n > 0).then(|| items.iter().skip(n as usize).cloned().collect::<Vec<_>>()))
        })?;
        match sub {
            Some(items) => new_list(lua, items),
            None => Ok(LuaValue::Nil),
        }
    })?)?;
    t.set("size", lua.create_function(|lua, args: Args| with_list(lua, &args, |items| Ok(items.len() as i64)))?)?;
    t.set("nbytes", lua.create_function(|lua, args: Args| {
        let v = args.first().cloned().unwrap_or(LuaValue::Nil);
        with_list(lua, &args, |_| Ok(()))?;
        Ok(crate::codec::msgpack::to_bytes(&values::lua_to_mp(&v, 0)?).len() as i64)
    })?)?;
    t.set("iterator", lua.create_function(|lua, args: Args| {
        let items = with_list(lua, &args, |items| Ok(items.clone()))?;
        iterator(lua, items.into_iter().map(|v| vec![v]).collect())
    })?)?;
    t.set("tostring", lua.create_function(|_, v: LuaValue| Ok(tostring(&v)))?)?;
    Ok(t)
}

fn tostring(v: &LuaValue) -> String {
    match v {
        LuaValue::UserData(ud) => ud
            .borrow::<LList>()
            .map(|_| ())
            .ok()
            .and_then(|_| v.to_string().ok())
            .or_else(|| v.to_string().ok())
            .unwrap_or_default(),
        other => other.to_string().unwrap_or_default(),
    }
}

/// An iterator function over a snapshot, returning each row's values in turn.
fn iterator(lua: &Lua, rows: Vec<Vec<LuaValue>>) -> mlua::Result<mlua::Function> {
    let mut rows = rows.into_iter();
    lua.create_function_mut(move |_, ()| Ok(MultiValue::from_iter(rows.next().unwrap_or_default())))
}

fn map_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    // map{k=v, ...} (a capacity may follow): every pair of the table.
    callable(lua, &t, lua.create_function(|lua, args: Args| {
        let mut m = LMap::default();
        if let (2 | 3, Some(LuaValue::Table(src))) = (args.len(), args.get(1)) {
            for pair in src.clone().pairs::<LuaValue, LuaValue>() {
                let (k, v) = pair?;
                if storable(&k) && storable(&v) {
                    charge(lua, 2 * std::mem::size_of::<LuaValue>() + 32)?;
                    m.set(k, v);
                }
            }
        }
        Ok(LuaValue::UserData(lua.create_userdata(m)?))
    })?)?;
    let create = lua.create_function(|lua, args: Args| {
        if args.len() != 1 || int_arg(&args, 0).is_none_or(|c| c < 1) {
            return Ok(LuaValue::Nil);
        }
        Ok(LuaValue::UserData(lua.create_userdata(LMap::default())?))
    })?;
    t.set("create", create.clone())?;
    t.set("new", create)?;
    let pairs = lua.create_function(|lua, args: Args| {
        let rows = with_map(lua, &args, |m| Ok(m.entries.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect()))?;
        iterator(lua, rows)
    })?;
    t.set("pairs", pairs.clone())?;
    t.set("iterator", pairs)?;
    t.set("keys", lua.create_function(|lua, args: Args| {
        let rows = with_map(lua, &args, |m| Ok(m.entries.iter().map(|(k, _)| vec![k.clone()]).collect()))?;
        iterator(lua, rows)
    })?)?;
    t.set("values", lua.create_function(|lua, args: Args| {
        let rows = with_map(lua, &args, |m| Ok(m.entries.iter().map(|(_, v)| vec![v.clone()]).collect()))?;
        iterator(lua, rows)
    })?)?;
    t.set("remove", lua.create_function(|lua, args: Args| {
        with_map(lua, &args, |m| {
            if let Some(k) = args.get(1) {
                m.remove(k);
            }
            Ok(())
        })
    })?)?;
    t.set("size", lua.create_function(|lua, args: Args| with_map(lua, &args, |m| Ok(m.len() as i64)))?)?;
    t.set("nbytes", lua.create_function(|lua, args: Args| {
        let v = args.first().cloned().unwrap_or(LuaValue::Nil);
        with_map(lua, &args, |_| Ok(()))?;
        Ok(crate::codec::msgpack::to_bytes(&values::lua_to_mp(&v, 0)?).len() as i64)
    })?)?;
    t.set("tostring", lua.create_function(|_, v: LuaValue| Ok(tostring(&v)))?)?;
    Ok(t)
}

fn geojson_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    callable(lua, &t, lua.create_function(|lua, args: Args| match args.get(1) {
        Some(LuaValue::String(s)) if args.len() == 2 => {
            Ok(LuaValue::UserData(lua.create_userdata(LGeo(s.as_bytes().to_vec()))?))
        }
        _ => Ok(LuaValue::Nil),
    })?)?;
    t.set("tostring", lua.create_function(|_, v: LuaValue| Ok(tostring(&v)))?)?;
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// bytes

/// Runs `f` on the bytes in argument 1 when exactly `n` arguments came; otherwise answers
/// `fallback`, as every real bytes function checks its argument count first.
fn bytes_fn<F>(lua: &Lua, n: usize, fallback: LuaValue, f: F) -> mlua::Result<mlua::Function>
where
    F: Fn(&Lua, &mut LBytes, &[LuaValue]) -> mlua::Result<LuaValue> + Send + 'static,
{
    let fallback_c = fallback.clone();
    let _ = fallback_c;
    lua.create_function(move |lua, args: Args| {
        if args.len() != n {
            return Ok(fallback.clone());
        }
        let ud = ud_arg(&args, 0).filter(|u| u.is::<LBytes>()).ok_or_else(|| bad_arg(lua, 1, "Bytes"))?;
        let mut b = ud.borrow_mut::<LBytes>()?;
        f(lua, &mut b, &args)
    })
}

/// `as_bytes_ensure` with resizing.
fn ensure(lua: &Lua, b: &mut LBytes, capacity: usize) -> mlua::Result<()> {
    if capacity > b.capacity {
        charge(lua, capacity - b.capacity)?;
        b.capacity = capacity;
    }
    Ok(())
}

/// `as_bytes_set`: writes within the capacity, growing the size to cover what was written.
fn write_at(b: &mut LBytes, pos: usize, data: &[u8]) -> bool {
    let end = pos + data.len();
    if end > b.capacity {
        return false;
    }
    if b.data.len() < end {
        b.data.resize(end, 0);
    }
    b.data[pos..end].copy_from_slice(data);
    true
}

/// Reads `n` bytes at a 1-based position, or `None` past the size.
fn read_at(b: &LBytes, i: i64, n: usize) -> Option<&[u8]> {
    if i < 1 || i > i64::from(u32::MAX) {
        return None;
    }
    let pos = (i - 1) as usize;
    b.data.get(pos..pos.checked_add(n)?)
}

fn set_fn(lua: &Lua, encode: fn(i64) -> Option<Vec<u8>>) -> mlua::Result<mlua::Function> {
    bytes_fn(lua, 3, LuaValue::Boolean(false), move |lua, b, args| {
        let (Some(i), Some(v)) = (int_arg(args, 1), int_arg(args, 2)) else { return Ok(LuaValue::Boolean(false)) };
        let Some(data) = encode(v) else { return Ok(LuaValue::Boolean(false)) };
        if i < 1 || i > i64::from(u32::MAX) {
            return Ok(LuaValue::Boolean(false));
        }
        let pos = (i - 1) as usize;
        ensure(lua, b, pos + data.len())?;
        Ok(LuaValue::Boolean(write_at(b, pos, &data)))
    })
}

fn append_fn(lua: &Lua, encode: fn(i64) -> Option<Vec<u8>>) -> mlua::Result<mlua::Function> {
    bytes_fn(lua, 2, LuaValue::Boolean(false), move |lua, b, args| {
        let Some(data) = int_arg(args, 1).and_then(encode) else { return Ok(LuaValue::Boolean(false)) };
        let pos = b.data.len();
        ensure(lua, b, pos + data.len())?;
        Ok(LuaValue::Boolean(write_at(b, pos, &data)))
    })
}

fn get_fn(lua: &Lua, width: usize, decode: fn(&[u8]) -> i64) -> mlua::Result<mlua::Function> {
    bytes_fn(lua, 2, LuaValue::Nil, move |_, b, args| {
        Ok(int_arg(args, 1).and_then(|i| read_at(b, i, width)).map_or(LuaValue::Nil, |d| LuaValue::Integer(decode(d))))
    })
}

fn fixed<const N: usize>(d: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&d[..N]);
    a
}

fn bytes_module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    callable(lua, &t, lua.create_function(|lua, args: Args| {
        let capacity = match args.len() {
            1 => 0,
            2 => int_arg(&args, 1).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as usize,
            _ => return Ok(LuaValue::Nil),
        };
        charge(lua, capacity)?;
        Ok(LuaValue::UserData(lua.create_userdata(LBytes { data: Vec::new(), capacity, ptype: particle::BLOB })?))
    })?)?;
    t.set("size", bytes_fn(lua, 1, LuaValue::Integer(0), |_, b, _| Ok(LuaValue::Integer(b.data.len() as i64)))?)?;
    t.set("set_size", bytes_fn(lua, 2, LuaValue::Boolean(false), |lua, b, args| {
        match int_arg(args, 1) {
            Some(c) if (0..=i64::from(u32::MAX)).contains(&c) => {
                ensure(lua, b, c as usize)?;
                Ok(LuaValue::Boolean(true))
            }
            _ => Ok(LuaValue::Boolean(false)),
        }
    })?)?;
    t.set("get_type", bytes_fn(lua, 1, LuaValue::Integer(0), |_, b, _| Ok(LuaValue::Integer(i64::from(b.ptype))))?)?;
    t.set("set_type", bytes_fn(lua, 2, LuaValue::Boolean(false), |_, b, args| match int_arg(args, 1) {
        Some(t) if t != 0 => {
            b.ptype = t as u8;
            Ok(LuaValue::Boolean(true))
        }
        _ => Ok(LuaValue::Boolean(false)),
    })?)?;
    t.set("get_string", bytes_fn(lua, 3, LuaValue::Nil, |lua, b, args| {
        let (Some(i), Some(n)) = (int_arg(args, 1), int_arg(args, 2)) else { return Ok(LuaValue::Nil) };
        if n < 0 || i < 1 {
            return Ok(LuaValue::Nil);
        }
        let pos = ((i - 1) as usize).min(b.data.len());
        let end = pos.saturating_add(n as usize).min(b.data.len());
        Ok(LuaValue::String(lua.create_string(&b.data[pos..end])?))
    })?)?;
    t.set("get_bytes", bytes_fn(lua, 3, LuaValue::Nil, |lua, b, args| {
        let (Some(i), Some(n)) = (int_arg(args, 1), int_arg(args, 2)) else { return Ok(LuaValue::Nil) };
        if n < 0 || i < 1 {
            return Ok(LuaValue::Nil);
        }
        let pos = ((i - 1) as usize).min(b.data.len());
        let end = pos.saturating_add(n as usize).min(b.data.len());
        values::bytes_value(lua, b.data[pos..end].to_vec(), particle::BLOB)
    })?)?;
    let get_byte = get_fn(lua, 1, |d| i64::from(d[0]))?;
    t.set("get_byte", get_byte)?;
    for (name, width, f) in [
        ("get_int16", 2, (|d: &[u8]| i64::from(i16::from_be_bytes(fixed(d)))) as fn(&[u8]) -> i64),
        ("get_int16_be", 2, |d| i64::from(i16::from_be_bytes(fixed(d)))),
        ("get_int16_le", 2, |d| i64::from(i16::from_le_bytes(fixed(d)))),
        ("get_int32", 4, |d| i64::from(i32::from_be_bytes(fixed(d)))),
        ("get_int32_be", 4, |d| i64::from(i32::from_be_bytes(fixed(d)))),
        ("get_int32_le", 4, |d| i64::from(i32::from_le_bytes(fixed(d)))),
        ("get_int64", 8, |d| i64::from_be_bytes(fixed(d))),
        ("get_int64_be", 8, |d| i64::from_be_bytes(fixed(d))),
        ("get_int64_le", 8, |d| i64::from_le_bytes(fixed(d))),
    ] {
        t.set(name, get_fn(lua, width, f)?)?;
    }
    t.set("get_var_int", lua.create_function(|lua, args: Args| {
        if args.len() != 2 {
            return Ok(MultiValue::new());
        }
        let ud = ud_arg(&args, 0).filter(|u| u.is::<LBytes>()).ok_or_else(|| bad_arg(lua, 1, "Bytes"))?;
        let b = ud.borrow::<LBytes>()?;
        let Some(i) = int_arg(&args, 1).filter(|i| *i >= 1) else { return Ok(MultiValue::new()) };
        let (mut val, mut shift, mut n) = (0u32, 0u32, 0usize);
        for &x in b.data.iter().skip((i - 1) as usize).take(5) {
            val |= u32::from(x & 0x7f).wrapping_shl(shift);
            shift += 7;
            n += 1;
            if x & 0x80 == 0 {
                break;
            }
        }
        Ok(MultiValue::from_iter([LuaValue::Integer(i64::from(val)), LuaValue::Integer(n as i64)]))
    })?)?;
    type Enc = fn(i64) -> Option<Vec<u8>>;
    let byte: Enc = |v| u8::try_from(v).ok().map(|x| vec![x]);
    let encoders: [(&str, &str, Enc); 10] = [
        ("byte", "", byte),
        ("int16", "", |v| Some((v as i16).to_be_bytes().to_vec())),
        ("int16", "_be", |v| Some((v as i16).to_be_bytes().to_vec())),
        ("int16", "_le", |v| Some((v as i16).to_le_bytes().to_vec())),
        ("int32", "", |v| Some((v as i32).to_be_bytes().to_vec())),
        ("int32", "_be", |v| Some((v as i32).to_be_bytes().to_vec())),
        ("int32", "_le", |v| Some((v as i32).to_le_bytes().to_vec())),
        ("int64", "", |v| Some(v.to_be_bytes().to_vec())),
        ("int64", "_be", |v| Some(v.to_be_bytes().to_vec())),
        ("int64", "_le", |v| Some(v.to_le_bytes().to_vec())),
    ];
    for (base, suffix, enc) in encoders {
        t.set(format!("set_{base}{suffix}"), set_fn(lua, enc)?)?;
        t.set(format!("append_{base}{suffix}"), append_fn(lua, enc)?)?;
    }
    t.set("set_string", bytes_fn(lua, 3, LuaValue::Boolean(false), |lua, b, args| {
        let (Some(i), Some(LuaValue::String(s))) = (int_arg(args, 1), args.get(2)) else {
            return Ok(LuaValue::Boolean(false));
        };
        if i < 1 {
            return Ok(LuaValue::Boolean(false));
        }
        let data = s.as_bytes().to_vec();
        let pos = (i - 1) as usize;
        ensure(lua, b, pos + data.len())?;
        Ok(LuaValue::Boolean(write_at(b, pos, &data)))
    })?)?;
    t.set("append_string", bytes_fn(lua, 2, LuaValue::Boolean(false), |lua, b, args| {
        let Some(LuaValue::String(s)) = args.get(1) else { return Ok(LuaValue::Boolean(false)) };
        let data = s.as_bytes().to_vec();
        if data.is_empty() {
            return Ok(LuaValue::Boolean(false));
        }
        let pos = b.data.len();
        ensure(lua, b, pos + data.len())?;
        Ok(LuaValue::Boolean(write_at(b, pos, &data)))
    })?)?;
    // set_bytes(b, i, v, n) / append_bytes(b, v, n): the source is another bytes value.
    t.set("append_bytes", lua.create_function(|lua, args: Args| {
        if args.len() != 3 {
            return Ok(false);
        }
        let src = match ud_arg(&args, 1) {
            Some(u) if u.is::<LBytes>() => u.borrow::<LBytes>()?.data.clone(),
            _ => return Err(bad_arg(lua, 2, "Bytes")),
        };
        let Some(n) = int_arg(&args, 2).filter(|n| *n >= 0) else { return Ok(false) };
        let ud = ud_arg(&args, 0).filter(|u| u.is::<LBytes>()).ok_or_else(|| bad_arg(lua, 1, "Bytes"))?;
        let mut b = ud.borrow_mut::<LBytes>()?;
        let take = (n as usize).min(src.len());
        let pos = b.data.len();
        ensure(lua, &mut b, pos + take)?;
        Ok(write_at(&mut b, pos, &src[..take]))
    })?)?;
    t.set("set_bytes", lua.create_function(|lua, args: Args| {
        if args.len() != 4 {
            return Ok(false);
        }
        let src = match ud_arg(&args, 2) {
            Some(u) if u.is::<LBytes>() => u.borrow::<LBytes>()?.data.clone(),
            _ => return Err(bad_arg(lua, 3, "Bytes")),
        };
        let (Some(i), Some(n)) = (int_arg(&args, 1).filter(|i| *i >= 1), int_arg(&args, 3).filter(|n| *n >= 0)) else {
            return Ok(false);
        };
        let ud = ud_arg(&args, 0).filter(|u| u.is::<LBytes>()).ok_or_else(|| bad_arg(lua, 1, "Bytes"))?;
        let mut b = ud.borrow_mut::<LBytes>()?;
        let take = (n as usize).min(src.len());
        let pos = (i - 1) as usize;
        ensure(lua, &mut b, pos + take)?;
        Ok(write_at(&mut b, pos, &src[..take]))
    })?)?;
    // The var-int writers encode within the capacity but never grow the size (as the server's
    // as_bytes_set_var_int), so an append is invisible.
    t.set("set_var_int", bytes_fn(lua, 3, LuaValue::Integer(0), |lua, b, args| {
        let (Some(i), Some(v)) = (int_arg(args, 1).filter(|i| *i >= 1), int_arg(args, 2)) else {
            return Ok(LuaValue::Integer(0));
        };
        let Ok(v) = i32::try_from(v) else { return Ok(LuaValue::Integer(0)) };
        let pos = (i - 1) as usize;
        ensure(lua, b, pos + 5)?;
        Ok(LuaValue::Integer(var_int_into(b, pos, v as u32)))
    })?)?;
    t.set("append_var_int", bytes_fn(lua, 2, LuaValue::Integer(0), |lua, b, args| {
        let Some(v) = int_arg(args, 1).and_then(|v| i32::try_from(v).ok()) else { return Ok(LuaValue::Integer(0)) };
        let pos = b.data.len();
        ensure(lua, b, pos + 5)?;
        Ok(LuaValue::Integer(var_int_into(b, pos, v as u32)))
    })?)?;
    t.set("tostring", lua.create_function(|_, v: LuaValue| Ok(tostring(&v)))?)?;
    Ok(t)
}

/// Encodes a 7-bit var-int at `pos`, inside the bytes already within the size only; the
/// count is what the server reports (what it would have written), the size never grows.
fn var_int_into(b: &mut LBytes, pos: usize, mut value: u32) -> i64 {
    let mut n = 0;
    while value >= 0x80 {
        if let Some(x) = b.data.get_mut(pos + n) {
            *x = (value as u8) | 0x80;
        }
        value >>= 7;
        n += 1;
    }
    if let Some(x) = b.data.get_mut(pos + n) {
        *x = value as u8;
    }
    (n + 1) as i64
}

impl mlua::UserData for LBytes {
    fn add_methods<M: mlua::UserDataMethods<Self>>(m: &mut M) {
        use mlua::MetaMethod;
        m.add_meta_method(MetaMethod::Index, |_, this, i: LuaValue| {
            let i = int_arg(std::slice::from_ref(&i), 0).unwrap_or(0);
            Ok(read_at(this, i, 1).map_or(LuaValue::Nil, |d| LuaValue::Integer(i64::from(d[0]))))
        });
        m.add_meta_method_mut(MetaMethod::NewIndex, |lua, this, (i, v): (LuaValue, LuaValue)| {
            let args = [i, v];
            let (Some(i), Some(v)) = (int_arg(&args, 0), int_arg(&args, 1)) else { return Ok(()) };
            if i >= 1 && i <= i64::from(u32::MAX) && (0..=255).contains(&v) {
                let pos = (i - 1) as usize;
                ensure(lua, this, pos + 1)?;
                write_at(this, pos, &[v as u8]);
            }
            Ok(())
        });
        // `#b` reaches the size function with two arguments, which answers 0.
        m.add_meta_method(MetaMethod::Len, |_, _, ()| Ok(0));
        m.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(super::tostring::bytes_meta(this)));
    }
}
