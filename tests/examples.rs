//! Keeps `examples/` honest: every review there carries exactly the store of the same name
//! in `examples/stores/`, and the server started as `make run` starts it gives the answers
//! the README shows.

mod common;

use std::{fs, path::Path};

use serde_json::{Value, json};

use common::{StandInApi, Webhook, patch_of};

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
}

fn review(name: &str) -> Value {
    let text = fs::read_to_string(examples().join(format!("reviews/{name}.json"))).expect("review");
    serde_json::from_str(&text).expect("review is JSON")
}

#[test]
fn reviews_carry_the_stores_of_the_same_name() {
    let mut checked = 0;
    for entry in fs::read_dir(examples().join("stores")).expect("stores folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let mut store: Value =
            serde_saphyr::from_str(&fs::read_to_string(&path).expect("store")).expect("YAML");
        store["metadata"]["creationTimestamp"] = Value::Null;
        assert_eq!(
            review(name)["request"]["object"],
            store,
            "examples/reviews/{name}.json"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

/// What the README promises for each example: the decoded patch, the verdict, and words of
/// the message and of the warnings.
struct Promise {
    name: &'static str,
    patch: Value,
    allowed: bool,
    message: &'static [&'static str],
    warnings: &'static [&'static str],
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_the_examples_as_the_readme_shows() {
    let api = StandInApi::start().await;
    let secrets_dir = examples().join("secrets");
    let webhook = Webhook::start(
        &api,
        &["--secrets-dir", secrets_dir.to_str().expect("utf-8")],
    )
    .await;
    let add = |path: &str, value: Value| json!({"op": "add", "path": path, "value": value});
    let promises = [
        Promise {
            name: "aws-access-key",
            patch: json!([add("/spec/insecure", json!(false))]),
            allowed: true,
            message: &[],
            warnings: &[],
        },
        Promise {
            name: "minio",
            patch: json!([add("/spec/authMethod", json!("accessKey"))]),
            allowed: true,
            message: &[],
            warnings: &["spec.insecure", "plain HTTP"],
        },
        Promise {
            name: "iam",
            patch: json!([add("/spec/insecure", json!(false))]),
            allowed: true,
            message: &[],
            warnings: &[],
        },
        Promise {
            name: "broken",
            patch: json!([
                add("/spec/authMethod", json!("accessKey")),
                add("/spec/insecure", json!(false))
            ]),
            allowed: false,
            message: &["spec.endpoint", "scheme", "https://"],
            warnings: &["spec.bucketName"],
        },
        Promise {
            name: "misspelt-secret-key",
            patch: Value::Null,
            allowed: false,
            message: &[
                "default/misspelt-credentials",
                "accessKeyId",
                "rename the key to accessKeyID",
            ],
            warnings: &[],
        },
    ];

    for promise in promises {
        let review = review(promise.name);
        let mutated = webhook.review("/mutate?timeout=10s", &review).await;
        assert_eq!(
            patch_of(&mutated).unwrap_or(Value::Null),
            promise.patch,
            "{} patch",
            promise.name
        );

        let answer = webhook.review("/validate?timeout=10s", &review).await;
        let response = &answer["response"];
        assert_eq!(
            response["allowed"], promise.allowed,
            "{}: {response}",
            promise.name
        );
        let message = response["status"]["message"].as_str().unwrap_or_default();
        for word in promise.message {
            assert!(
                message.contains(word),
                "{}: {message:?} lacks {word:?}",
                promise.name
            );
        }
        if !promise.allowed {
            assert_eq!(response["status"]["code"], 422, "{}", promise.name);
        }
        let warnings = response["warnings"].to_string();
        for word in promise.warnings {
            assert!(
                warnings.contains(word),
                "{}: {warnings} lacks {word:?}",
                promise.name
            );
        }
        if promise.warnings.is_empty() {
            assert_eq!(response.get("warnings"), None, "{}", promise.name);
        }
    }

    let logs = webhook.logs();
    for secret in [
        "AKIAEXAMPLEEXAMPLE00",
        "example/secret/access/key/not/real/000",
        "bWluaW9hZG1pbg==",
    ] {
        assert!(!logs.contains(secret), "the logs contain a Secret value");
    }
}
