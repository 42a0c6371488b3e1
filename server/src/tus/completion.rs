//! The media completion hook: when an upload's last byte has arrived, its content is
//! checked against the declared type and its kind's limits (`protocol::media`), cleaned
//! of metadata (`aftercare_parsers::clean`, on a bounded pool of blocking threads) and
//! put into storage; and, when a case is filed, its media references are checked.

use std::path::{Path, PathBuf};

use aftercare_protocol::case::MediaRef;
use aftercare_protocol::media::{self, MediaType, SNIFF_LEN};

use super::Limits;
use crate::error::Error;
use crate::store::{Owner, Upload, UploadState};
use crate::AppState;

/// The last byte arrived: check the content, clean it, store it, drop the spool file.
/// A file that is not what it claims is deleted and the upload refused.
pub(super) async fn finish(state: &AppState, upload: &Upload) -> Result<(), Error> {
    let uploads = &state.uploads;
    let spool = uploads.spool.part(&upload.id);
    let cleaned = uploads.spool.cleaned(&upload.id);
    if uploads.object_spool() {
        // The bytes are in the bucket: read them back to the local folder to be cleaned.
        uploads.storage.download(&super::objects::data_key(&upload.id), &spool).await?;
    }
    let declared = upload.filetype.clone().unwrap_or_default();
    let (spool_for_task, cleaned_for_task) = (spool.clone(), cleaned.clone());
    let limits = uploads.limits.clone();
    // A global limit: however many shoppers finish at once, cleaning takes at most this
    // many blocking threads (the rest wait their turn, holding their upload's lock).
    uploads.cleaning_queue.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let permit = uploads.cleaning.acquire().await;
    uploads.cleaning_queue.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    let _permit = permit.map_err(|e| Error::internal("cleaning an upload", e))?;
    let checked =
        tokio::task::spawn_blocking(move || check_and_clean(&spool_for_task, &cleaned_for_task, &declared, &limits))
            .await
            .map_err(|e| Error::internal("cleaning an upload", e))?;
    let (media_type, result) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            uploads.remove_files(&state.store, &upload.id).await?;
            let _ = tokio::fs::remove_file(&cleaned).await;
            state.store.delete_upload(&upload.id).await?;
            return Err(error);
        }
    };
    let key = format!("{}/{}.{}", upload.owner.folder(), upload.id, media_type.extension());
    let size = uploads.storage.put_file(&key, &result).await?;
    if !state.store.complete_upload(&upload.id, media_type, &key, size).await? {
        // Deleted (or completed) meanwhile: what was just stored belongs to nothing.
        uploads.storage.delete(&key).await?;
        let _ = tokio::fs::remove_file(&cleaned).await;
        uploads.remove_files(&state.store, &upload.id).await?;
        return Err(Error::UploadNotFound);
    }
    let _ = tokio::fs::remove_file(&cleaned).await;
    uploads.remove_files(&state.store, &upload.id).await?;
    Ok(())
}

/// Checks the content against the declared type and its kind's limits, and removes
/// metadata (`aftercare_parsers::clean`). Returns the type and the file to store.
fn check_and_clean(
    spool: &Path,
    cleaned: &Path,
    declared: &str,
    limits: &Limits,
) -> Result<(MediaType, PathBuf), Error> {
    use aftercare_parsers::clean;
    use aftercare_protocol::case::MediaKind;
    use std::io::Read;
    let io = |e: std::io::Error| Error::internal("cleaning an upload", e);
    let mut head = Vec::with_capacity(SNIFF_LEN);
    let file = std::fs::File::open(spool).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    file.take(SNIFF_LEN as u64).read_to_end(&mut head).map_err(io)?;
    let media_type =
        media::check(declared, &head).map_err(|e| Error::MediaRejected { code: e.code, message: e.message })?;
    // The sniffed kind's own limit: an upload created without `filetype` was only held
    // to the larger of the two.
    let limit = match media_type.kind() {
        MediaKind::Photo => limits.max_photo_bytes,
        MediaKind::Video => limits.max_video_bytes,
    };
    if length > limit {
        return Err(Error::UploadTooLarge {
            message: format!("the {} is {length} bytes; the limit is {limit}", media_type.kind().as_str()),
            max: Some(limit),
        });
    }
    let (outcome, stored) = clean::clean_file(media_type, spool, cleaned, &limits.clean_caps).map_err(|e| match e {
        clean::Error::Malformed(message) => Error::MediaRejected {
            code: "media_malformed",
            message: format!("the {} file could not be read: {message}", media_type.mime()),
        },
        clean::Error::TooComplex(message) => Error::MediaRejected {
            code: "media_too_complex",
            message: format!("the {} file was refused: {message}", media_type.mime()),
        },
        clean::Error::Io(error) => Error::internal("cleaning an upload", error),
    })?;
    if let Some((width, height)) = outcome.pixels {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > limits.max_photo_pixels {
            return Err(Error::MediaRejected {
                code: "photo_too_many_pixels",
                message: format!(
                    "the photo is {width}×{height} pixels; the limit is {} pixels",
                    limits.max_photo_pixels
                ),
            });
        }
    }
    Ok((media_type, stored))
}

/// Checks media references sent to a case: each is a complete upload of `owner` (the
/// sending party: the shopper of that order, the seller, the platform), of
/// the declared kind, and together within the per-case limit. Returns them as they are
/// stored: upload and kind only (a `url` sent along is the client's, never kept).
pub async fn check_case_media(state: &AppState, owner: &Owner, media: &[MediaRef]) -> Result<Vec<MediaRef>, Error> {
    let mut total = 0u64;
    for (index, reference) in media.iter().enumerate() {
        let field = format!("media[{index}].upload_id");
        let upload = state.store.upload(&reference.upload_id).await?;
        let upload = match upload {
            // The party's own upload: another shopper on the same order, or a seller
            // attaching a shopper's file, finds nothing.
            Some(u) if u.state == UploadState::Complete && u.owner == *owner => u,
            _ => return Err(Error::MediaNotFound { field }),
        };
        let kind = upload.media_type.map(MediaType::kind).ok_or(Error::MediaNotFound { field: field.clone() })?;
        if kind != reference.kind {
            return Err(Error::MediaKindMismatch { field, declared: reference.kind.as_str(), actual: kind.as_str() });
        }
        total += upload.size.unwrap_or(0);
    }
    if total > state.uploads.limits.max_case_bytes {
        return Err(Error::CaseMediaTooLarge(total, state.uploads.limits.max_case_bytes));
    }
    Ok(media.iter().map(|reference| MediaRef::new(reference.upload_id.clone(), reference.kind)).collect())
}
