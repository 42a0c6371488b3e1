//! Cases, their history and idempotency keys, in SQL through sqlx's `Any` driver with
//! runtime queries, so the same code runs on SQLite (the default: one file, WAL,
//! synchronous=FULL, so a case is acknowledged only once its commit is durable) and,
//! from part 2 on, PostgreSQL. Queries use `$n` placeholders, which both accept.
//!
//! SQLite note: a write transaction's first statement is always a write, so it takes
//! the write lock at once and concurrent writers queue on `busy_timeout` instead of
//! failing on a lock upgrade.

use aftercare_protocol::case::{
    Actor, Case, CaseEvent, CaseState, Contact, EventKind, EvidenceRound, MediaRef, Offer, ProblemType, Reason,
    RefusalReason, Resolution, Ruling,
};
use aftercare_protocol::lifecycle::{self, Action, CaseFacts, DeadlinePolicy, Outcome};
use aftercare_protocol::staff::{QueueTab, TabCount};
use aftercare_protocol::time::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, Row};

use crate::error::Error;
use crate::merchants::Merchant;

pub mod emails;
mod filings;
mod keys;
mod outbox;
pub mod staff;
mod uploads;
pub mod webhooks;
use filings::{case_writer, CreateJob, BATCH_MAX};
pub use filings::{Created, NewFiling, Remember, StoredResponse, IDEMPOTENCY_TTL_MS};
pub use uploads::{ObjectSpool, Renewal, Upload, UploadState};

/// What the merchant and platform APIs filter cases by.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Always set for a merchant; `None` only for the platform.
    pub merchant_id: Option<String>,
    pub state: Option<CaseState>,
    pub problem_type: Option<ProblemType>,
    pub order_id: Option<String>,
    pub created_from: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// The cursor: the last case of the previous page (created_at, id).
    pub after: Option<(i64, String)>,
    pub limit: u32,
    /// Only cases that were escalated at some time (an arbiter's reach).
    pub ever_escalated: bool,
    /// Oldest first (the arbiters' order) instead of newest first.
    pub oldest_first: bool,
    /// Only cases with an appeal in their history (the arbiters' appeals queue).
    pub appealed: bool,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// When a case in `facts` falls due for an automatic consequence, if its state has one.
fn automatic_due_at(facts: CaseFacts, policy: &DeadlinePolicy) -> Option<i64> {
    let deadline = lifecycle::deadline(facts, policy)?;
    lifecycle::due(facts, deadline.due_at, policy).map(|_| deadline.due_at.0)
}

/// Whose case it is: every shopper query is scoped by all three.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub merchant_id: String,
    pub order_id: String,
    pub shopper_id: String,
}

impl Owner {
    /// A merchant's staff and systems, as the owner of the evidence they upload. Not
    /// tied to an order: the order id is empty, which no order token carries.
    pub fn seller(merchant_id: &str) -> Owner {
        Owner { merchant_id: merchant_id.to_owned(), order_id: String::new(), shopper_id: "seller".into() }
    }

    /// The platform, as the owner of the evidence it uploads: no merchant, no order.
    pub fn platform() -> Owner {
        Owner { merchant_id: String::new(), order_id: String::new(), shopper_id: "platform".into() }
    }

    /// A seller's or the platform's, not a shopper's.
    pub fn is_staff(&self) -> bool {
        self.order_id.is_empty()
    }

    /// The object store folder of the owner's files: the merchant's id, or `.platform`
    /// for the platform's (no merchant id holds a dot).
    pub fn folder(&self) -> &str {
        if self.merchant_id.is_empty() {
            ".platform"
        } else {
            &self.merchant_id
        }
    }
}

/// The parts of a case kept as one JSON document.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Body {
    item_ids: Vec<String>,
    problem_type: ProblemType,
    reason: Reason,
    description: String,
    media: Vec<MediaRef>,
    contact: Contact,
    /// The language the case was filed in (`zh-CN`, `en`), for its emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(flatten)]
    outcome: Outcome,
}

impl Body {
    /// What the console's search finds the case by (`cases.search_text`): its order id
    /// and number, the shopper's phone, the tracking numbers, as search keys.
    fn search_text(&self, order_id: &str, number: &str) -> String {
        let shipments = [&self.outcome.return_shipment, &self.outcome.replacement_shipment];
        let terms = [Some(order_id), Some(number), self.contact.phone.as_deref()]
            .into_iter()
            .chain(shipments.into_iter().map(|s| s.as_ref().map(|s| s.tracking_number.as_str())))
            .flatten()
            .map(aftercare_protocol::staff::search_key);
        terms.fold(String::from(" "), |text, term| text + &term + " ")
    }

    /// Adds files to the case's evidence (once each).
    fn add_media(&mut self, media: &[MediaRef]) {
        for reference in media {
            if !self.media.contains(reference) {
                self.media.push(reference.clone());
            }
        }
    }
}

/// Whom a case is shown to, and when: the projection to the wire [`Case`] computes the
/// viewer's next actions from it.
#[derive(Clone, Copy, Debug)]
pub struct View {
    pub viewer: Actor,
    pub now: Timestamp,
}

/// What the projection needs from the case's merchant.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terms {
    pub policy: DeadlinePolicy,
    /// Whether the server fills in a return address when none is given.
    pub return_address_known: bool,
}

impl Merchant {
    pub fn terms(&self) -> Terms {
        Terms { policy: self.deadlines, return_address_known: self.return_address.is_some() }
    }
}

/// A change to a case, as one of its parties asks for it.
pub struct Step<'a> {
    pub id: &'a str,
    /// With `Some`, only the owner's case is found.
    pub owner: Option<&'a Owner>,
    pub merchant: &'a Merchant,
    pub actor: Actor,
    pub action: Action,
    pub message: Option<String>,
    /// Files sent with the step (with a request for intervention, an answer to an
    /// evidence round, an appeal): the event's, and added to the case's evidence.
    pub media: Vec<MediaRef>,
    /// With a refusal: why, as the merchant words it.
    pub refusal_reason: Option<RefusalReason>,
    /// The staff member who acted (a console session), by name.
    pub staff: Option<String>,
    /// The version the party saw (`If-Match`); `None` only for the system.
    pub expected_version: Option<u64>,
    /// Where to keep the answer, for a request with an idempotency key.
    pub remember: Option<Remember<'a>>,
    pub now: Timestamp,
}

/// A message written into a case's history by any party (`Store::message`).
pub struct Message<'a> {
    pub id: &'a str,
    /// With `Some` (a shopper), only the owner's case is found.
    pub owner: Option<&'a Owner>,
    pub merchant: &'a Merchant,
    pub actor: Actor,
    pub message: String,
    /// Files sent with it (the shopper's uploads).
    pub media: Vec<MediaRef>,
    /// The staff member who wrote it (a console session), by name.
    pub staff: Option<String>,
    /// The version the party saw (`If-Match`).
    pub expected_version: Option<u64>,
    /// Where to keep the answer, for a request with an idempotency key.
    pub remember: Option<Remember<'a>>,
    pub now: Timestamp,
}

/// The queue's sort key of a case with no deadline: after every due time.
const QUEUE_UNDATED: i64 = 8_000_000_000_000;

/// How long a case whose due consequence failed waits before the next try.
const POSTPONE_MS: i64 = 3_600_000;

/// Where a pass over due cases has got to.
#[derive(Clone, Debug)]
pub struct DueCursor {
    pub due_at: i64,
    pub id: String,
}

/// A case whose automatic consequence is due.
pub struct DueCase {
    pub id: String,
    pub merchant_id: String,
    pub cursor: DueCursor,
}

#[derive(Clone)]
pub struct Store {
    /// Whether case events that need the shopper queue an email (`--smtp-url` given).
    pub emails: bool,
    pool: AnyPool,
    /// Filings for the case writer (group commit).
    creates: tokio::sync::mpsc::Sender<CreateJob>,
    /// The database's URL when it is PostgreSQL (for LISTEN/NOTIFY, which takes a
    /// connection of its own).
    pub postgres_url: Option<std::sync::Arc<str>>,
}

/// The schema, as numbered migrations (portable SQL, the same for SQLite and
/// PostgreSQL), embedded in the binary and applied in order at start.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "cases uploads keys", include_str!("../../migrations/0001_cases_uploads_keys.sql")),
    (2, "merchant api deadlines webhooks", include_str!("../../migrations/0002_merchant_api_deadlines_webhooks.sql")),
    (3, "case versions", include_str!("../../migrations/0003_case_versions.sql")),
    (4, "case conversation", include_str!("../../migrations/0004_case_conversation.sql")),
    (5, "seen marks", include_str!("../../migrations/0005_seen_marks.sql")),
    (6, "email outbox", include_str!("../../migrations/0006_email_outbox.sql")),
    (7, "deadline reminders", include_str!("../../migrations/0007_deadline_reminders.sql")),
    (8, "upload cases", include_str!("../../migrations/0008_upload_cases.sql")),
    (9, "staff", include_str!("../../migrations/0009_staff.sql")),
    (10, "case search", include_str!("../../migrations/0010_case_search.sql")),
    (11, "desk settings", include_str!("../../migrations/0011_desk_settings.sql")),
    (12, "dev clock", include_str!("../../migrations/0012_dev_clock.sql")),
    (13, "object spool", include_str!("../../migrations/0013_object_spool.sql")),
];

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, (*description).into(), MigrationType::Simple, (*sql).into(), false)
        })
        .collect::<Vec<_>>();
    Migrator { migrations: migrations.into(), ..Migrator::DEFAULT }
}

impl Store {
    /// Opens (creating if needed) the database at `url` — `sqlite://path/to/file.db` or,
    /// once part 2 lands, `postgres://…` — and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 15000",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| Error::internal("opening the database", e))?;
        migrator().run(&pool).await.map_err(|e| Error::internal("migrating the database", e))?;
        let (creates, jobs) = tokio::sync::mpsc::channel(4 * BATCH_MAX);
        tokio::spawn(case_writer(pool.clone(), jobs));
        let postgres_url = url.starts_with("postgres").then(|| std::sync::Arc::from(url.as_str()));
        let store = Store { emails: false, pool, creates, postgres_url };
        store.backfill_problem_types().await?;
        Ok(store)
    }

    /// Whose case `id` is.
    pub async fn merchant_of(&self, id: &str) -> Result<Option<String>, Error> {
        let row =
            sqlx::query("SELECT merchant_id FROM cases WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }

    /// The owner's cases for their order, oldest first.
    pub async fn list(&self, owner: &Owner, terms: Terms, view: View) -> Result<Vec<Case>, Error> {
        let rows = sqlx::query(
            "SELECT id FROM cases WHERE merchant_id = $1 AND order_id = $2 AND shopper_id = $3 ORDER BY created_at, number",
        )
        .bind(&owner.merchant_id)
        .bind(&owner.order_id)
        .bind(&owner.shopper_id)
        .fetch_all(&self.pool)
        .await?;
        let ids = rows.iter().map(|row| row.try_get(0)).collect::<Result<Vec<String>, _>>()?;
        let mut conn = self.pool.acquire().await?;
        Ok(load_many(&mut conn, &ids).await?.into_iter().map(|stored| stored.into_case(terms, view)).collect())
    }

    /// The owner's cases with events by others (seller, platform, system) after the
    /// shopper's seen mark: (id, number, how many), oldest case first.
    pub async fn unread(&self, owner: &Owner) -> Result<Vec<(String, String, u64)>, Error> {
        let rows = sqlx::query(
            "SELECT c.id, c.number, COUNT(e.seq) FROM cases c
             JOIN case_events e ON e.case_id = c.id AND e.seq > c.shopper_seen AND e.actor <> 'shopper'
             WHERE c.merchant_id = $1 AND c.order_id = $2 AND c.shopper_id = $3
             GROUP BY c.id, c.number, c.created_at ORDER BY c.created_at, c.number",
        )
        .bind(&owner.merchant_id)
        .bind(&owner.order_id)
        .bind(&owner.shopper_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let count: i64 = row.try_get(2)?;
                Ok((row.try_get(0)?, row.try_get(1)?, u64::try_from(count).unwrap_or(0)))
            })
            .collect()
    }

    /// The shopper has seen each case's history through its `through` events (`marks`:
    /// case id, count): a mark only moves forward, and never past the history there is.
    /// All or nothing, in one transaction: `false`, and nothing marked, when the owner
    /// has no such case among them.
    pub async fn mark_seen(&self, owner: &Owner, marks: &[(&str, u64)]) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        for (id, through) in marks {
            let through = i64::try_from(*through).unwrap_or(i64::MAX);
            let found = sqlx::query(
                "UPDATE cases SET shopper_seen = CASE
                     WHEN shopper_seen > $5 THEN shopper_seen
                     ELSE (SELECT CASE WHEN COUNT(*) < $5 THEN COUNT(*) ELSE $5 END FROM case_events WHERE case_id = $1)
                 END
                 WHERE id = $1 AND merchant_id = $2 AND order_id = $3 AND shopper_id = $4",
            )
            .bind(*id)
            .bind(&owner.merchant_id)
            .bind(&owner.order_id)
            .bind(&owner.shopper_id)
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if found != 1 {
                return Ok(false); // dropping the transaction rolls back what it marked
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// One case, if it belongs to `owner` (or to anyone, with `None`: seller and
    /// platform tools, and tests).
    pub async fn get(&self, id: &str, owner: Option<&Owner>, terms: Terms, view: View) -> Result<Case, Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(load(&mut conn, id, owner).await?.ok_or(Error::CaseNotFound)?.into_case(terms, view))
    }

    /// Whether case `id` was escalated at some time.
    pub async fn ever_escalated(&self, id: &str) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 FROM case_events WHERE case_id = $1 AND to_state = 'escalated' LIMIT 1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Applies a step to a case, checked by the lifecycle rules, and records it in the
    /// history, with the case's next due time and a webhook delivery, in one
    /// transaction. A step based on another version than the stored one changes
    /// nothing: `version_mismatch`, with the case as it stands.
    pub async fn apply(&self, step: Step<'_>) -> Result<Case, Error> {
        let Step {
            id,
            owner,
            merchant,
            actor,
            action,
            message,
            media,
            refusal_reason,
            staff,
            expected_version,
            remember,
            now,
        } = step;
        let mut tx = self.pool.begin().await?;
        // A no-op write first, to take the write lock (see the module notes).
        let touched = sqlx::query("UPDATE cases SET updated_at = updated_at WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let stored = match load(&mut tx, id, owner).await? {
            Some(stored) if touched == 1 && stored.merchant_id == merchant.id => stored,
            _ => return Err(Error::CaseNotFound),
        };
        let view = View { viewer: actor, now };
        if expected_version.is_some_and(|v| v != stored.version) {
            let current = Box::new(stored.into_case(merchant.terms(), view));
            return Err(Error::VersionMismatch { expected: expected_version.unwrap_or_default(), current });
        }
        let facts = stored.facts();
        let action = merchant.complete(action);
        let next = lifecycle::transition(facts, actor, &action, now, &merchant.deadlines).map_err(Error::Transition)?;
        let mut body = stored.body.clone();
        body.add_media(&media);
        lifecycle::effects(&action, actor, stored.resolution, &mut body.outcome);
        let facts = body.outcome.facts(next, stored.resolution, now);
        sqlx::query(
            "UPDATE cases SET state = $2, state_entered_at = $3, updated_at = $3, body = $4, due_at = $5, version = version + 1,
                search_text = $6, deadline_at = $7
             WHERE id = $1",
        )
        .bind(id)
        .bind(next.as_str())
        .bind(now.0)
        .bind(serde_json::to_string(&body).expect("a case body serialises"))
        .bind(automatic_due_at(facts, &merchant.deadlines))
        .bind(body.search_text(&stored.order_id, &stored.number))
        .bind(lifecycle::deadline(facts, &merchant.deadlines).map(|d| d.due_at.0))
        .execute(&mut *tx)
        .await?;
        let mut event = CaseEvent::new(now, actor, action.kind(), Some(stored.state), next, message);
        event.media = media;
        event.refusal_reason = refusal_reason;
        event.staff = staff;
        match &action {
            Action::CounterOffer(offer) => event.offer = Some(offer.clone()),
            Action::RequestEvidence { .. } => event.evidence_round = body.outcome.evidence_round.clone(),
            Action::RuleForShopper { .. } | Action::RuleForSeller => event.ruling = body.outcome.ruling.clone(),
            _ => {}
        }
        let seq = stored.history.len() as i64 + 1;
        insert_event(&mut tx, id, seq, &event).await?;
        // The case as written, without reading it back.
        let mut written = stored.with_event(event);
        written.state_entered_at = now;
        written.body = body;
        self.announce_and_commit(tx, merchant, written, view, remember).await
    }

    /// The webhook delivery of the case's latest event (as the seller sees it) and the
    /// answer for an idempotency key are written in the event's transaction, which then
    /// commits. Returns the case as `view` sees it.
    async fn announce_and_commit(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        merchant: &Merchant,
        stored: StoredCase,
        view: View,
        remember: Option<Remember<'_>>,
    ) -> Result<Case, Error> {
        let seller = stored.clone().into_case(merchant.terms(), View { viewer: Actor::Seller, ..view });
        webhooks::enqueue(&mut tx, merchant, &seller, view.now).await?;
        if self.emails {
            let shopper = stored.clone().into_case(merchant.terms(), View { viewer: Actor::Shopper, ..view });
            if let Some(letter) = crate::email::letter(merchant, &shopper, stored.body.locale.as_deref()) {
                emails::enqueue(&mut tx, merchant, &shopper, letter, view.now).await?;
            }
        }
        let answer = if view.viewer == Actor::Seller { seller } else { stored.into_case(merchant.terms(), view) };
        if let Some(remember) = &remember {
            let body = serde_json::to_string(&answer).expect("a case serialises");
            filings::remember_in(&mut tx, remember, 200, &body, view.now).await?;
        }
        tx.commit().await?;
        Ok(answer)
    }

    /// Writes a message (with the files sent with it) into a case's history without
    /// changing its state. Only while the case is open.
    pub async fn message(&self, note: Message<'_>) -> Result<Case, Error> {
        let Message { id, owner, merchant, actor, message, media, staff, expected_version, remember, now } = note;
        let mut tx = self.pool.begin().await?;
        let touched = sqlx::query("UPDATE cases SET updated_at = updated_at WHERE id = $1 AND merchant_id = $2")
            .bind(id)
            .bind(&merchant.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let stored = match load(&mut tx, id, owner).await? {
            Some(stored) if touched == 1 => stored,
            _ => return Err(Error::CaseNotFound),
        };
        let view = View { viewer: actor, now };
        if expected_version.is_some_and(|v| v != stored.version) {
            let current = Box::new(stored.into_case(merchant.terms(), view));
            return Err(Error::VersionMismatch { expected: expected_version.unwrap_or_default(), current });
        }
        if !lifecycle::open(stored.state) {
            return Err(Error::CaseClosed(stored.state));
        }
        let mut body = stored.body.clone();
        body.add_media(&media);
        sqlx::query("UPDATE cases SET updated_at = $2, version = version + 1, body = $3 WHERE id = $1")
            .bind(id)
            .bind(now.0)
            .bind(serde_json::to_string(&body).expect("a case body serialises"))
            .execute(&mut *tx)
            .await?;
        let seq = stored.history.len() as i64 + 1;
        let state = stored.state;
        let mut event = CaseEvent::new(now, actor, EventKind::Message, Some(state), state, Some(message));
        event.media = media;
        event.staff = staff;
        insert_event(&mut tx, id, seq, &event).await?;
        let mut written = stored.with_event(event);
        written.body = body;
        self.announce_and_commit(tx, merchant, written, view, remember).await
    }

    /// One case with who filed it, for the merchant API (`merchant_id`) or the platform
    /// (`None`).
    pub async fn detail(
        &self,
        id: &str,
        merchant_id: Option<&str>,
        terms_of: impl Fn(&str) -> Option<Terms>,
        view: View,
    ) -> Result<(Case, String, String), Error> {
        let mut conn = self.pool.acquire().await?;
        let stored = load(&mut conn, id, None).await?.ok_or(Error::CaseNotFound)?;
        if merchant_id.is_some_and(|m| m != stored.merchant_id) {
            return Err(Error::CaseNotFound);
        }
        let terms = terms_of(&stored.merchant_id).unwrap_or_default();
        let (merchant, shopper) = (stored.merchant_id.clone(), stored.shopper_id.clone());
        Ok((stored.into_case(terms, view), merchant, shopper))
    }

    /// A page of cases, newest first, matching `filter` (always within one merchant,
    /// or across merchants for the platform).
    pub async fn search(
        &self,
        filter: &CaseFilter,
        terms_of: impl Fn(&str) -> Option<Terms>,
        view: View,
    ) -> Result<(Vec<Case>, Option<String>), Error> {
        let mut sql = String::from("SELECT id FROM cases WHERE 1 = 1");
        let mut binds: Vec<Bind> = Vec::new();
        let mut add = |clause: &str, value: Bind| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(merchant) = &filter.merchant_id {
            add(" AND merchant_id = ?", Bind::Text(merchant.clone()));
        }
        if let Some(state) = filter.state {
            add(" AND state = ?", Bind::Text(state.as_str().into()));
        }
        if let Some(kind) = filter.problem_type {
            add(" AND problem_type = ?", Bind::Text(kind.as_str().into()));
        }
        if let Some(order) = &filter.order_id {
            add(" AND order_id = ?", Bind::Text(order.clone()));
        }
        if let Some(from) = filter.created_from {
            add(" AND created_at >= ?", Bind::Int(from.0));
        }
        if let Some(until) = filter.created_before {
            add(" AND created_at < ?", Bind::Int(until.0));
        }
        if filter.appealed {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.action = 'appeal')",
            );
        }
        if filter.ever_escalated {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.to_state = 'escalated')",
            );
        }
        if let Some((at, id)) = &filter.after {
            binds.push(Bind::Int(*at));
            binds.push(Bind::Text(id.clone()));
            let (a, b) = (binds.len() - 1, binds.len());
            let after = if filter.oldest_first { ">" } else { "<" };
            sql.push_str(&format!(" AND (created_at {after} ${a} OR (created_at = ${a} AND id {after} ${b}))"));
        }
        let order = if filter.oldest_first { "ASC" } else { "DESC" };
        sql.push_str(&format!(" ORDER BY created_at {order}, id {order} LIMIT {}", filter.limit + 1));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(n) => query.bind(n),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let more = rows.len() > filter.limit as usize;
        let ids =
            rows.iter().take(filter.limit as usize).map(|row| row.try_get(0)).collect::<Result<Vec<String>, _>>()?;
        let mut conn = self.pool.acquire().await?;
        let cases: Vec<Case> = load_many(&mut conn, &ids)
            .await?
            .into_iter()
            .map(|stored| {
                let terms = terms_of(&stored.merchant_id).unwrap_or_default();
                stored.into_case(terms, view)
            })
            .collect();
        let next = if more { cases.last().map(|c| format!("{}.{}", c.created_at.0, c.id)) } else { None };
        Ok((cases, next))
    }

    /// A console queue: the merchant's cases under `tab` (matching `search`, a search
    /// key, anywhere in what a case is found by), nearest deadline first and those
    /// without one after, newest first; and every tab's count under the same search.
    pub async fn queue(
        &self,
        merchant: &Merchant,
        tab: QueueTab,
        search: Option<&str>,
        after: Option<(i64, String)>,
        limit: u32,
        view: View,
    ) -> Result<(Vec<Case>, Vec<TabCount>, Option<String>), Error> {
        // Escaped for LIKE: the key is the client's text.
        let pattern = search.map(|key| {
            let escaped = key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        });
        let matching = if pattern.is_some() { " AND search_text LIKE $2 ESCAPE '\\'" } else { "" };
        let counts_sql = format!("SELECT state, COUNT(*) FROM cases WHERE merchant_id = $1{matching} GROUP BY state");
        let mut counts_query = sqlx::query(&counts_sql).bind(&merchant.id);
        if let Some(pattern) = &pattern {
            counts_query = counts_query.bind(pattern);
        }
        let mut counts: Vec<TabCount> = QueueTab::ALL.iter().map(|&tab| TabCount { tab, count: 0 }).collect();
        for row in counts_query.fetch_all(&self.pool).await? {
            let state = parse_enum(row.try_get(0)?, CaseState::parse)?;
            let count: i64 = row.try_get(1)?;
            if let Some(entry) = counts.iter_mut().find(|c| c.tab == QueueTab::of(state)) {
                entry.count += u64::try_from(count).unwrap_or_default();
            }
        }
        // One sort key: the due time, or — for cases with none, after every due time
        // (ms timestamps are below 4e12 until 2096) — newest first.
        let key = format!("COALESCE(deadline_at, {QUEUE_UNDATED} - created_at)");
        let states: Vec<String> = tab.states().iter().map(|s| format!("'{}'", s.as_str())).collect();
        let mut sql = format!(
            "SELECT id, {key} FROM cases WHERE merchant_id = $1{matching} AND state IN ({})",
            states.join(", ")
        );
        let next_bind = if pattern.is_some() { 3 } else { 2 };
        if after.is_some() {
            let (a, b) = (next_bind, next_bind + 1);
            sql.push_str(&format!(" AND ({key} > ${a} OR ({key} = ${a} AND id > ${b}))"));
        }
        sql.push_str(&format!(" ORDER BY {key}, id LIMIT {}", limit + 1));
        let mut query = sqlx::query(&sql).bind(&merchant.id);
        if let Some(pattern) = &pattern {
            query = query.bind(pattern);
        }
        if let Some((at, id)) = after {
            query = query.bind(at).bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let more = rows.len() > limit as usize;
        let page: Vec<(String, i64)> = rows
            .iter()
            .take(limit as usize)
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let ids: Vec<String> = page.iter().map(|(id, _)| id.clone()).collect();
        let mut conn = self.pool.acquire().await?;
        let cases: Vec<Case> = load_many(&mut conn, &ids)
            .await?
            .into_iter()
            .map(|stored| stored.into_case(merchant.terms(), view))
            .collect();
        let next = if more { page.last().map(|(id, at)| format!("{at}.{id}")) } else { None };
        Ok((cases, counts, next))
    }

    /// Cases whose automatic consequence is due at `now`: `(id, merchant_id)`, oldest
    /// due first.
    /// Cases due at `now`, in (due time, id) order, after `cursor` — a page of at most
    /// `limit`. Walking by cursor visits each due case once per pass, whatever happens to
    /// the ones before it.
    pub async fn due_cases(
        &self,
        now: Timestamp,
        cursor: Option<&DueCursor>,
        limit: i64,
    ) -> Result<Vec<DueCase>, Error> {
        let (after_due, after_id) = cursor.map_or((i64::MIN, ""), |c| (c.due_at, c.id.as_str()));
        let rows = sqlx::query(
            "SELECT id, merchant_id, due_at FROM cases WHERE due_at <= $1 \
             AND (due_at > $2 OR (due_at = $2 AND id > $3)) ORDER BY due_at, id LIMIT $4",
        )
        .bind(now.0)
        .bind(after_due)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueCase {
                    id: row.try_get(0)?,
                    merchant_id: row.try_get(1)?,
                    cursor: DueCursor { due_at: row.try_get(2)?, id: row.try_get(0)? },
                })
            })
            .collect()
    }

    /// Applies a case's due consequence as the `system`, once: the state is read and
    /// changed in one transaction, so a consequence that already fired (or a seller who
    /// acted first) leaves nothing to do. Returns the case when something happened.
    pub async fn apply_due(&self, id: &str, merchant: &Merchant, now: Timestamp) -> Result<Option<Case>, Error> {
        let stored = {
            let mut conn = self.pool.acquire().await?;
            load(&mut conn, id, None).await?.ok_or(Error::CaseNotFound)?
        };
        let Some(action) = lifecycle::due(stored.facts(), now, &merchant.deadlines) else {
            // Not due under the merchant's current policy: remember when it will be.
            sqlx::query("UPDATE cases SET due_at = $2 WHERE id = $1 AND state = $3")
                .bind(id)
                .bind(automatic_due_at(stored.facts(), &merchant.deadlines))
                .bind(stored.state.as_str())
                .execute(&self.pool)
                .await?;
            return Ok(None);
        };
        let step = Step {
            id,
            owner: None,
            merchant,
            actor: Actor::System,
            action,
            message: None,
            media: Vec::new(),
            refusal_reason: None,
            staff: None,
            expected_version: None,
            remember: None,
            now,
        };
        match self.apply(step).await {
            Ok(case) => Ok(Some(case)),
            // Someone acted first (or another scheduler did): the state moved on, and with
            // it the due time. Otherwise the consequence cannot apply to this case as it is
            // (e.g. a policy that cannot work for it): it waits an hour before the next
            // try, logged, instead of being due for ever.
            Err(Error::Transition(error)) => {
                let postponed =
                    sqlx::query("UPDATE cases SET due_at = $2 WHERE id = $1 AND state = $3 AND due_at <= $4")
                        .bind(id)
                        .bind(now.0 + POSTPONE_MS)
                        .bind(stored.state.as_str())
                        .bind(now.0)
                        .execute(&self.pool)
                        .await?;
                if postponed.rows_affected() > 0 {
                    tracing::warn!("case {id}: its due consequence cannot apply ({error}); retried in an hour");
                }
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Cases whose automatic deadline falls within `lead_ms` of `now` and whose shopper
    /// has not been reminded of it: `(id, merchant_id)`, soonest first.
    pub async fn reminders_due(
        &self,
        now: Timestamp,
        lead_ms: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, Error> {
        let rows = sqlx::query(
            "SELECT id, merchant_id FROM cases WHERE due_at > $1 AND due_at <= $2
             AND (reminded_due_at IS NULL OR reminded_due_at <> due_at) ORDER BY due_at, id LIMIT $3",
        )
        .bind(now.0)
        .bind(now.0.saturating_add(lead_ms))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    /// Reminds the shopper of case `id`'s deadline, once: when it waits for them, a
    /// letter is queued (with `--smtp-url`), and the deadline is marked reminded in the
    /// same transaction. Returns whether a letter was queued.
    pub async fn remind(&self, id: &str, merchant: Option<&Merchant>, now: Timestamp) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        // The write first (see the module notes), and only if still not reminded.
        let marked = sqlx::query(
            "UPDATE cases SET reminded_due_at = due_at WHERE id = $1 AND due_at IS NOT NULL
             AND (reminded_due_at IS NULL OR reminded_due_at <> due_at)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let Some(stored) = load(&mut tx, id, None).await?.filter(|_| marked == 1) else { return Ok(false) };
        let mut queued = false;
        if let Some(merchant) = merchant.filter(|_| self.emails) {
            let locale = stored.body.locale.clone();
            let case = stored.into_case(merchant.terms(), View { viewer: Actor::Shopper, now });
            if let Some(letter) = crate::email::reminder(merchant, &case, locale.as_deref()) {
                emails::enqueue(&mut tx, merchant, &case, letter, now).await?;
                queued = true;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Cases from before the `problem_type` column get it from their body.
    async fn backfill_problem_types(&self) -> Result<(), Error> {
        let rows = sqlx::query("SELECT id, body FROM cases WHERE problem_type = ''").fetch_all(&self.pool).await?;
        for row in rows {
            let (id, body): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let body: Body = serde_json::from_str(&body).map_err(|e| Error::internal("reading a case body", e))?;
            sqlx::query("UPDATE cases SET problem_type = $2 WHERE id = $1")
                .bind(id)
                .bind(body.problem_type.as_str())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// What an event carries besides its message, kept as one JSON document (`extra`).
#[derive(Default, Serialize, Deserialize)]
struct Extra {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    media: Vec<MediaRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offer: Option<Offer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refusal_reason: Option<RefusalReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence_round: Option<EvidenceRound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ruling: Option<Ruling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    staff: Option<String>,
}

async fn insert_event(conn: &mut sqlx::AnyConnection, case_id: &str, seq: i64, event: &CaseEvent) -> Result<(), Error> {
    let extra = Extra {
        media: event.media.clone(),
        offer: event.offer.clone(),
        refusal_reason: event.refusal_reason.clone(),
        evidence_round: event.evidence_round.clone(),
        ruling: event.ruling.clone(),
        staff: event.staff.clone(),
    };
    let extra = serde_json::to_string(&extra).expect("an event's extras serialise");
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, at, actor, action, from_state, to_state, message, extra)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(case_id)
    .bind(seq)
    .bind(event.at.0)
    .bind(event.actor.as_str())
    .bind(event.kind.as_str())
    .bind(event.from.map(CaseState::as_str))
    .bind(event.to.as_str())
    .bind(event.message.clone())
    .bind((extra != "{}").then_some(extra))
    .execute(&mut *conn)
    .await?;
    mark_evidence(conn, case_id, &event.media).await
}

/// Records on each upload the first case that references it: from then on it is
/// evidence, kept and no longer pending (`Store::upload_referenced`).
async fn mark_evidence(conn: &mut sqlx::AnyConnection, case_id: &str, media: &[MediaRef]) -> Result<(), Error> {
    for reference in media {
        sqlx::query("UPDATE uploads SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
            .bind(case_id)
            .bind(&reference.upload_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Clone)]
struct StoredCase {
    id: String,
    number: String,
    merchant_id: String,
    order_id: String,
    shopper_id: String,
    state: CaseState,
    resolution: Resolution,
    version: u64,
    state_entered_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    body: Body,
    history: Vec<CaseEvent>,
}

fn parse_enum<T>(value: String, parse: fn(&str) -> Option<T>) -> Result<T, Error> {
    parse(&value).ok_or_else(|| Error::internal("reading a case", format!("unknown stored value {value:?}")))
}

const CASE_COLUMNS: &str =
    "id, number, merchant_id, order_id, shopper_id, state, resolution, state_entered_at, created_at, updated_at, body, version";

fn case_of(row: &AnyRow, history: Vec<CaseEvent>) -> Result<StoredCase, Error> {
    let body: String = row.try_get(10)?;
    let version: i64 = row.try_get(11)?;
    Ok(StoredCase {
        id: row.try_get(0)?,
        number: row.try_get(1)?,
        merchant_id: row.try_get(2)?,
        order_id: row.try_get(3)?,
        shopper_id: row.try_get(4)?,
        state: parse_enum(row.try_get(5)?, CaseState::parse)?,
        resolution: parse_enum(row.try_get(6)?, Resolution::parse)?,
        version: u64::try_from(version).map_err(|e| Error::internal("reading a case version", e))?,
        state_entered_at: Timestamp(row.try_get(7)?),
        created_at: Timestamp(row.try_get(8)?),
        updated_at: Timestamp(row.try_get(9)?),
        body: serde_json::from_str(&body).map_err(|e| Error::internal("reading a case body", e))?,
        history,
    })
}

/// `(case id, event)` from a `case_events` row of `EVENT_COLUMNS`.
const EVENT_COLUMNS: &str = "case_id, at, actor, action, from_state, to_state, message, extra";

fn event_of(row: &AnyRow) -> Result<(String, CaseEvent), Error> {
    let extra: Extra = match row.try_get::<Option<String>, _>(7)? {
        Some(json) => serde_json::from_str(&json).map_err(|e| Error::internal("reading a case event", e))?,
        None => Extra::default(),
    };
    let from = match row.try_get::<Option<String>, _>(4)? {
        Some(state) => Some(parse_enum(state, CaseState::parse)?),
        None => None,
    };
    let mut event = CaseEvent::new(
        Timestamp(row.try_get(1)?),
        parse_enum(row.try_get(2)?, Actor::parse)?,
        parse_enum(row.try_get(3)?, EventKind::parse)?,
        from,
        parse_enum(row.try_get(5)?, CaseState::parse)?,
        row.try_get(6)?,
    );
    event.media = extra.media;
    event.offer = extra.offer;
    event.refusal_reason = extra.refusal_reason;
    event.evidence_round = extra.evidence_round;
    event.ruling = extra.ruling;
    event.staff = extra.staff;
    Ok((row.try_get(0)?, event))
}

async fn load(conn: &mut sqlx::AnyConnection, id: &str, owner: Option<&Owner>) -> Result<Option<StoredCase>, Error> {
    let row: Option<AnyRow> = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if let Some(owner) = owner {
        let (merchant, order, shopper): (String, String, String) = (row.try_get(2)?, row.try_get(3)?, row.try_get(4)?);
        if merchant != owner.merchant_id || order != owner.order_id || shopper != owner.shopper_id {
            return Ok(None);
        }
    }
    let events = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = $1 ORDER BY seq"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let history = events.iter().map(|row| event_of(row).map(|(_, event)| event)).collect::<Result<_, _>>()?;
    Ok(Some(case_of(&row, history)?))
}

/// The cases with these ids, in this order, in two queries whatever their number (a
/// page of a list): the cases, then all their events.
async fn load_many(conn: &mut sqlx::AnyConnection, ids: &[String]) -> Result<Vec<StoredCase>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let cases_sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({placeholders})");
    let events_sql =
        format!("SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN ({placeholders}) ORDER BY case_id, seq");
    let mut cases = sqlx::query(&cases_sql);
    for id in ids {
        cases = cases.bind(id);
    }
    let rows = cases.fetch_all(&mut *conn).await?;
    let mut events = sqlx::query(&events_sql);
    for id in ids {
        events = events.bind(id);
    }
    let mut histories: std::collections::HashMap<String, Vec<CaseEvent>> = std::collections::HashMap::new();
    for row in events.fetch_all(&mut *conn).await? {
        let (case_id, event) = event_of(&row)?;
        histories.entry(case_id).or_default().push(event);
    }
    let mut by_id: std::collections::HashMap<String, StoredCase> = std::collections::HashMap::new();
    for row in rows {
        let id: String = row.try_get(0)?;
        let history = histories.remove(&id).unwrap_or_default();
        by_id.insert(id, case_of(&row, history)?);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

impl StoredCase {
    /// The case after `event` was written: its state, one more version, the event last.
    fn with_event(mut self, event: CaseEvent) -> StoredCase {
        self.state = event.to;
        self.updated_at = event.at;
        self.version += 1;
        self.history.push(event);
        self
    }

    fn facts(&self) -> CaseFacts {
        self.body.outcome.facts(self.state, self.resolution, self.state_entered_at)
    }

    fn into_case(mut self, terms: Terms, view: View) -> Case {
        if view.viewer == Actor::Shopper {
            // Staff names are for staff: the shopper hears from "the seller".
            self.history.iter_mut().for_each(|event| event.staff = None);
        }
        let facts = self.facts();
        let outcome = self.body.outcome;
        Case {
            id: self.id,
            number: self.number,
            order_id: self.order_id,
            item_ids: self.body.item_ids,
            problem_type: self.body.problem_type,
            reason: self.body.reason,
            resolution: self.resolution,
            description: self.body.description,
            media: self.body.media,
            contact: self.body.contact,
            state: self.state,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deadline: lifecycle::deadline(facts, &terms.policy),
            next_actions: lifecycle::next_actions(
                facts,
                view.viewer,
                view.now,
                &terms.policy,
                terms.return_address_known,
            ),
            return_instructions: outcome.return_instructions,
            return_shipment: outcome.return_shipment,
            replacement_shipment: outcome.replacement_shipment,
            refund: outcome.refund,
            paid: outcome.paid,
            offer: outcome.offer,
            settlement: outcome.settlement,
            evidence_round: outcome.evidence_round,
            ruling: outcome.ruling,
            history: self.history,
        }
    }
}
