//! `spec.endpoint`: what minio-go v7.2.1 accepts in `minio.New`, and what it accepts although
//! it cannot work.
//!
//! Kratix hands the endpoint to minio-go untouched. minio-go prepends `https://` (or
//! `http://`), parses the result with Go's `net/url` (Go 1.26, strict colons) and then runs
//! its own checks (`getEndpointURL` and `isValidEndpointURL` in minio-go's `utils.go`). This
//! module splits the raw text the way Go does, by hand: the `url` crate follows the WHATWG URL
//! Standard and disagrees with Go on control characters, port ranges, letter case, IDNA and
//! numeric hosts, so checks built on it would give other verdicts.
//!
//! The verdict is minio-go's; the words are ours and say what to change. Values minio-go
//! accepts but that are ignored, unreachable or misread (a dropped query, port 0, a name DNS
//! cannot hold, a bucket inside an Amazon host) get warnings.
//!
//! Nothing here resolves or contacts the host.
//!
//! The work is split by who decides: `parse` cuts the text as Go's `net/url` does, `minio`
//! runs minio-go's checks on the result, `amazon` recognises Amazon S3 hosts, `messages`
//! words the denials and `warnings` the warnings on accepted endpoints. This file holds the
//! public API, the types they share and `admit`, which runs the steps in order.
//!
//! # Limitations
//!
//! Only the verdict is minio-go's. Where Go's parser would fail for two reasons at once, the
//! denial may name another one than Go's error text (a path wins over a bad `%`-escape in it).

use self::amazon::{is_amazon, is_fips, is_private_link, runes};
use self::minio::check_minio_host;
use self::parse::{bad_escape, cut, is_userinfo_char, parse_host, scheme_prefix};
use super::Findings;

mod amazon;
mod messages;
mod minio;
mod parse;
mod warnings;

/// Judges `spec.endpoint` as minio-go v7.2.1 (under Go 1.26, strict colons) would in `minio.New`.
///
/// Records at most one denial (the first check minio-go would fail) and, for endpoints
/// minio-go accepts, a warning per problem that will show later.
pub fn check_endpoint(endpoint: &str, insecure: bool, findings: &mut Findings) {
    match admit(endpoint) {
        Ok(accepted) => {
            for warning in accepted.warnings(insecure) {
                findings.warn(FIELD, warning);
            }
        }
        Err(denial) => findings.deny(FIELD, denial.message(insecure)),
    }
}

/// True when the endpoint's host is an Amazon S3 host (so `spec.useDualStack` has an effect).
///
/// minio-go swaps such a host per request for the bucket's regional endpoint, dual-stack
/// unless told otherwise; FIPS and PrivateLink hosts are kept as written, so the flag does
/// nothing there. An endpoint minio-go refuses is not an Amazon host.
pub fn is_amazon_host(endpoint: &str) -> bool {
    admit(endpoint).is_ok_and(|accepted| {
        let host = runes(&accepted.hostname);
        is_amazon(&host) && !is_fips(&host) && !is_private_link(&host)
    })
}

/// JSON path of the field judged here.
const FIELD: &str = "spec.endpoint";

/// What `https://` + endpoint looks like to minio-go once it has accepted it.
struct Accepted<'a> {
    /// The host as written: no user info, no port, no brackets.
    host_text: &'a str,
    /// Go's `Hostname()`: the host with `%XX` decoded; what minio-go's checks look at.
    hostname: Vec<u8>,
    /// The host was an IPv6 literal in brackets.
    bracketed: bool,
    /// Digits after the host's `:`, empty for `host:`; `None` without a colon.
    port: Option<&'a str>,
    /// Text before the last `@` of the authority.
    userinfo: Option<&'a str>,
    /// The endpoint ended its authority with a lone `/`.
    trailing_slash: bool,
    /// Text after the first `?`, before any `#`.
    query: Option<&'a str>,
    /// Text after the first `#`.
    fragment: Option<&'a str>,
}

/// The first reason minio-go refuses an endpoint, with what a message needs to show.
enum Denial<'a> {
    Empty {
        blank: bool,
    },
    /// `written` is the scheme prefix as the user typed it, separator included.
    Scheme {
        written: &'a str,
    },
    Control {
        control: char,
    },
    Path {
        path: &'a str,
    },
    Userinfo,
    FragmentEscape {
        escape: &'a str,
    },
    HostEscape {
        escape: &'a str,
    },
    HostCharacter {
        host: &'a str,
        character: char,
    },
    MissingBracket {
        host: &'a str,
    },
    StrayBracket {
        host: &'a str,
    },
    Zone {
        address: &'a str,
    },
    BracketedIpv4 {
        plain: String,
    },
    BracketedName {
        plain: String,
    },
    BadIpv6 {
        address: &'a str,
    },
    Unbracketed {
        address: &'a str,
        port: Option<&'a str>,
    },
    Colons {
        host: &'a str,
    },
    Port {
        port: &'a str,
    },
    NotHost {
        host: &'a str,
        fault: DomainFault,
    },
    Amazon {
        host: &'a str,
    },
    Google {
        host: &'a str,
    },
    Outposts,
}

/// Why minio-go's `IsValidDomain` refuses a host (after `IsValidIP` did too).
enum DomainFault {
    Empty,
    TooLong(usize),
    StartsWith(char),
    EndsWith(char),
    Contains(char),
}

/// Runs Go's parser and minio-go's checks, in their order; the first failure wins.
fn admit(endpoint: &str) -> Result<Accepted<'_>, Denial<'_>> {
    if endpoint.trim().is_empty() {
        return Err(Denial::Empty {
            blank: !endpoint.is_empty(),
        });
    }
    // v7.2.1 has no scheme support: `http://h` parses as host `http:` and path `//h`, and
    // fails as a "fully qualified path". Every such value is refused, so say why instead.
    if let Some(written) = scheme_prefix(endpoint) {
        return Err(Denial::Scheme { written });
    }

    // Go cuts the fragment off first and looks for control bytes only in the rest.
    let (before_fragment, fragment) = cut(endpoint, '#');
    if let Some(control) = before_fragment.chars().find(char::is_ascii_control) {
        return Err(Denial::Control { control });
    }
    let (before_query, query) = cut(before_fragment, '?');
    let (authority, path) =
        before_query.split_at(before_query.find('/').unwrap_or(before_query.len()));
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };

    let host = parse_host(host_port, userinfo.is_none())?;
    if let Some(info) = userinfo
        && (!info.chars().all(is_userinfo_char) || bad_escape(info).is_some())
    {
        return Err(Denial::Userinfo);
    }
    // minio-go allows the path "" or "/" only; a bad escape in a longer path fails either way.
    if path.len() > 1 {
        return Err(Denial::Path { path });
    }
    if let Some(escape) = fragment.and_then(bad_escape) {
        return Err(Denial::FragmentEscape { escape });
    }

    check_minio_host(&host)?;
    Ok(Accepted {
        host_text: host.text,
        hostname: host.decoded,
        bracketed: host.bracketed,
        port: host.port,
        userinfo,
        trailing_slash: path == "/",
        query,
        fragment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{findings::QUOTE_LIMIT, quote};

    pub(super) fn judge(endpoint: &str, insecure: bool) -> Findings {
        let mut findings = Findings::default();
        check_endpoint(endpoint, insecure, &mut findings);
        findings
    }

    /// Every message is one short sentence about `spec.endpoint`.
    pub(super) fn assert_well_formed(endpoint: &str, findings: &Findings) {
        assert!(
            findings.violations.len() <= 1,
            "{}: {findings:?}",
            quote(endpoint)
        );
        for finding in findings.violations.iter().chain(&findings.warnings) {
            assert_eq!(finding.path, "spec.endpoint");
            let message = &finding.message;
            assert!(!message.contains('\n'), "{}: {message}", quote(endpoint));
            assert!(!message.ends_with('.'), "{}: {message}", quote(endpoint));
            assert!(
                message.chars().count() <= 125,
                "{}: {message}",
                quote(endpoint)
            );
        }
    }

    #[test]
    fn accepts_what_minio_go_accepts_without_warnings() {
        let cases = [
            ("minio.example.com:9000", false),
            ("minio.kratix-platform-system.svc.cluster.local", true),
            ("192.168.1.1:9000", false),
            ("[::1]:9000", true),
            ("[2001:db8::1]:9000", false),
            ("[::ffff:1.2.3.4]", false),
            ("s3.amazonaws.com", false),
            ("s3.cn-north-1.amazonaws.com.cn", false),
            ("s3.dualstack.us-west-1.amazonaws.com", false),
            ("storage.googleapis.com:443", false),
            (
                "myap-123456789012.op-0ab1c2d3e4f5.s3-outposts.us-west-2.amazonaws.com",
                false,
            ),
            ("localhost.", false),
        ];
        for (endpoint, insecure) in cases {
            let findings = judge(endpoint, insecure);
            assert_eq!(findings, Findings::default(), "{}", quote(endpoint));
        }
    }

    #[test]
    fn recognises_amazon_hosts_where_dual_stack_matters() {
        assert!(is_amazon_host("s3.amazonaws.com"));
        assert!(is_amazon_host("s3.us-west-1.amazonaws.com:443"));
        assert!(is_amazon_host("s3.cn-north-1.amazonaws.com.cn"));
        assert!(!is_amazon_host("s3-fips.us-gov-east-1.amazonaws.com"));
        assert!(!is_amazon_host(
            "bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com"
        ));
        assert!(!is_amazon_host("mybalancer.us-east-1.elb.amazonaws.com"));
        assert!(!is_amazon_host("minio.example.com:9000"));
        assert!(!is_amazon_host("https://s3.amazonaws.com"));
        assert!(!is_amazon_host("S3.AMAZONAWS.COM"));
    }

    #[test]
    fn survives_any_input() {
        let near_limit = format!("{}é%", "a".repeat(QUOTE_LIMIT - 1));
        let nasty = [
            "%".to_string(),
            "[".into(),
            "]".into(),
            "[]".into(),
            "[%".into(),
            "[é]:1".into(),
            "@".into(),
            "@@:".into(),
            ":".into(),
            "#%".into(),
            "#%é".into(),
            "%é".into(),
            "x%C3".into(),
            "%ff.example.com".into(),
            "é://".into(),
            "::::".into(),
            "\u{7f}".into(),
            "\u{a0}".into(),
            near_limit,
            format!("{}/", "é".repeat(QUOTE_LIMIT)),
            "a".repeat(100_000),
            "\u{a0}".repeat(50_000) + "x.s3.amazonaws.com",
            "[".repeat(100_000),
            "%".repeat(100_000),
            format!("{}.example.com:{}", "é".repeat(30_000), "9".repeat(30_000)),
        ];
        for endpoint in &nasty {
            for insecure in [false, true] {
                let findings = judge(endpoint, insecure);
                assert_well_formed(endpoint, &findings);
            }
            let _ = is_amazon_host(endpoint);
        }
    }
}
