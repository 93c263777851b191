//! The mutating half: the JSON Patch that fills in `spec.authMethod` and `spec.insecure`.
//!
//! Only `add` operations, only on a parent that exists in the received object, and only for
//! fields that are absent, so the patch can be applied twice without changing anything
//! (the API server may call a mutating webhook again). Present values of the wrong type
//! are left alone: validation denies them with a message.

use json_patch::{AddOperation, Patch, PatchOperation, jsonptr::PointerBuf};
use serde_json::{Map, Value, json};

/// A field of `spec` and how to make its default.
type Default = (&'static str, fn() -> Value);

/// The defaults, in the order they are added.
const DEFAULTS: [Default; 2] = [
    ("authMethod", || json!("accessKey")),
    ("insecure", || json!(false)),
];

/// Returns the patch that adds the missing defaults to `object`, or `None` when nothing is
/// missing (an empty patch is never sent).
///
/// A missing or `null` spec is added whole; a spec that is not an object is left for
/// validation to deny. A `null` field counts as absent, as it does for the API server's own
/// defaulting.
pub fn patch(object: &Value) -> Option<Patch> {
    let operations = match object.get("spec") {
        None | Some(Value::Null) => {
            let spec: Map<String, Value> = DEFAULTS
                .iter()
                .map(|(key, value)| ((*key).to_owned(), value()))
                .collect();
            vec![add(&["spec"], Value::Object(spec))]
        }
        Some(Value::Object(spec)) => DEFAULTS
            .iter()
            .filter(|(key, _)| spec.get(*key).is_none_or(Value::is_null))
            .map(|(key, value)| add(&["spec", key], value()))
            .collect(),
        Some(_) => Vec::new(),
    };
    (!operations.is_empty()).then_some(Patch(operations))
}

fn add(tokens: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: PointerBuf::from_tokens(tokens.iter().copied()),
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(object: Value) -> Value {
        serde_json::to_value(patch(&object)).expect("a patch serialises")
    }

    #[test]
    fn adds_both_defaults_when_absent() {
        assert_eq!(
            ops(json!({"spec": {"bucketName": "b", "endpoint": "e"}})),
            json!([
                {"op": "add", "path": "/spec/authMethod", "value": "accessKey"},
                {"op": "add", "path": "/spec/insecure", "value": false}
            ])
        );
    }

    #[test]
    fn adds_only_the_missing_default() {
        assert_eq!(
            ops(json!({"spec": {"authMethod": "IAM"}})),
            json!([{"op": "add", "path": "/spec/insecure", "value": false}])
        );
        assert_eq!(
            ops(json!({"spec": {"insecure": true}})),
            json!([{"op": "add", "path": "/spec/authMethod", "value": "accessKey"}])
        );
    }

    #[test]
    fn adds_whole_spec_when_spec_is_missing() {
        let expected = json!([
            {"op": "add", "path": "/spec", "value": {"authMethod": "accessKey", "insecure": false}}
        ]);
        assert_eq!(ops(json!({"metadata": {"name": "x"}})), expected);
        assert_eq!(ops(json!({"spec": null})), expected);
    }

    #[test]
    fn sends_no_patch_when_nothing_is_missing() {
        assert_eq!(
            patch(&json!({"spec": {"authMethod": "IAM", "insecure": false}})),
            None
        );
    }

    #[test]
    fn leaves_wrong_types_and_empty_strings_alone() {
        assert_eq!(
            patch(&json!({"spec": {"authMethod": "", "insecure": "true"}})),
            None
        );
        assert_eq!(patch(&json!({"spec": "not an object"})), None);
    }

    #[test]
    fn replaces_null_fields() {
        assert_eq!(
            ops(json!({"spec": {"authMethod": null, "insecure": false}})),
            json!([{"op": "add", "path": "/spec/authMethod", "value": "accessKey"}])
        );
    }

    #[test]
    fn patch_is_idempotent() {
        let mut object = json!({"spec": {"bucketName": "b"}});
        let first = patch(&object).expect("defaults are missing");
        json_patch::patch(&mut object, &first).expect("the patch applies");
        assert_eq!(
            object,
            json!({"spec": {"bucketName": "b", "authMethod": "accessKey", "insecure": false}})
        );
        assert_eq!(patch(&object), None);
    }
}
