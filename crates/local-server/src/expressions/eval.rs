//! Evaluating a built expression against a record, with three-valued logic: a missing bin, a
//! bin of another type or a failing operation is `Unknown`, which propagates as the server's
//! evaluator does (And/Or skip it, Exclusive stops on it).

use std::cmp::Ordering;

use super::build::{op, Call, CallPart, Node, PathCall, CALL_BITS, CALL_CDT, CALL_HLL};
use super::value::Val;
use super::{geo, path, RecordView};
use crate::codec::msgpack::{self, MpValue, MAP_KEY_ORDERED};
use crate::codec::particle::{self, Value};
use crate::expiry;
use crate::storage::record_size;
use crate::{bits, hll};

pub struct Runtime<'a> {
    /// The record; `None` in the filters and modify expressions of a path expression, which
    /// the server runs without one (bins and metadata are unknown there).
    pub view: Option<&'a RecordView<'a>>,
    pub vars: Vec<Val>,
    pub loop_vars: LoopVars,
    pub now_ms: u64,
}

/// A path expression's loop variables for the child being looked at: a map entry has a key
/// and a value, a list element a value and an index. What is absent is unknown.
#[derive(Debug, Clone)]
pub struct LoopVars {
    pub key: Val,
    pub value: Val,
    pub index: Val,
}

impl Default for LoopVars {
    fn default() -> Self {
        LoopVars { key: Val::Unknown, value: Val::Unknown, index: Val::Unknown }
    }
}

fn b(v: bool) -> Val {
    Val::Bool(v)
}

/// C's float-to-int conversion on x86: NaN and out-of-range values become INT64_MIN.
fn float_to_int(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

impl Runtime<'_> {
    pub fn eval(&mut self, n: &Node) -> Val {
        match n {
            Node::Unknown => Val::Unknown,
            Node::Const(v) => v.clone(),
            Node::GeoConst(text) => Val::Geo(text.clone()),
            Node::Cmp(code, l, r) => {
                let a = self.eval(l);
                if a == Val::Unknown {
                    return a;
                }
                let c = self.eval(r);
                if c == Val::Unknown {
                    return c;
                }
                compare(*code, &a, &c)
            }
            Node::Regex(re, target) => match self.eval(target) {
                Val::Str(s) => b(re.is_match(&s)),
                _ => Val::Unknown,
            },
            Node::Geo(l, r) => {
                let (Val::Geo(a), Val::Geo(c)) = (self.eval(l), self.eval(r)) else { return Val::Unknown };
                match (geo::parse(&a), geo::parse(&c)) {
                    (Some(x), Some(y)) => b(geo::matches(&x, &y)),
                    _ => Val::Unknown,
                }
            }
            Node::InList(e, l) => {
                let e = self.eval(e);
                if e == Val::Unknown {
                    return e;
                }
                let (Val::List(list), Some(needle)) = (self.eval(l), e.to_msgpack()) else { return Val::Unknown };
                let (Ok(MpValue::Array(items)), Ok(needle)) = (msgpack::parse(&list), msgpack::parse(&needle)) else {
                    return Val::Unknown;
                };
                b(items.iter().any(|x| msgpack_equal(x, &needle)))
            }
            Node::And(args) => {
                let mut ret = b(true);
                for a in args {
                    match self.eval(a) {
                        Val::Bool(false) => return b(false),
                        Val::Bool(true) => {}
                        _ => ret = Val::Unknown,
                    }
                }
                ret
            }
            Node::Or(args) => {
                let mut ret = b(false);
                for a in args {
                    match self.eval(a) {
                        Val::Bool(true) => return b(true),
                        Val::Bool(false) => {}
                        _ => ret = Val::Unknown,
                    }
                }
                ret
            }
            Node::Not(a) => match self.eval(a) {
                Val::Bool(x) => b(!x),
                _ => Val::Unknown,
            },
            Node::Exclusive(args) => {
                let mut seen = false;
                for a in args {
                    match self.eval(a) {
                        Val::Bool(true) if seen => return b(false),
                        Val::Bool(true) => seen = true,
                        Val::Bool(false) => {}
                        _ => return Val::Unknown,
                    }
                }
                b(seen)
            }
            Node::Math(code, args) => self.math(*code, args),
            Node::Binary(code, l, r) => {
                let a = self.eval(l);
                if a == Val::Unknown {
                    return a;
                }
                let c = self.eval(r);
                binary(*code, a, c)
            }
            Node::Unary(code, a) => unary(*code, self.eval(a)),
            Node::IntVargs(code, args) => {
                let mut acc: Option<i64> = None;
                for a in args {
                    let Val::Int(x) = self.eval(a) else { return Val::Unknown };
                    acc = Some(match (acc, *code) {
                        (None, _) => x,
                        (Some(p), op::INT_AND) => p & x,
                        (Some(p), op::INT_OR) => p | x,
                        (Some(p), _) => p ^ x,
                    });
                }
                acc.map_or(Val::Unknown, Val::Int)
            }
            Node::DigestMod(m) => {
                let Some(view) = self.view else { return Val::Unknown };
                let d = view.digest;
                let v = u32::from_le_bytes([d[16], d[17], d[18], d[19]]);
                Val::Int(i64::from(v) % *m)
            }
            Node::Meta(code) => self.meta(*code),
            Node::Key(t) => {
                let Some(k) = self.view.and_then(|v| v.record.key.as_ref()) else { return Val::Unknown };
                let v = match k.particle {
                    particle::INTEGER => match <[u8; 8]>::try_from(k.bytes.as_slice()) {
                        Ok(a) => Val::Int(i64::from_be_bytes(a)),
                        Err(_) => return Val::Unknown,
                    },
                    particle::STRING => Val::Str(k.bytes.clone()),
                    particle::BLOB => Val::Blob(k.bytes.clone()),
                    _ => return Val::Unknown,
                };
                if v.is_type(*t) { v } else { Val::Unknown }
            }
            Node::Bin(name, t) => match self.view.and_then(|v| v.record.bin(name)) {
                Some(v) if v.particle_type() == t.particle() => Val::from_value(v),
                _ => Val::Unknown,
            },
            Node::BinType(name) => match self.view {
                Some(view) => Val::Int(i64::from(view.record.bin(name).map_or(particle::NULL, Value::particle_type))),
                None => Val::Unknown,
            },
            Node::ResultRemove => Val::Remove,
            // A loop variable of another type than declared is unknown.
            Node::VarBuiltin(idx, t) => {
                let v = match idx {
                    0 => &self.loop_vars.key,
                    1 => &self.loop_vars.value,
                    _ => &self.loop_vars.index,
                };
                if v.is_type(*t) { v.clone() } else { Val::Unknown }
            }
            Node::Cond(cases, default) => {
                for (c, action) in cases {
                    match self.eval(c) {
                        Val::Bool(true) => return self.eval(action),
                        Val::Bool(false) => {}
                        _ => return Val::Unknown,
                    }
                }
                self.eval(default)
            }
            Node::Var(idx) => self.vars.get(*idx).cloned().unwrap_or(Val::Unknown),
            Node::Let(defs, body) => {
                for (idx, d) in defs {
                    let v = self.eval(d);
                    if let Some(slot) = self.vars.get_mut(*idx) {
                        *slot = v;
                    }
                }
                self.eval(body)
            }
            Node::Call(c) => self.call(c),
            Node::Path(p) => self.path(p),
        }
    }

    fn path(&mut self, p: &PathCall) -> Val {
        let (Val::List(bytes) | Val::Map(bytes)) = self.eval(&p.target) else { return Val::Unknown };
        let (Some(op), Ok(bin)) = (&p.op, msgpack::parse(&bytes)) else { return Val::Unknown };
        let out = match path::run(op, &bin, p.modify, self.now_ms) {
            Some(v @ MpValue::Array(_)) => Val::List(msgpack::to_bytes(&v)),
            Some(v @ MpValue::Map(_)) => Val::Map(msgpack::to_bytes(&v)),
            _ => return Val::Unknown,
        };
        if out.is_type(p.ret) { out } else { Val::Unknown }
    }

    fn math(&mut self, code: i64, args: &[Node]) -> Val {
        let Some((first, rest)) = args.split_first() else { return Val::Unknown };
        let first = self.eval(first);
        let mut vals = Vec::with_capacity(rest.len());
        for a in rest {
            match self.eval(a) {
                Val::Unknown => return Val::Unknown,
                v => vals.push(v),
            }
        }
        match first {
            Val::Int(mut acc) => {
                let ints: Vec<i64> = vals.iter().map(|v| if let Val::Int(i) = v { *i } else { 0 }).collect();
                match code {
                    op::ADD => ints.iter().for_each(|x| acc = acc.wrapping_add(*x)),
                    op::SUB if ints.is_empty() => acc = acc.wrapping_neg(),
                    op::SUB => ints.iter().for_each(|x| acc = acc.wrapping_sub(*x)),
                    op::MUL => ints.iter().for_each(|x| acc = acc.wrapping_mul(*x)),
                    op::DIV => {
                        let (num, den) = if ints.is_empty() { (1, acc) } else { (acc, ints.iter().fold(1i64, |p, x| p.wrapping_mul(*x))) };
                        // Division by zero is unknown; INT64_MIN / -1 would trap, so it is too.
                        return num.checked_div(den).map_or(Val::Unknown, Val::Int);
                    }
                    op::MIN => ints.iter().for_each(|x| acc = acc.min(*x)),
                    _ => ints.iter().for_each(|x| acc = acc.max(*x)),
                }
                Val::Int(acc)
            }
            Val::Float(mut acc) => {
                let fs: Vec<f64> = vals.iter().map(|v| if let Val::Float(f) = v { *f } else { 0.0 }).collect();
                match code {
                    op::ADD => fs.iter().for_each(|x| acc += x),
                    op::SUB if fs.is_empty() => acc = 0.0 - acc,
                    op::SUB => fs.iter().for_each(|x| acc -= x),
                    op::MUL => fs.iter().for_each(|x| acc *= x),
                    op::DIV => {
                        if fs.is_empty() {
                            acc = 1.0 / acc;
                        } else {
                            acc /= fs.iter().product::<f64>();
                        }
                    }
                    op::MIN => fs.iter().for_each(|x| if acc > *x { acc = *x }),
                    _ => fs.iter().for_each(|x| if acc < *x { acc = *x }),
                }
                Val::Float(acc)
            }
            _ => Val::Unknown,
        }
    }

    fn meta(&self, code: i64) -> Val {
        let Some(view) = self.view else { return Val::Unknown };
        let rec = view.record;
        match code {
            op::DEVICE_SIZE => Val::Int(0),
            op::MEMORY_SIZE | op::RECORD_SIZE => Val::Int(record_size::stored_size(rec) as i64),
            op::LAST_UPDATE => Val::Int((rec.last_update_ms as i64).saturating_mul(1_000_000)),
            op::SINCE_UPDATE => Val::Int(self.now_ms.saturating_sub(rec.last_update_ms) as i64),
            op::VOID_TIME if rec.void_time == 0 => Val::Int(-1),
            op::VOID_TIME => Val::Int((i64::from(rec.void_time) + expiry::CITRUSLEAF_EPOCH as i64) * 1_000_000_000),
            op::TTL if rec.void_time == 0 => Val::Int(-1),
            op::TTL => {
                let now = (self.now_ms / 1000).saturating_sub(expiry::CITRUSLEAF_EPOCH);
                Val::Int(i64::from(rec.void_time).saturating_sub(now as i64).max(1))
            }
            op::SET_NAME => Val::Str(rec.set.clone()),
            op::KEY_EXISTS => b(rec.key.is_some()),
            op::IS_TOMBSTONE => b(false),
            _ => Val::Unknown,
        }
    }

    fn call(&mut self, c: &Call) -> Val {
        let mut payload = Vec::new();
        for p in &c.parts {
            match p {
                CallPart::Raw(bytes) => payload.extend_from_slice(bytes),
                CallPart::Eval(n) => match self.eval(n).to_msgpack() {
                    Some(bytes) => payload.extend_from_slice(&bytes),
                    None => return Val::Unknown,
                },
            }
        }
        let bin = match self.eval(&c.target) {
            Val::Nil => None,
            v @ (Val::Blob(_) | Val::Hll(_) | Val::List(_) | Val::Map(_)) => v.to_value(),
            _ => return Val::Unknown,
        };
        let result: Result<Option<Value>, u8> = match (c.system, c.modify) {
            (CALL_BITS, true) => bits::modify(bin.as_ref(), &payload).map(|v| v.or(bin.clone())),
            (CALL_BITS, false) => bits::read(bin.as_ref(), &payload),
            (CALL_HLL, true) => hll::modify(bin.as_ref(), &payload).map(|m| m.value.or(bin.clone())),
            (CALL_HLL, false) => hll::read(bin.as_ref(), &payload),
            (CALL_CDT, modify) => super::cdt_call(bin.as_ref(), &payload, modify),
            _ => return Val::Unknown,
        };
        // A map read's KEY_VALUE result is already what the server answers: a map particle led
        // by the preserve-order flag, which the C client unpacks as a flat [k, v, ...] list.
        match result {
            Ok(Some(v)) if v.particle_type() == c.ret.particle() => Val::from_value(&v),
            Ok(None) if c.ret.particle() == particle::NULL => Val::Nil,
            _ => Val::Unknown,
        }
    }
}

fn binary(code: i64, a: Val, c: Val) -> Val {
    match (code, a, c) {
        (op::POW, Val::Float(x), Val::Float(y)) => Val::Float(x.powf(y)),
        (op::LOG, Val::Float(x), Val::Float(y)) => Val::Float(x.ln() / y.ln()),
        (op::MOD, Val::Int(x), Val::Int(y)) => x.checked_rem(y).map_or(Val::Unknown, Val::Int),
        (op::INT_LSHIFT, Val::Int(x), Val::Int(y)) => Val::Int(x.wrapping_shl(y as u32)),
        (op::INT_RSHIFT, Val::Int(x), Val::Int(y)) => Val::Int((x as u64).wrapping_shr(y as u32) as i64),
        (op::INT_ARSHIFT, Val::Int(x), Val::Int(y)) => Val::Int(x.wrapping_shr(y as u32)),
        (op::INT_LSCAN, Val::Int(x), Val::Bool(set)) => {
            let v = if set { x } else { !x } as u64;
            let lz = v.leading_zeros();
            Val::Int(if lz == 64 { -1 } else { i64::from(lz) })
        }
        (op::INT_RSCAN, Val::Int(x), Val::Bool(set)) => {
            let v = if set { x } else { !x } as u64;
            Val::Int(63 - i64::from(v.trailing_zeros()))
        }
        _ => Val::Unknown,
    }
}

fn unary(code: i64, a: Val) -> Val {
    match (code, a) {
        (op::ABS, Val::Int(x)) => Val::Int(x.wrapping_abs()),
        (op::ABS, Val::Float(x)) => Val::Float(x.abs()),
        (op::FLOOR, Val::Float(x)) => Val::Float(x.floor()),
        (op::CEIL, Val::Float(x)) => Val::Float(x.ceil()),
        (op::TO_INT, Val::Float(x)) => Val::Int(float_to_int(x)),
        (op::TO_FLOAT, Val::Int(x)) => Val::Float(x as f64),
        (op::INT_NOT, Val::Int(x)) => Val::Int(!x),
        (op::INT_COUNT, Val::Int(x)) => Val::Int(i64::from(x.count_ones())),
        (op::MAP_KEYS | op::MAP_VALUES, Val::Map(m)) => match msgpack::parse(&m) {
            Ok(MpValue::Map(pairs)) => {
                let body = pairs.iter().filter(|(k, _)| !matches!(k, MpValue::Ext(..)));
                let items = body.map(|(k, v)| if code == op::MAP_KEYS { k.clone() } else { v.clone() }).collect();
                Val::List(msgpack::to_bytes(&MpValue::Array(items)))
            }
            _ => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

/// Whether a msgpack value holds a map without the key-ordered flag (anywhere inside).
fn has_unordered_map(v: &MpValue) -> bool {
    match v {
        MpValue::Array(items) => items.iter().any(has_unordered_map),
        MpValue::Map(pairs) => {
            msgpack::map_flags(pairs) & MAP_KEY_ORDERED == 0 || pairs.iter().any(|(k, x)| has_unordered_map(k) || has_unordered_map(x))
        }
        _ => false,
    }
}

fn msgpack_equal(a: &MpValue, b: &MpValue) -> bool {
    msgpack::compare(a, b) == Ordering::Equal
}

fn truth(code: i64, ord: Ordering) -> Val {
    b(match code {
        op::EQ => ord == Ordering::Equal,
        op::NE => ord != Ordering::Equal,
        op::GT => ord == Ordering::Greater,
        op::GE => ord != Ordering::Less,
        op::LT => ord == Ordering::Less,
        _ => ord != Ordering::Greater,
    })
}

fn compare(code: i64, a: &Val, c: &Val) -> Val {
    match (a, c) {
        (Val::Nil, Val::Nil) => truth(code, Ordering::Equal),
        (Val::Bool(x), Val::Bool(y)) => truth(code, x.cmp(y)),
        (Val::Int(x), Val::Int(y)) => truth(code, x.cmp(y)),
        (Val::Float(x), Val::Float(y)) => b(match code {
            op::EQ => x == y,
            op::NE => x != y,
            op::GT => x > y,
            op::GE => x >= y,
            op::LT => x < y,
            _ => x <= y,
        }),
        (Val::Str(x), Val::Str(y)) | (Val::Blob(x), Val::Blob(y)) => truth(code, x.cmp(y)),
        (Val::List(x), Val::List(y)) | (Val::Map(x), Val::Map(y)) => {
            let (Ok(p), Ok(q)) = (msgpack::parse(x), msgpack::parse(y)) else { return Val::Unknown };
            if has_unordered_map(&p) || has_unordered_map(&q) {
                return Val::Unknown;
            }
            truth(code, msgpack::compare(&p, &q))
        }
        _ => Val::Unknown,
    }
}
