//! The 8-byte proto header and the frame merger the server streams answers with.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wire::proto::{self, ProtoHeader, HEADER_SIZE};

fuzz_target!(|data: &[u8]| {
    if let Some(h) = data.first_chunk::<HEADER_SIZE>() {
        let header = ProtoHeader::parse(h);
        if header.validate().is_ok() {
            assert!(header.size <= proto::MAX_BODY_SIZE);
        }
    }
    let merged = proto::merge_msg_frames(data);
    // Merging only regroups bodies: never more bytes than it was given.
    assert!(merged.len() <= data.len());
});
