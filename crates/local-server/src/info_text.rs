//! The text conventions of info commands, shared by every layer that answers one (`info`,
//! `truncate`, `udf`, `security`): `key=value;...` parameters, the server's parameter checks,
//! `ERROR:<code>:<message>` answers, and base64. A leaf: it knows no other part of the server.

use crate::result_code as rc;

pub fn error(code: u8, msg: &str) -> String {
    format!("ERROR:{code}:{msg}")
}

/// An optional parameter checked as `as_info_optional_param_is_ok` (thr_info.c) does: absent is
/// `None`; empty answers `missing '<key>' value`, and a value that does not fit the server's
/// buffer of `buf` bytes (NUL included) `'<key>' value too long`. The code is 20 for
/// `namespace`, else 4. The first of `keys` found is used (aliases such as `ns`).
pub fn optional_param<'a>(p: &[(&str, &'a str)], keys: &[&str], buf: usize) -> Result<Option<&'a str>, String> {
    let Some(&(key, v)) = p.iter().find(|(k, _)| keys.contains(k)) else { return Ok(None) };
    let code = if keys[0] == "namespace" { rc::NAMESPACE_NOT_FOUND } else { rc::PARAMETER_ERROR };
    if v.is_empty() {
        return Err(error(code, &format!("missing '{key}' value")));
    }
    if v.len() >= buf {
        return Err(error(code, &format!("'{key}' value too long")));
    }
    Ok(Some(v))
}

/// A required parameter (`as_info_required_param_is_ok`): absent answers `missing '<key>'`.
pub fn required_param<'a>(p: &[(&str, &'a str)], keys: &[&str], buf: usize) -> Result<&'a str, String> {
    optional_param(p, keys, buf)?.ok_or_else(|| {
        let code = if keys[0] == "namespace" { rc::NAMESPACE_NOT_FOUND } else { rc::PARAMETER_ERROR };
        error(code, &format!("missing '{}'", keys[0]))
    })
}

/// `key=value;key=value` parameters.
pub fn params_map(params: &str) -> Vec<(&str, &str)> {
    params.split(';').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

