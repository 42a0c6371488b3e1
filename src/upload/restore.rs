//! What to do with an upload remembered from before a reload: resume it from the
//! server's offset, ask the shopper to re-select the file, or nothing (it finished).
//! Never resume from a file that is not the same one.

/// A file's identity across reloads: name, size, type, last-modified time, and a hash
/// of its first and last 64 KiB.
pub fn fingerprint(name: &str, size: u64, mime: &str, last_modified: f64, sample: &[u8]) -> String {
    // FNV-1a: enough to tell files apart, not a security measure.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sample {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{size}:{}:{}:{hash:016x}:{name}", last_modified as i64, mime)
}

/// The server's answer to HEAD on the remembered upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerState {
    Offset(u64),
    /// 404 or 410: the upload is gone (expired, deleted).
    Gone,
    /// Network or server trouble: try again later.
    Unknown,
}

/// Where the file's bytes can come from now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Kept in IndexedDB (small files), with this fingerprint.
    Stored(String),
    /// The shopper selected a file again, with this fingerprint.
    Reselected(String),
    None,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Done,
    Resume {
        from: u64,
    },
    /// Start a new upload of the same file.
    Restart,
    /// Ask the shopper to choose the file again.
    Reselect,
    /// The chosen file is not the one that was being uploaded.
    WrongFile,
    /// Ask the server again later.
    Wait,
}

pub fn decide(fingerprint: &str, length: u64, completed: bool, server: ServerState, source: &Source) -> Decision {
    if completed {
        return Decision::Done;
    }
    let same = match source {
        Source::Stored(f) | Source::Reselected(f) => Some(f == fingerprint),
        Source::None => None,
    };
    match (server, same) {
        (_, Some(false)) => Decision::WrongFile,
        (ServerState::Offset(offset), _) if offset >= length => Decision::Done,
        (ServerState::Unknown, _) => Decision::Wait,
        (_, None) => Decision::Reselect,
        (ServerState::Offset(offset), Some(true)) => Decision::Resume { from: offset },
        (ServerState::Gone, Some(true)) => Decision::Restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn fingerprints_tell_files_apart() {
        let a = fingerprint("a.jpg", 10, "image/jpeg", 1.0, b"abc");
        assert_eq!(a, fingerprint("a.jpg", 10, "image/jpeg", 1.0, b"abc"));
        assert_ne!(a, fingerprint("a.jpg", 10, "image/jpeg", 1.0, b"abd"));
        assert_ne!(a, fingerprint("a.jpg", 11, "image/jpeg", 1.0, b"abc"));
        assert_ne!(a, fingerprint("b.jpg", 10, "image/jpeg", 1.0, b"abc"));
        assert_ne!(a, fingerprint("a.jpg", 10, "image/jpeg", 2.0, b"abc"));
    }

    #[test]
    fn restore_decisions() {
        let f = "fp";
        let stored = Source::Stored(f.into());
        let reselected = Source::Reselected(f.into());
        let other = Source::Reselected("other".into());
        let table: &[(bool, ServerState, &Source, Decision)] = &[
            (true, ServerState::Gone, &Source::None, Done),
            (false, ServerState::Offset(100), &Source::None, Done),
            (false, ServerState::Offset(40), &stored, Resume { from: 40 }),
            (false, ServerState::Offset(40), &reselected, Resume { from: 40 }),
            (false, ServerState::Offset(40), &Source::None, Reselect),
            (false, ServerState::Offset(40), &other, WrongFile),
            (false, ServerState::Gone, &stored, Restart),
            (false, ServerState::Gone, &Source::None, Reselect),
            (false, ServerState::Unknown, &stored, Wait),
            (false, ServerState::Unknown, &other, WrongFile),
        ];
        for (completed, server, source, expected) in table {
            assert_eq!(decide(f, 100, *completed, *server, source), *expected, "{completed} {server:?} {source:?}");
        }
    }
}
