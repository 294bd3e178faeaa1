//! mlgrant's integration tests, in one binary so that they link once (as ripgrep's do).
//!
//! - the pure ones run the real binary on files, or the library on fixtures, with no server:
//!   `bad_input`, `compile_cli`, `iam_cli`, `properties`, `hostile`, `sync_fixtures`, `layers`;
//! - `live::*` start their own Redshift simulator (a throwaway PostgreSQL 15 behind the
//!   simulator's front) on a free loopback port.
//!
//! The fast loop skips the live ones: `cargo test -p mlgrant --lib --test it -- --skip live::`.

mod bad_input;
mod ci_cli;
mod compile_cli;
mod docs_cli;
mod editor;
mod expiry;
mod hostile;
mod iam_cli;
mod init_cli;
mod layers;
mod links;
mod live;
mod merge;
mod outputs;
mod pictures;
mod properties;
mod review_hostile;
mod sync_fixtures;
mod util;
mod warnings_cli;
mod watch_select;
