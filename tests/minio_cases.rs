//! Holds the endpoint and bucket-name checks to minio-go v7.2.1's verdicts.
//!
//! The small tables in `tests/fixtures/` always run. The full case files in
//! `../shared/cases/` run when that directory sits next to the repository, and are skipped
//! with a note otherwise, so a plain clone passes. Every row is run and all mismatches are
//! reported together.

use std::path::Path;

use bucketstatestore_webhook::policy::{
    Findings, bucket::check_bucket_name, endpoint::check_endpoint,
};
use serde_json::Value;

#[test]
fn fixture_endpoints_get_minio_go_verdicts() {
    let rows = parse(
        include_str!("fixtures/endpoints.json"),
        "tests/fixtures/endpoints.json",
    );
    assert_all_match(&rows, judge_endpoint_row);
}

#[test]
fn fixture_bucket_names_get_minio_go_verdicts() {
    let rows = parse(
        include_str!("fixtures/bucket-names.json"),
        "tests/fixtures/bucket-names.json",
    );
    assert_all_match(&rows, judge_bucket_row);
}

#[test]
fn shared_endpoint_cases_get_minio_go_verdicts() {
    let Some(rows) = shared_rows("endpoint-cases.json") else {
        return;
    };
    assert_all_match(&rows, judge_endpoint_row);
}

#[test]
fn shared_bucket_name_cases_get_minio_go_verdicts() {
    let Some(rows) = shared_rows("bucket-name-cases.json") else {
        return;
    };
    assert_all_match(&rows, judge_bucket_row);
}

/// Judges one endpoint row; `Err` says how the result differs from the row.
fn judge_endpoint_row(row: &Value) -> Result<(), String> {
    let endpoint = row["endpoint"]
        .as_str()
        .ok_or("row has no string \"endpoint\"")?;
    let insecure = row["insecure"].as_bool().unwrap_or(false);
    let mut findings = Findings::default();
    check_endpoint(endpoint, insecure, &mut findings);
    compare(row, &findings).map_err(|why| format!("{endpoint:?} (insecure: {insecure}): {why}"))
}

/// Judges one bucket-name row; `Err` says how the result differs from the row.
fn judge_bucket_row(row: &Value) -> Result<(), String> {
    let name = row["bucketName"]
        .as_str()
        .ok_or("row has no string \"bucketName\"")?;
    let mut findings = Findings::default();
    check_bucket_name(name, &mut findings);
    compare(row, &findings).map_err(|why| format!("{name:?}: {why}"))
}

/// Verdict equals `valid`; a valid row marked with a warning (`warning` in the shared files,
/// `warns` in ours) gets one; every message is one short sentence.
fn compare(row: &Value, findings: &Findings) -> Result<(), String> {
    let valid = row["valid"]
        .as_bool()
        .ok_or("row has no boolean \"valid\"")?;
    if findings.is_allowed() != valid {
        let expected = if valid { "allowed" } else { "denied" };
        return Err(format!("expected {expected}, got {findings:?}"));
    }
    let expects_warning =
        row.get("warning").is_some_and(|w| !w.is_null()) || row["warns"].as_bool().unwrap_or(false);
    if valid && expects_warning && findings.warnings.is_empty() {
        return Err(format!("expected a warning ({}), got none", row["warning"]));
    }
    if findings.violations.len() > 1 {
        return Err(format!("expected one denial at most, got {findings:?}"));
    }
    for finding in findings.violations.iter().chain(&findings.warnings) {
        let message = &finding.message;
        if message.contains('\n') || message.ends_with('.') || message.chars().count() > 160 {
            return Err(format!("message is not one short sentence: {message:?}"));
        }
    }
    Ok(())
}

/// Runs every row and fails once, listing each row that did not match.
fn assert_all_match(rows: &[Value], judge: fn(&Value) -> Result<(), String>) {
    let failures: Vec<String> = rows.iter().filter_map(|row| judge(row).err()).collect();
    let passed = rows.len() - failures.len();
    // Straight to stderr, past the harness's capture: the count is the point of this test.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{passed}/{} rows match", rows.len());
    assert!(
        failures.is_empty(),
        "{} of {} rows do not match:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Reads `../shared/cases/<file>` next to the repository, or `None` (with a note) when the
/// directory is absent.
fn shared_rows(file: &str) -> Option<Vec<Value>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases");
    if !dir.is_dir() {
        // Straight to the process's stderr: the harness captures `eprintln!` of passing tests.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: {} does not exist",
            dir.display()
        );
        return None;
    }
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    Some(parse(&text, &path.display().to_string()))
}

fn parse(text: &str, origin: &str) -> Vec<Value> {
    match serde_json::from_str(text) {
        Ok(Value::Array(rows)) => rows,
        Ok(_) => panic!("{origin} is not a JSON array"),
        Err(error) => panic!("{origin} is not valid JSON: {error}"),
    }
}
