//! Events the pipeline chose not to keep ([`FileContext::keep`]), summarised
//! so that nothing else changes: normalization still learns their hosts,
//! dates the bundle with their dates, places the file's time range over
//! their times and reports the ones whose time cannot be placed, exactly as
//! if they had been kept. Memory stays bounded by the file's hosts and
//! calendar days, whatever the number of lines.
//!
//! [`FileContext::keep`]: crate::FileContext::keep

use std::collections::HashMap;
use uctriage_core::jiff::civil::Date;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::{RawEvent, RawTime};

/// Which events of a file are kept: `true` keeps one; the others are
/// counted and summarised ([`Dropped`]).
pub type EventFilter = std::sync::Arc<dyn Fn(&RawEvent) -> bool + Send + Sync>;

/// The filter that keeps no event (`files`, `templates`): always the same
/// one, so a parser's output can tell it apart and skip building the events
/// of ordinary records ([`Output::ordinary`](crate::Output::ordinary)).
pub fn keep_none() -> EventFilter {
    static NONE: std::sync::OnceLock<EventFilter> = std::sync::OnceLock::new();
    NONE.get_or_init(|| std::sync::Arc::new(|_: &RawEvent| false))
        .clone()
}

/// Whether `keep` is [`keep_none`].
pub(crate) fn keeps_none(keep: &EventFilter) -> bool {
    std::sync::Arc::ptr_eq(keep, &keep_none())
}

/// What the events a file did not keep add up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dropped {
    /// How many events were not kept.
    pub count: u64,
    /// Their times, grouped by host and kind of time, each group with its
    /// earliest and latest time: every event of a group resolves (or fails
    /// to) the same way, and in the same order, as its extremes.
    pub groups: Vec<DroppedGroup>,
    /// The calendar dates their lines stated, with how many lines stated
    /// each (the bundle's fallback date is their median with the others').
    pub dates: Vec<(Date, u64)>,
    /// Where each group is, once there are many.
    index: GroupIndex,
}

/// Where each group of host and class of time is in [`Dropped::groups`],
/// made once there are many: a syslog of a hundred thousand hosts looked
/// through every group for each line. Built from the groups, so it takes no
/// part in comparing or printing a [`Dropped`].
#[derive(Clone, Default)]
struct GroupIndex(Option<HashMap<(Option<uctriage_core::SharedStr>, Class), usize>>);

impl PartialEq for GroupIndex {
    fn eq(&self, _: &GroupIndex) -> bool {
        true
    }
}

impl std::fmt::Debug for GroupIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupIndex")
    }
}

/// Groups a file has before [`Dropped::add_record`] finds them by index.
const FEW_GROUPS: usize = 16;

/// Dropped events of one host (as printed) whose times are of one class.
#[derive(Clone, Debug, PartialEq)]
pub struct DroppedGroup {
    /// The host the events named (None: the file's host).
    pub host: Option<uctriage_core::SharedStr>,
    /// How many events.
    pub count: u64,
    /// The earliest time and its line.
    pub min: (RawTime, u64),
    /// The latest time and its line.
    pub max: (RawTime, u64),
}

/// Times that compare within a class the way their instants will.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Class {
    Unknown,
    Absolute,
    /// One offset: comparing the wall clock compares the instants.
    WithOffset(i32),
    Local,
    /// A month and day: its year is decided once for all of them.
    NoYear(i8, i8),
    TimeOfDay,
}

fn class(t: &RawTime) -> Class {
    match t {
        RawTime::Unknown => Class::Unknown,
        RawTime::Absolute(..) => Class::Absolute,
        RawTime::WithOffset(_, off, _) => Class::WithOffset(off.seconds()),
        RawTime::Local(..) => Class::Local,
        RawTime::LocalNoYear { month, day, .. } => Class::NoYear(*month, *day),
        RawTime::TimeOfDay(_) => Class::TimeOfDay,
    }
}

/// Whether `a` is before `b` (both of one class).
fn before(a: &RawTime, b: &RawTime) -> bool {
    match (a, b) {
        (RawTime::Absolute(x, _), RawTime::Absolute(y, _)) => x < y,
        (RawTime::WithOffset(x, ..), RawTime::WithOffset(y, ..)) => x < y,
        (RawTime::Local(x, _), RawTime::Local(y, _)) => x < y,
        (RawTime::LocalNoYear { time: x, .. }, RawTime::LocalNoYear { time: y, .. }) => x < y,
        (RawTime::TimeOfDay(x), RawTime::TimeOfDay(y)) => x < y,
        _ => false,
    }
}

/// The date a line stated, as the bundle's fallback date counts it.
pub fn stated_date(t: &RawTime) -> Option<Date> {
    match t {
        RawTime::Absolute(ts, _) => Some(TimeZone::UTC.to_datetime(*ts).date()),
        RawTime::WithOffset(dt, _, _) | RawTime::Local(dt, _) => Some(dt.date()),
        _ => None,
    }
}

impl Dropped {
    /// Give back the room its lists grew ahead: a file's summary is kept
    /// until the whole input is read, and most have a group or two.
    pub fn shrink_to_fit(&mut self) {
        self.groups.shrink_to_fit();
        self.dates.shrink_to_fit();
        self.index = GroupIndex::default();
    }

    /// Count and summarise one event that is not kept.
    pub fn add(&mut self, ev: &RawEvent) {
        self.add_record(&ev.time, ev.host.as_ref(), ev.line);
    }

    /// Count and summarise one record not kept, given its time, the host it
    /// named (None: the file's) and its line: what [`Dropped::add`] reads
    /// of an event.
    pub fn add_record(
        &mut self,
        time: &RawTime,
        host: Option<&uctriage_core::SharedStr>,
        line: u64,
    ) {
        self.count += 1;
        if let Some(d) = stated_date(time) {
            match self.dates.iter_mut().rev().find(|(x, _)| *x == d) {
                Some((_, n)) => *n += 1,
                None => self.dates.push((d, 1)),
            }
        }
        let c = class(time);
        if self
            .index
            .0
            .as_ref()
            .is_some_and(|i| i.len() != self.groups.len())
        {
            // Groups set from outside: looked up afresh.
            self.index = GroupIndex::default();
        }
        let found = if self.groups.len() < FEW_GROUPS {
            // Nearly always the group of the event before.
            self.groups
                .iter()
                .rposition(|g| class(&g.min.0) == c && g.host.as_ref() == host)
        } else {
            let groups = &self.groups;
            let index = self.index.0.get_or_insert_with(|| {
                let mut index = HashMap::with_capacity(groups.len());
                for (i, g) in groups.iter().enumerate() {
                    index.insert((g.host.clone(), class(&g.min.0)), i);
                }
                index
            });
            let at = index.get(&(host.cloned(), c)).copied();
            if at.is_none() {
                index.insert((host.cloned(), c), groups.len());
            }
            at
        };
        match found.map(|i| &mut self.groups[i]) {
            Some(g) => {
                g.count += 1;
                if before(time, &g.min.0) {
                    g.min = (time.clone(), line);
                }
                if before(&g.max.0, time) {
                    g.max = (time.clone(), line);
                }
            }
            None => self.groups.push(DroppedGroup {
                host: host.cloned(),
                count: 1,
                min: (time.clone(), line),
                max: (time.clone(), line),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::civil::{date, time};
    use uctriage_core::{DateSource, Kind};

    fn ev(line: u64, host: Option<&str>, t: RawTime) -> RawEvent {
        let mut e = RawEvent::new(line, "x", Kind::Log, "x").at(t);
        e.host = host.map(Into::into);
        e
    }

    /// Hundreds of hosts (a syslog server's file): the groups are found
    /// by index, and come out as a search of every group would make them.
    #[test]
    fn many_hosts_make_one_group_per_host_and_class_in_order_met() {
        let local = |m| RawTime::local(date(2024, 3, 1), time(10, m, 0, 0), DateSource::Line);
        let mut d = Dropped::default();
        let mut want: Vec<(Option<String>, bool, u64, u64, u64)> = Vec::new();
        for i in 0..3000u64 {
            let host = (i % 7 != 0).then(|| format!("node{}", (i * 31) % 400));
            let of_day = i % 5 == 0;
            let t = if of_day {
                RawTime::TimeOfDay(time(10, (i % 60) as i8, 0, 0))
            } else {
                local((i % 60) as i8)
            };
            d.add(&ev(i + 1, host.as_deref(), t));
            match want.iter_mut().find(|w| w.0 == host && w.1 == of_day) {
                Some(w) => {
                    w.2 += 1;
                    if i % 60 < (w.3 - 1) % 60 {
                        w.3 = i + 1;
                    }
                    if i % 60 > (w.4 - 1) % 60 {
                        w.4 = i + 1;
                    }
                }
                None => want.push((host, of_day, 1, i + 1, i + 1)),
            }
        }
        assert!(want.len() > 400, "{}", want.len());
        let got: Vec<_> = d
            .groups
            .iter()
            .map(|g| {
                let of_day = matches!(g.min.0, RawTime::TimeOfDay(_));
                let host = g.host.as_ref().map(|h| h.to_string());
                (host, of_day, g.count, g.min.1, g.max.1)
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn groups_keep_the_extremes_per_host_and_class_and_dates_are_counted() {
        let local = |h, m| RawTime::local(date(2024, 3, 1), time(h, m, 0, 0), DateSource::Line);
        let noyear = |d, h| RawTime::LocalNoYear {
            month: 2,
            day: d,
            time: time(h, 0, 0, 0),
        };
        let mut d = Dropped::default();
        for (i, t) in [
            local(10, 5),
            local(9, 0),
            local(11, 0),
            noyear(29, 3),
            noyear(29, 1),
        ]
        .into_iter()
        .enumerate()
        {
            d.add(&ev(i as u64 + 1, None, t));
        }
        d.add(&ev(9, Some("other"), local(8, 0)));
        assert_eq!(d.count, 6);
        assert_eq!(d.groups.len(), 3);
        assert_eq!(
            (d.groups[0].min.1, d.groups[0].max.1, d.groups[0].count),
            (2, 3, 3)
        );
        assert_eq!(
            (d.groups[1].min.1, d.groups[1].max.1, d.groups[1].count),
            (5, 4, 2)
        );
        assert_eq!(d.groups[2].host.as_deref(), Some("other"));
        assert_eq!(d.dates, vec![(date(2024, 3, 1), 4)]);
    }
}
