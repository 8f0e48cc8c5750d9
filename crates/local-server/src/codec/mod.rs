//! The wire format is the `wire` crate, shared with the client's columnar decode path; this
//! module re-exports it under the paths the server's modules use, and adds what only a server
//! needs: bin values as the server stores them (`particle::Value`) and GeoJSON validation.

pub use wire::{msgpack, proto, DecodeError, Reader};

pub mod json;
pub mod particle;

pub mod message {
    pub use wire::message::*;

    #[cfg(test)]
    pub mod tests {
        pub use wire::message::request;
    }
}
