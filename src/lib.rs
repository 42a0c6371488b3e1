//! Aftercare: an after-sale support widget embedded with one script tag.
//!
//! The loader (`loader/aftercare.js`) draws the launcher and, once the shopper shows
//! intent, loads this crate's wasm and calls [`embed::start`]. Pure logic lives in
//! modules without DOM access and is tested natively — configuration, hours, locale
//! and order context in the shared `aftercare-protocol` crate; mailto, FAQ search,
//! settings and translations here — while `ui` holds thin components.
//!
//! Leptos apps can skip the script tag and render [`AftercareWidget`] instead.

pub mod api;
pub mod faq;
pub mod flow;
pub mod i18n;
pub mod mailto;
pub mod settings;
pub mod upload;

// The wire contract, shared with the server.
pub use aftercare_protocol::{config, hours, locale, order};
pub use component::{AftercareWidget, Mode};

pub mod clock;
pub mod component;
pub mod controllers;
pub mod embed;
pub mod json;
pub mod state;
pub mod ui;
