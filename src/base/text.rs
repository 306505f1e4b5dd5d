//! Text helpers every stage may use: decoding a file as UTF-8 with a positioned error,
//! percentages that never round a gap away, and percent-encoding for links and URIs.

use crate::base::diagnostic::{Diagnostic, Pos};
use crate::base::rules;
use std::path::Path;

pub fn decode_utf8(bytes: &[u8], path: &Path) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let pos = Pos::of_offset(good, good.len());
            Err(Diagnostic::error(
                path,
                format!("not valid UTF-8 (byte 0x{:02X})", bytes[e.valid_up_to()]),
            )
            .with_rule(rules::NOT_UTF8)
            .at(Some(pos))
            .with_hint("save the file as UTF-8"))
        }
    }
}

/// A percentage that never rounds a gap away: 99.6% shows as 99%, only a full set as 100%.
pub fn pct(ratio: f64) -> String {
    format!("{}%", (ratio * 100.0 + 1e-9).floor() as i64)
}

/// Percent-encodes `s` byte by byte (RFC 3986): unreserved characters and the bytes of `keep`
/// stay, every other byte becomes `%XX`. Page links keep `/`; SARIF's file URIs `/` and `:`.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
