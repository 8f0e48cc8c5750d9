//! Record digests: RIPEMD-160 over the set name, the key's particle type and the key bytes,
//! exactly as clients compute them; the partition is taken from the digest's first bytes.

use ripemd::{Digest as _, Ripemd160};

use crate::codec::particle;

pub type Digest = [u8; 20];
pub const N_PARTITIONS: usize = 4096;

pub fn compute(set: &[u8], key_particle: u8, key: &[u8]) -> Digest {
    let mut h = Ripemd160::new();
    h.update(set);
    h.update([key_particle]);
    h.update(key);
    h.finalize().into()
}

pub fn of_int(set: &[u8], v: i64) -> Digest {
    compute(set, particle::INTEGER, &v.to_be_bytes())
}

pub fn of_str(set: &[u8], v: &str) -> Digest {
    compute(set, particle::STRING, v.as_bytes())
}

/// The partition a digest belongs to: the low 12 bits of its first two bytes, little-endian.
pub fn partition_id(d: &Digest) -> usize {
    usize::from(u16::from_le_bytes([d[0], d[1]])) & (N_PARTITIONS - 1)
}

pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from the official client's aerospike.calc_digest and from the golden corpus.
    #[test]
    fn digests_match_the_official_client() {
        assert_eq!(hex(&of_str(b"cf_4b28b9f5ae97f3d3", "ek")), "c6c747bee259add92372979a55618e704fc2a5d5");
        assert_eq!(hex(&of_str(b"cf_4b28b9f5ae97f3d3", "ek_missing")), "03b0b90ec0704473c1b086e5b210c41ccafd8fb1");
        assert_eq!(hex(&of_str(b"cf_8badc85638a61394", "kt")), "d3ff2f43576c0abe3e356c468efbae5fd3e6232c");
        assert_eq!(hex(&of_int(b"cf_c2e214cf05ecf3b6", 77)), "e8acf9cde75197ed2dd6f14701abbf66f1bad423");
    }

    #[test]
    fn partition_in_range() {
        let d = of_str(b"", "x");
        assert!(partition_id(&d) < N_PARTITIONS);
        let mut z = [0u8; 20];
        z[0] = 0xff;
        z[1] = 0xff;
        assert_eq!(partition_id(&z), 4095);
    }
}
