//! A stored record: its set, optional stored key, ordered bins, generation and void time.

use crate::codec::particle::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub name: Vec<u8>,
    pub value: Value,
}

/// The user key, kept when the client wrote with send-key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub particle: u8,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Empty when the record has no set.
    pub set: Vec<u8>,
    pub key: Option<StoredKey>,
    /// In the server's order: updated bins stay in place, new bins are appended, and a deleted
    /// bin's slot is taken by the last bin.
    pub bins: Vec<Bin>,
    pub generation: u16,
    /// Seconds since the citrusleaf epoch; 0 never expires.
    pub void_time: u32,
    /// Unix milliseconds of the last write (truncate and read-touch use it).
    pub last_update_ms: u64,
}


impl Record {
    pub fn new(set: Vec<u8>) -> Self {
        Record { set, key: None, bins: Vec::new(), generation: 0, void_time: 0, last_update_ms: 0 }
    }

    pub fn bin_index(&self, name: &[u8]) -> Option<usize> {
        self.bins.iter().position(|b| b.name == name)
    }

    pub fn bin(&self, name: &[u8]) -> Option<&Value> {
        self.bins.iter().find(|b| b.name == name).map(|b| &b.value)
    }

    /// Updates in place, or appends a new bin.
    pub fn set_bin(&mut self, name: &[u8], value: Value) {
        match self.bin_index(name) {
            Some(i) => self.bins[i].value = value,
            None => self.bins.push(Bin { name: name.to_vec(), value }),
        }
    }

    /// Deletes a bin the way the server does: the last bin moves into its slot.
    pub fn remove_bin(&mut self, name: &[u8]) -> bool {
        match self.bin_index(name) {
            Some(i) => {
                self.bins.swap_remove(i);
                true
            }
            None => false,
        }
    }

}

/// The next generation after a write: it wraps from 65535 to 1, never to 0.
pub fn next_generation(gen: u16) -> u16 {
    if gen == u16::MAX { 1 } else { gen + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_order_follows_the_server() {
        let mut r = Record::new(Vec::new());
        for (n, v) in [("a", 1), ("b", 2), ("c", 3)] {
            r.set_bin(n.as_bytes(), Value::Int(v));
        }
        r.remove_bin(b"a");
        let names: Vec<_> = r.bins.iter().map(|b| b.name.clone()).collect();
        assert_eq!(names, vec![b"c".to_vec(), b"b".to_vec()]);
        r.set_bin(b"b", Value::Int(9));
        r.set_bin(b"d", Value::Int(4));
        let names: Vec<_> = r.bins.iter().map(|b| b.name.clone()).collect();
        assert_eq!(names, vec![b"c".to_vec(), b"b".to_vec(), b"d".to_vec()]);
    }

    #[test]
    fn generation_wraps_to_one() {
        assert_eq!(next_generation(1), 2);
        assert_eq!(next_generation(65534), 65535);
        assert_eq!(next_generation(65535), 1);
    }
}
