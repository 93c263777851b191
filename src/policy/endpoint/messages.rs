//! The words of a denial: one sentence per [`Denial`] saying what is wrong and what to
//! write instead, and the quoting of the user's value. It does not decide whether an
//! endpoint is denied (`parse`, `minio`) nor word the warnings (`warnings`).

use super::parse::is_hex_escape;
use super::{Denial, DomainFault};
use crate::policy::quote;

impl Denial<'_> {
    /// One sentence for the user: what is wrong and what to write instead.
    pub(super) fn message(&self, insecure: bool) -> String {
        match self {
            Self::Empty { blank: false } => {
                "is empty: set it to the host of the S3 server, e.g. minio.example.com:9000".into()
            }
            Self::Empty { blank: true } => {
                "is only white space: set it to the S3 server's host, e.g. minio.example.com:9000"
                    .into()
            }
            Self::Scheme { written } => scheme_message(written, insecure),
            Self::Control { control } => {
                format!(
                    "contains the control character {control:?}; remove it (often a pasted \
                        newline)"
                )
            }
            Self::Path { path } => format!(
                "must not contain a path ({}); keep only host[:port] and set spec.path for a key \
                    prefix",
                quote(path)
            ),
            Self::Userinfo => {
                "has a part before \"@\" that is not valid user info; remove it (keys go in \
                    spec.secretRef)"
                    .into()
            }
            Self::FragmentEscape { escape } => format!(
                "has a broken %-escape {} after \"#\"; remove the \"#\" and what follows it",
                quote(escape)
            ),
            Self::HostEscape { escape } if is_hex_escape(escape) => format!(
                "has {} in the host, which is only allowed for non-ASCII; write the character \
                    itself",
                quote(escape)
            ),
            Self::HostEscape { escape } => format!(
                "has {} in the host, which is not a valid %-escape; a host cannot contain \"%\"",
                quote(escape)
            ),
            Self::HostCharacter { host, character } => format!(
                "host {} contains {character:?}, which a host name cannot have; remove it",
                quote(host)
            ),
            Self::MissingBracket { host } => format!(
                "{} opens \"[\" without closing it; write an IPv6 address as \"[fd00::1]:9000\"",
                quote(host)
            ),
            Self::StrayBracket { host } => format!(
                "host {} contains \"[\"; brackets may only enclose a whole IPv6 address",
                quote(host)
            ),
            Self::Zone { address } => format!(
                "{} is not a plain IPv6 address; minio-go accepts no zone or \"%\" in brackets",
                quote(address)
            ),
            Self::BracketedIpv4 { plain } => {
                format!(
                    "an IPv4 address must not be in brackets; write {}",
                    quote(plain)
                )
            }
            Self::BracketedName { plain } => {
                format!(
                    "brackets are only for IPv6 addresses; write {}",
                    quote(plain)
                )
            }
            Self::BadIpv6 { address } => format!(
                "{} in brackets is not a valid IPv6 address; correct the address",
                quote(address)
            ),
            Self::Unbracketed {
                address,
                port: Some(port),
            } => format!(
                "an IPv6 address must be in brackets with the port after them: write \
                    \"[{address}]:{port}\""
            ),
            Self::Unbracketed {
                address,
                port: None,
            } => format!(
                "an IPv6 address must be in brackets: write \"[{address}]\", or \
                    \"[{address}]:9000\" with a port"
            ),
            Self::Colons { host } => format!(
                "{} has more than one \":\"; write host:port, or put an IPv6 address in brackets",
                quote(host)
            ),
            Self::Port { port } => format!(
                "port {} is not a number; write host:port with digits only, e.g. \
                    minio.example.com:9000",
                quote(port.strip_prefix(':').unwrap_or(port))
            ),
            Self::NotHost { host, fault } => fault.message(host),
            Self::Amazon { host } => format!(
                "{} is not an Amazon S3 host; use \"s3.<region>.amazonaws.com\" and \
                    spec.bucketName",
                quote(host)
            ),
            Self::Google { host } => format!(
                "{} is not the Cloud Storage host; use \"storage.googleapis.com\" and \
                    spec.bucketName",
                quote(host)
            ),
            Self::Outposts => "contains \"s3-outposts\", so it must be \
                 <ap>.s3-outposts.<region>.amazonaws.com; rename the host"
                .into(),
        }
    }
}

/// Tells the user to drop the scheme, and which `spec.insecure` gives the scheme they meant.
fn scheme_message(written: &str, insecure: bool) -> String {
    let scheme = written.trim_end_matches(['/', ':']).to_ascii_lowercase();
    let written = quote(written);
    let advice = match (scheme.as_str(), insecure) {
        ("http", true) => "spec.insecure: true already selects plain HTTP",
        ("http", false) => "set spec.insecure: true for plain HTTP",
        ("https", false) => "HTTPS is already used as spec.insecure is false",
        ("https", true) => "set spec.insecure: false for HTTPS",
        _ => "HTTPS is the default and spec.insecure: true selects plain HTTP",
    };
    format!("must not start with a scheme: remove {written}; {advice}")
}

impl DomainFault {
    fn message(&self, host: &str) -> String {
        let quoted = quote(host);
        match self {
            Self::Empty if host.is_empty() => {
                "has no host name; write host[:port], e.g. minio.example.com:9000".into()
            }
            Self::Empty => {
                format!("host {quoted} is only white space; write the S3 server's host name")
            }
            Self::TooLong(length) => {
                format!(
                    "host is {length} bytes long, over the 255 minio-go allows; write the real host"
                )
            }
            Self::StartsWith(c) => format!("host {quoted} must not start with {c:?}; remove it"),
            Self::EndsWith(c) => format!("host {quoted} must not end with {c:?}; remove it"),
            Self::Contains(c) => {
                format!("host {quoted} contains {c:?}, which a host name cannot have; remove it")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::endpoint::tests::{assert_well_formed, judge};
    use crate::policy::findings::QUOTE_LIMIT;

    #[test]
    fn rejects_what_minio_go_rejects_with_a_useful_message() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("", false, &["empty", "minio.example.com:9000"]),
            ("  ", false, &["white space"]),
            (
                "http://minio.example.com:9000",
                false,
                &["scheme", "\"http://\"", "insecure: true"],
            ),
            (
                "http://minio.example.com:9000",
                true,
                &["scheme", "already"],
            ),
            (
                "https://minio.example.com",
                true,
                &["scheme", "insecure: false"],
            ),
            (
                "HTTP://minio.example.com:9000",
                true,
                &["scheme", "\"HTTP://\""],
            ),
            ("s3://my-bucket", false, &["scheme", "\"s3://\""]),
            ("://minio", false, &["scheme"]),
            ("https:minio.example.com", false, &["scheme", "\"https:\""]),
            (
                "minio.example.com/kratix",
                false,
                &["path", "spec.path", "\"/kratix\""],
            ),
            ("/minio", false, &["path"]),
            ("fd00:10::20", false, &["brackets", "[fd00:10::20]:9000"]),
            (
                "fd00:10::20:9000",
                false,
                &["brackets", "\"[fd00:10::20]:9000\""],
            ),
            ("::1", false, &["brackets", "[::1]"]),
            (
                "example-bucket.storage.googleapis.com",
                false,
                &["\"storage.googleapis.com\""],
            ),
            (
                "mybucket.s3.amazonaws.com:443",
                false,
                &["s3.<region>.amazonaws.com"],
            ),
            ("minio-s3-outposts.internal", false, &["s3-outposts"]),
            ("minio.example.com:9000\n", false, &["control", "'\\n'"]),
            ("minio.exa\tmple.com", false, &["control", "'\\t'"]),
            ("minio{1}.example.com", false, &["'{'"]),
            ("minio.example.com\\data", false, &["'\\\\'"]),
            ("%41bc.example.com", false, &["\"%41\""]),
            ("s3.%%", false, &["\"%%\""]),
            (
                "[192.168.1.1]:9000",
                false,
                &["IPv4", "\"192.168.1.1:9000\""],
            ),
            (
                "[minio.example.com]:9000",
                false,
                &["\"minio.example.com:9000\""],
            ),
            ("[::1", false, &["\"[\""]),
            ("[fe80::1%25eth0]:9000", false, &["zone"]),
            ("minio.example.com:abc", false, &["port", "\"abc\""]),
            ("minio.example.com:9000 ", false, &["port"]),
            ("minio.example.com:9000:9000", false, &["more than one"]),
            ("user name@minio.example.com", false, &["\"@\""]),
            ("_minio.example.com", false, &["start", "'_'"]),
            ("-192.168.1.1", false, &["start", "'-'"]),
            ("minio;example.com", false, &["';'"]),
            (":9000", false, &["no host"]),
            ("minio.example.com#%zz", false, &["\"#\""]),
        ];
        for (endpoint, insecure, words) in cases {
            let findings = judge(endpoint, *insecure);
            assert_well_formed(endpoint, &findings);
            let [violation] = findings.violations.as_slice() else {
                panic!("{} should be denied once: {findings:?}", quote(endpoint));
            };
            for word in *words {
                assert!(
                    violation.message.contains(word),
                    "{}: {}",
                    quote(endpoint),
                    violation.message
                );
            }
        }
    }

    #[test]
    fn quotes_long_values_cut_on_a_character_boundary() {
        let long = "é".repeat(100);
        let quoted = quote(&long);
        assert!(quoted.ends_with("..."));
        assert_eq!(quoted.chars().filter(|&c| c == 'é').count(), QUOTE_LIMIT);
        assert_eq!(quote("a\u{7}"), "\"a\\u{7}\"");
    }
}
