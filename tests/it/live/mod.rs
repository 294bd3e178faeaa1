//! Tests against the Redshift simulator: each starts its own on a free loopback port and
//! removes it afterwards. Skipped by the fast loop (`--skip live::`).

mod faults;
mod secrets;
mod sync_cli;
