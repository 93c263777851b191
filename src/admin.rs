//! The admin listener: plain-HTTP probes for the kubelet and metrics for Prometheus.
//!
//! `/livez` answers as long as the process serves HTTP at all; `/readyz` only while the
//! server has a certificate and is not shutting down, so that the Service stops sending
//! reviews to a replica before it goes away. `/metrics` serves [`Metrics`] as Prometheus
//! text.
//!
//! Failed certificate reloads do not make the server unready: the last good certificate is
//! still served, and an unready replica would take away capacity without fixing anything.
//! The failures are counted and the expiry is exported instead, to alert on.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};

use crate::metrics::{self, Metrics};

/// Whether the HTTPS listener should receive traffic. Starts false.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Marks the server ready (true) or not (false).
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    /// True when the server should receive traffic.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone)]
struct Admin {
    readiness: Readiness,
    metrics: Arc<Metrics>,
}

/// The router of the admin listener.
pub fn router(readiness: Readiness, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/livez", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(export))
        .with_state(Admin { readiness, metrics })
}

async fn ready(State(admin): State<Admin>) -> (StatusCode, &'static str) {
    if admin.readiness.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}

async fn export(State(admin): State<Admin>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        admin.metrics.encode(),
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    async fn get_status(router: Router, path: &str) -> (StatusCode, String) {
        let request = axum::http::Request::get(path)
            .body(Body::empty())
            .expect("request");
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let body = response.into_body().collect().await.expect("body");
        (
            status,
            String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        )
    }

    #[tokio::test]
    async fn is_unready_until_set_and_serves_metrics() {
        let readiness = Readiness::default();
        let router = router(readiness.clone(), Arc::new(Metrics::new()));
        assert_eq!(
            get_status(router.clone(), "/readyz").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        readiness.set(true);
        assert_eq!(
            get_status(router.clone(), "/readyz").await.0,
            StatusCode::OK
        );
        assert_eq!(get_status(router.clone(), "/livez").await.0, StatusCode::OK);
        let (status, text) = get_status(router, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("bucketstatestore_webhook_requests_in_flight"));
    }
}
