//! Rate quotas (EE's `enable-quotas`, always on in this server's security mode): a role may
//! cap its users' reads and writes per second. Each user has a meter per kind counting the
//! records of the current second; once the count reaches the quota, further records that
//! second are refused with 83 and change nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::result_code as rc;

#[derive(Debug, Default, Clone, Copy)]
struct Meter {
    second: u64,
    count: u64,
}

pub struct Meters {
    start: Instant,
    /// (user, is_write) -> this second's count.
    meters: Mutex<HashMap<(String, bool), Meter>>,
}

impl Default for Meters {
    fn default() -> Self {
        Meters { start: Instant::now(), meters: Mutex::new(HashMap::new()) }
    }
}

impl Meters {
    /// Counts `n` records against `quota` per second (0: none): 83 when they would exceed it.
    pub fn admit(&self, user: &str, write: bool, n: u32, quota: u32) -> Result<(), u8> {
        if quota == 0 {
            return Ok(());
        }
        let second = self.start.elapsed().as_secs();
        let mut meters = self.meters.lock().unwrap_or_else(|e| e.into_inner());
        let m = meters.entry((user.to_string(), write)).or_default();
        if m.second != second {
            *m = Meter { second, count: 0 };
        }
        if m.count + u64::from(n) > u64::from(quota) {
            return Err(rc::QUOTA_EXCEEDED);
        }
        m.count += u64::from(n);
        Ok(())
    }

    /// The records counted this second (query users' READ_INFO / WRITE_INFO "tps").
    pub fn current(&self, user: &str, write: bool) -> u32 {
        let second = self.start.elapsed().as_secs();
        let meters = self.meters.lock().unwrap_or_else(|e| e.into_inner());
        meters.get(&(user.to_string(), write)).filter(|m| m.second == second).map_or(0, |m| m.count.min(u64::from(u32::MAX)) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_refuses_what_exceeds_it_and_counts_kinds_apart() {
        let m = Meters::default();
        // Far from a second's end, so the window cannot roll over mid-test.
        while m.start.elapsed().subsec_millis() > 500 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(m.admit("ann", false, 2, 3), Ok(()));
        assert_eq!(m.admit("ann", false, 2, 3), Err(rc::QUOTA_EXCEEDED), "2 + 2 > 3");
        assert_eq!(m.admit("ann", false, 1, 3), Ok(()), "a refused request is not counted");
        assert_eq!(m.admit("ann", false, 1, 3), Err(rc::QUOTA_EXCEEDED));
        assert_eq!(m.admit("ann", true, 3, 3), Ok(()), "writes have their own meter");
        assert_eq!(m.admit("bob", false, 3, 3), Ok(()), "so does every user");
        assert_eq!(m.admit("ann", false, 1000, 0), Ok(()), "0: no quota");
        assert_eq!(m.current("ann", false), 3);
    }
}
