//! API keys: stored as hashes, each for one merchant or for the platform.

use aftercare_protocol::time::Timestamp;
use sqlx::Row;

use super::Store;
use crate::error::Error;

impl Store {
    /// Stores a new API key's hash for a merchant (or the platform, with `None`).
    pub async fn add_api_key(
        &self,
        merchant_id: Option<&str>,
        key_hash: &str,
        now: Timestamp,
    ) -> Result<String, Error> {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO api_keys (id, merchant_id, platform, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(merchant_id)
        .bind(i64::from(merchant_id.is_none()))
        .bind(key_hash)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Whether the database answers.
    pub async fn reachable(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Stores the dev clock's setting (PostgreSQL, `--insecure-dev`).
    pub async fn save_dev_clock(&self, (fixed, offset): (i64, i64)) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO dev_clock (id, fixed_ms, offset_ms) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET fixed_ms = $1, offset_ms = $2",
        )
        .bind(fixed)
        .bind(offset)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The stored dev clock setting, if any node set one.
    pub async fn dev_clock(&self) -> Result<Option<(i64, i64)>, Error> {
        let row =
            sqlx::query("SELECT fixed_ms, offset_ms FROM dev_clock WHERE id = 1").fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(row) => Some((row.try_get(0)?, row.try_get(1)?)),
            None => None,
        })
    }

    /// `NOTIFY channel, payload` (PostgreSQL).
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), Error> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether a key hash is stored, and for whom: `Some(Some(merchant))`,
    /// `Some(None)` for the platform.
    pub async fn api_key_owner(&self, key_hash: &str) -> Result<Option<Option<String>>, Error> {
        let row = sqlx::query("SELECT merchant_id FROM api_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get::<Option<String>, _>(0)?),
            None => None,
        })
    }
}
