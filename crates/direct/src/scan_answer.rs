//! One node's answer to a scan, decoded as it arrives: records packed straight into rows, and
//! the partitions the node says it finished (PARTITION_DONE; with a result code, the node could
//! not serve the partition and another replica is asked in the next round). Read as the crate
//! reads it: a record not found or filtered out is skipped, any other error code fails the scan.

use columnar::packed::PackedRows;
use wire::message::{self, field, info3};
use wire::DecodeError;

/// Result codes of a record message that only mean "no record here": not found, filtered out.
fn is_skipped(result_code: u8) -> bool {
    matches!(result_code, 2 | 27)
}

/// PARTITION_UNAVAILABLE: the node does not hold the partition (now).
const PARTITION_UNAVAILABLE: u8 = 11;

/// Where a node's answer stands after a body.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// More bodies follow.
    More,
    /// The answer ended (a LAST message).
    Ended,
    /// The node answered with this error code: the scan fails with it.
    Failed(u8),
}

/// The records and partition outcomes of one node's answer since they were last taken.
pub struct NodeAnswer {
    pub rows: PackedRows,
    /// Partitions the node finished.
    pub done: Vec<u16>,
    /// Partitions the node could not serve.
    pub unavailable: Vec<u16>,
    now_unix_secs: u64,
}

impl NodeAnswer {
    pub fn new(now_unix_secs: u64) -> Self {
        Self { rows: PackedRows::default(), done: Vec::new(), unavailable: Vec::new(), now_unix_secs }
    }

    /// Decodes one proto body. A malformed message, or a record without a 20-byte digest (the
    /// resume point), is an error: the connection is then unusable.
    pub fn take_body(&mut self, body: &[u8]) -> Result<Step, DecodeError> {
        let mut r = wire::Reader::new(body);
        while r.remaining() > 0 {
            let header = message::parse_header(&mut r)?;
            let (fields, ops) = message::parse_fields_and_ops(&mut r, header.n_fields, header.n_ops)?;
            let code = header.result_code;
            if code != 0 && !is_skipped(code) && code != PARTITION_UNAVAILABLE {
                return Ok(Step::Failed(code));
            }
            if header.info3 & info3::LAST != 0 {
                return Ok(Step::Ended);
            }
            if header.info3 & info3::PARTITION_DONE != 0 {
                // The partition's id rides in the generation slot.
                let partition = u16::try_from(header.generation).ok().filter(|p| usize::from(*p) < crate::partitions::PARTITIONS).ok_or(DecodeError("a partition-done message names no partition"))?;
                if code == 0 {
                    self.done.push(partition);
                } else {
                    self.unavailable.push(partition);
                }
                continue;
            }
            if code != 0 {
                continue;
            }
            let message = message::Message { header, fields, ops };
            if message.field(field::DIGEST).is_none_or(|d| d.len() != 20) {
                return Err(DecodeError("a scan record without its digest"));
            }
            self.rows.push_message(&message, self.now_unix_secs)?;
        }
        Ok(Step::More)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::message::{op, ResponseBuilder};

    fn record(digest_byte: u8, value: i64) -> Vec<u8> {
        let mut response = ResponseBuilder::new(0, 3, 0);
        response.field(field::NAMESPACE, b"test");
        response.field(field::DIGEST, &[digest_byte; 20]);
        response.op_with(op::READ, wire::particle::INTEGER, b"a", |out| out.extend_from_slice(&value.to_be_bytes()));
        response.finish()[wire::proto::HEADER_SIZE..].to_vec()
    }

    fn control(code: u8, info3: u8, generation: u32) -> Vec<u8> {
        let mut response = ResponseBuilder::new(code, generation, 0);
        response.set_info(0, 0, info3);
        response.finish()[wire::proto::HEADER_SIZE..].to_vec()
    }

    #[test]
    fn records_partition_outcomes_and_the_end() {
        let mut answer = NodeAnswer::new(0);
        let body = [record(1, 10), control(2, 0, 0), control(0, info3::PARTITION_DONE, 7), record(2, 20), control(11, info3::PARTITION_DONE, 4095)].concat();
        assert_eq!(answer.take_body(&body).expect("decodes"), Step::More);
        assert_eq!(answer.rows.len(), 2, "the not-found message is skipped");
        assert_eq!(answer.rows.rows()[1].digest, [2; 20]);
        assert_eq!((answer.done.as_slice(), answer.unavailable.as_slice()), (&[7u16][..], &[4095u16][..]));
        assert_eq!(answer.take_body(&control(0, info3::LAST, 0)).expect("decodes"), Step::Ended);
    }

    #[test]
    fn an_error_code_fails_and_bad_bytes_are_refused() {
        let mut answer = NodeAnswer::new(0);
        assert_eq!(answer.take_body(&control(4, info3::LAST, 0)).expect("decodes"), Step::Failed(4));
        assert!(answer.take_body(&control(0, info3::PARTITION_DONE, 4096)).is_err(), "no partition 4096");
        let mut no_digest = ResponseBuilder::new(0, 1, 0);
        no_digest.field(field::NAMESPACE, b"test");
        assert!(answer.take_body(&no_digest.finish()[wire::proto::HEADER_SIZE..]).is_err());
        let good = record(3, 1);
        for cut in 1..good.len() {
            assert!(answer.take_body(&good[..cut]).is_err(), "a body cut at {cut} is refused");
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5000 {
            let mut body = good.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % body.len();
                body[at] = (seed >> 32) as u8;
            }
            let _ = answer.take_body(&body);
        }
    }
}
