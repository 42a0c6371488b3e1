//! The server's integration tests, in one binary (one link instead of nine). Each module
//! is one area; `common` builds apps, tokens and requests for all of them. With
//! `AFTERCARE_TEST_POSTGRES` set they run against PostgreSQL instead of SQLite.

mod common;

mod api;
mod assets;
mod cli;
mod conversation;
mod emails;
mod examples;
mod faults;
mod hardening;
mod lifecycle;
mod operations;
mod properties;
mod staff;
mod uploads;
mod versions;
mod webhooks;
