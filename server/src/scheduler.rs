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
