//! `user-agent-set` and `user-agents`: the per-connection client names the official clients
//! send on connect (servers 8.1+). A connection may name its client once, in base64 of at most
//! 64 bytes; `user-agents` counts the open connections by name, and those that asked
//! `features` without naming one as "unknown" (thr_info.c `cmd_user_agent_set`, service.c's
//! reaper and `ua_reduce_fn`). The real server refreshes the counts once a second; here they
//! are counted when asked.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::info_text::{error, params_map, required_param};
use crate::result_code as rc;

/// "unknown" in base64: the name of connections that asked `features` but set none.
const UNKNOWN: &str = "dW5rbm93bg==";
/// The server's buffer for the base64 value (`user_agent_key.b64data`), NUL included.
const VALUE_BUFFER: usize = 88;
/// Decoded bytes the server keeps at most.
const MAX_DECODED: usize = 64;

#[derive(Default)]
pub struct UserAgents {
    next_id: AtomicU64,
    /// Open connections that named a client (`Some`) or asked `features` (`None`).
    by_connection: Mutex<BTreeMap<u64, Option<String>>>,
}

impl UserAgents {
    /// A new connection's id.
    pub fn connect(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The connection closed: it counts no more.
    pub fn disconnect(&self, connection: u64) {
        if let Ok(mut by) = self.by_connection.lock() {
            by.remove(&connection);
        }
    }

    /// The answer to `cmd` when it is one of the per-connection commands, else `None` (and a
    /// `features` request is noted).
    pub fn command(&self, connection: u64, cmd: &str) -> Option<String> {
        let (name, params) = cmd.trim_end_matches(';').split_once(':').unwrap_or((cmd.trim_end_matches(';'), ""));
        let Ok(mut by) = self.by_connection.lock() else { return Some(error(rc::SERVER_ERROR, "internal error")) };
        match name {
            "features" => {
                by.entry(connection).or_insert(None);
                None
            }
            "user-agent-set" => {
                if by.get(&connection).is_some_and(Option::is_some) {
                    return Some(error(rc::PARAMETER_ERROR, "already set"));
                }
                let p = params_map(params);
                let value = match required_param(&p, &["value"], VALUE_BUFFER) {
                    Ok(v) => v,
                    Err(answer) => return Some(answer),
                };
                if !valid_base64(value, MAX_DECODED) {
                    return Some(error(rc::PARAMETER_ERROR, "'value' invalid base64"));
                }
                by.insert(connection, Some(value.to_owned()));
                Some("ok".to_owned())
            }
            "user-agents" => {
                let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
                for agent in by.values() {
                    *counts.entry(agent.as_deref().unwrap_or(UNKNOWN)).or_default() += 1;
                }
                Some(counts.iter().map(|(agent, n)| format!("user-agent={agent}:count={n};")).collect())
            }
            _ => None,
        }
    }
}

/// Standard base64 with padding, decoding to at most `max` bytes.
fn valid_base64(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &bytes[..bytes.len() - padding];
    padding <= 2 && body.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/') && bytes.len() / 4 * 3 - padding <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_names_its_client_once() {
        let agents = UserAgents::default();
        let (a, b, c) = (agents.connect(), agents.connect(), agents.connect());
        assert_eq!(agents.command(a, "user-agent-set:value=YWJj").as_deref(), Some("ok"));
        assert_eq!(agents.command(a, "user-agent-set:value=YWJj").as_deref(), Some("ERROR:4:already set"));
        assert_eq!(agents.command(b, "user-agent-set:value=YWJj").as_deref(), Some("ok"));
        assert_eq!(agents.command(c, "features"), None);
        assert_eq!(agents.command(a, "user-agents").as_deref(), Some("user-agent=YWJj:count=2;user-agent=dW5rbm93bg==:count=1;"));
        agents.disconnect(b);
        agents.disconnect(c);
        assert_eq!(agents.command(a, "user-agents").as_deref(), Some("user-agent=YWJj:count=1;"));
    }

    #[test]
    fn bad_values_are_refused_as_the_server_words_it() {
        let agents = UserAgents::default();
        let a = agents.connect();
        assert_eq!(agents.command(a, "user-agent-set").as_deref(), Some("ERROR:4:missing 'value'"));
        assert_eq!(agents.command(a, "user-agent-set:value=").as_deref(), Some("ERROR:4:missing 'value' value"));
        assert_eq!(agents.command(a, "user-agent-set:value=abc").as_deref(), Some("ERROR:4:'value' invalid base64"));
        assert_eq!(agents.command(a, "user-agent-set:value=a$c=").as_deref(), Some("ERROR:4:'value' invalid base64"));
        let long = "QUFB".repeat(22); // 88 characters: no room for the NUL
        assert_eq!(agents.command(a, &format!("user-agent-set:value={long}")).as_deref(), Some("ERROR:4:'value' value too long"));
        assert_eq!(agents.command(a, "user-agents").as_deref(), Some(""));
    }
}
