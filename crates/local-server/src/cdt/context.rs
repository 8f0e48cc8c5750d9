//! Contexts: the `[ctx_type, value, ...]` path from a bin to the nested list or map an op works
//! on, including the create flags that build missing levels on the way.

use crate::codec::msgpack::{self, MpValue};
use crate::result_code as rc;

use super::order::{self, list_body, map_body};
use super::result::{ranks_of, single};

pub const LIST_INDEX: u8 = 0x10;
pub const LIST_RANK: u8 = 0x11;
pub const LIST_VALUE: u8 = 0x13;
pub const MAP_INDEX: u8 = 0x20;
pub const MAP_RANK: u8 = 0x21;
pub const MAP_KEY: u8 = 0x22;
pub const MAP_VALUE: u8 = 0x23;
/// Create flags in the top bits of the type (list: 0x40 unordered, 0x80 unordered + pad,
/// 0xc0 ordered; map: 0x40 unordered, 0x80 key-ordered, 0xc0 key-value-ordered).
pub const CREATE_MASK: u8 = 0xc0;

#[derive(Debug, Clone, PartialEq)]
pub struct CtxItem {
    pub kind: u8,
    pub create: u8,
    pub value: MpValue,
}

impl CtxItem {
    fn is_list(&self) -> bool {
        self.kind & 0xf0 == 0x10
    }
}

pub fn parse(v: MpValue) -> Result<Vec<CtxItem>, u8> {
    let MpValue::Array(items) = v else { return Err(rc::PARAMETER_ERROR) };
    // Deeper than a stored value can nest is refused before anything is built.
    if items.is_empty() || items.len() % 2 != 0 || items.len() / 2 > msgpack::MAX_DEPTH {
        return Err(rc::PARAMETER_ERROR);
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(t), Some(value)) = (it.next(), it.next()) {
        let t = match t {
            MpValue::Int(t) if (0..=0xff).contains(&t) => t as u8,
            _ => return Err(rc::PARAMETER_ERROR),
        };
        let kind = t & !CREATE_MASK;
        if !matches!(kind, LIST_INDEX | LIST_RANK | LIST_VALUE | MAP_INDEX | MAP_RANK | MAP_KEY | MAP_VALUE) {
            return Err(rc::PARAMETER_ERROR);
        }
        out.push(CtxItem { kind, create: t & CREATE_MASK, value });
    }
    Ok(out)
}

/// The empty container a create context makes at its level.
pub fn container_for(item: &CtxItem) -> MpValue {
    if item.is_list() {
        if item.create == 0xc0 {
            MpValue::Array(vec![MpValue::Ext(1, vec![])])
        } else {
            MpValue::Array(vec![])
        }
    } else {
        match item.create {
            0x80 => MpValue::Map(vec![(MpValue::Ext(1, vec![]), MpValue::Nil)]),
            0xc0 => MpValue::Map(vec![(MpValue::Ext(3, vec![]), MpValue::Nil)]),
            _ => MpValue::Map(vec![]),
        }
    }
}

fn ctx_int(v: &MpValue) -> Result<i64, u8> {
    match v {
        MpValue::Int(i) => Ok(*i),
        _ => Err(rc::PARAMETER_ERROR),
    }
}

/// Position of the element an item names in `node`, or an error.
fn locate(node: &MpValue, item: &CtxItem) -> Result<Option<usize>, u8> {
    match (node, item.is_list()) {
        (MpValue::Array(items), true) => {
            let body = list_body(items);
            match item.kind {
                LIST_INDEX => {
                    let i = ctx_int(&item.value)?;
                    Ok(single(i, body.len()).ok())
                }
                LIST_RANK => {
                    let r = single(ctx_int(&item.value)?, body.len())?;
                    let refs: Vec<&MpValue> = body.iter().collect();
                    Ok(ranks_of(&refs).iter().position(|&x| x == r))
                }
                _ => Ok(body.iter().position(|x| order::matches(&item.value, x))),
            }
        }
        (MpValue::Map(pairs), false) => {
            let body = map_body(pairs);
            match item.kind {
                MAP_INDEX => Ok(Some(single(ctx_int(&item.value)?, body.len())?)),
                MAP_RANK => {
                    let r = single(ctx_int(&item.value)?, body.len())?;
                    let refs: Vec<&MpValue> = body.iter().map(|(_, v)| v).collect();
                    Ok(ranks_of(&refs).iter().position(|&x| x == r))
                }
                MAP_KEY => Ok(body.iter().position(|(k, _)| order::compare(k, &item.value).is_eq())),
                _ => Ok(body.iter().position(|(_, v)| order::matches(&item.value, v))),
            }
        }
        _ => Err(rc::OP_NOT_APPLICABLE),
    }
}

fn child(node: &MpValue, pos: usize) -> Option<&MpValue> {
    match node {
        MpValue::Array(items) => list_body(items).get(pos),
        MpValue::Map(pairs) => map_body(pairs).get(pos).map(|(_, v)| v),
        _ => None,
    }
}

fn child_mut(node: &mut MpValue, pos: usize) -> Option<&mut MpValue> {
    match node {
        MpValue::Array(items) => {
            let skip = usize::from(items.first().is_some_and(order::is_header));
            items.get_mut(pos + skip)
        }
        MpValue::Map(pairs) => {
            let skip = usize::from(pairs.first().is_some_and(|(k, _)| order::is_header(k)));
            pairs.get_mut(pos + skip).map(|(_, v)| v)
        }
        _ => None,
    }
}

/// Follows a context for a read: 26 for anything missing or out of range.
pub fn resolve<'a>(root: &'a MpValue, ctx: &[CtxItem]) -> Result<&'a MpValue, u8> {
    let mut cur = root;
    for item in ctx {
        if item.create != 0 {
            return Err(rc::OP_NOT_APPLICABLE);
        }
        let pos = locate(cur, item)?.ok_or(rc::OP_NOT_APPLICABLE)?;
        cur = child(cur, pos).ok_or(rc::OP_NOT_APPLICABLE)?;
    }
    Ok(cur)
}

/// Follows a context for a write, creating missing levels where the context allows it.
/// `leaf` is the container the op itself would create under the last level; `path` receives
/// the position taken at each level (for [`resort_path`]).
pub fn resolve_mut<'a>(root: &'a mut MpValue, ctx: &[CtxItem], leaf: &MpValue, path: &mut Vec<usize>) -> Result<&'a mut MpValue, u8> {
    let mut cur = root;
    let mut created_parent = false;
    for (i, item) in ctx.iter().enumerate() {
        let fresh = || ctx.get(i + 1).map_or_else(|| leaf.clone(), container_for);
        let pos = match locate(cur, item)? {
            Some(p) => {
                created_parent = false;
                p
            }
            None => {
                let p = create_at(cur, item, fresh(), created_parent)?;
                created_parent = true;
                p
            }
        };
        path.push(pos);
        cur = child_mut(cur, pos).ok_or(rc::OP_NOT_APPLICABLE)?;
    }
    Ok(cur)
}

/// After a nested write, puts the changed element back in order in every ordered list on the
/// way down (innermost first), as the server does when it unwinds a context.
pub fn resort_path(node: &mut MpValue, path: &[usize]) {
    if let Some((&p, rest)) = path.split_first() {
        if let Some(c) = child_mut(node, p) {
            resort_path(c, rest);
        }
    }
    if let MpValue::Array(items) = node {
        if matches!(items.first(), Some(h @ MpValue::Ext(f, _)) if f & 1 != 0 && order::is_header(h)) {
            items[1..].sort_by(order::compare);
        }
    }
}

/// Inserts a new element where a create context names a missing one; returns its position.
fn create_at(node: &mut MpValue, item: &CtxItem, fresh: MpValue, created_parent: bool) -> Result<usize, u8> {
    match node {
        MpValue::Array(items) if item.kind == LIST_INDEX && item.create != 0 => {
            let ordered = matches!(items.first(), Some(h @ MpValue::Ext(f, _)) if f & 1 != 0 && order::is_header(h));
            let skip = usize::from(items.first().is_some_and(order::is_header));
            let n = items.len() - skip;
            if ordered {
                let body = &items[skip..];
                let p = body.iter().position(|x| order::compare(x, &fresh).is_gt()).unwrap_or(n);
                items.insert(p + skip, fresh);
                return Ok(p);
            }
            let idx = ctx_int(&item.value)?;
            let at = if idx < 0 {
                if idx.saturating_add(n as i64) == -1 { 0 } else { return Err(rc::OP_NOT_APPLICABLE) }
            } else {
                idx as usize
            };
            if at > n {
                if item.create != 0x80 {
                    return Err(rc::OP_NOT_APPLICABLE);
                }
                if at - n > super::list::MAX_PAD {
                    return Err(rc::PARAMETER_ERROR);
                }
                items.resize(at + skip, MpValue::Nil);
                items.push(fresh);
                return Ok(at);
            }
            items.insert(at + skip, fresh);
            Ok(at)
        }
        MpValue::Map(pairs) if item.kind == MAP_KEY && (item.create != 0 || created_parent) => {
            if !super::ingest::is_map_key(&item.value) {
                return Err(rc::PARAMETER_ERROR);
            }
            let skip = usize::from(pairs.first().is_some_and(|(k, _)| order::is_header(k)));
            let p = pairs[skip..].iter().position(|(k, _)| order::compare(k, &item.value).is_gt()).unwrap_or(pairs.len() - skip);
            pairs.insert(p + skip, (item.value.clone(), fresh));
            Ok(p)
        }
        _ => Err(rc::OP_NOT_APPLICABLE),
    }
}
