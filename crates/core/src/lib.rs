//! Domain types and rules of spotcheck, the "double random, one public" (双随机、一公开) spot-check
//! system for pollution sources.
//!
//! Everything here is pure: no database, no HTTP, no clock. Time, randomness and configuration are
//! parameters. Rule ids (`R-DRAW-KEY-2`, ...) refer to the numbered rules in the design notes.

pub mod agency;
pub mod calendar;
pub mod credit_code;
pub mod demo;
pub mod division;
pub mod industry;
pub mod inspection;
pub mod lists;
pub mod password;
pub mod period;
pub mod role;
pub mod rules;
