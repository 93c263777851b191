//! Reads a BucketStateStore `spec` from untyped JSON and checks the shape of every field.
//!
//! Mutating webhooks run before the API server checks the schema, so an object can arrive
//! with wrong types (`insecure: "true"`). The spec is therefore read from `serde_json::Value`
//! field by field: each wrong type becomes a violation with its path, and the rest of the
//! spec is still read so that one answer lists every problem.

use serde_json::{Map, Value};

use super::Findings;

/// The two ways Kratix authenticates to the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Static credentials from the Secret that `secretRef` names.
    AccessKey,
    /// The pod's cloud identity; no Secret is read.
    Iam,
}

/// `spec.secretRef` as written, with either part possibly missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretRef {
    /// `spec.secretRef.name`.
    pub name: Option<String>,
    /// `spec.secretRef.namespace`.
    pub namespace: Option<String>,
}

/// The fields of a spec that the rules need, with Kratix's meaning of absent values applied
/// (`authMethod` absent = accessKey, `insecure` and `useDualStack` absent = false).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    /// `spec.bucketName`, when it is a string.
    pub bucket_name: Option<String>,
    /// `spec.endpoint`, when it is a string.
    pub endpoint: Option<String>,
    /// `spec.authMethod`, when it is one of the two allowed values or absent.
    pub auth_method: Option<AuthMethod>,
    /// `spec.insecure`: plain HTTP when true.
    pub insecure: bool,
    /// `spec.useDualStack`.
    pub use_dual_stack: bool,
    /// `spec.secretRef`, when present as an object.
    pub secret_ref: Option<SecretRef>,
}

/// Reads the spec of `object` (a whole BucketStateStore), recording every shape problem.
///
/// Returns the spec as far as it could be read; a missing spec reads as an empty one, so
/// that the required fields are reported by name.
pub fn read(object: &Value, findings: &mut Findings) -> StoreSpec {
    let empty = Map::new();
    let spec = match object.get("spec") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(spec)) => spec,
        Some(other) => {
            findings.deny(
                "spec",
                format!(
                    "must be an object with the store's settings, not {}",
                    kind(other)
                ),
            );
            &empty
        }
    };

    StoreSpec {
        bucket_name: required_string(spec, "bucketName", BUCKET_HINT, findings),
        endpoint: required_string(spec, "endpoint", ENDPOINT_HINT, findings),
        auth_method: auth_method(spec, findings),
        insecure: boolean(spec, "insecure", findings),
        use_dual_stack: boolean(spec, "useDualStack", findings),
        secret_ref: secret_ref(spec, findings),
    }
}

const BUCKET_HINT: &str = "the name of an existing bucket, e.g. kratix";
const ENDPOINT_HINT: &str = "the S3 server's host and optional port, e.g. minio.example.com:9000";

fn required_string(
    spec: &Map<String, Value>,
    key: &str,
    hint: &str,
    findings: &mut Findings,
) -> Option<String> {
    let path = format!("spec.{key}");
    match spec.get(key) {
        None | Some(Value::Null) => {
            findings.deny(path, format!("is required; set it to {hint}"));
            None
        }
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            findings.deny(
                path,
                format!("must be a string, not {}; set it to {hint}", kind(other)),
            );
            None
        }
    }
}

fn auth_method(spec: &Map<String, Value>, findings: &mut Findings) -> Option<AuthMethod> {
    const ALLOWED: &str = "set it to accessKey or IAM, or leave it out for accessKey";
    match spec.get("authMethod") {
        None | Some(Value::Null) => Some(AuthMethod::AccessKey),
        Some(Value::String(text)) if text == "accessKey" => Some(AuthMethod::AccessKey),
        Some(Value::String(text)) if text == "IAM" => Some(AuthMethod::Iam),
        Some(Value::String(text)) => {
            findings.deny(
                "spec.authMethod",
                format!("{text:?} is not supported; {ALLOWED}"),
            );
            None
        }
        Some(other) => {
            findings.deny(
                "spec.authMethod",
                format!("must be a string, not {}; {ALLOWED}", kind(other)),
            );
            None
        }
    }
}

fn boolean(spec: &Map<String, Value>, key: &str, findings: &mut Findings) -> bool {
    match spec.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(value)) => *value,
        Some(other) => {
            findings.deny(
                format!("spec.{key}"),
                format!("must be true or false without quotes, not {}", kind(other)),
            );
            false
        }
    }
}

fn secret_ref(spec: &Map<String, Value>, findings: &mut Findings) -> Option<SecretRef> {
    let reference = match spec.get("secretRef") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(reference)) => reference,
        Some(other) => {
            findings.deny(
                "spec.secretRef",
                format!(
                    "must be an object with name and namespace, not {}",
                    kind(other)
                ),
            );
            return None;
        }
    };

    let mut part = |key: &str| match reference.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            findings.deny(
                format!("spec.secretRef.{key}"),
                format!("must be a string, not {}", kind(other)),
            );
            None
        }
    };
    Some(SecretRef {
        name: part("name"),
        namespace: part("namespace"),
    })
}

/// Names a JSON value's type the way a user reads it in YAML.
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(value) => format!("the boolean {value}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) if text.len() <= 32 => format!("the string {text:?}"),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_spec(spec: Value) -> (StoreSpec, Findings) {
        let mut findings = Findings::default();
        let spec = read(&json!({ "spec": spec }), &mut findings);
        (spec, findings)
    }

    fn paths(findings: &Findings) -> Vec<&str> {
        findings
            .violations
            .iter()
            .map(|v| v.path.as_str())
            .collect()
    }

    #[test]
    fn accepts_a_complete_spec() {
        let (spec, findings) = read_spec(json!({
            "bucketName": "kratix", "endpoint": "minio:9000", "authMethod": "IAM",
            "insecure": true, "useDualStack": false,
            "secretRef": {"name": "creds", "namespace": "store"}
        }));
        assert_eq!(findings, Findings::default());
        assert_eq!(
            spec,
            StoreSpec {
                bucket_name: Some("kratix".into()),
                endpoint: Some("minio:9000".into()),
                auth_method: Some(AuthMethod::Iam),
                insecure: true,
                use_dual_stack: false,
                secret_ref: Some(SecretRef {
                    name: Some("creds".into()),
                    namespace: Some("store".into())
                }),
            }
        );
    }

    #[test]
    fn reads_absent_fields_with_kratix_defaults() {
        let (spec, findings) = read_spec(json!({"bucketName": "b", "endpoint": "e"}));
        assert!(findings.is_allowed());
        assert_eq!(spec.auth_method, Some(AuthMethod::AccessKey));
        assert!(!spec.insecure);
        assert!(!spec.use_dual_stack);
        assert_eq!(spec.secret_ref, None);
    }

    #[test]
    fn rejects_missing_spec_naming_each_required_field() {
        let mut findings = Findings::default();
        let spec = read(&json!({"metadata": {"name": "x"}}), &mut findings);
        assert_eq!(paths(&findings), ["spec.bucketName", "spec.endpoint"]);
        assert!(findings.violations[0].message.contains("is required"));
        assert_eq!(spec.auth_method, Some(AuthMethod::AccessKey));
    }

    #[test]
    fn rejects_quoted_boolean() {
        let (_, findings) =
            read_spec(json!({"bucketName": "b", "endpoint": "e", "insecure": "true"}));
        assert_eq!(paths(&findings), ["spec.insecure"]);
        assert_eq!(
            findings.violations[0].message,
            "must be true or false without quotes, not the string \"true\""
        );
    }

    #[test]
    fn rejects_empty_auth_method_naming_allowed_values() {
        let (spec, findings) =
            read_spec(json!({"bucketName": "b", "endpoint": "e", "authMethod": ""}));
        assert_eq!(spec.auth_method, None);
        assert_eq!(
            findings.violations[0].to_string(),
            "spec.authMethod: \"\" is not supported; set it to accessKey or IAM, or leave it out \
             for accessKey"
        );
    }

    #[test]
    fn rejects_every_wrong_type_in_one_pass() {
        let (_, findings) = read_spec(json!({
            "bucketName": 7, "endpoint": ["a"], "authMethod": true, "useDualStack": 1,
            "secretRef": {"name": 3, "namespace": "ok"}
        }));
        assert_eq!(
            paths(&findings),
            [
                "spec.bucketName",
                "spec.endpoint",
                "spec.authMethod",
                "spec.useDualStack",
                "spec.secretRef.name"
            ]
        );
    }

    #[test]
    fn rejects_spec_that_is_not_an_object() {
        let mut findings = Findings::default();
        read(&json!({"spec": "nope"}), &mut findings);
        assert_eq!(paths(&findings)[0], "spec");
    }
}
