//! The fuzz targets of parsers that live in the server (`fuzz-server/`): order tokens and
//! `merchants.toml`. Shared by the libFuzzer targets and the test that replays
//! `fuzz/regressions/{order_token,merchants_toml}/`.

use std::sync::OnceLock;

use aftercare_protocol::time::Timestamp;

use crate::merchants::Merchants;

pub const TARGETS: [&str; 2] = ["order_token", "merchants_toml"];

fn merchants() -> &'static Merchants {
    static MERCHANTS: OnceLock<Merchants> = OnceLock::new();
    MERCHANTS.get_or_init(|| {
        Merchants::from_toml(&format!(
            "[[merchant]]\nid = \"acme\"\nallowed_origins = [\"https://shop.acme.example\"]\n\
             keys = [{{ kid = \"acme-1\", secret_hex = \"{}\" }}]\n",
            "ab".repeat(32)
        ))
        .expect("a valid merchant")
    })
}

/// Runs target `name` on `data`; panics on a broken invariant.
pub fn run(name: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match name {
        "order_token" => {
            let now = Timestamp(1_764_316_800_000);
            if let Ok((merchant, claims)) = crate::auth::verify(text, merchants(), now) {
                assert_eq!(claims.iss, merchant.id);
                assert_eq!(claims.order.order_id, claims.order_id);
                assert!(claims.exp.saturating_mul(1000) > now.0);
            }
        }
        "merchants_toml" => {
            if let Ok(merchants) = Merchants::from_toml(text) {
                for merchant in merchants.all() {
                    let _ = merchant.widget_config(1, 1);
                    let _ = merchant.draft_days();
                }
            }
        }
        other => panic!("no fuzz target {other:?}"),
    }
}
