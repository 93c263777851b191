//! The service's metrics: names, labels, and one recording helper a measurement.
//!
//! Everything lives in one explicit [`Registry`] owned by [`Metrics`], served as Prometheus
//! text (format 0.0.4) on the admin port's `GET /metrics`. Labels are only ever a route
//! path, an operation, a verdict or a lookup outcome: never an object's name, a namespace or
//! a user, so the number of series stays fixed. `docs/operations.md` lists every metric.

use std::{fmt, time::Duration};

use prometheus_client::{
    encoding::{EncodeLabelSet, prometheus_text},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::{Registry, Unit},
};

use crate::secrets::{LookupError, SecretKeys};

/// Every metric prefix.
const PREFIX: &str = "bucketstatestore_webhook";

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Latency buckets from 0.5 ms to about 16 s (factor 2): a review takes well under a
/// millisecond without a Secret read and up to the lookup timeout with one.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.0005, 2.0, 16)
}

fn latency_histogram() -> Histogram {
    Histogram::new(latency_buckets())
}

/// The labels of one review.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReviewLabels {
    path: &'static str,
    operation: &'static str,
    verdict: &'static str,
}

/// The label of a review's latency.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabels {
    path: &'static str,
}

/// The label of one Secret read.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The metrics of one server, and the registry that serves them.
pub struct Metrics {
    registry: Registry,
    reviews: Family<ReviewLabels, Counter>,
    review_duration: HistogramFamily<PathLabels>,
    in_flight: Gauge,
    lookups: Family<OutcomeLabels, Counter>,
    lookup_duration: HistogramFamily<OutcomeLabels>,
    cert_reloads: Counter,
    cert_reload_failures: Counter,
    cert_expiry: Gauge,
    panics: Counter,
}

impl Metrics {
    /// A fresh set of metrics, all at zero, registered under `bucketstatestore_webhook_`.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let reviews = Family::<ReviewLabels, Counter>::default();
        registry.register(
            "reviews",
            "Reviews answered, by path, operation and verdict",
            reviews.clone(),
        );
        let review_duration: HistogramFamily<PathLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "review_duration",
            "Time from the request's headers to the answer, by path",
            Unit::Seconds,
            review_duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "requests_in_flight",
            "Reviews being answered now",
            in_flight.clone(),
        );
        let lookups = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "secret_lookups",
            "Secret reads, by outcome",
            lookups.clone(),
        );
        let lookup_duration: HistogramFamily<OutcomeLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "secret_lookup_duration",
            "Time one Secret read took, by outcome",
            Unit::Seconds,
            lookup_duration.clone(),
        );
        let cert_reloads = Counter::default();
        registry.register(
            "certificate_reloads",
            "Serving certificates loaded after startup because the files changed",
            cert_reloads.clone(),
        );
        let cert_reload_failures = Counter::default();
        registry.register(
            "certificate_reload_failures",
            "Polls that found changed certificate files that could not be used",
            cert_reload_failures.clone(),
        );
        let cert_expiry = Gauge::default();
        registry.register(
            "certificate_expiry_timestamp_seconds",
            "When the served certificate's leaf expires (notAfter), in Unix seconds",
            cert_expiry.clone(),
        );
        let panics = Counter::default();
        registry.register(
            "panics",
            "Reviews whose handler panicked; each was answered 500",
            panics.clone(),
        );
        Self {
            registry,
            reviews,
            review_duration,
            in_flight,
            lookups,
            lookup_duration,
            cert_reloads,
            cert_reload_failures,
            cert_expiry,
            panics,
        }
    }

    /// Counts one answered review and its latency.
    pub fn review(
        &self,
        path: &'static str,
        operation: &'static str,
        verdict: &'static str,
        elapsed: Duration,
    ) {
        let labels = ReviewLabels {
            path,
            operation,
            verdict,
        };
        self.reviews.get_or_create(&labels).inc();
        self.review_duration
            .get_or_create(&PathLabels { path })
            .observe(elapsed.as_secs_f64());
    }

    /// Marks a review as started; the returned guard marks it finished when dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Counts one Secret read by its outcome, with its latency.
    pub fn secret_lookup(
        &self,
        result: &Result<Option<SecretKeys>, LookupError>,
        elapsed: Duration,
    ) {
        let outcome = match result {
            Ok(Some(_)) => "found",
            Ok(None) => "not_found",
            Err(LookupError::Forbidden) => "forbidden",
            Err(LookupError::TimedOut(_)) => "timeout",
            Err(LookupError::Failed(_)) => "error",
        };
        let labels = OutcomeLabels { outcome };
        self.lookups.get_or_create(&labels).inc();
        self.lookup_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a serving certificate loaded after startup.
    pub fn certificate_reloaded(&self) {
        self.cert_reloads.inc();
    }

    /// Counts a failed attempt to load changed certificate files.
    pub fn certificate_reload_failed(&self) {
        self.cert_reload_failures.inc();
    }

    /// Records when the served certificate expires, in Unix seconds.
    pub fn certificate_expires_at(&self, unix_seconds: i64) {
        self.cert_expiry.set(unix_seconds);
    }

    /// Counts a handler that panicked.
    pub fn panicked(&self) {
        self.panics.inc();
    }

    /// Every metric in Prometheus text format 0.0.4 ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail; an encoder error would leave a partial page.
        if let Err(error) = prometheus_text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "failed to encode the metrics");
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A review in flight; lowers the gauge when dropped, including on a timeout or a panic.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_metric_with_the_prefix_and_type() {
        let metrics = Metrics::new();
        metrics.review("/validate", "CREATE", "allowed", Duration::from_millis(2));
        metrics.secret_lookup(&Ok(None), Duration::from_millis(1));
        metrics.certificate_expires_at(1_900_000_000);
        let text = metrics.encode();
        for line in [
            "# TYPE bucketstatestore_webhook_reviews_total counter",
            "bucketstatestore_webhook_reviews_total{path=\"/validate\",operation=\"CREATE\",\
             verdict=\"allowed\"} 1",
            "# TYPE bucketstatestore_webhook_review_duration_seconds histogram",
            "bucketstatestore_webhook_secret_lookups_total{outcome=\"not_found\"} 1",
            "# TYPE bucketstatestore_webhook_secret_lookup_duration_seconds histogram",
            "bucketstatestore_webhook_requests_in_flight 0",
            "bucketstatestore_webhook_certificate_reloads_total 0",
            "bucketstatestore_webhook_certificate_reload_failures_total 0",
            "bucketstatestore_webhook_certificate_expiry_timestamp_seconds 1900000000",
            "bucketstatestore_webhook_panics_total 0",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }

    #[test]
    fn lowers_in_flight_when_the_guard_drops() {
        let metrics = Metrics::new();
        let guard = metrics.in_flight();
        assert!(
            metrics
                .encode()
                .contains("bucketstatestore_webhook_requests_in_flight 1")
        );
        drop(guard);
        assert!(
            metrics
                .encode()
                .contains("bucketstatestore_webhook_requests_in_flight 0")
        );
    }

    #[test]
    fn labels_lookups_by_outcome_only() {
        let metrics = Metrics::new();
        metrics.secret_lookup(&Err(LookupError::Forbidden), Duration::ZERO);
        metrics.secret_lookup(
            &Err(LookupError::TimedOut(Duration::from_secs(1))),
            Duration::ZERO,
        );
        metrics.secret_lookup(&Err(LookupError::Failed("x".into())), Duration::ZERO);
        let text = metrics.encode();
        for outcome in ["forbidden", "timeout", "error"] {
            let line =
                format!("bucketstatestore_webhook_secret_lookups_total{{outcome=\"{outcome}\"}} 1");
            assert!(text.contains(&line), "missing {line:?}");
        }
    }
}
