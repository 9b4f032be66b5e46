//! The storage layer on every available backend.
//!
//! One test binary per crate: each file below was a binary of its own, and linking each
//! against the whole stack cost more than running it.

mod archive;
mod bulk;
mod disclosure;
mod draws;
mod foundation;
mod import;
mod inspections;
mod integrity;
mod jobs;
mod plan_rules;
mod query_plans;
mod reports;
mod year;
