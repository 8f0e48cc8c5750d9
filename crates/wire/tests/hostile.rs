//! The short, always-run part of fuzzing the decoders (the long runs are `crates/wire/fuzz`):
//! for each message kind, random bytes, every truncation of a valid message and single-byte
//! mutations of it. Decoding may fail, never panic, and what decodes re-encodes to the same
//! bytes. Deterministic (a fixed xorshift seed), a few seconds in debug.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use wire::message::{self, MsgHeader};
use wire::msgpack::{self, MpValue};
use wire::proto::{self, ProtoHeader};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Every prefix of `valid`, then `rounds` copies with 1..4 bytes replaced by random ones (biased
/// to the interesting values 0, 0xff and small counts), each given to `check`.
fn mutations(valid: &[u8], rng: &mut Rng, rounds: usize, mut check: impl FnMut(&[u8])) {
    for n in 0..valid.len() {
        check(&valid[..n]);
    }
    for _ in 0..rounds {
        let mut b = valid.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len());
            b[at] = match rng.below(4) {
                0 => 0,
                1 => 0xff,
                2 => rng.below(32) as u8,
                _ => rng.next() as u8,
            };
        }
        check(&b);
    }
}

fn sample_message() -> Vec<u8> {
    let h = MsgHeader { info1: 3, info2: 0, generation: 7, record_ttl: 9, transaction_ttl: 1000, ..Default::default() };
    message::request(
        h,
        &[(message::field::NAMESPACE, b"test"), (message::field::SET, b"s"), (message::field::DIGEST, &[7; 20])],
        &[(message::op::READ, 0, b"bin", b""), (message::op::WRITE, 1, b"i", &5i64.to_be_bytes())],
    )
}

fn sample_msgpack() -> Vec<u8> {
    let mut out = Vec::new();
    msgpack::encode_array_header(&mut out, 6);
    msgpack::encode_particle_raw(&mut out, true, wire::particle::STRING, b"hello");
    msgpack::encode_int(&mut out, -70_000);
    msgpack::encode_float(&mut out, 2.5);
    msgpack::encode_map_header(&mut out, 2);
    msgpack::encode_map_flags(&mut out, msgpack::MAP_KEY_ORDERED);
    msgpack::encode_particle_raw(&mut out, false, wire::particle::BLOB, &[0, 1, 2]);
    msgpack::encode_array_header(&mut out, 2);
    msgpack::encode_wildcard(&mut out);
    msgpack::encode_infinity(&mut out);
    msgpack::encode_nil(&mut out);
    msgpack::encode_uint(&mut out, u64::MAX);
    out
}

#[test]
fn proto_headers_never_admit_a_body_past_the_limit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..50_000 {
        let b: [u8; 8] = rng.bytes(8).try_into().expect("8 bytes");
        let h = ProtoHeader::parse(&b);
        if h.validate().is_ok() {
            assert!(h.size <= proto::MAX_BODY_SIZE && matches!(h.kind, 1..=4));
        }
    }
    let frames = [proto::frame(proto::TYPE_MSG, &sample_message()), proto::frame(proto::TYPE_MSG, &sample_message())].concat();
    mutations(&frames, &mut rng, 20_000, |b| {
        assert!(proto::merge_msg_frames(b).len() <= b.len());
    });
}

#[test]
fn as_msg_decodes_or_fails_and_what_decodes_re_encodes() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let valid = sample_message();
    let check = |b: &[u8]| {
        let Ok(m) = message::parse(b) else { return };
        if m.header.header_sz != message::MSG_HEADER_SIZE || m.header.result_code != 0 || m.ops.iter().any(|o| o.flags != 0) {
            return;
        }
        let fields: Vec<(u8, &[u8])> = m.fields.iter().map(|f| (f.kind, f.data)).collect();
        let ops: Vec<(u8, u8, &[u8], &[u8])> = m.ops.iter().map(|o| (o.op, o.particle, o.name, o.value)).collect();
        assert_eq!(message::request(m.header, &fields, &ops), b);
    };
    assert!(message::parse(&valid).is_ok());
    mutations(&valid, &mut rng, 50_000, check);
    for _ in 0..20_000 {
        let len = rng.below(96);
        check(&rng.bytes(len));
    }
}

#[test]
fn msgpack_tree_and_skip_agree_on_any_bytes() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let check = |b: &[u8]| match (msgpack::parse_prefix(b), msgpack::skip(b)) {
        (Ok((v, used)), Ok(n)) => {
            assert_eq!(used, n, "{b:?}");
            let again = msgpack::to_bytes(&v);
            assert_eq!(msgpack::parse(&again).map(|w| msgpack::to_bytes(&w)), Ok(again));
        }
        (Err(_), Err(_)) => {}
        (tree, skipped) => panic!("parse and skip disagree on {b:?}: {tree:?} vs {skipped:?}"),
    };
    let valid = sample_msgpack();
    assert!(matches!(msgpack::parse(&valid), Ok(MpValue::Array(_))));
    mutations(&valid, &mut rng, 50_000, check);
    for _ in 0..50_000 {
        let len = 1 + rng.below(48);
        check(&rng.bytes(len));
    }
}

#[test]
fn admin_messages_decode_or_fail_and_what_decodes_re_encodes() {
    use wire::admin::{self, command, field};
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let valid = admin::encode_request(command::LOGIN, &[(field::USER, b"alice"), (field::CREDENTIAL, b"$2a$10$hash")]);
    let check = |b: &[u8]| {
        if let Ok(m) = admin::parse(b) {
            let fields: Vec<(u8, &[u8])> = m.fields.clone();
            let again = admin::encode_request(m.command, &fields);
            // The header's scheme, result and reserved bytes are not re-encoded; the rest is.
            assert_eq!(again[admin::HEADER_SIZE..], b[admin::HEADER_SIZE..again.len()]);
        }
    };
    mutations(&valid, &mut rng, 20_000, check);
    for _ in 0..20_000 {
        let len = rng.below(64);
        check(&rng.bytes(len));
    }
}
