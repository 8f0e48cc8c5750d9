//! The client's own I/O for batch reads. The `aerospike` crate decodes every bin of every
//! record into its `Value`s (a heap block per string, list and map, an `IndexMap` per record),
//! which was most of a big batch read's time. Here the request is built with `wire` as the
//! crate builds it, sent on this crate's own connections to the node each key's partition lives
//! on, and the answer is decoded by `wire` straight into `columnar`'s packed rows, from which
//! NumPy arrays, Arrow batches and Python rows are made.
//!
//! The crate keeps the cluster: tending, the node list, logins, and every command this crate
//! does not take. A read here keeps the crate's semantics: the same request, replica walk
//! (`Master`, `Sequence`), retries (`max_retries`, `sleep_between_retries` and its multiplier),
//! socket and total timeouts, per-row result codes and the rows nobody answered. What it does
//! not implement it hands back (`Read::ByTheCrate`): transactions, compression, error detail,
//! other replica policies, strong-consistency namespaces, keys it cannot route. A client whose
//! TLS is for the login only never gets a `Cluster`; one with a user logs its connections in
//! as the crate does (`login`).

#![cfg_attr(test, allow(clippy::expect_used, clippy::unwrap_used, clippy::panic))]

pub mod batch_answer;
pub mod batch_read;
pub mod batch_request;
pub mod cluster;
mod connections;
mod login;
pub mod partitions;
pub mod scan;
pub mod scan_answer;
pub mod scan_request;
pub mod single_read;

pub use batch_read::Read;
pub use cluster::Cluster;
pub use scan::{PartitionRange, Scan, Started};
pub use scan_request::ScanRequest;
pub use batch_request::ReadRequest;
pub use single_read::{Blocking, Resume, Single};

/// Why a direct read failed; `src/errors.rs` raises each as the crate's error of the same kind.
#[derive(Debug)]
pub enum Error {
    /// The total timeout ran out.
    Timeout { total_timeout_ms: u32, attempts: usize, cause: Option<Box<Error>> },
    /// Every attempt failed (`max_retries` + 1); the last failure is the cause.
    MaxRetries { attempts: usize, cause: Box<Error> },
    /// A connection could not be opened, failed, closed or passed its socket timeout.
    Network { node: String, message: String },
    /// A node answered with bytes that are not an answer.
    BadAnswer { node: String, message: String },
    /// A node refused the connection's login with this result code.
    Refused { node: String, result_code: u8 },
    /// A node answered the command with this error code (a single-record read's
    /// KEY_NOT_FOUND, FILTERED_OUT, ...).
    Server { node: String, result_code: u8 },
}

impl Error {
    /// The node the failure happened on, if one.
    pub fn node(&self) -> Option<&str> {
        match self {
            Error::Network { node, .. } | Error::BadAnswer { node, .. } | Error::Refused { node, .. } | Error::Server { node, .. } => Some(node),
            Error::Timeout { cause, .. } => cause.as_ref().and_then(|c| c.node()),
            Error::MaxRetries { cause, .. } => cause.node(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Timeout { total_timeout_ms, attempts, cause } => {
                write!(f, "timed out after {total_timeout_ms} ms ({attempts} attempts)")?;
                match cause {
                    Some(cause) => write!(f, "; last failure: {cause}"),
                    None => Ok(()),
                }
            }
            Error::MaxRetries { attempts, cause } => write!(f, "failed after {attempts} attempts; last failure: {cause}"),
            Error::Network { node, message } => write!(f, "node {node}: {message}"),
            Error::BadAnswer { node, message } => write!(f, "node {node} sent a bad answer: {message}"),
            Error::Refused { node, result_code } => write!(f, "node {node} refused the login: result code {result_code}"),
            // With the crate's text for the code, which its own server errors carry.
            Error::Server { node, result_code } => {
                write!(f, "node {node} answered with result code {result_code}: {}", aerospike::ResultCode::from(*result_code).into_string())
            }
        }
    }
}

impl std::error::Error for Error {}

/// The result code of a row no node answered (the official clients' NO_RESPONSE).
pub const NO_RESPONSE: i32 = -15;
