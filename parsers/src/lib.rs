//! Parsers of bytes that come from outside the server: the media cleaners that every
//! stored evidence file passes through, and tus header values. Hostile territory, so:
//! iterative walks, checked arithmetic, every size bounded by the real file length,
//! caps on the work that decide deterministically, allowlists over denylists — and a
//! fuzz target for each (`fuzz/`), whose findings `cargo test` replays.

pub mod clean;
pub mod tus;

#[doc(hidden)]
pub mod fuzzing;
