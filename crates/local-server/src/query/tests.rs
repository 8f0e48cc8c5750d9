//! Query decoding and execution: partition filters, descending digest order, resume, limits,
//! garbage messages; and over a socket, streaming and cancellation.
