//! An event's decoded fields: a small map from name to value, kept sorted by
//! name, with every name and value in one string buffer.
//!
//! A syslog alarm carries about twenty fields. As a `BTreeMap<String, String>`
//! that was some forty heap blocks and tree nodes per event; here it is two
//! blocks (the text and a slot list), which keeps event-dense inputs (syslog,
//! PerfMon) small in memory and fast to build. Names and values are compared
//! and sorted as a `BTreeMap<String, String>` would, so iteration order and
//! serialized output are the same. Common names (see `names.rs`: the tags of
//! registration alarms, the names parsers set most) are not copied into the
//! text at all: the slot keeps their index in a static table.

//!
//! Events of one file that are complete can also share their text
//! ([`Fields::share_text`]): one block for a batch of events, each distinct
//! name-and-value stored once. A day of registration alarms repeats the same
//! cluster, node, device type, protocol, load and reason values in every
//! alarm, so the batch's block is a fraction of the texts it replaces.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, Index};
use std::sync::Arc;

/// Decoded fields of an event (tag values, causes, counters), sorted by name.
#[derive(Clone, Default)]
pub struct Fields {
    /// Names and values; replaced values leave their old bytes.
    text: Buf,
    /// One per field, sorted by name.
    slots: Vec<Slot>,
}

/// Where the names and values are: the event's own, or a block shared by a
/// batch of events ([`Fields::share_text`]), which is never written to.
#[derive(Clone)]
enum Buf {
    Own(String),
    Shared(Arc<str>),
}

impl Default for Buf {
    fn default() -> Buf {
        Buf::Own(String::new())
    }
}

impl Buf {
    fn as_str(&self) -> &str {
        match self {
            Buf::Own(s) => s,
            Buf::Shared(s) => s,
        }
    }
}

/// Where one field's name and value sit in [`Fields::text`].
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Start of the name; the value follows it. For a common name (see
    /// `name`), start of the value.
    at: u32,
    /// Length of the name; or, with [`COMMON`] set, the index of a common
    /// name in [`crate::names::NAMES`], which is then not in the text.
    name: u32,
    /// Length of the value.
    value: u32,
}

/// The bit of [`Slot::name`] that marks a common name.
const COMMON: u32 = 1 << 31;

impl Slot {
    /// Where the value starts in the text.
    fn value_start(self) -> u32 {
        if self.name & COMMON != 0 {
            self.at
        } else {
            self.at + self.name
        }
    }

    /// Bytes of the text from `at`: the name (unless common), then the value.
    fn piece_len(self) -> u32 {
        self.value_start() - self.at + self.value
    }
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name, crate::names::common(name))
            .ok()
            .map(|i| self.value_at(i))
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name, crate::names::common(name)).is_ok()
    }

    /// Set `name` to `value`, replacing any earlier value.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) {
        let name = name.as_ref();
        let common = crate::names::common(name);
        let found = self.find(name, common);
        let Some(slot) = self.append(name, common, value.as_ref()) else {
            return;
        };
        match found {
            Ok(i) => self.slots[i] = slot,
            Err(i) => self.slots.insert(i, slot),
        }
    }

    /// Set `name` to `value` unless it is set already.
    pub fn insert_if_absent(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) {
        let name = name.as_ref();
        let common = crate::names::common(name);
        // One search, not two: a syslog alarm's tags all come through here.
        if let Err(i) = self.find(name, common) {
            if let Some(slot) = self.append(name, common, value.as_ref()) {
                self.slots.insert(i, slot);
            }
        }
    }

    /// Remove `name`, returning whether it was set.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.find(name, crate::names::common(name)) {
            Ok(i) => {
                self.slots.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// `(name, value)` pairs in name order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            fields: self,
            next: 0,
        }
    }

    /// Names in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(name, _)| name)
    }

    /// Values in name order.
    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(_, value)| value)
    }

    /// Make room for `fields` more fields and `text` more bytes of names and
    /// values (a parser that knows how much it will set saves the regrowth).
    pub fn reserve(&mut self, fields: usize, text: usize) {
        self.slots.reserve(fields);
        self.own_text().reserve(text);
    }

    /// Give back spare capacity (call once the event is complete).
    pub fn shrink_to_fit(&mut self) {
        if let Buf::Own(text) = &mut self.text {
            text.shrink_to_fit();
        }
        self.slots.shrink_to_fit();
    }

    /// Bytes of heap this holds (for memory estimates; a shared text counts
    /// nothing, its block being shared by a whole batch).
    pub fn heap_bytes(&self) -> usize {
        let text = match &self.text {
            Buf::Own(s) => s.capacity(),
            Buf::Shared(_) => 0,
        };
        text + self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// Make a batch of complete events' fields share one text block, each
    /// distinct name-and-value in it once. Nothing they say changes; a field
    /// set later copies the event's fields back into a text of its own.
    pub fn share_text<'a>(batch: impl IntoIterator<Item = &'a mut Fields>) {
        let mut batch: Vec<&mut Fields> = batch
            .into_iter()
            .filter(|f| matches!(f.text, Buf::Own(_)) && !f.slots.is_empty())
            .collect();
        let mut block = String::new();
        // Piece hash to its place in the block; a hash shared by two
        // different pieces only costs a repeat, never a wrong value.
        // Sized for the batch up front: growing it was a tenth of a run's time.
        let pieces: usize = batch.iter().map(|f| f.slots.len()).sum();
        let mut seen: HashMap<u64, u32, BuildPieceHasher> =
            HashMap::with_capacity_and_hasher(pieces / 2, BuildPieceHasher);
        let mut places = Vec::new();
        // Per common name, where its last value went: most values repeat
        // the previous event's (cluster, node, protocol, device type), and
        // one comparison is cheaper than hashing.
        let mut last = [u32::MAX; crate::names::NAMES.len()];
        for f in &batch {
            let text = f.text.as_str();
            for s in &f.slots {
                let (at, len) = (s.at as usize, s.piece_len() as usize);
                let piece = &text[at..at + len];
                let same = |o: u32| block.get(o as usize..o as usize + len) == Some(piece);
                let common = (s.name & COMMON != 0).then_some((s.name & !COMMON) as usize);
                if let Some(o) = common.map(|i| last[i]).filter(|&o| same(o)) {
                    places.push(o);
                    continue;
                }
                let o = block.len();
                // Offsets and lengths stay below `COMMON`.
                if o + len >= COMMON as usize {
                    return;
                }
                let place = match seen.entry(piece_hash(piece.as_bytes())) {
                    Entry::Occupied(e) if same(*e.get()) => *e.get(),
                    Entry::Occupied(mut e) => {
                        block.push_str(piece);
                        e.insert(o as u32);
                        o as u32
                    }
                    Entry::Vacant(e) => {
                        block.push_str(piece);
                        e.insert(o as u32);
                        o as u32
                    }
                };
                if let Some(i) = common {
                    last[i] = place;
                }
                places.push(place);
            }
        }
        let block: Arc<str> = Arc::from(block);
        let mut places = places.into_iter();
        for f in &mut batch {
            for s in &mut f.slots {
                // One place per slot was pushed above, in this order.
                s.at = places.next().unwrap_or(s.at);
            }
            f.text = Buf::Shared(block.clone());
        }
    }

    /// The text as the event's own, ready to append to (a shared text is
    /// copied out first, only the pieces the slots use).
    fn own_text(&mut self) -> &mut String {
        if let Buf::Shared(shared) = &self.text {
            let mut own = String::new();
            for s in &mut self.slots {
                let (at, len) = (s.at as usize, s.piece_len() as usize);
                let o = own.len() as u32;
                own.push_str(&shared[at..at + len]);
                s.at = o;
            }
            self.text = Buf::Own(own);
        }
        match &mut self.text {
            Buf::Own(s) => s,
            Buf::Shared(_) => unreachable!("made the event's own just above"),
        }
    }

    /// Where `name` is, or would go. `common` is its index in the table of
    /// common names, if it has one ([`crate::names::common`]): two common
    /// names compare by index, which orders them as their bytes would (the
    /// table is sorted), without reading them.
    fn find(&self, name: &str, common: Option<u32>) -> Result<usize, usize> {
        match common {
            Some(c) => self.slots.binary_search_by(|s| {
                if s.name & COMMON != 0 {
                    (s.name & !COMMON).cmp(&c)
                } else {
                    self.name_of(*s).cmp(name)
                }
            }),
            None => self.slots.binary_search_by(|s| self.name_of(*s).cmp(name)),
        }
    }

    /// Copy a name (unless it is a common one: `common` is its index) and
    /// value to the end of the text; `None` (and nothing stored) past 2 GiB,
    /// which no record's fields come near.
    fn append(&mut self, name: &str, common: Option<u32>, value: &str) -> Option<Slot> {
        let name_len = if common.is_some() { 0 } else { name.len() };
        let text = self.own_text();
        // Every offset and length below is at most the new end, below `COMMON`.
        let end = u32::try_from(text.len() + name_len + value.len()).ok()?;
        if end >= COMMON {
            return None;
        }
        let slot = Slot {
            at: text.len() as u32,
            name: common.map_or(name_len as u32, |i| i | COMMON),
            value: value.len() as u32,
        };
        if common.is_none() {
            text.push_str(name);
        }
        text.push_str(value);
        Some(slot)
    }

    fn name_of(&self, s: Slot) -> &str {
        if s.name & COMMON != 0 {
            crate::names::NAMES[(s.name & !COMMON) as usize]
        } else {
            self.slice(s.at, s.name)
        }
    }

    fn slice(&self, at: u32, len: u32) -> &str {
        let at = at as usize;
        &self.text.as_str()[at..at + len as usize]
    }

    fn name_at(&self, i: usize) -> &str {
        self.name_of(self.slots[i])
    }

    fn value_at(&self, i: usize) -> &str {
        let s = self.slots[i];
        self.slice(s.value_start(), s.value)
    }
}

/// A fast hash for short pieces of text (FxHash's mixing, 8 bytes at a
/// time): [`Fields::share_text`] hashes every field of every kept event.
///
/// The multiply leaves the low bits of the result depending only on the
/// low bits of each word (the first bytes of each 8-byte chunk), and the
/// table picks buckets by the low bits: `SEP001B540114CF` and its 9,999
/// siblings all fell in one bucket and probed long chains. The end mixes
/// the high bits into the low ones (MurmurHash3's finalizer, half of it).
fn piece_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    let h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Keys of [`Fields::share_text`]'s table are hashes already: passed through.
#[derive(Default)]
struct BuildPieceHasher;

impl std::hash::BuildHasher for BuildPieceHasher {
    type Hasher = PassThrough;

    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

/// Hands a `u64` key on as its own hash.
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// `fields["name"]`: the value, panicking when the field is not set (as a map
/// index does). The value compares with string literals.
impl Index<&str> for Fields {
    type Output = FieldValue;

    fn index(&self, name: &str) -> &FieldValue {
        match self.get(name) {
            Some(v) => FieldValue::new(v),
            None => panic!("no field {name:?}"),
        }
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The `(name, value)` pairs of [`Fields`], in name order.
pub struct Iter<'a> {
    fields: &'a Fields,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let i = self.next;
        if i >= self.fields.slots.len() {
            return None;
        }
        self.next += 1;
        Some((self.fields.name_at(i), self.fields.value_at(i)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.fields.slots.len() - self.next;
        (left, Some(left))
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Fields {
        let mut f = Fields::new();
        for (k, v) in iter {
            f.insert(k, v);
        }
        f
    }
}

/// A field's value as `fields["name"]` gives it: a `str` that also compares
/// with `&str` and `String`, so `fields["cause"] == "DEVICE_UNREGISTERED"` reads
/// as it would with a map of strings.
#[repr(transparent)]
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldValue(str);

impl FieldValue {
    fn new(s: &str) -> &FieldValue {
        // SAFETY: `FieldValue` is `repr(transparent)` over `str`, so the two
        // references have the same layout and validity.
        unsafe { &*(s as *const str as *const FieldValue) }
    }

    /// The value as a `str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for FieldValue {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FieldValue {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl PartialEq<str> for FieldValue {
    fn eq(&self, other: &str) -> bool {
        &self.0 == other
    }
}

impl PartialEq<&str> for FieldValue {
    fn eq(&self, other: &&str) -> bool {
        &self.0 == *other
    }
}

impl PartialEq<String> for FieldValue {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_as_a_sorted_map_of_strings() {
        // The same operations on a BTreeMap and on Fields give the same pairs,
        // in the same order, and the same JSON.
        let ops: &[(&str, &str)] = &[
            ("text", "Device unregistered"),
            ("Reason", "13"),
            ("alarm", "EndPointUnregistered"),
            ("reason", "8"),
            ("Reason", "9"),
            ("", "empty name"),
            ("é", "ü"),
            ("text", ""),
            ("a", "1"),
            ("DeviceName", "SEP001B54000007"),
            ("DeviceNam", "x"),
            ("DeviceNamf", "y"),
            ("alarm", "EndPointRegistered"),
        ];
        let mut map = BTreeMap::new();
        let mut fields = Fields::new();
        for (k, v) in ops {
            map.insert(k.to_string(), v.to_string());
            fields.insert(k, v);
        }
        map.entry("a".to_string())
            .or_insert_with(|| "2".to_string());
        fields.insert_if_absent("a", "2");
        map.entry("b".to_string())
            .or_insert_with(|| "3".to_string());
        fields.insert_if_absent("b", "3");
        map.remove("reason");
        assert!(fields.remove("reason"));
        assert!(!fields.remove("reason"));
        let pairs: Vec<(&str, &str)> = fields.iter().collect();
        let want: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, want);
        assert_eq!(fields.len(), map.len());
        assert_eq!(
            serde_json::to_string(&fields).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(format!("{fields:?}"), format!("{map:?}"));
        assert_eq!(fields.get("Reason"), Some("9"));
        assert_eq!(fields.get("missing"), None);
        assert!(fields.contains_key("é") && !fields.contains_key("e"));
    }

    #[test]
    fn index_compares_with_literals_and_strings() {
        let f: Fields = [("cause", "DEVICE_UNREGISTERED")].into_iter().collect();
        assert_eq!(f["cause"], "DEVICE_UNREGISTERED");
        assert!(f["cause"] == *"DEVICE_UNREGISTERED".to_string());
        assert_eq!(f["cause"].as_str().len(), 19);
        assert!(f["cause"].starts_with("DEVICE"));
        assert_eq!(format!("{}", &f["cause"]), "DEVICE_UNREGISTERED");
    }

    #[test]
    fn equality_ignores_replaced_bytes() {
        let mut a = Fields::new();
        a.insert("k", "old value");
        a.insert("k", "v");
        let b: Fields = [("k", "v")].into_iter().collect();
        assert_eq!(a, b);
        a.insert("k", "w");
        assert_ne!(a, b);
    }

    #[test]
    fn shared_text_reads_the_same_and_is_copied_out_on_change() {
        let make = |i: usize| -> Fields {
            [
                ("ClusterID", "StandAloneCluster"),
                ("DeviceName", &format!("SEP00000000{:04}", i % 7)),
                ("Protocol", "SIP"),
                ("odd name", if i.is_multiple_of(2) { "even" } else { "odd" }),
                ("text", "Device unregistered"),
            ]
            .into_iter()
            .collect()
        };
        let want: Vec<Fields> = (0..50).map(make).collect();
        let mut got: Vec<Fields> = (0..50).map(make).collect();
        got[3].insert("Protocol", "SCCP");
        got[3].remove("odd name");
        let mut want = want;
        want[3].insert("Protocol", "SCCP");
        want[3].remove("odd name");
        Fields::share_text(got.iter_mut());
        assert!(got.iter().all(|f| matches!(f.text, Buf::Shared(_))));
        assert_eq!(got, want);
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(
                serde_json::to_string(g).unwrap(),
                serde_json::to_string(w).unwrap()
            );
        }
        // The shared block holds each distinct piece once: far less than the 50 texts.
        let Buf::Shared(block) = &got[0].text else {
            unreachable!()
        };
        let own: usize = want.iter().map(|f| f.text.as_str().len()).sum();
        assert!(block.len() * 5 < own, "{} vs {own}", block.len());
        // Setting a field afterwards works on a copy of the event's own.
        got[7].insert("Reason", "13");
        got[7].insert_if_absent("DeviceName", "other");
        want[7].insert("Reason", "13");
        assert!(matches!(got[7].text, Buf::Own(_)));
        assert_eq!(got[7], want[7]);
        assert_eq!(got[8], want[8]);
    }

    #[test]
    fn piece_hash_spreads_names_that_differ_late_over_the_low_bits() {
        // The table picks a bucket by the low bits: names alike in their
        // first bytes must not share a few buckets (they did, and probing
        // long chains was a fifth of a dense syslog run).
        let buckets: std::collections::HashSet<u64> = (0..10_000u32)
            .map(|i| piece_hash(format!("SEP001B54{i:06X}").as_bytes()) & 0xffff)
            .collect();
        assert!(buckets.len() > 8_000, "{} buckets", buckets.len());
    }

    #[test]
    #[should_panic(expected = "no field")]
    fn index_of_a_missing_field_panics() {
        let _ = &Fields::new()["missing"];
    }
}
