//! Particles: the typed values of bins, as the server stores them (the type numbers and the
//! integer form are `wire::particle`'s).

pub use wire::particle::*;

use super::{json, msgpack};
use crate::result_code as rc;

/// A bin value. Lists and maps stay in the msgpack the client sent (as the real server keeps
/// them), strings stay bytes (the server never checks UTF-8).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    /// A blob with its particle type (4, or a language blob 7..=12).
    Blob(u8, Vec<u8>),
    Bool(bool),
    Hll(Vec<u8>),
    Map(Vec<u8>),
    List(Vec<u8>),
    /// The GeoJSON text, without the cell header of the wire form.
    GeoJson(Vec<u8>),
}

impl Value {
    pub fn particle_type(&self) -> u8 {
        match self {
            Value::Nil => NULL,
            Value::Int(_) => INTEGER,
            Value::Float(_) => FLOAT,
            Value::Str(_) => STRING,
            Value::Blob(t, _) => *t,
            Value::Bool(_) => BOOL,
            Value::Hll(_) => HLL,
            Value::Map(_) => MAP,
            Value::List(_) => LIST,
            Value::GeoJson(_) => GEOJSON,
        }
    }

    /// Decodes an op's value. Errors are result codes: 4 for malformed values, 160 for bad GeoJSON.
    pub fn from_wire(particle: u8, data: &[u8]) -> Result<Value, u8> {
        Ok(match particle {
            NULL => Value::Nil,
            INTEGER => Value::Int(int_from_wire(data)?),
            FLOAT => {
                let a: [u8; 8] = data.try_into().map_err(|_| rc::PARAMETER_ERROR)?;
                Value::Float(f64::from_bits(u64::from_be_bytes(a)))
            }
            STRING => Value::Str(data.to_vec()),
            BLOB | JAVA_BLOB..=ERLANG_BLOB => Value::Blob(particle, data.to_vec()),
            BOOL => match data {
                [b] => Value::Bool(*b != 0),
                _ => return Err(rc::PARAMETER_ERROR),
            },
            HLL => Value::Hll(data.to_vec()),
            MAP | LIST => {
                // map_from_wire / list_from_wire: anything the server cannot store answers
                // AS_ERR_UNKNOWN (1), and what it stores is cdt_untrusted_rewrite's form.
                let v = msgpack::parse(data).map_err(|_| rc::SERVER_ERROR)?;
                let kind_ok = matches!((&v, particle), (msgpack::MpValue::Map(_), MAP) | (msgpack::MpValue::Array(_), LIST));
                if !kind_ok {
                    return Err(rc::SERVER_ERROR);
                }
                let stored = crate::cdt::ingest::storage_form(v).map_err(|_| rc::SERVER_ERROR)?;
                let bytes = msgpack::to_bytes(&stored);
                if particle == MAP { Value::Map(bytes) } else { Value::List(bytes) }
            }
            GEOJSON => {
                // flags (1), cell count (2), cells (8 each), then the JSON text.
                if data.len() < 3 {
                    return Err(rc::PARAMETER_ERROR);
                }
                let ncells = usize::from(u16::from_be_bytes([data[1], data[2]]));
                let start = 3 + ncells * 8;
                let text = data.get(start..).ok_or(rc::PARAMETER_ERROR)?;
                if !json::is_valid_geojson(text) {
                    return Err(rc::GEO_INVALID_GEOJSON);
                }
                Value::GeoJson(text.to_vec())
            }
            _ => return Err(rc::PARAMETER_ERROR),
        })
    }

    /// Appends the wire form of the value (without its type byte).
    pub fn write_wire(&self, out: &mut Vec<u8>) {
        match self {
            Value::Nil => {}
            Value::Int(i) => out.extend_from_slice(&i.to_be_bytes()),
            Value::Float(f) => out.extend_from_slice(&f.to_bits().to_be_bytes()),
            Value::Str(b) | Value::Blob(_, b) | Value::Hll(b) | Value::Map(b) | Value::List(b) => out.extend_from_slice(b),
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::GeoJson(text) => {
                out.extend_from_slice(&[0, 0, 0]);
                out.extend_from_slice(text);
            }
        }
    }

}

/// An op's integer value (see `wire::particle::int_from_wire`); a bad length answers 4.
pub fn int_from_wire(data: &[u8]) -> Result<i64, u8> {
    wire::particle::int_from_wire(data).ok_or(rc::PARAMETER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trips() {
        let cases: Vec<(u8, Vec<u8>)> = vec![
            (INTEGER, (-7i64).to_be_bytes().to_vec()),
            (FLOAT, 2.5f64.to_bits().to_be_bytes().to_vec()),
            (STRING, b"abc".to_vec()),
            (BLOB, vec![0, 1, 255]),
            (BOOL, vec![1]),
            (LIST, vec![0x92, 0x01, 0xc0]),
            (MAP, vec![0x81, 0xa2, 3, b'k', 0x05]),
            (MAP, vec![0x83, 0xc7, 0, 1, 0xc0, 1, 0, 2, 0]),
        ];
        for (t, data) in cases {
            let v = Value::from_wire(t, &data).expect("decodes");
            assert_eq!(v.particle_type(), t);
            let mut out = Vec::new();
            v.write_wire(&mut out);
            assert_eq!(out, data);
        }
    }

    // A real CE 8.1.2 server read back a dict our client wrote in insertion order
    // ({'zeta', b'\x02', 10, 'alpha', -5}) as [-5, 10, 'alpha', 'zeta', b'\x02']: map_from_wire
    // stores cdt_untrusted_rewrite's form, unordered maps sorted by key; non-compact ints shrink.
    #[test]
    fn maps_are_stored_key_sorted_and_compact() {
        let sent = [0x83, 0xa2, 3, b'z', 0xd3, 0, 0, 0, 0, 0, 0, 0, 1, 10, 2, 0xfb, 3];
        let mut out = Vec::new();
        Value::from_wire(MAP, &sent).expect("stored").write_wire(&mut out);
        assert_eq!(out, vec![0x83, 0xfb, 3, 10, 2, 0xa2, 3, b'z', 1]);
    }

    #[test]
    fn bad_values_are_result_codes() {
        assert_eq!(Value::from_wire(FLOAT, &[1, 2]), Err(rc::PARAMETER_ERROR));
        // map_size_from_wire / list_size_from_wire answer AS_ERR_UNKNOWN.
        assert_eq!(Value::from_wire(LIST, &[0x81, 0x01, 0x01]), Err(rc::SERVER_ERROR));
        assert_eq!(Value::from_wire(LIST, &[0x95]), Err(rc::SERVER_ERROR));
        // A key-ordered map out of order and duplicate keys (map_from_wire).
        assert_eq!(Value::from_wire(MAP, &[0x83, 0xc7, 0, 1, 0xc0, 2, 0, 1, 0]), Err(rc::SERVER_ERROR));
        assert_eq!(Value::from_wire(MAP, &[0x82, 1, 0, 1, 0]), Err(rc::SERVER_ERROR));
        assert_eq!(Value::from_wire(99, &[]), Err(rc::PARAMETER_ERROR));
        let mut geo = vec![0, 0, 0];
        geo.extend_from_slice(br#"{"type":"Nonsense","coordinates":[1,2]}"#);
        assert_eq!(Value::from_wire(GEOJSON, &geo), Err(rc::GEO_INVALID_GEOJSON));
        assert_eq!(Value::from_wire(GEOJSON, &[0, 0xff, 0xff]), Err(rc::PARAMETER_ERROR));
    }
}
