//! Properties over generated input, bounded so the file runs in a few seconds: no input
//! makes decoding or the static checks panic, and validation never denies a valid store
//! that the mutating half just defaulted.
//!
//! The fuzz targets in `fuzz/` explore the same functions without bounds; these runs keep
//! the promise in the normal test suite.

use std::{sync::Arc, time::Duration};

use proptest::{prelude::*, test_runner::Config};
use serde_json::{Map, Value, json};

use bucketstatestore_webhook::{
    config::MissingSecret,
    policy::{self, Policy, Verdict, defaults},
    review,
    secrets::{SecretIndex, SecretStore},
};

/// Any JSON value, a few levels deep, with the keys the service reads mixed in so that
/// generated objects reach past the first type check.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("spec".to_owned()),
        Just("authMethod".to_owned()),
        Just("secretRef".to_owned()),
        Just("endpoint".to_owned()),
        Just("bucketName".to_owned()),
        Just("insecure".to_owned()),
        Just("name".to_owned()),
        Just("namespace".to_owned()),
        "[a-zA-Z]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::String),
        Just(json!("IAM")),
        Just(json!("accessKey")),
        Just(json!("minio.store.svc:9000")),
    ];
    leaf.prop_recursive(3, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A review envelope with generated values in the places the decoder looks at.
fn review_ish() -> impl Strategy<Value = Value> {
    let operation = prop_oneof![
        Just(json!("CREATE")),
        Just(json!("UPDATE")),
        Just(json!("DELETE")),
        json_value(),
    ];
    (
        json_value(),
        json_value(),
        operation,
        json_value(),
        any::<bool>(),
    )
        .prop_map(|(object, old_object, operation, uid, typed_uid)| {
            let uid = if typed_uid { json!("u-1") } else { uid };
            json!({
                "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": {
                    "uid": uid,
                    "kind": {"group": "platform.kratix.io", "version": "v1alpha1",
                             "kind": "BucketStateStore"},
                    "resource": {"group": "platform.kratix.io", "version": "v1alpha1",
                                 "resource": "bucketstatestores"},
                    "operation": operation, "userInfo": {},
                    "object": object, "oldObject": old_object
                }
            })
        })
}

fn quick(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Decodes `body`; a decoded review is answered and encoded, as the server would.
fn decode_and_answer(body: &[u8]) {
    match review::decode(body) {
        Ok(request) => {
            let _ = review::scope(&request);
            let verdict = Verdict::Allow {
                warnings: Vec::new(),
            };
            let answer = review::encode(review::answer(&request, &verdict));
            assert!(serde_json::from_slice::<Value>(&answer).is_ok());
        }
        Err(unreadable) => {
            if let Some(answer) = unreadable.answer() {
                assert!(serde_json::from_slice::<Value>(&answer).is_ok());
            }
        }
    }
}

proptest! {
    #![proptest_config(quick(512))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(body in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_and_answer(&body);
    }
}

proptest! {
    #![proptest_config(quick(256))]

    #[test]
    fn decoding_review_like_json_never_panics(review in review_ish()) {
        decode_and_answer(&serde_json::to_vec(&review).expect("a Value serialises"));
    }

    #[test]
    fn static_checks_never_panic_on_arbitrary_specs(spec in json_value()) {
        let object = json!({"kind": "BucketStateStore", "metadata": {"name": "s"}, "spec": spec});
        let (findings, _reference) = policy::check_static(&object);
        let _ = findings.is_allowed();
        let _ = defaults::patch(&object);
    }
}

/// A valid store as a user might write it: IAM, or accessKey with its Secret in place;
/// `authMethod` and `insecure` are left out at random for the mutating half to add.
#[derive(Debug, Clone)]
struct ValidStore {
    object: Value,
    secret: Option<Value>,
}

fn valid_store() -> impl Strategy<Value = ValidStore> {
    let endpoint = prop_oneof![
        Just("minio.store.svc:9000"),
        Just("s3.amazonaws.com"),
        Just("storage.example.com"),
        Just("127.0.0.1:9000"),
    ];
    (
        "[a-z][a-z0-9]{2,20}",
        endpoint,
        any::<bool>(),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        "[a-z][a-z0-9]{0,10}",
        "[a-z][a-z0-9]{0,10}",
    )
        .prop_map(
            |(bucket, endpoint, iam, insecure, explicit_auth, name, namespace)| {
                let mut spec = json!({"bucketName": bucket, "endpoint": endpoint});
                if let Some(insecure) = insecure {
                    spec["insecure"] = json!(insecure);
                }
                let secret = if iam {
                    spec["authMethod"] = json!("IAM");
                    None
                } else {
                    if explicit_auth {
                        spec["authMethod"] = json!("accessKey");
                    }
                    spec["secretRef"] = json!({"name": name, "namespace": namespace});
                    Some(json!({
                        "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                        "data": {"accessKeyID": "QUtJQQ==", "secretAccessKey": "c2VjcmV0"}
                    }))
                };
                let object = json!({
                    "apiVersion": "platform.kratix.io/v1alpha1", "kind": "BucketStateStore",
                    "metadata": {"name": "store"}, "spec": spec
                });
                ValidStore { object, secret }
            },
        )
}

proptest! {
    #![proptest_config(quick(256))]

    #[test]
    fn validation_allows_what_mutation_produced_for_valid_stores(store in valid_store()) {
        let mut index = SecretIndex::default();
        if let Some(secret) = &store.secret {
            index.insert(secret);
        }
        let policy = Policy::new(
            SecretStore::Manifests(Arc::new(index)),
            MissingSecret::Deny,
            Duration::from_secs(1),
        );
        let mut object = store.object.clone();
        if let Some(patch) = defaults::patch(&object) {
            json_patch::patch(&mut object, &patch).expect("the defaults patch applies");
        }
        prop_assert_eq!(defaults::patch(&object), None, "defaulting is idempotent");

        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let verdict = runtime.block_on(policy.judge(&object, None, Duration::from_secs(1)));
        prop_assert!(verdict.is_allowed(), "{:?} denied: {:?}", object, verdict);
    }
}
