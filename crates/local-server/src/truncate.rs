//! Truncate: drops a set's (or a whole namespace's) records last updated strictly before a
//! cut-off, at once and through `Partition::remove`, so reads, queries and indexes never see
//! them again. The `truncate`/`truncate-namespace` info commands and their error texts.

use crate::expiry;
use crate::info::params_map;
use crate::storage::{Store, N_PARTITIONS};

/// 2010-01-01 in Unix milliseconds: an older cut-off would truncate to nothing.
const CITRUSLEAF_EPOCH_MS: u64 = expiry::CITRUSLEAF_EPOCH * 1000;

/// Removes records of `set` (every set when `None`) updated before `cutoff_ms`; the count.
pub fn truncate(store: &Store, ns: &[u8], set: Option<&[u8]>, cutoff_ms: u64) -> usize {
    let Some(ns) = store.namespace(ns) else { return 0 };
    ns.truncate_luts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(set.unwrap_or_default().to_vec(), cutoff_ms);
    (0..N_PARTITIONS)
        .map(|p| {
            ns.partition_at(p)
                .remove_where(|r| set.is_none_or(|s| r.set.as_slice() == s) && r.last_update_ms < cutoff_ms)
        })
        .sum()
}

/// `truncate:namespace=..;set=..[;lut=<nanos>]` and `truncate-namespace:namespace=..[;lut=..]`.
pub fn info_command(store: &Store, name: &str, params: &str) -> String {
    let p = params_map(params);
    let get = |k: &str| p.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let Some(ns) = get("namespace").or_else(|| get("ns")) else {
        return crate::info::error(4, "missing namespace");
    };
    let set = if name == "truncate" {
        match get("set") {
            Some(s) if !s.is_empty() => Some(s),
            _ => return crate::info::error(4, "missing set"),
        }
    } else {
        None
    };
    let now = expiry::now_unix_ms();
    let cutoff = match get("lut") {
        None => now,
        Some(v) => match v.parse::<u64>() {
            Ok(nanos) => {
                let ms = nanos / 1_000_000;
                if ms > now {
                    return crate::info::error(4, "would truncate in the future");
                }
                if ms < CITRUSLEAF_EPOCH_MS {
                    return crate::info::error(4, "would truncate to 0");
                }
                ms
            }
            Err(_) => return crate::info::error(4, "bad 'lut'"),
        },
    };
    truncate(store, ns.as_bytes(), set.map(str::as_bytes), cutoff);
    "ok".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::PartitionSet;
    use crate::codec::particle::Value;
    use crate::config::NamespaceConfig;
    use crate::storage::{digest, Record};

    #[test]
    fn cutoffs_and_errors() {
        let store = Store::new(&[NamespaceConfig::new("test")]);
        let ns = store.namespace(b"test").expect("ns");
        for (i, lut) in [(1, 1000u64), (2, 5000)] {
            let d = digest::of_int(b"s", i);
            let mut r = Record::new(b"s".to_vec());
            r.set_bin(b"a", Value::Int(i));
            r.last_update_ms = CITRUSLEAF_EPOCH_MS + lut;
            ns.partition(&d).put(d, r);
        }
        assert_eq!(truncate(&store, b"test", Some(b"other"), u64::MAX), 0);
        assert_eq!(truncate(&store, b"test", Some(b"s"), CITRUSLEAF_EPOCH_MS + 5000), 1);
        assert_eq!(ns.object_count(&PartitionSet::all()), 1);
        let future = (expiry::now_unix_ms() + 3_600_000) * 1_000_000;
        assert!(info_command(&store, "truncate", &format!("namespace=test;set=s;lut={future}")).contains("future"));
        assert!(info_command(&store, "truncate", "namespace=test;set=s;lut=0").contains("truncate to 0"));
        assert_eq!(info_command(&store, "truncate", "namespace=nope;set=s"), "ok");
        assert_eq!(info_command(&store, "truncate-namespace", "namespace=test"), "ok");
        assert_eq!(ns.object_count(&PartitionSet::all()), 0);
    }
}
