//! When to try again: exponential backoff with full jitter, honouring `Retry-After`,
//! for the failures that can pass — network errors, 5xx, 409 (offset raced: re-read
//! it), 423 (locked), 429 (too many at once).

/// What a failed request came back with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No response: offline, reset, timed out.
    Network,
    Status(u16),
}

pub const MAX_ATTEMPTS: u32 = 8;
const BASE_MS: f64 = 500.0;
const CAP_MS: f64 = 30_000.0;

impl Failure {
    pub fn retryable(self) -> bool {
        match self {
            Failure::Network => true,
            Failure::Status(status) => status >= 500 || matches!(status, 409 | 423 | 429),
        }
    }
}

/// How long to wait before attempt `attempt + 1` (0-based count of failures so far),
/// or `None` to give up. `jitter` is uniform in `[0, 1)`; `retry_after_ms` is the
/// server's `Retry-After`, which wins when longer.
pub fn delay_ms(failure: Failure, attempt: u32, retry_after_ms: Option<u32>, jitter: f64) -> Option<u32> {
    if !failure.retryable() || attempt >= MAX_ATTEMPTS {
        return None;
    }
    let ceiling = (BASE_MS * 2f64.powi(attempt as i32)).min(CAP_MS);
    let backoff = (ceiling * jitter.clamp(0.0, 1.0)).max(100.0) as u32;
    Some(backoff.max(retry_after_ms.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// failure, attempt, Retry-After seconds, jitter draw, expected delay in ms
    type Row = (Failure, u32, Option<u32>, f64, Option<u32>);

    #[test]
    fn schedule() {
        use Failure::*;
        let table: &[Row] = &[
            (Network, 0, None, 0.999, Some(499)),
            (Network, 0, None, 0.0, Some(100)),
            (Status(503), 3, None, 0.5, Some(2_000)),
            (Status(500), 10, None, 0.5, None),
            (Status(502), 7, None, 0.999, Some(29_970)),
            (Status(429), 0, Some(5_000), 0.5, Some(5_000)),
            (Status(409), 1, None, 1.0, Some(1_000)),
            (Status(423), 2, Some(10), 0.5, Some(1_000)),
            (Status(400), 0, None, 0.5, None),
            (Status(401), 0, None, 0.5, None),
            (Status(413), 0, None, 0.5, None),
            (Status(460), 0, None, 0.5, None),
        ];
        for &(failure, attempt, retry_after, jitter, expected) in table {
            assert_eq!(delay_ms(failure, attempt, retry_after, jitter), expected, "{failure:?} attempt {attempt}");
        }
    }
}
