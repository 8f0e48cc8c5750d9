//! An info request (proto type 1) body, answered by a node of a local server's cluster.
#![no_main]
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use local_server::node::Node;
use local_server::indexed_store::Store;
use local_server::Config;

static NODE: OnceLock<Node> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let node = NODE.get_or_init(|| {
        let config = Config::default();
        let store = Arc::new(Store::new(&config.namespaces));
        Node::cluster(&config, &[3000], store).remove(0)
    });
    let _ = local_server::info::handle(node, data);
});
