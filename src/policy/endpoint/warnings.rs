//! Warnings on endpoints minio-go accepts although they cannot work as written: ignored
//! parts, ports, names DNS or TLS will refuse, and Amazon or Google look-alikes. It does not
//! decide whether an endpoint is accepted (`parse`, `minio`) nor word denials (`messages`).

use super::Accepted;
use super::amazon::{AMAZON, AMAZON_CHINA, amazon_region, is_amazon, runes};
use super::minio::{contains, is_valid_ip, trim_space};
use crate::policy::quote;

impl Accepted<'_> {
    pub(super) fn warnings(&self, insecure: bool) -> Vec<String> {
        let mut warnings = Vec::new();
        self.warn_ignored_parts(&mut warnings);
        self.warn_port(insecure, &mut warnings);
        if !self.bracketed {
            self.warn_name(&mut warnings);
            self.warn_cloud_look_alike(&mut warnings);
        }
        warnings
    }

    /// minio-go's `makeTargetURL` keeps only scheme and host: the rest is dropped silently.
    fn warn_ignored_parts(&self, warnings: &mut Vec<String>) {
        if self.userinfo.is_some() {
            let host = quote(self.host_text);
            warnings.push(format!(
                "the part up to \"@\" is ignored (the host used is {host}); remove it, keys go \
                    in spec.secretRef"
            ));
        }
        if self.trailing_slash {
            warnings.push("the trailing \"/\" is ignored by minio-go; remove it".into());
        }
        if let Some(query) = self.query {
            let query = quote(&format!("?{query}"));
            warnings.push(format!(
                "the query {query} is ignored by minio-go; remove it"
            ));
        }
        if let Some(fragment) = self.fragment {
            let fragment = quote(&format!("#{fragment}"));
            warnings.push(format!(
                "the fragment {fragment} is ignored by minio-go; remove it"
            ));
        }
    }

    /// Go checks that a port is digits, never its range; and `insecure` picks the scheme.
    fn warn_port(&self, insecure: bool, warnings: &mut Vec<String>) {
        let Some(port) = self.port else {
            return;
        };
        if port.is_empty() {
            warnings.push("ends with \":\" but no port; remove the \":\" or add the port".into());
            return;
        }
        // Digits only, so a failed parse means a number too big for u32.
        let number = port.parse::<u32>().unwrap_or(u32::MAX);
        if number == 0 || number > 65_535 {
            warnings.push(format!(
                "port {} is outside 1-65535 and cannot be connected to; use the server's port",
                quote(port)
            ));
        } else if number == 443 && insecure {
            warnings.push(
                "port 443 is usually HTTPS but spec.insecure: true sends plain HTTP; check \
                    spec.insecure"
                    .into(),
            );
        } else if number == 80 && !insecure {
            warnings.push(
                "port 80 is usually plain HTTP but spec.insecure: false uses TLS; check \
                    spec.insecure"
                    .into(),
            );
        }
    }

    /// Names minio-go's loose `IsValidDomain` lets through but DNS or TLS will not.
    fn warn_name(&self, warnings: &mut Vec<String>) {
        let name = self.hostname.as_slice();
        if is_valid_ip(name) {
            return;
        }
        let host = quote(self.host_text);
        if is_numeric(name) {
            // Kratix is built with CGO_ENABLED=0: the pure-Go resolver knows no inet_aton
            // shorthand and sends such names to DNS.
            warnings.push(format!(
                "host {host} is neither a valid IPv4 address nor a DNS name; correct the address"
            ));
        } else if let Some(fault) = dns_fault(name) {
            warnings.push(format!(
                "host {host} is not a valid DNS name ({fault}); it cannot resolve"
            ));
        }
        if !name.is_ascii() {
            warnings.push(format!(
                "host {host} is not ASCII and minio-go signs it as written; use its punycode \
                    (xn--) form"
            ));
        }
    }

    /// Amazon and Google hosts minio-go does not recognise, so it treats them as plain S3
    /// servers (path-style requests to the wrong host), or reads a region that does not exist.
    fn warn_cloud_look_alike(&self, warnings: &mut Vec<String>) {
        let name = trim_space(&self.hostname);
        let name = name.strip_suffix(b".").unwrap_or(name);
        let lower = name.to_ascii_lowercase();
        let host = quote(self.host_text);
        let raw = runes(&self.hostname);

        if is_amazon(&raw) {
            if let Some(region) = amazon_region(&raw).map(|r| r.iter().collect::<String>())
                && !is_plausible_region(&region)
            {
                warnings.push(format!(
                    "is read as Amazon S3 in region {}, which does not exist; \
                     use s3.<region>.amazonaws.com",
                    quote(&region)
                ));
            }
        } else if (lower.ends_with(AMAZON.as_bytes()) || lower.ends_with(AMAZON_CHINA.as_bytes()))
            && let Some(service) = bucket_free_host(&lower)
        {
            warnings.push(format!(
                "{host} is not seen as Amazon S3; use {} and spec.bucketName",
                quote(&service)
            ));
        }

        let google = b"storage.googleapis.com";
        if self.hostname != google && !contains(&self.hostname, b".googleapis.com") {
            if lower == google {
                warnings.push(format!(
                    "{host} is only seen as Cloud Storage when written \"storage.googleapis.com\""
                ));
            } else if lower.ends_with(b".storage.googleapis.com") {
                warnings.push(format!(
                    "{host} is not seen as Cloud Storage; use \"storage.googleapis.com\" and \
                        spec.bucketName"
                ));
            }
        }
    }
}

/// For an unrecognised `*.amazonaws.com` name: the same name without what precedes its S3
/// label (`mybucket.s3.us-east-1…` gives `s3.us-east-1…`), or the name in lower case when
/// only case or a trailing dot kept minio-go from recognising it.
fn bucket_free_host(lower: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(lower);
    if is_amazon(&runes(lower)) {
        return Some(text.into_owned());
    }
    let labels: Vec<&str> = text.split('.').collect();
    let s3 = labels
        .iter()
        .position(|label| *label == "s3" || label.starts_with("s3-"))
        // Outposts hosts carry an access point before their S3 label on purpose.
        .filter(|&at| labels[at] != "s3-outposts")?;
    (s3 > 0).then(|| labels[s3..].join("."))
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`: two letters, words, a number.
fn is_plausible_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// A name whose last label is a number (`192.168.1`, `1.2.3.4.5`, `0x7f.0.0.1`,
/// `3232235777`): it looks like an address, but top-level domains are never numeric.
fn is_numeric(name: &[u8]) -> bool {
    let name = name.strip_suffix(b".").unwrap_or(name);
    let last = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
    let hex = last
        .strip_prefix(b"0x")
        .or_else(|| last.strip_prefix(b"0X"));
    match hex {
        Some(digits) => !digits.is_empty() && digits.iter().all(u8::is_ascii_hexdigit),
        None => !last.is_empty() && last.iter().all(u8::is_ascii_digit),
    }
}

/// What keeps a name from being a DNS host name (RFC 1035 and RFC 1123 rules), if anything.
fn dns_fault(name: &[u8]) -> Option<&'static str> {
    if trim_space(name).len() != name.len() {
        return Some("invisible white space at an end");
    }
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.len() > 253 {
        return Some("longer than 253 bytes");
    }
    for label in name.split(|&b| b == b'.') {
        if label.is_empty() {
            return Some("an empty label");
        }
        if label.len() > 63 {
            return Some("a label over 63 bytes");
        }
        if label.starts_with(b"-") || label.ends_with(b"-") {
            return Some("a label starting or ending with \"-\"");
        }
    }
    if name.contains(&b'_') {
        return Some("contains \"_\"");
    }
    if name.contains(&b',') {
        return Some("contains \",\"");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::endpoint::tests::{assert_well_formed, judge};

    #[test]
    fn warns_about_accepted_endpoints_that_cannot_work() {
        let cases: &[(&str, bool, &str)] = &[
            ("minio.example.com?x=1", false, "query"),
            ("minio.example.com#frag", false, "fragment"),
            ("minio.example.com#\n", false, "fragment"),
            (
                "trusted.example.com@evil.example.net",
                false,
                "\"evil.example.net\"",
            ),
            ("minio.example.com:9000/", false, "trailing"),
            ("minio.example.com:0", false, "1-65535"),
            ("minio.example.com:65536", false, "1-65535"),
            ("minio.example.com:99999999999999999999", false, "1-65535"),
            ("minio.example.com:", false, "no port"),
            ("192.168.1", false, "IPv4"),
            ("010.0.0.1", false, "IPv4"),
            ("3232235777", false, "IPv4"),
            ("minio..example.com", false, "empty label"),
            ("minio-.example.com", false, "\"-\""),
            ("my_minio.example.com", false, "\"_\""),
            ("café.example.com", false, "punycode"),
            ("caf%C3%A9.example.com", false, "punycode"),
            ("\u{a0}minio.example.com", false, "white space"),
            (
                "mybucket.s3.us-east-1.amazonaws.com",
                false,
                "\"s3.us-east-1.amazonaws.com\"",
            ),
            ("S3.AMAZONAWS.COM", false, "\"s3.amazonaws.com\""),
            (
                "MYBUCKET.STORAGE.GOOGLEAPIS.COM",
                false,
                "\"storage.googleapis.com\"",
            ),
            ("s3.s3.amazonaws.com", false, "region"),
            ("s3-website-us-east-1.amazonaws.com", false, "region"),
            ("minio.example.com:443", true, "443"),
            ("minio.example.com:80", false, "80"),
        ];
        for (endpoint, insecure, word) in cases {
            let findings = judge(endpoint, *insecure);
            assert_well_formed(endpoint, &findings);
            assert!(findings.is_allowed(), "{}: {findings:?}", quote(endpoint));
            assert!(
                findings.warnings.iter().any(|w| w.message.contains(word)),
                "{} should warn with {word:?}: {findings:?}",
                quote(endpoint)
            );
        }
    }
}
