//! What the integration tests share: certificates made on the fly, a stand-in of the
//! Kubernetes API for Secret reads, the real binary started on 127.0.0.1, and an HTTPS
//! client that trusts only the test CA.
//!
//! Everything binds to 127.0.0.1 and nothing here talks to any other address.

#![allow(dead_code, unreachable_pub)]

use std::{
    collections::HashMap,
    fs,
    io::Read as _,
    net::{SocketAddr, TcpListener as StdListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{Path as UrlPath, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{ServerName, pem::PemObject as _},
};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A CA and a serving certificate for `localhost` and `127.0.0.1`, written as PEM files.
pub struct Certs {
    pub dir: TempDir,
    pub ca_pem: String,
}

impl Certs {
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let (cert_pem, key_pem) = leaf(&issuer, &["localhost", "127.0.0.1"]);
        fs::write(dir.path().join("tls.crt"), cert_pem).expect("write cert");
        fs::write(dir.path().join("tls.key"), key_pem).expect("write key");
        Self {
            ca_pem: ca_cert.pem(),
            dir,
        }
    }

    /// Writes a CA and a serving certificate made elsewhere (PEM text) into a fresh temporary
    /// folder, for [`Webhook::start_with`].
    pub fn from_pem(ca_pem: &str, cert_pem: &[u8], key_pem: &[u8]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("tls.crt"), cert_pem).expect("write cert");
        fs::write(dir.path().join("tls.key"), key_pem).expect("write key");
        Self {
            ca_pem: ca_pem.to_owned(),
            dir,
        }
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("tls.key")
    }
}

fn leaf(issuer: &rcgen::Issuer<'_, rcgen::KeyPair>, names: &[&str]) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("leaf key");
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let params = rcgen::CertificateParams::new(names).expect("leaf params");
    let cert = params.signed_by(&key, issuer).expect("leaf cert");
    (cert.pem(), key.serialize_pem())
}

/// A fault the stand-in API injects for one Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 403 Forbidden.
    Forbidden,
    /// Never answer.
    Hang,
    /// Answer normally after this long.
    Delay(Duration),
}

#[derive(Default)]
struct ApiState {
    secrets: Mutex<HashMap<(String, String), Value>>,
    faults: Mutex<HashMap<(String, String), Fault>>,
    gets: AtomicUsize,
}

/// A stand-in of the Kubernetes API that answers `GET` of Secrets, on 127.0.0.1.
pub struct StandInApi {
    pub address: SocketAddr,
    state: Arc<ApiState>,
    _task: tokio::task::JoinHandle<()>,
}

impl StandInApi {
    pub async fn start() -> Self {
        let state = Arc::new(ApiState::default());
        let router = Router::new()
            .route("/api/v1/namespaces/{namespace}/secrets/{name}", get(secret))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind stand-in");
        let address = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            address,
            state,
            _task: task,
        }
    }

    /// Replaces every Secret and fault, and resets the GET count.
    pub fn reset(&self, secrets: &[Value], faults: &[(String, String, Fault)]) {
        let mut stored = self.state.secrets.lock().expect("lock");
        stored.clear();
        for secret in secrets {
            let namespace = secret["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default");
            let name = secret["metadata"]["name"].as_str().expect("secret name");
            stored.insert((namespace.to_owned(), name.to_owned()), secret.clone());
        }
        let mut stored_faults = self.state.faults.lock().expect("lock");
        stored_faults.clear();
        for (namespace, name, fault) in faults {
            stored_faults.insert((namespace.clone(), name.clone()), *fault);
        }
        self.state.gets.store(0, Ordering::SeqCst);
    }

    /// How many Secret GETs arrived since the last reset.
    pub fn gets(&self) -> usize {
        self.state.gets.load(Ordering::SeqCst)
    }

    /// A kubeconfig that points the kube client at this stand-in.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\n\
             clusters:\n- name: test\n  cluster:\n    server: http://{}\n\
             users:\n- name: test\n  user:\n    token: test-token\n\
             contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n",
            self.address
        );
        fs::write(&path, text).expect("write kubeconfig");
        path
    }
}

async fn secret(
    State(state): State<Arc<ApiState>>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
) -> Response {
    state.gets.fetch_add(1, Ordering::SeqCst);
    let key = (namespace.clone(), name.clone());
    let fault = state.faults.lock().expect("lock").get(&key).copied();
    match fault {
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Forbidden) => {
            let message = format!(
                "secrets \"{name}\" is forbidden: User \"system:serviceaccount:webhook:webhook\" \
                 cannot get resource \"secrets\" in API group \"\" in the namespace \"{namespace}\""
            );
            return status(StatusCode::FORBIDDEN, "Forbidden", &message);
        }
        None => {}
    }
    let found = state.secrets.lock().expect("lock").get(&key).cloned();
    match found {
        Some(secret) => json_response(StatusCode::OK, &secret),
        None => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("secrets \"{name}\" not found"),
        ),
    }
}

fn status(code: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16()
    });
    json_response(code, &body)
}

fn json_response(code: StatusCode, body: &Value) -> Response {
    let headers = [(axum::http::header::CONTENT_TYPE, "application/json")];
    (code, headers, body.to_string()).into_response()
}

/// The real binary, serving on free ports of 127.0.0.1; killed on drop.
pub struct Webhook {
    pub address: SocketAddr,
    pub admin: SocketAddr,
    pub log: PathBuf,
    pub certs: Certs,
    child: Child,
    client: ClientConfig,
}

impl Webhook {
    /// Starts `serve` with the stand-in API's kubeconfig and `extra` flags, and waits until
    /// it is ready.
    pub async fn start(api: &StandInApi, extra: &[&str]) -> Self {
        Self::start_with(api, Certs::generate(), extra).await
    }

    /// Like [`Webhook::start`], but serves the certificate and key files of `certs` (for
    /// example from [`Certs::from_pem`]) instead of generated ones; `post` and `review` trust
    /// `certs.ca_pem` and ask for `localhost`, which that certificate must name.
    pub async fn start_with(api: &StandInApi, certs: Certs, extra: &[&str]) -> Self {
        let kubeconfig = api.kubeconfig(certs.dir.path());
        let log = certs.dir.path().join("webhook.log");
        let (address, admin) = (free_port(), free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_bucketstatestore-webhook"))
            .arg("serve")
            .args([
                "--listen",
                &address.to_string(),
                "--admin-listen",
                &admin.to_string(),
            ])
            .arg("--tls-cert")
            .arg(certs.cert())
            .arg("--tls-key")
            .arg(certs.key())
            .args(extra)
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", certs.dir.path())
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env("RUST_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start the webhook binary");

        let client = tls_client(certs.ca_pem.as_bytes(), b"http/1.1");

        let webhook = Self {
            address,
            admin,
            log,
            certs,
            child,
            client,
        };
        webhook.wait_ready().await;
        webhook
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http_get(self.admin, "/readyz").await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("webhook not ready within 20s; log:\n{}", self.logs());
    }

    /// POSTs `body` to `path` over TLS as the API server does; returns status and body.
    pub async fn post(&self, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        self.post_as(path, body, "application/json").await
    }

    pub async fn post_as(&self, path: &str, body: &[u8], content_type: &str) -> (u16, Vec<u8>) {
        let connector = TlsConnector::from(Arc::new(self.client.clone()));
        let tcp = TcpStream::connect(self.address).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("server name");
        let tls = connector.connect(name, tcp).await.expect("TLS handshake");
        post_over(tls, path, body, content_type).await
    }

    /// POSTs a review and decodes the answer, which must be HTTP 200 JSON.
    pub async fn review(&self, path: &str, review: &Value) -> Value {
        let (status, body) = self
            .post(path, &serde_json::to_vec(review).expect("json"))
            .await;
        assert_eq!(
            status,
            200,
            "HTTP status for {path}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).expect("JSON answer")
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `INT`, …) to the server process with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `timeout` for the server process to exit; `None` if it still runs.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TLS client that trusts only the certificates in `ca_pem` and offers one ALPN protocol,
/// as the API server's webhook client offers only `http/1.1`.
pub fn tls_client(ca_pem: &[u8], alpn: &[u8]) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    for ca in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(ca.expect("CA PEM")).expect("CA added");
    }
    assert!(!roots.is_empty(), "no CA certificate in the PEM");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    config
}

/// Sends one POST over an open connection (HTTP/1.1) and returns status and body.
pub async fn post_over<S>(stream: S, path: &str, body: &[u8], content_type: &str) -> (u16, Vec<u8>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("HTTP handshake");
    tokio::spawn(connection);
    let request = hyper::Request::post(path)
        .header("host", "localhost")
        .header("content-type", content_type)
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, body)
}

/// A free port on 127.0.0.1 (bound and released: another process could take it in between,
/// which on a test machine does not happen in practice).
pub fn free_port() -> SocketAddr {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

/// A plain-HTTP GET, for the admin port.
pub async fn http_get(address: SocketAddr, path: &str) -> Result<(u16, String), hyper::Error> {
    let Ok(tcp) = TcpStream::connect(address).await else {
        return Ok((0, String::new()));
    };
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header("host", "localhost")
        .body(Full::new(Bytes::new()))
        .expect("request");
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Decodes the base64 patch of an answer into JSON.
pub fn patch_of(answer: &Value) -> Option<Value> {
    use base64::Engine as _;
    let text = answer["response"]["patch"].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("standard base64");
    Some(serde_json::from_slice(&bytes).expect("patch is JSON"))
}
