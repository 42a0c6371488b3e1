//! Moves stalled cases on: when a waiting state's deadline passes and the merchant's
//! policy names an automatic consequence (accept, close, take receipt as confirmed),
//! the scheduler applies it as a `system` transition of the protocol lifecycle.
//!
//! Exactly once, also across restarts: each case row carries the time its automatic
//! consequence falls due (`due_at`, rewritten by every transition), the scheduler
//! looks only at rows that are due, and each consequence is applied in a transaction
//! that re-reads the state — a consequence that already fired, or a seller who acted
//! first, leaves nothing to do. Time is the server's injectable clock.

use crate::error::Error;
use crate::AppState;

const BATCH: i64 = 100;

/// How long before a deadline that waits for the shopper they are reminded by email.
pub const REMINDER_LEAD_MS: i64 = 24 * 3_600_000;

/// Queues a reminder for every shopper deadline less than [`REMINDER_LEAD_MS`] away,
/// once per deadline (only with `--smtp-url`). Returns how many were queued.
pub async fn remind_due(state: &AppState) -> Result<usize, Error> {
    if !state.store.emails {
        return Ok(0);
    }
    let now = state.clock.now();
    let mut queued = 0;
    loop {
        let due = state.store.reminders_due(now, REMINDER_LEAD_MS, BATCH).await?;
        for (id, merchant_id) in &due {
            // A case whose merchant is gone is marked all the same: nothing can be sent.
            let merchant = state.merchants.get(merchant_id).map(|m| m.as_ref());
            queued += usize::from(state.store.remind(id, merchant, now).await?);
        }
        if queued > 0 {
            state.wake.emails.notify_one();
        }
        if (due.len() as i64) < BATCH {
            return Ok(queued);
        }
    }
}

/// Applies every consequence due now, in one pass over the due cases by cursor: each
/// is visited once, so a case that cannot move (its merchant gone, a consequence that
/// fails) never makes the pass spin. Returns how many were applied.
pub async fn run_due(state: &AppState) -> Result<usize, Error> {
    let mut applied = 0;
    let now = state.clock.now();
    let mut cursor = None;
    loop {
        let due = state.store.due_cases(now, cursor.as_ref(), BATCH).await?;
        for case in &due {
            let (id, merchant_id) = (&case.id, &case.merchant_id);
            let Some(merchant) = state.merchants.get(merchant_id) else {
                tracing::warn!("case {id}: merchant {merchant_id} is no longer configured; its deadlines wait");
                continue;
            };
            if let Some(case) = state.store.apply_due(id, merchant, now).await? {
                tracing::info!(
                    "case {}: deadline passed, {} is now {}",
                    case.number,
                    case.history.last().map_or("", |e| e.kind.as_str()),
                    case.state.as_str()
                );
                state.metrics.deadline_applied();
                state.live.publish(merchant_id, &case);
                applied += 1;
            }
        }
        if applied > 0 {
            state.wake.webhooks.notify_one();
            state.wake.emails.notify_one();
        }
        match due.last() {
            Some(last) if due.len() as i64 == BATCH => cursor = Some(last.cursor.clone()),
            _ => return Ok(applied),
        }
    }
}
