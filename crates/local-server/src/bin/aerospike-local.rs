//! `aerospike-local`: runs the local server until Ctrl-C or SIGTERM.
//!
//! aerospike-local [--port 3000] [--nodes 1] [--host 127.0.0.1] [--namespace test ...] [--cluster-name X]
//!                 [--security [--session-ttl SECONDS]]
//!
//! With `--nodes N` the server is a cluster of N nodes on ports P..P+N-1 (free ports with
//! `--port 0`), each owning its share of the partitions. With `--security` it enforces access
//! control as Aerospike Enterprise does, starting with the user `admin`, password `admin`.

use local_server::{Config, NamespaceConfig, Server};

fn usage() -> ! {
    eprintln!(
        "usage: aerospike-local [--port 3000] [--nodes 1] [--host 127.0.0.1] [--namespace NAME ...] [--cluster-name NAME] \
         [--security [--session-ttl SECONDS]]"
    );
    std::process::exit(2);
}

fn parse_args() -> Config {
    let mut config = Config { port: 3000, ..Config::default() };
    let mut namespaces: Vec<NamespaceConfig> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).unwrap_or_else(|| usage());
        match flag.as_str() {
            "--port" | "-p" => config.port = value().parse().unwrap_or_else(|_| usage()),
            "--nodes" => config.nodes = value().parse().ok().filter(|&n| n > 0).unwrap_or_else(|| usage()),
            "--host" => config.host = value(),
            "--namespace" | "-n" => namespaces.push(NamespaceConfig::new(value())),
            "--cluster-name" => config.cluster_name = Some(value()),
            "--security" if inline.is_none() => config.security = true,
            "--session-ttl" => config.session_ttl = value().parse().ok().filter(|&s| s > 0).unwrap_or_else(|| usage()),
            "--help" | "-h" => usage(),
            _ => usage(),
        }
    }
    if !namespaces.is_empty() {
        config.namespaces = namespaces;
    }
    config
}

fn main() {
    let config = parse_args();
    let mut server = match Server::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("aerospike-local: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let addrs: Vec<String> = server.addrs().iter().map(|a| a.to_string()).collect();
    println!("aerospike-local listening on {}", addrs.join(", "));
    // Wait for Ctrl-C or SIGTERM on a small runtime of our own, separate from the server's.
    let waiter = tokio::runtime::Builder::new_current_thread().enable_io().build();
    match waiter {
        Ok(rt) => rt.block_on(wait_for_signal()),
        Err(e) => eprintln!("aerospike-local: no signal handling ({e}); running until killed"),
    }
    server.stop();
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
