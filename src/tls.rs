//! The serving certificate: loading it from PEM files and handing it to rustls.
//!
//! The certificate is served through a resolver that holds the current pair behind a lock,
//! so that a newer pair can replace it while connections are being accepted.

use std::{
    fmt, fs, io,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use rustls::{
    ServerConfig,
    crypto::CryptoProvider,
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// Where the serving certificate and its key are read from.
#[derive(Debug, Clone)]
pub struct CredentialPaths {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key.
    pub key: PathBuf,
}

/// A loaded certificate chain with its signing key. `Debug` never prints the key.
#[derive(Clone)]
pub struct Credentials {
    certified: Arc<CertifiedKey>,
    /// The PEM bytes the pair was loaded from, to tell whether the files changed.
    fingerprint: Vec<u8>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("certificates", &self.certified.cert.len())
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
        let cert_pem = read(&paths.cert)?;
        let key_pem = read(&paths.key)?;
        Self::from_pem(&cert_pem, &key_pem, paths)
    }

    fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        paths: &CredentialPaths,
    ) -> Result<Self, CredentialsError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|_| CredentialsError::NoCertificate(paths.cert.clone()))?;
        if chain.is_empty() {
            return Err(CredentialsError::NoCertificate(paths.cert.clone()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|_| CredentialsError::NoKey(paths.key.clone()))?;

        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let certified =
            CertifiedKey::from_der(chain, key, &provider).map_err(CredentialsError::KeyMismatch)?;

        let mut fingerprint = cert_pem.to_vec();
        fingerprint.extend_from_slice(key_pem);
        Ok(Self {
            certified: Arc::new(certified),
            fingerprint,
        })
    }

    /// True when `other` was loaded from the same bytes.
    pub fn same_as(&self, other: &Credentials) -> bool {
        self.fingerprint == other.fingerprint
    }
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

    /// The pair served now.
    pub fn current(&self) -> Credentials {
        self.current
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current().certified)
    }
}

/// The rustls configuration of the HTTPS listener: TLS 1.2 and 1.3, ALPN `h2` and
/// `http/1.1` (the API server only speaks HTTP/1.1 to webhooks), no client certificates.
pub fn server_config(resolver: Arc<CertResolver>) -> ServerConfig {
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}
