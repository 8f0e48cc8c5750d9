//! TLS over real sockets: the handshake a client makes, what the nodes announce over it, what
//! a plaintext or garbage-speaking client gets (a closed connection, and nothing else), mutual
//! TLS, and a PKI login by the client certificate's common name.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use local_server::codec::proto;
use local_server::result_code as rc;
use local_server::security::admin::{command, encode_request, encode_roles, field as afield, HEADER_SIZE};
use local_server::security::hash_password;
use local_server::{Config, Server, TlsConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn server(nodes: usize, client_auth: bool, security: bool) -> Server {
    let tls = TlsConfig { name: "db.local".to_string(), client_auth };
    Server::start(Config { nodes, security, tls: Some(tls), ..Config::default() }).expect("start")
}

fn client_config(s: &Server, cert: Option<&(PathBuf, PathBuf)>) -> Arc<ClientConfig> {
    let tls = s.tls().expect("a TLS server");
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(tls.ca_file()).expect("ca file") {
        roots.add(c.expect("a certificate")).expect("a root");
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(local_server::tls::crypto_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    Arc::new(match cert {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert).expect("cert").collect::<Result<Vec<_>, _>>().expect("pem");
            builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_file(key).expect("key")).expect("client cert")
        }
    })
}

fn tcp(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    c
}

/// A TLS connection checked against `name`, its handshake completed (or failed).
fn connect(addr: SocketAddr, config: Arc<ClientConfig>, name: &str) -> Result<Tls, std::io::Error> {
    let conn = ClientConnection::new(config, ServerName::try_from(name.to_string()).expect("name")).expect("client");
    let mut tls = StreamOwned::new(conn, tcp(addr));
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(tls)
}

fn read_frame(c: &mut impl Read) -> std::io::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 8];
    c.read_exact(&mut h)?;
    let size = h[2..8].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    let mut body = vec![0u8; size];
    c.read_exact(&mut body)?;
    Ok((h[1], body))
}

fn info(c: &mut (impl Read + Write), cmds: &str) -> std::io::Result<String> {
    c.write_all(&proto::frame(proto::TYPE_INFO, cmds.as_bytes()))?;
    c.flush()?;
    Ok(String::from_utf8(read_frame(c)?.1).expect("utf8"))
}

/// Sends an admin command: its result code and the fields of its answer.
fn admin(c: &mut Tls, cmd: u8, fields: &[(u8, &[u8])]) -> (u8, Vec<(u8, Vec<u8>)>) {
    c.write_all(&proto::frame(proto::TYPE_ADMIN, &encode_request(cmd, fields))).expect("send");
    c.flush().expect("flush");
    let (kind, answer) = read_frame(c).expect("an answer");
    assert_eq!(kind, proto::TYPE_ADMIN);
    let mut out = Vec::new();
    let mut at = HEADER_SIZE;
    for _ in 0..answer[3] {
        let size = u32::from_be_bytes(answer[at..at + 4].try_into().expect("size")) as usize;
        out.push((answer[at + 4], answer[at + 5..at + 4 + size].to_vec()));
        at += 4 + size;
    }
    (answer[1], out)
}

/// Whether the server closed the connection (rather than answer, or leave it hanging).
fn closed(c: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return true,
            // A TLS alert may come first; then the close.
            Ok(_) => continue,
            Err(e) => return e.kind() != std::io::ErrorKind::WouldBlock && e.kind() != std::io::ErrorKind::TimedOut,
        }
    }
}

#[test]
fn a_cluster_announces_its_tls_endpoints_and_no_clear_ones() {
    let s = server(3, false, false);
    let config = client_config(&s, None);
    let addrs = s.addrs().to_vec();
    let mut c = connect(addrs[0], config, "db.local").expect("handshake");
    let answer = info(&mut c, "service-tls-std\nservice-clear-std\npeers-tls-std\npeers-clear-std\n").expect("info");
    let lines: Vec<&str> = answer.lines().collect();
    assert_eq!(lines[0], format!("service-tls-std\t{}", addrs[0]));
    assert_eq!(lines[1], "service-clear-std\t");
    for other in &addrs[1..] {
        assert!(lines[2].contains(&format!(",db.local,[{other}]]")), "{}", lines[2]);
    }
    assert!(lines[3].ends_with(",[]"), "{}", lines[3]);
    let config_answer = info(&mut c, "get-config:context=network\n").expect("config");
    assert!(config_answer.contains(&format!("service.tls-port={}", addrs[0].port())), "{config_answer}");
    assert!(config_answer.contains("service.tls-name=db.local"), "{config_answer}");
}

#[test]
fn plaintext_and_garbage_close_only_their_own_connection() {
    let s = server(1, false, false);
    let config = client_config(&s, None);
    // An Aerospike client speaking plaintext to the TLS port.
    let mut plain = tcp(s.addr());
    plain.write_all(&proto::frame(proto::TYPE_INFO, b"build\n")).expect("send");
    assert!(closed(&mut plain));
    // Bytes that are no protocol at all, and a record header that lies about its size.
    for garbage in [&b"\x00\xff\x13\x37 garbage \x16\x16"[..], &[0x16, 0x03, 0x01, 0xFF, 0xFF, 1, 2, 3], &[0x16; 4096]] {
        let mut c = tcp(s.addr());
        c.write_all(garbage).expect("send");
        let _ = c.shutdown(std::net::Shutdown::Write);
        assert!(closed(&mut c), "{garbage:?}");
    }
    // A client that goes away mid-handshake.
    drop(TcpStream::connect(s.addr()).expect("connect"));
    // The server still serves TLS.
    let mut c = connect(s.addr(), config, "db.local").expect("handshake");
    assert!(info(&mut c, "build\n").expect("info").starts_with("build\t"));
}

#[test]
fn the_certificate_is_for_the_tls_name_only() {
    let s = server(1, false, false);
    let err = connect(s.addr(), client_config(&s, None), "other.local").expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("not valid for name"), "{text}");
    // Nor is it trusted by a client that does not know this server's CA.
    let other = server(1, false, false);
    let err = connect(s.addr(), client_config(&other, None), "db.local").expect_err("refused");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
}

#[test]
fn mutual_tls_needs_a_client_certificate_from_the_servers_ca() {
    let s = server(1, true, false);
    let tls = s.tls().expect("tls");
    // Without one, the server refuses (at the handshake or on the first read, by TLS version).
    let refused = connect(s.addr(), client_config(&s, None), "db.local").and_then(|mut c| info(&mut c, "build\n"));
    let err = refused.expect_err("refused");
    assert!(err.to_string().contains("CertificateRequired"), "{err}");
    // One signed by another server's CA is refused too.
    let other = server(1, true, false);
    let foreign = other.tls().expect("tls").issue_client_cert("alice").expect("issue");
    let refused = connect(s.addr(), client_config(&s, Some(&foreign)), "db.local").and_then(|mut c| info(&mut c, "build\n"));
    assert!(refused.is_err());
    // Its own is accepted.
    let own = tls.issue_client_cert("alice").expect("issue");
    let mut c = connect(s.addr(), client_config(&s, Some(&own)), "db.local").expect("handshake");
    assert!(info(&mut c, "build\n").expect("info").starts_with("build\t"));
}


#[test]
fn a_pki_login_is_the_certificates_common_name() {
    let s = server(1, true, true);
    let tls = s.tls().expect("tls");
    let admin_cert = tls.issue_client_cert("admin").expect("issue");
    let mut a = connect(s.addr(), client_config(&s, Some(&admin_cert)), "db.local").expect("handshake");
    let (code, _) = admin(&mut a, command::LOGIN, &[(afield::USER, b"admin"), (afield::CREDENTIAL, hash_password("admin").as_bytes())]);
    assert_eq!(code, rc::OK);
    // What the clients' create_pki_user sends: a user whose password is "nopassword".
    let pki = hash_password("nopassword");
    let (code, _) = admin(&mut a, command::CREATE_USER, &[(afield::USER, b"alice"), (afield::PASSWORD, pki.as_bytes()), (afield::ROLES, &encode_roles(&["read"]))]);
    assert_eq!(code, rc::OK);

    let alice = client_config(&s, Some(&tls.issue_client_cert("alice").expect("issue")));
    let mut c = connect(s.addr(), alice.clone(), "db.local").expect("handshake");
    assert!(info(&mut c, "build\n").expect("info").contains("not authenticated"), "no login yet");
    let (code, fields) = admin(&mut c, command::LOGIN, &[]);
    assert_eq!(code, rc::OK);
    let token = fields.iter().find(|(id, _)| *id == afield::SESSION_TOKEN).map(|(_, t)| t.clone()).expect("a token");
    assert!(info(&mut c, "build\n").expect("info").starts_with("build\t"));
    // The token alone authenticates another connection, as a PKI client presents it.
    let mut d = connect(s.addr(), alice, "db.local").expect("handshake");
    assert_eq!(admin(&mut d, command::AUTHENTICATE, &[(afield::SESSION_TOKEN, &token)]).0, rc::OK);
    assert_eq!(admin(&mut d, command::AUTHENTICATE, &[(afield::SESSION_TOKEN, b"forged")]).0, rc::INVALID_CREDENTIAL);
    // A PKI user has no password to log in with.
    let (code, _) = admin(&mut d, command::LOGIN, &[(afield::USER, b"alice"), (afield::CREDENTIAL, pki.as_bytes())]);
    assert_eq!(code, rc::INVALID_CREDENTIAL);
    // A certificate for a name that is no user logs in as nobody.
    let mallory = client_config(&s, Some(&tls.issue_client_cert("mallory").expect("issue")));
    let mut m = connect(s.addr(), mallory, "db.local").expect("handshake");
    assert_eq!(admin(&mut m, command::LOGIN, &[]).0, rc::INVALID_USER);
}

#[test]
fn without_a_client_certificate_there_is_no_pki_login() {
    let s = server(1, false, true);
    let mut c = connect(s.addr(), client_config(&s, None), "db.local").expect("handshake");
    assert_eq!(admin(&mut c, command::LOGIN, &[]).0, rc::INVALID_CREDENTIAL);
}

#[test]
fn stop_removes_the_certificate_files() {
    let mut s = server(1, true, false);
    let ca = s.tls().expect("tls").ca_file().to_path_buf();
    assert!(ca.is_file());
    s.stop();
    assert!(s.tls().is_none());
    assert!(!ca.exists());
}
