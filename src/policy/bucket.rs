//! `spec.bucketName`: the verdict of minio-go's non-strict `CheckValidBucketName`, and
//! warnings for names it accepts that AWS or virtual-host-style URLs do not.
//!
//! Every Kratix call on the bucket runs the non-strict check (minio-go v7.2.1,
//! `pkg/s3utils/utils.go`); only `MakeBucket`, which Kratix never calls, runs the strict one.
//! So a name passing only the non-strict check is allowed, with a warning.
//!
//! Whether the bucket exists is not checked here.

use super::{Findings, quote};

/// Judges `spec.bucketName` as minio-go v7.2.1's non-strict check would.
///
/// Records one denial when minio-go would refuse the name (its first failing step), and
/// otherwise a warning per reason the name is still likely to fail against AWS.
pub fn check_bucket_name(name: &str, findings: &mut Findings) {
    match admit(name) {
        Ok(()) => {
            for warning in warnings(name) {
                findings.warn(FIELD, warning);
            }
        }
        Err(message) => findings.deny(FIELD, message),
    }
}

/// JSON path of the field judged here.
const FIELD: &str = "spec.bucketName";

/// minio-go's steps, in its order; the first failure wins.
fn admit(name: &str) -> Result<(), String> {
    let quoted = quote(name);
    if name.trim().is_empty() {
        return Err("is empty: set it to the name of an existing bucket, e.g. kratix".into());
    }
    // minio-go measures the untrimmed name in bytes, so "ab\n" gets past this step.
    if name.len() < 3 {
        return Err(format!(
            "{quoted} is shorter than 3 characters; use 3 to 63 characters"
        ));
    }
    if name.len() > 63 {
        let length = name.len();
        return Err(format!(
            "is {length} bytes long; use a name of at most 63 characters"
        ));
    }
    if is_dotted_quad(name) {
        return Err(format!(
            "{quoted} has the form of an IP address; use a name with letters"
        ));
    }
    if let Some(pair) = ["..", ".-", "-."]
        .into_iter()
        .find(|pair| name.contains(pair))
    {
        return Err(format!(
            "{quoted} contains {pair:?}; a \".\" must have a letter or digit on both sides"
        ));
    }

    // `^[A-Za-z0-9][A-Za-z0-9._:-]{1,61}[A-Za-z0-9]$`; the length steps above already hold
    // the name to 3..=63 bytes, and the pattern admits ASCII only, so bytes are characters.
    let (Some(first), Some(last)) = (name.chars().next(), name.chars().next_back()) else {
        return Err("is empty: set it to the name of an existing bucket, e.g. kratix".into());
    };
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "{quoted} must start with a letter or digit, not {first:?}"
        ));
    }
    if !last.is_ascii_alphanumeric() {
        return Err(format!(
            "{quoted} must end with a letter or digit, not {last:?}"
        ));
    }
    let allowed = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
    if let Some(refused) = name.chars().find(|c| !allowed(c)) {
        return Err(format!(
            "{quoted} contains {refused:?}; use lower-case letters, digits, \".\" and \"-\""
        ));
    }
    Ok(())
}

/// `^(\d+\.){3}\d+$` with Go's ASCII-only `\d`: no range check, leading zeros allowed.
fn is_dotted_quad(name: &str) -> bool {
    let groups: Vec<&str> = name.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Reasons an accepted name will still fail or misbehave, one sentence each.
fn warnings(name: &str) -> Vec<String> {
    let quoted = quote(name);
    let mut warnings = Vec::new();

    // Only the strict check (AWS naming rules) refuses these; AWS itself never has such a
    // bucket, though some other S3 servers do.
    let mut outside = Vec::new();
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        outside.push("upper case");
    }
    if name.contains('_') {
        outside.push("\"_\"");
    }
    if name.contains(':') {
        outside.push("\":\"");
    }
    if !outside.is_empty() {
        let outside = outside.join(", ");
        warnings.push(format!(
            "{quoted} has {outside}, which AWS bucket names cannot have; use lower case, digits, \
                \".\", \"-\""
        ));
    }
    if name.contains(':') {
        warnings.push(format!(
            "{quoted} contains \":\", which breaks virtual-host-style URLs; use \"-\" instead"
        ));
    }

    // AWS reserves these for its own features; minio-go does not know about them.
    let lower = name.to_ascii_lowercase();
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
        warnings.push(format!(
            "{quoted} starts with {prefix:?}, a prefix AWS reserves; choose another name"
        ));
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| lower.ends_with(*s)) {
        warnings.push(format!(
            "{quoted} ends with {suffix:?}, a suffix AWS reserves; choose another name"
        ));
    }

    if name.contains('.') {
        warnings.push(format!(
            "{quoted} has \".\", so minio-go uses path-style on Amazon and Google; prefer \"-\""
        ));
    }
    warnings
}

/// Bucket-name prefixes AWS reserves (its general-purpose bucket naming rules).
const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];

/// Bucket-name suffixes AWS reserves; `--x-s3` is left out on purpose, since it names a
/// legitimate directory bucket.
const RESERVED_SUFFIXES: [&str; 4] = ["-s3alias", "--ol-s3", ".mrap", "--table-s3"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::findings::QUOTE_LIMIT;

    fn judge(name: &str) -> Findings {
        let mut findings = Findings::default();
        check_bucket_name(name, &mut findings);
        findings
    }

    #[test]
    fn accepts_names_minio_go_accepts_without_warnings() {
        let long = "a".repeat(63);
        for name in ["kratix", "123my-bucket", "a-b", "my--bucket", long.as_str()] {
            let findings = judge(name);
            assert_eq!(findings, Findings::default(), "{name:?}");
        }
        // Dotted but valid: allowed, with the path-style warning.
        assert!(judge("1.2.3.4.5").is_allowed());
        assert!(judge("my--bucket--usw2-az1--x-s3").warnings.is_empty());
    }

    #[test]
    fn rejects_names_minio_go_rejects_in_its_order() {
        let (hundred, sixty_four) = ("b".repeat(100), "a".repeat(64));
        let cases: &[(&str, &[&str])] = &[
            ("", &["empty"]),
            ("   ", &["empty"]),
            ("a", &["shorter than 3"]),
            (".", &["shorter than 3"]),
            (hundred.as_str(), &["100 bytes", "63"]),
            (sixty_four.as_str(), &["64 bytes"]),
            ("192.168.1.168", &["IP address"]),
            ("01.02.03.04", &["IP address"]),
            ("999.999.999.999", &["IP address"]),
            ("my..bucket", &["\"..\""]),
            ("my.-bucket", &["\".-\""]),
            ("...", &["\"..\""]),
            ("_bucketName", &["start", "'_'"]),
            ("mybucket.", &["end", "'.'"]),
            ("mybucket:", &["end", "':'"]),
            ("ab\n", &["end", "'\\n'"]),
            ("  a", &["start", "' '"]),
            ("my bucket", &["' '"]),
            ("bück", &["'ü'"]),
        ];
        for (name, words) in cases {
            let findings = judge(name);
            let [violation] = findings.violations.as_slice() else {
                panic!("{name:?} should be denied once: {findings:?}");
            };
            assert_eq!(violation.path, "spec.bucketName");
            for word in *words {
                assert!(
                    violation.message.contains(word),
                    "{name:?}: {}",
                    violation.message
                );
            }
        }
    }

    #[test]
    fn warns_about_names_that_work_with_minio_but_not_on_aws() {
        let cases = [
            // Only the strict check (AWS naming rules) refuses these.
            ("Mybucket", "upper case"),
            ("MyBucket.Example", "upper case"),
            ("my_bucket", "\"_\""),
            ("a:b", "virtual-host"),
            ("My:bucket", "\":\""),
            // Reserved by AWS, or forcing path-style requests.
            ("sthree-bucket", "\"sthree-\""),
            ("xn--bucket", "\"xn--\""),
            ("bucket-s3alias", "\"-s3alias\""),
            ("my.bucket.com", "path-style"),
        ];
        for (name, word) in cases {
            let findings = judge(name);
            assert!(findings.is_allowed(), "{name:?}: {findings:?}");
            assert!(
                findings.warnings.iter().any(|w| w.message.contains(word)),
                "{name:?}"
            );
        }
    }

    #[test]
    fn writes_one_short_sentence_per_finding() {
        let names = [
            "Mybucket",
            "My:bucket.x",
            "sthree-x.y-s3alias",
            "a",
            "my..bucket",
            "ab\n",
        ];
        for name in names {
            let findings = judge(name);
            for finding in findings.violations.iter().chain(&findings.warnings) {
                let message = &finding.message;
                assert!(
                    !message.contains('\n') && !message.ends_with('.'),
                    "{message}"
                );
                assert!(message.chars().count() <= 120, "{message}");
            }
        }
    }

    #[test]
    fn survives_any_input() {
        let nasty = [
            "é".repeat(QUOTE_LIMIT + 5),
            "\u{a0}".repeat(10),
            "a".repeat(100_000),
            "\u{0}\u{0}\u{0}".into(),
            "ééé".into(),
            "a\u{301}bc".into(),
        ];
        for name in &nasty {
            let findings = judge(name);
            assert!(!findings.is_allowed(), "{name:?}");
        }
    }
}
