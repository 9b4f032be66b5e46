//! The spotcheck binary as operators and crashes meet it: commands, backups, configuration, two servers, kills, soak.
//!
//! One test binary per crate: each file below was a binary of its own, and linking each
//! against the whole stack cost more than running it.

#[path = "../common/mod.rs"]
mod common;

mod backup;
mod cli;
mod cluster;
mod config;
mod crash;
mod soak;
