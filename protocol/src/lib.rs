//! Aftercare's wire contract: the types the widget and the reference server exchange,
//! and the pure rules both enforce — so the two cannot drift.
//!
//! No DOM, no async runtime, no database: everything here compiles for wasm32 and
//! native, takes "now" as an argument, and is tested natively.

pub mod case;
pub mod config;
pub mod hours;
pub mod lifecycle;
pub mod locale;
pub mod media;
pub mod money;
pub mod order;
pub mod picture;
pub mod read;
pub mod rules;
pub mod staff;
pub mod time;
pub mod tus;
pub mod validate;
pub mod webhook;
