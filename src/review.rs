//! The `AdmissionReview` envelope: decoding what the API server sends, and encoding the
//! answer it expects.
//!
//! Decoding is forgiving in the order that keeps the caller informed: a body that is not a
//! review at all gets an HTTP 400; a review whose `uid` can be read but whose request does
//! not decode gets a denial that echoes the `uid`, because the API server only shows the
//! user a denial, while anything else becomes an opaque "failed calling webhook".

use base64::Engine as _;
use kube::core::{
    DynamicObject, Status, TypeMeta,
    admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation},
    response::{StatusCause, StatusDetails, StatusSummary},
};
use serde::Serialize;
use serde_json::Value;

use crate::policy::{Finding, GROUP, KIND, Verdict};

/// A decoded review request.
pub type Request = AdmissionRequest<DynamicObject>;

/// Decodes a review body.
///
/// # Errors
/// [`Unreadable::Body`] when the body is not an `AdmissionReview` with a `request`;
/// [`Unreadable::Request`] when it is, but the request does not decode.
pub fn decode(body: &[u8]) -> Result<Request, Unreadable> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::body(
            "empty",
            "the request body is empty; send an AdmissionReview".into(),
        ));
    }
    match serde_json::from_slice::<AdmissionReview<DynamicObject>>(body) {
        Ok(review) => review.try_into().map_err(|_| {
            let message = "the AdmissionReview has no request; send one with a request";
            Unreadable::body("no_request", message.into())
        }),
        Err(error) => Err(explain(body, &error)),
    }
}

/// Works out from the untyped body how much of the review can still be answered.
fn explain(body: &[u8], error: &serde_json::Error) -> Unreadable {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Unreadable::body(
            "not_json",
            format!("the body is not JSON ({error}); send an AdmissionReview"),
        );
    };
    let uid = value.pointer("/request/uid").and_then(Value::as_str);
    match uid {
        Some(uid) if !uid.is_empty() => Unreadable::Request {
            types: TypeMeta {
                api_version: value
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("admission.k8s.io/v1")
                    .to_owned(),
                kind: "AdmissionReview".to_owned(),
            },
            uid: uid.to_owned(),
            // serde's message can quote the offending value: it goes back to the caller, whose
            // object it is, and never into the log.
            message: format!("the admission request could not be decoded: {error}"),
        },
        _ => Unreadable::body(
            "not_a_review",
            format!("the body is not an AdmissionReview with a request.uid ({error})"),
        ),
    }
}

/// A review that cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// No review can be read from the body: answered with HTTP 400.
    Body {
        /// A fixed word for logs and metrics: `empty`, `not_json`, `no_request`,
        /// `not_a_review`.
        reason: &'static str,
        /// What is wrong, for the caller.
        message: String,
    },
    /// The review's uid is readable but its request is not: answered with a denial.
    Request {
        /// The envelope's `apiVersion` and `kind`, echoed.
        types: TypeMeta,
        /// The request's uid, echoed.
        uid: String,
        /// What could not be decoded.
        message: String,
    },
}

impl Unreadable {
    fn body(reason: &'static str, message: String) -> Self {
        Self::Body { reason, message }
    }

    /// The denial for [`Unreadable::Request`], as bytes to send; `None` for a body that
    /// cannot be answered with a review.
    pub fn answer(&self) -> Option<Vec<u8>> {
        let Self::Request {
            types,
            uid,
            message,
        } = self
        else {
            return None;
        };
        let mut response = AdmissionResponse::invalid(message);
        response.types = types.clone();
        response.uid = uid.clone();
        response.result.code = 400;
        response.result.reason = "BadRequest".to_owned();
        Some(encode(response))
    }
}

/// Whether the rules apply to a request at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A CREATE or UPDATE of a BucketStateStore: judge it.
    Store {
        /// The new object, as JSON.
        object: &'a Value,
        /// The stored object on UPDATE, as JSON.
        old_object: Option<&'a Value>,
    },
    /// DELETE, CONNECT or a subresource (status): nothing to check, no patch.
    Skipped,
    /// Another kind: the webhook configuration sends more than it should.
    OtherKind,
}

/// Decides whether `request` is for this service's rules.
pub fn scope(request: &Request) -> Scope<'_> {
    if request.kind.group != GROUP || request.kind.kind != KIND {
        return Scope::OtherKind;
    }
    let subresource = request
        .sub_resource
        .as_deref()
        .is_some_and(|s| !s.is_empty());
    match (&request.operation, &request.object) {
        (Operation::Create | Operation::Update, Some(object)) if !subresource => Scope::Store {
            object: &object.data,
            old_object: request.old_object.as_ref().map(|old| &old.data),
        },
        _ => Scope::Skipped,
    }
}

/// The request's operation as the API server spells it.
pub fn operation(request: &Request) -> &'static str {
    match request.operation {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// The answer to `request` for `verdict`: allowed with warnings, or denied with every
/// violation in one message, the HTTP code and reason of the denial, and one cause a field.
pub fn answer(request: &Request, verdict: &Verdict) -> AdmissionResponse {
    let mut response = AdmissionResponse::from(request);
    let warnings = verdict.warnings();
    if !warnings.is_empty() {
        response.warnings = Some(warnings.iter().map(Finding::to_string).collect());
    }
    if let Verdict::Deny {
        reason, violations, ..
    } = verdict
    {
        response.allowed = false;
        response.result = Status {
            status: Some(StatusSummary::Failure),
            code: reason.code(),
            message: verdict.message(),
            reason: reason.as_str().to_owned(),
            details: Some(StatusDetails {
                name: request.name.clone(),
                group: GROUP.to_owned(),
                kind: "bucketstatestores".to_owned(),
                uid: String::new(),
                causes: violations.iter().map(cause).collect(),
                retry_after_seconds: 0,
            }),
            ..Status::default()
        };
    }
    response
}

fn cause(violation: &Finding) -> StatusCause {
    StatusCause {
        reason: "FieldValueInvalid".to_owned(),
        message: violation.message.clone(),
        field: violation.path.clone(),
    }
}

/// Serialises `response` in its review envelope, with the patch as standard base64 text as
/// the API documents it (kube-core would write a list of byte values).
pub fn encode(mut response: AdmissionResponse) -> Vec<u8> {
    // kube-core keeps `patchType` private; it stays set while the bytes are taken out.
    let patch = response.patch.take();
    let wire = Wire {
        api_version: &response.types.api_version,
        kind: "AdmissionReview",
        response: WireResponse {
            response: &response,
            patch: patch.map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
        },
    };
    // Strings, booleans and maps of them always serialise.
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// The review envelope as written on the wire.
#[derive(Serialize)]
struct Wire<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'static str,
    response: WireResponse<'a>,
}

/// kube-core's response with the patch as base64 text in place of its list of bytes.
#[derive(Serialize)]
struct WireResponse<'a> {
    #[serde(flatten)]
    response: &'a AdmissionResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    patch: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::policy::DenyReason;

    fn review(object: Value) -> Value {
        json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": "u-1",
                "kind": {"group": GROUP, "version": "v1alpha1", "kind": KIND},
                "resource": {
                    "group": GROUP, "version": "v1alpha1", "resource": "bucketstatestores"
                },
                "name": "s", "operation": "CREATE", "userInfo": {"username": "jo"},
                "object": object, "oldObject": null, "dryRun": false
            }
        })
    }

    fn store() -> Value {
        json!({"apiVersion": "platform.kratix.io/v1alpha1", "kind": KIND,
               "metadata": {"name": "s"}, "spec": {"insecure": "true"}})
    }

    #[test]
    fn rejects_empty_body_as_unreadable() {
        assert_eq!(
            decode(b"  \n").err(),
            Some(Unreadable::Body {
                reason: "empty",
                message: "the request body is empty; send an AdmissionReview".into()
            })
        );
    }

    #[test]
    fn rejects_review_without_request() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
        let unreadable = decode(body).err();
        let Some(Unreadable::Body { reason, message }) = unreadable else {
            panic!("expected an unreadable body, got {unreadable:?}");
        };
        assert_eq!(reason, "no_request");
        assert!(message.contains("no request"), "{message}");
    }

    #[test]
    fn rejects_non_json_as_unreadable() {
        let unreadable = decode(b"{nope").err();
        let Some(Unreadable::Body { reason, message }) = unreadable else {
            panic!("expected an unreadable body, got {unreadable:?}");
        };
        assert_eq!(reason, "not_json");
        assert!(message.contains("not JSON"), "{message}");
    }

    #[test]
    fn denies_undecodable_request_echoing_uid_and_version() {
        let mut body = review(store());
        body["apiVersion"] = json!("admission.k8s.io/v1beta1");
        body["request"]["operation"] = json!("EXPLODE");
        let unreadable = decode(&serde_json::to_vec(&body).expect("json")).expect_err("bad op");
        let answer: Value =
            serde_json::from_slice(&unreadable.answer().expect("uid known")).expect("json");
        assert_eq!(answer["apiVersion"], "admission.k8s.io/v1beta1");
        assert_eq!(answer["response"]["uid"], "u-1");
        assert_eq!(answer["response"]["allowed"], false);
        assert_eq!(answer["response"]["status"]["code"], 400);
    }

    #[test]
    fn decodes_wrong_typed_spec_untyped() {
        let request =
            decode(&serde_json::to_vec(&review(store())).expect("json")).expect("decodes");
        assert!(matches!(
            scope(&request),
            Scope::Store {
                old_object: None,
                ..
            }
        ));
        assert_eq!(
            request.object.expect("object").data["spec"]["insecure"],
            "true"
        );
    }

    #[test]
    fn encodes_patch_as_standard_base64() {
        let request =
            decode(&serde_json::to_vec(&review(store())).expect("json")).expect("decodes");
        let patch: json_patch::Patch =
            serde_json::from_value(json!([{"op": "add", "path": "/spec/a", "value": 1}]))
                .expect("patch");
        let response = AdmissionResponse::from(&request)
            .with_patch(patch)
            .expect("serialises");
        let answer: Value = serde_json::from_slice(&encode(response)).expect("json");
        assert_eq!(answer["response"]["patchType"], "JSONPatch");
        assert_eq!(
            answer["response"]["patch"],
            "W3sib3AiOiJhZGQiLCJwYXRoIjoiL3NwZWMvYSIsInZhbHVlIjoxfV0="
        );
    }

    #[test]
    fn denial_carries_code_reason_and_causes() {
        let request =
            decode(&serde_json::to_vec(&review(store())).expect("json")).expect("decodes");
        let verdict = Verdict::Deny {
            reason: DenyReason::Invalid,
            violations: vec![Finding::new("spec.insecure", "must be a boolean")],
            warnings: vec![Finding::new("spec.x", "careful")],
        };
        let answer: Value =
            serde_json::from_slice(&encode(answer(&request, &verdict))).expect("json");
        assert_eq!(
            answer["response"],
            json!({
                "uid": "u-1", "allowed": false, "warnings": ["spec.x: careful"],
                "status": {
                    "status": "Failure", "code": 422, "reason": "Invalid",
                    "message": "spec.insecure: must be a boolean.",
                    "details": {"name": "s", "group": GROUP, "kind": "bucketstatestores",
                        "causes": [{"reason": "FieldValueInvalid",
                        "message": "must be a boolean", "field": "spec.insecure"}]}
                }
            })
        );
    }
}
