//! Staff accounts and their sessions. Passwords are argon2 PHC strings (hashed by
//! `crate::staff`, never here); sessions are stored by the hash of their cookie.

use aftercare_protocol::staff::{CannedReply, StaffMember, StaffRole};
use aftercare_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::Store;
use crate::error::Error;

/// A staff account as sign-in needs it.
pub struct StaffAccount {
    pub member: StaffMember,
    pub password_hash: String,
    /// Until when sign-in is refused (ms; 0 or past: not locked).
    pub locked_until: i64,
}

/// A live session.
pub struct StoredSession {
    pub member: StaffMember,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// How a session ends: this long without a request, or this long after sign-in.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
    /// Failures in a row that lock an account, and for how long.
    pub max_failures: i64,
    pub lock_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle_ms: 30 * 60_000, absolute_ms: 12 * 3_600_000, max_failures: 5, lock_ms: 15 * 60_000 }
    }
}

/// A session's `last_seen_at` is written at most this often (not on every request).
const TOUCH_EVERY_MS: i64 = 60_000;

const STAFF_COLUMNS: &str = "s.id, s.email, s.name, s.role, s.merchant_id";

fn member_of(row: &AnyRow) -> Result<StaffMember, Error> {
    let role: String = row.try_get(3)?;
    Ok(StaffMember {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        name: row.try_get(2)?,
        role: StaffRole::parse(&role)
            .ok_or_else(|| Error::internal("reading a staff member", format!("unknown role {role:?}")))?,
        merchant_id: row.try_get(4)?,
    })
}

/// The new account's email is taken.
#[derive(Debug)]
pub struct EmailTaken;

impl Store {
    /// Adds a staff account (`email` already normalised). `Ok(Err(EmailTaken))` when an
    /// account has that email.
    pub async fn add_staff(
        &self,
        member: &StaffMember,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<Result<(), EmailTaken>, Error> {
        let inserted = sqlx::query(
            "INSERT INTO staff (id, merchant_id, email, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&member.id)
        .bind(member.merchant_id.as_deref())
        .bind(&member.email)
        .bind(&member.name)
        .bind(member.role.as_str())
        .bind(password_hash)
        .bind(now.0)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(Ok(())),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(Err(EmailTaken)),
            Err(error) => Err(error.into()),
        }
    }

    /// A new password for an account; every session of it ends.
    pub async fn set_staff_password(&self, email: &str, password_hash: &str) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT id FROM staff WHERE email = $1").bind(email).fetch_optional(&mut *tx).await?;
        let Some(row) = row else { return Ok(false) };
        let id: String = row.try_get(0)?;
        sqlx::query("UPDATE staff SET password_hash = $2, failed_attempts = 0, locked_until = 0 WHERE id = $1")
            .bind(&id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(&id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn staff_by_email(&self, email: &str) -> Result<Option<StaffAccount>, Error> {
        let sql = format!("SELECT {STAFF_COLUMNS}, s.password_hash, s.locked_until FROM staff s WHERE s.email = $1");
        let Some(row) = sqlx::query(&sql).bind(email).fetch_optional(&self.pool).await? else { return Ok(None) };
        Ok(Some(StaffAccount {
            member: member_of(&row)?,
            password_hash: row.try_get(5)?,
            locked_until: row.try_get(6)?,
        }))
    }

    /// The staff of a merchant (or of the platform, with `None`), by email.
    pub async fn staff_of(&self, merchant_id: Option<&str>) -> Result<Vec<StaffMember>, Error> {
        let rows = match merchant_id {
            Some(id) => {
                let sql = format!("SELECT {STAFF_COLUMNS} FROM staff s WHERE s.merchant_id = $1 ORDER BY s.email");
                sqlx::query(&sql).bind(id).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {STAFF_COLUMNS} FROM staff s WHERE s.merchant_id IS NULL ORDER BY s.email");
                sqlx::query(&sql).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(member_of).collect()
    }

    /// A wrong password: one more failure in a row; the one that reaches the policy's
    /// most locks the account until `now + lock_ms` and starts the count again.
    pub async fn record_sign_in_failure(&self, id: &str, policy: SessionPolicy, now: Timestamp) -> Result<(), Error> {
        sqlx::query(
            "UPDATE staff SET
                locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END,
                failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
             WHERE id = $1",
        )
        .bind(id)
        .bind(policy.max_failures)
        .bind(now.0.saturating_add(policy.lock_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A successful sign-in: the failure count starts again, the session is stored, and
    /// sessions past their time are swept.
    pub async fn start_session(
        &self,
        staff_id: &str,
        token_hash: &str,
        csrf_token: &str,
        policy: SessionPolicy,
        now: Timestamp,
    ) -> Result<Timestamp, Error> {
        let expires_at = Timestamp(now.0.saturating_add(policy.absolute_ms));
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE staff SET failed_attempts = 0 WHERE id = $1").bind(staff_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now.0)
            .bind(now.0.saturating_sub(policy.idle_ms))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(staff_id)
        .bind(csrf_token)
        .bind(now.0)
        .bind(expires_at.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(expires_at)
    }

    /// The session stored under `token_hash`, if it has not ended by `now` (idle or
    /// absolute); a live one is marked seen.
    pub async fn session(
        &self,
        token_hash: &str,
        policy: SessionPolicy,
        now: Timestamp,
    ) -> Result<Option<StoredSession>, Error> {
        let sql = format!(
            "SELECT {STAFF_COLUMNS}, x.csrf_token, x.expires_at, x.last_seen_at
             FROM staff_sessions x JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = $1"
        );
        let Some(row) = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let expires_at: i64 = row.try_get(6)?;
        let last_seen_at: i64 = row.try_get(7)?;
        if now.0 >= expires_at || now.0 >= last_seen_at.saturating_add(policy.idle_ms) {
            sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        if now.0 >= last_seen_at.saturating_add(TOUCH_EVERY_MS) {
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(now.0)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(StoredSession {
            member: member_of(&row)?,
            csrf_token: row.try_get(5)?,
            expires_at: Timestamp(expires_at),
        }))
    }

    /// Signs one session out.
    pub async fn end_session(&self, token_hash: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Signs a staff member out everywhere.
    pub async fn end_sessions_of(&self, staff_id: &str) -> Result<u64, Error> {
        let done =
            sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(staff_id).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Seeds a merchant's canned replies from its configuration, once ever: a reply an
    /// admin deleted stays deleted.
    async fn seed_canned_replies(&self, merchant_id: &str, seed: &[CannedReply], now: Timestamp) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let first =
            sqlx::query("INSERT INTO desks_seeded (merchant_id, seeded_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(merchant_id)
                .bind(now.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if first == 1 {
            for (position, reply) in seed.iter().enumerate() {
                insert_reply(&mut tx, merchant_id, reply, position as i64).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A merchant's canned replies, in their order (seeded from `seed` the first time).
    pub async fn canned_replies(
        &self,
        merchant_id: &str,
        seed: &[CannedReply],
        now: Timestamp,
    ) -> Result<Vec<CannedReply>, Error> {
        self.seed_canned_replies(merchant_id, seed, now).await?;
        let rows = sqlx::query(
            "SELECT code, title_zh, title_en, zh, en FROM canned_replies WHERE merchant_id = $1 ORDER BY position, code",
        )
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CannedReply {
                    code: row.try_get(0)?,
                    title_zh: row.try_get(1)?,
                    title_en: row.try_get(2)?,
                    zh: row.try_get(3)?,
                    en: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// Adds a canned reply (last), or changes the one with its code (in place).
    pub async fn put_canned_reply(
        &self,
        merchant_id: &str,
        reply: &CannedReply,
        seed: &[CannedReply],
        now: Timestamp,
    ) -> Result<(), Error> {
        self.seed_canned_replies(merchant_id, seed, now).await?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE canned_replies SET title_zh = $3, title_en = $4, zh = $5, en = $6 WHERE merchant_id = $1 AND code = $2",
        )
        .bind(merchant_id)
        .bind(&reply.code)
        .bind(&reply.title_zh)
        .bind(&reply.title_en)
        .bind(&reply.zh)
        .bind(&reply.en)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            let row = sqlx::query("SELECT COALESCE(MAX(position), -1) + 1 FROM canned_replies WHERE merchant_id = $1")
                .bind(merchant_id)
                .fetch_one(&mut *tx)
                .await?;
            insert_reply(&mut tx, merchant_id, reply, row.try_get(0)?).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a canned reply; whether there was one.
    pub async fn delete_canned_reply(&self, merchant_id: &str, code: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM canned_replies WHERE merchant_id = $1 AND code = $2")
            .bind(merchant_id)
            .bind(code)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes one of a merchant's staff accounts and ends its sessions; whether it was there.
    pub async fn remove_staff(&self, merchant_id: &str, id: &str) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM staff WHERE id = $1 AND merchant_id = $2")
            .bind(id)
            .bind(merchant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(removed == 1)
    }
}

async fn insert_reply(
    conn: &mut sqlx::AnyConnection,
    merchant_id: &str,
    reply: &CannedReply,
    position: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO canned_replies (merchant_id, code, title_zh, title_en, zh, en, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(merchant_id)
    .bind(&reply.code)
    .bind(&reply.title_zh)
    .bind(&reply.title_en)
    .bind(&reply.zh)
    .bind(&reply.en)
    .bind(position)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
