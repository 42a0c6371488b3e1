//! Routes that exist only with `--insecure-dev`: control of the server's clock, so
//! tests of deadlines and expiry never sleep.

use aftercare_protocol::time::Timestamp;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::extract::Json;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/dev/clock", post(clock)).route("/dev/panic", post(panic))
}

/// `POST /dev/panic`: a handler that panics, so tests can check that one failing request
/// is answered with a 500 and the server serves on.
async fn panic() -> &'static str {
    panic!("POST /dev/panic was called")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// Stop time at this instant.
    #[serde(default)]
    set: Option<Timestamp>,
    /// Then move it by this many seconds.
    #[serde(default)]
    advance_seconds: Option<i64>,
}

#[derive(Serialize)]
struct Now {
    now: Timestamp,
}

async fn clock(State(state): State<AppState>, body: Json<ClockChange>) -> Result<axum::Json<Now>, Error> {
    if let Some(at) = body.value.set {
        state.clock.set(at);
    }
    if let Some(seconds) = body.value.advance_seconds {
        state.clock.advance(seconds.saturating_mul(1000));
    }
    // On PostgreSQL, every node follows: the setting is stored and sent to the others.
    if state.store.postgres_url.is_some() {
        let setting = state.clock.setting();
        state.store.save_dev_clock(setting).await?;
        state.store.notify(crate::live::CLOCK_CHANNEL, &format!("{} {}", setting.0, setting.1)).await?;
    }
    // Consequences now due are applied before answering, so a test that moves the
    // clock sees their effect at once; webhook retries now due go out right after.
    crate::scheduler::run_due(&state).await?;
    crate::scheduler::remind_due(&state).await?;
    state.wake.webhooks.notify_one();
    state.wake.emails.notify_one();
    Ok(axum::Json(Now { now: state.clock.now() }))
}
