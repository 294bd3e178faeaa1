//! mlgrant keeps Amazon Redshift ML access as code: an access model (TOML) compiles into the
//! GRANT and REVOKE statements that make a cluster match it.
//!
//! The pipeline, one module per stage:
//! `config` (file -> [`config::AccessModel`]) -> `compile` (model -> set of [`model::Grant`]) ->
//! `diff` (two sets, inside the fence -> [`plan::Plan`]) -> `render` (plan -> SQL, text, JSON).
//! `cli` is the command line over them.

pub mod apply;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod config;
pub mod connect;
pub mod diff;
pub mod export;
pub mod iam;
pub mod model;
pub mod plan;
pub mod render;
