//! The benchmark's floor: the least an HTTPS review endpoint on this stack can cost.
//!
//! Same accept loop shape, tokio-rustls with ring, hyper-util's HTTP/1.1 + HTTP/2 builder
//! and an axum route as the product, but no policy, metrics, logs or limits: each POST body
//! is parsed as JSON and answered with a fixed allowed review. `make bench` compares the
//! product with it. Not part of the product; listens only where told (127.0.0.1 in the
//! benchmark).
//!
//! Usage: `floor LISTEN CERT_PEM KEY_PEM`

use std::{env, net::SocketAddr, process::ExitCode, sync::Arc};

use axum::{Router, body::Bytes, http::header, response::IntoResponse, routing::post};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const ANSWER: &str = concat!(
    r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","#,
    r#""response":{"uid":"","allowed":true}}"#
);

async fn review(body: Bytes) -> impl IntoResponse {
    let parsed = serde_json::from_slice::<serde_json::Value>(&body);
    let status = if parsed.is_ok() { 200 } else { 400 };
    (
        axum::http::StatusCode::from_u16(status).unwrap_or_default(),
        [(header::CONTENT_TYPE, "application/json")],
        ANSWER,
    )
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = env::args().collect();
    let [_, listen, cert, key] = args.as_slice() else {
        eprintln!("usage: floor LISTEN CERT_PEM KEY_PEM");
        return ExitCode::from(2);
    };
    let Ok(listen) = listen.parse::<SocketAddr>() else {
        eprintln!("floor: {listen:?} is not an address");
        return ExitCode::from(2);
    };
    let chain: Result<Vec<CertificateDer<'static>>, _> =
        CertificateDer::pem_file_iter(cert).and_then(Iterator::collect);
    let (Ok(chain), Ok(key)) = (chain, PrivateKeyDer::from_pem_file(key)) else {
        eprintln!("floor: cannot read the certificate or key");
        return ExitCode::FAILURE;
    };
    let mut config = match ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
    {
        Ok(config) => config,
        Err(error) => {
            eprintln!("floor: {error}");
            return ExitCode::FAILURE;
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("floor: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(listen, Arc::new(config))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("floor: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(listen: SocketAddr, config: Arc<ServerConfig>) -> std::io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    let acceptor = TlsAcceptor::from(config);
    let router = Router::new()
        .route("/validate", post(review))
        .route("/mutate", post(review));
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let (acceptor, router, builder) = (acceptor.clone(), router.clone(), builder.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let service = TowerToHyperService::new(router);
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        });
    }
}
