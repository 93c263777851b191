//! minio-go's `isValidEndpointURL` checks on a host Go has parsed: IP address or loose
//! domain name, then the Amazon, Google and S3 Outposts rules, with the byte helpers they
//! need. It does not parse the endpoint (`parse`), decide what an Amazon host is (`amazon`)
//! or word the denials (`messages`).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::amazon::{is_amazon, runes};
use super::parse::Host;
use super::{Denial, DomainFault};

/// `isValidEndpointURL` after the path check: IP or domain, then Amazon, Google, Outposts.
pub(super) fn check_minio_host<'a>(host: &Host<'a>) -> Result<(), Denial<'a>> {
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
pub(super) fn is_valid_ip(name: &[u8]) -> bool {
    // Rust refuses leading zeros in IPv4 (`010.0.0.1`), as Go has since 1.17.
    std::str::from_utf8(name)
        .is_ok_and(|name| name.parse::<Ipv4Addr>().is_ok() || name.parse::<Ipv6Addr>().is_ok())
}

/// minio-go's `IsValidDomain`, which is far looser than DNS (see `warnings::dns_fault`).
pub(super) fn domain_fault(name: &[u8]) -> Option<DomainFault> {
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
pub(super) fn trim_space(bytes: &[u8]) -> &[u8] {
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

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
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
