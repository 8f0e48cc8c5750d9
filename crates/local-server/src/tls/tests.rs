use super::*;

use rustls::pki_types::pem::PemObject;

fn pem_certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path).expect("readable").collect::<Result<Vec<_>, _>>().expect("PEM certificates")
}

#[test]
fn the_ca_file_holds_the_authority_that_signed_the_server_and_client_certificates() {
    let tls = ServerTls::generate("db.example", true).expect("generate");
    assert_eq!(tls.name(), "db.example");
    assert!(tls.client_auth());
    let ca = pem_certs(tls.ca_file());
    assert_eq!(ca.len(), 1);
    assert_eq!(&ca[0], tls.ca_der());
    assert!(common_name(ca[0].as_ref()).is_some_and(|cn| cn.starts_with("aerospike-local CA ")));
    let other = ServerTls::generate("db.example", false).expect("generate");
    assert_ne!(common_name(other.ca_der().as_ref()), common_name(ca[0].as_ref()), "each authority its own name");

    let (cert_file, key_file) = tls.issue_client_cert("alice").expect("issue");
    let cert = pem_certs(&cert_file);
    assert_eq!(common_name(cert[0].as_ref()).as_deref(), Some("alice"));
    assert!(PrivateKeyDer::from_pem_file(&key_file).is_ok(), "an unencrypted PKCS#8 key");

    // The client certificate verifies against the authority, as the server's verifier will.
    let mut roots = RootCertStore::empty();
    roots.add(tls.ca_der().clone()).expect("root");
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::new(crypto_provider())).build().expect("verifier");
    let now = rustls::pki_types::UnixTime::now();
    assert!(verifier.verify_client_cert(&cert[0], &[], now).is_ok());

    let (second, _) = tls.issue_client_cert("alice").expect("again");
    assert_ne!(second, cert_file, "each issue is a new file");
    assert!(tls.issue_client_cert("").is_err());
}

#[test]
fn the_files_go_when_the_server_tls_does() {
    let tls = ServerTls::generate(crate::config::DEFAULT_TLS_NAME, false).expect("generate");
    let dir = tls.ca_file().parent().expect("a directory").to_path_buf();
    let (cert, key) = tls.issue_client_cert("bob").expect("issue");
    assert!(dir.is_dir() && cert.is_file() && key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).expect("dir").permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&key).expect("key").permissions().mode() & 0o777, 0o600);
    }
    drop(tls);
    assert!(!dir.exists());
}

#[test]
fn a_tls_name_that_is_no_dns_name_is_refused() {
    assert!(ServerTls::generate("not a name", false).is_err());
}

#[test]
fn common_name_reads_any_certificate_and_never_panics_on_broken_ones() {
    let tls = ServerTls::generate(crate::config::DEFAULT_TLS_NAME, false).expect("generate");
    let der = tls.ca_der().as_ref().to_vec();
    assert!(common_name(&der).is_some());
    for cut in 0..der.len() {
        assert_eq!(common_name(&der[..cut]), None, "truncated at {cut}");
    }
    for i in 0..der.len() {
        let mut bent = der.clone();
        bent[i] ^= 0xFF;
        let _ = common_name(&bent);
    }
    assert_eq!(common_name(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]), None);
    assert_eq!(common_name(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
    assert_eq!(common_name(&[]), None);
}

#[test]
fn directory_strings_of_every_kind() {
    assert_eq!(string_value(0x0C, "żółw".as_bytes()).as_deref(), Some("żółw"));
    assert_eq!(string_value(0x13, b"alice").as_deref(), Some("alice"));
    assert_eq!(string_value(0x14, &[0x61, 0xE9]).as_deref(), Some("aé"));
    assert_eq!(string_value(0x1E, &[0, 0x61, 0x01, 0x7C]).as_deref(), Some("aż"));
    assert_eq!(string_value(0x04, b"octets"), None);
}
