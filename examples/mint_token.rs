//! Mints an Aftercare order token on a merchant's server (Rust, with `jsonwebtoken`).
//! `order` is the snapshot: `order_id`, `item_ids`, `state`?, `delivered_at`?, and
//! `prices`? (`[{item_id, quantity, unit_price, currency}]`, minor units: the cap on
//! every refund).
//!
//! ```toml
//! jsonwebtoken = { version = "10", default-features = false, features = ["rust_crypto"] }
//! serde_json = "1"
//! uuid = { version = "1", features = ["v4"] }
//! hex = "0.4"
//! ```

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub fn order_token(
    merchant_id: &str,
    kid: &str,
    secret_hex: &str,
    shopper_id: &str,
    order: Value,
    now_secs: i64,
) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    let claims = json!({
        "iss": merchant_id,
        "aud": "aftercare",
        "sub": shopper_id,
        "order_id": order["order_id"],
        "order": order,
        "iat": now_secs,
        "exp": now_secs + 30 * 60,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let secret = hex::decode(secret_hex).expect("the key is hex");
    encode(&header, &claims, &EncodingKey::from_secret(&secret)).expect("HS256 signing cannot fail")
}
