//! What the client measures about itself, with no Python in it: the per-command latency
//! histograms and counters (`metrics`), their Prometheus text form (`exposition`), the HTTP
//! server that serves it from its own thread (`http`), and the bounded queue that carries the
//! Rust side's log records to Python's `logging` without blocking a command (`logqueue`).
//! `src/observe.rs` is the thin layer that binds these to Python and to the commands.

pub mod exposition;
pub mod histogram;
pub mod http;
pub mod logqueue;
pub mod metrics;
