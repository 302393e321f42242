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

/// Where one field's name and value sit in [`Fields::text`]: 8 bytes (an
/// alarm's seventeen slots were 204 bytes with 32-bit lengths; names and
/// values are short, and the rare long one spells its length in the text).
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Start of the piece: the name (unless common), then the value.
    at: u32,
    /// Length of the name; [`LONG_NAME`]: the length is spelled in
    /// [`DIGITS`] digits before the name; with [`COMMON`] set, the index of a
    /// common name in [`crate::names::NAMES`], which is then not in the text.
    name: u16,
    /// Length of the value; [`LONG_VALUE`]: the length is spelled in
    /// [`DIGITS`] digits before the value.
    value: u16,
}

/// The bit of [`Slot::name`] that marks a common name.
const COMMON: u16 = 1 << 15;
/// [`Slot::name`] of a name of this many bytes or more.
const LONG_NAME: u16 = COMMON - 1;
/// [`Slot::value`] of a value of this many bytes or more.
const LONG_VALUE: u16 = u16::MAX;
/// Digits a long name's or value's length is spelled in.
const DIGITS: usize = 10;
/// Texts stay below 2 GiB (no record's fields come near).
const TEXT_LIMIT: usize = 1 << 31;
const _: () = assert!(crate::names::NAMES.len() < LONG_NAME as usize);

impl Slot {
    /// Index of its common name, if it has one.
    fn common(self) -> Option<usize> {
        (self.name & COMMON != 0).then_some((self.name & !COMMON) as usize)
    }

    /// Start and length of the name in `text` (not a common name).
    fn name_in(self, text: &str) -> (usize, usize) {
        let at = self.at as usize;
        if self.name == LONG_NAME {
            (at + DIGITS, spelled(text, at))
        } else {
            (at, self.name as usize)
        }
    }

    /// Start and length of the value in `text`.
    fn value_in(self, text: &str) -> (usize, usize) {
        let at = match self.common() {
            Some(_) => self.at as usize,
            None => {
                let (start, len) = self.name_in(text);
                start + len
            }
        };
        if self.value == LONG_VALUE {
            (at + DIGITS, spelled(text, at))
        } else {
            (at, self.value as usize)
        }
    }

    /// Bytes of `text` from `at`: the name (unless common), then the value.
    fn piece_len(self, text: &str) -> usize {
        let (start, len) = self.value_in(text);
        start + len - self.at as usize
    }
}

/// The length spelled in [`DIGITS`] ASCII digits at `at` of `text`.
fn spelled(text: &str, at: usize) -> usize {
    text.as_bytes()[at..at + DIGITS]
        .iter()
        .fold(0, |n, d| n * 10 + usize::from(d - b'0'))
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

    /// The number of `name` in the table of common field names (alarm tags,
    /// the names parsers set most), for compact encodings of fields; None
    /// for any other name. Numbers only grow with the table: they are for
    /// encodings that live as long as the process.
    pub fn common_number(name: &str) -> Option<u32> {
        crate::names::common(name)
    }

    /// The common field name numbered `number` ([`Fields::common_number`]).
    pub fn common_name(number: u32) -> Option<&'static str> {
        crate::names::NAMES.get(number as usize).copied()
    }

    /// Add `name` = `value`, for fields given in name order (a decoder
    /// reading back what [`Fields::iter`] gave): appended with no search.
    /// Given out of order or repeated, it is set as [`Fields::insert`] does.
    pub fn push_in_order(&mut self, name: &str, value: &str) {
        self.push_sorted(name, crate::names::common(name), value);
    }

    /// [`Fields::push_in_order`] of the common name numbered `number`
    /// ([`Fields::common_number`]): no look-up of the name. False when no
    /// common name has that number (nothing is set).
    pub fn push_common_in_order(&mut self, number: u32, value: &str) -> bool {
        match Fields::common_name(number) {
            Some(name) => {
                self.push_sorted(name, Some(number), value);
                true
            }
            None => false,
        }
    }

    fn push_sorted(&mut self, name: &str, common: Option<u32>, value: &str) {
        let after_last = match self.slots.last() {
            None => true,
            Some(&last) => match (last.common(), common) {
                (Some(i), Some(c)) => (i as u32) < c,
                _ => self.name_of(last) < name,
            },
        };
        if !after_last {
            return self.insert(name, value);
        }
        if let Some(slot) = self.append(name, common, value) {
            self.slots.push(slot);
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

    /// `(number, name, value)` in name order, `number` that of a common
    /// name ([`Fields::common_number`], known without a look-up).
    pub fn iter_numbered(&self) -> impl Iterator<Item = (Option<u32>, &str, &str)> + '_ {
        (0..self.slots.len()).map(|i| {
            let number = self.slots[i].common().map(|n| n as u32);
            (number, self.name_at(i), self.value_at(i))
        })
    }

    /// `(number, name)` in name order, as [`Fields::iter_numbered`] gives
    /// them but without the values (for a reader that notes only names).
    pub fn names_numbered(&self) -> impl Iterator<Item = (Option<u32>, &str)> + '_ {
        (0..self.slots.len()).map(|i| {
            let number = self.slots[i].common().map(|n| n as u32);
            (number, self.name_at(i))
        })
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
                let (at, len) = (s.at as usize, s.piece_len(text));
                let piece = &text[at..at + len];
                let same = |o: u32| block.get(o as usize..o as usize + len) == Some(piece);
                let common = s.common();
                if let Some(o) = common.map(|i| last[i]).filter(|&o| same(o)) {
                    places.push(o);
                    continue;
                }
                let o = block.len();
                // Offsets stay below `TEXT_LIMIT`.
                if o + len >= TEXT_LIMIT {
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
                let (at, len) = (s.at as usize, s.piece_len(shared));
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
                if let Some(i) = s.common() {
                    (i as u32).cmp(&c)
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
        let long_name = common.is_none() && name_len >= usize::from(LONG_NAME);
        let long_value = value.len() >= usize::from(LONG_VALUE);
        let spelled = (usize::from(long_name) + usize::from(long_value)) * DIGITS;
        let text = self.own_text();
        if text.len() + name_len + value.len() + spelled >= TEXT_LIMIT {
            return None;
        }
        let slot = Slot {
            at: text.len() as u32,
            name: match common {
                // Below `LONG_NAME` (asserted on the table above).
                Some(i) => i as u16 | COMMON,
                None if long_name => LONG_NAME,
                None => name_len as u16,
            },
            value: if long_value {
                LONG_VALUE
            } else {
                value.len() as u16
            },
        };
        if common.is_none() {
            if long_name {
                spell(text, name_len);
            }
            text.push_str(name);
        }
        if long_value {
            spell(text, value.len());
        }
        text.push_str(value);
        Some(slot)
    }

    fn name_of(&self, s: Slot) -> &str {
        match s.common() {
            Some(i) => crate::names::NAMES[i],
            None => {
                let text = self.text.as_str();
                let (at, len) = s.name_in(text);
                &text[at..at + len]
            }
        }
    }

    fn name_at(&self, i: usize) -> &str {
        self.name_of(self.slots[i])
    }

    fn value_at(&self, i: usize) -> &str {
        let text = self.text.as_str();
        let (at, len) = self.slots[i].value_in(text);
        &text[at..at + len]
    }
}

/// Spell `len` in [`DIGITS`] ASCII digits at the end of `text`.
fn spell(text: &mut String, len: usize) {
    use std::fmt::Write;
    // Below `TEXT_LIMIT`: ten digits are enough. Writing to a String never fails.
    let _ = write!(text, "{len:0w$}", w = DIGITS);
}

/// A fast hash for short pieces of text (FxHash's mixing, 8 bytes at a
/// time): [`Fields::share_text`] hashes every field of every kept event, and
/// the per-file interner every entity id, host and summary.
///
/// The multiply leaves the low bits of the result depending only on the
/// low bits of each word (the first bytes of each 8-byte chunk), and the
/// table picks buckets by the low bits: `SEP001B540114CF` and its 9,999
/// siblings all fell in one bucket and probed long chains. The end mixes
/// the high bits into the low ones (MurmurHash3's finalizer, half of it).
pub(crate) fn piece_hash(bytes: &[u8]) -> u64 {
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
pub(crate) struct BuildPieceHasher;

impl std::hash::BuildHasher for BuildPieceHasher {
    type Hasher = PassThrough;

    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

/// Hands a `u64` key on as its own hash.
pub(crate) struct PassThrough(u64);

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
    fn pushing_in_order_equals_inserting_in_any_order() {
        // Common names (alarm tags) and others, mixed: in name order they are
        // appended; out of order or repeated they still land as insert's.
        let pairs = [
            ("", "empty"),
            ("Cluster", "c1"),
            ("DeviceName", "SEP001B54000007"),
            ("DeviceType", "7"),
            ("Reason", "13"),
            ("alarm", "EndPointUnregistered"),
            ("zz-custom", "z"),
            ("é", "ü"),
        ];
        let inserted: Fields = pairs.iter().rev().copied().collect();
        let mut pushed = Fields::new();
        for (k, v) in pairs {
            pushed.push_in_order(k, v);
        }
        assert_eq!(
            pushed.iter().collect::<Vec<_>>(),
            inserted.iter().collect::<Vec<_>>()
        );
        let mut shuffled = Fields::new();
        for (k, v) in pairs.iter().rev().chain(&pairs[..2]) {
            shuffled.push_in_order(k, v);
        }
        assert_eq!(shuffled, inserted);
        // Common names given by number land as by name.
        let mut numbered = Fields::new();
        for (k, v) in pairs {
            match Fields::common_number(k) {
                Some(n) => assert!(numbered.push_common_in_order(n, v)),
                None => numbered.push_in_order(k, v),
            }
        }
        assert_eq!(numbered, inserted);
        assert!(!numbered.push_common_in_order(u32::MAX, "x"));
        assert_eq!(numbered, inserted);
        for (number, name, value) in numbered.iter_numbered() {
            assert_eq!(number, Fields::common_number(name), "{name}");
            assert_eq!(numbered.get(name), Some(value));
        }
        assert_eq!(numbered.iter_numbered().count(), pairs.len());
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
    fn long_names_and_values_are_kept_whole_shared_or_not() {
        // Past a slot's 16-bit lengths (a hostile or huge record's tags).
        let long_value = "v".repeat(70_000);
        let long_name = format!("N{}", "n".repeat(40_000));
        let edge = "e".repeat(usize::from(u16::MAX) - 1);
        let make = || -> Fields {
            let mut f = Fields::new();
            f.insert("text", &long_value);
            f.insert(&long_name, "short");
            f.insert("DeviceName", "SEP001122334455");
            f.insert(&long_name[..5], &edge);
            f.insert("zz", &long_value);
            f
        };
        let check = |f: &Fields| {
            assert_eq!(f.get("text"), Some(long_value.as_str()));
            assert_eq!(f.get(&long_name), Some("short"));
            assert_eq!(f.get("DeviceName"), Some("SEP001122334455"));
            assert_eq!(f.get(&long_name[..5]), Some(edge.as_str()));
            assert_eq!(f.get("zz"), Some(long_value.as_str()));
            let names: Vec<&str> = f.keys().collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted);
        };
        assert_eq!(make().len(), 5);
        check(&make());
        let mut batch = [make(), make()];
        Fields::share_text(batch.iter_mut());
        assert!(matches!(batch[0].text, Buf::Shared(_)));
        check(&batch[0]);
        check(&batch[1]);
        // Copied back out to be changed.
        batch[1].insert("Reason", "13");
        check(&batch[1]);
        assert_eq!(batch[1].get("Reason"), Some("13"));
        assert_eq!(std::mem::size_of::<Slot>(), 8);
    }

    #[test]
    #[should_panic(expected = "no field")]
    fn index_of_a_missing_field_panics() {
        let _ = &Fields::new()["missing"];
    }
}
