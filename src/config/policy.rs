//! `[policy]`: the mode, and the `manage` and `protect` patterns that widen and narrow the fence.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::reader::{POLICY_KEYS, Reader, entries};
use super::{Diagnostic, Mode, Policy};
use crate::model::{GranteePattern, NameKind};
use crate::text::sanitize;

impl Reader {
    pub(super) fn policy(&mut self, table: &DeTable<'_>) -> Policy {
        let mut policy = Policy::default();
        for (k, v) in entries(table) {
            match k.get_ref().as_ref() {
                "mode" => match v.get_ref() {
                    DeValue::String(s) if s == "sync" => policy.mode = Mode::Sync,
                    DeValue::String(s) if s == "grant-only" => policy.mode = Mode::GrantOnly,
                    other => {
                        let found = match other {
                            DeValue::String(s) => format!("`{}`", sanitize(s)),
                            other => other.type_str().to_owned(),
                        };
                        self.push(
                            Diagnostic::new(
                                v.span(),
                                format!("`mode` must be \"sync\" or \"grant-only\", found {found}"),
                                "unknown mode",
                            )
                            .hint("\"sync\" revokes what the model does not require, inside the fence; \"grant-only\" never revokes"),
                        );
                    }
                },
                "manage" => policy.manage = self.patterns(v, "manage"),
                "revoke_public_assumerole" => {
                    if self.boolean(v, "revoke_public_assumerole") == Some(true) {
                        policy.revoke_public_assumerole = Some(self.loc(&v.span()));
                    }
                }
                "protect" => policy.protect = self.patterns(v, "protect"),
                "audit_owner" => {
                    if let Some(raw) = self.string(v, "audit_owner") {
                        let raw = raw.strip_prefix("user:").unwrap_or(&raw).to_owned();
                        policy.audit_owner = self.name(NameKind::User, &raw, v.span());
                    }
                }
                other => self.unknown_key(other, k.span(), POLICY_KEYS, "in [policy]"),
            }
        }
        policy
    }

    fn patterns(&mut self, v: &Spanned<DeValue<'_>>, what: &str) -> Vec<GranteePattern> {
        let mut out = Vec::new();
        for (raw, span) in self.strings(v, what) {
            match GranteePattern::parse(&raw) {
                Ok(mut p) => {
                    p.at = self.loc(&span);
                    out.push(p);
                }
                Err(e) => self
                    .push(Diagnostic::new(span, e.message, "invalid pattern").maybe_hint(e.hint)),
            }
        }
        out
    }
}
