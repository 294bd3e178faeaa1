//! [`GrantSet`]: grants with the places that require them, as one vector sorted by each grant's
//! integer key (its names' ids, its kinds' codes), so that a million grants are 48 MB read in
//! order, two sets are compared by one ordered merge ([`GrantSet::merge`]), and nothing of a
//! large plan is a random access into a large table.
//!
//! A set is made whole ([`GrantSet::from_unsorted`], `collect`): one sort that runs in linear
//! time over input already in key order (compile makes its grants nearly so), and duplicates
//! merged. [`GrantSet::insert`] is for small sets and for grants that come in key order (the
//! diff's output): at the end it is a push; elsewhere it moves the tail.

use std::cmp::Ordering;

use super::{Grant, Grantee, Object, Origins, Privilege};

/// Grants with their origins (none for grants read from a cluster), sorted by key, each once.
/// The order is the names' interning order, fixed within a process: nothing shown to a reader
/// depends on it (the plan fixes the order of statements).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantSet {
    entries: Vec<(Grant, Origins)>,
}

/// A grant as one integer: object kind and names, grantee kind and name, privilege. Equal
/// grants have equal keys and different grants different ones; the privileges one grantee holds
/// on one object are neighbours (one statement's worth, `plan::by_target`).
fn key(g: &Grant) -> u128 {
    let (kind, a, b) = match &g.object {
        Object::Database => (0u128, 0, 0),
        Object::IamRole(arn) => (1, arn.id(), 0),
        Object::Schema(s) => (2, s.id(), 0),
        Object::Model(m) => (3, m.schema.id(), m.model.id()),
    };
    let privilege: u128 = match g.privilege {
        Privilege::CreateModel => 0,
        Privilege::AssumeRole(c) => 1 + c as u128,
        Privilege::Create => 8,
        Privilege::Usage => 9,
        Privilege::Execute => 10,
    };
    kind << 104
        | u128::from(a) << 72
        | u128::from(b) << 40
        | u128::from(grantee_key(&g.grantee)) << 4
        | privilege
}

/// The grantee's part of a grant's key (34 bits): the order of grants to one object.
pub(crate) fn grantee_key(grantee: &Grantee) -> u64 {
    let (kind, name) = match grantee {
        Grantee::Public => (0u64, 0),
        Grantee::Group(n) => (1, n.id()),
        Grantee::Role(n) => (2, n.id()),
        Grantee::User(n) => (3, n.id()),
    };
    kind << 32 | u64::from(name)
}

/// Which of two sets holds a grant, as [`GrantSet::merge`] meets it.
pub enum Side<'a> {
    Left(&'a Grant, &'a Origins),
    Right(&'a Grant, &'a Origins),
    Both((&'a Grant, &'a Origins), (&'a Grant, &'a Origins)),
}

impl GrantSet {
    /// The set of `entries` in any order; the origins of a grant given more than once are
    /// merged (sorted, each once).
    pub fn from_unsorted(mut entries: Vec<(Grant, Origins)>) -> GrantSet {
        // Stable and adaptive: linear over runs already in order.
        entries.sort_by_key(|(g, _)| key(g));
        entries.dedup_by(|(later, more), (first, origins)| {
            if later != first {
                return false;
            }
            for o in more.drain(..) {
                if let Err(at) = origins.binary_search(&o) {
                    origins.insert(at, o);
                }
            }
            true
        });
        GrantSet { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, g: &Grant) -> Result<usize, usize> {
        let k = key(g);
        // The common cases of ordered building: past the end, or the last one.
        match self.entries.last() {
            None => return Err(0),
            Some((last, _)) => match key(last).cmp(&k) {
                Ordering::Less => return Err(self.entries.len()),
                Ordering::Equal => return Ok(self.entries.len() - 1),
                Ordering::Greater => {}
            },
        }
        self.entries.binary_search_by_key(&k, |(e, _)| key(e))
    }

    pub fn get(&self, g: &Grant) -> Option<&Origins> {
        self.find(g).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, g: &Grant) -> bool {
        self.find(g).is_ok()
    }

    /// Adds `g` with `origins`, replacing (and returning) the origins it had. A push when `g`
    /// comes after every grant of the set; otherwise it moves the grants after it, so many
    /// grants in no order are made a set with `collect` or [`GrantSet::from_unsorted`].
    pub fn insert(&mut self, g: Grant, origins: Origins) -> Option<Origins> {
        match self.find(&g) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, origins)),
            Err(i) => {
                self.entries.insert(i, (g, origins));
                None
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Grant, &Origins)> {
        self.entries.iter().map(|(g, o)| (g, o))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Grant> {
        self.entries.iter().map(|(g, _)| g)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Origins> {
        self.entries.iter_mut().map(|(_, o)| o)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Grant, &mut Origins) -> bool) {
        self.entries.retain_mut(|(g, o)| keep(g, o));
    }

    /// Both sets in key order, each grant once, with which set holds it: one pass over each.
    pub fn merge<'a>(&'a self, right: &'a GrantSet) -> impl Iterator<Item = Side<'a>> {
        let (mut l, mut r) = (
            self.entries.iter().peekable(),
            right.entries.iter().peekable(),
        );
        std::iter::from_fn(move || {
            let order = match (l.peek(), r.peek()) {
                (None, None) => return None,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((a, _)), Some((b, _))) => key(a).cmp(&key(b)),
            };
            Some(match order {
                Ordering::Less => l.next().map(|(g, o)| Side::Left(g, o))?,
                Ordering::Greater => r.next().map(|(g, o)| Side::Right(g, o))?,
                Ordering::Equal => {
                    let ((a, x), (b, y)) = (l.next()?, r.next()?);
                    Side::Both((a, x), (b, y))
                }
            })
        })
    }
}

impl FromIterator<(Grant, Origins)> for GrantSet {
    fn from_iter<I: IntoIterator<Item = (Grant, Origins)>>(iter: I) -> Self {
        GrantSet::from_unsorted(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a GrantSet {
    type Item = (&'a Grant, &'a Origins);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Grant, Origins)>,
        fn(&'a (Grant, Origins)) -> (&'a Grant, &'a Origins),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(g, o)| (g, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IamCommand, ModelName, Name};

    fn n(s: &str) -> Name {
        Name::from_catalog(s)
    }

    fn every_kind() -> Vec<Grant> {
        let grantees = [
            Grantee::Public,
            Grantee::Group(n("gs_g")),
            Grantee::Role(n("gs_g")),
            Grantee::User(n("gs_g")),
            Grantee::User(n("gs_u")),
        ];
        let mut all = Vec::new();
        for g in grantees {
            all.push(Grant::create_model(g.clone()));
            all.push(Grant::schema_create(n("gs_s"), g.clone()));
            all.push(Grant::schema_usage(n("gs_s"), g.clone()));
            all.push(Grant::schema_usage(n("gs_g"), g.clone()));
            for c in [IamCommand::All, IamCommand::CreateModel, IamCommand::Copy] {
                all.push(Grant::assume_role("gs_arn", c, g.clone()));
            }
            for (s, m) in [("gs_s", "gs_m"), ("gs_m", "gs_s"), ("gs_s", "gs_s")] {
                let model = ModelName {
                    schema: n(s),
                    model: n(m),
                };
                all.push(Grant::execute(model, g.clone()));
            }
        }
        all
    }

    #[test]
    fn different_grants_have_different_keys() {
        let all = every_kind();
        let keys: std::collections::BTreeSet<u128> = all.iter().map(key).collect();
        assert_eq!(keys.len(), all.len());
    }

    #[test]
    fn a_set_holds_each_grant_once_with_its_origins_merged() {
        let all = every_kind();
        let mut twice: Vec<(Grant, Origins)> = all
            .iter()
            .rev()
            .map(|g| (g.clone(), Origins::new()))
            .collect();
        twice.extend(all.iter().map(|g| (g.clone(), Origins::new())));
        let set = GrantSet::from_unsorted(twice);
        assert_eq!(set.len(), all.len());
        for g in &all {
            assert!(set.contains_key(g), "{g:?}");
        }
        let keys: Vec<u128> = set.keys().map(key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn merge_tells_which_side_holds_each_grant() {
        let all = every_kind();
        let left: GrantSet = all
            .iter()
            .step_by(2)
            .map(|g| (g.clone(), Origins::new()))
            .collect();
        let right: GrantSet = all
            .iter()
            .step_by(3)
            .map(|g| (g.clone(), Origins::new()))
            .collect();
        let (mut l, mut r, mut b) = (0, 0, 0);
        for side in left.merge(&right) {
            match side {
                Side::Left(g, _) => {
                    l += 1;
                    assert!(left.contains_key(g) && !right.contains_key(g));
                }
                Side::Right(g, _) => {
                    r += 1;
                    assert!(!left.contains_key(g) && right.contains_key(g));
                }
                Side::Both((g, _), (h, _)) => {
                    b += 1;
                    assert_eq!(g, h);
                    assert!(left.contains_key(g) && right.contains_key(g));
                }
            }
        }
        assert_eq!(l + b, left.len());
        assert_eq!(r + b, right.len());
        assert_eq!(b, all.len().div_ceil(6));
    }

    #[test]
    fn insert_out_of_order_keeps_the_set_sorted() {
        let mut set = GrantSet::default();
        for g in every_kind().into_iter().rev() {
            assert!(set.insert(g, Origins::new()).is_none());
        }
        let keys: Vec<u128> = set.keys().map(key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let first = every_kind().remove(0);
        assert!(set.insert(first, Origins::new()).is_some());
    }
}
