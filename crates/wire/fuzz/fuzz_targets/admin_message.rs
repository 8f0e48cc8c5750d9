//! An admin (security, proto type 2) message body, answered as for a connection logged in as
//! the default admin, and as for one that is not logged in.
#![no_main]
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use local_server::security::admin::{self, Caller};
use local_server::security::Security;

static SEC: OnceLock<Security> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let sec = SEC.get_or_init(|| Security::new(Duration::from_secs(60)));
    let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
    if let Ok(req) = admin::parse(data) {
        // These hash or check passwords with bcrypt: far too slow per input to fuzz here (their
        // parsing is the same `parse`; they are unit-tested in security/admin/tests.rs).
        use admin::command::*;
        if matches!(req.command, AUTHENTICATE | LOGIN | CREATE_USER | SET_PASSWORD | CHANGE_PASSWORD) {
            return;
        }
    }
    let mut none = None;
    let _ = admin::handle(sec, Caller { user: &mut none, peer, cert_user: None }, data);
    let mut admin_user = Some("admin".to_string());
    let _ = admin::handle(sec, Caller { user: &mut admin_user, peer, cert_user: None }, data);
});
