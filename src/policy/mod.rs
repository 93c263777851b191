//! The rules: what a BucketStateStore must look like, and the verdict on one object.
//!
//! Everything here is independent of HTTP. The server calls [`Policy::judge`] for
//! `/validate` and [`defaults::patch`] for `/mutate`; the offline checker calls the same two
//! functions, so the two can never disagree. The pure checks live in submodules and only the
//! Secret lookup is asynchronous.

pub mod bucket;
pub mod defaults;
pub mod endpoint;
mod findings;
pub mod spec;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

pub(crate) use self::findings::quote;
pub use self::findings::{Finding, Findings};
use self::spec::{AuthMethod, StoreSpec};
use crate::{
    config::MissingSecret,
    metrics::Metrics,
    secrets::{KeyState, LookupError, SecretStore},
};

/// The API group of the resource this service guards.
pub const GROUP: &str = "platform.kratix.io";
/// The `apiVersion` of that resource, its only version.
pub const API_VERSION: &str = "platform.kratix.io/v1alpha1";
/// Its kind.
pub const KIND: &str = "BucketStateStore";

/// The keys Kratix reads from the Secret, by exact, case-sensitive name.
pub const SECRET_KEYS: [&str; 2] = ["accessKeyID", "secretAccessKey"];

/// All checks, built once at startup.
#[derive(Debug, Clone)]
pub struct Policy {
    secrets: SecretStore,
    missing_secret: MissingSecret,
    lookup_timeout: Duration,
    /// Where Secret reads are counted; none in tests and in the offline checker.
    metrics: Option<Arc<Metrics>>,
}

/// The answer for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The object may be stored; the warnings are shown to the user.
    Allow {
        /// Risky but working settings.
        warnings: Vec<Finding>,
    },
    /// The object is refused.
    Deny {
        /// Whether the object is at fault or the Secret could not be checked.
        reason: DenyReason,
        /// Every problem found, in field order.
        violations: Vec<Finding>,
        /// Warnings found alongside.
        warnings: Vec<Finding>,
    },
}

/// Why an object is denied, which decides the HTTP status the user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The object itself is wrong (422 Invalid).
    Invalid,
    /// The object may be fine, but its Secret could not be read in time (503).
    LookupFailed,
}

impl DenyReason {
    /// The HTTP status code of the denial.
    pub fn code(self) -> u16 {
        match self {
            Self::Invalid => 422,
            Self::LookupFailed => 503,
        }
    }

    /// The Kubernetes `Status.reason` of the denial.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "Invalid",
            Self::LookupFailed => "ServiceUnavailable",
        }
    }
}

impl Verdict {
    /// True when the object may be stored.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }

    /// The warnings, for either outcome.
    pub fn warnings(&self) -> &[Finding] {
        match self {
            Self::Allow { warnings } | Self::Deny { warnings, .. } => warnings,
        }
    }

    /// One message with every violation, each a sentence, in field order; empty when allowed.
    pub fn message(&self) -> String {
        match self {
            Self::Allow { .. } => String::new(),
            Self::Deny { violations, .. } => {
                let sentences: Vec<String> = violations.iter().map(|v| format!("{v}.")).collect();
                sentences.join(" ")
            }
        }
    }

    /// A short word for logs and metrics: `allowed` or `denied`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Allow { .. } => "allowed",
            Self::Deny { .. } => "denied",
        }
    }
}

impl Policy {
    /// A policy reading Secrets from `secrets`; one lookup never takes longer than
    /// `lookup_timeout`.
    pub fn new(
        secrets: SecretStore,
        missing_secret: MissingSecret,
        lookup_timeout: Duration,
    ) -> Self {
        Self {
            secrets,
            missing_secret,
            lookup_timeout,
            metrics: None,
        }
    }

    /// Counts every Secret read, by outcome and with its latency, in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Judges the new state `object` of a store, given its stored state `old_object` on
    /// UPDATE. `budget` is the time the caller can still wait, which bounds the Secret
    /// lookup together with the configured timeout.
    ///
    /// An UPDATE that leaves the spec as it was (labels, annotations, finalizers) is allowed
    /// without a Secret read, so that stores created before a rule existed stay editable;
    /// what the rules would deny today is returned as warnings.
    pub async fn judge(
        &self,
        object: &Value,
        old_object: Option<&Value>,
        budget: Duration,
    ) -> Verdict {
        let (mut findings, reference) = check_static(object);

        if old_object.is_some_and(|old| same_spec(old, object)) {
            let Findings {
                violations,
                mut warnings,
            } = findings;
            warnings.extend(violations);
            return Verdict::Allow { warnings };
        }

        // The Secret is read only for an otherwise valid store: a denial is certain anyway,
        // and a store with a wrong type or a bad endpoint is often a draft.
        let mut lookup_failed = false;
        if let Some((namespace, name)) = reference.filter(|_| findings.is_allowed()) {
            let budget = budget.min(self.lookup_timeout);
            lookup_failed = self
                .check_secret(&namespace, &name, budget, &mut findings)
                .await;
        }

        let Findings {
            violations,
            warnings,
        } = findings;
        if violations.is_empty() {
            return Verdict::Allow { warnings };
        }
        // A lookup failure alone is not the object's fault; with any other problem it is.
        let reason = if lookup_failed && violations.len() == 1 {
            DenyReason::LookupFailed
        } else {
            DenyReason::Invalid
        };
        Verdict::Deny {
            reason,
            violations,
            warnings,
        }
    }

    /// Reads Secret `namespace/name` and checks its keys; returns true when the lookup
    /// itself failed.
    async fn check_secret(
        &self,
        namespace: &str,
        name: &str,
        budget: Duration,
        findings: &mut Findings,
    ) -> bool {
        const PATH: &str = "spec.secretRef";
        let secret = format!("Secret {namespace}/{name}");

        let started = Instant::now();
        let result = self.secrets.keys(namespace, name, budget).await;
        if let Some(metrics) = &self.metrics {
            metrics.secret_lookup(&result, started.elapsed());
        }
        let keys = match result {
            Ok(Some(keys)) => keys,
            Ok(None) => {
                let fix = "create it with the keys accessKeyID and secretAccessKey";
                match self.missing_secret {
                    MissingSecret::Deny => {
                        findings.deny(
                            PATH,
                            format!("{secret} was not found; {fix}, or correct spec.secretRef"),
                        );
                    }
                    MissingSecret::Warn => findings.warn(
                        PATH,
                        format!(
                            "{secret} was not found; Kratix reports SecretNotFound until you {fix}"
                        ),
                    ),
                }
                return false;
            }
            Err(error) => {
                let fix = match error {
                    LookupError::Forbidden => "grant the webhook's service account get on secrets",
                    LookupError::TimedOut(_) | LookupError::Failed(_) => {
                        "try again, and check the API server if it persists"
                    }
                };
                findings.deny(PATH, format!("could not check {secret}: {error}; {fix}"));
                return true;
            }
        };

        for key in SECRET_KEYS {
            match keys.state(key) {
                KeyState::Filled => {}
                KeyState::Empty => findings.deny(
                    PATH,
                    format!("{secret} has an empty {key}; put the credential into it"),
                ),
                KeyState::Missing => {
                    let near_miss = keys.names().find(|name| name.eq_ignore_ascii_case(key));
                    let message = match near_miss {
                        Some(near) => format!(
                            "{secret} has {near} but Kratix reads {key} (case-sensitive); \
                             rename the key to {key}"
                        ),
                        None => format!("{secret} has no key {key}; add it"),
                    };
                    findings.deny(PATH, message);
                }
            }
        }
        false
    }
}

/// Runs every check that needs no Secret. Returns the findings and, when the store uses
/// access keys and names its Secret completely, the Secret to look up.
pub fn check_static(object: &Value) -> (Findings, Option<(String, String)>) {
    let mut findings = Findings::default();
    let spec = spec::read(object, &mut findings);

    match spec.bucket_name.as_deref() {
        Some("") => findings.deny(
            "spec.bucketName",
            "is empty; set it to the name of an existing bucket",
        ),
        Some(name) => bucket::check_bucket_name(name, &mut findings),
        None => {}
    }
    if let Some(endpoint) = &spec.endpoint {
        endpoint::check_endpoint(endpoint, spec.insecure, &mut findings);
    }
    let reference = check_auth(&spec, &mut findings);

    if spec.insecure {
        findings.warn(
            "spec.insecure",
            "true means plain HTTP, so the credentials travel unencrypted; use TLS where the \
             server has it",
        );
    }
    if spec.use_dual_stack
        && spec
            .endpoint
            .as_deref()
            .is_some_and(|e| !endpoint::is_amazon_host(e))
    {
        findings.warn(
            "spec.useDualStack",
            "has no effect on a non-Amazon endpoint; remove it",
        );
    }
    (findings, reference)
}

/// Checks `authMethod` against `secretRef`; returns the Secret to read, if any.
fn check_auth(spec: &StoreSpec, findings: &mut Findings) -> Option<(String, String)> {
    match (spec.auth_method?, &spec.secret_ref) {
        (AuthMethod::Iam, None) => None,
        (AuthMethod::Iam, Some(_)) => {
            findings.warn(
                "spec.secretRef",
                "is not used with authMethod IAM, but Kratix still reads that Secret; remove it",
            );
            None
        }
        (AuthMethod::AccessKey, None) => {
            findings.deny(
                "spec.secretRef",
                "is required with authMethod accessKey; name the Secret holding accessKeyID and \
                 secretAccessKey, or use authMethod IAM",
            );
            None
        }
        (AuthMethod::AccessKey, Some(reference)) => {
            let name = non_empty(&reference.name);
            let namespace = non_empty(&reference.namespace);
            if name.is_none() {
                findings.deny(
                    "spec.secretRef.name",
                    "is required with authMethod accessKey; set it to the Secret's name",
                );
            }
            if namespace.is_none() {
                findings.deny(
                    "spec.secretRef.namespace",
                    "is required because the store is cluster-scoped; set it to the Secret's \
                     namespace",
                );
            }
            Some((namespace?.to_owned(), name?.to_owned()))
        }
    }
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().filter(|text| !text.is_empty())
}

/// True when two stores have the same spec once Kratix's meaning of absent fields is applied.
fn same_spec(old: &Value, new: &Value) -> bool {
    normalized_spec(old) == normalized_spec(new)
}

fn normalized_spec(object: &Value) -> Value {
    let mut spec = match object.get("spec") {
        Some(Value::Object(spec)) => spec.clone(),
        Some(other) if !other.is_null() => return other.clone(),
        _ => Default::default(),
    };
    for (key, default) in [
        ("authMethod", json!("accessKey")),
        ("insecure", json!(false)),
        ("useDualStack", json!(false)),
    ] {
        if spec.get(key).is_none_or(Value::is_null) {
            spec.insert(key.to_owned(), default);
        }
    }
    Value::Object(spec)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::secrets::SecretIndex;

    const BUDGET: Duration = Duration::from_secs(1);

    fn policy(secrets: &[Value], missing_secret: MissingSecret) -> Policy {
        let mut index = SecretIndex::default();
        for secret in secrets {
            index.insert(secret);
        }
        Policy::new(
            SecretStore::Manifests(Arc::new(index)),
            missing_secret,
            BUDGET,
        )
    }

    fn secret(data: Value) -> Value {
        json!({"kind": "Secret", "metadata": {"name": "creds", "namespace": "store"}, "data": data})
    }

    fn store(spec: Value) -> Value {
        json!({"kind": "BucketStateStore", "metadata": {"name": "s"}, "spec": spec})
    }

    fn access_key_store() -> Value {
        store(json!({
            "bucketName": "kratix", "endpoint": "minio.store.svc:9000",
            "secretRef": {"name": "creds", "namespace": "store"}
        }))
    }

    fn messages(verdict: &Verdict) -> Vec<String> {
        match verdict {
            Verdict::Deny { violations, .. } => violations.iter().map(Finding::to_string).collect(),
            Verdict::Allow { .. } => Vec::new(),
        }
    }

    #[tokio::test]
    async fn accepts_access_key_store_with_both_keys() {
        let policy = policy(
            &[secret(
                json!({"accessKeyID": "QQ==", "secretAccessKey": "Qg=="}),
            )],
            MissingSecret::Deny,
        );
        let verdict = policy.judge(&access_key_store(), None, BUDGET).await;
        assert_eq!(
            verdict,
            Verdict::Allow {
                warnings: Vec::new()
            }
        );
    }

    #[tokio::test]
    async fn rejects_missing_secret_naming_it() {
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(&access_key_store(), None, BUDGET)
            .await;
        assert_eq!(
            messages(&verdict),
            [
                "spec.secretRef: Secret store/creds was not found; create it with the keys \
                 accessKeyID and secretAccessKey, or correct spec.secretRef"
            ]
        );
        assert!(matches!(
            verdict,
            Verdict::Deny {
                reason: DenyReason::Invalid,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn warns_on_missing_secret_when_configured_to() {
        let verdict = policy(&[], MissingSecret::Warn)
            .judge(&access_key_store(), None, BUDGET)
            .await;
        assert!(verdict.is_allowed());
        assert_eq!(verdict.warnings()[0].path, "spec.secretRef");
        assert!(verdict.warnings()[0].message.contains("SecretNotFound"));
    }

    #[tokio::test]
    async fn rejects_near_miss_key_saying_which_to_rename() {
        let policy = policy(
            &[secret(
                json!({"accessKeyId": "QQ==", "secretAccessKey": ""}),
            )],
            MissingSecret::Deny,
        );
        let verdict = policy.judge(&access_key_store(), None, BUDGET).await;
        assert_eq!(
            messages(&verdict),
            [
                "spec.secretRef: Secret store/creds has accessKeyId but Kratix reads accessKeyID \
                 (case-sensitive); rename the key to accessKeyID",
                "spec.secretRef: Secret store/creds has an empty secretAccessKey; put the \
                 credential into it",
            ]
        );
    }

    #[tokio::test]
    async fn rejects_access_key_without_secret_ref() {
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(
                &store(json!({"bucketName": "kratix", "endpoint": "minio:9000"})),
                None,
                BUDGET,
            )
            .await;
        assert_eq!(verdict.message().split(':').next(), Some("spec.secretRef"));
        assert!(verdict.message().contains("authMethod accessKey"));
    }

    #[tokio::test]
    async fn warns_on_unused_secret_ref_with_iam() {
        let object = store(json!({
            "bucketName": "kratix", "endpoint": "s3.amazonaws.com", "authMethod": "IAM",
            "secretRef": {"name": "gone", "namespace": "x"}
        }));
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(&object, None, BUDGET)
            .await;
        assert!(verdict.is_allowed());
        assert_eq!(verdict.warnings()[0].path, "spec.secretRef");
    }

    #[tokio::test]
    async fn accepts_unchanged_spec_on_update_reporting_old_problems_as_warnings() {
        let old = store(json!({
            "bucketName": "kratix", "endpoint": "minio:9000", "secretRef": {"name": "creds"}
        }));
        let mut new = old.clone();
        new["metadata"]["labels"] = json!({"team": "a"});
        new["spec"]["authMethod"] = json!("accessKey");
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(&new, Some(&old), BUDGET)
            .await;
        assert!(verdict.is_allowed());
        assert_eq!(verdict.warnings()[0].path, "spec.secretRef.namespace");
    }

    #[tokio::test]
    async fn rejects_changed_spec_on_update() {
        let old = store(
            json!({"bucketName": "kratix", "endpoint": "s3.amazonaws.com", "authMethod": "IAM"}),
        );
        let mut new = old.clone();
        new["spec"]["authMethod"] = json!("accessKey");
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(&new, Some(&old), BUDGET)
            .await;
        assert!(!verdict.is_allowed());
    }

    #[tokio::test]
    async fn skips_secret_read_when_the_spec_is_already_denied() {
        // No Secret exists: a lookup would add "not found" to the message.
        let mut object = access_key_store();
        object["spec"]["insecure"] = json!("yes");
        let verdict = policy(&[], MissingSecret::Deny)
            .judge(&object, None, BUDGET)
            .await;
        assert_eq!(messages(&verdict).len(), 1);
        assert!(messages(&verdict)[0].starts_with("spec.insecure"));
    }

    #[test]
    fn warns_on_insecure_and_on_dual_stack_off_amazon() {
        let (findings, _) = check_static(&store(json!({
            "bucketName": "kratix", "endpoint": "minio:9000", "authMethod": "IAM",
            "insecure": true, "useDualStack": true
        })));
        let paths: Vec<&str> = findings.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["spec.insecure", "spec.useDualStack"]);
        assert!(findings.warnings[0].message.contains("plain HTTP"));
    }
}
