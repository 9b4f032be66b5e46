//! The web crate's tests through a real server: pages, API, browser, access, security.
//!
//! One test binary per crate: each file below was a binary of its own, and linking each
//! against the whole stack cost more than running it.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod browser;
mod concurrency;
mod hostile;
mod i18n;
mod inspections;
mod lists;
mod matrix;
mod openapi;
mod plans;
mod public;
mod reports;
mod verify;
mod web;
