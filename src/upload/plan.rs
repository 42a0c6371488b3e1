//! How much to send per PATCH: chunk sizes chosen by measurement. Small chunks waste
//! round trips on a fast link; big ones lose more on a flaky one and update progress
//! rarely. Start at 1 MiB, then size each chunk to what the last one's measured speed
//! sends in about two seconds (at most 8× the last chunk, so one lucky measurement does
//! not commit a slow link to a huge chunk).

/// Bounds and starting point, in bytes.
pub const MIN_CHUNK: u64 = 256 * 1024;
pub const START_CHUNK: u64 = 1024 * 1024;
pub const MAX_CHUNK: u64 = 64 * 1024 * 1024;
/// How long a chunk should take.
const TARGET_MS: f64 = 2_000.0;

/// The chunk size to use next, given how long the last chunk of `size` bytes took.
pub fn next_chunk_size(size: u64, elapsed_ms: f64) -> u64 {
    let at_speed = size as f64 * TARGET_MS / elapsed_ms.max(1.0);
    let next = at_speed.min(size.saturating_mul(8) as f64) as u64;
    next.clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The byte range `[start, end)` of the next PATCH from `offset`.
pub fn next_range(offset: u64, length: u64, chunk: u64) -> Option<(u64, u64)> {
    (offset < length).then(|| (offset, (offset + chunk.max(1)).min(length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_follow_measured_speed() {
        let table = [
            // Fast: grow, at most 8× per step.
            (START_CHUNK, 200.0, 8 * START_CHUNK),
            (START_CHUNK, 1_000.0, 2 * START_CHUNK),
            (8 * START_CHUNK, 4.0, MAX_CHUNK),
            (MAX_CHUNK, 10.0, MAX_CHUNK),
            // On target: stay.
            (START_CHUNK, 2_000.0, START_CHUNK),
            // Slow: shrink in proportion, never below the minimum.
            (START_CHUNK, 8_000.0, START_CHUNK / 4),
            (MIN_CHUNK, 60_000.0, MIN_CHUNK),
            // A zero-time measurement is not infinite speed.
            (START_CHUNK, 0.0, 8 * START_CHUNK),
        ];
        for (size, elapsed, expected) in table {
            assert_eq!(next_chunk_size(size, elapsed), expected, "{size} in {elapsed} ms");
        }
    }

    #[test]
    fn ranges_cover_the_file_once() {
        assert_eq!(next_range(0, 10, 4), Some((0, 4)));
        assert_eq!(next_range(8, 10, 4), Some((8, 10)));
        assert_eq!(next_range(10, 10, 4), None);
        assert_eq!(next_range(0, 10, 0), Some((0, 1)));
        let mut offset = 0;
        let mut covered = 0;
        while let Some((start, end)) = next_range(offset, 1_000_003, 65_536) {
            assert_eq!(start, offset);
            covered += end - start;
            offset = end;
        }
        assert_eq!(covered, 1_000_003);
    }
}
