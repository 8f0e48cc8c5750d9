//! Warnings the way the server words them (`WARNING (<context>): <message>`), on standard
//! error: the crate's only log.

use std::fmt::Arguments;

pub fn warning(context: &str, msg: Arguments<'_>) {
    eprintln!("WARNING ({context}): {msg}");
}
