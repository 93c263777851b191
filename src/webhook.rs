//! The HTTPS routes the API server calls: `POST /mutate` and `POST /validate`.
//!
//! This layer owns HTTP concerns only: the body cap, the content type, the `?timeout=`
//! budget, the request timeout, the metrics and the one log line per review. What to answer
//! comes from [`crate::policy`], and how to write it from [`crate::review`].

use std::{
    any::Any,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
};
use kube::core::admission::AdmissionResponse;
use tracing::Instrument as _;

use crate::{
    metrics::Metrics,
    policy::{Policy, Verdict, defaults},
    review::{self, Request, Scope, Unreadable},
};

/// The largest review body accepted. An UPDATE carries the old and the new object, each up
/// to the API server's 3 MiB request limit, plus managedFields: 8 MiB leaves room for both.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// What the API server waits when a call carries no `?timeout=` (its default
/// `timeoutSeconds`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default of `--request-timeout`: above the webhook's `timeoutSeconds` (5 in the
/// manifests, at most 30), so that the API server gives up first and this only frees a
/// server that is stuck.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct App {
    policy: Arc<Policy>,
    metrics: Arc<Metrics>,
    request_timeout: Duration,
}

impl App {
    /// State for the routes, judging with `policy`, with metrics of its own and the default
    /// request timeout.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy: Arc::new(policy),
            metrics: Arc::new(Metrics::new()),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// Records reviews in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Answers 503 to a review that takes longer than `timeout`, body read included.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// The router of the HTTPS listener.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/mutate", post(mutate))
        .route("/validate", post(validate))
        .route_layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

/// What a handler tells [`guard`] about the review it answered, for the metrics.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    operation: &'static str,
    verdict: &'static str,
}

/// Around every review: counts it in flight, bounds it by the request timeout, turns a
/// panic into a 500, and records the review with its latency.
async fn guard(State(app): State<App>, request: axum::http::Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let path = match request.uri().path() {
        "/mutate" => "/mutate",
        "/validate" => "/validate",
        _ => "other",
    };
    let in_flight = app.metrics.in_flight();

    let answer = tokio::time::timeout(
        app.request_timeout,
        CatchUnwind(Box::pin(next.run(request))),
    );
    let (response, verdict) = match answer.await {
        Ok(Ok(response)) => (response, "unreadable"),
        Ok(Err(_panic)) => {
            app.metrics.panicked();
            tracing::error!(path, "the review handler panicked; answered 500");
            let message = "internal error; see the webhook's log";
            (
                (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
                "error",
            )
        }
        Err(_elapsed) => {
            tracing::warn!(path, timeout = ?app.request_timeout, "review timed out; answered 503");
            let message = "the review took longer than the webhook's request timeout";
            (
                (StatusCode::SERVICE_UNAVAILABLE, message).into_response(),
                "timeout",
            )
        }
    };
    drop(in_flight);

    // A response without an outcome never reached a verdict: body cap, content type, JSON.
    let (operation, verdict) = match response.extensions().get::<Outcome>() {
        Some(outcome) => (outcome.operation, outcome.verdict),
        None => ("unknown", verdict),
    };
    app.metrics
        .review(path, operation, verdict, started.elapsed());
    response
}

/// Resolves to `Err` with the payload when polling the inner future panics.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        // NOTE: the handler's state is dropped right after a panic and never polled again,
        // so no broken invariant of it can be observed.
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

async fn mutate(headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let started = Instant::now();
    let request = match read("/mutate", &headers, body) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let span = span("mutate", &request);
    let _entered = span.enter();

    let patch = match review::scope(&request) {
        Scope::Store { object, .. } => defaults::patch(object),
        Scope::Skipped => None,
        Scope::OtherKind => {
            other_kind(&request);
            None
        }
    };

    let mut response = AdmissionResponse::from(&request);
    let mut patched = "none";
    if let Some(patch) = patch {
        patched = "defaults";
        response = match response.with_patch(patch) {
            Ok(response) => response,
            // A patch of strings and booleans always serialises; answer without it if not.
            Err(error) => {
                tracing::error!(%error, "failed to serialise the patch");
                AdmissionResponse::from(&request)
            }
        };
    }
    // Allowed reviews at debug, denials at info (house style).
    tracing::debug!(
        verdict = "allowed",
        patch = patched,
        duration_ms = millis(started),
        "reviewed"
    );
    with_outcome(json(review::encode(response)), &request, "allowed")
}

async fn validate(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let request = match read("/validate", &headers, body) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let span = span("validate", &request);

    let budget = budget(query.as_deref());
    let verdict = match review::scope(&request) {
        Scope::Store { object, old_object } => {
            let judging = app.policy.judge(object, old_object, budget);
            judging.instrument(span.clone()).await
        }
        Scope::Skipped => Verdict::Allow {
            warnings: Vec::new(),
        },
        Scope::OtherKind => {
            span.in_scope(|| other_kind(&request));
            Verdict::Allow {
                warnings: Vec::new(),
            }
        }
    };

    let _entered = span.enter();
    let violations = match &verdict {
        Verdict::Deny { violations, .. } => violations.len(),
        Verdict::Allow { .. } => 0,
    };
    // Allowed reviews at debug, denials at info (house style).
    let (word, warnings, duration_ms) =
        (verdict.as_str(), verdict.warnings().len(), millis(started));
    if verdict.is_allowed() {
        tracing::debug!(verdict = word, warnings, duration_ms, "reviewed");
    } else {
        tracing::info!(
            verdict = word,
            violations,
            warnings,
            duration_ms,
            "reviewed"
        );
    }
    let answer = json(review::encode(review::answer(&request, &verdict)));
    with_outcome(answer, &request, verdict.as_str())
}

fn with_outcome(mut response: Response, request: &Request, verdict: &'static str) -> Response {
    response.extensions_mut().insert(Outcome {
        operation: review::operation(request),
        verdict,
    });
    response
}

/// Checks the content type and decodes the review, or gives the HTTP answer for a body that
/// cannot be judged, logging why (never the body, never the decoder's message: it can quote
/// a value of the object).
fn read(
    path: &'static str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Request, Box<Response>> {
    let refuse = |status: StatusCode, reason: &'static str, message: String| {
        tracing::warn!(path, reason, "unreadable review");
        Err(Box::new((status, message).into_response()))
    };

    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|t| t.trim() == "application/json")
    });
    if !is_json {
        let message = "send the AdmissionReview with Content-Type: application/json";
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            message.into(),
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "the review is larger than {} MiB, the most this webhook reads",
                BODY_LIMIT / (1024 * 1024)
            );
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message);
        }
        Err(rejection) => {
            let message = format!("failed to read the request body: {rejection}");
            return refuse(rejection.status(), "body_read", message);
        }
    };

    review::decode(&body).map_err(|unreadable| {
        Box::new(match unreadable {
            Unreadable::Body { reason, message } => {
                tracing::warn!(path, reason, bytes = body.len(), "unreadable review");
                (StatusCode::BAD_REQUEST, message).into_response()
            }
            Unreadable::Request { ref uid, .. } => {
                tracing::warn!(path, %uid, reason = "undecodable_request", "unreadable review");
                json(unreadable.answer().unwrap_or_default())
            }
        })
    })
}

/// Logs a review this service was never meant to get: its webhook configuration is too broad.
fn other_kind(request: &Request) {
    tracing::error!(
        group = %request.kind.group,
        kind = %request.kind.kind,
        "request for another kind, allowed unchanged; narrow the webhook configuration's rules"
    );
}

/// The span of one review: who asked for what. Never the object, never the user's name.
fn span(path: &'static str, request: &Request) -> tracing::Span {
    tracing::info_span!(
        "review",
        path,
        uid = %request.uid,
        name = %request.name,
        operation = review::operation(request),
        dry_run = request.dry_run,
    )
}

/// The time the API server still waits for this call, less a margin to send the answer.
///
/// The API server rounds `?timeout=` up to whole seconds, so up to a second of it may
/// already be gone: keep one second back, or half of a shorter timeout.
fn budget(query: Option<&str>) -> Duration {
    let timeout = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("timeout="))
        .and_then(parse_go_duration)
        .unwrap_or(DEFAULT_TIMEOUT);
    if timeout > Duration::from_secs(2) {
        timeout - Duration::from_secs(1)
    } else {
        timeout / 2
    }
}

/// Parses the durations Go's `time.Duration.String` writes for whole and fractional
/// seconds: `10s`, `1.5s`, `500ms`, `1m30s`.
fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, tail) = rest.split_at(split);
        let number: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        total += number
            * match unit {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 1e-3,
                "us" | "µs" => 1e-6,
                "ns" => 1e-9,
                _ => return None,
            };
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

fn json(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn millis(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use axum::http::Request as HttpRequest;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;
    use crate::{config::MissingSecret, secrets::SecretStore};

    /// Sends one POST through the router, without a socket.
    async fn call(content_type: &str, body: Vec<u8>) -> (StatusCode, String) {
        let secrets = SecretStore::Manifests(Arc::default());
        let policy = Policy::new(secrets, MissingSecret::Deny, Duration::from_secs(1));
        let request = HttpRequest::post("/validate")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request");
        let response = router(App::new(policy))
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn answers_413_with_the_limit_above_the_body_cap() {
        let (status, message) = call("application/json", vec![b' '; BODY_LIMIT + 1]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            message,
            "the review is larger than 8 MiB, the most this webhook reads"
        );
    }

    #[tokio::test]
    async fn answers_415_to_another_content_type() {
        let (status, message) = call("text/plain", b"{}".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(
            message.contains("Content-Type: application/json"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn answers_400_to_a_body_without_a_review() {
        let (status, message) = call("application/json; charset=utf-8", b"[1]".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(message.contains("not an AdmissionReview"), "{message}");
    }

    #[test]
    fn keeps_a_second_back_from_the_api_servers_timeout() {
        assert_eq!(budget(Some("timeout=10s")), Duration::from_secs(9));
        assert_eq!(budget(Some("a=b&timeout=5s")), Duration::from_secs(4));
        assert_eq!(budget(Some("timeout=2s")), Duration::from_secs(1));
        assert_eq!(budget(Some("timeout=1s")), Duration::from_millis(500));
    }

    #[test]
    fn falls_back_to_the_default_timeout() {
        assert_eq!(budget(None), Duration::from_secs(9));
        assert_eq!(budget(Some("timeout=soon")), Duration::from_secs(9));
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("7"), None);
        assert_eq!(parse_go_duration("3d"), None);
    }
}
