//! tus 1.0 header values: parsing what clients send, formatting what we answer. Pure.
//! The names and constants both sides use are `aftercare_protocol::tus`.

use std::collections::HashSet;

use aftercare_protocol::validate::forbidden_in_name;
use base64::Engine;

pub use aftercare_protocol::tus::*;

/// `Upload-Offset` / `Upload-Length`: a non-negative decimal integer, nothing else.
pub fn parse_u64(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// One `Upload-Metadata` pair: the key, and the decoded value if one was given.
pub type Metadata = Vec<(String, Option<Vec<u8>>)>;

/// `Upload-Metadata: key base64value,key2,key3 base64value`. Keys are unique, non-empty
/// visible ASCII without spaces or commas; values are standard base64.
pub fn parse_metadata(header: &str) -> Result<Metadata, String> {
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    if header.trim().is_empty() {
        return Ok(pairs);
    }
    for (index, item) in header.split(',').enumerate() {
        let item = item.trim();
        let mut parts = item.split(' ');
        let key = parts.next().unwrap_or_default();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(format!("Upload-Metadata pair {index}: invalid key"));
        }
        if !seen.insert(key.to_owned()) {
            return Err(format!("Upload-Metadata: key {key:?} appears twice"));
        }
        let value = match (parts.next(), parts.next()) {
            (None, _) => None,
            (Some(encoded), None) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|_| format!("Upload-Metadata: the value of {key:?} is not base64"))?,
            ),
            (Some(_), Some(_)) => return Err(format!("Upload-Metadata pair {index}: too many spaces")),
        };
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

/// A metadata value as text: UTF-8 without control characters, or `None`.
pub fn metadata_text(metadata: &Metadata, key: &str) -> Result<Option<String>, String> {
    let Some((_, value)) = metadata.iter().find(|(k, _)| k == key) else { return Ok(None) };
    let Some(bytes) = value else { return Ok(None) };
    let text = String::from_utf8(bytes.clone()).map_err(|_| format!("Upload-Metadata {key}: not UTF-8"))?;
    if text.chars().any(char::is_control) {
        return Err(format!("Upload-Metadata {key}: contains control characters"));
    }
    Ok(Some(text))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    Sha1,
    Sha256,
}

/// `Upload-Checksum: sha1 base64digest`.
pub fn parse_checksum(header: &str) -> Result<(ChecksumAlgorithm, Vec<u8>), String> {
    let (name, digest) = header.trim().split_once(' ').ok_or("Upload-Checksum: expected `<algorithm> <base64>`")?;
    let algorithm = match name.to_ascii_lowercase().as_str() {
        "sha1" => ChecksumAlgorithm::Sha1,
        "sha256" => ChecksumAlgorithm::Sha256,
        other => return Err(format!("Upload-Checksum: unsupported algorithm {other:?} (sha1, sha256)")),
    };
    let digest = base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map_err(|_| "Upload-Checksum: the digest is not base64".to_owned())?;
    let expected = match algorithm {
        ChecksumAlgorithm::Sha1 => 20,
        ChecksumAlgorithm::Sha256 => 32,
    };
    if digest.len() != expected {
        return Err(format!("Upload-Checksum: a {name} digest is {expected} bytes"));
    }
    Ok((algorithm, digest))
}

/// The last instant an HTTP date can name: 9999-12-31T23:59:59Z.
const LAST_HTTP_DATE_MS: i64 = 253_402_300_799_000;

/// `Upload-Expires`, an RFC 9110 HTTP date. Instants past year 9999 (a clock set far
/// ahead) are written as the last date there is instead of panicking in `httpdate`.
pub fn http_date(millis: i64) -> String {
    let millis = millis.clamp(0, LAST_HTTP_DATE_MS) as u64;
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis))
}

/// A file name safe to keep as metadata and to put in `Content-Disposition`: the last
/// path component, no control or quoting characters, at most 100 characters.
pub fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|&c| !forbidden_in_name(c) && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`' | '%'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (text, expected) in [
            ("0", Some(0)),
            ("1048576", Some(1_048_576)),
            ("", None),
            ("-1", None),
            ("+5", None),
            (" 5", None),
            ("1e3", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_u64(text), expected, "{text:?}");
        }
    }

    #[test]
    fn metadata() {
        let parsed =
            parse_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential,filetype aW1hZ2UvanBlZw==")
                .unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(metadata_text(&parsed, "filename").unwrap().as_deref(), Some("world_domination_plan.pdf"));
        assert_eq!(metadata_text(&parsed, "is_confidential").unwrap(), None);
        assert_eq!(metadata_text(&parsed, "filetype").unwrap().as_deref(), Some("image/jpeg"));
        assert_eq!(parse_metadata("").unwrap(), vec![]);
        // Malformed base64, duplicate keys, bad keys, control characters.
        assert!(parse_metadata("filename !!!").unwrap_err().contains("not base64"));
        assert!(parse_metadata("a YQ==,a Yg==").unwrap_err().contains("twice"));
        assert!(parse_metadata("a YQ== extra").is_err());
        assert!(parse_metadata(",a").is_err());
        let control = parse_metadata("filename YQ1i").unwrap(); // "a\rb"
        assert!(metadata_text(&control, "filename").unwrap_err().contains("control"));
        let not_utf8 = parse_metadata("filename //79").unwrap();
        assert!(metadata_text(&not_utf8, "filename").is_err());
    }

    #[test]
    fn checksums() {
        let (algorithm, digest) = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").unwrap();
        assert_eq!((algorithm, digest.len()), (ChecksumAlgorithm::Sha1, 20));
        assert!(parse_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg==").unwrap_err().contains("unsupported"));
        assert!(parse_checksum("sha1 YQ==").unwrap_err().contains("20 bytes"));
        assert!(parse_checksum("sha1").is_err());
    }

    #[test]
    fn dates_and_names() {
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        // A clock set to 9999-12-31 plus a day's expiry: no panic, the last date there is.
        assert_eq!(http_date(253_402_214_400_000 + 86_400_000), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(-5), "Thu, 01 Jan 1970 00:00:00 GMT");
        for (name, expected) in [
            ("photo.jpg", "photo.jpg"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\me\\IMG_0001.HEIC", "IMG_0001.HEIC"),
            ("a\"b;c\r\n.jpg", "abc.jpg"),
            (".hidden", "hidden"),
            ("", "file"),
            ("售后照片.jpg", "售后照片.jpg"),
            ("invoice\u{202E}gpj.exe", "invoicegpj.exe"),
            ("a\u{2066}b\u{200F}.png", "ab.png"),
        ] {
            assert_eq!(sanitize_filename(name), expected, "{name:?}");
        }
        assert_eq!(sanitize_filename(&"x".repeat(300)).len(), 100);
    }
}
