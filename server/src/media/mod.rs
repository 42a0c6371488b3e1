//! What happens to an evidence file once its last byte has arrived.

pub mod clean;
