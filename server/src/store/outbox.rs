//! What the two outboxes (emails, webhook deliveries) share: claiming due rows.
//!
//! A row is due when it is `pending` and its `next_attempt_at` has passed. A sender
//! claims it by moving `next_attempt_at` on by a lease, on the condition that it still
//! holds the value read: of two senders (in this process or another, on SQLite or
//! PostgreSQL) that read the same row, one update matches and the other does not, so
//! a row goes to one sender. A sender that dies holding a lease leaves the row due
//! again when the lease ends.

use aftercare_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::error::Error;

/// Claims up to `limit` due rows of `table` for `lease_ms` and returns those this call
/// took, oldest due first, each with `columns` and then `next_attempt_at` as it was.
pub(super) async fn claim(
    pool: &AnyPool,
    table: &'static str,
    columns: &'static str,
    now: Timestamp,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<AnyRow>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {columns}, next_attempt_at FROM {table}
         WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, created_at LIMIT $2"
    ))
    .bind(now.0)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let take =
        format!("UPDATE {table} SET next_attempt_at = $3 WHERE id = $1 AND next_attempt_at = $2 AND state = 'pending'");
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let was: i64 = row.try_get("next_attempt_at")?;
        let taken = sqlx::query(&take).bind(&id).bind(was).bind(now.0 + lease_ms).execute(pool).await?.rows_affected();
        if taken == 1 {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// A row's `attempts` column as a count.
pub(super) fn attempts(row: &AnyRow) -> Result<u32, Error> {
    let attempts: i64 = row.try_get("attempts")?;
    Ok(u32::try_from(attempts).unwrap_or(u32::MAX))
}
