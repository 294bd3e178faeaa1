//! Grantees, privileges, objects and the Grant that joins them.

use std::fmt;

use serde::Serialize;

use super::name::{Name, NameError, TextKey};

/// Who holds a privilege.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    Group(Name),
    Role(Name),
    User(Name),
    Public,
}

impl Grantee {
    /// What grantees sort by, as texts (the derived `Ord`: the kind in declaration order, then
    /// the name), for a sort that caches it.
    pub fn sort_key(&self) -> (u8, TextKey) {
        match self {
            Grantee::Group(n) => (0, n.sort_key()),
            Grantee::Role(n) => (1, n.sort_key()),
            Grantee::User(n) => (2, n.sort_key()),
            Grantee::Public => (3, TextKey::of("")),
        }
    }
}

/// The kind of a grantee, without its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GranteeKind {
    Group,
    Role,
    User,
    Public,
}

impl GranteeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GranteeKind::Group => "group",
            GranteeKind::Role => "role",
            GranteeKind::User => "user",
            GranteeKind::Public => "public",
        }
    }
}

impl Grantee {
    pub fn kind(&self) -> GranteeKind {
        match self {
            Grantee::Group(_) => GranteeKind::Group,
            Grantee::Role(_) => GranteeKind::Role,
            Grantee::User(_) => GranteeKind::User,
            Grantee::Public => GranteeKind::Public,
        }
    }

    pub fn name(&self) -> Option<&Name> {
        match self {
            Grantee::Group(n) | Grantee::Role(n) | Grantee::User(n) => Some(n),
            Grantee::Public => None,
        }
    }

    /// The identity-provider namespace of a role or user that Redshift made for a directory
    /// (`aad` of `aad:ml_team`; DG r_CREATE_IDENTITY_PROVIDER, MG
    /// redshift-iam-access-control-native-idp-autocreate), if it is one.
    pub fn idp_namespace(&self) -> Option<&str> {
        match self {
            Grantee::Role(n) | Grantee::User(n) => super::idp_namespace(n.as_str()),
            _ => None,
        }
    }
}

/// The grantee as a reference in the access model: `group_name`, `user:alice`, `role:r`, `public`.
impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantee::Group(n) => write!(f, "{n}"),
            Grantee::Role(n) => write!(f, "role:{n}"),
            Grantee::User(n) => write!(f, "user:{n}"),
            Grantee::Public => f.write_str("public"),
        }
    }
}

/// The command an ASSUMEROLE grant is for (`FOR ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IamCommand {
    All,
    Copy,
    Unload,
    ExternalFunction,
    CreateModel,
}

impl IamCommand {
    pub fn sql(self) -> &'static str {
        match self {
            IamCommand::All => "ALL",
            IamCommand::Copy => "COPY",
            IamCommand::Unload => "UNLOAD",
            IamCommand::ExternalFunction => "EXTERNAL FUNCTION",
            IamCommand::CreateModel => "CREATE MODEL",
        }
    }

    /// Reads `command_type` as svv_iam_privileges spells it (DG r_SVV_IAM_PRIVILEGES: COPY,
    /// UNLOAD, CREATE MODEL, EXFUNC), or as GRANT spells it. Anything else is not recognised.
    pub fn parse(s: &str) -> Option<IamCommand> {
        Some(match s {
            "ALL" => IamCommand::All,
            "COPY" => IamCommand::Copy,
            "UNLOAD" => IamCommand::Unload,
            "EXFUNC" | "EXTERNAL FUNCTION" => IamCommand::ExternalFunction,
            "CREATE MODEL" => IamCommand::CreateModel,
            _ => return None,
        })
    }
}

/// A managed privilege kind, in the order statements are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privilege {
    /// CREATE MODEL, granted per database.
    CreateModel,
    /// ASSUMEROLE on an IAM role, for a command.
    AssumeRole(IamCommand),
    /// CREATE on a schema.
    Create,
    /// USAGE on a schema.
    Usage,
    /// EXECUTE on a model.
    Execute,
}

impl Privilege {
    /// The privilege as SQL spells it (for ASSUMEROLE, the command of its FOR clause).
    pub fn sql(self) -> &'static str {
        match self {
            Privilege::CreateModel => "CREATE MODEL",
            Privilege::AssumeRole(c) => c.sql(),
            Privilege::Create => "CREATE",
            Privilege::Usage => "USAGE",
            Privilege::Execute => "EXECUTE",
        }
    }
}

/// A model, named with its schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelName {
    pub schema: Name,
    pub model: Name,
}

impl ModelName {
    /// The model as a key of the access model and in SQL: `schema.model`, each part quoted
    /// as needed by the one quoting function.
    pub fn key(&self) -> String {
        format!(
            "{}.{}",
            super::quote_ident(self.schema.as_str()),
            super::quote_ident(self.model.as_str())
        )
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.model)
    }
}

/// What a privilege is held on. Objects sort by schema, a schema before its models, so that a
/// script reads schema by schema; the database and IAM roles come first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Object {
    Database,
    /// An IAM role for ASSUMEROLE: its ARN, or `ALL` / `default` (interned as names are: a
    /// grant stays a few integers).
    IamRole(Name),
    Schema(Name),
    Model(ModelName),
}

impl Object {
    /// What objects sort by: the kind, then the texts.
    fn order(&self) -> (u8, Option<&str>, Option<&str>) {
        match self {
            Object::Database => (0, None, None),
            Object::IamRole(arn) => (1, Some(arn.as_str()), None),
            Object::Schema(s) => (2, Some(s.as_str()), None),
            Object::Model(m) => (2, Some(m.schema.as_str()), Some(m.model.as_str())),
        }
    }

    /// The same order as a key a sort caches (`sort_by_cached_key`): each object's texts are
    /// looked up once, and two keys compare mostly as integers.
    pub fn sort_key(&self) -> (u8, Option<TextKey>, Option<TextKey>) {
        match self {
            Object::Database => (0, None, None),
            Object::IamRole(arn) => (1, Some(arn.sort_key()), None),
            Object::Schema(s) => (2, Some(s.sort_key()), None),
            Object::Model(m) => (2, Some(m.schema.sort_key()), Some(m.model.sort_key())),
        }
    }

    /// The schema the object lives in, if any.
    pub fn schema(&self) -> Option<&Name> {
        match self {
            Object::Database | Object::IamRole(_) => None,
            Object::Schema(s) => Some(s),
            Object::Model(m) => Some(&m.schema),
        }
    }
}

impl Ord for Object {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

impl PartialOrd for Object {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One privilege on one object held by one grantee. Build it with the constructors, which keep
/// privilege and object consistent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    pub object: Object,
    pub privilege: Privilege,
    pub grantee: Grantee,
}

impl Grant {
    /// The right in words, as SQL names it: `CREATE MODEL`, `USAGE ON SCHEMA s`,
    /// `EXECUTE ON MODEL s.m`, `ASSUMEROLE ON arn FOR CREATE MODEL`.
    pub fn right(&self) -> String {
        match (&self.object, self.privilege) {
            (Object::Database, _) => "CREATE MODEL".to_owned(),
            (Object::Schema(s), p) => {
                format!("{} ON SCHEMA {}", p.sql(), super::quote_ident(s.as_str()))
            }
            (Object::Model(m), p) => format!("{} ON MODEL {}", p.sql(), m.key()),
            (Object::IamRole(arn), p) => format!("ASSUMEROLE ON {arn} FOR {}", p.sql()),
        }
    }

    pub fn create_model(grantee: Grantee) -> Grant {
        Grant {
            object: Object::Database,
            privilege: Privilege::CreateModel,
            grantee,
        }
    }

    pub fn schema_create(schema: Name, grantee: Grantee) -> Grant {
        Grant {
            object: Object::Schema(schema),
            privilege: Privilege::Create,
            grantee,
        }
    }

    pub fn schema_usage(schema: Name, grantee: Grantee) -> Grant {
        Grant {
            object: Object::Schema(schema),
            privilege: Privilege::Usage,
            grantee,
        }
    }

    pub fn execute(model: ModelName, grantee: Grantee) -> Grant {
        Grant {
            object: Object::Model(model),
            privilege: Privilege::Execute,
            grantee,
        }
    }

    pub fn assume_role(arn: &str, command: IamCommand, grantee: Grantee) -> Grant {
        Grant {
            object: Object::IamRole(Name::from_catalog(arn)),
            privilege: Privilege::AssumeRole(command),
            grantee,
        }
    }
}

/// A pattern over grantees, as `[policy] manage` and `protect` write them: `group:ml_*`,
/// `user:svc_?`, `role:*`, `public`, or a bare group pattern. `*` matches any run of characters,
/// `?` one character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GranteePattern {
    pub kind: GranteeKind,
    pub glob: String,
    /// The pattern as written, for messages.
    pub text: String,
    /// Where the model file writes it (set by config; line 1, column 1 otherwise).
    pub at: super::Loc,
}

impl GranteePattern {
    /// Parses a pattern. A bare pattern means groups, as a bare grantee reference does.
    pub fn parse(text: &str) -> Result<GranteePattern, NameError> {
        let (kind, glob) = split_kind(text).map_err(|kind| NameError {
            message: format!("unknown grantee kind `{kind}:` in pattern `{text}`"),
            hint: Some("use group:, user:, role: or public".into()),
        })?;
        if kind == GranteeKind::Public {
            return Ok(GranteePattern {
                kind,
                glob: String::new(),
                text: text.to_owned(),
                at: super::Loc::default(),
            });
        }
        if glob.is_empty() {
            return Err(NameError {
                message: format!("pattern `{text}` has no name part"),
                hint: Some("write e.g. `group:ml_*`".into()),
            });
        }
        if let Some(c) = glob.chars().find(|c| c.is_control()) {
            return Err(NameError {
                message: format!("pattern contains the control character U+{:04X}", c as u32),
                hint: None,
            });
        }
        Ok(GranteePattern {
            kind,
            glob: glob.to_owned(),
            text: text.to_owned(),
            at: super::Loc::default(),
        })
    }

    /// Whether the pattern takes in `grantee`. An identity-provider identity (`aad:ml_team`) is
    /// matched only by a pattern that names its namespace (`role:aad:*`): `role:*` never takes
    /// in what a directory owns.
    pub fn matches(&self, grantee: &Grantee) -> bool {
        if grantee.kind() != self.kind {
            return false;
        }
        if let Some(ns) = grantee.idp_namespace()
            && self.glob.split_once(':').map(|(p, _)| p) != Some(ns)
        {
            return false;
        }
        match grantee.name() {
            None => true,
            Some(name) => glob_match(&self.glob, name.as_str()),
        }
    }
}

/// Splits `kind:rest` for the grantee kinds of the access model; a bare text is a group.
/// Returns the unknown kind when the prefix before the first `:` is not one.
pub(crate) fn split_kind(text: &str) -> Result<(GranteeKind, &str), &str> {
    if text == "public" {
        return Ok((GranteeKind::Public, ""));
    }
    match text.split_once(':') {
        Some(("user", rest)) => Ok((GranteeKind::User, rest)),
        Some(("role", rest)) => Ok((GranteeKind::Role, rest)),
        Some(("group", rest)) => Ok((GranteeKind::Group, rest)),
        Some((kind, _)) => Err(kind),
        None => Ok((GranteeKind::Group, text)),
    }
}

/// Glob match with `*` (any run, possibly empty) and `?` (one character), on characters.
/// Hand-written: the two wildcards of `[policy]` patterns are all mlgrant needs, and glob crates
/// bring path semantics (`/`, `**`, character classes) that names must not have.
fn glob_match(glob: &str, text: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == t[ti]) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NameKind;

    #[test]
    fn a_grant_is_a_few_integers() {
        // Names are 4-byte ids: a million grants of a large plan are 24 MB of keys.
        assert_eq!(std::mem::size_of::<Name>(), 4);
        assert_eq!(std::mem::size_of::<Grant>(), 24);
    }

    #[test]
    fn globs() {
        assert!(glob_match("ml_*", "ml_team"));
        assert!(glob_match("ml_*", "ml_"));
        assert!(!glob_match("ml_*", "xml_team"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*_grp", "a_b_grp"));
        assert!(!glob_match("*_grp", "a_b_grpx"));
    }

    #[test]
    fn patterns_match_their_kind_only() {
        let p = GranteePattern::parse("group:ml_*").unwrap();
        let g = Grantee::Group(Name::new(NameKind::Group, "ml_a").unwrap());
        let u = Grantee::User(Name::new(NameKind::User, "ml_a").unwrap());
        assert!(p.matches(&g));
        assert!(!p.matches(&u));
        assert!(
            GranteePattern::parse("public")
                .unwrap()
                .matches(&Grantee::Public)
        );
        assert!(GranteePattern::parse("team:x").is_err());
    }

    #[test]
    fn identity_provider_identities_match_only_patterns_that_name_their_namespace() {
        let idp = Grantee::Role(Name::new(NameKind::Role, "aad:ml_team").unwrap());
        let upper = Grantee::Role(Name::new(NameKind::Role, "AWSIDC:DataScience").unwrap());
        let user = Grantee::User(Name::new(NameKind::User, "aad:alice").unwrap());
        let iam = Grantee::User(Name::new(NameKind::User, "IAM:alice").unwrap());
        for (pattern, grantee, expected) in [
            ("role:*", &idp, false),
            ("role:*:*", &idp, false),
            ("role:aad:*", &idp, true),
            ("role:aad:ml_*", &idp, true),
            ("role:aad:*", &upper, false),
            ("role:AWSIDC:*", &upper, true),
            ("user:*", &user, false),
            ("user:aad:*", &user, true),
            // IAM: users are no directory's: patterns take them in as before.
            ("user:*", &iam, true),
        ] {
            assert_eq!(
                GranteePattern::parse(pattern).unwrap().matches(grantee),
                expected,
                "{pattern} {grantee}"
            );
        }
    }
}
