//! The email outbox: a shopper's notification is written in the same transaction as the
//! case event it tells of, so a crash loses none and none goes out for an event that did
//! not happen. The sender (`crate::email`) claims due rows, sends them over SMTP and
//! records each attempt here.

use aftercare_protocol::case::Case;
use aftercare_protocol::time::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::email::Letter;
use crate::error::Error;
use crate::merchants::Merchant;

/// Queues `letter` about the case's latest event.
pub(super) async fn enqueue(
    conn: &mut AnyConnection,
    merchant: &Merchant,
    case: &Case,
    letter: Letter,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO email_outbox (id, merchant_id, case_id, event_seq, to_address, from_address, subject, body, state, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&merchant.id)
    .bind(&case.id)
    .bind(case.history.len() as i64)
    .bind(letter.to)
    .bind(letter.from)
    .bind(letter.subject)
    .bind(letter.body)
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// An email to send now.
pub struct Due {
    pub id: String,
    pub letter: Letter,
    pub attempts: u32,
}

/// Claims up to `limit` due emails for `lease_ms` (so a second sender, in this process
/// or another, does not take them meanwhile) and returns them.
pub async fn claim_due(pool: &AnyPool, now: Timestamp, lease_ms: i64, limit: i64) -> Result<Vec<Due>, Error> {
    let rows = super::outbox::claim(
        pool,
        "email_outbox",
        "id, to_address, from_address, subject, body, attempts",
        now,
        lease_ms,
        limit,
    )
    .await?;
    rows.iter()
        .map(|row| {
            let letter = Letter {
                to: row.try_get("to_address")?,
                from: row.try_get("from_address")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
            };
            Ok(Due { id: row.try_get("id")?, letter, attempts: super::outbox::attempts(row)? })
        })
        .collect()
}

/// Records an attempt: sent, or failed and retried at `retry_at` (failed for good
/// without one).
pub async fn record(
    pool: &AnyPool,
    id: &str,
    outcome: Result<(), (String, Option<Timestamp>)>,
    now: Timestamp,
) -> Result<(), Error> {
    let query = match outcome {
        Ok(()) => sqlx::query(
            "UPDATE email_outbox SET state = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(now.0),
        Err((error, retry_at)) => sqlx::query(
            "UPDATE email_outbox SET state = $2, attempts = attempts + 1, last_error = $3, next_attempt_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(if retry_at.is_some() { "pending" } else { "failed" })
        .bind(error)
        .bind(retry_at.map_or(now.0, |t| t.0)),
    };
    query.execute(pool).await?;
    Ok(())
}

/// `(state, attempts)` of every email about case `case_id`, oldest first: for tests and
/// operators.
pub async fn states(pool: &AnyPool, case_id: &str) -> Result<Vec<(String, i64)>, Error> {
    let rows =
        sqlx::query("SELECT state, attempts FROM email_outbox WHERE case_id = $1 ORDER BY created_at, event_seq")
            .bind(case_id)
            .fetch_all(pool)
            .await?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}
