//! Replays admission cases against the real binary over TLS, with Secret reads answered by a
//! stand-in of the Kubernetes API.
//!
//! The project's own cases live in `tests/fixtures/admission-cases.json`. Where the shared
//! reference cases (`../shared/cases/admission-cases.json`) exist, every one of them is
//! replayed too; without that folder the second test only prints that it skipped.

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use common::{Fault, StandInApi, Webhook, patch_of};

/// One case in the project's own form.
#[derive(Debug, Clone)]
struct Case {
    id: String,
    /// The review to send, or `None` for a raw body.
    review: Option<Value>,
    raw_body: Option<String>,
    query: Option<String>,
    secrets: Vec<Value>,
    faults: Vec<(String, String, Fault)>,
    expect: Value,
}

/// Builds the review for a case of the project's form: the request fields the case gives,
/// filled up with what kube-apiserver always sends.
fn envelope(case: &Value) -> Value {
    let object = case.get("object").cloned().unwrap_or(Value::Null);
    let name = object
        .pointer("/metadata/name")
        .or_else(|| case.pointer("/oldObject/metadata/name"));
    let gvk =
        json!({"group": "platform.kratix.io", "version": "v1alpha1", "kind": "BucketStateStore"});
    let gvr = json!({
        "group": "platform.kratix.io", "version": "v1alpha1", "resource": "bucketstatestores"
    });
    let operation = case["operation"].as_str().unwrap_or("CREATE");
    let options_kind = match operation {
        "DELETE" => "DeleteOptions",
        "UPDATE" => "UpdateOptions",
        _ => "CreateOptions",
    };
    let mut request = json!({
        "uid": format!("uid-{}", case["id"].as_str().unwrap_or("case")),
        "kind": case.get("kind").cloned().unwrap_or(gvk.clone()),
        "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "name": name.cloned().unwrap_or(json!("")),
        "operation": operation,
        "userInfo": {"username": "platform-admin", "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": case.get("oldObject").cloned().unwrap_or(Value::Null),
        "dryRun": case.get("dryRun").cloned().unwrap_or(json!(false)),
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": options_kind},
    });
    if let Some(subresource) = case.get("subResource") {
        request["subResource"] = subresource.clone();
        request["requestSubResource"] = subresource.clone();
    }
    let api_version = case
        .get("apiVersion")
        .cloned()
        .unwrap_or(json!("admission.k8s.io/v1"));
    json!({"apiVersion": api_version, "kind": "AdmissionReview", "request": request})
}

fn faults(list: Option<&Value>) -> Vec<(String, String, Fault)> {
    let list = list.and_then(Value::as_array).cloned().unwrap_or_default();
    list.iter()
        .map(|fault| {
            let kind = match fault["fault"].as_str() {
                Some("forbidden") => Fault::Forbidden,
                Some("hang") => Fault::Hang,
                other => panic!("unknown fault {other:?}"),
            };
            let namespace = fault["namespace"]
                .as_str()
                .expect("fault namespace")
                .to_owned();
            (
                namespace,
                fault["name"].as_str().expect("fault name").to_owned(),
                kind,
            )
        })
        .collect()
}

fn secrets(list: Option<&Value>) -> Vec<Value> {
    list.and_then(Value::as_array).cloned().unwrap_or_default()
}

fn own_cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission-cases.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixtures")).expect("JSON");
    cases
        .iter()
        .map(|case| Case {
            id: case["id"].as_str().expect("id").to_owned(),
            review: case.get("rawBody").is_none().then(|| envelope(case)),
            raw_body: case["rawBody"].as_str().map(str::to_owned),
            query: case["query"].as_str().map(str::to_owned),
            secrets: secrets(case.get("secrets")),
            faults: faults(case.get("faults")),
            expect: case["expect"].clone(),
        })
        .collect()
}

fn shared_cases() -> Option<Vec<Case>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases/admission-cases.json");
    let text = std::fs::read_to_string(path).ok()?;
    let cases: Vec<Value> = serde_json::from_str(&text).expect("shared cases are JSON");
    Some(
        cases
            .iter()
            .map(|case| Case {
                id: case["id"].as_str().expect("id").to_owned(),
                review: case.get("request").filter(|r| !r.is_null()).cloned(),
                raw_body: case
                    .pointer("/http/body")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                query: case["query"].as_str().map(str::to_owned),
                secrets: secrets(case.get("secrets")),
                faults: faults(case.get("clusterFaults")),
                expect: case["expect"].clone(),
            })
            .collect(),
    )
}

/// Runs one case against both endpoints; returns every mismatch found.
async fn run(webhook: &Webhook, api: &StandInApi, case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let expect = &case.expect;
    let suffix = case
        .query
        .as_ref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    api.reset(&case.secrets, &case.faults);

    let Some(review) = &case.review else {
        let body = case.raw_body.clone().unwrap_or_default();
        let (status, answer) = webhook
            .post(&format!("/validate{suffix}"), body.as_bytes())
            .await;
        let text = String::from_utf8_lossy(&answer).to_lowercase();
        if status != 400 {
            problems.push(format!("raw body: HTTP {status}, expected 400"));
        }
        for word in expect["messageContains"].as_array().into_iter().flatten() {
            let word = word.as_str().unwrap_or_default().to_lowercase();
            if !text.contains(&word) {
                problems.push(format!("raw body answer {text:?} lacks {word:?}"));
            }
        }
        return problems;
    };

    // The mutating endpoint: exactly the expected patch, or none.
    let mutated = webhook.review(&format!("/mutate{suffix}"), review).await;
    let patch = patch_of(&mutated);
    if patch != expect.get("patch").cloned().filter(|p| !p.is_null()) {
        problems.push(format!(
            "mutate: patch {patch:?}, expected {:?}",
            expect["patch"]
        ));
    }
    if mutated["response"]["allowed"] != json!(true) {
        problems.push("mutate: not allowed".to_owned());
    }
    let lookups_after_mutate = api.gets();
    if lookups_after_mutate != 0 {
        problems.push(format!("mutate made {lookups_after_mutate} Secret lookups"));
    }

    // The validating endpoint: verdict, message, lookups, envelope, time.
    let started = Instant::now();
    let answer = webhook.review(&format!("/validate{suffix}"), review).await;
    let elapsed = started.elapsed();
    let response = &answer["response"];
    if response["allowed"] != expect["allowed"] {
        problems.push(format!(
            "validate: allowed {} expected {}; {}",
            response["allowed"], expect["allowed"], response
        ));
    }
    let uid = review
        .pointer("/request/uid")
        .cloned()
        .unwrap_or(Value::Null);
    if response["uid"] != uid {
        problems.push(format!("validate: uid {} expected {uid}", response["uid"]));
    }
    if answer["apiVersion"] != review["apiVersion"] || answer["kind"] != "AdmissionReview" {
        problems.push(format!(
            "validate: envelope {} {}",
            answer["apiVersion"], answer["kind"]
        ));
    }
    if response.get("patch").is_some() || response.get("patchType").is_some() {
        problems.push("validate: returned a patch".to_owned());
    }
    let message = response["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    for word in expect["messageContains"].as_array().into_iter().flatten() {
        let word = word.as_str().unwrap_or_default().to_lowercase();
        if !message.contains(&word) {
            problems.push(format!("validate: message {message:?} lacks {word:?}"));
        }
    }
    let warnings = response["warnings"].to_string().to_lowercase();
    for word in expect["warningsContain"].as_array().into_iter().flatten() {
        let word = word.as_str().unwrap_or_default().to_lowercase();
        if !warnings.contains(&word) {
            problems.push(format!("validate: warnings {warnings} lack {word:?}"));
        }
    }
    if expect["allowed"] == json!(false) && response["status"]["code"].as_u64().unwrap_or(0) < 400 {
        problems.push(format!(
            "validate: denial without an error code: {}",
            response["status"]
        ));
    }
    let answer_text = answer.to_string();
    for secret in expect["messageExcludes"].as_array().into_iter().flatten() {
        let secret = secret.as_str().unwrap_or_default();
        if answer_text.contains(secret) {
            problems.push(format!(
                "validate: the answer contains the Secret value {secret:?}"
            ));
        }
    }
    if let Some(lookups) = expect["secretLookups"].as_u64() {
        let made = api.gets() as u64;
        if made != lookups {
            problems.push(format!(
                "validate: {made} Secret lookups, expected {lookups}"
            ));
        }
    }
    if let Some(seconds) = expect["respondWithinSeconds"].as_f64()
        && elapsed > Duration::from_secs_f64(seconds)
    {
        problems.push(format!(
            "validate: answered after {elapsed:?}, limit {seconds}s"
        ));
    }
    problems
}

async fn run_all(cases: &[Case], flags: &[&str]) {
    let api = StandInApi::start().await;
    let webhook = Webhook::start(&api, flags).await;
    let mut failures = Vec::new();
    for case in cases {
        for problem in run(&webhook, &api, case).await {
            failures.push(format!("{}: {problem}", case.id));
        }
    }

    // No Secret value may ever reach the logs, at the most verbose level.
    let logs = webhook.logs();
    for case in cases {
        for secret in case.expect["messageExcludes"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let secret = secret.as_str().unwrap_or_default();
            if !secret.is_empty() && logs.contains(secret) {
                failures.push(format!(
                    "{}: the logs contain the Secret value {secret:?}",
                    case.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_every_project_case() {
    run_all(&own_cases(), &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_every_shared_reference_case() {
    let Some(cases) = shared_cases() else {
        // Straight to the process's stderr: the harness captures `eprintln!` of passing tests.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: ../shared/cases/admission-cases.json is not there"
        );
        return;
    };
    assert_eq!(
        cases.len(),
        25,
        "the shared case file changed; review the new cases"
    );
    run_all(&cases, &[]).await;
}
