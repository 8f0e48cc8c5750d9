//! TLS, as Aerospike Enterprise serves it on its `tls-port`: a certificate authority made when
//! the server starts, a server certificate it signs for the configured `tls-name`, and
//! optionally mutual authentication (`tls-authenticate-client any`), where a client must
//! present a certificate the same authority signed. A PKI login then names the user by the
//! certificate's common name (`net` takes it from the handshake, `security::admin` logs in).
//!
//! The authority's certificate is written, as PEM, to a private temporary directory that lives
//! as long as the `ServerTls` does, so a client can trust it (`cafile`). Client certificates
//! for tests are issued into the same directory (`issue_client_cert`).
//!
//! rustls (with its `ring` provider, as the client side uses) does the protocol; rcgen makes
//! the certificates. Nothing a client sends can do more than fail its own handshake.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use tokio_rustls::TlsAcceptor;

/// The certificates and the rustls configuration of a TLS server.
pub struct ServerTls {
    name: String,
    client_auth: bool,
    ca: CertifiedIssuer<'static, KeyPair>,
    ca_file: PathBuf,
    acceptor: TlsAcceptor,
    issued: AtomicU64,
    // Last: removed when everything above is gone.
    dir: TempDir,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("name", &self.name).field("client_auth", &self.client_auth).field("ca_file", &self.ca_file).finish()
    }
}

impl ServerTls {
    /// A fresh authority and a server certificate for `name` (its subject alternative name and
    /// common name); with `client_auth`, handshakes without a client certificate the authority
    /// signed are refused.
    pub fn generate(name: &str, client_auth: bool) -> io::Result<ServerTls> {
        // What a client can check a certificate against: a DNS name or an IP address.
        if rustls::pki_types::ServerName::try_from(name).is_err() {
            return Err(invalid(format!("tls name {name:?} is neither a DNS name nor an IP address")));
        }
        let dir = TempDir::new("aerospike-local-tls")?;
        let mut ca_params = CertificateParams::default();
        // Each server's authority has a name of its own: a client holding another server's CA
        // then learns that the issuer is unknown, not that a signature is bad.
        ca_params.distinguished_name = dn(&format!("aerospike-local CA {:016x}", unique()));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(cert_error)?).map_err(cert_error)?;
        let ca_file = dir.path().join("ca.pem");
        write_private(&ca_file, ca.pem().as_bytes())?;

        let mut params = CertificateParams::new(vec![name.to_string()]).map_err(|e| invalid(format!("tls name {name:?}: {e}")))?;
        params.distinguished_name = dn(name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = params.signed_by(&key, &ca).map_err(cert_error)?;

        let provider = Arc::new(crypto_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(tls_error)?;
        let builder = if client_auth {
            let mut roots = RootCertStore::empty();
            roots.add(ca.der().clone()).map_err(tls_error)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().map_err(|e| io::Error::other(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = builder.with_single_cert(vec![cert.der().clone()], key_der).map_err(tls_error)?;
        Ok(ServerTls {
            name: name.to_string(),
            client_auth,
            ca,
            ca_file,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            issued: AtomicU64::new(0),
            dir,
        })
    }

    /// The name the server certificate is for: what a client checks (`tls_name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether clients must present a certificate.
    pub fn client_auth(&self) -> bool {
        self.client_auth
    }

    /// The authority's certificate, PEM: what a client trusts (`cafile`).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The authority's certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        self.ca.der()
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// A client certificate for `common_name`, signed by this server's authority: the paths
    /// of its PEM certificate and of its (unencrypted PKCS#8) private key.
    pub fn issue_client_cert(&self, common_name: &str) -> io::Result<(PathBuf, PathBuf)> {
        if common_name.is_empty() || common_name.len() > 64 {
            return Err(invalid(format!("a common name is 1 to 64 bytes, not {}", common_name.len())));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = params.signed_by(&key, &self.ca).map_err(cert_error)?;
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let cert_file = self.dir.path().join(format!("client-{n}.pem"));
        let key_file = self.dir.path().join(format!("client-{n}.key"));
        write_private(&cert_file, cert.pem().as_bytes())?;
        write_private(&key_file, key.serialize_pem().as_bytes())?;
        Ok((cert_file, key_file))
    }
}

/// rustls's `ring` provider: it builds with a C compiler alone, where the post-quantum
/// `aws-lc-rs` provider also needs cmake; the `aerospike` crate's TLS uses `ring` as well.
/// (rustls 0.23.48 deprecates it for lacking post-quantum key exchange; TLS 1.3 with X25519 and
/// the usual suites is what Aerospike servers and clients offer today.)
#[allow(deprecated)]
pub fn crypto_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The common name of the first certificate a client presented, if it presented one.
pub fn peer_common_name(certs: Option<&[CertificateDer<'_>]>) -> Option<String> {
    common_name(certs?.first()?.as_ref())
}

/// 64 bits no other server of this process or another will pick: std's randomly keyed hasher
/// (seeded from the OS) over the clock and a counter.
fn unique() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

fn dn(common_name: &str) -> rcgen::DistinguishedName {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

fn cert_error(e: rcgen::Error) -> io::Error {
    io::Error::other(format!("cannot make a certificate: {e}"))
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::other(format!("TLS configuration: {e}"))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Writes a file only its owner can read (keys among them).
fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(data)
}

/// A directory of our own under the system's temporary directory, removed with its contents
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos:x}-{n}", std::process::id()));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(TempDir(path)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("cannot create a temporary directory for the TLS certificates"))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The subject common name (OID 2.5.4.3) of a DER X.509 certificate: the first one, as
/// OpenSSL's lookup finds it. `None` when the certificate has none or cannot be read.
pub fn common_name(cert: &[u8]) -> Option<String> {
    let (_, certificate, _) = der(cert, 0x30)?;
    let (_, mut tbs, _) = der(certificate, 0x30)?;
    // [0] EXPLICIT version, when present.
    if tbs.first() == Some(&0xA0) {
        tbs = der(tbs, 0xA0)?.2;
    }
    // serialNumber, signature, issuer, validity: skipped; then subject.
    for tag in [0x02, 0x30, 0x30, 0x30] {
        tbs = der(tbs, tag)?.2;
    }
    let (_, mut rdns, _) = der(tbs, 0x30)?;
    while !rdns.is_empty() {
        let (_, mut set, rest) = der(rdns, 0x31)?;
        rdns = rest;
        while !set.is_empty() {
            let (_, attribute, rest) = der(set, 0x30)?;
            set = rest;
            let (_, oid, value) = der(attribute, 0x06)?;
            if oid == [0x55, 0x04, 0x03] {
                let (tag, text, _) = der_any(value)?;
                return string_value(tag, text);
            }
        }
    }
    None
}

/// One DER element of tag `tag`: (tag, contents, what follows).
fn der(input: &[u8], tag: u8) -> Option<(u8, &[u8], &[u8])> {
    let element = der_any(input)?;
    (element.0 == tag).then_some(element)
}

fn der_any(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (contents, after) = rest.split_at_checked(len)?;
    Some((tag, contents, after))
}

/// A directory string: UTF8String, PrintableString, IA5String, TeletexString (taken as
/// Latin-1) or BMPString (UTF-16BE).
fn string_value(tag: u8, bytes: &[u8]) -> Option<String> {
    match tag {
        0x0C | 0x13 | 0x16 => String::from_utf8(bytes.to_vec()).ok(),
        0x14 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        0x1E => {
            let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
