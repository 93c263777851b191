//! What production does to the server, against the real binary on 127.0.0.1: certificate
//! rotation the way the kubelet does it, broken certificate files, SIGTERM under load, slow
//! and idle clients, oversize bodies, the request timeout, and what the logs must not hold.
//!
//! Every loop here is bounded by a count or a deadline; nothing sleeps a fixed time to wait
//! for the server.

mod common;

use std::{
    fs,
    os::unix::fs::symlink,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use http_body_util::Full;
use hyper::body::Bytes;
use rustls::pki_types::ServerName;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};

use common::{Fault, StandInApi, Webhook, http_get};

// === reviews and Secrets ===

fn store(name: &str, spec: Value, annotations: Value) -> Value {
    json!({
        "apiVersion": "platform.kratix.io/v1alpha1", "kind": "BucketStateStore",
        "metadata": {"name": name, "annotations": annotations},
        "spec": spec
    })
}

fn iam_spec() -> Value {
    json!({"bucketName": "kratix", "endpoint": "s3.amazonaws.com", "authMethod": "IAM",
           "insecure": false})
}

fn access_key_spec() -> Value {
    json!({"bucketName": "kratix", "endpoint": "minio.store.svc:9000",
           "authMethod": "accessKey", "insecure": false,
           "secretRef": {"name": "creds", "namespace": "store"}})
}

fn review(uid: &str, object: Value) -> Value {
    let gvk = json!({"group": "platform.kratix.io", "version": "v1alpha1",
                     "kind": "BucketStateStore"});
    let gvr = json!({"group": "platform.kratix.io", "version": "v1alpha1",
                     "resource": "bucketstatestores"});
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid, "kind": gvk, "resource": gvr, "requestKind": gvk,
            "requestResource": gvr, "name": object["metadata"]["name"].clone(),
            "operation": "CREATE", "userInfo": {"username": "platform-admin"},
            "object": object, "oldObject": null, "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
}

fn secret(access_key: &str, secret_key: &str) -> Value {
    use base64::Engine as _;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "store"},
        "data": {"accessKeyID": encode(access_key), "secretAccessKey": encode(secret_key)}
    })
}

// === an HTTPS client that trusts chosen CAs and shows the served certificate ===

fn client(cas: &[&str], alpn: &[u8]) -> TlsConnector {
    let mut config = common::tls_client(cas.concat().as_bytes(), alpn);
    // A resumed session reports the certificate of the session it resumes: handshake fully.
    config.resumption = rustls::client::Resumption::disabled();
    TlsConnector::from(Arc::new(config))
}

async fn connect(connector: &TlsConnector, webhook: &Webhook) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(webhook.address).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    connector.connect(name, tcp).await.expect("TLS handshake")
}

fn served_leaf(tls: &TlsStream<TcpStream>) -> Vec<u8> {
    let certificates = tls.get_ref().1.peer_certificates().expect("a certificate");
    certificates[0].as_ref().to_vec()
}

/// POSTs `body` on a new connection; returns the status and the served leaf (DER).
async fn post(
    connector: &TlsConnector,
    webhook: &Webhook,
    path: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let tls = connect(connector, webhook).await;
    let leaf = served_leaf(&tls);
    let (status, _) = common::post_over(tls, path, body, "application/json").await;
    (status, leaf)
}

/// A new CA with a serving certificate for localhost: (CA PEM, cert PEM, key PEM, leaf DER).
fn new_pair() -> (String, String, String, Vec<u8>) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let leaf = rcgen::CertificateParams::new(names)
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("leaf");
    (
        ca.pem(),
        leaf.pem(),
        key.serialize_pem(),
        leaf.der().to_vec(),
    )
}

/// Writes a pair into `dir/..<version>/` and points `dir/..data` at it by renaming a fresh
/// symlink over the old one, as the kubelet updates a mounted Secret.
fn kubelet_swap(dir: &Path, version: &str, cert: &[u8], key: &[u8]) {
    let versioned = dir.join(format!("..{version}"));
    fs::create_dir(&versioned).expect("version dir");
    fs::write(versioned.join("tls.crt"), cert).expect("cert");
    fs::write(versioned.join("tls.key"), key).expect("key");
    let staged = dir.join("..data_tmp");
    symlink(format!("..{version}"), &staged).expect("staged symlink");
    fs::rename(&staged, dir.join("..data")).expect("atomic swap");
}

/// Replaces plain `tls.crt`/`tls.key` by the kubelet's layout, serving the same bytes.
fn adopt_kubelet_layout(dir: &Path) {
    let cert = fs::read(dir.join("tls.crt")).expect("cert");
    let key = fs::read(dir.join("tls.key")).expect("key");
    kubelet_swap(dir, "2026_01_01_00_00_00.1", &cert, &key);
    for file in ["tls.crt", "tls.key"] {
        let staged = dir.join(format!("{file}.tmp"));
        symlink(format!("..data/{file}"), &staged).expect("file symlink");
        fs::rename(&staged, dir.join(file)).expect("replace the file");
    }
}

async fn metrics(webhook: &Webhook) -> String {
    let (status, text) = http_get(webhook.admin, "/metrics")
        .await
        .expect("GET /metrics");
    assert_eq!(status, 200);
    text
}

/// The value of the first sample whose line starts with `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn wait_for<F, Fut>(webhook: &Webhook, what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{what} did not happen within {timeout:?}; log:\n{}",
        webhook.logs()
    );
}

// === certificates ===

#[tokio::test]
async fn serves_rotated_certificate_after_data_symlink_swap_without_failing_requests() {
    let api = StandInApi::start().await;
    let webhook = Webhook::start(&api, &["--cert-reload-interval", "200ms"]).await;
    let dir = webhook.certs.dir.path().to_owned();
    adopt_kubelet_layout(&dir);
    let (ca, cert, key, new_leaf) = new_pair();
    let connector = client(&[&webhook.certs.ca_pem, &ca], b"http/1.1");
    let body =
        serde_json::to_vec(&review("rotate", store("s", iam_spec(), json!({})))).expect("json");

    // Reviews flow on new connections for the whole rotation.
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let load = {
        let (connector, body, stop) = (connector.clone(), body.clone(), Arc::clone(&stop));
        let (sent, failed) = (Arc::clone(&sent), Arc::clone(&failed));
        let address = webhook.address;
        tokio::spawn(async move {
            for _ in 0..10_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let tcp = TcpStream::connect(address).await;
                let ok = match tcp {
                    Ok(tcp) => send_once(&connector, tcp, &body).await,
                    Err(_) => false,
                };
                sent.fetch_add(1, Ordering::SeqCst);
                if !ok {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };

    let swapped = Instant::now();
    kubelet_swap(
        &dir,
        "2026_06_01_00_00_00.2",
        cert.as_bytes(),
        key.as_bytes(),
    );
    wait_for(
        &webhook,
        "the new certificate served",
        Duration::from_secs(5),
        || async { post(&connector, &webhook, "/validate", &body).await.1 == new_leaf },
    )
    .await;
    let took = swapped.elapsed();
    // A few more reviews on the new certificate, then stop the load.
    let before = sent.load(Ordering::SeqCst);
    wait_for(&webhook, "more reviews", Duration::from_secs(5), || async {
        sent.load(Ordering::SeqCst) >= before + 5
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    load.await.expect("load task");

    assert_eq!(
        failed.load(Ordering::SeqCst),
        0,
        "failed reviews during rotation"
    );
    assert!(sent.load(Ordering::SeqCst) >= 5);
    assert!(
        took < Duration::from_secs(2),
        "took {took:?} with a 200ms poll"
    );
    let text = metrics(&webhook).await;
    assert_eq!(
        sample(&text, "bucketstatestore_webhook_certificate_reloads_total"),
        Some(1.0)
    );
    let expiry = sample(
        &text,
        "bucketstatestore_webhook_certificate_expiry_timestamp_seconds",
    );
    assert!(expiry.is_some_and(|at| at > 2.0e9), "expiry: {expiry:?}");
    let logs = webhook.logs();
    assert!(logs.contains("reloaded the serving certificate"));
    assert!(!logs.contains("BEGIN"), "PEM in the logs");
}

async fn send_once(connector: &TlsConnector, tcp: TcpStream, body: &[u8]) -> bool {
    let name = ServerName::try_from("localhost").expect("server name");
    let Ok(tls) = connector.connect(name, tcp).await else {
        return false;
    };
    let Ok((mut sender, connection)) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await
    else {
        return false;
    };
    tokio::spawn(connection);
    let request = hyper::Request::post("/validate")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("request");
    match sender.send_request(request).await {
        Ok(response) => response.status() == 200,
        Err(_) => false,
    }
}

#[tokio::test]
async fn keeps_old_certificate_when_new_one_is_broken() {
    let api = StandInApi::start().await;
    let webhook = Webhook::start(&api, &["--cert-reload-interval", "200ms"]).await;
    let connector = client(&[&webhook.certs.ca_pem], b"http/1.1");
    let body =
        serde_json::to_vec(&review("broken", store("s", iam_spec(), json!({})))).expect("json");
    let (_, old_leaf) = post(&connector, &webhook, "/validate", &body).await;

    // Half-written: a new certificate next to the old key, then plain garbage.
    let (_, cert, _, _) = new_pair();
    fs::write(webhook.certs.cert(), &cert).expect("write cert");
    wait_for(
        &webhook,
        "a failed reload counted",
        Duration::from_secs(5),
        || async {
            let text = metrics(&webhook).await;
            sample(
                &text,
                "bucketstatestore_webhook_certificate_reload_failures_total",
            )
            .is_some_and(|count| count >= 1.0)
        },
    )
    .await;
    fs::write(
        webhook.certs.cert(),
        "-----BEGIN CERTIFICATE-----\nnot base64",
    )
    .expect("write");
    let failures = |text: &str| {
        sample(
            text,
            "bucketstatestore_webhook_certificate_reload_failures_total",
        )
        .unwrap_or(0.0)
    };
    let seen = failures(&metrics(&webhook).await);
    wait_for(
        &webhook,
        "another failed reload",
        Duration::from_secs(5),
        || async { failures(&metrics(&webhook).await) > seen },
    )
    .await;

    let (status, leaf) = post(&connector, &webhook, "/validate", &body).await;
    assert_eq!(status, 200);
    assert_eq!(leaf, old_leaf, "the old certificate must still be served");
    let (status, _) = http_get(webhook.admin, "/readyz").await.expect("readyz");
    assert_eq!(status, 200, "a kept certificate still serves: stay ready");
    let text = metrics(&webhook).await;
    assert_eq!(
        sample(&text, "bucketstatestore_webhook_certificate_reloads_total"),
        Some(0.0)
    );
    let logs = webhook.logs();
    assert!(logs.contains("kept the last good serving certificate"));
    assert!(!logs.contains("BEGIN"), "PEM in the logs");
}

// === shutdown ===

#[tokio::test]
async fn drains_in_flight_reviews_on_sigterm_and_exits_zero() {
    const IN_FLIGHT: usize = 8;
    let api = StandInApi::start().await;
    let delay = Fault::Delay(Duration::from_millis(1500));
    api.reset(
        &[secret("AKIA", "s3cr3t")],
        &[("store".into(), "creds".into(), delay)],
    );
    let mut webhook = Webhook::start(&api, &["--secret-lookup-timeout", "5s"]).await;
    let body = serde_json::to_vec(&review("drain", store("s", access_key_spec(), json!({}))))
        .expect("json");

    let connector = client(&[&webhook.certs.ca_pem], b"http/1.1");
    let mut reviews = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (connector, body, address) = (connector.clone(), body.clone(), webhook.address);
        reviews.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(address).await.expect("connect");
            send_once(&connector, tcp, &body).await
        }));
    }
    wait_for(
        &webhook,
        "every review waiting on its Secret",
        Duration::from_secs(5),
        || async { api.gets() >= IN_FLIGHT },
    )
    .await;

    webhook.signal("TERM");
    wait_for(
        &webhook,
        "/readyz turning 503",
        Duration::from_secs(1),
        || async { matches!(http_get(webhook.admin, "/readyz").await, Ok((503, _))) },
    )
    .await;
    // The listener is closed while the reviews are still waiting.
    assert!(
        TcpStream::connect(webhook.address).await.is_err(),
        "new connections must be refused while draining"
    );
    for review in reviews {
        assert!(review.await.expect("task"), "an in-flight review failed");
    }
    let status = webhook
        .wait_exit(Duration::from_secs(5))
        .await
        .expect("exits");
    assert_eq!(status.code(), Some(0), "log:\n{}", webhook.logs());
    assert!(webhook.logs().contains("draining"));
}

#[tokio::test]
async fn answers_503_when_a_review_outlasts_the_request_timeout() {
    let api = StandInApi::start().await;
    api.reset(&[], &[("store".into(), "creds".into(), Fault::Hang)]);
    let extra = [
        "--request-timeout",
        "500ms",
        "--secret-lookup-timeout",
        "5s",
    ];
    let webhook = Webhook::start(&api, &extra).await;
    let body = serde_json::to_vec(&review("slow", store("s", access_key_spec(), json!({}))))
        .expect("json");

    let started = Instant::now();
    let (status, _) = webhook.post("/validate?timeout=10s", &body).await;
    assert_eq!(status, 503);
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = metrics(&webhook).await;
    let series = "bucketstatestore_webhook_reviews_total{path=\"/validate\",\
                  operation=\"unknown\",verdict=\"timeout\"}";
    assert_eq!(sample(&text, series), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "bucketstatestore_webhook_requests_in_flight"),
        Some(0.0)
    );
}

// === slow and idle clients ===

#[tokio::test]
async fn answers_a_review_within_a_second_while_256_slow_clients_hold_connections() {
    let api = StandInApi::start().await;
    let webhook = Webhook::start(&api, &[]).await;
    let h1 = client(&[&webhook.certs.ca_pem], b"http/1.1");
    let h2 = client(&[&webhook.certs.ca_pem], b"h2");

    // A third idle after TCP connect, a third stalled in a request head, a third stalled in
    // the HTTP/2 preface.
    let mut slow = Vec::new();
    let mut heads = Vec::new();
    for index in 0..256 {
        match index % 3 {
            0 => slow.push(tokio::spawn(idle_tcp(webhook.address))),
            1 => {
                let mut tls = connect(&h1, &webhook).await;
                tls.write_all(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                    .await
                    .expect("partial head");
                heads.push(tls);
            }
            _ => {
                let mut tls = connect(&h2, &webhook).await;
                assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
                tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM")
                    .await
                    .expect("partial preface");
                heads.push(tls);
            }
        }
    }

    let busy = review("busy", store("s", iam_spec(), json!({})));
    let started = Instant::now();
    let answer = webhook.review("/validate", &busy);
    let answer = tokio::time::timeout(Duration::from_secs(1), answer)
        .await
        .expect("answered within a second");
    assert_eq!(answer["response"]["allowed"], true);
    assert!(started.elapsed() < Duration::from_secs(1));

    // The server cuts the stalled heads (HTTP/1.1 and HTTP/2) after its 5s header timeout.
    let cut = tokio::time::timeout(Duration::from_secs(9), async {
        for mut tls in heads {
            let mut buffer = [0_u8; 1024];
            loop {
                match tls.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    // HTTP/2 SETTINGS, a 408, or a GOAWAY: keep reading until closed.
                    Ok(_) => continue,
                }
            }
        }
    })
    .await;
    assert!(
        cut.is_ok(),
        "stalled connections were not closed by the server"
    );
    for task in slow {
        task.abort();
    }
}

/// Connects and sends nothing, until closed or aborted.
async fn idle_tcp(address: std::net::SocketAddr) {
    let Ok(mut tcp) = TcpStream::connect(address).await else {
        return;
    };
    let mut buffer = [0_u8; 64];
    let _ = tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut buffer)).await;
}

// === body cap ===

/// Sends a request head, then `body_bytes` of zeros in 64 KiB writes while reading the
/// answer; returns the status line's code once it arrives.
async fn send_oversize(webhook: &Webhook, head: &str, body_bytes: usize, chunked: bool) -> u16 {
    let connector = client(&[&webhook.certs.ca_pem], b"http/1.1");
    let tls = connect(&connector, webhook).await;
    let (mut reader, mut writer) = tokio::io::split(tls);
    let head = head.to_owned();
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'0'; 64 * 1024];
        let mut sent = 0;
        while sent < body_bytes {
            if chunked {
                writer
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
            }
            writer.write_all(&chunk).await?;
            if chunked {
                writer.write_all(b"\r\n").await?;
            }
            sent += chunk.len();
        }
        if chunked {
            writer.write_all(b"0\r\n\r\n").await?;
        }
        std::io::Result::Ok(())
    });
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    writing.abort();
    assert!(read.is_ok(), "no answer to the oversize body");
    let line = String::from_utf8_lossy(&answer);
    line.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {line:?}"))
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches(" kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test]
async fn answers_413_to_oversize_bodies_without_buffering_them_whole() {
    let api = StandInApi::start().await;
    let webhook = Webhook::start(&api, &[]).await;
    let over = 8 * 1024 * 1024 + 64 * 1024;
    let stream = 64 * 1024 * 1024;

    let declared = format!(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {over}\r\n\r\n"
    );
    assert_eq!(send_oversize(&webhook, &declared, over, false).await, 413);

    // Chunked: no length up front; 64 MiB offered, refused once 8 MiB have arrived.
    let chunked = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                   Transfer-Encoding: chunked\r\n\r\n";
    assert_eq!(send_oversize(&webhook, chunked, stream, true).await, 413);

    // A length that lies low: only the declared bytes are read as the body.
    let lying = "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                 Content-Length: 2\r\n\r\n";
    assert_eq!(send_oversize(&webhook, lying, stream, false).await, 400);

    let peak = peak_rss_kib(webhook.pid());
    assert!(
        peak < 48 * 1024,
        "peak RSS {peak} KiB: a 64 MiB body was buffered"
    );
    let text = metrics(&webhook).await;
    let series = "bucketstatestore_webhook_reviews_total{path=\"/validate\",\
                  operation=\"unknown\",verdict=\"unreadable\"}";
    assert!(
        sample(&text, series).is_some_and(|count| count >= 2.0),
        "{text}"
    );
}

// === logs ===

#[tokio::test]
async fn logs_neither_secret_values_nor_object_bodies_at_trace_level() {
    const SECRET_MARKER: &str = "secret-value-7f3a9c";
    const OBJECT_MARKER: &str = "annotation-marker-51d2e8";
    let api = StandInApi::start().await;
    api.reset(&[secret(SECRET_MARKER, SECRET_MARKER)], &[]);
    // Common::start runs the server with RUST_LOG=trace.
    let webhook = Webhook::start(&api, &[]).await;

    let annotations = json!({"example.com/note": OBJECT_MARKER});
    let object = store("logged", access_key_spec(), annotations);
    let answer = webhook
        .review("/validate", &review("log-1", object.clone()))
        .await;
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    let mut without_defaults = object;
    without_defaults["spec"] = json!({"bucketName": OBJECT_MARKER});
    webhook
        .review("/mutate", &review("log-2", without_defaults))
        .await;

    // A typed field with a wrong value: serde's message would quote the value.
    let mut undecodable = review("log-3", store("bad", iam_spec(), json!({})));
    undecodable["request"]["object"]["metadata"]["generation"] = json!(OBJECT_MARKER);
    let answer = webhook.review("/validate", &undecodable).await;
    assert_eq!(answer["response"]["status"]["code"], 400, "{answer}");

    let logs = webhook.logs();
    assert!(logs.contains("reviewed"), "the reviews were logged at all");
    assert!(
        logs.contains("unreadable review"),
        "the bad review was logged"
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(SECRET_MARKER);
    for marker in [SECRET_MARKER, encoded.as_str(), OBJECT_MARKER] {
        assert!(!logs.contains(marker), "{marker} is in the logs");
    }

    let text = metrics(&webhook).await;
    let validate = "bucketstatestore_webhook_reviews_total{path=\"/validate\",\
                    operation=\"CREATE\",verdict=\"allowed\"}";
    assert_eq!(sample(&text, validate), Some(1.0), "{text}");
    let mutate = "bucketstatestore_webhook_reviews_total{path=\"/mutate\",\
                  operation=\"CREATE\",verdict=\"allowed\"}";
    assert_eq!(sample(&text, mutate), Some(1.0));
    let found = "bucketstatestore_webhook_secret_lookups_total{outcome=\"found\"}";
    assert_eq!(sample(&text, found), Some(1.0));
    assert!(
        !text.contains("logged") && !text.contains("creds"),
        "names in labels"
    );
}
