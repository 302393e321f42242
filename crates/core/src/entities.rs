//! The things an event is about, as one list shared by the events of a file
//! that name the same things.
//!
//! A registration alarm names its alarm, its device and perhaps an address;
//! a day of them names each device's list again and again. As a `Vec` per
//! event that was a block of about 80 bytes per alarm; as [`Entities`], the
//! per-file [`crate::Interner`] hands the same list to every event naming it
//! ([`crate::RawEvent::share_names`]), and an event holds a pointer.

use crate::Entity;
use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An event's entities: read as a slice (`&[Entity]`), changed by
/// [`Entities::push`] and [`Entities::retain`] (which copy the list: events
/// change theirs only while parsed, with one to four entities).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Entities(Option<Arc<[Entity]>>);

impl Entities {
    /// No entities.
    pub fn new() -> Entities {
        Entities(None)
    }

    /// Add `e` at the end.
    pub fn push(&mut self, e: Entity) {
        let list: Vec<Entity> = self.iter().cloned().chain(std::iter::once(e)).collect();
        self.0 = Some(list.into());
    }

    /// Keep only the entities `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entity) -> bool) {
        if self.iter().all(&mut keep) {
            return;
        }
        let list: Vec<Entity> = self.iter().filter(|e| keep(e)).cloned().collect();
        *self = list.into();
    }

    /// The list to change in place (copied first when it is shared).
    pub(crate) fn make_mut(&mut self) -> &mut [Entity] {
        let Some(list) = &mut self.0 else {
            return &mut [];
        };
        if Arc::get_mut(list).is_none() {
            *list = list.iter().cloned().collect::<Vec<_>>().into();
        }
        // Unique now: a fresh copy, or it was.
        Arc::get_mut(list).unwrap_or(&mut [])
    }

    /// The list as an `Arc`, for the interner (None: empty).
    pub(crate) fn shared(&self) -> Option<&Arc<[Entity]>> {
        self.0.as_ref()
    }

    /// Made of an interned list.
    pub(crate) fn from_shared(list: Arc<[Entity]>) -> Entities {
        Entities(Some(list))
    }
}

impl Deref for Entities {
    type Target = [Entity];

    fn deref(&self) -> &[Entity] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl From<Vec<Entity>> for Entities {
    fn from(list: Vec<Entity>) -> Entities {
        match list.is_empty() {
            true => Entities(None),
            false => Entities(Some(list.into())),
        }
    }
}

impl FromIterator<Entity> for Entities {
    fn from_iter<I: IntoIterator<Item = Entity>>(iter: I) -> Entities {
        iter.into_iter().collect::<Vec<_>>().into()
    }
}

impl<'a> IntoIterator for &'a Entities {
    type Item = &'a Entity;
    type IntoIter = std::slice::Iter<'a, Entity>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Debug for Entities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Entities {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityKind;

    fn e(kind: EntityKind, id: &str) -> Entity {
        Entity {
            kind,
            id: id.into(),
        }
    }

    #[test]
    fn reads_changes_and_serializes_as_a_list() {
        let mut l = Entities::new();
        assert!(l.is_empty());
        assert_eq!(serde_json::to_string(&l).unwrap(), "[]");
        l.push(e(EntityKind::Alarm, "EndPointUnregistered"));
        l.push(e(EntityKind::Device, "SEP001122334455"));
        l.push(e(EntityKind::Service, "Cisco CallManager"));
        assert_eq!(l.len(), 3);
        assert!(l.contains(&e(EntityKind::Device, "SEP001122334455")));
        let copy = l.clone();
        l.retain(|x| x.kind != EntityKind::Service);
        assert_eq!(l.len(), 2);
        assert_eq!(copy.len(), 3, "a copy is not changed with it");
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"[{"type":"alarm","id":"EndPointUnregistered"},{"type":"device","id":"SEP001122334455"}]"#
        );
        let ids: Vec<&str> = (&l).into_iter().map(|x| &*x.id).collect();
        assert_eq!(ids, ["EndPointUnregistered", "SEP001122334455"]);
        l.retain(|_| false);
        assert_eq!(l, Entities::new());
    }
}
