//! Faults a test injects into a node (`Server::inject_fault`), so code using a client can be
//! tested against what goes wrong on real clusters: a slow node, a connection dropped in the
//! middle of a response, a node refusing connections, or a node answering an error code
//! (partition unavailable, hot key, device overload...). Faults apply to data commands (proto
//! type 3: single-record commands, batches, scans and queries); info requests, which the client
//! tends the cluster with, are left alone except by `Refuse`, which refuses the connection
//! whatever it is for.
//!
//! A single-record command another node proxies to this one (`net::proxy`) is run by this
//! node, so it is slowed by its `Delay` and answered with its `ResultCode`; `DropMidResponse`
//! and `Refuse` are about the client's connections to this node and leave it alone. Batch
//! rows run on the node that holds them are not affected.

use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Wait this long before answering.
    Delay(Duration),
    /// Send the first half of the response, then close the connection.
    DropMidResponse,
    /// Close each new connection at once, before it reads a byte.
    Refuse,
    /// Answer with this result code instead of running the command.
    ResultCode(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// How many more commands (connections, for `Refuse`) it applies to; `None`: until cleared.
    pub remaining: Option<u32>,
}

/// What happens to one data command.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CommandFaults {
    pub delay: Option<Duration>,
    pub drop_mid_response: bool,
    pub result_code: Option<u8>,
}

#[derive(Debug, Default)]
pub struct Faults {
    active: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        self.lock().push(fault);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The faults active now, for `Server` to report.
    pub fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    /// Whether a new connection is refused (one use of a counted `Refuse`).
    pub fn refuse_connection(&self) -> bool {
        self.take(|k| matches!(k, FaultKind::Refuse)).is_some()
    }

    /// What the next data command suffers (one use of each counted fault that applies).
    pub fn for_command(&self) -> CommandFaults {
        let drop = self.take(|k| matches!(k, FaultKind::DropMidResponse));
        CommandFaults { drop_mid_response: drop.is_some(), ..self.for_proxied() }
    }

    /// What a command proxied to this node suffers: its delay and result code (one use of
    /// each counted one), never a dropped connection.
    pub fn for_proxied(&self) -> CommandFaults {
        let delay = self.take(|k| matches!(k, FaultKind::Delay(_)));
        let code = self.take(|k| matches!(k, FaultKind::ResultCode(_)));
        CommandFaults {
            delay: match delay {
                Some(FaultKind::Delay(d)) => Some(d),
                _ => None,
            },
            result_code: match code {
                Some(FaultKind::ResultCode(c)) => Some(c),
                _ => None,
            },
            drop_mid_response: false,
        }
    }

    /// The first active fault `which` picks, counting one use of it.
    fn take(&self, which: impl Fn(&FaultKind) -> bool) -> Option<FaultKind> {
        let mut active = self.lock();
        let i = active.iter().position(|f| which(&f.kind))?;
        let kind = active[i].kind;
        if let Some(n) = &mut active[i].remaining {
            *n = n.saturating_sub(1);
            if *n == 0 {
                active.remove(i);
            }
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out_and_others_stay() {
        let f = Faults::default();
        f.add(Fault { kind: FaultKind::ResultCode(14), remaining: Some(2) });
        f.add(Fault { kind: FaultKind::Delay(Duration::from_millis(5)), remaining: None });
        for _ in 0..2 {
            let c = f.for_command();
            assert_eq!(c.result_code, Some(14));
            assert_eq!(c.delay, Some(Duration::from_millis(5)));
        }
        let c = f.for_command();
        assert_eq!(c.result_code, None);
        assert_eq!(c.delay, Some(Duration::from_millis(5)));
        assert!(!f.refuse_connection());
        // A proxied command takes the delay, never the drop (nor a use of it).
        f.add(Fault { kind: FaultKind::DropMidResponse, remaining: Some(1) });
        assert_eq!(f.for_proxied(), CommandFaults { delay: Some(Duration::from_millis(5)), ..CommandFaults::default() });
        assert!(f.for_command().drop_mid_response);
        f.clear();
        assert_eq!(f.for_command(), CommandFaults::default());
    }
}
