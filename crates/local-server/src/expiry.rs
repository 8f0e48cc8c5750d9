//! Time as the server counts it (seconds since 2010-01-01, the "citrusleaf epoch") and what
//! expiry means. A leaf: the sweep that drops expired records runs in `server`.

use std::time::{SystemTime, UNIX_EPOCH};

/// 2010-01-01T00:00:00Z in Unix seconds.
pub const CITRUSLEAF_EPOCH: u64 = 1_262_304_000;

/// Record TTLs on the wire.
pub const TTL_NAMESPACE_DEFAULT: u32 = 0;
pub const TTL_NEVER_EXPIRE: u32 = 0xFFFF_FFFF;
pub const TTL_DONT_UPDATE: u32 = 0xFFFF_FFFE;

pub fn now_unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Seconds since the citrusleaf epoch.
pub fn now_clepoch() -> u32 {
    (now_unix_ms() / 1000).saturating_sub(CITRUSLEAF_EPOCH) as u32
}

/// Whether a record with this void time (0 = never) has expired at `now`.
pub fn is_expired(void_time: u32, now: u32) -> bool {
    void_time != 0 && void_time <= now
}
