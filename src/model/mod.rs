//! The vocabulary every stage shares: validated names, the [`Grant`] (the one fact that flows
//! from the access model and from the cluster into diff, render and apply), where a fact comes
//! from ([`Origin`]), the one [`State`] type both producers fill, the one quoting function, and
//! the record of an applied run.
//!
//! The bottom of the module chain: nothing here does I/O, and nothing here imports another
//! mlgrant module but [`crate::text`].

mod grant;
mod grant_set;
mod intern;
mod model_state;
mod name;
mod origin;
mod quote;
mod run;
mod state;
mod time;

pub(crate) use grant::split_kind;
pub use grant::{
    Grant, Grantee, GranteeKind, GranteePattern, IamCommand, ModelName, Object, Privilege,
};
pub(crate) use grant_set::grantee_key;
pub use grant_set::{GrantSet, Side};
pub use model_state::{ModelStage, READY};
pub use name::{
    MAX_NAME_BYTES, Name, NameError, NameKind, ReadError, TextKey, idp_namespace, read_qualified,
};
pub use origin::{FastMap, FastSet, Loc, Origin, Origins, Rule, Until};
pub(crate) use quote::write_quoted;
pub use quote::{Ident, is_reserved, quote_ident, quote_literal, quoted_len};
pub use run::LogEntry;
pub use state::{Exemptions, GroupState, Inventory, LedgerEntry, State};
pub use time::Instant;
