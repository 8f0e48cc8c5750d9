//! Time as the server counts it (seconds since 2010-01-01, the "citrusleaf epoch") and the
//! background sweep that drops expired records.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::storage::Store;

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

/// Runs until the store is dropped elsewhere or the task is cancelled with the runtime.
pub async fn sweep_forever(store: Arc<Store>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        store.sweep_expired(now_clepoch());
        // Yield between sweeps so the sweep never starves connections.
        tokio::task::yield_now().await;
    }
}
