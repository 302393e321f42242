//! Shared strings for what many events of a file repeat: entity ids, host
//! names and summaries.
//!
//! A day of registration alarms names the same few thousand devices, the same
//! nodes and the same alarm names over and over. As a `String` per event
//! that was three or four heap blocks per alarm (about 150 bytes with the
//! allocator's size classes); as a [`SharedStr`] handed out by a per-file
//! [`Interner`], each distinct id is one block and an event holds a pointer.
//!
//! A `SharedStr` reads, compares, orders, hashes and serializes exactly as the
//! `str` it holds, so code that read a `String` reads it the same way
//! (`&*id`, `id.as_str()`, `id == "x"`).

use crate::{Entities, Entity};
use serde::{Serialize, Serializer};
use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string, cheap to clone (a reference count), that behaves as
/// the `str` it holds.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(Arc<str>);

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` and `other` are the same block (not only equal text).
    pub fn ptr_eq(&self, other: &SharedStr) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Where the text is in memory (to hash by).
    pub(crate) fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr(Arc::from(""))
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(Arc::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> SharedStr {
        SharedStr(Arc::from(s.as_str()))
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> SharedStr {
        SharedStr(s)
    }
}

impl From<&SharedStr> for SharedStr {
    fn from(s: &SharedStr) -> SharedStr {
        s.clone()
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> String {
        s.0.to_string()
    }
}

impl From<SharedStr> for Arc<str> {
    fn from(s: SharedStr) -> Arc<str> {
        s.0
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Hands out one [`SharedStr`] per distinct text, for the events of one file.
///
/// Bounded: past [`Interner::MAX`] distinct texts it starts over (texts
/// already handed out stay valid; only later repeats of them are not shared),
/// so a file of ids that never repeat costs no more than without it.
#[derive(Default)]
pub struct Interner {
    /// Hash of the text to the text; a hash shared by two different texts
    /// only costs a missed share (the later one replaces the earlier).
    seen: HashMap<u64, SharedStr, crate::fields::BuildPieceHasher>,
    /// Entity lists by a hash of their kinds and (shared) ids.
    lists: HashMap<u64, Arc<[Entity]>, crate::fields::BuildPieceHasher>,
}

impl Interner {
    /// Distinct texts remembered at most.
    pub const MAX: usize = 1 << 18;

    /// A new, empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// Replace `s` with the interner's copy of the same text, or remember it.
    pub fn share(&mut self, s: &mut SharedStr) {
        let h = crate::fields::piece_hash(s.as_bytes());
        self.make_room();
        match self.seen.entry(h) {
            Entry::Occupied(mut e) => {
                let known = e.get();
                if known.as_str() == s.as_str() {
                    if !known.ptr_eq(s) {
                        *s = known.clone();
                    }
                } else {
                    e.insert(s.clone());
                }
            }
            Entry::Vacant(e) => {
                e.insert(s.clone());
            }
        }
    }

    /// The interner's copy of `text`, made and remembered when it has none.
    pub fn intern(&mut self, text: &str) -> SharedStr {
        let h = crate::fields::piece_hash(text.as_bytes());
        self.make_room();
        match self.seen.entry(h) {
            Entry::Occupied(mut e) => {
                if e.get().as_str() == text {
                    return e.get().clone();
                }
                let s = SharedStr::from(text);
                e.insert(s.clone());
                s
            }
            Entry::Vacant(e) => e.insert(SharedStr::from(text)).clone(),
        }
    }

    /// Replace `list` with the interner's copy of an equal list, or
    /// remember it. Share its ids first ([`Interner::share`]): lists are
    /// told apart by their ids' places in memory.
    pub fn share_list(&mut self, list: &mut Entities) {
        let Some(l) = list.shared() else {
            return;
        };
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let h = l.iter().fold(l.len() as u64, |h, e| {
            let w = e.id.addr() as u64 ^ ((e.kind as u64) << 56);
            (h.rotate_left(5) ^ w).wrapping_mul(K)
        });
        let h = h ^ (h >> 32);
        let same = |a: &[Entity], b: &[Entity]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.kind == y.kind && x.id.ptr_eq(&y.id))
        };
        if self.lists.len() >= Interner::MAX {
            self.lists.clear();
        }
        match self.lists.entry(h) {
            Entry::Occupied(mut e) => {
                if Arc::ptr_eq(e.get(), l) {
                } else if same(e.get(), l) {
                    *list = Entities::from_shared(e.get().clone());
                } else {
                    e.insert(l.clone());
                }
            }
            Entry::Vacant(e) => {
                e.insert(l.clone());
            }
        }
    }

    /// Start over when full.
    fn make_room(&mut self) {
        if self.seen.len() >= Interner::MAX {
            self.seen.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compares_and_serializes_as_its_text() {
        let s = SharedStr::from("SEP001122334455");
        assert_eq!(s, "SEP001122334455");
        assert_eq!("SEP001122334455", s);
        assert_eq!(s, String::from("SEP001122334455"));
        assert_eq!(s.as_str(), "SEP001122334455");
        assert!(s.starts_with("SEP"));
        assert_eq!(format!("{s} {s:?}"), "SEP001122334455 \"SEP001122334455\"");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"SEP001122334455\"");
        let (a, b) = (SharedStr::from("a"), SharedStr::from("b"));
        assert!(a < b);
        let mut set = std::collections::HashSet::new();
        set.insert(s.clone());
        assert!(set.contains("SEP001122334455"));
    }

    #[test]
    fn interner_shares_equal_texts_only() {
        let mut i = Interner::new();
        let mut a = SharedStr::from("node1");
        let mut b = SharedStr::from(String::from("node1"));
        let mut c = SharedStr::from("node2");
        i.share(&mut a);
        i.share(&mut b);
        i.share(&mut c);
        assert!(a.ptr_eq(&b));
        assert_eq!(b, "node1");
        assert_eq!(c, "node2");
        assert!(!a.ptr_eq(&c));
        assert!(i.intern("node2").ptr_eq(&c));
    }

    #[test]
    fn interner_shares_equal_entity_lists_only() {
        use crate::EntityKind;
        let mut i = Interner::new();
        let list = |i: &mut Interner, kind, id: &str| -> Entities {
            let mut e = Entity {
                kind,
                id: id.into(),
            };
            i.share(&mut e.id);
            let mut l = Entities::from(vec![e]);
            i.share_list(&mut l);
            l
        };
        let a = list(&mut i, EntityKind::Device, "SEP1");
        let b = list(&mut i, EntityKind::Device, "SEP1");
        let c = list(&mut i, EntityKind::Address, "SEP1");
        let d = list(&mut i, EntityKind::Device, "SEP2");
        assert!(Arc::ptr_eq(a.shared().unwrap(), b.shared().unwrap()));
        assert!(!Arc::ptr_eq(a.shared().unwrap(), c.shared().unwrap()));
        assert_eq!((a == b, a == c, a == d), (true, false, false));
        assert_eq!(c[0].kind, EntityKind::Address);
        assert_eq!(d[0].id, "SEP2");
    }

    #[test]
    fn interner_starts_over_when_full_and_keeps_texts() {
        let mut i = Interner::new();
        let first = i.intern("id0");
        for n in 1..=Interner::MAX {
            i.intern(&format!("id{n}"));
        }
        // Forgotten, but still the same text.
        let again = i.intern("id0");
        assert_eq!(again, first);
        assert!(i.seen.len() <= Interner::MAX);
    }
}
