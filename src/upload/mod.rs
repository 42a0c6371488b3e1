//! Evidence uploads from the widget: pure planning (chunk sizes, retries, restore
//! decisions) here and in submodules; the browser side is `client` (tus over XHR) and
//! `image` (downscale and re-encode).

pub mod client;
pub mod image;
pub mod persist;
pub mod plan;
pub mod restore;
pub mod retry;
pub mod session;
pub mod transfer;
pub mod video;
