//! Aftercare's console: where a merchant's staff work their after-sale queue and the
//! platform's arbiters rule on escalations, in the browser. A Leptos CSR app served by
//! the reference backend at `/console/`, started by `boot.js` (no inline script, so the
//! page runs under a strict CSP).
//!
//! Pure modules (`i18n`, `actions`) are tested natively; `api` is the one place that
//! talks to the server; `ui` holds thin components.

pub mod actions;
pub mod api;
pub mod i18n;
pub mod ui;

use wasm_bindgen::prelude::*;

/// Mounts the console into `<body>` (called by `boot.js`).
#[wasm_bindgen]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}
