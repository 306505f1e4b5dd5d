//! Identifiers in OSCAL: control, group and element ids turned into OSCAL tokens and back (a
//! documented, reversible transformation: docs/oscal.md), statement part ids, and the
//! name-based (version 5) UUIDs that make an export the same bytes every time.

use sha1::{Digest, Sha1};

/// crosswalk's namespace for the props and parts OSCAL has no name for (`slug`, `source`,
/// `rests-on`, ...), and the name our UUIDs' namespace is made from: a namespace name, not a
/// web address.
pub const NS: &str = "urn:crosswalk:oscal";

/// An id that is already a plain OSCAL token (an ASCII letter, then letters, digits, `.` and
/// `-`) goes out as it is; every other id is escaped (`escape_id`).
fn is_plain(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// The escape used inside tokens: ASCII letters, digits, `.` and `-` kept, every other byte of
/// the UTF-8 text written `_HH` (two uppercase hex digits), `_` itself included.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02X}"));
        }
    }
    out
}

/// Undoes `escape`; `None` when `s` is not something `escape` writes.
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'_' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
            {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-' {
            out.push(b[i]);
            i += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

/// A control or group id as an OSCAL token: itself when it is plain (`A.5.15`, `CC6.1`),
/// otherwise `_` and the escaped id (`3.1.1` -> `_3.1.1`, `164.312(a)(1)` ->
/// `_164.312_28a_29_281_29`).
pub fn token(id: &str) -> String {
    if is_plain(id) {
        id.to_string()
    } else {
        format!("_{}", escape(id))
    }
}

/// The id a token stands for: the inverse of `token`. A token `token` would not have written
/// (another tool's `_x`) is its own id.
pub fn untoken(t: &str) -> String {
    if let Some(rest) = t.strip_prefix('_')
        && let Some(id) = unescape(rest)
        && token(&id) == t
    {
        return id;
    }
    t.to_string()
}

/// Separates a control's token from its element in a statement part id.
const STATEMENT: &str = "_smt.";

/// The id of the statement part that stands for element `element` of control `control`:
/// `<token>_smt.<escaped element>` (NIST's own convention for statement items).
pub fn statement_id(control: &str, element: &str) -> String {
    format!("{}{STATEMENT}{}", token(control), escape(element))
}

/// The control id and element id a statement part id names, if it has the shape
/// `statement_id` writes (or NIST's `ac-1_smt.a`). The element part never holds `_smt.` (its
/// `_` are escapes), so the last one splits.
pub fn split_statement(id: &str) -> Option<(String, String)> {
    let at = id.rfind(STATEMENT)?;
    let (control, element) = (&id[..at], &id[at + STATEMENT.len()..]);
    if control.is_empty() || element.is_empty() {
        return None;
    }
    Some((untoken(control), unescape(element)?))
}

/// The RFC 4122 namespace for URLs, the namespace crosswalk's own namespace is made in.
const NAMESPACE_URL: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

fn v5_bytes(namespace: &[u8; 16], name: &[u8]) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name);
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A version 5 UUID from a stable name: the name is the JSON array of `parts`
/// (`["map","soc2__iso27001","CC6.1","A.5.15"]`), in the namespace that is itself the v5 UUID of
/// `NS` in the URL namespace. Nothing random and no clock: the same names give the same UUIDs.
pub fn uuid(parts: &[&str]) -> String {
    let ns = v5_bytes(&NAMESPACE_URL, NS.as_bytes());
    let name = serde_json::to_string(parts).unwrap_or_default();
    format_uuid(&v5_bytes(&ns, name.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for id in [
            "A.5.15",
            "CC6.1",
            "3.1.1",
            "03.01.01",
            "164.312(a)(2)(iv)",
            "AC 1",
            "A_1",
            "_x",
            "é.1",
            "ac-2.1",
        ] {
            let t = token(id);
            assert!(t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'));
            assert!(
                t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            );
            assert_eq!(untoken(&t), id, "{t}");
        }
        assert_eq!(token("A.5.15"), "A.5.15");
        assert_eq!(token("3.1.1"), "_3.1.1");
        assert_eq!(token("164.312(a)(1)"), "_164.312_28a_29_281_29");
        // Another tool's token that merely starts with `_` is kept as it is.
        assert_eq!(untoken("_foo"), "_foo");
        assert_eq!(untoken("ac-1"), "ac-1");
    }

    #[test]
    fn statement_ids_split() {
        let id = statement_id("03.01.01", "[01-02]");
        assert_eq!(id, "_03.01.01_smt._5B01-02_5D");
        assert_eq!(
            split_statement(&id),
            Some(("03.01.01".into(), "[01-02]".into()))
        );
        assert_eq!(
            split_statement("ac-1_smt.a"),
            Some(("ac-1".into(), "a".into()))
        );
        assert_eq!(split_statement("ac-1"), None);
    }

    #[test]
    fn uuids_are_version_5_and_stable() {
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "http://www.example.com/").
        let b = v5_bytes(&NAMESPACE_URL, b"http://www.example.com/");
        assert_eq!(format_uuid(&b), "fcde3c85-2270-590f-9e7c-ee003d65e0e2");
        let a = uuid(&["catalog", "soc2"]);
        assert_eq!(a, uuid(&["catalog", "soc2"]));
        assert_ne!(a, uuid(&["catalog", "soc3"]));
        assert_eq!(&a[14..15], "5");
    }
}
