//! `aerospike-local`: runs the local server until Ctrl-C or SIGTERM.
//!
//! aerospike-local [--port 3000] [--nodes 1] [--replication-factor 1] [--host 127.0.0.1] [--namespace test ...] [--cluster-name X]
//!                 [--security [--session-ttl SECONDS]]
//!                 [--tls [--tls-name NAME] [--tls-client-auth] [--tls-client-cert COMMON_NAME ...]]
//!
//! With `--nodes N` the server is a cluster of N nodes on ports P..P+N-1 (free ports with
//! `--port 0`), each master of its share of the partitions; `--replication-factor R` keeps R
//! copies of each partition on distinct nodes (writes reach every copy before they are answered). With `--security` it enforces access
//! control as Aerospike Enterprise does, starting with the user `admin`, password `admin`.
//! With `--tls` every port serves TLS with a CA and a certificate for NAME (default
//! `aerospike-local`) made at start; it prints the CA file to trust. `--tls-client-auth`
//! requires client certificates signed by that CA, and `--tls-client-cert CN` issues one for
//! CN (a PKI user's name) and prints its certificate and key files.

use local_server::{Config, NamespaceConfig, Server, TlsConfig};

fn usage() -> ! {
    eprintln!(
        "usage: aerospike-local [--port 3000] [--nodes 1] [--replication-factor 1] [--host 127.0.0.1] [--namespace NAME ...] [--cluster-name NAME] \
         [--security [--session-ttl SECONDS]] [--tls [--tls-name NAME] [--tls-client-auth] [--tls-client-cert COMMON_NAME ...]]"
    );
    std::process::exit(2);
}

fn parse_args() -> (Config, Vec<String>) {
    let mut config = Config { port: 3000, ..Config::default() };
    let mut namespaces: Vec<NamespaceConfig> = Vec::new();
    let mut replication_factor = None;
    let mut tls = false;
    let mut tls_config = TlsConfig::default();
    let mut client_certs = Vec::new();
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
            "--replication-factor" => replication_factor = Some(value().parse::<u32>().ok().filter(|&r| r > 0).unwrap_or_else(|| usage())),
            "--host" => config.host = value(),
            "--namespace" | "-n" => namespaces.push(NamespaceConfig::new(value())),
            "--cluster-name" => config.cluster_name = Some(value()),
            "--security" if inline.is_none() => config.security = true,
            "--session-ttl" => config.session_ttl = value().parse().ok().filter(|&s| s > 0).unwrap_or_else(|| usage()),
            "--tls" if inline.is_none() => tls = true,
            "--tls-name" => tls_config.name = value(),
            "--tls-client-auth" if inline.is_none() => tls_config.client_auth = true,
            "--tls-client-cert" => client_certs.push(value()),
            "--help" | "-h" => usage(),
            _ => usage(),
        }
    }
    if !namespaces.is_empty() {
        config.namespaces = namespaces;
    }
    if let Some(r) = replication_factor {
        config.namespaces.iter_mut().for_each(|ns| ns.replication_factor = r);
    }
    if tls {
        config.tls = Some(tls_config);
    } else if tls_config != TlsConfig::default() || !client_certs.is_empty() {
        usage();
    }
    (config, client_certs)
}

fn main() {
    let (config, client_certs) = parse_args();
    let mut server = match Server::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("aerospike-local: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let addrs: Vec<String> = server.addrs().iter().map(|a| a.to_string()).collect();
    println!("aerospike-local listening on {}", addrs.join(", "));
    if let Some(tls) = server.tls() {
        println!("TLS: tls-name {}, CA file {}", tls.name(), tls.ca_file().display());
        for cn in &client_certs {
            match tls.issue_client_cert(cn) {
                Ok((cert, key)) => println!("client certificate for {cn}: {} (key {})", cert.display(), key.display()),
                Err(e) => eprintln!("aerospike-local: cannot issue a client certificate for {cn}: {e}"),
            }
        }
    }
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
