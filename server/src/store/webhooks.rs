//! The webhook outbox: a delivery row is written in the same transaction as the case
//! event it reports, so an event is never lost and never reported without having
//! happened. The sender (`crate::webhooks`) claims due rows, posts them and records
//! each attempt here.

use aftercare_protocol::case::Case;
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::webhook::{DeliveryState, WebhookDelivery, WebhookEvent};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::error::Error;
use crate::merchants::Merchant;

/// Queues the case's latest event for the merchant's receiver, if it has one.
pub(super) async fn enqueue(
    conn: &mut AnyConnection,
    merchant: &Merchant,
    case: &Case,
    now: Timestamp,
) -> Result<(), Error> {
    let (Some(target), Some(event)) = (&merchant.webhook, case.history.last()) else { return Ok(()) };
    let id = uuid::Uuid::new_v4().to_string();
    let sequence = case.history.len() as u32;
    let body = WebhookEvent {
        id: id.clone(),
        kind: format!("case.{}", event.kind.as_str()),
        merchant_id: merchant.id.clone(),
        sequence,
        event: event.clone(),
        case: case.clone(),
    };
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, merchant_id, case_id, event_seq, event_type, url, body, state, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
    )
    .bind(&id)
    .bind(&merchant.id)
    .bind(&case.id)
    .bind(i64::from(sequence))
    .bind(&body.kind)
    .bind(&target.url)
    .bind(serde_json::to_string(&body).expect("a webhook event serialises"))
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery to make now.
#[derive(Clone, Debug)]
pub struct Due {
    pub id: String,
    pub merchant_id: String,
    pub url: String,
    pub body: String,
    pub attempts: u32,
}

/// How an attempt went.
pub enum Attempt {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String, retry_at: Option<Timestamp> },
}

/// Claims up to `limit` due deliveries for `lease_ms` (so a second sender does not
/// take them meanwhile) and returns them.
pub async fn claim_due(pool: &AnyPool, now: Timestamp, lease_ms: i64, limit: i64) -> Result<Vec<Due>, Error> {
    let rows =
        super::outbox::claim(pool, "webhook_deliveries", "id, merchant_id, url, body, attempts", now, lease_ms, limit)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(Due {
                id: row.try_get("id")?,
                merchant_id: row.try_get("merchant_id")?,
                url: row.try_get("url")?,
                body: row.try_get("body")?,
                attempts: super::outbox::attempts(row)?,
            })
        })
        .collect()
}

/// Records an attempt: delivered, retried at `retry_at`, or failed for good.
pub async fn record(pool: &AnyPool, id: &str, attempt: Attempt, now: Timestamp) -> Result<(), Error> {
    let query = match attempt {
        Attempt::Delivered { status } => sqlx::query(
            "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = $2, last_error = NULL, delivered_at = $3
             WHERE id = $1",
        )
        .bind(id)
        .bind(i64::from(status))
        .bind(now.0),
        Attempt::Failed { status, error, retry_at } => sqlx::query(
            "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4, next_attempt_at = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(if retry_at.is_some() { "pending" } else { "failed" })
        .bind(status.map(i64::from))
        .bind(error)
        .bind(retry_at.map_or(now.0, |t| t.0)),
    };
    query.execute(pool).await?;
    Ok(())
}

/// The merchant's deliveries, newest first, optionally for one case.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    case_id: Option<&str>,
    after: Option<(i64, String)>,
    limit: u32,
) -> Result<(Vec<WebhookDelivery>, Option<String>), Error> {
    let (at, id) = after.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(
        "SELECT id, case_id, event_type, url, state, attempts, created_at, next_attempt_at, delivered_at, last_status, last_error
         FROM webhook_deliveries
         WHERE merchant_id = $1 AND ($2 = '' OR case_id = $2) AND (created_at < $3 OR (created_at = $3 AND ($4 = '' OR id < $4)))
         ORDER BY created_at DESC, id DESC LIMIT $5",
    )
    .bind(merchant_id)
    .bind(case_id.unwrap_or(""))
    .bind(at)
    .bind(&id)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() > limit as usize;
    let deliveries = rows.iter().take(limit as usize).map(delivery).collect::<Result<Vec<_>, Error>>()?;
    let next = if more { deliveries.last().map(|d| format!("{}.{}", d.created_at.0, d.id)) } else { None };
    Ok((deliveries, next))
}

fn delivery(row: &AnyRow) -> Result<WebhookDelivery, Error> {
    let state: String = row.try_get(4)?;
    let state = DeliveryState::parse(&state)
        .ok_or_else(|| Error::internal("reading a delivery", format!("state {state:?}")))?;
    let attempts: i64 = row.try_get(5)?;
    Ok(WebhookDelivery {
        id: row.try_get(0)?,
        case_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        url: row.try_get(3)?,
        state,
        attempts: attempts as u32,
        created_at: Timestamp(row.try_get(6)?),
        next_attempt_at: (state == DeliveryState::Pending).then(|| row.try_get(7).map(Timestamp)).transpose()?,
        delivered_at: row.try_get::<Option<i64>, _>(8)?.map(Timestamp),
        last_status: row.try_get::<Option<i64>, _>(9)?.map(|s| s as u16),
        last_error: row.try_get(10)?,
    })
}
