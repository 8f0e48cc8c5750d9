//! Decoding a query message into a [`Query`]: namespace and set, the partitions asked for (and
//! where to resume in each), limits, bin selection, the index predicate and its index, the
//! filter expression, background ops and UDF fields. Every refusal is a result code.

use std::sync::Arc;

use crate::codec::message::{self, field, info1, info2, op, Message, MsgHeader};
use crate::codec::particle;
use crate::codec::Reader;
use crate::expressions::{self, geo};
use crate::result_code as rc;
use crate::sindex::keys::MAX_KEY_BYTES;
use crate::sindex::{CollType, IndexDef, IndexQuery, KeyType, Predicate};
use crate::storage::{digest, Digest, N_PARTITIONS};
use crate::indexed_store::{Namespace, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Foreground,
    /// A stream UDF (UDF_OP 1).
    Aggregate,
    /// Write ops applied to each record in a background job.
    BackgroundOps,
    /// A record UDF applied to each record in a background job (UDF_OP 2).
    BackgroundUdf,
}

/// One partition to read, and the digest to resume strictly after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartReq {
    pub pid: u16,
    pub after: Option<Digest>,
}

/// An op of a background-ops query, owned so the job can outlive the request.
#[derive(Debug, Clone)]
pub struct OwnedOp {
    pub op: u8,
    pub particle: u8,
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

/// The UDF fields as sent.
#[derive(Debug, Clone)]
pub struct UdfCall {
    pub op: u8,
    pub package: Vec<u8>,
    pub function: Vec<u8>,
    pub args: Vec<u8>,
}

pub struct Query {
    pub ns: Arc<Namespace>,
    pub set: Option<Vec<u8>>,
    pub kind: Kind,
    pub task_id: u64,
    /// Sorted by partition id.
    pub parts: Vec<PartReq>,
    /// Whether the client named the partitions (rather than asking for all of them).
    pub parts_named: bool,
    /// 0: no limit.
    pub max_records: u64,
    /// 0: no limit.
    pub rps: u32,
    pub bins: Option<Vec<Vec<u8>>>,
    /// The bins were asked for as read ops with RESPOND_ALL_OPS: a missing one is answered nil,
    /// and a record holding none of them is still sent.
    pub respond_all_ops: bool,
    pub no_bin_data: bool,
    pub index: Option<(Arc<IndexDef>, Predicate)>,
    pub filter: Option<Vec<u8>>,
    pub ops: Vec<OwnedOp>,
    pub udf: Option<UdfCall>,
    pub header: MsgHeader,
}

impl Query {
    pub fn set_bytes(&self) -> &[u8] {
        self.set.as_deref().unwrap_or_default()
    }

    /// Narrows the query to the partitions a node owns, and returns those the client named
    /// that the node does not own: each is answered unavailable, so the client asks again of
    /// the owner on its partition map. When the client named none, the rest are simply other
    /// nodes' to answer.
    pub fn keep_owned(&mut self, owns: impl Fn(usize) -> bool) -> Vec<u16> {
        let (owned, others): (Vec<PartReq>, Vec<PartReq>) = self.parts.drain(..).partition(|p| owns(usize::from(p.pid)));
        self.parts = owned;
        if self.parts_named {
            others.into_iter().map(|p| p.pid).collect()
        } else {
            Vec::new()
        }
    }
}

/// Whether a (non-batch) message is a scan or query: it names no record.
pub fn is_query(msg: &Message<'_>) -> bool {
    msg.header.info1 & info1::BATCH == 0 && msg.field(field::DIGEST).is_none() && msg.field(field::KEY).is_none()
}

pub fn decode(store: &Store, body: &[u8]) -> Result<Query, u8> {
    let msg = message::parse(body).map_err(|_| rc::PARAMETER_ERROR)?;
    decode_message(store, &msg)
}

pub fn decode_message(store: &Store, msg: &Message<'_>) -> Result<Query, u8> {
    let h = msg.header;
    let ns_name = msg.field(field::NAMESPACE).ok_or(rc::PARAMETER_ERROR)?;
    let ns = store.namespace(ns_name).ok_or(rc::NAMESPACE_NOT_FOUND)?.clone();
    let set = msg.field(field::SET).filter(|s| !s.is_empty());
    if set.is_some_and(|s| s.len() > 63) {
        return Err(rc::PARAMETER_ERROR);
    }
    let udf_op = match msg.field(field::UDF_OP) {
        Some([b]) => Some(*b),
        Some(_) => return Err(rc::PARAMETER_ERROR),
        None => None,
    };
    let kind = match (h.info2 & info2::WRITE != 0, udf_op) {
        (true, Some(_)) => Kind::BackgroundUdf,
        (true, None) => Kind::BackgroundOps,
        (false, Some(1)) => Kind::Aggregate,
        (false, Some(_)) => return Err(rc::PARAMETER_ERROR),
        (false, None) => Kind::Foreground,
    };
    let filter = msg.field(field::FILTER_EXP).map(<[u8]>::to_vec);
    if kind == Kind::Aggregate && filter.is_some() {
        return Err(rc::UNSUPPORTED_FEATURE);
    }
    if let Some(f) = &filter {
        expressions::check_filter(f)?;
    }
    let udf = match kind {
        Kind::Aggregate | Kind::BackgroundUdf => Some(UdfCall {
            op: udf_op.unwrap_or(0),
            package: msg.field(field::UDF_PACKAGE_NAME).ok_or(rc::PARAMETER_ERROR)?.to_vec(),
            function: msg.field(field::UDF_FUNCTION).ok_or(rc::PARAMETER_ERROR)?.to_vec(),
            args: msg.field(field::UDF_ARGLIST).unwrap_or(&[0x90]).to_vec(),
        }),
        _ => None,
    };
    let ops: Vec<OwnedOp> = if kind == Kind::BackgroundOps {
        if msg.ops.is_empty() || msg.ops.iter().any(|o| matches!(o.op, op::READ | op::CDT_READ | op::BIT_READ | op::HLL_READ | op::EXP_READ)) {
            return Err(rc::PARAMETER_ERROR);
        }
        msg.ops.iter().map(|o| OwnedOp { op: o.op, particle: o.particle, name: o.name.to_vec(), value: o.value.to_vec() }).collect()
    } else {
        Vec::new()
    };
    let bins = if kind == Kind::Foreground && !msg.ops.is_empty() {
        if msg.ops.iter().any(|o| o.op != op::READ) {
            // Operation projections (8.1.2 ext) are not supported here.
            return Err(rc::UNSUPPORTED_FEATURE);
        }
        Some(msg.ops.iter().map(|o| o.name.to_vec()).collect())
    } else {
        match msg.field(field::QUERY_BINLIST) {
            Some(b) => Some(bin_list(b)?),
            None => None,
        }
    };
    let index = match msg.field(field::INDEX_RANGE) {
        Some(range) => Some(index_predicate(&ns, set, msg, range)?),
        None => None,
    };
    Ok(Query {
        ns,
        set: set.map(<[u8]>::to_vec),
        kind,
        task_id: fixed_u64(msg.field(field::QUERY_ID))?.unwrap_or(0),
        parts: partitions(msg)?,
        parts_named: msg.field(field::PID_ARRAY).is_some() || msg.field(field::DIGEST_ARRAY).is_some(),
        max_records: fixed_u64(msg.field(field::MAX_RECORDS))?.unwrap_or(0),
        rps: match msg.field(field::RECORDS_PER_SECOND) {
            Some(b) => u32::from_be_bytes(b.try_into().map_err(|_| rc::PARAMETER_ERROR)?),
            None => 0,
        },
        respond_all_ops: bins.is_some() && msg.field(field::QUERY_BINLIST).is_none() && h.info2 & info2::RESPOND_ALL_OPS != 0,
        bins,
        no_bin_data: h.info1 & info1::GET_NOBINDATA != 0,
        index,
        filter,
        ops,
        udf,
        header: h,
    })
}

fn fixed_u64(f: Option<&[u8]>) -> Result<Option<u64>, u8> {
    match f {
        Some(b) => Ok(Some(u64::from_be_bytes(b.try_into().map_err(|_| rc::PARAMETER_ERROR)?))),
        None => Ok(None),
    }
}

/// The legacy bin-list field: a count, then length-prefixed names.
fn bin_list(b: &[u8]) -> Result<Vec<Vec<u8>>, u8> {
    let mut r = Reader::new(b);
    let n = r.u8().map_err(|_| rc::PARAMETER_ERROR)?;
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let len = r.u8().map_err(|_| rc::PARAMETER_ERROR)?;
        out.push(r.take(usize::from(len)).map_err(|_| rc::PARAMETER_ERROR)?.to_vec());
    }
    Ok(out)
}

/// The partitions asked for: ids (little-endian u16s) and resume digests; every partition
/// when neither field is sent.
fn partitions(msg: &Message<'_>) -> Result<Vec<PartReq>, u8> {
    let pids = msg.field(field::PID_ARRAY);
    let digests = msg.field(field::DIGEST_ARRAY);
    if pids.is_none() && digests.is_none() {
        return Ok((0..N_PARTITIONS as u16).map(|pid| PartReq { pid, after: None }).collect());
    }
    let mut slots: Vec<Option<Option<Digest>>> = vec![None; N_PARTITIONS];
    if let Some(p) = pids {
        if p.len() % 2 != 0 {
            return Err(rc::PARAMETER_ERROR);
        }
        for c in p.chunks_exact(2) {
            let pid = usize::from(u16::from_le_bytes([c[0], c[1]]));
            *slots.get_mut(pid).ok_or(rc::PARAMETER_ERROR)? = Some(None);
        }
    }
    if let Some(d) = digests {
        if d.len() % 20 != 0 {
            return Err(rc::PARAMETER_ERROR);
        }
        for c in d.chunks_exact(20) {
            let mut dg = [0u8; 20];
            dg.copy_from_slice(c);
            slots[digest::partition_id(&dg)] = Some(Some(dg));
        }
    }
    Ok(slots.into_iter().enumerate().filter_map(|(pid, s)| s.map(|after| PartReq { pid: pid as u16, after })).collect())
}

/// INDEX_RANGE: `[n_ranges=1][bin_len][bin][particle][u32 len][begin][u32 len][end]`.
fn index_predicate(ns: &Namespace, set: Option<&[u8]>, msg: &Message<'_>, range: &[u8]) -> Result<(Arc<IndexDef>, Predicate), u8> {
    let bad = |_| rc::PARAMETER_ERROR;
    let mut r = Reader::new(range);
    if r.u8().map_err(bad)? != 1 {
        return Err(rc::PARAMETER_ERROR);
    }
    let bin_len = r.u8().map_err(bad)?;
    let bin = r.take(usize::from(bin_len)).map_err(bad)?;
    let ptype = r.u8().map_err(bad)?;
    let begin_len = r.u32().map_err(bad)? as usize;
    let begin = r.take(begin_len).map_err(bad)?;
    let end_len = r.u32().map_err(bad)? as usize;
    let end = r.take(end_len).map_err(bad)?;
    let pred = match ptype {
        particle::INTEGER => {
            let lo = particle::int_from_wire(begin)?;
            let hi = particle::int_from_wire(end)?;
            if lo > hi {
                return Err(rc::PARAMETER_ERROR);
            }
            Predicate::Range(lo, hi)
        }
        particle::STRING | particle::BLOB => {
            if begin.len() >= MAX_KEY_BYTES {
                return Err(rc::PARAMETER_ERROR);
            }
            Predicate::Equal(begin.to_vec())
        }
        particle::GEOJSON => Predicate::Geo(geo::parse(begin).ok_or(rc::PARAMETER_ERROR)?),
        _ => return Err(rc::PARAMETER_ERROR),
    };
    let coll = match msg.field(field::INDEX_TYPE) {
        Some([b]) => Some(CollType::from_wire(*b).ok_or(rc::PARAMETER_ERROR)?),
        Some(_) => return Err(rc::PARAMETER_ERROR),
        None => None,
    };
    let q = IndexQuery {
        name: msg.field(field::INDEX_NAME).filter(|n| !n.is_empty()),
        bin,
        key_type: KeyType::of_particle(ptype),
        coll,
        ctx: msg.field(field::INDEX_CONTEXT),
        exp: msg.field(field::INDEX_EXPRESSION),
    };
    let def = ns.sindex.find(set, &q)?;
    Ok((def, pred))
}
