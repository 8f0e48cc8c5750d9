//! A namespace's set names, as the server's set vmap holds them (`as/src/base/namespace.c`,
//! `as_namespace_get_create_set_w_len`): a name is added the first time a record is created in
//! the set or an index names it, and is never removed (deleting or truncating every record of a
//! set leaves its name behind, and `sets` keeps listing it). The vmap holds `AS_SET_MAX_COUNT`
//! names (`(1 << 12) - 1`, `datamodel.h`); past that, and for a name of 64 bytes or more
//! (`AS_SET_NAME_MAX_SIZE` counts the NUL), the server logs a warning and the command gets
//! `AS_ERR_PARAMETER`.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::result_code as rc;

/// `AS_SET_MAX_COUNT`: set id 0 means "no set", ids are 12 bits.
pub const MAX_SET_NAMES: usize = (1 << 12) - 1;
/// `AS_SET_NAME_MAX_SIZE` (64) less the NUL.
pub const MAX_SET_NAME_LEN: usize = 63;

#[derive(Debug, Default)]
pub struct SetNames {
    inner: Mutex<Names>,
}

#[derive(Debug, Default)]
struct Names {
    /// In the order they were added (the vmap's index order, which `sets` lists).
    order: Vec<Vec<u8>>,
    known: HashSet<Vec<u8>>,
}

impl SetNames {
    /// Finds or adds a set name; the empty name is "no set" and always fine.
    pub fn get_or_add(&self, name: &[u8]) -> Result<(), u8> {
        if name.is_empty() {
            return Ok(());
        }
        let mut n = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if n.known.contains(name) {
            return Ok(());
        }
        if name.len() > MAX_SET_NAME_LEN {
            let shown = String::from_utf8_lossy(&name[..MAX_SET_NAME_LEN]).into_owned();
            crate::log::warning("namespace", format_args!("set name {shown}... too long"));
            return Err(rc::PARAMETER_ERROR);
        }
        if n.order.len() >= MAX_SET_NAMES {
            crate::log::warning("namespace", format_args!("at set names limit, can't add set"));
            return Err(rc::PARAMETER_ERROR);
        }
        n.order.push(name.to_vec());
        n.known.insert(name.to_vec());
        Ok(())
    }

    /// Every name, in the order added.
    pub fn names(&self) -> Vec<Vec<u8>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).order.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_and_the_table_fills_at_4095() {
        let s = SetNames::default();
        assert_eq!(s.get_or_add(b""), Ok(()));
        for i in 0..MAX_SET_NAMES {
            assert_eq!(s.get_or_add(format!("s{i}").as_bytes()), Ok(()));
        }
        // A known name still works; a new one is a parameter error.
        assert_eq!(s.get_or_add(b"s7"), Ok(()));
        assert_eq!(s.get_or_add(b"one-more"), Err(rc::PARAMETER_ERROR));
        assert_eq!(s.names().len(), MAX_SET_NAMES);
        assert_eq!(s.names()[0], b"s0".to_vec());
    }

    #[test]
    fn names_of_64_bytes_are_refused() {
        let s = SetNames::default();
        assert_eq!(s.get_or_add(&[b'a'; 63]), Ok(()));
        assert_eq!(s.get_or_add(&[b'a'; 64]), Err(rc::PARAMETER_ERROR));
    }
}
