//! An AS_MSG body: the 22-byte header, its fields and its ops; what parses re-encodes to the
//! same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wire::message;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = message::parse(data) else { return };
    if m.header.header_sz != message::MSG_HEADER_SIZE || m.ops.iter().any(|o| o.flags != 0) || m.header.result_code != 0 {
        return;
    }
    let fields: Vec<(u8, &[u8])> = m.fields.iter().map(|f| (f.kind, f.data)).collect();
    let ops: Vec<(u8, u8, &[u8], &[u8])> = m.ops.iter().map(|o| (o.op, o.particle, o.name, o.value)).collect();
    assert_eq!(message::request(m.header, &fields, &ops), data);
});
