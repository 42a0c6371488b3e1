//! Aftercare: an after-sale support widget embedded with one script tag.
//!
//! The loader (`loader/aftercare.js`) draws the launcher and, once the shopper shows
//! intent, loads this crate's wasm and calls [`embed::start`]. Pure logic — config,
//! hours, mailto, FAQ search, locale choice, order context, translations — lives in
//! modules without DOM access and is tested natively; `ui` holds thin components.

pub mod config;
pub mod faq;
pub mod hours;
pub mod i18n;
pub mod locale;
pub mod mailto;
pub mod order;
pub mod settings;

pub mod clock;
pub mod embed;
pub mod state;
pub mod ui;
