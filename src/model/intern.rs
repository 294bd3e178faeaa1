//! The one table of names: every distinct name text a run reads gets a small integer id once, so
//! that a grant is a few integers (24 bytes) that copy, hash and compare as integers, and the
//! million grants of a large plan fit in a fraction of the memory their texts would take.
//!
//! Ids are handed out in order of first appearance. Text from id is a lock-free read: the texts
//! live in segments that double in size (64, 128, 256, ... slots), each allocated once and never
//! moved, so a slot's address is fixed from the moment its segment exists. Text to id takes the
//! table's lock (parse and catalog reading intern; nothing in the diff does). The table only
//! grows, by the distinct names of the files and catalogs a run reads, which are bounded by those
//! inputs' size limits; its texts live as long as the process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// log2 of the first segment's size.
const FIRST_BITS: u32 = 6;
/// Enough segments for every u32 id: 64 x (2^27 - 1) slots exceed u32::MAX.
const SEGMENTS: usize = 27;

type Segment = Box<[OnceLock<&'static str>]>;

static TEXTS: [OnceLock<Segment>; SEGMENTS] = [const { OnceLock::new() }; SEGMENTS];

type Ids = HashMap<&'static str, u32, foldhash::fast::RandomState>;

static IDS: OnceLock<Mutex<Ids>> = OnceLock::new();

/// The segment and the slot in it of `id`.
fn place(id: u32) -> (usize, usize) {
    let biased = u64::from(id) + (1 << FIRST_BITS);
    let top = 63 - biased.leading_zeros();
    let segment = (top - FIRST_BITS) as usize;
    (segment, (biased - (1 << top)) as usize)
}

/// The id of `raw`, given it when it is new.
pub(super) fn id(raw: &str) -> u32 {
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(&id) = ids.get(raw) {
        return id;
    }
    // More than 4 billion distinct names cannot be read within the input limits.
    let id = u32::try_from(ids.len()).expect("fewer than 2^32 distinct names");
    let text: &'static str = Box::leak(Box::<str>::from(raw));
    let (segment, slot) = place(id);
    let texts = TEXTS[segment].get_or_init(|| {
        (0..1usize << (segment as u32 + FIRST_BITS))
            .map(|_| OnceLock::new())
            .collect()
    });
    // The slot is new: ids are handed out once, under the lock.
    let _ = texts[slot].set(text);
    ids.insert(text, id);
    id
}

/// The text of an id [`id`] gave.
pub(super) fn text(id: u32) -> &'static str {
    let (segment, slot) = place(id);
    TEXTS[segment]
        .get()
        .and_then(|texts| texts[slot].get())
        .copied()
        // Ids come from `id` alone, which fills the slot before it returns.
        .expect("an interned name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_cover_every_id_once() {
        assert_eq!(place(0), (0, 0));
        assert_eq!(place(63), (0, 63));
        assert_eq!(place(64), (1, 0));
        assert_eq!(place(191), (1, 127));
        assert_eq!(place(192), (2, 0));
        let (segment, slot) = place(u32::MAX);
        assert!(segment < SEGMENTS);
        assert!(slot < 1 << (segment as u32 + FIRST_BITS));
    }

    #[test]
    fn the_same_text_is_the_same_id() {
        let a = id("intern_test_a");
        let b = id("intern_test_b");
        assert_ne!(a, b);
        assert_eq!(id("intern_test_a"), a);
        assert_eq!(text(a), "intern_test_a");
        assert_eq!(text(b), "intern_test_b");
        // Past the first segments.
        let many: Vec<u32> = (0..1000).map(|i| id(&format!("intern_test_{i}"))).collect();
        for (i, &n) in many.iter().enumerate() {
            assert_eq!(text(n), format!("intern_test_{i}"));
        }
    }
}
