//! Truncate: drops a set's (or a whole namespace's) records last updated strictly before a
//! cut-off, at once and through `Partition::remove`, so reads, queries and indexes never see
//! them again. The `truncate`/`truncate-namespace` info commands and their error texts.

use crate::expiry;
use crate::info_text::params_map;
use crate::storage::N_PARTITIONS;
use crate::indexed_store::Store;

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

/// `truncate:namespace=..;set=..[;lut=<nanos>]` and `truncate-namespace:namespace=..[;lut=..]`,
/// with thr_info.c's argument checks (cmd_truncate, cmd_truncate_namespace) and truncate.c's
/// cut-off rules (as_truncate_cmd). An unknown namespace or set still answers ok.
pub fn info_command(stores: &[std::sync::Arc<Store>], name: &str, params: &str) -> String {
    match parse_command(name, params) {
        Ok((ns, set, cutoff)) => {
            // Every node's copy, with one cut-off, as the cluster's metadata distribution does.
            for store in stores {
                truncate(store, ns.as_bytes(), set.map(str::as_bytes), cutoff);
            }
            "ok".to_string()
        }
        Err(e) => e,
    }
}

/// Namespace buffer (`AS_ID_NAMESPACE_SZ`), set buffer (`AS_SET_NAME_MAX_SIZE`), lut buffer.
const NS_BUF: usize = 32;
const SET_BUF: usize = 64;
const LUT_BUF: usize = 24;

fn parse_command<'a>(name: &str, params: &'a str) -> Result<(&'a str, Option<&'a str>, u64), String> {
    use crate::info_text::{error, optional_param, required_param};
    let p = params_map(params);
    let ns = required_param(&p, &["namespace"], NS_BUF)?;
    let set = if name == "truncate" {
        Some(required_param(&p, &["set"], SET_BUF)?)
    } else {
        if p.iter().any(|(k, _)| *k == "set") {
            return Err(error(4, "unexpected set name"));
        }
        None
    };
    let now = expiry::now_unix_ms();
    let cutoff = match optional_param(&p, &["lut"], LUT_BUF)? {
        None => now,
        Some(v) => {
            // strtoul(lut, NULL, 0): garbage reads as 0, "-1" as a huge number.
            let ms = c_strtoul(v) / 1_000_000;
            if ms <= CITRUSLEAF_EPOCH_MS {
                return Err(error(4, "would truncate to 0"));
            }
            if ms > now {
                return Err(error(4, "would truncate in the future"));
            }
            ms
        }
    };
    Ok((ns, set, cutoff))
}

/// C's `strtoul(s, NULL, 0)` on a 64-bit long: leading blanks, a sign, a 0x (hex) or 0 (octal)
/// prefix, digits up to the first that doesn't belong; no digits is 0, overflow is the maximum,
/// and a minus sign negates modulo 2^64.
fn c_strtoul(s: &str) -> u64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let b = s.as_bytes();
    let (radix, digits) = if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && (b[2] as char).is_ascii_hexdigit() {
        (16, &s[2..])
    } else if b.first() == Some(&b'0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut v: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        v = match v.checked_mul(u64::from(radix)).and_then(|x| x.checked_add(u64::from(d))) {
            Some(x) => x,
            None => return u64::MAX,
        };
    }
    if neg { v.wrapping_neg() } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::PartitionSet;
    use crate::codec::particle::Value;
    use crate::config::NamespaceConfig;
    use crate::storage::{digest, Record};

    #[test]
    fn cutoffs_and_errors() {
        let stores = [std::sync::Arc::new(Store::new(&[NamespaceConfig::new("test")]))];
        let store = &*stores[0];
        let ns = store.namespace(b"test").expect("ns");
        for (i, lut) in [(1, 1000u64), (2, 5000)] {
            let d = digest::of_int(b"s", i);
            let mut r = Record::new(b"s".to_vec());
            r.set_bin(b"a", Value::Int(i));
            r.last_update_ms = CITRUSLEAF_EPOCH_MS + lut;
            ns.partition(&d).put(d, r);
        }
        assert_eq!(truncate(store, b"test", Some(b"other"), u64::MAX), 0);
        assert_eq!(truncate(store, b"test", Some(b"s"), CITRUSLEAF_EPOCH_MS + 5000), 1);
        assert_eq!(ns.object_count(&PartitionSet::all()), 1);
        let future = (expiry::now_unix_ms() + 3_600_000) * 1_000_000;
        assert!(info_command(&stores, "truncate", &format!("namespace=test;set=s;lut={future}")).contains("future"));
        assert!(info_command(&stores, "truncate", "namespace=test;set=s;lut=0").contains("truncate to 0"));
        assert_eq!(info_command(&stores, "truncate", "namespace=nope;set=s"), "ok");
        assert_eq!(info_command(&stores, "truncate-namespace", "namespace=test"), "ok");
        assert_eq!(ns.object_count(&PartitionSet::all()), 0);
    }

    // cmd_truncate / cmd_truncate_namespace argument checks (as_info_required_param_is_ok,
    // as_info_optional_param_is_ok) and strtoul's reading of lut.
    #[test]
    fn argument_errors_word_for_word() {
        let stores = [std::sync::Arc::new(Store::new(&[NamespaceConfig::new("test")]))];
        let t = |name: &str, p: &str| info_command(&stores, name, p);
        assert_eq!(t("truncate", "set=s"), "ERROR:20:missing 'namespace'");
        assert_eq!(t("truncate", "ns=test;set=s"), "ERROR:20:missing 'namespace'");
        assert_eq!(t("truncate", "namespace=;set=s"), "ERROR:20:missing 'namespace' value");
        assert_eq!(t("truncate", &format!("namespace={};set=s", "n".repeat(32))), "ERROR:20:'namespace' value too long");
        assert_eq!(t("truncate", "namespace=test"), "ERROR:4:missing 'set'");
        assert_eq!(t("truncate", "namespace=test;set="), "ERROR:4:missing 'set' value");
        assert_eq!(t("truncate", &format!("namespace=test;set={}", "s".repeat(64))), "ERROR:4:'set' value too long");
        assert_eq!(t("truncate", "namespace=test;set=s;lut="), "ERROR:4:missing 'lut' value");
        assert_eq!(t("truncate", "namespace=test;set=s;lut=abc"), "ERROR:4:would truncate to 0");
        assert_eq!(t("truncate", "namespace=test;set=s;lut=-1"), "ERROR:4:would truncate in the future");
        assert_eq!(t("truncate", &format!("namespace=test;set=s;lut={}", "1".repeat(24))), "ERROR:4:'lut' value too long");
        assert_eq!(t("truncate-namespace", "namespace=test;set=s"), "ERROR:4:unexpected set name");
        assert_eq!(t("truncate-namespace", "namespace=test;set="), "ERROR:4:unexpected set name");
        assert_eq!(t("truncate-namespace", "namespace=test"), "ok");
    }

    #[test]
    fn strtoul_like_c() {
        assert_eq!(c_strtoul("123abc"), 123);
        assert_eq!(c_strtoul("  0x1F"), 31);
        assert_eq!(c_strtoul("017"), 15);
        assert_eq!(c_strtoul("0x"), 0);
        assert_eq!(c_strtoul("-1"), u64::MAX);
        assert_eq!(c_strtoul("99999999999999999999999"), u64::MAX);
        assert_eq!(c_strtoul(""), 0);
    }
}
