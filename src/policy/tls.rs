//! `config["tls"]` -> the crate's `TlsPolicy` (a rustls `ClientConfig`), with the keys the
//! official client documents: `enable`, `cafile`, `capath`, `certfile`, `keyfile`,
//! `keyfile_pw`, `protocols`, `cipher_suite`, `cert_blacklist`, `crl_check`, `crl_check_all`,
//! `log_session_info`, `for_login_only`. Every file is read and parsed here, so a missing file
//! or bad PEM is a `ParamError` naming the key and the path before anything connects; what
//! rustls cannot do (encrypted keys, TLS 1.0/1.1, blacklists) is refused naming the key.
//!
//! `explain` turns rustls's handshake failures into what a user can act on.

use std::path::Path;
use std::sync::Arc;

use aerospike::TlsPolicy;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, SupportedCipherSuite, SupportedProtocolVersion};

use super::{bool_value, key_list, policy_key, type_name};
use crate::errors::param_error;

const TLS_KEYS: &[&str] = &[
    "enable",
    "cafile",
    "capath",
    "protocols",
    "cipher_suite",
    "cert_blacklist",
    "keyfile",
    "keyfile_pw",
    "certfile",
    "crl_check",
    "crl_check_all",
    "log_session_info",
    "for_login_only",
];

/// The keys of `config["tls"]`, type-checked.
#[derive(Default)]
struct Settings {
    enable: bool,
    cafile: Option<String>,
    capath: Option<String>,
    protocols: Option<String>,
    cipher_suite: Option<String>,
    cert_blacklist: Option<String>,
    certfile: Option<String>,
    keyfile: Option<String>,
    keyfile_pw: Option<String>,
    crl_check: bool,
    crl_check_all: bool,
    log_session_info: bool,
    for_login_only: bool,
}

fn what(key: &str) -> String {
    format!("config[\"tls\"][\"{key}\"]")
}

fn optional_str(value: &Bound<'_, PyAny>, key: &str) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    value
        .extract::<String>()
        .map(Some)
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err(format!("{} must be a str, not {}", what(key), type_name(value))))
}

/// `config["tls"]`: `None` when TLS is off (no dict, or `enable` false, the official default).
pub(crate) fn tls_policy(value: &Bound<'_, PyAny>) -> PyResult<Option<TlsPolicy>> {
    let Some(dict) = super::optional_dict(Some(value), "config[\"tls\"]")? else { return Ok(None) };
    let s = settings(&dict)?;
    if !s.enable {
        return Ok(None);
    }
    Ok(Some(build(&s)?))
}

fn settings(dict: &Bound<'_, PyDict>) -> PyResult<Settings> {
    let mut s = Settings::default();
    for (key, value) in dict.iter() {
        let key = policy_key(&key, "tls")?;
        let flag = |v: &Bound<'_, PyAny>| if v.is_none() { Ok(false) } else { bool_value(v, &what(&key)) };
        match key.as_str() {
            "enable" => s.enable = flag(&value)?,
            "cafile" => s.cafile = optional_str(&value, &key)?,
            "capath" => s.capath = optional_str(&value, &key)?,
            "protocols" => s.protocols = optional_str(&value, &key)?,
            "cipher_suite" => s.cipher_suite = optional_str(&value, &key)?,
            "cert_blacklist" => s.cert_blacklist = optional_str(&value, &key)?,
            "certfile" => s.certfile = optional_str(&value, &key)?,
            "keyfile" => s.keyfile = optional_str(&value, &key)?,
            "keyfile_pw" => s.keyfile_pw = optional_str(&value, &key)?,
            "crl_check" => s.crl_check = flag(&value)?,
            "crl_check_all" => s.crl_check_all = flag(&value)?,
            "log_session_info" => s.log_session_info = flag(&value)?,
            "for_login_only" => s.for_login_only = flag(&value)?,
            _ => return Err(param_error(format!("unknown config[\"tls\"] key {key:?}; it takes: {}", key_list(&[TLS_KEYS])))),
        }
    }
    Ok(s)
}

fn build(s: &Settings) -> PyResult<TlsPolicy> {
    if s.cert_blacklist.is_some() {
        return Err(param_error(format!(
            "{}: certificate blacklists are not supported by this client's TLS (rustls); revoke the certificates with a CRL (crl_check) instead",
            what("cert_blacklist")
        )));
    }
    if s.keyfile_pw.is_some() {
        return Err(param_error(format!(
            "{}: encrypted private keys are not supported by this client's TLS (rustls); decrypt the key first (openssl pkey -in KEY -out PLAIN.pem) and give that as keyfile",
            what("keyfile_pw")
        )));
    }
    if s.log_session_info {
        return Err(param_error(format!("{}: this client does not log TLS sessions; leave it False", what("log_session_info"))));
    }
    let provider = Arc::new(with_cipher_suites(crypto_provider(), s.cipher_suite.as_deref())?);
    let versions = protocols(s.protocols.as_deref())?;
    let (roots, crls) = trust(s)?;
    let builder = ClientConfig::builder_with_provider(provider.clone()).with_protocol_versions(&versions).map_err(|e| {
        param_error(format!("{} and {} leave nothing to connect with: {e}", what("protocols"), what("cipher_suite")))
    })?;
    let builder = if s.crl_check || s.crl_check_all {
        if crls.is_empty() {
            let key = if s.crl_check_all { "crl_check_all" } else { "crl_check" };
            return Err(param_error(format!(
                "{}: no CRL (PEM \"BEGIN X509 CRL\") found in cafile or capath; add the CA's revocation list there",
                what(key)
            )));
        }
        let mut verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).with_crls(crls);
        if !s.crl_check_all {
            verifier = verifier.only_check_end_entity_revocation();
        }
        let verifier = verifier.build().map_err(|e| param_error(format!("{}: {e}", what("crl_check"))))?;
        builder.with_webpki_verifier(verifier)
    } else {
        builder.with_root_certificates(roots)
    };
    let config = match (&s.certfile, &s.keyfile) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let chain = certificates(cert, "certfile")?;
            let key_der = private_key(key)?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| param_error(format!("{} {cert:?} and {} {key:?} do not make a client certificate: {e}", what("certfile"), what("keyfile"))))?
        }
        (Some(_), None) => return Err(param_error(format!("{} needs {} (the certificate's private key)", what("certfile"), what("keyfile")))),
        (None, Some(_)) => return Err(param_error(format!("{} needs {} (the certificate chain)", what("keyfile"), what("certfile")))),
    };
    Ok(TlsPolicy::new(config).with_login_only(s.for_login_only))
}

/// rustls's `ring` provider, as the `aerospike` crate's TLS and the local server use: it
/// builds with a C compiler alone. (rustls 0.23.48 deprecates it for lacking post-quantum key
/// exchange, which Aerospike servers do not offer either.)
#[allow(deprecated)]
fn crypto_provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The CA certificates to trust (cafile, capath, else the system's) and any CRLs among them.
fn trust(s: &Settings) -> PyResult<(RootCertStore, Vec<CertificateRevocationListDer<'static>>)> {
    let mut roots = RootCertStore::empty();
    let mut crls = Vec::new();
    if let Some(path) = &s.cafile {
        let bytes = read(path, "cafile")?;
        for cert in pem_certificates(&bytes, path, "cafile")? {
            roots.add(cert).map_err(|e| param_error(format!("{} {path:?}: a certificate is not a usable CA: {e}", what("cafile"))))?;
        }
        crls.extend(pem_crls(&bytes));
    }
    if let Some(dir) = &s.capath {
        let entries = std::fs::read_dir(dir).map_err(|e| param_error(format!("{} {dir:?}: cannot read the directory: {e}", what("capath"))))?;
        let mut found = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // As OpenSSL's lookup does, files that hold no certificate are passed over.
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes).filter_map(Result::ok).collect();
            found += roots.add_parsable_certificates(certs).0;
            crls.extend(pem_crls(&bytes));
        }
        if found == 0 {
            return Err(param_error(format!("{} {dir:?} holds no PEM CA certificate", what("capath"))));
        }
    }
    if s.cafile.is_none() && s.capath.is_none() {
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            return Err(param_error(
                "config[\"tls\"] has no cafile or capath and no system CA certificates were found: give the CA that signed the server's certificate as cafile",
            ));
        }
    }
    Ok((roots, crls))
}

fn read(path: &str, key: &str) -> PyResult<Vec<u8>> {
    std::fs::read(Path::new(path)).map_err(|e| param_error(format!("{} {path:?}: cannot read it: {e}", what(key))))
}

fn pem_certificates(bytes: &[u8], path: &str, key: &str) -> PyResult<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| param_error(format!("{} {path:?} is not valid PEM: {e}", what(key))))?;
    if certs.is_empty() {
        return Err(param_error(format!("{} {path:?} holds no PEM certificate (\"BEGIN CERTIFICATE\")", what(key))));
    }
    Ok(certs)
}

fn pem_crls(bytes: &[u8]) -> Vec<CertificateRevocationListDer<'static>> {
    CertificateRevocationListDer::pem_slice_iter(bytes).filter_map(Result::ok).collect()
}

fn certificates(path: &str, key: &str) -> PyResult<Vec<CertificateDer<'static>>> {
    pem_certificates(&read(path, key)?, path, key)
}

fn private_key(path: &str) -> PyResult<PrivateKeyDer<'static>> {
    let bytes = read(path, "keyfile")?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(param_error(format!(
            "{} {path:?} is encrypted, and this client's TLS (rustls) cannot decrypt keys: decrypt it first (openssl pkey -in KEY -out PLAIN.pem)",
            what("keyfile")
        )));
    }
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| param_error(format!("{} {path:?} holds no PEM private key: {e}", what("keyfile"))))
}

/// `protocols`, in Apache's SSLProtocol form ("TLSv1.2 TLSv1.3", "-all +TLSv1.3", "all"):
/// rustls speaks TLSv1.2 and TLSv1.3 only. The official client's default is "-all +TLSv1.2".
fn protocols(spec: Option<&str>) -> PyResult<Vec<&'static SupportedProtocolVersion>> {
    let spec = spec.unwrap_or("-all +TLSv1.2");
    let (mut v12, mut v13) = (false, false);
    for token in spec.split_whitespace() {
        let (on, name) = match token.as_bytes().first() {
            Some(b'+') => (true, &token[1..]),
            Some(b'-') => (false, &token[1..]),
            _ => (true, token),
        };
        match name.to_ascii_lowercase().as_str() {
            "all" => (v12, v13) = (on, on),
            "tlsv1.2" => v12 = on,
            "tlsv1.3" => v13 = on,
            "sslv2" | "sslv3" | "tlsv1" | "tlsv1.1" if !on => {}
            "sslv2" | "sslv3" | "tlsv1" | "tlsv1.1" => {
                return Err(param_error(format!("{}: {name} is not supported (rustls speaks TLSv1.2 and TLSv1.3 only)", what("protocols"))));
            }
            _ => {
                return Err(param_error(format!(
                    "{}: unknown protocol {token:?} in {spec:?}; use Apache SSLProtocol form, e.g. \"TLSv1.2 TLSv1.3\" or \"-all +TLSv1.3\"",
                    what("protocols")
                )));
            }
        }
    }
    let versions: Vec<&'static SupportedProtocolVersion> =
        [(v12, &rustls::version::TLS12), (v13, &rustls::version::TLS13)].into_iter().filter(|(on, _)| *on).map(|(_, v)| v).collect();
    if versions.is_empty() {
        return Err(param_error(format!("{} {spec:?} enables no protocol; use TLSv1.2 and/or TLSv1.3", what("protocols"))));
    }
    Ok(versions)
}

/// A cipher suite rustls offers, by the names users write: IANA, OpenSSL, and the classes of
/// OpenSSL's cipher-list format it belongs to.
struct Suite {
    suite: SupportedCipherSuite,
    names: &'static [&'static str],
    tls13: bool,
}

fn suites(provider: &CryptoProvider) -> Vec<Suite> {
    use rustls::CipherSuite as C;
    provider
        .cipher_suites
        .iter()
        .filter_map(|&suite| {
            let (names, tls13): (&'static [&'static str], bool) = match suite.suite() {
                C::TLS13_AES_256_GCM_SHA384 => (&["TLS_AES_256_GCM_SHA384", "TLS13_AES_256_GCM_SHA384"], true),
                C::TLS13_AES_128_GCM_SHA256 => (&["TLS_AES_128_GCM_SHA256", "TLS13_AES_128_GCM_SHA256"], true),
                C::TLS13_CHACHA20_POLY1305_SHA256 => (&["TLS_CHACHA20_POLY1305_SHA256", "TLS13_CHACHA20_POLY1305_SHA256"], true),
                C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => (
                    &["ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE", "EECDH", "kECDHE", "ECDSA", "aECDSA", "AES256", "AESGCM", "AES", "SHA384"],
                    false,
                ),
                C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => (
                    &["ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE", "EECDH", "kECDHE", "ECDSA", "aECDSA", "AES128", "AESGCM", "AES", "SHA256"],
                    false,
                ),
                C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => (
                    &["ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE", "EECDH", "kECDHE", "ECDSA", "aECDSA", "CHACHA20", "SHA256"],
                    false,
                ),
                C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (
                    &["ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE", "EECDH", "kECDHE", "RSA", "aRSA", "AES256", "AESGCM", "AES", "SHA384"],
                    false,
                ),
                C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (
                    &["ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE", "EECDH", "kECDHE", "RSA", "aRSA", "AES128", "AESGCM", "AES", "SHA256"],
                    false,
                ),
                C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => (
                    &["ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE", "EECDH", "kECDHE", "RSA", "aRSA", "CHACHA20", "SHA256"],
                    false,
                ),
                _ => return None,
            };
            Some(Suite { suite, names, tls13 })
        })
        .collect()
}

/// Whether one cipher-list atom ("ECDHE+AESGCM", "HIGH", a suite's name) selects `s`. A
/// TLS 1.3 suite is selected only by its name: OpenSSL's cipher list leaves TLS 1.3 alone.
fn selects(s: &Suite, atom: &str) -> bool {
    if s.tls13 {
        return s.names.iter().any(|n| n.eq_ignore_ascii_case(atom));
    }
    atom.split('+').all(|part| {
        matches!(part, "ALL" | "DEFAULT" | "HIGH" | "FIPS" | "TLSv1.2") || s.names.iter().any(|n| n.eq_ignore_ascii_case(part))
    })
}

/// `cipher_suite`, in OpenSSL's cipher-list form ("ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL").
/// As in OpenSSL, the list chooses the TLS 1.2 suites, and the TLS 1.3 ones only when it names
/// some. Exclusions of what rustls never offers (aNULL, MD5, RC4, 3DES...) change nothing.
fn with_cipher_suites(mut provider: CryptoProvider, spec: Option<&str>) -> PyResult<CryptoProvider> {
    let Some(spec) = spec else { return Ok(provider) };
    let known = suites(&provider);
    let mut chosen: Vec<bool> = vec![false; known.len()];
    let mut excluded: Vec<bool> = vec![false; known.len()];
    for token in spec.split([':', ',', ' ']).filter(|t| !t.is_empty()) {
        if token.starts_with('@') {
            continue; // @STRENGTH, @SECLEVEL=n: orderings and levels, nothing to choose
        }
        let (exclude, atom) = match token.as_bytes().first() {
            Some(b'!' | b'-') => (true, &token[1..]),
            Some(b'+') => (false, &token[1..]),
            _ => (false, token),
        };
        for (i, s) in known.iter().enumerate() {
            if selects(s, atom) {
                if exclude {
                    excluded[i] = true;
                } else {
                    chosen[i] = true;
                }
            }
        }
    }
    let names_tls13 = known.iter().zip(&chosen).any(|(s, &c)| c && s.tls13);
    let keep: Vec<SupportedCipherSuite> = known
        .iter()
        .enumerate()
        .filter(|&(i, s)| !excluded[i] && if s.tls13 { !names_tls13 || chosen[i] } else { chosen[i] })
        .map(|(_, s)| s.suite)
        .collect();
    if !keep.iter().any(|s| matches!(s, SupportedCipherSuite::Tls12(_))) && !names_tls13 {
        let offered: Vec<&str> = known.iter().map(|s| s.names[0]).collect();
        return Err(param_error(format!(
            "{} {spec:?} selects no cipher suite this client (rustls) offers; it offers: {}",
            what("cipher_suite"),
            offered.join(", ")
        )));
    }
    provider.cipher_suites = keep;
    Ok(provider)
}

/// What a TLS failure in a connect error means, for the message the user sees: which check
/// failed and what to change. `None` when the message is no TLS failure.
pub(crate) fn explain(message: &str) -> Option<&'static str> {
    let hint = if message.contains("UnknownIssuer") || message.contains("BadSignature") {
        "TLS: the server's certificate is not trusted: no CA in config[\"tls\"][\"cafile\"]/[\"capath\"] (or the system's) signed it"
    } else if message.contains("not valid for name") || message.contains("NotValidForName") {
        "TLS: the server's certificate is not for the tls_name checked (a host's third element, else cluster_name, else its address)"
    } else if message.contains("certificate expired") || message.contains("Expired") {
        "TLS: the server's certificate has expired"
    } else if message.contains("NotValidYet") || message.contains("not valid yet") {
        "TLS: the server's certificate is not valid yet (check this machine's clock)"
    } else if message.contains("Revoked") {
        "TLS: the server's certificate is revoked by a CRL in cafile/capath"
    } else if message.contains("UnknownRevocationStatus") {
        "TLS: no CRL in cafile/capath covers the server's certificate (crl_check/crl_check_all)"
    } else if message.contains("CertificateRequired") {
        "TLS: the server requires a client certificate: set config[\"tls\"][\"certfile\"] and [\"keyfile\"]"
    } else if message.contains("alert: UnknownCA") || message.contains("alert: BadCertificate") || message.contains("alert: DecryptError") {
        "TLS: the server refused this client's certificate (certfile): it does not trust the CA that signed it"
    } else if message.contains("tls handshake eof") || message.contains("InvalidContentType") || message.contains("corrupt message") {
        "TLS: the handshake failed: does this port serve TLS? (a plaintext port answers TLS with garbage or a close)"
    } else if message.contains("Failed to connect") && message.contains("failed to fill whole buffer") {
        "the server closed the connection before answering: if its port serves TLS, set config[\"tls\"]"
    } else {
        return None;
    };
    Some(hint)
}

