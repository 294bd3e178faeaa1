//! The vocabulary every stage shares: validated names and the [`Grant`], the one fact that flows
//! from the access model (compile) and from the cluster (catalog) into diff, render and apply.
//!
//! Nothing here does I/O or writes SQL.

mod grant;
mod name;

pub(crate) use grant::split_kind;
pub use grant::{
    Grant, Grantee, GranteeKind, GranteePattern, IamCommand, ModelName, Object, Privilege,
};
pub use name::{MAX_NAME_BYTES, Name, NameError, NameKind, ReadError, read_qualified};
