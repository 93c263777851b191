//! Amazon S3 host recognition as minio-go does it: `IsAmazonEndpoint`, `GetRegionFromURL`,
//! FIPS, PrivateLink and ELB hosts, and the character-slice helpers that stand in for its
//! regular expressions. It does not judge whether an endpoint is acceptable (`minio`) nor
//! warn about look-alike hosts (`warnings`).
//!
//! minio-go matches `Hostname()` with regular expressions whose dots are not escaped, so a
//! `.` in them stands for any one character. The patterns below keep that quirk, work on
//! characters as Go's regexp does (one replacement character per stray byte) and keep
//! minio-go's order: the first pattern that matches decides, even with an empty region.

pub(super) const AMAZON: &str = ".amazonaws.com";
pub(super) const AMAZON_CHINA: &str = ".amazonaws.com.cn";

/// Decodes bytes into characters the way Go's regexp reads a string.
pub(super) fn runes(bytes: &[u8]) -> Vec<char> {
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.extend(chunk.valid().chars());
        out.extend(std::iter::repeat_n(
            char::REPLACEMENT_CHARACTER,
            chunk.invalid().len(),
        ));
    }
    out
}

/// minio-go's `IsAmazonEndpoint`.
pub(super) fn is_amazon(host: &[char]) -> bool {
    if same(host, "s3.amazonaws.com") || same(host, "s3-external-1.amazonaws.com") {
        return true;
    }
    !contains_text(host, "s3-outposts") && amazon_region(host).is_some()
}

/// minio-go's `GetRegionFromURL`, with `None` for its empty answer.
pub(super) fn amazon_region(host: &[char]) -> Option<&[char]> {
    if same(host, "s3-external-1.amazonaws.com") || is_elb(host) {
        return None;
    }
    let patterns = [
        ("s3-fips.dualstack.", AMAZON, ""),
        ("s3-fips.", AMAZON, ""),
        ("s3.dualstack.", AMAZON, ""),
        ("s3-", AMAZON, ""),
        ("s3.", AMAZON_CHINA, "cn"),
        ("s3.dualstack.", AMAZON_CHINA, "cn"),
    ];
    for (prefix, suffix, lead) in patterns {
        if let Some(region) = capture(host, prefix, suffix)
            && starts_with(region, lead)
        {
            return non_empty(region);
        }
    }
    if let Some(region) = capture(host, "s3.", AMAZON) {
        // These "regions" are other S3 services (S3 Express, website hosting, dual-stack).
        let other = ["dualstack.", "control.", "website-", "xpress-"];
        return if other.iter().any(|lead| starts_with(region, lead)) {
            None
        } else {
            non_empty(region)
        };
    }
    private_link_region(host).and_then(non_empty)
}

/// `^(?:bucket|accesspoint).vpce-.*?.s3.(.*?).vpce.amazonaws.com$`, returning the capture.
fn private_link_region(host: &[char]) -> Option<&[char]> {
    let rest = strip_literal(host, "bucket").or_else(|| strip_literal(host, "accesspoint"))?;
    let tail = ".vpce.amazonaws.com";
    let middle = capture(rest, ".vpce-", tail)?;
    // The lazy `.*?` takes the shortest run that lets `.s3.` follow.
    let start =
        (0..middle.len().saturating_sub(3)).find(|&k| middle[k + 1..k + 3] == ['s', '3'])?;
    Some(&middle[start + 4..])
}

pub(super) fn is_fips(host: &[char]) -> bool {
    strip_literal(host, "s3-fips").is_some() && ends_with(host, AMAZON)
}

pub(super) fn is_private_link(host: &[char]) -> bool {
    private_link_region(host).is_some()
}

/// `elb(.*?).amazonaws.com$` or its `.cn` twin, anywhere in the host.
fn is_elb(host: &[char]) -> bool {
    [AMAZON, AMAZON_CHINA].iter().any(|suffix| {
        let length = suffix.chars().count();
        host.len() >= length + 3
            && wild_eq(&host[host.len() - length..], suffix)
            && host[..host.len() - length]
                .windows(3)
                .any(|w| w == ['e', 'l', 'b'])
    })
}

/// `^{prefix}(.*?){suffix}$` where `.` in the pattern is any character: with both ends
/// anchored the capture is whatever lies between.
fn capture<'h>(host: &'h [char], prefix: &str, suffix: &str) -> Option<&'h [char]> {
    let (head, tail) = (prefix.chars().count(), suffix.chars().count());
    if host.len() < head + tail {
        return None;
    }
    let middle = &host[head..host.len() - tail];
    (wild_eq(&host[..head], prefix) && wild_eq(&host[host.len() - tail..], suffix))
        .then_some(middle)
}

/// Equal length, and each pattern character is `.` or the same character.
fn wild_eq(text: &[char], pattern: &str) -> bool {
    text.len() == pattern.chars().count()
        && text
            .iter()
            .zip(pattern.chars())
            .all(|(&t, p)| p == '.' || t == p)
}

fn strip_literal<'h>(host: &'h [char], prefix: &str) -> Option<&'h [char]> {
    let length = prefix.chars().count();
    (host.len() >= length && host[..length].iter().copied().eq(prefix.chars()))
        .then(|| &host[length..])
}

fn starts_with(text: &[char], prefix: &str) -> bool {
    strip_literal(text, prefix).is_some()
}

fn ends_with(text: &[char], suffix: &str) -> bool {
    let length = suffix.chars().count();
    text.len() >= length
        && text[text.len() - length..]
            .iter()
            .copied()
            .eq(suffix.chars())
}

fn same(text: &[char], literal: &str) -> bool {
    text.iter().copied().eq(literal.chars())
}

fn contains_text(text: &[char], needle: &str) -> bool {
    let needle: Vec<char> = needle.chars().collect();
    text.windows(needle.len())
        .any(|window| window == needle.as_slice())
}

fn non_empty(text: &[char]) -> Option<&[char]> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amazon_regions_like_minio_go() {
        let region = |host: &str| amazon_region(&runes(host.as_bytes())).map(String::from_iter);
        assert_eq!(
            region("s3.us-west-1.amazonaws.com").as_deref(),
            Some("us-west-1")
        );
        assert_eq!(
            region("s3-fips-us-gov-west-1.amazonaws.com").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(
            region("s3.dualstack.us-west-1.amazonaws.com").as_deref(),
            Some("us-west-1")
        );
        assert_eq!(
            region("s3-mybucket.s3.amazonaws.com").as_deref(),
            Some("mybucket.s3")
        );
        assert_eq!(
            region("accesspoint.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region("s3express-control.us-west-2.amazonaws.com"), None);
        assert_eq!(region("s3.control.s3.amazonaws.com"), None);
        assert_eq!(
            region("s3.kubernetesfrontendlb-caf7.elb.us-west-2.amazonaws.com"),
            None
        );
    }
}
