//! mlgrant keeps Amazon Redshift ML access as code: an access model (TOML) compiles into the
//! GRANT and REVOKE statements that make a cluster match it.
//!
//! Dependencies point one way, from the bottom up:
//!
//! - `text` (sanitizing), `file` (bounded reads) and `model` (names, the [`model::Grant`], origins, the one
//!   [`model::State`], the one quoting function): the vocabulary;
//! - `config` (file -> [`config::AccessModel`]), `compile` (model -> desired state), `plan`
//!   (the [`plan::Plan`] type), `ledger` (what mlgrant granted, as rows), `diff` (current and
//!   desired state, inside the fence -> plan),
//!   `render` (plan -> SQL, text, JSON), `saved` (a plan kept for review), `explain`: the pure stages, in
//!   that order;
//! - `iam` (policies from `[iam]`), `server` (what a server said), `connect` (reaching a
//!   cluster), `catalog` (cluster -> current state), `audit` (mlgrant's own schema),
//!   `apply`, `doctor` (proving Redshift's behaviour, apply's statements included), `export`: the
//!   stages that talk to a cluster;
//! - `cli` on top.

pub mod apply;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod config;
pub mod connect;
pub mod diff;
pub mod doctor;
pub mod explain;
pub mod export;
pub mod file;
pub mod iam;
pub mod ledger;
pub mod model;
pub mod plan;
pub mod render;
pub mod review;
pub mod saved;
pub mod server;
pub mod text;
pub mod usage;
pub mod watch;
