//! Building an expression: the msgpack tree the client sent becomes a typed [`Node`] tree, with
//! the server's build-time checks (argument counts and types, variable scopes, regex and GeoJSON
//! compilation). Any failure is result code 4.

use super::geo;
use super::path;
use super::regex::Regex;
use super::value::{Type, Val};
use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle;
use crate::result_code as rc;

pub mod op {
    pub const UNKNOWN: i64 = 0;
    pub const EQ: i64 = 1;
    pub const NE: i64 = 2;
    pub const GT: i64 = 3;
    pub const GE: i64 = 4;
    pub const LT: i64 = 5;
    pub const LE: i64 = 6;
    pub const REGEX: i64 = 7;
    pub const GEO: i64 = 8;
    pub const IN_LIST: i64 = 9;
    pub const AND: i64 = 16;
    pub const OR: i64 = 17;
    pub const NOT: i64 = 18;
    pub const EXCLUSIVE: i64 = 19;
    pub const ADD: i64 = 20;
    pub const SUB: i64 = 21;
    pub const MUL: i64 = 22;
    pub const DIV: i64 = 23;
    pub const POW: i64 = 24;
    pub const LOG: i64 = 25;
    pub const MOD: i64 = 26;
    pub const ABS: i64 = 27;
    pub const FLOOR: i64 = 28;
    pub const CEIL: i64 = 29;
    pub const TO_INT: i64 = 30;
    pub const TO_FLOAT: i64 = 31;
    pub const INT_AND: i64 = 32;
    pub const INT_OR: i64 = 33;
    pub const INT_XOR: i64 = 34;
    pub const INT_NOT: i64 = 35;
    pub const INT_LSHIFT: i64 = 36;
    pub const INT_RSHIFT: i64 = 37;
    pub const INT_ARSHIFT: i64 = 38;
    pub const INT_COUNT: i64 = 39;
    pub const INT_LSCAN: i64 = 40;
    pub const INT_RSCAN: i64 = 41;
    pub const MIN: i64 = 50;
    pub const MAX: i64 = 51;
    pub const DIGEST_MOD: i64 = 64;
    pub const DEVICE_SIZE: i64 = 65;
    pub const LAST_UPDATE: i64 = 66;
    pub const SINCE_UPDATE: i64 = 67;
    pub const VOID_TIME: i64 = 68;
    pub const TTL: i64 = 69;
    pub const SET_NAME: i64 = 70;
    pub const KEY_EXISTS: i64 = 71;
    pub const IS_TOMBSTONE: i64 = 72;
    pub const MEMORY_SIZE: i64 = 73;
    pub const RECORD_SIZE: i64 = 74;
    pub const KEY: i64 = 80;
    pub const BIN: i64 = 81;
    pub const BIN_TYPE: i64 = 82;
    pub const RESULT_REMOVE: i64 = 100;
    pub const MAP_KEYS: i64 = 101;
    pub const MAP_VALUES: i64 = 102;
    pub const VAR_BUILTIN: i64 = 122;
    pub const COND: i64 = 123;
    pub const VAR: i64 = 124;
    pub const LET: i64 = 125;
    pub const QUOTE: i64 = 126;
    pub const CALL: i64 = 127;
}

/// Call systems: which module runs the op, and whether it modifies a local copy.
pub const CALL_CDT: u64 = 0;
pub const CALL_BITS: u64 = 1;
pub const CALL_HLL: u64 = 2;
pub const CALL_MODIFY: u64 = 0x40;

/// Nesting deeper than this is refused (the evaluator recurses).
const MAX_DEPTH: usize = 128;
/// At most this many nodes in one expression.
const MAX_NODES: usize = 100_000;

#[derive(Debug)]
pub enum Node {
    Unknown,
    Const(Val),
    /// A geo constant: its GeoJSON text (checked at build).
    GeoConst(Vec<u8>),
    Cmp(i64, Box<Node>, Box<Node>),
    Regex(Box<Regex>, Box<Node>),
    Geo(Box<Node>, Box<Node>),
    InList(Box<Node>, Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Exclusive(Vec<Node>),
    /// add, sub, mul, div, min, max over ints or floats.
    Math(i64, Vec<Node>),
    /// pow, log, mod, the int shifts and scans: two operands.
    Binary(i64, Box<Node>, Box<Node>),
    /// abs, floor, ceil, to_int, to_float, int_not, int_count, map keys/values.
    Unary(i64, Box<Node>),
    IntVargs(i64, Vec<Node>),
    DigestMod(i64),
    Meta(i64),
    Key(Type),
    Bin(Vec<u8>, Type),
    BinType(Vec<u8>),
    ResultRemove,
    /// A loop variable of a path expression (key 0, value 1, index 2) and its declared type;
    /// unknown outside path expressions.
    VarBuiltin(usize, Type),
    Cond(Vec<(Node, Node)>, Box<Node>),
    Var(usize),
    Let(Vec<(usize, Node)>, Box<Node>),
    Call(Box<Call>),
    Path(Box<PathCall>),
}

/// A path expression: the CDT select op run on a list or map.
#[derive(Debug)]
pub struct PathCall {
    pub ret: Type,
    pub modify: bool,
    /// `None`: the CDT layer rejects the op, so the call is unknown when it runs.
    pub op: Option<path::PathOp>,
    pub target: Node,
}

/// A CDT, bit or HLL op run on a value inside an expression.
#[derive(Debug)]
pub struct Call {
    pub ret: Type,
    pub system: u64,
    pub modify: bool,
    /// The op's msgpack, with nested expressions left as holes.
    pub parts: Vec<CallPart>,
    pub target: Node,
}

#[derive(Debug)]
pub enum CallPart {
    Raw(Vec<u8>),
    Eval(Node),
}

struct Builder {
    scopes: Vec<Vec<(Vec<u8>, usize, Type)>>,
    next_var: usize,
    pub max_vars: usize,
    nodes: usize,
}

#[derive(Debug)]
pub struct Built {
    pub node: Node,
    pub ty: Type,
    pub n_vars: usize,
}

/// Builds an expression from its wire bytes.
pub fn build_bytes(bytes: &[u8]) -> Result<Built, u8> {
    build(&msgpack::parse(bytes).map_err(|_| rc::PARAMETER_ERROR)?)
}

/// Builds an expression from its parsed msgpack.
pub fn build(tree: &MpValue) -> Result<Built, u8> {
    if matches!(tree, MpValue::Array(a) if a.is_empty()) {
        return Err(rc::PARAMETER_ERROR);
    }
    let mut b = Builder { scopes: Vec::new(), next_var: 0, max_vars: 0, nodes: 0 };
    let (node, ty) = b.next(tree, 0)?;
    if matches!(ty, Type::Any) {
        return Err(rc::PARAMETER_ERROR);
    }
    Ok(Built { node, ty, n_vars: b.max_vars })
}

fn err<T>() -> Result<T, u8> {
    Err(rc::PARAMETER_ERROR)
}

fn uint(v: &MpValue) -> Result<u64, u8> {
    match v {
        MpValue::Int(i) if *i >= 0 => Ok(*i as u64),
        MpValue::UInt(u) => Ok(*u),
        _ => err(),
    }
}

fn int(v: &MpValue) -> Result<i64, u8> {
    match v {
        MpValue::Int(i) => Ok(*i),
        MpValue::UInt(u) => Ok(*u as i64),
        _ => err(),
    }
}

/// A name as msgpack raw (bin and variable names carry no type byte).
fn name(v: &MpValue) -> Result<Vec<u8>, u8> {
    match v {
        MpValue::Raw { data, .. } => Ok(data.clone()),
        _ => err(),
    }
}

fn bin_name(v: &MpValue) -> Result<Vec<u8>, u8> {
    let n = name(v)?;
    if n.len() > 15 {
        return err();
    }
    Ok(n)
}

impl Builder {
    fn next(&mut self, v: &MpValue, depth: usize) -> Result<(Node, Type), u8> {
        self.nodes += 1;
        if depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return err();
        }
        let items = match v {
            MpValue::Array(items) => items,
            MpValue::Nil => return Ok((Node::Const(Val::Nil), Type::Nil)),
            MpValue::Bool(b) => return Ok((Node::Const(Val::Bool(*b)), Type::Bool)),
            MpValue::Int(_) | MpValue::UInt(_) => return Ok((Node::Const(Val::Int(int(v)?)), Type::Int)),
            MpValue::Float(f) => return Ok((Node::Const(Val::Float(*f)), Type::Float)),
            MpValue::Raw { data, .. } => return literal_raw(data),
            MpValue::Map(_) => return Ok((Node::Const(Val::Map(msgpack::to_bytes(v))), Type::Map)),
            MpValue::Ext(..) => return err(),
        };
        let code = int(items.first().ok_or(rc::PARAMETER_ERROR)?)?;
        let args = &items[1..];
        let d = depth + 1;
        let fixed = |n: usize| if args.len() == n { Ok(()) } else { err() };
        Ok(match code {
            op::UNKNOWN => {
                fixed(0)?;
                (Node::Unknown, Type::Bool)
            }
            op::EQ..=op::LE => {
                fixed(2)?;
                let (l, lt) = self.next(&args[0], d)?;
                let (r, rt) = self.next(&args[1], d)?;
                if lt != rt || matches!(lt, Type::Geo | Type::Hll) {
                    return err();
                }
                (Node::Cmp(code, Box::new(l), Box::new(r)), Type::Bool)
            }
            op::REGEX => {
                fixed(3)?;
                let flags = int(&args[0])?;
                let pattern = name(&args[1])?;
                let (target, t) = self.next(&args[2], d)?;
                if t != Type::Str {
                    return err();
                }
                let re = Regex::new(&pattern, flags).map_err(|()| rc::PARAMETER_ERROR)?;
                (Node::Regex(Box::new(re), Box::new(target)), Type::Bool)
            }
            op::GEO => {
                fixed(2)?;
                let (l, lt) = self.next(&args[0], d)?;
                if lt != Type::Geo {
                    return err();
                }
                let (r, rt) = self.next(&args[1], d)?;
                if rt != Type::Geo {
                    return err();
                }
                (Node::Geo(Box::new(l), Box::new(r)), Type::Bool)
            }
            op::IN_LIST => {
                fixed(2)?;
                let (e, _) = self.next(&args[0], d)?;
                let (l, lt) = self.next(&args[1], d)?;
                if lt != Type::List {
                    return err();
                }
                (Node::InList(Box::new(e), Box::new(l)), Type::Bool)
            }
            op::AND | op::OR | op::EXCLUSIVE => {
                if args.len() < 2 {
                    return err();
                }
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    let (n, t) = self.next(a, d)?;
                    if t != Type::Bool {
                        return err();
                    }
                    v.push(n);
                }
                let node = match code {
                    op::AND => Node::And(v),
                    op::OR => Node::Or(v),
                    _ => Node::Exclusive(v),
                };
                (node, Type::Bool)
            }
            op::NOT => {
                fixed(1)?;
                let (n, t) = self.next(&args[0], d)?;
                if t != Type::Bool {
                    return err();
                }
                (Node::Not(Box::new(n)), Type::Bool)
            }
            op::ADD | op::SUB | op::MUL | op::DIV | op::MIN | op::MAX => {
                if args.is_empty() {
                    return err();
                }
                let mut ty = None;
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    let (n, t) = self.next(a, d)?;
                    if !matches!(t, Type::Int | Type::Float) || ty.is_some_and(|x| x != t) {
                        return err();
                    }
                    ty = Some(t);
                    v.push(n);
                }
                (Node::Math(code, v), ty.unwrap_or(Type::Int))
            }
            op::POW | op::LOG | op::MOD | op::INT_LSHIFT | op::INT_RSHIFT | op::INT_ARSHIFT | op::INT_LSCAN | op::INT_RSCAN => {
                fixed(2)?;
                let (a, at) = self.next(&args[0], d)?;
                let (b, bt) = self.next(&args[1], d)?;
                let (want_a, want_b, ty) = match code {
                    op::POW | op::LOG => (Type::Float, Type::Float, Type::Float),
                    op::INT_LSCAN | op::INT_RSCAN => (Type::Int, Type::Bool, Type::Int),
                    _ => (Type::Int, Type::Int, Type::Int),
                };
                if at != want_a || bt != want_b {
                    return err();
                }
                (Node::Binary(code, Box::new(a), Box::new(b)), ty)
            }
            op::ABS | op::FLOOR | op::CEIL | op::TO_INT | op::TO_FLOAT | op::INT_NOT | op::INT_COUNT => {
                fixed(1)?;
                let (a, at) = self.next(&args[0], d)?;
                let ty = match (code, at) {
                    (op::ABS, Type::Int | Type::Float) => at,
                    (op::FLOOR | op::CEIL, Type::Float) => Type::Float,
                    (op::TO_INT, Type::Float) => Type::Int,
                    (op::TO_FLOAT, Type::Int) => Type::Float,
                    (op::INT_NOT | op::INT_COUNT, Type::Int) => Type::Int,
                    _ => return err(),
                };
                (Node::Unary(code, Box::new(a)), ty)
            }
            op::INT_AND | op::INT_OR | op::INT_XOR => {
                if args.is_empty() {
                    return err();
                }
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    let (n, t) = self.next(a, d)?;
                    if t != Type::Int {
                        return err();
                    }
                    v.push(n);
                }
                (Node::IntVargs(code, v), Type::Int)
            }
            op::DIGEST_MOD => {
                fixed(1)?;
                let m = int(&args[0])? as i32;
                if m == 0 {
                    return err();
                }
                (Node::DigestMod(i64::from(m)), Type::Int)
            }
            op::DEVICE_SIZE | op::LAST_UPDATE | op::SINCE_UPDATE | op::VOID_TIME | op::TTL | op::MEMORY_SIZE | op::RECORD_SIZE => {
                fixed(0)?;
                (Node::Meta(code), Type::Int)
            }
            op::SET_NAME => {
                fixed(0)?;
                (Node::Meta(code), Type::Str)
            }
            op::KEY_EXISTS | op::IS_TOMBSTONE => {
                fixed(0)?;
                (Node::Meta(code), Type::Bool)
            }
            op::KEY => {
                fixed(1)?;
                let t = match uint(&args[0])? {
                    2 => Type::Int,
                    3 => Type::Str,
                    6 => Type::Blob,
                    _ => return err(),
                };
                (Node::Key(t), t)
            }
            op::BIN => {
                fixed(2)?;
                let t = Type::from_wire(uint(&args[0])?).ok_or(rc::PARAMETER_ERROR)?;
                (Node::Bin(bin_name(&args[1])?, t), t)
            }
            op::BIN_TYPE => {
                fixed(1)?;
                (Node::BinType(bin_name(&args[0])?), Type::Int)
            }
            op::RESULT_REMOVE => {
                fixed(0)?;
                (Node::ResultRemove, Type::Remove)
            }
            op::MAP_KEYS | op::MAP_VALUES => {
                fixed(1)?;
                let (a, _) = self.next(&args[0], d)?;
                (Node::Unary(code, Box::new(a)), Type::List)
            }
            op::VAR_BUILTIN => {
                fixed(2)?;
                let t = Type::from_wire(uint(&args[0])?).ok_or(rc::PARAMETER_ERROR)?;
                let idx = uint(&args[1])?;
                if idx >= 3 || (idx == 2 && t != Type::Int) {
                    return err();
                }
                (Node::VarBuiltin(idx as usize, t), t)
            }
            op::COND => self.cond(args, d)?,
            op::VAR => {
                fixed(1)?;
                let n = name(&args[0])?;
                let (idx, t) = self.find_var(&n).ok_or(rc::PARAMETER_ERROR)?;
                if t == Type::Any {
                    return err();
                }
                (Node::Var(idx), t)
            }
            op::LET => self.let_(args, d)?,
            op::QUOTE => {
                fixed(1)?;
                match &args[0] {
                    MpValue::Array(_) => (Node::Const(Val::List(msgpack::to_bytes(&args[0]))), Type::List),
                    _ => return err(),
                }
            }
            op::CALL => self.call(args, d)?,
            _ => return err(),
        })
    }

    fn find_var(&self, n: &[u8]) -> Option<(usize, Type)> {
        self.scopes.iter().rev().flat_map(|s| s.iter()).find(|(name, _, _)| name == n).map(|(_, i, t)| (*i, *t))
    }

    fn cond(&mut self, args: &[MpValue], d: usize) -> Result<(Node, Type), u8> {
        if args.len() < 3 || args.len().is_multiple_of(2) {
            return err();
        }
        let mut ty: Option<Type> = None;
        let mut cases = Vec::with_capacity(args.len() / 2);
        for pair in args[..args.len() - 1].chunks(2) {
            let (c, ct) = self.next(&pair[0], d)?;
            if ct != Type::Bool {
                return err();
            }
            let (a, at) = self.next(&pair[1], d)?;
            if !matches!(a, Node::Unknown) {
                if ty.is_some_and(|t| t != at) {
                    return err();
                }
                ty = Some(at);
            }
            cases.push((c, a));
        }
        let (last, lt) = self.next(&args[args.len() - 1], d)?;
        let ty = match ty {
            None => lt,
            Some(t) => {
                if !matches!(last, Node::Unknown) && lt != t {
                    return err();
                }
                t
            }
        };
        Ok((Node::Cond(cases, Box::new(last)), ty))
    }

    fn let_(&mut self, args: &[MpValue], d: usize) -> Result<(Node, Type), u8> {
        if args.len() < 3 || args.len().is_multiple_of(2) {
            return err();
        }
        self.scopes.push(Vec::new());
        let result = self.let_body(args, d);
        let n = self.scopes.pop().map_or(0, |s| s.len());
        self.next_var -= n;
        result
    }

    fn let_body(&mut self, args: &[MpValue], d: usize) -> Result<(Node, Type), u8> {
        let mut defs = Vec::with_capacity(args.len() / 2);
        for pair in args[..args.len() - 1].chunks(2) {
            let n = name(&pair[0])?;
            let valid = n.first().is_some_and(|c| *c == b'_' || c.is_ascii_alphabetic())
                && n.iter().skip(1).all(|c| *c == b'_' || c.is_ascii_alphanumeric());
            if !valid || self.find_var(&n).is_some() {
                return err();
            }
            let idx = self.next_var;
            self.next_var += 1;
            self.max_vars = self.max_vars.max(self.next_var);
            if let Some(scope) = self.scopes.last_mut() {
                scope.push((n, idx, Type::Any));
            }
            let (node, t) = self.next(&pair[1], d)?;
            if let Some(entry) = self.scopes.last_mut().and_then(|s| s.last_mut()) {
                entry.2 = t;
            }
            defs.push((idx, node));
        }
        let (body, t) = self.next(&args[args.len() - 1], d)?;
        Ok((Node::Let(defs, Box::new(body)), t))
    }

    fn call(&mut self, args: &[MpValue], d: usize) -> Result<(Node, Type), u8> {
        if args.len() != 4 {
            return err();
        }
        let ret = Type::from_wire(uint(&args[0])?).ok_or(rc::PARAMETER_ERROR)?;
        let system = uint(&args[1])?;
        let base = system & !CALL_MODIFY;
        let select = match &args[2] {
            MpValue::Array(items) if base == CALL_CDT && items.first().and_then(|c| uint(c).ok()) == Some(path::SELECT) => {
                Some(items)
            }
            _ => None,
        };
        if let Some(items) = select {
            if !path::well_formed(items) {
                return err();
            }
            let (target, tt) = self.next(&args[3], d)?;
            if !matches!(tt, Type::List | Type::Map | Type::Nil) {
                return err();
            }
            let call = PathCall { ret, modify: system & CALL_MODIFY != 0, op: path::parse(items), target };
            return Ok((Node::Path(Box::new(call)), ret));
        }
        let parts = self.call_parts(&args[2], d)?;
        let (target, tt) = self.next(&args[3], d)?;
        if tt != Type::Nil {
            let ok = match base {
                CALL_CDT => matches!(tt, Type::List | Type::Map),
                CALL_HLL => tt == Type::Hll,
                CALL_BITS => tt == Type::Blob,
                _ => false,
            };
            if !ok {
                return err();
            }
        } else if base > CALL_HLL {
            return err();
        }
        let call = Call { ret, system: base, modify: system & CALL_MODIFY != 0, parts, target };
        Ok((Node::Call(Box::new(call)), ret))
    }

    /// The op list of a call: its head stays raw, and list arguments are nested expressions.
    fn call_parts(&mut self, v: &MpValue, d: usize) -> Result<Vec<CallPart>, u8> {
        let MpValue::Array(items) = v else { return err() };
        let code = items.first().ok_or(rc::PARAMETER_ERROR).and_then(uint)?;
        let mut head = Vec::new();
        let mut args: &[MpValue] = &items[1..];
        if code == 0xff {
            // [0xff, ctx, [op, args...]]: the context stays raw.
            let (Some(ctx), Some(MpValue::Array(inner)), 3) = (items.get(1), items.get(2), items.len()) else { return err() };
            let inner_code = inner.first().ok_or(rc::PARAMETER_ERROR).and_then(uint)?;
            head.push(0x93);
            msgpack::encode(&mut head, &items[0]);
            msgpack::encode(&mut head, ctx);
            put_array_header(&mut head, inner.len());
            msgpack::encode(&mut head, &MpValue::Int(inner_code as i64));
            args = &inner[1..];
        } else {
            put_array_header(&mut head, items.len());
            msgpack::encode(&mut head, &items[0]);
        }
        let mut parts = vec![CallPart::Raw(head)];
        for a in args {
            match a {
                MpValue::Array(_) => parts.push(CallPart::Eval(self.next(a, d)?.0)),
                other => parts.push(CallPart::Raw(msgpack::to_bytes(other))),
            }
        }
        Ok(parts)
    }
}

fn put_array_header(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= 0xffff {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// A literal string, blob, HLL or GeoJSON: raw msgpack with its type byte in front.
fn literal_raw(data: &[u8]) -> Result<(Node, Type), u8> {
    let Some((&t, rest)) = data.split_first() else { return err() };
    Ok(match t {
        RAW_BLOB => (Node::Const(Val::Blob(rest.to_vec())), Type::Blob),
        RAW_STRING => (Node::Const(Val::Str(rest.to_vec())), Type::Str),
        particle::HLL => (Node::Const(Val::Hll(rest.to_vec())), Type::Hll),
        RAW_GEOJSON => {
            geo::parse(rest).ok_or(rc::PARAMETER_ERROR)?;
            (Node::GeoConst(rest.to_vec()), Type::Geo)
        }
        _ => return err(),
    })
}
