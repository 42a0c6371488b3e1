//! tus 1.0 on the wire, as this API speaks it: the header names, the protocol version
//! and extensions, the PATCH content type, the metadata keys and the checksum
//! algorithms. The widget's upload client and the server both use these; parsing what
//! clients send is `aftercare_parsers::tus`.

/// `Tus-Resumable` / `Tus-Version`: the only protocol version served.
pub const VERSION: &str = "1.0.0";
/// `Tus-Extension`.
pub const EXTENSIONS: &str = "creation,creation-with-upload,expiration,checksum,termination";
/// `Tus-Checksum-Algorithm`.
pub const CHECKSUM_ALGORITHMS: &str = "sha1,sha256";
/// The content type of every PATCH body.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

// Header names, lowercase (HTTP names are case-insensitive; HTTP/2 sends them so).
pub const TUS_RESUMABLE: &str = "tus-resumable";
pub const UPLOAD_OFFSET: &str = "upload-offset";
pub const UPLOAD_LENGTH: &str = "upload-length";
pub const UPLOAD_METADATA: &str = "upload-metadata";
pub const UPLOAD_CHECKSUM: &str = "upload-checksum";
pub const UPLOAD_EXPIRES: &str = "upload-expires";

/// The metadata key of the file's name (shown to merchants, sanitised by the server).
pub const FILENAME: &str = "filename";
/// The metadata key of the declared media type (checked against the sniffed one).
pub const FILETYPE: &str = "filetype";

/// `Upload-Metadata` for a file: `filename <base64>,filetype <base64>`, each value
/// encoded by `base64` (standard alphabet, with padding).
pub fn metadata(name: &str, media_type: &str, base64: fn(&[u8]) -> String) -> String {
    format!("{FILENAME} {},{FILETYPE} {}", base64(name.as_bytes()), base64(media_type.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn metadata_names_both_values() {
        fn hex(bytes: &[u8]) -> String {
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
        assert_eq!(super::metadata("a.jpg", "image/jpeg", hex), "filename 612e6a7067,filetype 696d6167652f6a706567");
    }
}
