//! Sends queued webhook deliveries (see `store::webhooks`): each POST carries
//! `Aftercare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! A receiver that fails (non-2xx, timeout, refused connection) is retried with
//! exponential backoff and jitter, up to [`MAX_ATTEMPTS`]; all of it happens in a
//! background task, so a slow or failing receiver never holds up the API.

use std::time::Duration;

use aftercare_protocol::time::Timestamp;
use futures_util::stream::{self, StreamExt};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::webhooks::{self as outbox, Attempt, Due};
use crate::AppState;

/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: u32 = 8;
/// The first retry waits about this long; each next one twice as long.
const FIRST_RETRY_MS: i64 = 10_000;
/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries sent at once.
const PARALLEL: usize = 8;

/// The `Aftercare-Signature` header value for `body` sent at `unix_seconds`.
pub fn signature(secret: &[u8], unix_seconds: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(format!("{unix_seconds}.{body}").as_bytes());
    format!("t={unix_seconds},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// When to try again after `attempts` failed attempts (1 = the first failed), or
/// `None` when it is time to give up. `jitter` in [0, 1) spreads retries ±20 %.
pub fn retry_at(now: Timestamp, attempts: u32, jitter: f64) -> Option<Timestamp> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let base = FIRST_RETRY_MS.saturating_mul(1 << (attempts.saturating_sub(1)).min(20));
    let spread = (base as f64 * 0.2 * (2.0 * jitter - 1.0)) as i64;
    Some(Timestamp(now.0 + base + spread))
}

/// A random number in [0, 1), to spread retries.
pub(crate) fn jitter() -> f64 {
    let mut byte = [0u8; 2];
    getrandom::fill(&mut byte).expect("the OS random source works");
    f64::from(u16::from_le_bytes(byte)) / 65_536.0
}

/// The HTTP client deliveries go out on.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("aftercare-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
}

/// One pass: sends every delivery due now. Returns how many were attempted.
pub async fn deliver_due(state: &AppState) -> Result<usize, crate::error::Error> {
    let now = state.clock.now();
    let due = outbox::claim_due(state.store.pool(), now, 2 * TIMEOUT.as_millis() as i64, 64).await?;
    let count = due.len();
    stream::iter(due)
        .for_each_concurrent(PARALLEL, |delivery| async move {
            let attempt = send(state, &delivery).await;
            let delivered = matches!(attempt, Attempt::Delivered { .. });
            state.metrics.webhook(delivered);
            if let Err(error) = outbox::record(state.store.pool(), &delivery.id, attempt, state.clock.now()).await {
                tracing::error!("recording webhook delivery {}: {error}", delivery.id);
            }
        })
        .await;
    Ok(count)
}

async fn send(state: &AppState, delivery: &Due) -> Attempt {
    let Some(target) = state.merchants.get(&delivery.merchant_id).and_then(|m| m.webhook.clone()) else {
        return Attempt::Failed { status: None, error: "the merchant no longer has a webhook".into(), retry_at: None };
    };
    let now = state.clock.now();
    let header = signature(target.secret.as_bytes(), now.0.div_euclid(1000), &delivery.body);
    let sent = state
        .http
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("aftercare-signature", header)
        .header("aftercare-delivery", &delivery.id)
        .body(delivery.body.clone())
        .send()
        .await;
    let attempts = delivery.attempts + 1;
    match sent {
        Ok(response) if response.status().is_success() => Attempt::Delivered { status: response.status().as_u16() },
        Ok(response) => Attempt::Failed {
            status: Some(response.status().as_u16()),
            error: format!("the receiver answered {}", response.status()),
            retry_at: retry_at(now, attempts, jitter()),
        },
        Err(error) => Attempt::Failed {
            status: None,
            error: if error.is_timeout() { "timed out".into() } else { format!("could not connect: {error}") },
            retry_at: retry_at(now, attempts, jitter()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // Computed independently: printf '1764316800.{"a":1}' | openssl dgst -sha256 -hmac whsec_test_secret_123
        let header = signature(b"whsec_test_secret_123", 1_764_316_800, r#"{"a":1}"#);
        assert_eq!(header, "t=1764316800,v1=af879e4f7fb6aa18fc80b59426fba78d72dde43af3cef22df17a6ad1da7cb1f9");
    }

    #[test]
    fn retries_back_off_then_stop() {
        let t = Timestamp(0);
        let table = [
            (1, 0.5, Some(10_000)),
            (2, 0.5, Some(20_000)),
            (3, 0.5, Some(40_000)),
            (7, 0.5, Some(640_000)),
            (8, 0.5, None),
        ];
        for (attempts, jitter, expected) in table {
            assert_eq!(retry_at(t, attempts, jitter).map(|t| t.0), expected, "after {attempts}");
        }
        // Jitter spreads ±20 %.
        assert_eq!(retry_at(t, 1, 0.0), Some(Timestamp(8_000)));
        assert!(retry_at(t, 1, 0.999_99).unwrap().0 < 12_000);
    }
}
