//! The BucketStateStore's JSON Schema (`schema/bucketstatestore.schema.json`) and what the
//! API server would do with an object before any webhook sees it: drop unknown fields and
//! `null` values, then check types, the `authMethod` enum and the required fields.
//!
//! The schema is the single list of real field names: pruned fields are found through its
//! `additionalProperties: false`, and the hint for a misspelt key comes from the
//! `properties` next to it. The policy's rules are not here (see [`crate::policy`]).

use jsonschema::{Validator, error::ValidationErrorKind};
use serde_json::Value;

/// The schema text, as committed.
pub const SCHEMA: &str = include_str!("../../schema/bucketstatestore.schema.json");

/// A finding of the schema: the field's path segments and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFinding {
    /// The path of the field, one segment a key.
    pub path: Vec<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// What the schema says about one store.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaReport {
    /// Fields the API server would drop because the schema does not know them.
    pub pruned: Vec<SchemaFinding>,
    /// Type, enum and required-field errors of the object once pruned.
    pub invalid: Vec<SchemaFinding>,
}

/// The compiled schema, built once per run.
pub struct Schema {
    document: Value,
    validator: Validator,
}

/// Why the embedded schema cannot be used; a defect of the build, not of the input.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The schema file is not JSON.
    #[error("the embedded BucketStateStore schema is not JSON")]
    Json(#[source] serde_json::Error),
    /// The schema is not a valid JSON Schema.
    #[error("the embedded BucketStateStore schema is invalid: {0}")]
    Invalid(String),
}

impl Schema {
    /// Compiles the embedded schema.
    ///
    /// # Errors
    /// When the embedded file is not a valid JSON Schema (a unit test guards this).
    pub fn new() -> Result<Self, SchemaError> {
        let document: Value = serde_json::from_str(SCHEMA).map_err(SchemaError::Json)?;
        let validator = jsonschema::validator_for(&document)
            .map_err(|error| SchemaError::Invalid(error.to_string()))?;
        Ok(Self {
            document,
            validator,
        })
    }

    /// Checks `object` and removes from it what the API server would prune, so that it is
    /// left as the mutating and validating webhooks would receive it.
    pub fn apply(&self, object: &mut Value) -> SchemaReport {
        let mut report = SchemaReport::default();
        let mut unknown: Vec<Vec<String>> = Vec::new();
        for error in self.validator.iter_errors(object) {
            let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind() else {
                continue;
            };
            let parent = segments(error.instance_path().as_str());
            let known = self.known_fields(error.schema_path().as_str());
            for name in unexpected {
                let mut path = parent.clone();
                path.push(name.clone());
                let message = pruned_message(&parent, name, &known);
                report.pruned.push(SchemaFinding {
                    path: path.clone(),
                    message,
                });
                unknown.push(path);
            }
        }

        for path in &unknown {
            remove(object, path);
        }
        drop_nulls(object);

        for error in self.validator.iter_errors(object) {
            let mut path = segments(error.instance_path().as_str());
            let message = match error.kind() {
                ValidationErrorKind::AdditionalProperties { .. } => continue,
                ValidationErrorKind::Required { property } => {
                    path.push(property.as_str().unwrap_or_default().to_owned());
                    "is required".to_owned()
                }
                ValidationErrorKind::Type { .. } => {
                    let wanted = self.keyword(error.schema_path().as_str());
                    format!("must be {}", type_words(wanted.and_then(Value::as_str)))
                }
                ValidationErrorKind::Enum { options } => {
                    format!("must be one of {}", words(options))
                }
                ValidationErrorKind::Constant { expected_value } => {
                    format!("must be {}", words(expected_value))
                }
                _ => error.masked().to_string(),
            };
            report.invalid.push(SchemaFinding { path, message });
        }
        report
    }

    /// The value of the keyword the schema pointer `keyword` names.
    fn keyword(&self, keyword: &str) -> Option<&Value> {
        self.document.pointer(keyword)
    }

    /// The field names allowed next to the `additionalProperties` keyword at `keyword`.
    fn known_fields(&self, keyword: &str) -> Vec<String> {
        let parent = keyword.strip_suffix("/additionalProperties").unwrap_or("");
        let properties = self
            .document
            .pointer(&format!("{parent}/properties"))
            .and_then(Value::as_object);
        properties
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The message for a field the API server drops: where, and the nearest real name.
fn pruned_message(parent: &[String], name: &str, known: &[String]) -> String {
    let place = if parent.is_empty() {
        "a BucketStateStore".to_owned()
    } else {
        parent.join(".")
    };
    let drop = format!("is not a field of {place}, so the API server would silently drop it");
    match nearest(name, known.iter().map(String::as_str)) {
        Some(hint) => format!("{drop}; did you mean {hint}?"),
        None => format!("{drop}; remove it (known fields: {})", known.join(", ")),
    }
}

/// The known name closest to `name`, if it is close enough to be a misspelling: at most a
/// third of the longer name's letters apart (at least one), ignoring case.
pub fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let (distance, best) = known
        .map(|candidate| (distance(name, candidate), candidate))
        .min_by_key(|(distance, _)| *distance)?;
    let longest = name.chars().count().max(best.chars().count());
    (distance <= (longest / 3).max(1)).then_some(best)
}

/// The edit distance between two names, ignoring case: insertions, deletions,
/// substitutions and swaps of neighbouring letters each count one (optimal string
/// alignment).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    // rows[i][j]: the distance between the first i letters of a and the first j of b.
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Splits a JSON Pointer into its unescaped segments.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn remove(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = object;
    for segment in parents {
        match at.get_mut(segment.as_str()) {
            Some(child) => at = child,
            None => return,
        }
    }
    if let Value::Object(map) = at {
        map.remove(last.as_str());
    }
}

/// Removes `null` fields at every level of objects, as the API server does for fields that
/// are not `nullable` in the CRD (none of the store's are).
fn drop_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, field| !field.is_null());
        map.values_mut().for_each(drop_nulls);
    }
}

fn type_words(wanted: Option<&str>) -> &'static str {
    match wanted {
        Some("string") => "a string",
        Some("boolean") => "true or false without quotes",
        Some("object") => "an object",
        Some("array") => "a list",
        Some("integer" | "number") => "a number",
        _ => "of another type",
    }
}

/// Lists the allowed values of an `enum` or `const` keyword.
fn words(value: &Value) -> String {
    let word = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Array(values) => values.iter().map(word).collect::<Vec<_>>().join(" or "),
        other => word(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(findings: &[SchemaFinding]) -> Vec<String> {
        findings.iter().map(|f| f.path.join(".")).collect()
    }

    #[test]
    fn builds_the_embedded_schema() {
        Schema::new().expect("the committed schema compiles");
    }

    #[test]
    fn accepts_a_complete_store() {
        let schema = Schema::new().expect("schema");
        let mut store = json!({
            "apiVersion": "platform.kratix.io/v1alpha1", "kind": "BucketStateStore",
            "metadata": {"name": "s"},
            "spec": {"bucketName": "b", "endpoint": "e", "authMethod": "IAM", "path": "p",
                     "insecure": false, "useDualStack": true,
                     "secretRef": {"name": "n", "namespace": "ns"}}
        });
        let before = store.clone();
        assert_eq!(schema.apply(&mut store), SchemaReport::default());
        assert_eq!(store, before);
    }

    #[test]
    fn reports_and_prunes_unknown_fields_with_a_hint() {
        let schema = Schema::new().expect("schema");
        let mut store = json!({
            "kind": "BucketStateStore", "extra": 1,
            "spec": {"bucketName": "b", "endpoint": "e", "authmethod": "IAM",
                     "secretRef": {"nmae": "n"}}
        });
        let report = schema.apply(&mut store);
        let mut pruned = paths(&report.pruned);
        pruned.sort();
        assert_eq!(pruned, ["extra", "spec.authmethod", "spec.secretRef.nmae"]);
        let typo = report
            .pruned
            .iter()
            .find(|f| f.path.last().is_some_and(|k| k == "authmethod"))
            .expect("authmethod reported");
        assert!(
            typo.message.ends_with("did you mean authMethod?"),
            "{}",
            typo.message
        );
        assert_eq!(
            store["spec"],
            json!({"bucketName": "b", "endpoint": "e", "secretRef": {}})
        );
    }

    #[test]
    fn reports_types_enum_and_required_fields_by_path() {
        let schema = Schema::new().expect("schema");
        let mut store = json!({
            "spec": {"bucketName": null, "insecure": "yes", "authMethod": "iam", "path": 3}
        });
        let report = schema.apply(&mut store);
        assert!(report.pruned.is_empty());
        let mut invalid: Vec<(String, String)> = report
            .invalid
            .iter()
            .map(|f| (f.path.join("."), f.message.clone()))
            .collect();
        invalid.sort();
        assert_eq!(
            invalid,
            [
                (
                    "spec.authMethod".into(),
                    "must be one of accessKey or IAM".into()
                ),
                ("spec.bucketName".into(), "is required".into()),
                ("spec.endpoint".into(), "is required".into()),
                (
                    "spec.insecure".into(),
                    "must be true or false without quotes".into()
                ),
                ("spec.path".into(), "must be a string".into()),
            ]
        );
    }

    #[test]
    fn measures_edit_distance_ignoring_case() {
        assert_eq!(distance("authmethod", "authMethod"), 0);
        assert_eq!(distance("nmae", "name"), 1);
        assert_eq!(distance("endpont", "endpoint"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_names() {
        let known = ["bucketName", "endpoint", "authMethod", "secretRef"];
        assert_eq!(nearest("bucketname", known.into_iter()), Some("bucketName"));
        assert_eq!(nearest("secretRefs", known.into_iter()), Some("secretRef"));
        assert_eq!(nearest("region", known.into_iter()), None);
        assert_eq!(nearest("x", std::iter::empty()), None);
    }
}
