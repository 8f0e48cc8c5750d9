//! A scan request (a query without an index predicate), as the `aerospike` crate lays it out for
//! a partition scan on servers from 6.0: NAMESPACE, SET, RECORDS_PER_SECOND, SOCKET_TIMEOUT,
//! QUERY_ID, FILTER_EXP, then the node's partitions (PID_ARRAY for whole ones, DIGEST_ARRAY for
//! ones resumed after a digest), and a READ op per selected bin; info3 asks for PARTITION_DONE
//! messages so the client knows which partitions a node finished.

use aerospike::{Bins, QueryDuration, QueryPolicy, ReadModeAp};
use wire::message::{self, field, info1, info2, info3, op, MsgHeader, MSG_HEADER_SIZE};
use wire::proto;

use crate::batch_request::{packed_filter, refuse_what_only_the_crate_does, sc_read_bits, Unsupported};

/// What every node's request of one scan says; `encode` adds the node's partitions.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub namespace: String,
    pub set: String,
    /// READ ops for these bins; empty with `Bins::All` and with no bin data.
    bins: Vec<String>,
    filter: Option<Vec<u8>>,
    info1: u8,
    info2: u8,
    info3: u8,
    read_touch_ttl: u32,
    records_per_second: u32,
}

impl ScanRequest {
    /// The scan of `namespace`/`set` reading `bins` under `policy`. What only the crate does
    /// is refused by name: `max_records` (paging, whose cursor rules are the crate's),
    /// transactions, compression and error detail.
    pub fn new(namespace: &str, set: &str, bins: &Bins, policy: &QueryPolicy) -> Result<Self, Unsupported> {
        let base = &policy.base_policy;
        if policy.max_records > 0 {
            return Err(Unsupported("max_records"));
        }
        refuse_what_only_the_crate_does(base)?;
        let mut info1 = info1::READ;
        let mut info2 = 0;
        if !policy.include_bin_data || bins.is_none() {
            info1 |= info1::GET_NOBINDATA;
        }
        match policy.expected_duration {
            QueryDuration::Short => info1 |= info1::SHORT_QUERY,
            QueryDuration::LongRelaxAp => info2 |= info2::RELAX_AP_LONG_QUERY,
            QueryDuration::Long => {}
        }
        if base.read_mode_ap == ReadModeAp::All {
            info1 |= info1::READ_MODE_AP_ALL;
        }
        let info3 = info3::PARTITION_DONE | sc_read_bits(base.read_mode_sc);
        let bins = match bins {
            Bins::Some(names) if policy.include_bin_data => names.clone(),
            _ => Vec::new(),
        };
        Ok(Self {
            namespace: namespace.to_owned(),
            set: set.to_owned(),
            bins,
            filter: packed_filter(base.filter_expression.as_ref())?,
            info1,
            info2,
            info3,
            read_touch_ttl: base.read_touch_ttl.into(),
            records_per_second: policy.records_per_second,
        })
    }

    /// The framed request for one node: whole partitions `full`, and `resumed` ones read
    /// after their digest. `server_timeout` is the server's own limit in ms (0: none).
    pub fn encode(&self, task_id: u64, full: &[u16], resumed: &[[u8; 20]], server_timeout: u32) -> Vec<u8> {
        let header = MsgHeader {
            header_sz: MSG_HEADER_SIZE,
            info1: self.info1,
            info2: self.info2,
            info3: self.info3,
            record_ttl: self.read_touch_ttl,
            ..Default::default()
        };
        let rps = self.records_per_second.to_be_bytes();
        let timeout = server_timeout.to_be_bytes();
        let task = task_id.to_be_bytes();
        let pids: Vec<u8> = full.iter().flat_map(|p| p.to_le_bytes()).collect();
        let digests: Vec<u8> = resumed.iter().flatten().copied().collect();
        let mut fields: Vec<(u8, &[u8])> = Vec::with_capacity(8);
        if !self.namespace.is_empty() {
            fields.push((field::NAMESPACE, self.namespace.as_bytes()));
        }
        if !self.set.is_empty() {
            fields.push((field::SET, self.set.as_bytes()));
        }
        if self.records_per_second > 0 {
            fields.push((field::RECORDS_PER_SECOND, &rps));
        }
        fields.push((field::SOCKET_TIMEOUT, &timeout));
        fields.push((field::QUERY_ID, &task));
        if let Some(filter) = &self.filter {
            fields.push((field::FILTER_EXP, filter));
        }
        if !pids.is_empty() {
            fields.push((field::PID_ARRAY, &pids));
        }
        if !digests.is_empty() {
            fields.push((field::DIGEST_ARRAY, &digests));
        }
        let ops: Vec<(u8, u8, &[u8], &[u8])> = self.bins.iter().map(|name| (op::READ, 0u8, name.as_bytes(), &[][..])).collect();
        proto::frame(proto::TYPE_MSG, &message::request(header, &fields, &ops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(frame: &[u8]) -> wire::message::Message<'_> {
        wire::message::parse(&frame[proto::HEADER_SIZE..]).expect("parses")
    }

    /// The layout the server reads (as_query / as_scan in the server's source: the partition
    /// arrays, the task id, the socket timeout), with whole and resumed partitions.
    #[test]
    fn a_node_request_names_its_partitions_task_and_bins() {
        let policy = QueryPolicy::default();
        let request = ScanRequest::new("test", "people", &Bins::Some(vec!["a".into(), "bb".into()]), &policy).expect("encodable");
        let frame = request.encode(0x0102_0304_0506_0708, &[1, 4095], &[[7; 20]], 250);
        let message = parsed(&frame);
        assert_eq!(message.header.info1, info1::READ);
        assert_eq!(message.header.info3, info3::PARTITION_DONE);
        assert_eq!(message.field(field::NAMESPACE), Some(&b"test"[..]));
        assert_eq!(message.field(field::SET), Some(&b"people"[..]));
        assert_eq!(message.field(field::PID_ARRAY), Some(&[1, 0, 0xff, 0x0f][..]), "little-endian partition ids");
        assert_eq!(message.field(field::DIGEST_ARRAY), Some(&[7u8; 20][..]));
        assert_eq!(message.field(field::QUERY_ID), Some(&[1, 2, 3, 4, 5, 6, 7, 8][..]));
        assert_eq!(message.field(field::SOCKET_TIMEOUT), Some(&250u32.to_be_bytes()[..]));
        assert_eq!(message.field(field::RECORDS_PER_SECOND), None);
        let names: Vec<&[u8]> = message.ops.iter().map(|o| o.name).collect();
        assert_eq!(names, [&b"a"[..], &b"bb"[..]]);
        assert!(message.ops.iter().all(|o| o.op == op::READ));
    }

    #[test]
    fn policy_bits_and_fields_follow_the_policy() {
        let mut policy = QueryPolicy { include_bin_data: false, expected_duration: QueryDuration::Short, records_per_second: 300, ..QueryPolicy::default() };
        policy.base_policy.read_mode_ap = ReadModeAp::All;
        policy.base_policy.read_mode_sc = aerospike::ReadModeSc::AllowUnavailable;
        policy.base_policy.filter_expression = Some(aerospike::expressions::eq(aerospike::expressions::int_bin("a"), aerospike::expressions::int_val(1)));
        let request = ScanRequest::new("test", "", &Bins::Some(vec!["a".into()]), &policy).expect("encodable");
        let frame = request.encode(1, &[0], &[], 0);
        let message = parsed(&frame);
        assert_eq!(message.header.info1, info1::READ | info1::GET_NOBINDATA | info1::SHORT_QUERY | info1::READ_MODE_AP_ALL);
        assert_eq!(message.header.info3, info3::PARTITION_DONE | info3::SC_READ_TYPE | info3::SC_READ_RELAX);
        assert_eq!(message.field(field::SET), None, "no set: the whole namespace");
        assert_eq!(message.field(field::RECORDS_PER_SECOND), Some(&300u32.to_be_bytes()[..]));
        assert!(message.field(field::FILTER_EXP).is_some());
        assert!(message.ops.is_empty(), "no bin data: no bin ops");
        policy.expected_duration = QueryDuration::LongRelaxAp;
        let message_frame = ScanRequest::new("test", "", &Bins::All, &policy).expect("encodable").encode(1, &[0], &[], 0);
        assert_eq!(parsed(&message_frame).header.info2, info2::RELAX_AP_LONG_QUERY);
    }

    #[test]
    fn paging_and_what_only_the_crate_does_are_refused_by_name() {
        let policy = QueryPolicy { max_records: 10, ..QueryPolicy::default() };
        assert_eq!(ScanRequest::new("test", "s", &Bins::All, &policy).expect_err("paging").0, "max_records");
        let mut policy = QueryPolicy::default();
        policy.base_policy.use_compression = true;
        assert_eq!(ScanRequest::new("test", "s", &Bins::All, &policy).expect_err("compression").0, "compression");
    }
}
