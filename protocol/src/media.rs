//! What evidence files may be, decided from their bytes (magic numbers), never from
//! their names. The widget checks a file with this before uploading it; the server
//! checks every completed upload again.

use crate::case::MediaKind;

/// The allowed types: JPEG, PNG and WebP photos; MP4/MOV and WebM videos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Mp4,
    QuickTime,
    Webm,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Mp4 => "video/mp4",
            MediaType::QuickTime => "video/quicktime",
            MediaType::Webm => "video/webm",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
            MediaType::Mp4 => "mp4",
            MediaType::QuickTime => "mov",
            MediaType::Webm => "webm",
        }
    }

    pub fn kind(self) -> MediaKind {
        match self {
            MediaType::Jpeg | MediaType::Png | MediaType::Webp => MediaKind::Photo,
            MediaType::Mp4 | MediaType::QuickTime | MediaType::Webm => MediaKind::Video,
        }
    }

    /// The type a client declares (`filetype` metadata, `File.type`), with the usual
    /// aliases; `None` for anything not allowed.
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        Some(match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => MediaType::Jpeg,
            "image/png" => MediaType::Png,
            "image/webp" => MediaType::Webp,
            "video/mp4" | "video/x-m4v" => MediaType::Mp4,
            "video/quicktime" => MediaType::QuickTime,
            "video/webm" => MediaType::Webm,
            _ => return None,
        })
    }

    /// Whether bytes of this type may be declared as `declared`. MP4 and MOV share a
    /// container, and phones label one as the other, so they are interchangeable.
    fn agrees_with(self, declared: MediaType) -> bool {
        self == declared
            || matches!(
                (self, declared),
                (MediaType::Mp4, MediaType::QuickTime) | (MediaType::QuickTime, MediaType::Mp4)
            )
    }
}

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Allowed(MediaType),
    /// HEIC/HEIF: browsers convert to JPEG when a page does not ask for HEIC, so a HEIC
    /// upload gets its own clear error.
    Heic,
    /// A known type that is not evidence: executables, HTML, PDF, archives, scripts.
    Refused(&'static str),
    Unknown,
}

/// How many leading bytes [`sniff`] needs.
pub const SNIFF_LEN: usize = 64;

/// Identifies a file from its first [`SNIFF_LEN`] bytes (fewer if the file is shorter).
pub fn sniff(head: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Allowed(MediaType::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Allowed(MediaType::Png);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Sniffed::Allowed(MediaType::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        let compatible = head.get(16..head.len().min(64)).unwrap_or_default();
        let heif = |b: &[u8]| {
            matches!(
                b,
                b"heic"
                    | b"heix"
                    | b"hevc"
                    | b"hevx"
                    | b"heim"
                    | b"heis"
                    | b"hevm"
                    | b"hevs"
                    | b"mif1"
                    | b"msf1"
                    | b"avif"
            )
        };
        if heif(brand) {
            return Sniffed::Heic;
        }
        if brand == b"qt  " {
            return Sniffed::Allowed(MediaType::QuickTime);
        }
        let mp4 = |b: &[u8]| {
            matches!(
                b,
                b"isom"
                    | b"iso2"
                    | b"iso4"
                    | b"iso5"
                    | b"iso6"
                    | b"mp41"
                    | b"mp42"
                    | b"avc1"
                    | b"M4V "
                    | b"M4VP"
                    | b"mmp4"
                    | b"dash"
                    | b"MSNV"
                    | b"3gp4"
                    | b"3gp5"
                    | b"3gp6"
            )
        };
        if mp4(brand) || compatible.chunks(4).any(mp4) {
            return Sniffed::Allowed(MediaType::Mp4);
        }
        return Sniffed::Unknown;
    }
    if head.len() >= 8 && matches!(&head[4..8], b"moov" | b"mdat" | b"wide" | b"free" | b"skip") {
        // Older QuickTime files start with an atom other than `ftyp`.
        return Sniffed::Allowed(MediaType::QuickTime);
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        // EBML: Matroska or WebM; the DocType says which.
        if head.windows(4).any(|w| w == b"webm") {
            return Sniffed::Allowed(MediaType::Webm);
        }
        return Sniffed::Refused("Matroska video (only WebM is accepted)");
    }
    if starts(b"MZ") || starts(b"\x7FELF") || starts(&[0xCF, 0xFA, 0xED, 0xFE]) || starts(&[0xCA, 0xFE, 0xBA, 0xBE]) {
        return Sniffed::Refused("an executable program");
    }
    if starts(b"%PDF") {
        return Sniffed::Refused("a PDF document");
    }
    if starts(b"PK\x03\x04") || starts(b"Rar!") || starts(&[0x1F, 0x8B]) || starts(b"7z\xBC\xAF") {
        return Sniffed::Refused("an archive");
    }
    if starts(b"#!") {
        return Sniffed::Refused("a script");
    }
    let text = String::from_utf8_lossy(head).trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
    if ["<!doctype", "<html", "<script", "<svg", "<?xml", "<head", "<body", "<iframe"]
        .iter()
        .any(|tag| text.starts_with(tag))
    {
        return Sniffed::Refused("HTML, SVG or XML markup");
    }
    Sniffed::Unknown
}

/// Why a file is not accepted as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaError {
    /// `unsupported_media_type`, `heic_not_supported`, `media_type_mismatch`.
    pub code: &'static str,
    pub message: String,
}

/// Checks a file's first bytes against the type its client declared.
pub fn check(declared: &str, head: &[u8]) -> Result<MediaType, MediaError> {
    let error = |code, message: String| Err(MediaError { code, message });
    let actual = match sniff(head) {
        Sniffed::Allowed(actual) => actual,
        Sniffed::Heic => {
            return error(
                "heic_not_supported",
                "HEIC/HEIF photos are not accepted; choose the photo again or send a JPEG".into(),
            )
        }
        Sniffed::Refused(what) => {
            return error("unsupported_media_type", format!("the file is {what}, not a photo or a video"))
        }
        Sniffed::Unknown => {
            return error(
                "unsupported_media_type",
                "the file is not a JPEG, PNG or WebP photo, nor an MP4, MOV or WebM video".into(),
            )
        }
    };
    match MediaType::from_mime(declared) {
        Some(claimed) if actual.agrees_with(claimed) => Ok(actual),
        Some(claimed) => error(
            "media_type_mismatch",
            format!("the file says it is {} but its content is {}", claimed.mime(), actual.mime()),
        ),
        None if declared.trim().is_empty() => Ok(actual),
        None => error(
            "media_type_mismatch",
            format!("{declared:?} is not an accepted type; the content is {}", actual.mime()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(brand: &[u8; 4], compatible: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0, 0, 0, 0x18];
        bytes.extend_from_slice(b"ftyp");
        bytes.extend_from_slice(brand);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(compatible);
        bytes
    }

    #[track_caller]
    fn check_sniff(bytes: &[u8], expected: Sniffed) {
        assert_eq!(sniff(bytes), expected, "{:?}", &bytes[..bytes.len().min(16)]);
    }

    #[test]
    fn every_allowed_type() {
        check_sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'], Sniffed::Allowed(MediaType::Jpeg));
        check_sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Sniffed::Allowed(MediaType::Png));
        check_sniff(b"RIFF\x24\0\0\0WEBPVP8 ", Sniffed::Allowed(MediaType::Webp));
        check_sniff(&ftyp(b"isom", b"isomiso2avc1mp41"), Sniffed::Allowed(MediaType::Mp4));
        check_sniff(&ftyp(b"mp42", b""), Sniffed::Allowed(MediaType::Mp4));
        check_sniff(&ftyp(b"XAVC", b"mp42iso2"), Sniffed::Allowed(MediaType::Mp4));
        check_sniff(&ftyp(b"qt  ", b"qt  "), Sniffed::Allowed(MediaType::QuickTime));
        check_sniff(b"\0\0\0\x08wide\0\0\0\0mdat", Sniffed::Allowed(MediaType::QuickTime));
        check_sniff(b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", Sniffed::Allowed(MediaType::Webm));
    }

    #[test]
    fn what_is_refused() {
        check_sniff(&ftyp(b"heic", b"mif1heic"), Sniffed::Heic);
        check_sniff(&ftyp(b"mif1", b"heic"), Sniffed::Heic);
        check_sniff(
            b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x88matroska",
            Sniffed::Refused("Matroska video (only WebM is accepted)"),
        );
        check_sniff(b"MZ\x90\0\x03\0\0\0", Sniffed::Refused("an executable program"));
        check_sniff(b"\x7FELF\x02\x01\x01", Sniffed::Refused("an executable program"));
        check_sniff(b"<!DOCTYPE html><script>alert(1)</script>", Sniffed::Refused("HTML, SVG or XML markup"));
        check_sniff(b"\xEF\xBB\xBF  <html>", Sniffed::Refused("HTML, SVG or XML markup"));
        check_sniff(b"<svg xmlns=", Sniffed::Refused("HTML, SVG or XML markup"));
        check_sniff(b"%PDF-1.7", Sniffed::Refused("a PDF document"));
        check_sniff(b"PK\x03\x04", Sniffed::Refused("an archive"));
        check_sniff(b"#!/bin/sh", Sniffed::Refused("a script"));
        check_sniff(b"GIF89a", Sniffed::Unknown);
        check_sniff(b"", Sniffed::Unknown);
        check_sniff(&ftyp(b"crx ", b""), Sniffed::Unknown);
    }

    #[test]
    fn declared_types_must_agree() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE1];
        assert_eq!(check("image/jpeg", &jpeg), Ok(MediaType::Jpeg));
        assert_eq!(check("image/jpg", &jpeg), Ok(MediaType::Jpeg));
        assert_eq!(check("", &jpeg), Ok(MediaType::Jpeg));
        assert_eq!(check("image/png", &jpeg).unwrap_err().code, "media_type_mismatch");
        assert_eq!(check("video/quicktime", &ftyp(b"isom", b"")), Ok(MediaType::Mp4));
        assert_eq!(check("video/mp4", &ftyp(b"qt  ", b"")), Ok(MediaType::QuickTime));
        // An executable renamed .jpg, HTML claiming to be PNG, a HEIC photo.
        assert_eq!(check("image/jpeg", b"MZ\x90\0").unwrap_err().code, "unsupported_media_type");
        assert_eq!(check("image/png", b"<html><body>").unwrap_err().code, "unsupported_media_type");
        assert_eq!(check("image/heic", &ftyp(b"heic", b"")).unwrap_err().code, "heic_not_supported");
        assert_eq!(check("application/x-msdownload", &jpeg).unwrap_err().code, "media_type_mismatch");
    }

    #[test]
    fn mime_round_trip() {
        for t in
            [MediaType::Jpeg, MediaType::Png, MediaType::Webp, MediaType::Mp4, MediaType::QuickTime, MediaType::Webm]
        {
            assert_eq!(MediaType::from_mime(t.mime()), Some(t));
        }
        assert_eq!(MediaType::from_mime("IMAGE/JPEG; charset=binary"), Some(MediaType::Jpeg));
    }
}
