//! The serving certificate: loading it from PEM files, handing it to rustls, and reloading
//! it when the files change.
//!
//! The certificate is served through a resolver that holds the current pair behind a lock,
//! so that a newer pair can replace it while connections are being accepted. [`watch`]
//! polls the files and compares their bytes rather than watching them: Kubernetes updates a
//! mounted Secret by swapping a `..data` symlink, which per-file notifications miss.
//!
//! # Limitations
//! The client CA of `--client-ca` is read once at startup; rotating it needs a restart.

use std::{
    fmt, fs, io,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::Duration,
};

use rustls::{
    RootCertStore, ServerConfig,
    crypto::CryptoProvider,
    server::{ClientHello, ResolvesServerCert, VerifierBuilderError, WebPkiClientVerifier},
    sign::CertifiedKey,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::time::MissedTickBehavior;

use crate::metrics::Metrics;

/// Where the serving certificate and its key are read from.
#[derive(Debug, Clone)]
pub struct CredentialPaths {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key.
    pub key: PathBuf,
}

/// The two PEM files as read, to tell whether they changed since the pair was loaded.
#[derive(Clone, PartialEq, Eq)]
struct PemFiles {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl PemFiles {
    fn read(paths: &CredentialPaths) -> Result<Self, CredentialsError> {
        Ok(Self {
            cert: read(&paths.cert)?,
            key: read(&paths.key)?,
        })
    }
}

/// A loaded certificate chain with its signing key. `Debug` never prints the key.
#[derive(Clone)]
pub struct Credentials {
    certified: Arc<CertifiedKey>,
    /// The bytes the pair was loaded from.
    pem: PemFiles,
    /// The leaf's notAfter, in Unix seconds.
    not_after: i64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("certificates", &self.certified.cert.len())
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Reads and checks the pair: at least one certificate, one private key, and a key that
    /// belongs to the leaf certificate.
    ///
    /// # Errors
    /// When a file cannot be read, holds no PEM item of the right kind, or the key does not
    /// fit the certificate.
    pub fn load(paths: &CredentialPaths) -> Result<Self, CredentialsError> {
        Self::from_pem(PemFiles::read(paths)?, paths)
    }

    fn from_pem(pem: PemFiles, paths: &CredentialPaths) -> Result<Self, CredentialsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem.cert)
            .collect::<Result<_, _>>()
            .map_err(|_| CredentialsError::NoCertificate(paths.cert.clone()))?;
        if chain.is_empty() {
            return Err(CredentialsError::NoCertificate(paths.cert.clone()));
        }
        let not_after = not_after(&chain[0])
            .ok_or_else(|| CredentialsError::NoCertificate(paths.cert.clone()))?;
        let key = PrivateKeyDer::from_pem_slice(&pem.key)
            .map_err(|_| CredentialsError::NoKey(paths.key.clone()))?;

        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let certified =
            CertifiedKey::from_der(chain, key, &provider).map_err(CredentialsError::KeyMismatch)?;

        Ok(Self {
            certified: Arc::new(certified),
            pem,
            not_after,
        })
    }

    /// When the leaf certificate expires (its notAfter), in Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }
}

/// The notAfter of a DER certificate in Unix seconds, or `None` when it does not parse.
fn not_after(leaf: &CertificateDer<'_>) -> Option<i64> {
    let (_, certificate) = x509_parser::parse_x509_certificate(leaf.as_ref()).ok()?;
    Some(certificate.validity().not_after.timestamp())
}

fn read(path: &Path) -> Result<Vec<u8>, CredentialsError> {
    fs::read(path).map_err(|source| CredentialsError::Open {
        path: path.to_owned(),
        source,
    })
}

/// Why the serving certificate could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A file could not be read.
    #[error("failed to read {}", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("no PEM certificate found in {}", .0.display())]
    NoCertificate(PathBuf),
    /// The key file holds no PEM private key.
    #[error("no PEM private key found in {}", .0.display())]
    NoKey(PathBuf),
    /// The key cannot sign, or does not belong to the leaf certificate.
    #[error("the private key does not fit the certificate")]
    KeyMismatch(#[source] rustls::Error),
    /// The client CA file holds no usable PEM certificate.
    #[error("no usable PEM CA certificate found in {}", .0.display())]
    NoClientCa(PathBuf),
    /// The client certificate verifier cannot be built from the client CA.
    #[error("the client CA cannot verify client certificates")]
    ClientVerifier(#[source] VerifierBuilderError),
}

/// Hands the current serving certificate to every TLS handshake.
#[derive(Debug)]
pub struct CertResolver {
    current: RwLock<Credentials>,
}

impl CertResolver {
    /// A resolver serving `credentials` until [`CertResolver::replace`] is called.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            current: RwLock::new(credentials),
        }
    }

    /// Serves `credentials` from the next handshake on.
    pub fn replace(&self, credentials: Credentials) {
        // A poisoned lock only means a writer panicked mid-assignment of an Arc; the value
        // is still a complete pair, so keep using it.
        *self
            .current
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = credentials;
    }

    /// True when the pair served now was loaded from exactly these bytes.
    fn serves(&self, pem: &PemFiles) -> bool {
        self.current
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .pem
            == *pem
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // Only the Arc is cloned under the lock, not the PEM bytes kept for comparison.
        let current = self
            .current
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        Some(Arc::clone(&current.certified))
    }
}

/// What one poll of the certificate files did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// The files hold the pair served now.
    Unchanged,
    /// A new pair is served from the next handshake on.
    Replaced,
    /// The files changed but cannot be used (broken, half-written, key of another
    /// certificate); the last good pair is still served.
    Kept,
}

/// Reads the files at `paths` every `interval` and serves a changed pair once it loads;
/// never returns (abort the task to stop it).
pub async fn watch(
    paths: CredentialPaths,
    resolver: Arc<CertResolver>,
    interval: Duration,
    metrics: Arc<Metrics>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick completes at once; the pair was loaded just before.
    ticker.tick().await;
    loop {
        ticker.tick().await;
        reload(&paths, &resolver, &metrics).await;
    }
}

/// One poll: loads the files at `paths` and serves them when they changed and are usable.
pub async fn reload(paths: &CredentialPaths, resolver: &CertResolver, metrics: &Metrics) -> Reload {
    let reading = {
        let paths = paths.clone();
        tokio::task::spawn_blocking(move || PemFiles::read(&paths))
    };
    // Comparing bytes is cheap; parsing the key is not: only files that changed are parsed.
    let loaded = match reading.await {
        Ok(Ok(pem)) if resolver.serves(&pem) => return Reload::Unchanged,
        Ok(Ok(pem)) => Credentials::from_pem(pem, paths),
        Ok(Err(error)) => Err(error),
        Err(join) => return kept(paths, metrics, &format!("the reload task failed: {join}")),
    };
    match loaded {
        Ok(credentials) => {
            let not_after = credentials.not_after();
            resolver.replace(credentials);
            metrics.certificate_reloaded();
            metrics.certificate_expires_at(not_after);
            tracing::info!(
                tls_cert = %paths.cert.display(),
                not_after,
                "reloaded the serving certificate"
            );
            Reload::Replaced
        }
        // The errors here name paths, never PEM contents.
        Err(error) => kept(paths, metrics, &crate::error_chain(&error)),
    }
}

/// Counts and logs a poll whose changed files could not be used.
fn kept(paths: &CredentialPaths, metrics: &Metrics, error: &str) -> Reload {
    metrics.certificate_reload_failed();
    tracing::warn!(
        tls_cert = %paths.cert.display(),
        tls_key = %paths.key.display(),
        error,
        "kept the last good serving certificate; the files cannot be used"
    );
    Reload::Kept
}

/// The rustls configuration of the HTTPS listener: TLS 1.2 and 1.3, ALPN `h2` and
/// `http/1.1` (the API server only speaks HTTP/1.1 to webhooks). With `client_ca`, every
/// client must present a certificate signed by one of the CAs in that PEM file.
///
/// # Errors
/// When `client_ca` cannot be read or holds no usable CA certificate.
pub fn server_config(
    resolver: Arc<CertResolver>,
    client_ca: Option<&Path>,
) -> Result<ServerConfig, CredentialsError> {
    let builder = ServerConfig::builder();
    let mut config = match client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => builder.with_client_cert_verifier(client_verifier(path)?),
    }
    .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn client_verifier(
    path: &Path,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, CredentialsError> {
    let pem = read(path)?;
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        let certificate = certificate.map_err(|_| CredentialsError::NoClientCa(path.to_owned()))?;
        roots
            .add(certificate)
            .map_err(|_| CredentialsError::NoClientCa(path.to_owned()))?;
    }
    if roots.is_empty() {
        return Err(CredentialsError::NoClientCa(path.to_owned()));
    }
    WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .map_err(CredentialsError::ClientVerifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        dir: tempfile::TempDir,
        paths: CredentialPaths,
    }

    fn pair() -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        (cert.pem(), key.serialize_pem())
    }

    fn files((cert, key): &(String, String)) -> Files {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = CredentialPaths {
            cert: dir.path().join("tls.crt"),
            key: dir.path().join("tls.key"),
        };
        fs::write(&paths.cert, cert).expect("write cert");
        fs::write(&paths.key, key).expect("write key");
        Files { dir, paths }
    }

    fn provider() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }

    #[test]
    fn reads_the_leafs_expiry() {
        provider();
        let files = files(&pair());
        let credentials = Credentials::load(&files.paths).expect("loads");
        // rcgen's default validity ends in 4096.
        assert!(credentials.not_after() > 4_000_000_000, "{credentials:?}");
        assert!(files.dir.path().exists());
    }

    #[tokio::test]
    async fn replaces_a_changed_pair_and_keeps_a_broken_one() {
        provider();
        let files = files(&pair());
        let resolver = CertResolver::new(Credentials::load(&files.paths).expect("loads"));
        let metrics = Metrics::new();
        assert_eq!(
            reload(&files.paths, &resolver, &metrics).await,
            Reload::Unchanged
        );

        let (cert, key) = pair();
        fs::write(&files.paths.cert, &cert).expect("write cert");
        // Half-written: the new certificate with the old key.
        assert_eq!(
            reload(&files.paths, &resolver, &metrics).await,
            Reload::Kept
        );
        fs::write(&files.paths.key, &key).expect("write key");
        assert_eq!(
            reload(&files.paths, &resolver, &metrics).await,
            Reload::Replaced
        );
        fs::write(&files.paths.cert, "-----BEGIN CERTIFICATE-----\ngarbage").expect("write");
        assert_eq!(
            reload(&files.paths, &resolver, &metrics).await,
            Reload::Kept
        );

        let text = metrics.encode();
        assert!(text.contains("bucketstatestore_webhook_certificate_reloads_total 1"));
        assert!(text.contains("bucketstatestore_webhook_certificate_reload_failures_total 2"));
    }

    #[test]
    fn rejects_a_client_ca_file_without_certificates() {
        provider();
        let files = files(&pair());
        let resolver = Arc::new(CertResolver::new(
            Credentials::load(&files.paths).expect("loads"),
        ));
        let error = server_config(Arc::clone(&resolver), Some(&files.paths.key))
            .expect_err("a key is no CA");
        assert!(
            matches!(error, CredentialsError::NoClientCa(_)),
            "{error:?}"
        );
        assert!(server_config(resolver, Some(&files.paths.cert)).is_ok());
    }
}
