//! Path expressions (CE 8.1): `SelectByPath` and `ModifyByPath`, the CDT "select" op (0xfe)
//! called from an expression as `[0xfe, ctx, flags]` or `[0xfe, ctx, flags, modify_exp]`.
//!
//! The context is a list of `(type, value)` pairs, one level of the bin's nesting each:
//! index, rank, key, value, key list, or an expression run on every child ("all children",
//! `true` taking them all). A `0x204` pair ANDs a filter onto the level before it. Filters and
//! the modify expression are expressions of their own: they see the child through the loop
//! variables (key, value, index) and run without the record, so bins and metadata are unknown
//! in them.
//!
//! The flags pick what comes back:
//! - tree: the bin's shape cut down to the selected children (a child that is not a list or
//!   map before the last level is kept whole);
//! - values / keys / keys and values: a flat list of what the last level selected;
//! - apply (`ModifyByPath`): the bin with the modify expression's result in place of each
//!   selected child at the last level, or the child removed when it answers `RemoveResult()`.
//!
//! An unknown filter or modify result fails the whole op (the expression is unknown) unless
//! the NO_FAIL flag makes it "not selected" / "left as is"; so does a malformed context.

use std::cmp::Ordering;

use super::build::{self, Built};
use super::eval::{LoopVars, Runtime};
use super::value::Val;
use crate::cdt::order;
use crate::codec::msgpack::{self, MpValue, RAW_BLOB, RAW_GEOJSON, RAW_STRING};
use crate::codec::particle;

/// The op code of select in the CDT op list.
pub const SELECT: u64 = 0xfe;

const CTX_INDEX: u64 = 0;
const CTX_RANK: u64 = 1;
const CTX_KEY: u64 = 2;
const CTX_VALUE: u64 = 3;
const CTX_EXP: u64 = 4;
const CTX_KEY_LIST: u64 = 10;
const CTX_BASE_MASK: u64 = 0x0f;
const CTX_LIST: u64 = 0x10;
const CTX_MAP: u64 = 0x20;
/// "AND this filter onto the previous level": only valid with an expression.
const CTX_AND: u64 = 0x200;
const MAX_LEVELS: usize = 64;

const FLAG_NO_FAIL: u64 = 0x10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Tree,
    Values,
    Keys,
    KeysAndValues,
    Apply,
}

impl Mode {
    fn keys(self) -> bool {
        matches!(self, Mode::Keys | Mode::KeysAndValues)
    }
    fn values(self) -> bool {
        matches!(self, Mode::Values | Mode::KeysAndValues)
    }
}

/// How one level picks children.
#[derive(Debug)]
enum Pick {
    Index(i64),
    Rank(i64),
    Key(MpValue),
    Value(MpValue),
    KeyList(Vec<MpValue>),
    /// Every child for which the filter is true (`None`: every child).
    Each(Option<Built>),
}

#[derive(Debug)]
struct Level {
    ctx_type: u64,
    pick: Pick,
    and: Option<Built>,
}

/// A parsed select op.
#[derive(Debug)]
pub struct PathOp {
    levels: Vec<Level>,
    mode: Mode,
    no_fail: bool,
    modify: Option<Built>,
}

fn uint(v: &MpValue) -> Option<u64> {
    match v {
        MpValue::Int(i) if *i >= 0 => Some(*i as u64),
        MpValue::UInt(u) => Some(*u),
        _ => None,
    }
}

/// Checks the shape the expression builder itself requires of a select call
/// (`[0xfe, ctx-list, flags]` or `[0xfe, ctx-list, flags, modify_exp]`): anything else does not
/// build (4).
pub fn well_formed(items: &[MpValue]) -> bool {
    (3..=4).contains(&items.len()) && matches!(items[1], MpValue::Array(_)) && uint(&items[2]).is_some()
}

/// A filter or modify expression inside the context: built on its own, with its own variables.
fn sub_expression(v: &MpValue) -> Option<Built> {
    build::build(v).ok()
}

/// Parses a well-formed select call. `None`: the CDT layer rejects it, so the call is unknown.
pub fn parse(items: &[MpValue]) -> Option<PathOp> {
    let MpValue::Array(ctx) = &items[1] else { return None };
    if ctx.is_empty() || ctx.len() % 2 == 1 || ctx.len() / 2 > MAX_LEVELS {
        return None;
    }
    let mut levels: Vec<Level> = Vec::with_capacity(ctx.len() / 2);
    for pair in ctx.chunks(2) {
        let ctx_type = uint(&pair[0])?;
        let value = &pair[1];
        if ctx_type & CTX_AND != 0 {
            let prev = levels.last_mut()?;
            if ctx_type != (CTX_AND | CTX_EXP) || prev.and.is_some() || matches!(prev.pick, Pick::Each(_)) {
                return None;
            }
            prev.and = match value {
                MpValue::Array(_) => Some(sub_expression(value)?),
                MpValue::Bool(true) => None,
                _ => return None,
            };
            continue;
        }
        let pick = match ctx_type & CTX_BASE_MASK {
            CTX_INDEX | CTX_RANK => {
                let i = match value {
                    MpValue::Int(i) => *i,
                    MpValue::UInt(u) => i64::try_from(*u).ok()?,
                    _ => return None,
                };
                if ctx_type & CTX_BASE_MASK == CTX_INDEX { Pick::Index(i) } else { Pick::Rank(i) }
            }
            CTX_KEY => Pick::Key(value.clone()),
            CTX_VALUE => Pick::Value(value.clone()),
            CTX_KEY_LIST => match value {
                MpValue::Array(keys) => Pick::KeyList(order::list_body(keys).to_vec()),
                _ => return None,
            },
            CTX_EXP => match value {
                MpValue::Array(_) => Pick::Each(Some(sub_expression(value)?)),
                MpValue::Bool(true) => Pick::Each(None),
                _ => return None,
            },
            _ => return None,
        };
        levels.push(Level { ctx_type, pick, and: None });
    }
    let flags = uint(&items[2])?;
    let mode = match flags & 0x0f {
        0 => Mode::Tree,
        1 => Mode::Values,
        2 => Mode::Keys,
        3 => Mode::KeysAndValues,
        4 => Mode::Apply,
        _ => return None,
    };
    if (mode == Mode::Apply) != (items.len() == 4) {
        return None;
    }
    let modify = match items.get(3) {
        Some(e) => Some(sub_expression(e)?),
        None => None,
    };
    Some(PathOp { levels, mode, no_fail: flags & FLAG_NO_FAIL != 0, modify })
}

/// Runs a select op on a list or map bin. `modify_call` tells whether the expression called it
/// as a modify (ModifyByPath) or a read. `None` means the call is unknown.
pub fn run(op: &PathOp, bin: &MpValue, modify_call: bool, now_ms: u64) -> Option<MpValue> {
    if !matches!(bin, MpValue::Array(_) | MpValue::Map(_)) {
        return None;
    }
    match (op.mode, modify_call) {
        (Mode::Apply, false) => return None,
        // A select run as a modify leaves the bin as it was.
        (mode, true) if mode != Mode::Apply => return Some(bin.clone()),
        _ => {}
    }
    let mut walk = Walk { op, now_ms, leaves: Vec::new() };
    let out = walk.visit(bin, 0).ok()?;
    Some(match op.mode {
        Mode::Tree | Mode::Apply => out,
        _ => MpValue::Array(walk.leaves),
    })
}

/// A loop variable's value: what the server makes of the child's msgpack.
fn loop_value(v: &MpValue) -> Val {
    match v {
        MpValue::Nil => Val::Nil,
        MpValue::Bool(b) => Val::Bool(*b),
        MpValue::Int(i) => Val::Int(*i),
        MpValue::UInt(u) => i64::try_from(*u).map_or(Val::Unknown, Val::Int),
        MpValue::Float(f) => Val::Float(*f),
        MpValue::Array(_) => Val::List(msgpack::to_bytes(v)),
        MpValue::Map(_) => Val::Map(msgpack::to_bytes(v)),
        MpValue::Raw { data, .. } => match data.split_first() {
            Some((&RAW_STRING, s)) => Val::Str(s.to_vec()),
            Some((&RAW_BLOB, b)) => Val::Blob(b.to_vec()),
            Some((&particle::HLL, b)) => Val::Hll(b.to_vec()),
            Some((&RAW_GEOJSON, t)) => Val::Geo(t.to_vec()),
            _ => Val::Unknown,
        },
        MpValue::Ext(..) => Val::Unknown,
    }
}

fn is_cdt(v: &MpValue) -> bool {
    matches!(v, MpValue::Array(_) | MpValue::Map(_))
}

/// A single index or rank: negative counts from the end; out of range selects nothing.
fn single(i: i64, n: usize) -> Option<usize> {
    let i = if i < 0 { i.checked_add(n as i64)? } else { i };
    usize::try_from(i).ok().filter(|&i| i < n)
}

/// Positions in rank order (stable: equal elements keep their order).
fn by_order<T>(items: &[T], key: impl Fn(&T) -> &MpValue) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| order::compare(key(&items[a]), key(&items[b])));
    order
}

/// The op failed: the whole call is unknown.
struct Failed;

type Step<T> = Result<T, Failed>;

struct Walk<'a> {
    op: &'a PathOp,
    now_ms: u64,
    /// What the leaf modes collect.
    leaves: Vec<MpValue>,
}

impl Walk<'_> {
    fn eval(&self, e: &Built, vars: LoopVars) -> Val {
        let mut rt = Runtime { view: None, vars: vec![Val::Unknown; e.n_vars], loop_vars: vars, now_ms: self.now_ms };
        rt.eval(&e.node)
    }

    /// A filter's verdict; unknown fails the op, or counts as false under NO_FAIL.
    fn test(&self, filter: Option<&Built>, vars: LoopVars) -> Step<bool> {
        let Some(f) = filter else { return Ok(true) };
        match self.eval(f, vars) {
            Val::Bool(b) => Ok(b),
            _ => self.unknown(),
        }
    }

    fn unknown(&self) -> Step<bool> {
        if self.op.no_fail { Ok(false) } else { Err(Failed) }
    }

    /// Runs the modify expression on a last-level child and puts what it makes of it in the
    /// child's slot: its new value (through `rebuild`), nothing (removed), or the old one.
    fn apply_edit<T>(&self, slot: &mut Option<T>, vars: LoopVars, rebuild: impl FnOnce(MpValue) -> T) -> Step<()> {
        let Some(e) = &self.op.modify else { return Err(Failed) };
        match self.eval(e, vars) {
            Val::Remove => *slot = None,
            Val::Unknown if self.op.no_fail => {}
            Val::Unknown => return Err(Failed),
            v => {
                let bytes = v.to_msgpack().ok_or(Failed)?;
                let value = msgpack::parse(&bytes).map_err(|_| Failed)?;
                // A wildcard or infinity cannot be stored.
                if order::holds_search_value(&value) {
                    return Err(Failed);
                }
                *slot = Some(rebuild(value));
            }
        }
        Ok(())
    }

    fn is_leaf(&self, depth: usize) -> bool {
        depth + 1 == self.op.levels.len()
    }

    fn visit(&mut self, node: &MpValue, depth: usize) -> Step<MpValue> {
        match node {
            MpValue::Array(items) => self.visit_list(items, depth),
            MpValue::Map(pairs) => self.visit_map(pairs, depth),
            _ => Err(Failed),
        }
    }

    fn list_vars(i: usize, v: &MpValue) -> LoopVars {
        LoopVars { key: Val::Unknown, value: loop_value(v), index: Val::Int(i as i64) }
    }

    fn map_vars(k: &MpValue, v: &MpValue) -> LoopVars {
        LoopVars { key: loop_value(k), value: loop_value(v), index: Val::Unknown }
    }

    /// The body positions a level picks from a list, ascending.
    fn pick_list(&self, level: &Level, body: &[MpValue], ordered: bool) -> Step<Vec<usize>> {
        let one = |p: Option<usize>| -> Step<Vec<usize>> {
            match p {
                Some(p) if self.test(level.and.as_ref(), Self::list_vars(p, &body[p]))? => Ok(vec![p]),
                _ => Ok(vec![]),
            }
        };
        match &level.pick {
            Pick::Index(i) => one(single(*i, body.len())),
            Pick::Rank(r) => one(single(*r, body.len()).map(|r| if ordered { r } else { by_order(body, |v| v)[r] })),
            pick => {
                let mut out = Vec::new();
                for (i, v) in body.iter().enumerate() {
                    let vars = || Self::list_vars(i, v);
                    let hit = match pick {
                        Pick::Each(filter) => self.test(filter.as_ref(), vars())?,
                        Pick::Value(x) => order::compare(v, x) == Ordering::Equal,
                        // Keys pick nothing from a list: unknown.
                        _ => self.unknown()?,
                    };
                    if hit && self.test(level.and.as_ref(), vars())? {
                        out.push(i);
                    }
                }
                Ok(out)
            }
        }
    }

    /// The body positions a level picks from a map, ascending.
    fn pick_map(&self, level: &Level, body: &[(MpValue, MpValue)]) -> Step<Vec<usize>> {
        let one = |p: Option<usize>| -> Step<Vec<usize>> {
            match p {
                Some(p) if self.test(level.and.as_ref(), Self::map_vars(&body[p].0, &body[p].1))? => Ok(vec![p]),
                _ => Ok(vec![]),
            }
        };
        match &level.pick {
            Pick::Index(i) => one(single(*i, body.len()).map(|i| by_order(body, |(k, _)| k)[i])),
            Pick::Rank(r) => one(single(*r, body.len()).map(|r| by_order(body, |(_, v)| v)[r])),
            pick => {
                let mut out = Vec::new();
                for (i, (k, v)) in body.iter().enumerate() {
                    let vars = || Self::map_vars(k, v);
                    let hit = match pick {
                        Pick::Each(filter) => self.test(filter.as_ref(), vars())?,
                        // Keys are unique: only the first equal one counts.
                        Pick::Key(x) => out.is_empty() && order::compare(k, x) == Ordering::Equal,
                        Pick::Value(x) => order::compare(v, x) == Ordering::Equal,
                        Pick::KeyList(keys) => keys.iter().any(|x| order::compare(k, x) == Ordering::Equal),
                        Pick::Index(_) | Pick::Rank(_) => unreachable!("picked above"),
                    };
                    if hit && self.test(level.and.as_ref(), vars())? {
                        out.push(i);
                    }
                }
                Ok(out)
            }
        }
    }

    fn visit_list(&mut self, items: &[MpValue], depth: usize) -> Step<MpValue> {
        let leaf = self.is_leaf(depth);
        let mode = self.op.mode;
        if items.is_empty() {
            return Ok(MpValue::Array(Vec::new()));
        }
        if leaf && mode.keys() {
            // A list has no keys.
            return if self.op.no_fail { Ok(MpValue::Nil) } else { Err(Failed) };
        }
        let header = items.first().filter(|h| order::is_header(h));
        let skip = usize::from(header.is_some());
        let body = &items[skip..];
        if body.is_empty() {
            return Ok(MpValue::Array(items.to_vec()));
        }
        let level = &self.op.levels[depth];
        if !matches!(level.ctx_type & (CTX_LIST | CTX_MAP), 0 | CTX_LIST) {
            return Err(Failed);
        }
        let ordered = matches!(header, Some(MpValue::Ext(f, _)) if f & 1 != 0);
        let picks = self.pick_list(level, body, ordered)?;
        match mode {
            Mode::Tree => {
                let mut out = Vec::with_capacity(picks.len());
                for p in picks {
                    let e = &body[p];
                    out.push(if !leaf && is_cdt(e) { self.visit(e, depth + 1)? } else { e.clone() });
                }
                Ok(MpValue::Array(out))
            }
            Mode::Apply => {
                let mut out: Vec<Option<MpValue>> = items.iter().cloned().map(Some).collect();
                for p in picks {
                    let e = &body[p];
                    let slot = &mut out[p + skip];
                    if !leaf && is_cdt(e) {
                        *slot = Some(self.visit(e, depth + 1)?);
                    } else if leaf {
                        self.apply_edit(slot, Self::list_vars(p, e), |v| v)?;
                    }
                }
                let mut out: Vec<MpValue> = out.into_iter().flatten().collect();
                if ordered {
                    out[1..].sort_by(order::compare);
                }
                Ok(MpValue::Array(out))
            }
            _ => {
                for p in picks {
                    let e = &body[p];
                    if !leaf && is_cdt(e) {
                        self.visit(e, depth + 1)?;
                    } else if leaf {
                        self.leaves.push(e.clone());
                    }
                }
                Ok(MpValue::Nil)
            }
        }
    }

    fn visit_map(&mut self, pairs: &[(MpValue, MpValue)], depth: usize) -> Step<MpValue> {
        let leaf = self.is_leaf(depth);
        let mode = self.op.mode;
        if pairs.is_empty() {
            return Ok(MpValue::Map(Vec::new()));
        }
        let skip = usize::from(pairs.first().is_some_and(|(k, _)| order::is_header(k)));
        let body = &pairs[skip..];
        if body.is_empty() {
            return Ok(MpValue::Map(pairs.to_vec()));
        }
        let level = &self.op.levels[depth];
        if level.ctx_type & 0xf0 != 0 && level.ctx_type & 0xf0 != CTX_MAP {
            return Err(Failed);
        }
        let picks = self.pick_map(level, body)?;
        match mode {
            // The selected tree drops the map's order flag.
            Mode::Tree => {
                let mut out = Vec::with_capacity(picks.len());
                for p in picks {
                    let (k, v) = &body[p];
                    let v = if !leaf && is_cdt(v) { self.visit(v, depth + 1)? } else { v.clone() };
                    out.push((k.clone(), v));
                }
                Ok(MpValue::Map(out))
            }
            Mode::Apply => {
                let mut out: Vec<Option<(MpValue, MpValue)>> = pairs.iter().cloned().map(Some).collect();
                for p in picks {
                    let (k, v) = &body[p];
                    let slot = &mut out[p + skip];
                    if !leaf && is_cdt(v) {
                        *slot = Some((k.clone(), self.visit(v, depth + 1)?));
                    } else if leaf {
                        self.apply_edit(slot, Self::map_vars(k, v), |nv| (k.clone(), nv))?;
                    }
                }
                Ok(MpValue::Map(out.into_iter().flatten().collect()))
            }
            _ => {
                for p in picks {
                    let (k, v) = &body[p];
                    if !leaf && is_cdt(v) {
                        self.visit(v, depth + 1)?;
                    } else if leaf {
                        if mode.keys() {
                            self.leaves.push(k.clone());
                        }
                        if mode.values() {
                            self.leaves.push(v.clone());
                        }
                    }
                }
                Ok(MpValue::Nil)
            }
        }
    }
}
