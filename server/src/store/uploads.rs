//! Upload records: who owns an upload, how long it is, its metadata and expiry, and —
//! once complete — what it turned out to be and where it is stored. The bytes
//! themselves are in the spool (while incomplete) or the object store (once complete).

use aftercare_protocol::media::MediaType;
use aftercare_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Owner, Store};
use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadState {
    Receiving,
    Complete,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub owner: Owner,
    pub length: u64,
    /// The raw `Upload-Metadata` header, echoed on HEAD.
    pub metadata: String,
    /// Sanitised original name, kept only as metadata.
    pub filename: Option<String>,
    pub filetype: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: UploadState,
    pub media_type: Option<MediaType>,
    pub object_key: Option<String>,
    /// Stored size after clean-up.
    pub size: Option<u64>,
}

const COLUMNS: &str = "id, merchant_id, order_id, shopper_id, length, metadata, filename, filetype, created_at, expires_at, state, media_type, object_key, size";

fn media_type(name: &str) -> Option<MediaType> {
    MediaType::from_mime(name)
}

fn from_row(row: &AnyRow) -> Result<Upload, Error> {
    let state: String = row.try_get(10)?;
    Ok(Upload {
        id: row.try_get(0)?,
        owner: Owner { merchant_id: row.try_get(1)?, order_id: row.try_get(2)?, shopper_id: row.try_get(3)? },
        length: row.try_get::<i64, _>(4)? as u64,
        metadata: row.try_get(5)?,
        filename: row.try_get(6)?,
        filetype: row.try_get(7)?,
        created_at: Timestamp(row.try_get(8)?),
        expires_at: Timestamp(row.try_get(9)?),
        state: if state == "complete" { UploadState::Complete } else { UploadState::Receiving },
        media_type: row.try_get::<Option<String>, _>(11)?.as_deref().and_then(media_type),
        object_key: row.try_get(12)?,
        size: row.try_get::<Option<i64>, _>(13)?.map(|size| size as u64),
    })
}

impl Store {
    pub async fn create_upload(&self, upload: &Upload) -> Result<(), Error> {
        insert(&mut *self.pool.acquire().await?, upload).await
    }

    /// Inserts `upload` if `check` accepts the quotas it would count against, summed in
    /// the same transaction — on PostgreSQL under a transaction-scoped advisory lock, so
    /// admissions on different nodes take turns.
    pub async fn admit_upload(
        &self,
        upload: &Upload,
        check: impl FnOnce(&Quota) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        if self.postgres_url.is_some() {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ADMISSION_LOCK).execute(&mut *tx).await?;
        } else {
            // A no-op write first, to take SQLite's write lock (see the module notes): a
            // read first would fail with "database is locked" on the upgrade.
            sqlx::query("UPDATE uploads SET length = length WHERE id = $1").bind(&upload.id).execute(&mut *tx).await?;
        }
        let (owner_bytes, owner_uploads) = owner_uploads(&mut tx, &upload.owner).await?;
        let row = sqlx::query("SELECT CAST(COALESCE(SUM(length), 0) AS BIGINT) FROM uploads WHERE state = 'receiving'")
            .fetch_one(&mut *tx)
            .await?;
        let receiving_bytes = row.try_get::<i64, _>(0)? as u64;
        check(&Quota { owner_bytes, owner_uploads, receiving_bytes })?;
        insert(&mut tx, upload).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn upload(&self, id: &str) -> Result<Option<Upload>, Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM uploads WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn complete_upload(
        &self,
        id: &str,
        media_type: MediaType,
        object_key: &str,
        size: u64,
    ) -> Result<bool, Error> {
        // Only a receiving upload completes: `false` when it was deleted (or completed)
        // meanwhile.
        let done = sqlx::query(
            "UPDATE uploads SET state = 'complete', media_type = $2, object_key = $3, size = $4 \
             WHERE id = $1 AND state = 'receiving'",
        )
        .bind(id)
        .bind(media_type.mime())
        .bind(object_key)
        .bind(size as i64)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A page of a merchant's complete uploads created before `before`: candidates for
    /// collection when no case references them.
    pub async fn old_complete_uploads(
        &self,
        merchant_id: &str,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<Upload>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM uploads WHERE merchant_id = $1 AND state = 'complete' AND case_id IS NULL \
             AND created_at < $2 \
             ORDER BY created_at LIMIT $3"
        ))
        .bind(merchant_id)
        .bind(before.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every upload's id and state, for reconciling the spool folder at start.
    pub async fn receiving_upload_ids(&self) -> Result<std::collections::HashSet<String>, Error> {
        let rows = sqlx::query("SELECT id FROM uploads WHERE state = 'receiving'").fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok(row.try_get::<String, _>(0)?)).collect()
    }

    /// Moves an incomplete upload's expiry to `expires_at` (activity keeps it alive).
    pub async fn extend_upload(&self, id: &str, expires_at: Timestamp) -> Result<(), Error> {
        sqlx::query("UPDATE uploads SET expires_at = $2 WHERE id = $1 AND state = 'receiving'")
            .bind(id)
            .bind(expires_at.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_upload(&self, id: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether a case references the upload (as evidence, at filing or later).
    pub async fn upload_referenced(&self, owner: &Owner, id: &str) -> Result<bool, Error> {
        let marked = sqlx::query("SELECT case_id FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
        if marked.is_some() || owner.is_staff() {
            return Ok(marked.is_some());
        }
        // Evidence filed before uploads recorded their case (migration 0008): the order's
        // cases say, and the mark is written now.
        let rows = sqlx::query("SELECT id, body FROM cases WHERE merchant_id = $1 AND order_id = $2")
            .bind(&owner.merchant_id)
            .bind(&owner.order_id)
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            let body: String = row.try_get(1)?;
            let body: super::Body = serde_json::from_str(&body).map_err(|e| Error::internal("a stored case", e))?;
            if body.media.iter().any(|m| m.upload_id == id) {
                sqlx::query("UPDATE uploads SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
                    .bind(row.try_get::<String, _>(0)?)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Incomplete uploads whose expiry has passed.
    pub async fn expired_uploads(&self, now: Timestamp) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT id FROM uploads WHERE state = 'receiving' AND expires_at <= $1")
            .bind(now.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(row.try_get::<String, _>(0)?)).collect()
    }
}

/// What a new upload counts against.
pub struct Quota {
    /// The bytes the owner's uploads promise (declared lengths), for the byte limit, and
    /// how many there are (any state), for the count cap. For a shopper, every upload of
    /// the order; for a seller or the platform (no order), those no case references yet.
    pub owner_bytes: u64,
    pub owner_uploads: u64,
    /// Bytes promised by every incomplete upload, for the spool quota.
    pub receiving_bytes: u64,
}

/// The key of the advisory lock admissions take on PostgreSQL.
const ADMISSION_LOCK: i64 = 0x6166_7465_7263_6172; // "aftercar"

async fn insert(conn: &mut sqlx::AnyConnection, upload: &Upload) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO uploads ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'receiving', NULL, NULL, NULL)"
    ))
    .bind(&upload.id)
    .bind(&upload.owner.merchant_id)
    .bind(&upload.owner.order_id)
    .bind(&upload.owner.shopper_id)
    .bind(upload.length as i64)
    .bind(&upload.metadata)
    .bind(&upload.filename)
    .bind(&upload.filetype)
    .bind(upload.created_at.0)
    .bind(upload.expires_at.0)
    .execute(conn)
    .await?;
    Ok(())
}

async fn owner_uploads(conn: &mut sqlx::AnyConnection, owner: &Owner) -> Result<(u64, u64), Error> {
    let pending = if owner.is_staff() { " AND shopper_id = $3 AND case_id IS NULL" } else { "" };
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(length), 0) AS BIGINT), COUNT(*) FROM uploads \
         WHERE merchant_id = $1 AND order_id = $2{pending}"
    );
    let mut query = sqlx::query(&sql).bind(&owner.merchant_id).bind(&owner.order_id);
    if owner.is_staff() {
        query = query.bind(&owner.shopper_id);
    }
    let row = query.fetch_one(conn).await?;
    Ok((row.try_get::<i64, _>(0)? as u64, row.try_get::<i64, _>(1)? as u64))
}

/// Where an incomplete upload's bytes are in the S3 spool (`tus::objects`): the
/// multipart upload and its parts, and the tail object after them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectSpool {
    /// Bytes persisted so far: the upload's offset.
    pub offset: u64,
    pub multipart: Option<String>,
    /// The parts' ETags (`object_store`'s `PartId::content_id`), in order.
    pub parts: Vec<String>,
    pub tail: Option<String>,
    pub tail_size: u64,
}

/// What renewing a lease found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renewal {
    Kept,
    /// Still ours, but another request asks for the upload.
    Wanted,
    /// Taken over (after it expired) or the upload is gone.
    Lost,
}

impl Store {
    /// Takes upload `id`'s lease for `holder` until `until` (ms, real time) if no one
    /// holds it, or its holder's lease ran out before `now`. `false`: held.
    pub async fn acquire_upload_lease(&self, id: &str, holder: &str, now: i64, until: i64) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE uploads SET lease_holder = $2, lease_until = $3, lease_wanted = 0 \
             WHERE id = $1 AND (lease_holder IS NULL OR lease_until < $4 OR lease_holder = $2)",
        )
        .bind(id)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Asks the request holding upload `id` to let go.
    pub async fn want_upload_lease(&self, id: &str) -> Result<(), Error> {
        sqlx::query("UPDATE uploads SET lease_wanted = 1 WHERE id = $1 AND lease_holder IS NOT NULL")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Moves `holder`'s lease on to `until`, and says whether another request wants it.
    pub async fn renew_upload_lease(&self, id: &str, holder: &str, until: i64) -> Result<Renewal, Error> {
        let row = sqlx::query(
            "UPDATE uploads SET lease_until = $3 WHERE id = $1 AND lease_holder = $2 AND state = 'receiving' \
             RETURNING lease_wanted",
        )
        .bind(id)
        .bind(holder)
        .bind(until)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Renewal::Lost,
            Some(row) if row.try_get::<i64, _>(0)? != 0 => Renewal::Wanted,
            Some(_) => Renewal::Kept,
        })
    }

    pub async fn release_upload_lease(&self, id: &str, holder: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE uploads SET lease_holder = NULL, lease_until = NULL, lease_wanted = 0 \
             WHERE id = $1 AND lease_holder = $2",
        )
        .bind(id)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Upload `id`'s place in the S3 spool (`None`: no such upload).
    pub async fn object_spool(&self, id: &str) -> Result<Option<ObjectSpool>, Error> {
        let row = sqlx::query(
            "SELECT spool_offset, spool_multipart, spool_parts, spool_tail, spool_tail_size FROM uploads WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let parts: String = row.try_get(2)?;
        Ok(Some(ObjectSpool {
            offset: row.try_get::<i64, _>(0)? as u64,
            multipart: row.try_get(1)?,
            parts: serde_json::from_str(&parts).map_err(|e| Error::internal("an upload's spool parts", e))?,
            tail: row.try_get(3)?,
            tail_size: row.try_get::<i64, _>(4)? as u64,
        }))
    }

    /// Records where upload `id`'s bytes now are, if `holder` still holds its lease (and
    /// renews it to `until`). `false`: taken over, completed or deleted; nothing written.
    pub async fn save_object_spool(
        &self,
        id: &str,
        holder: &str,
        spool: &ObjectSpool,
        until: i64,
    ) -> Result<bool, Error> {
        let parts = serde_json::to_string(&spool.parts).map_err(|e| Error::internal("an upload's spool parts", e))?;
        let done = sqlx::query(
            "UPDATE uploads SET spool_offset = $3, spool_multipart = $4, spool_parts = $5, spool_tail = $6, \
             spool_tail_size = $7, lease_until = $8 \
             WHERE id = $1 AND lease_holder = $2 AND state = 'receiving'",
        )
        .bind(id)
        .bind(holder)
        .bind(spool.offset as i64)
        .bind(&spool.multipart)
        .bind(parts)
        .bind(&spool.tail)
        .bind(spool.tail_size as i64)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
