//! A msgpack particle (list or map bin) in Aerospike's dialect: the tree parser, the zero-copy
//! skip and the encoder agree, and the server's ingest of a list/map bin never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use local_server::codec::particle::{self, Value};
use wire::msgpack;

fuzz_target!(|data: &[u8]| {
    let tree = msgpack::parse_prefix(data);
    let skipped = msgpack::skip(data);
    match (&tree, &skipped) {
        (Ok((v, used)), Ok(n)) => {
            assert_eq!(used, n);
            // Re-encoding is canonical; it parses back to the same tree.
            let again = msgpack::to_bytes(v);
            let back = msgpack::parse(&again).expect("re-encoded msgpack parses");
            assert_eq!(msgpack::to_bytes(&back), again);
        }
        (Err(_), Err(_)) => {}
        // skip does not count what a count promises against what is left before it recurses:
        // it may only disagree by failing where the tree parser failed too.
        _ => panic!("parse and skip disagree: {tree:?} vs {skipped:?}"),
    }
    let _ = Value::from_wire(particle::LIST, data);
    let _ = Value::from_wire(particle::MAP, data);
});
