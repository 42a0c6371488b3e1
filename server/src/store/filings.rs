//! Filing a case: idempotency keys (kept in the filing's own transaction, so they hold
//! across restarts; also the answers to repeated actions), and the case writer that
//! commits every waiting filing in one transaction (group commit).

use std::sync::Arc;

use aftercare_protocol::case::{Actor, Case, CaseEvent, CaseState, EventKind, NewCase};
use aftercare_protocol::lifecycle::{self, CaseFacts, Outcome};
use aftercare_protocol::locale::Locale;
use aftercare_protocol::money::Money;
use aftercare_protocol::time::Timestamp;
use sqlx::{AnyPool, Row};

use super::{automatic_due_at, insert_event, mark_evidence, webhooks, Body, Owner, Store, StoredCase, View};
use crate::error::Error;
use crate::merchants::Merchant;

/// The stored response of a `POST /v1/cases`, replayed for a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

pub enum Created {
    New(Box<Case>),
    Replayed(StoredResponse),
}

/// Idempotency keys are kept at least this long.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3_600_000;

/// A case to file: its idempotency key, the hash of the request, the case, and the
/// price paid for its items (from the signed order).
pub struct NewFiling<'a> {
    pub key: &'a str,
    pub request_hash: &'a str,
    pub case: &'a NewCase,
    pub paid: Option<Money>,
}

impl Store {
    /// Files a case, once per (merchant, shopper, idempotency key): the key is stored
    /// in the same transaction as the case, so it holds across restarts, and a
    /// duplicate waits for the first and replays its answer.
    ///
    /// Group commit: filings go to one writer task, which takes every filing waiting
    /// and commits them together in one transaction (each in its own savepoint, so one
    /// failing leaves the others alone). Each caller is answered only after that
    /// commit is durable; under load, many cases share one fsync.
    pub async fn create_case(
        &self,
        owner: &Owner,
        filing: NewFiling<'_>,
        merchant: &Arc<Merchant>,
        now: Timestamp,
    ) -> Result<Created, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = CreateJob {
            owner: owner.clone(),
            key: filing.key.to_owned(),
            request_hash: filing.request_hash.to_owned(),
            new: filing.case.clone(),
            paid: filing.paid,
            merchant: merchant.clone(),
            now,
            reply,
        };
        self.creates.send(job).await.map_err(|_| Error::internal("filing a case", "the case writer stopped"))?;
        answer.await.map_err(|_| Error::internal("filing a case", "the case writer dropped a filing"))?
    }

    /// The stored answer for a repeated key: `Ok(None)` for a new key, the first
    /// response for the same body, `idempotency_key_reused` for another body.
    pub async fn find_idempotent(
        &self,
        owner: &Owner,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<Option<StoredResponse>, Error> {
        let row = sqlx::query(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys
             WHERE merchant_id = $1 AND shopper_id = $2 AND idem_key = $3 AND created_at >= $4",
        )
        .bind(&owner.merchant_id)
        .bind(&owner.shopper_id)
        .bind(key)
        .bind(now.0 - IDEMPOTENCY_TTL_MS)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>(0)? != request_hash {
            return Err(Error::IdempotencyKeyReused);
        }
        let status: i64 = row.try_get(1)?;
        if status == 0 {
            // Another request holds the key; `create_case` waits for it and replays.
            return Ok(None);
        }
        Ok(Some(StoredResponse { status: status as u16, body: row.try_get(2)? }))
    }
}

/// An action's answer to keep under its idempotency key: written in the action's own
/// transaction, so a retry after a crash between the two cannot act twice.
pub struct Remember<'a> {
    pub owner: &'a Owner,
    pub key: &'a str,
    pub request_hash: &'a str,
}

/// Keeps `body` (the answer, with `status`) for `remember`'s key, unless one is kept.
pub(super) async fn remember_in(
    conn: &mut sqlx::AnyConnection,
    remember: &Remember<'_>,
    status: u16,
    body: &str,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (merchant_id, shopper_id, idem_key, request_hash, response_status, response_body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (merchant_id, shopper_id, idem_key) DO NOTHING",
    )
    .bind(&remember.owner.merchant_id)
    .bind(&remember.owner.shopper_id)
    .bind(remember.key)
    .bind(remember.request_hash)
    .bind(i64::from(status))
    .bind(body)
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// One filing for the case writer.
pub(super) struct CreateJob {
    owner: Owner,
    key: String,
    request_hash: String,
    new: NewCase,
    /// The price paid for the case's items (the signed order's), the cap on refunds.
    paid: Option<Money>,
    merchant: Arc<Merchant>,
    now: Timestamp,
    reply: tokio::sync::oneshot::Sender<Result<Created, Error>>,
}

/// Most filings committed together.
pub(super) const BATCH_MAX: usize = 256;

/// The case writer: waits for a filing, takes every other one already waiting, and
/// commits them in one transaction.
pub(super) async fn case_writer(pool: AnyPool, mut jobs: tokio::sync::mpsc::Receiver<CreateJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = commit_batch(&pool, &batch).await;
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn commit_batch(pool: &AnyPool, batch: &[CreateJob]) -> Vec<Result<Created, Error>> {
    let failed = |error: &Error| batch.iter().map(|_| Err(Error::Internal(error.to_string()))).collect();
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(error) => return failed(&Error::from(error)),
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(error) = sqlx::query("SAVEPOINT filing").execute(&mut *tx).await {
            return failed(&Error::from(error));
        }
        let result = create_in(&mut tx, job).await;
        let end = if result.is_ok() { "RELEASE SAVEPOINT filing" } else { "ROLLBACK TO SAVEPOINT filing" };
        if let Err(error) = sqlx::query(end).execute(&mut *tx).await {
            return failed(&Error::from(error));
        }
        results.push(result);
    }
    match tx.commit().await {
        Ok(()) => results,
        Err(error) => failed(&Error::from(error)),
    }
}

/// Files one case on `conn`, inside the writer's transaction.
async fn create_in(conn: &mut sqlx::AnyConnection, job: &CreateJob) -> Result<Created, Error> {
    let CreateJob { owner, key, request_hash, new, paid, merchant, now, .. } = job;
    let (key, request_hash, now) = (key.as_str(), request_hash.as_str(), *now);
    // Expired keys go first: this is also the write that takes the lock.
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE merchant_id = $1 AND shopper_id = $2 AND idem_key = $3 AND created_at < $4",
    )
    .bind(&owner.merchant_id)
    .bind(&owner.shopper_id)
    .bind(key)
    .bind(now.0 - IDEMPOTENCY_TTL_MS)
    .execute(&mut *conn)
    .await?;
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (merchant_id, shopper_id, idem_key, request_hash, response_status, response_body, created_at)
         VALUES ($1, $2, $3, $4, 0, '', $5) ON CONFLICT (merchant_id, shopper_id, idem_key) DO NOTHING",
    )
    .bind(&owner.merchant_id)
    .bind(&owner.shopper_id)
    .bind(key)
    .bind(request_hash)
    .bind(now.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if claimed == 0 {
        let row = sqlx::query(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys
             WHERE merchant_id = $1 AND shopper_id = $2 AND idem_key = $3",
        )
        .bind(&owner.merchant_id)
        .bind(&owner.shopper_id)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
        if row.try_get::<String, _>(0)? != request_hash {
            return Err(Error::IdempotencyKeyReused);
        }
        let status: i64 = row.try_get(1)?;
        if status == 0 {
            return Err(Error::IdempotencyInProgress);
        }
        return Ok(Created::Replayed(StoredResponse { status: status as u16, body: row.try_get(2)? }));
    }

    let sequence: i64 = sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'case_number' RETURNING value")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let id = uuid::Uuid::new_v4().to_string();
    let date = now.to_rfc3339()[..10].replace('-', "");
    let number = format!("AC-{date}-{sequence:06}");
    let body = Body {
        item_ids: new.item_ids.clone(),
        problem_type: new.problem_type,
        reason: new.reason,
        description: new.description.trim().to_owned(),
        media: new.media.clone(),
        contact: new.contact.clone(),
        locale: new.locale.as_deref().and_then(Locale::from_tag).map(|l| l.tag().to_owned()),
        outcome: Outcome { paid: paid.clone(), ..Outcome::default() },
    };
    let state = CaseState::AwaitingSeller;
    let facts = CaseFacts::new(state, new.resolution, now);
    sqlx::query(
        "INSERT INTO cases (id, number, merchant_id, order_id, shopper_id, state, resolution, state_entered_at, created_at, updated_at, body, problem_type, due_at, search_text, deadline_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(&number)
    .bind(&owner.merchant_id)
    .bind(&owner.order_id)
    .bind(&owner.shopper_id)
    .bind(state.as_str())
    .bind(new.resolution.as_str())
    .bind(now.0)
    .bind(serde_json::to_string(&body).expect("a case body serialises"))
    .bind(new.problem_type.as_str())
    .bind(automatic_due_at(facts, &merchant.deadlines))
    .bind(body.search_text(&owner.order_id, &number))
    .bind(lifecycle::deadline(facts, &merchant.deadlines).map(|d| d.due_at.0))
    .execute(&mut *conn)
    .await?;
    let filed = CaseEvent::new(now, Actor::Shopper, EventKind::File, None, state, None);
    insert_event(conn, &id, 1, &filed).await?;
    mark_evidence(conn, &id, &new.media).await?;
    // The case as written, without reading it back.
    let stored = StoredCase {
        id: id.clone(),
        number,
        merchant_id: owner.merchant_id.clone(),
        order_id: owner.order_id.clone(),
        shopper_id: owner.shopper_id.clone(),
        state,
        resolution: new.resolution,
        version: 1,
        state_entered_at: now,
        created_at: now,
        updated_at: now,
        body,
        history: vec![filed],
    };
    let seller = stored.clone().into_case(merchant.terms(), View { viewer: Actor::Seller, now });
    webhooks::enqueue(conn, merchant, &seller, now).await?;
    let case = stored.into_case(merchant.terms(), View { viewer: Actor::Shopper, now });
    let response = serde_json::to_string(&case).expect("a case serialises");
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = 201, response_body = $4
         WHERE merchant_id = $1 AND shopper_id = $2 AND idem_key = $3",
    )
    .bind(&owner.merchant_id)
    .bind(&owner.shopper_id)
    .bind(key)
    .bind(&response)
    .execute(&mut *conn)
    .await?;
    Ok(Created::New(Box::new(case)))
}
