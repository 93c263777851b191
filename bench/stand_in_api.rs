//! A stand-in of the Kubernetes API for the benchmark: answers every Secret GET with one
//! fixed Secret holding both keys, over plain HTTP. Not part of the product; listens only
//! where told (127.0.0.1 in the benchmark).
//!
//! Usage: `stand_in_api LISTEN`

use std::{env, net::SocketAddr, process::ExitCode};

use axum::{Router, extract::Path, http::header, response::IntoResponse, routing::get};

async fn secret(Path((namespace, name)): Path<(String, String)>) -> impl IntoResponse {
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"accessKeyID": "QUtJQQ==", "secretAccessKey": "c2VjcmV0"}
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let Some(Ok(listen)) = env::args().nth(1).map(|a| a.parse::<SocketAddr>()) else {
        eprintln!("usage: stand_in_api LISTEN");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("stand_in_api: {error}");
            return ExitCode::FAILURE;
        }
    };
    let router = Router::new().route("/api/v1/namespaces/{namespace}/secrets/{name}", get(secret));
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        axum::serve(listener, router).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("stand_in_api: {error}");
            ExitCode::FAILURE
        }
    }
}
