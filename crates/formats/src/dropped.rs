//! Events the pipeline chose not to keep ([`FileContext::keep`]), summarised
//! so that nothing else changes: normalization still learns their hosts,
//! dates the bundle with their dates, places the file's time range over
//! their times and reports the ones whose time cannot be placed, exactly as
//! if they had been kept. Memory stays bounded by the file's hosts and
//! calendar days, whatever the number of lines.
//!
//! [`FileContext::keep`]: crate::FileContext::keep

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
}

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
        // Nearly always the group of the event before.
        let found = self
            .groups
            .iter_mut()
            .rev()
            .find(|g| class(&g.min.0) == c && g.host.as_ref() == host);
        match found {
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
