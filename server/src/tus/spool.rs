//! The spool: where incomplete uploads live on local disk, one `{id}.part` file each
//! (its length is the upload's offset), a `{id}.chunk` beside it while a checksummed
//! chunk waits to be verified, and `{id}.clean` while the cleaner writes. The only code
//! that knows these names; the PATCH handler streams into the files it hands out.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// The spool in `dir`, created if missing.
    pub fn open(dir: PathBuf) -> Result<Spool, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Spool { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bytes received so far of upload `id`.
    pub fn part(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// A checksummed chunk of upload `id`, kept aside until verified.
    pub fn chunk(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.chunk"))
    }

    /// The cleaner's output for upload `id`.
    pub fn cleaned(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.clean"))
    }

    /// Upload `id`'s offset: the length of its part file (0 when there is none).
    pub async fn offset(&self, id: &str) -> u64 {
        tokio::fs::metadata(self.part(id)).await.map(|m| m.len()).unwrap_or(0)
    }

    /// An empty part file for a new upload.
    pub async fn create(&self, id: &str) -> io::Result<()> {
        tokio::fs::File::create(self.part(id)).await.map(drop)
    }

    /// Removes upload `id`'s part and chunk files, if any.
    pub async fn remove(&self, id: &str) {
        let _ = tokio::fs::remove_file(self.part(id)).await;
        let _ = tokio::fs::remove_file(self.chunk(id)).await;
    }

    /// Bytes free for us on the spool's disk.
    pub async fn free_bytes(&self) -> io::Result<u64> {
        let dir = self.dir.clone();
        let free = tokio::task::spawn_blocking(move || rustix::fs::statvfs(&dir)).await.map_err(io::Error::other)??;
        Ok(free.f_bavail.saturating_mul(free.f_frsize))
    }

    /// Removes what no request can be working on: cleaning leftovers, unverified chunks,
    /// and part files of uploads not in `receiving`. Returns how many files went.
    pub async fn reconcile(&self, receiving: &HashSet<String>) -> io::Result<usize> {
        let mut removed = 0;
        let mut entries = tokio::fs::read_dir(&self.dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let orphan = match name.rsplit_once('.') {
                Some((_, "clean" | "chunk")) => true,
                Some((id, "part")) => !receiving.contains(id),
                _ => false,
            };
            if orphan && tokio::fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn offsets_are_part_file_lengths_and_reconciling_keeps_only_receiving_uploads() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path().join("spool")).unwrap();
        assert_eq!(spool.offset("a").await, 0, "no file: nothing received");
        spool.create("a").await.unwrap();
        assert_eq!(spool.offset("a").await, 0);
        std::fs::write(spool.part("a"), b"12345").unwrap();
        assert_eq!(spool.offset("a").await, 5);
        for path in [spool.part("b"), spool.chunk("a"), spool.cleaned("c")] {
            std::fs::write(path, b"x").unwrap();
        }
        std::fs::write(spool.dir().join("notes.txt"), b"not ours").unwrap();
        let receiving: HashSet<String> = ["a".to_owned()].into();
        assert_eq!(spool.reconcile(&receiving).await.unwrap(), 3, "b.part, a.chunk, c.clean");
        assert!(spool.part("a").exists() && spool.dir().join("notes.txt").exists());
        spool.remove("a").await;
        assert!(!spool.part("a").exists());
        spool.remove("never").await; // nothing there: no error
        assert!(spool.free_bytes().await.unwrap() > 0);
    }
}
