//! HTTP routes, one module per area; each exposes `router()`.

pub mod assets;
pub mod cases;
pub mod demo;
pub mod desk;
pub mod dev;
pub mod merchant;
pub mod platform;
pub mod staff;
pub mod widget_config;
