//! What the tests against the local server share: a server of `nodes` nodes, and a client that
//! tends it often (so a killed node leaves the crate's view quickly).

#![allow(dead_code)]

use std::sync::Arc;

use aerospike::{Client, ClientPolicy};
use local_server::{Config, Server};

pub fn server(nodes: usize, replication_factor: u32) -> Server {
    let mut config = Config { nodes, ..Config::default() };
    for ns in &mut config.namespaces {
        ns.replication_factor = replication_factor;
    }
    Server::start(config).expect("server")
}

pub async fn connect(s: &Server) -> Arc<Client> {
    let hosts = s.addrs().iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let policy = ClientPolicy { tend_interval: 250, ..ClientPolicy::default() };
    Arc::new(Client::new(&policy, &hosts).await.expect("connect"))
}
