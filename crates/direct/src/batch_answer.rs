//! A batch-read answer, decoded as it arrives: each proto body's messages become rows of packed
//! records under the keys the request named (the answer names a row only by its index), until
//! the message that ends the answer.

use aerospike::Key;
use columnar::packed::PackedRows;
use wire::message::{self, info3};
use wire::DecodeError;

/// Result codes a row answers with that still end in a row of its own (the crate's reading):
/// found, not found, filtered out and a UDF's failure. A LAST message with one of them only ends
/// the answer; with any other code it is also that row's error.
fn is_row_outcome(result_code: u8) -> bool {
    matches!(result_code, 0 | 2 | 27 | 100)
}

/// One request's rows as they arrive, and each row's index in the caller's batch.
pub struct GroupAnswer<'k> {
    keys: &'k [Key],
    /// For each of the request's rows, its index in the whole batch.
    batch_index: &'k [u32],
    answered: Vec<bool>,
    pub rows: PackedRows,
    /// For each packed row, its index in the whole batch.
    pub order: Vec<u32>,
    now_unix_secs: u64,
}

impl<'k> GroupAnswer<'k> {
    /// `keys[batch_index[i]]` is the key of the request's row `i`.
    pub fn new(keys: &'k [Key], batch_index: &'k [u32], now_unix_secs: u64) -> Self {
        let n = batch_index.len();
        Self { keys, batch_index, answered: vec![false; n], rows: PackedRows::with_capacity(n), order: Vec::with_capacity(n), now_unix_secs }
    }

    /// Decodes one proto body; true once the answer has ended. A row named twice or past the
    /// request's rows, or a malformed message, is an error (the connection is then unusable).
    pub fn take_body(&mut self, body: &[u8]) -> Result<bool, DecodeError> {
        let mut r = wire::Reader::new(body);
        while r.remaining() > 0 {
            let header = message::parse_header(&mut r)?;
            let (fields, ops) = message::parse_fields_and_ops(&mut r, header.n_fields, header.n_ops)?;
            let last = header.info3 & info3::LAST != 0;
            if last && is_row_outcome(header.result_code) {
                return Ok(true);
            }
            let row = header.transaction_ttl as usize;
            let seen = self.answered.get_mut(row).ok_or(DecodeError("an answer names a row the request did not have"))?;
            if std::mem::replace(seen, true) {
                return Err(DecodeError("an answer names a row twice"));
            }
            let at = self.batch_index[row];
            let key = self.keys.get(at as usize).ok_or(DecodeError("a row index past the batch"))?;
            self.rows.push_answer(key, &message::Message { header, fields, ops }, self.now_unix_secs)?;
            self.order.push(at);
            if last {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerospike::Value;
    use wire::message::{op, ResponseBuilder};

    fn message(rc: u8, row: u32, last: bool, bin: Option<i64>) -> Vec<u8> {
        let mut response = ResponseBuilder::new(rc, 1, 0);
        if let Some(v) = bin {
            response.op_with(op::READ, wire::particle::INTEGER, b"a", |out| out.extend_from_slice(&v.to_be_bytes()));
        }
        let mut body = response.finish()[wire::proto::HEADER_SIZE..].to_vec();
        body[14..18].copy_from_slice(&row.to_be_bytes());
        if last {
            body[3] |= info3::LAST;
        }
        body
    }

    fn keys() -> Vec<Key> {
        (0..4).map(|i| Key::new("test", "s", Value::Int(i)).expect("key")).collect()
    }

    #[test]
    fn rows_land_under_their_batch_index_until_the_last_message() {
        let keys = keys();
        let batch_index = [3, 1];
        let mut answer = GroupAnswer::new(&keys, &batch_index, 0);
        let mut body = message(0, 1, false, Some(7));
        body.extend(message(2, 0, false, None));
        assert!(!answer.take_body(&body).expect("first body"));
        assert!(answer.take_body(&message(0, 0, true, None)).expect("the end"));
        assert_eq!(answer.order, [1, 3]);
        let rows = answer.rows.rows();
        assert_eq!((rows[0].result_code, rows[0].has_record, rows[1].result_code), (0, true, 2));
        assert_eq!(rows[0].digest, keys[1].digest());
    }

    #[test]
    fn a_last_message_with_an_error_code_is_that_rows_error_and_ends_the_answer() {
        let keys = keys();
        let mut answer = GroupAnswer::new(&keys, &[0, 1], 0);
        assert!(answer.take_body(&message(4, 1, true, None)).expect("ends"));
        assert_eq!((answer.order.as_slice(), answer.rows.rows()[0].result_code), (&[1][..], 4));
    }

    /// Whatever a node sends, decoding answers or refuses; it never panics or loses count.
    #[test]
    fn hostile_bodies_are_refused_or_decoded_never_a_panic() {
        let keys = keys();
        let good = message(0, 1, false, Some(3));
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let mut body = if round % 2 == 0 { good.clone() } else { (0..(next() % 80)).map(|_| next() as u8).collect() };
            if round % 2 == 0 && !body.is_empty() {
                let at = (next() as usize) % body.len();
                body[at] = next() as u8;
                body.truncate(body.len() - (next() as usize % 3).min(body.len()));
            }
            let mut answer = GroupAnswer::new(&keys, &[0, 1, 2], 0);
            if answer.take_body(&body).is_ok() {
                assert_eq!(answer.rows.len(), answer.order.len());
                assert!(answer.order.iter().all(|&at| at < 3));
            }
        }
    }

    #[test]
    fn rows_out_of_range_twice_or_malformed_are_refused() {
        let keys = keys();
        let mut answer = GroupAnswer::new(&keys, &[0, 1], 0);
        assert!(answer.take_body(&message(0, 2, false, Some(1))).is_err());
        let mut answer = GroupAnswer::new(&keys, &[0, 1], 0);
        let mut twice = message(0, 1, false, Some(1));
        twice.extend(message(0, 1, false, Some(1)));
        assert!(answer.take_body(&twice).is_err());
        let body = message(0, 0, false, Some(1));
        assert!(GroupAnswer::new(&keys, &[0], 0).take_body(&body[..body.len() - 3]).is_err());
    }
}
