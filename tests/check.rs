//! `bucketstatestore-webhook check` as a pipeline runs it: the real binary on the fixtures
//! under `tests/fixtures/check/`, with its output, exit code and standard input.
//!
//! The golden files under `expected/` hold the exact output of each format for the stores
//! in `golden/`; `UPDATE_GOLDEN=1 cargo test --test check` rewrites them, and the diff is
//! reviewed before it is committed. No test here contacts a cluster (`--cluster` is not
//! exercised).

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

const BINARY: &str = env!("CARGO_BIN_EXE_bucketstatestore-webhook");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

/// Runs `check` with `args` in the fixtures folder, so reported paths are relative to it.
fn check(args: &[&str]) -> Output {
    check_with_stdin(args, None)
}

fn check_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BINARY)
        .arg("check")
        .args(args)
        .current_dir(fixtures())
        // A kubeconfig is never read without --cluster; make sure none could be found anyway.
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("stdin accepts the input");
    }
    drop(pipe);
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

/// Compares `actual` with the golden file `name`, or rewrites it with `UPDATE_GOLDEN=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = fixtures().join("expected").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        fs::write(&path, actual).expect("the golden file is writable");
        return;
    }
    let expected = fs::read_to_string(&path).expect("the golden file exists");
    assert!(
        expected == actual,
        "output differs from {}; rerun with UPDATE_GOLDEN=1 and review the diff\n\
         --- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn reports_golden_set_in_human_format() {
    let output = check(&["golden"]);
    assert_eq!(code(&output), 1);
    assert_golden("human.txt", &stdout(&output));
}

#[test]
fn reports_golden_set_as_json_lines() {
    let output = check(&["golden", "--output", "json"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        for key in ["file", "line", "object", "field", "severity", "message"] {
            assert!(record.get(key).is_some(), "{key} missing in {line}");
        }
    }
    assert_golden("json.jsonl", &text);
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary.contains("8 stores checked: 4 denied, 1 with warnings"),
        "{summary}"
    );
}

#[test]
fn reports_golden_set_as_github_workflow_commands() {
    let output = check(&["golden", "--output", "github"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(
        text.lines()
            .all(|line| line.starts_with("::error ") || line.starts_with("::warning "))
    );
    assert_golden("github.txt", &text);
}

#[test]
fn accepts_store_whose_secret_is_later_in_the_same_file() {
    let output = check(&["secret-in-same-file.yaml"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "secret-in-same-file.yaml:1 BucketStateStore/minio\n  ok\n\
         1 store checked: 0 denied, 0 with warnings\n"
    );
}

#[test]
fn rejects_store_whose_secret_lacks_a_key() {
    let output = check(&["secret-lacks-key.yaml"]);
    assert_eq!(code(&output), 1);
    assert!(
        stdout(&output).contains("spec.secretRef: Secret store/creds has no key secretAccessKey"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn rejects_store_whose_secret_is_nowhere_in_the_input() {
    let store = fs::read(fixtures().join("secret-in-same-file.yaml")).expect("fixture");
    let text = String::from_utf8(store).expect("UTF-8");
    let without_secret = text.split("\n---\n").next().expect("the store comes first");
    let output = check_with_stdin(&["-"], Some(without_secret.as_bytes()));
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).contains("Secret store/creds was not found"));

    let warned = check_with_stdin(
        &["-", "--missing-secret", "warn"],
        Some(without_secret.as_bytes()),
    );
    assert_eq!(code(&warned), 0, "{}", stdout(&warned));
    assert!(stdout(&warned).contains("warning"));
}

#[test]
fn reports_misspelt_field_with_the_real_name() {
    let output = check(&["misspelt.yaml"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(
        text.contains(
            "line 8    error    spec.authmethod: is not a field of spec, so the API server \
             would silently drop it; did you mean authMethod?"
        ),
        "{text}"
    );
    // Pruned, the store falls back to accessKey, which needs a Secret it does not name.
    assert!(
        text.contains("spec.secretRef: is required with authMethod accessKey"),
        "{text}"
    );
}

#[test]
fn accepts_clean_stores_with_exit_zero() {
    let output = check(&["golden/good.yaml"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
}

#[test]
fn accepts_warnings_unless_strict() {
    assert_eq!(code(&check(&["warnings-only.yaml"])), 0);
    assert_eq!(code(&check(&["warnings-only.yaml", "--strict"])), 1);
}

#[test]
fn rejects_missing_path_with_exit_two_and_still_checks_the_rest() {
    let output = check(&["no-such-file.yaml", "warnings-only.yaml"]);
    assert_eq!(code(&output), 2);
    let text = stdout(&output);
    assert!(
        text.starts_with("no-such-file.yaml error: cannot open or list it"),
        "{text}"
    );
    assert!(
        text.contains("warnings-only.yaml:1 BucketStateStore/plain-http"),
        "{text}"
    );
}

#[test]
fn rejects_usage_errors_with_exit_two() {
    assert_eq!(code(&check(&["--output", "xml"])), 2);
}

#[test]
fn reads_standard_input_by_default_and_with_dash() {
    let input = fs::read(fixtures().join("secret-in-same-file.yaml")).expect("fixture");
    for args in [&[][..], &["-"][..]] {
        let output = check_with_stdin(args, Some(&input));
        assert_eq!(code(&output), 0, "{}", stdout(&output));
        assert!(stdout(&output).starts_with("-:1 BucketStateStore/minio\n"));
    }
    let output = check_with_stdin(&["-", "--output", "json"], Some(&input));
    assert_eq!(stdout(&output), "");
}

#[test]
fn reports_broken_files_in_a_folder_and_checks_the_good_ones() {
    let output = check(&["broken", "--output", "json"]);
    assert_eq!(code(&output), 2);
    let records: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    let unreadable: Vec<(&str, u64)> = records
        .iter()
        .filter(|record| record["object"].is_null())
        .map(|record| {
            let file = record["file"].as_str().expect("file");
            (file, record["line"].as_u64().expect("line"))
        })
        .collect();
    assert_eq!(
        unreadable,
        [("broken/b-broken.yaml", 5), ("broken/c-binary.yaml", 1)]
    );

    let human = stdout(&check(&["broken"]));
    assert!(
        human.contains("broken/a-good.yaml:1 BucketStateStore/minio\n  ok\n"),
        "{human}"
    );
    assert!(
        human.contains("broken/d-good.yml:1 BucketStateStore/plain-http"),
        "{human}"
    );
    assert!(!human.contains("ignored.txt"), "{human}");
    assert!(
        human
            .ends_with("2 stores checked: 0 denied, 1 with warnings; 2 inputs could not be read\n")
    );
}

#[test]
fn reports_no_secret_values() {
    let output = check(&["golden", "--output", "json"]);
    let text = stdout(&output);
    for value in [
        "EXAMPLEACCESSKEY",
        "example-secret-access-key",
        "RVhBTVBMRQ==",
    ] {
        assert!(!text.contains(value), "{value} leaked");
    }
}
