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
//! # Limitations
//!
//! Only the verdict is minio-go's. Where Go's parser would fail for two reasons at once, the
//! denial may name another one than Go's error text (a path wins over a bad `%`-escape in it).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Findings;

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

/// Characters of a user's value quoted in a message; keeps a message near one line.
const QUOTE_LIMIT: usize = 40;

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

/// `s3://`, `HTTP://`, `://`: a `://` with no `/`, `?` or `#` before it (the rule minio-go
/// v7.3.0 uses to detect a scheme).
fn scheme_prefix(endpoint: &str) -> Option<&str> {
    let at = endpoint.find("://")?;
    let scheme = &endpoint[..at];
    (!scheme.contains(['/', '?', '#'])).then(|| &endpoint[..at + 3])
}

/// Splits at the first `separator`, keeping what follows it (possibly empty) apart.
fn cut(text: &str, separator: char) -> (&str, Option<&str>) {
    match text.split_once(separator) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

/// The host part of the authority as Go's `parseHost` leaves it.
struct Host<'a> {
    text: &'a str,
    port: Option<&'a str>,
    bracketed: bool,
    decoded: Vec<u8>,
}

/// Go's `parseHost` with strict colons and the bracket rules of Go 1.24.8 and later.
fn parse_host(raw: &str, bare: bool) -> Result<Host<'_>, Denial<'_>> {
    if let Some(inside) = raw.strip_prefix('[') {
        let Some(close) = inside.rfind(']') else {
            return Err(Denial::MissingBracket { host: raw });
        };
        let (address, after) = (&inside[..close], &inside[close + 1..]);
        if !is_optional_port(after) {
            return Err(Denial::Port { port: after });
        }
        check_bracketed(address, after)?;
        return Ok(Host {
            text: address,
            port: after.strip_prefix(':'),
            bracketed: true,
            decoded: address.as_bytes().to_vec(),
        });
    }

    // Strict colons: everything from the first colon on must be `:digits`.
    let (text, port) = match raw.find(':') {
        Some(colon) => (&raw[..colon], Some(&raw[colon..])),
        None => (raw, None),
    };
    if let Some(port) = port
        && !is_optional_port(port)
    {
        return Err(port_denial(raw, text, port, bare));
    }
    if text.contains('[') {
        return Err(Denial::StrayBracket { host: text });
    }
    let decoded = unescape_host(text)?;
    Ok(Host {
        text,
        port: port.map(|port| &port[1..]),
        bracketed: false,
        decoded,
    })
}

/// `""` or `:` followed by ASCII digits (no range check, as in Go).
fn is_optional_port(text: &str) -> bool {
    text.is_empty()
        || text
            .strip_prefix(':')
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

/// Only an IPv6 address may stand in brackets; Go 1.26 refuses the rest at parse time.
fn check_bracketed<'a>(address: &'a str, after: &str) -> Result<(), Denial<'a>> {
    // A zone (`%25eth0`) parses, but minio-go's `net.ParseIP` refuses zones, and a `%`
    // without `25` is a bad escape: refused either way.
    if address.contains('%') {
        return Err(Denial::Zone { address });
    }
    // Rust's grammar for IPv6 text matches Go's `netip.ParseAddr` without zones: at most
    // four hex digits a group, one `::` standing for at least one group, and a trailing
    // dotted quad without leading zeros (see the tests below).
    if address.parse::<Ipv6Addr>().is_ok() {
        return Ok(());
    }

    let plain = format!("{address}{after}");
    if address.parse::<Ipv4Addr>().is_ok() {
        Err(Denial::BracketedIpv4 { plain })
    } else if unescape_host(address).is_ok() && domain_fault(address.as_bytes()).is_none() {
        Err(Denial::BracketedName { plain })
    } else {
        Err(Denial::BadIpv6 { address })
    }
}

/// Picks the most helpful reading of an unparsable `:port`.
fn port_denial<'a>(raw: &'a str, name: &'a str, port: &'a str, bare: bool) -> Denial<'a> {
    // `https:minio.example.com`: a scheme that lost its slashes.
    if bare && (name.eq_ignore_ascii_case("http") || name.eq_ignore_ascii_case("https")) {
        return Denial::Scheme {
            written: &raw[..=name.len()],
        };
    }
    if let Some((address, port)) = unbracketed_ipv6(raw) {
        return Denial::Unbracketed { address, port };
    }
    if port[1..].contains(':') {
        return Denial::Colons { host: raw };
    }
    Denial::Port { port }
}

/// Reads `fd00:10::20` or `fd00:10::20:9000` as an IPv6 address and an optional port.
fn unbracketed_ipv6(raw: &str) -> Option<(&str, Option<&str>)> {
    let ipv6_chars = raw
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    if !ipv6_chars || raw.matches(':').count() < 2 {
        return None;
    }

    let whole = raw.parse::<Ipv6Addr>().is_ok();
    if let Some((address, port)) = raw.rsplit_once(':')
        && (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && address.parse::<Ipv6Addr>().is_ok()
        // `fd00::20` is itself an address; only a port-like last group reads as a port.
        && (!whole || port.len() >= 4 || port == "80" || port == "443")
    {
        return Some((address, Some(port)));
    }
    whole.then_some((raw, None))
}

/// Go's `unescape(host, encodeHost)`: `%XX` only for non-ASCII bytes and `%25`, and a fixed
/// set of ASCII characters. Bytes from 0x80 up pass unchanged.
fn unescape_host(text: &str) -> Result<Vec<u8>, Denial<'_>> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'%' {
            let escape = escape_at(text, at);
            let (Some(high), Some(low)) = (hex(bytes.get(at + 1)), hex(bytes.get(at + 2))) else {
                return Err(Denial::HostEscape { escape });
            };
            if high < 8 && escape != "%25" {
                return Err(Denial::HostEscape { escape });
            }
            decoded.push(high << 4 | low);
            at += 3;
        } else if byte < 0x80 && !is_host_byte(byte) {
            return Err(Denial::HostCharacter {
                host: text,
                character: char::from(byte),
            });
        } else {
            decoded.push(byte);
            at += 1;
        }
    }
    Ok(decoded)
}

/// ASCII bytes Go lets through in a host (`shouldEscape` in host mode is false for them).
fn is_host_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:[]<>\"".contains(&byte)
}

/// Characters Go's `validUserinfo` accepts.
fn is_userinfo_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c)
}

/// The first `%` not followed by two hex digits, as Go quotes it (at most three bytes).
fn bad_escape(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let at = (0..bytes.len()).find(|&at| {
        bytes[at] == b'%' && (hex(bytes.get(at + 1)).is_none() || hex(bytes.get(at + 2)).is_none())
    })?;
    Some(escape_at(text, at))
}

/// Up to three bytes from `at`, shortened to a character boundary.
fn escape_at(text: &str, at: usize) -> &str {
    let mut end = (at + 3).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[at..end]
}

/// `%41`: a well-formed escape, refused in a host only because it encodes ASCII.
fn is_hex_escape(escape: &str) -> bool {
    let bytes = escape.as_bytes();
    bytes.len() == 3 && hex(bytes.get(1)).is_some() && hex(bytes.get(2)).is_some()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    char::from(*byte?)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

// === minio-go's checks on the parsed URL ===

/// `isValidEndpointURL` after the path check: IP or domain, then Amazon, Google, Outposts.
fn check_minio_host<'a>(host: &Host<'a>) -> Result<(), Denial<'a>> {
    let name = host.decoded.as_slice();
    if !is_valid_ip(name)
        && let Some(fault) = domain_fault(name)
    {
        return Err(Denial::NotHost {
            host: host.text,
            fault,
        });
    }

    // All three are case-sensitive substring tests on `Hostname()`.
    if contains(name, b".s3.amazonaws.com") && !is_amazon(&runes(name)) {
        return Err(Denial::Amazon { host: host.text });
    }
    if contains(name, b".googleapis.com") && name != b"storage.googleapis.com" {
        return Err(Denial::Google { host: host.text });
    }
    if contains(name, b"s3-outposts") && !is_outposts_host(name) {
        return Err(Denial::Outposts);
    }
    Ok(())
}

/// minio-go's `IsValidIP`, Go's `net.ParseIP`: a dotted quad or IPv6 text, no zone.
fn is_valid_ip(name: &[u8]) -> bool {
    // Rust refuses leading zeros in IPv4 (`010.0.0.1`), as Go has since 1.17.
    std::str::from_utf8(name)
        .is_ok_and(|name| name.parse::<Ipv4Addr>().is_ok() || name.parse::<Ipv6Addr>().is_ok())
}

/// minio-go's `IsValidDomain`, which is far looser than DNS (see [`dns_fault`]).
fn domain_fault(name: &[u8]) -> Option<DomainFault> {
    let name = trim_space(name);
    let (Some(&first), Some(&last)) = (name.first(), name.last()) else {
        return Some(DomainFault::Empty);
    };
    if name.len() > 255 {
        return Some(DomainFault::TooLong(name.len()));
    }
    for edge in [b'-', b'_'] {
        if first == edge {
            return Some(DomainFault::StartsWith(char::from(edge)));
        }
        if last == edge {
            return Some(DomainFault::EndsWith(char::from(edge)));
        }
    }
    if first == b'.' {
        return Some(DomainFault::StartsWith('.'));
    }
    let refused = name
        .iter()
        .find(|b| b"`~!@#$%^&*()+={}[]|\\\"';:><?/".contains(b))?;
    Some(DomainFault::Contains(char::from(*refused)))
}

/// Go's `strings.TrimSpace`: Unicode white space at both ends (Rust's `char::is_whitespace`
/// covers the same White_Space set); bytes that are not UTF-8 stop the trimming.
fn trim_space(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes;
    while let Some((c, len)) = first_char(rest)
        && c.is_whitespace()
    {
        rest = &rest[len..];
    }
    while let Some((c, len)) = last_char(rest)
        && c.is_whitespace()
    {
        rest = &rest[..rest.len() - len];
    }
    rest
}

fn first_char(bytes: &[u8]) -> Option<(char, usize)> {
    (1..=bytes.len().min(4)).find_map(|len| {
        let text = std::str::from_utf8(&bytes[..len]).ok()?;
        text.chars().next().map(|c| (c, len))
    })
}

fn last_char(bytes: &[u8]) -> Option<(char, usize)> {
    (1..=bytes.len().min(4)).find_map(|len| {
        let text = std::str::from_utf8(&bytes[bytes.len() - len..]).ok()?;
        text.chars().next_back().map(|c| (c, len))
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// `<name>.s3-outposts.<region>.amazonaws.com` with a region of `[a-z0-9-]+`.
fn is_outposts_host(name: &[u8]) -> bool {
    let Some(rest) = name.strip_suffix(b".amazonaws.com") else {
        return false;
    };
    let Some(dot) = rest.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let region = &rest[dot + 1..];
    let region_ok = !region.is_empty()
        && region
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    region_ok
        && rest[..dot]
            .strip_suffix(b".s3-outposts")
            .is_some_and(|n| !n.is_empty())
}

// === Amazon host recognition ===
//
// minio-go matches `Hostname()` with regular expressions whose dots are not escaped, so a
// `.` in them stands for any one character. The patterns below keep that quirk, work on
// characters as Go's regexp does (one replacement character per stray byte) and keep
// minio-go's order: the first pattern that matches decides, even with an empty region.

const AMAZON: &str = ".amazonaws.com";
const AMAZON_CHINA: &str = ".amazonaws.com.cn";

/// Decodes bytes into characters the way Go's regexp reads a string.
fn runes(bytes: &[u8]) -> Vec<char> {
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
fn is_amazon(host: &[char]) -> bool {
    if same(host, "s3.amazonaws.com") || same(host, "s3-external-1.amazonaws.com") {
        return true;
    }
    !contains_text(host, "s3-outposts") && amazon_region(host).is_some()
}

/// minio-go's `GetRegionFromURL`, with `None` for its empty answer.
fn amazon_region(host: &[char]) -> Option<&[char]> {
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

fn is_fips(host: &[char]) -> bool {
    strip_literal(host, "s3-fips").is_some() && ends_with(host, AMAZON)
}

fn is_private_link(host: &[char]) -> bool {
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

// === Messages ===

impl Denial<'_> {
    /// One sentence for the user: what is wrong and what to write instead.
    fn message(&self, insecure: bool) -> String {
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

/// The user's value in Rust debug form (control characters escaped), cut once the escaped
/// text passes [`QUOTE_LIMIT`] characters so one huge value cannot swamp the message.
fn quote(value: &str) -> String {
    let mut end = 0;
    for (at, c) in value.char_indices().take(QUOTE_LIMIT + 1) {
        if format!("{:?}", &value[..at + c.len_utf8()]).chars().count() > QUOTE_LIMIT + 2 {
            return format!("{:?}...", &value[..end]);
        }
        end = at + c.len_utf8();
    }
    if end < value.len() {
        return format!("{:?}...", &value[..end]);
    }
    format!("{value:?}")
}

// === Warnings on accepted endpoints ===

impl Accepted<'_> {
    fn warnings(&self, insecure: bool) -> Vec<String> {
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

    fn judge(endpoint: &str, insecure: bool) -> Findings {
        let mut findings = Findings::default();
        check_endpoint(endpoint, insecure, &mut findings);
        findings
    }

    /// Every message is one short sentence about `spec.endpoint`.
    fn assert_well_formed(endpoint: &str, findings: &Findings) {
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

    /// `std::net` parsers stand in for Go's `net.ParseIP` and `netip.ParseAddr`; these are
    /// the grammar points where the two could differ.
    #[test]
    fn parses_ip_text_as_go_does() {
        for accepted in ["0.0.0.0", "255.255.255.255", "127.0.0.1"] {
            assert!(accepted.parse::<Ipv4Addr>().is_ok(), "{accepted}");
        }
        let refused = [
            "010.0.0.1",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "0x7f.0.0.1",
            "1.2.3.4 ",
        ];
        for refused in refused {
            assert!(refused.parse::<Ipv4Addr>().is_err(), "{refused}");
        }
        let accepted = [
            "::",
            "::1",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
        ];
        for accepted in accepted {
            assert!(accepted.parse::<Ipv6Addr>().is_ok(), "{accepted}");
        }
        let refused = [
            "1:2:3:4:5:6:7:8::",
            "::ffff:01.2.3.4",
            "1::2::3",
            "12345::",
            "1.2.3.4::",
            "fe80::1%eth0",
            "1:2:3:4:1.2.3.4",
            "::1.2.3.4:5",
            "1.2.3.4",
            ":1::",
        ];
        for refused in refused {
            assert!(refused.parse::<Ipv6Addr>().is_err(), "{refused}");
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
