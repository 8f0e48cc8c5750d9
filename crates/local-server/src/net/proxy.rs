//! Proxying a single-record command to the node that serves its partition. A client whose
//! partition map is stale (a node left or came back since it last asked) sends a command to a
//! node that is not the partition's master (for a write) or holds no copy of it (for a read).
//! The real server does not refuse it: `thr_tsvc.c` diverts it (`as_proxy_divert`, `proxy.c`)
//! to the node its partition table names, and answers the client on the connection it came in
//! on with what that node answered. The nodes of this server share a process, so the fabric
//! message is a direct call; what the real proxy does on the way is kept:
//! - the node it is sent to runs it as any command it runs (it is applied there once, and
//!   replicated before the answer); its injected delay and result code apply (`node::faults`);
//! - if that node no longer serves the partition when it gets the command (the table moved
//!   again), the command goes back to the proxyer, which sends it where the partition is now
//!   or runs it itself (`PROXY_OP_RETURN_TO_SENDER`, `as_partition_proxyer_redirect`);
//! - if that node is dead, or dies before it runs the command, no answer ever comes: the
//!   proxyer answers TIMEOUT when the command's time is up (its transaction_ttl, else
//!   transaction-max-ms, 1 s), as `proxy.c`'s `proxy_timeout_reduce_fn` does. The client
//!   cannot know whether a write was applied (in doubt).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::codec::message;
use crate::node::{Node, ProxyStats};
use crate::result_code as rc;

/// A command on its way to another node.
pub struct Proxy {
    /// The node it is sent to (its index in the server).
    pub to: usize,
    /// The AS_MSG body, as the client sent it.
    pub body: Vec<u8>,
    /// When the proxyer stops waiting for an answer.
    pub deadline: Instant,
}

impl Proxy {
    /// `transaction_ttl` is the message's (ms; 0: the server's transaction-max-ms).
    pub fn new(to: usize, body: Vec<u8>, transaction_ttl: u32) -> Proxy {
        Proxy { to, body, deadline: Instant::now() + time_allowed(transaction_ttl) }
    }
}

/// How long a command may take on the server: its transaction_ttl (ms), or the server's
/// transaction-max-ms (1000) when it sent none (`thr_tsvc.c`: `end_time`).
pub fn time_allowed(transaction_ttl: u32) -> Duration {
    match transaction_ttl {
        0 => Duration::from_millis(1000),
        ms => Duration::from_millis(u64::from(ms)),
    }
}

/// Runs `proxy` where its partition is served and returns the response frame for the client.
pub async fn forward(node: &Node, proxy: Proxy) -> Vec<u8> {
    let _in_progress = InProgress::enter(node);
    let Ok(msg) = message::parse(&proxy.body) else { return message::error_response(rc::PARAMETER_ERROR) };
    let stats = crate::transactions::record_of(&msg).and_then(|(ns, _)| node.namespace_index(&ns)).and_then(|k| node.proxies.get(k));
    let mut to = proxy.to;
    loop {
        let Some(dest) = node.peer(to) else { return timed_out(stats, proxy.deadline).await };
        let faults = dest.faults.for_proxied();
        if let Some(delay) = faults.delay {
            tokio::time::sleep(delay).await;
        }
        if !dest.is_alive() {
            // Sent to a node that is gone: nothing answers.
            return timed_out(stats, proxy.deadline).await;
        }
        if Instant::now() >= proxy.deadline {
            // The proxyer gave up; the node it went to drops it as timed out in its queue.
            return timed_out(stats, proxy.deadline).await;
        }
        if let Some(code) = faults.result_code {
            count(stats, |s| &s.client_complete);
            return message::error_response(code);
        }
        // Under one table: runs where the partition is served now (there, or back here), or
        // learns where to send it next.
        let step = {
            let table = node.cluster.table();
            match node.proxy_target(&table, &msg) {
                None => Step::Answered(node.run_record(&table, &proxy.body)),
                Some(m) if m == to => Step::Answered(dest.run_record(&table, &proxy.body)),
                Some(m) => Step::SendTo(m),
            }
        };
        match step {
            Step::SendTo(m) => to = m,
            Step::Answered(response) => {
                count(stats, |s| &s.client_complete);
                return response;
            }
        }
    }
}

enum Step {
    Answered(Vec<u8>),
    SendTo(usize),
}

/// The proxyer's answer when none came: TIMEOUT once the command's time is up.
async fn timed_out(stats: Option<&ProxyStats>, deadline: Instant) -> Vec<u8> {
    tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
    count(stats, |s| &s.client_timeout);
    message::error_response(rc::TIMEOUT)
}

fn count(stats: Option<&ProxyStats>, which: impl Fn(&ProxyStats) -> &std::sync::atomic::AtomicU64) {
    if let Some(s) = stats {
        which(s).fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts a proxy in `proxy_in_progress` while it lives.
struct InProgress<'a>(&'a Node);

impl<'a> InProgress<'a> {
    fn enter(node: &'a Node) -> Self {
        node.proxy_in_progress.fetch_add(1, Ordering::Relaxed);
        InProgress(node)
    }
}

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        self.0.proxy_in_progress.fetch_sub(1, Ordering::Relaxed);
    }
}
