//! A small JSON reader, enough to validate the GeoJSON particles the server accepts
//! (and, later, to read geo query regions). Bounded in depth like the msgpack parser.

use super::DecodeError;

const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> Result<(), DecodeError> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(DecodeError("json: unexpected character"))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Json, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("json nested too deep"));
        }
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut pairs = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Json::Object(pairs));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    let v = self.value(depth + 1)?;
                    pairs.push((k, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => { self.i += 1; return Ok(Json::Object(pairs)); }
                        _ => return Err(DecodeError("json: bad object")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => { self.i += 1; return Ok(Json::Array(items)); }
                        _ => return Err(DecodeError("json: bad array")),
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.word(b"true", Json::Bool(true)),
            Some(b'f') => self.word(b"false", Json::Bool(false)),
            Some(b'n') => self.word(b"null", Json::Null),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            _ => Err(DecodeError("json: unexpected input")),
        }
    }
    fn word(&mut self, w: &[u8], v: Json) -> Result<Json, DecodeError> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(DecodeError("json: bad literal"))
        }
    }
    fn number(&mut self) -> Result<Json, DecodeError> {
        let start = self.i;
        while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| DecodeError("json: bad number"))?;
        text.parse::<f64>().map(Json::Number).map_err(|_| DecodeError("json: bad number"))
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        if self.peek() != Some(b'"') {
            return Err(DecodeError("json: expected string"));
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or(DecodeError("json: unterminated string"))?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or(DecodeError("json: bad escape"))?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).ok_or(DecodeError("json: bad escape"))?;
                            self.i += 4;
                            let code = std::str::from_utf8(hex).ok().and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or(DecodeError("json: bad escape"))?;
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            let mut b = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        }
                        _ => return Err(DecodeError("json: bad escape")),
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| DecodeError("json: invalid utf-8"))
    }
}

pub fn parse(text: &[u8]) -> Result<Json, DecodeError> {
    let mut p = P { s: text, i: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.i != text.len() {
        return Err(DecodeError("json: trailing characters"));
    }
    Ok(v)
}

fn position(v: &Json) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    if a.len() < 2 {
        return None;
    }
    let (lon, lat) = (a[0].as_f64()?, a[1].as_f64()?);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return None;
    }
    Some((lon, lat))
}

fn polygon(v: &Json) -> Option<()> {
    let rings = v.as_array()?;
    if rings.is_empty() {
        return None;
    }
    for ring in rings {
        let pts = ring.as_array()?;
        if pts.len() < 4 {
            return None;
        }
        let first = position(&pts[0])?;
        for p in pts {
            position(p)?;
        }
        if position(&pts[pts.len() - 1])? != first {
            return None;
        }
    }
    Some(())
}

/// Whether `text` is GeoJSON the server stores: a Point, Polygon, MultiPolygon or AeroCircle
/// with coordinates in range and closed rings. Anything else is refused with 160.
pub fn is_valid_geojson(text: &[u8]) -> bool {
    let Ok(v) = parse(text) else { return false };
    let Some(kind) = v.get("type").and_then(Json::as_str) else { return false };
    let Some(coords) = v.get("coordinates") else { return false };
    match kind {
        "Point" => position(coords).is_some(),
        "Polygon" => polygon(coords).is_some(),
        "MultiPolygon" => coords.as_array().is_some_and(|ps| !ps.is_empty() && ps.iter().all(|p| polygon(p).is_some())),
        "AeroCircle" => coords.as_array().is_some_and(|a| {
            a.len() == 2 && position(&a[0]).is_some() && a[1].as_f64().is_some_and(|r| r >= 0.0)
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_validation() {
        assert!(is_valid_geojson(br#"{"type": "Point", "coordinates": [-122.5, 37.25]}"#));
        assert!(is_valid_geojson(br#"{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}"#));
        assert!(is_valid_geojson(br#"{"type":"AeroCircle","coordinates":[[1,2],300]}"#));
        assert!(!is_valid_geojson(br#"{"type": "Nonsense", "coordinates": [1, 2]}"#));
        assert!(!is_valid_geojson(br#"{"type": "Point", "coordinates": [1, 91]}"#));
        assert!(!is_valid_geojson(br#"{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0]]]}"#));
        assert!(!is_valid_geojson(br#"{"coordinates": [1, 2]}"#));
        assert!(!is_valid_geojson(b"[[[[[[[["));
        assert!(!is_valid_geojson(&vec![b'['; 100_000]));
    }
}
