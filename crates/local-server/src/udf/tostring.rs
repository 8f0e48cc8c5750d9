//! `tostring` of the server's values in Lua, as mod-lua's `__tostring` metamethods answer:
//! `as_val_tostring` (aerospike-common `as_*_val_tostring`), or `List()`, `Map()`, `Bytes()`,
//! `GeoJSON()` when that gives nothing (mod_lua_list.c, mod_lua_map.c, mod_lua_bytes.c,
//! mod_lua_geojson.c). Lists are `[a, b]` (a missing element shows as `<NULL>`), maps
//! `{k:v, k2:v2}` (the walk stops at an entry that gives nothing), strings and GeoJSON quoted,
//! doubles `%.16g`, nil `NIL`, bytes upper-case hex pairs joined by spaces (empty bytes give
//! nothing).

use mlua::Value as LuaValue;

use super::values::{LBytes, LGeo, LList, LMap};

/// `as_val_tostring`; `None` where the C function returns NULL.
pub fn val_string(v: &LuaValue) -> Option<String> {
    match v {
        LuaValue::Nil => Some("NIL".to_string()),
        LuaValue::Boolean(b) => Some(b.to_string()),
        LuaValue::Integer(i) => Some(i.to_string()),
        LuaValue::Number(f) => Some(g16(*f)),
        // strcpy: the text ends at its first NUL.
        LuaValue::String(s) => Some(quoted(&s.as_bytes())),
        LuaValue::UserData(ud) => {
            if let Ok(l) = ud.borrow::<LList>() {
                Some(list_string(&l))
            } else if let Ok(m) = ud.borrow::<LMap>() {
                Some(map_string(&m))
            } else if let Ok(b) = ud.borrow::<LBytes>() {
                bytes_string(&b)
            } else if let Ok(g) = ud.borrow::<LGeo>() {
                Some(quoted(&g.0))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn quoted(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    format!("\"{}\"", String::from_utf8_lossy(&b[..end]))
}

/// `as_list_val_tostring`.
pub fn list_string(l: &LList) -> String {
    let parts: Vec<String> = l.0.iter().map(|v| val_string(v).unwrap_or_else(|| "<NULL>".to_string())).collect();
    format!("[{}]", parts.join(", "))
}

/// `as_map_val_tostring`.
pub fn map_string(m: &LMap) -> String {
    let mut parts = Vec::with_capacity(m.entries.len());
    for (k, v) in &m.entries {
        let (Some(k), Some(v)) = (val_string(k), val_string(v)) else { break };
        parts.push(format!("{k}:{v}"));
    }
    format!("{{{}}}", parts.join(", "))
}

/// `as_bytes_val_tostring`: `None` for empty bytes.
pub fn bytes_string(b: &LBytes) -> Option<String> {
    if b.data.is_empty() {
        return None;
    }
    Some(b.data.iter().map(|x| format!("{x:02X}")).collect::<Vec<_>>().join(" "))
}

/// The metamethods' answers.
pub fn bytes_meta(b: &LBytes) -> String {
    bytes_string(b).unwrap_or_else(|| "Bytes()".to_string())
}

pub fn geo_meta(g: &LGeo) -> String {
    quoted(&g.0)
}

/// C's `printf("%.16g", f)` (glibc).
pub fn g16(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    const P: i32 = 16;
    // 16 significant digits in scientific form tell the decimal exponent after rounding.
    let sci = format!("{:.*e}", (P - 1) as usize, f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
    };
    if !(-4..P).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mant), exp.abs())
    } else {
        strip(&format!("{:.*}", (P - 1 - exp) as usize, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // glibc's %.16g, as as_double_val_tostring prints.
    #[test]
    fn doubles_print_like_percent_16g() {
        assert_eq!(g16(1.0), "1");
        assert_eq!(g16(2.5), "2.5");
        assert_eq!(g16(0.1), "0.1");
        assert_eq!(g16(-0.0), "-0");
        assert_eq!(g16(1e16), "1e+16");
        assert_eq!(g16(123456789012345.6), "123456789012345.6");
        assert_eq!(g16(0.0001), "0.0001");
        assert_eq!(g16(0.00001), "1e-05");
        assert_eq!(g16(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(g16(f64::INFINITY), "inf");
        assert_eq!(g16(f64::NAN), "nan");
        assert_eq!(g16(1e300), "1e+300");
    }
}
