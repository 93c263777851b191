//! Splitting `https://` + endpoint the way Go's `net/url` does: the scheme prefix minio-go
//! v7.2.1 cannot take, the cuts at `#`, `?`, `/` and `@`, and the host with its brackets,
//! port, `%`-escapes and allowed characters. It owns the character classes Go applies while
//! parsing; it does not own minio-go's own checks on the parsed host (`minio`), nor how a
//! denial is worded (`messages`).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Denial;
use super::minio::domain_fault;

/// `s3://`, `HTTP://`, `://`: a `://` with no `/`, `?` or `#` before it (the rule minio-go
/// v7.3.0 uses to detect a scheme).
pub(super) fn scheme_prefix(endpoint: &str) -> Option<&str> {
    let at = endpoint.find("://")?;
    let scheme = &endpoint[..at];
    (!scheme.contains(['/', '?', '#'])).then(|| &endpoint[..at + 3])
}

/// Splits at the first `separator`, keeping what follows it (possibly empty) apart.
pub(super) fn cut(text: &str, separator: char) -> (&str, Option<&str>) {
    match text.split_once(separator) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

/// The host part of the authority as Go's `parseHost` leaves it.
pub(super) struct Host<'a> {
    pub(super) text: &'a str,
    pub(super) port: Option<&'a str>,
    pub(super) bracketed: bool,
    pub(super) decoded: Vec<u8>,
}

/// Go's `parseHost` with strict colons and the bracket rules of Go 1.24.8 and later.
pub(super) fn parse_host(raw: &str, bare: bool) -> Result<Host<'_>, Denial<'_>> {
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
pub(super) fn is_userinfo_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c)
}

/// The first `%` not followed by two hex digits, as Go quotes it (at most three bytes).
pub(super) fn bad_escape(text: &str) -> Option<&str> {
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
pub(super) fn is_hex_escape(escape: &str) -> bool {
    let bytes = escape.as_bytes();
    bytes.len() == 3 && hex(bytes.get(1)).is_some() && hex(bytes.get(2)).is_some()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    char::from(*byte?)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
