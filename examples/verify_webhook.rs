//! Verifies an Aftercare webhook delivery on the merchant's server (Rust, with `hmac`
//! and `sha2`). Check the signature over the raw body bytes, before parsing them.
//!
//! ```toml
//! hmac = "0.12"
//! sha2 = "0.10"
//! hex = "0.4"
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Deliveries older than this are refused, so a captured one cannot be replayed.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Whether `header` (the `Aftercare-Signature` value, `t=<unix seconds>,v1=<hex>`) signs
/// `body` with `secret`, and was made within [`TOLERANCE_SECS`] of `now_secs`.
pub fn verify(secret: &str, header: &str, body: &[u8], now_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else { return false };
    if (now_secs - timestamp).abs() > TOLERANCE_SECS {
        return false;
    }
    signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(signature).is_ok() // constant-time comparison
    })
}
