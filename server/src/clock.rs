//! Where "now" comes from. Every deadline, expiry and timestamp reads it here, so tests
//! (and `POST /dev/clock` under `--insecure-dev`) control time and never sleep.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use aftercare_protocol::time::Timestamp;

/// The system clock, plus an offset that only the dev clock route changes.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the system time.
    offset: Arc<AtomicI64>,
    /// When set (non-zero), time stands still at this instant (plus `offset`).
    fixed: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock standing still at `at`, for tests.
    pub fn fixed(at: Timestamp) -> Clock {
        let clock = Clock::default();
        clock.set(at);
        clock
    }

    pub fn now(&self) -> Timestamp {
        let fixed = self.fixed.load(Ordering::SeqCst);
        let base = if fixed != 0 {
            fixed
        } else {
            let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            since.as_millis() as i64
        };
        Timestamp(base + self.offset.load(Ordering::SeqCst))
    }

    /// Stops time at `at`.
    pub fn set(&self, at: Timestamp) {
        self.offset.store(0, Ordering::SeqCst);
        self.fixed.store(at.0, Ordering::SeqCst);
    }

    /// Moves time forward (or back) by `millis`.
    pub fn advance(&self, millis: i64) {
        self.offset.fetch_add(millis, Ordering::SeqCst);
    }

    /// The dev clock's setting: `(fixed, offset)` in ms (`fixed` 0: running).
    pub fn setting(&self) -> (i64, i64) {
        (self.fixed.load(Ordering::SeqCst), self.offset.load(Ordering::SeqCst))
    }

    /// Takes another node's dev clock setting.
    pub fn adopt(&self, (fixed, offset): (i64, i64)) {
        self.fixed.store(fixed, Ordering::SeqCst);
        self.offset.store(offset, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_advanced() {
        let clock = Clock::fixed(Timestamp(1_000));
        assert_eq!(clock.now(), Timestamp(1_000));
        clock.advance(3_600_000);
        assert_eq!(clock.now(), Timestamp(3_601_000));
        clock.set(Timestamp(5));
        assert_eq!(clock.now(), Timestamp(5));
        assert!(Clock::system().now().0 > 1_700_000_000_000);
    }
}
