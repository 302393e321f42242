//! vCenter performance statistics exported with PowerCLI
//! (`Get-Stat ... | Export-Csv`): one row per sample, columns `Value`,
//! `Timestamp`, `MetricId`, `Unit`, `Description`, `Entity`, `EntityId`,
//! `IntervalSecs`, `Instance` (formats.md §7.2, one public sample).
//!
//! The `Timestamp` is rendered in the exporting PC's locale and zone, so its
//! layout is decided from the whole file: day-first when a first number above
//! 12 appears, month-first when a second number above 12 does, and said
//! either way (a problem names the rule used). The zone is not in the file:
//! times stay local and normalization decides (`--tz` for the exporting PC).

use crate::csvline::cells;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, ymd};
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{DateSource, Kind, RawEvent, RawTime};

/// The PowerCLI Get-Stat export format.
pub(crate) struct PowerCliStatCsv;

impl Format for PowerCliStatCsv {
    fn name(&self) -> &'static str {
        "powercli-stat-csv"
    }
    fn description(&self) -> &'static str {
        "vCenter performance samples exported by PowerCLI Get-Stat | Export-Csv (Value, Timestamp, MetricId, Entity, Instance)"
    }
    fn example(&self) -> &'static str {
        r#""283","18-09-2015 10:44:20","disk.numberwrite.summation","number","Number ","drupal-mediamosa","VirtualMachine-vm-90","20","naa.600601600f213300defe98a3a052e311""#
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let header = head
            .lines
            .iter()
            .find(|l| !l.trim().is_empty() && !l.starts_with("#TYPE"));
        match header.and_then(|l| cells(l)) {
            Some(h)
                if ["Value", "Timestamp", "MetricId"]
                    .iter()
                    .all(|c| h.iter().any(|x| x == c)) =>
            {
                90
            }
            _ => 0,
        }
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(StatParser {
            cols: None,
            order: None,
            pending: Vec::new(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    DayFirst,
    MonthFirst,
}

struct Cols {
    value: usize,
    stamp: usize,
    metric: usize,
    entity: Option<usize>,
    instance: Option<usize>,
    unit: Option<usize>,
}

/// Rows are kept until the end of the file, when the date order is known.
struct StatParser {
    cols: Option<Cols>,
    order: Option<Order>,
    pending: Vec<(u64, String, Vec<String>)>,
}

/// The date, time and the two leading date numbers of a locale timestamp.
fn split_stamp(s: &str) -> Option<(i64, i64, i64, &str)> {
    let (date, rest) = s.trim().split_once(' ')?;
    let nums: Vec<i64> = date
        .split(['-', '/', '.'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, y] = nums.as_slice() else {
        return None;
    };
    Some((*a, *b, *y, rest.trim()))
}

/// `10:44:20`, or `1:02:03 PM` / `AM` (12-hour clocks of US locales).
fn clock(s: &str) -> Option<uctriage_core::jiff::civil::Time> {
    let (t, ampm) = match s.rsplit_once(' ') {
        Some((t, m)) if m.eq_ignore_ascii_case("AM") || m.eq_ignore_ascii_case("PM") => {
            (t, Some(m.to_ascii_uppercase()))
        }
        _ => (s, None),
    };
    let t = parse_hms(t)?;
    match ampm.as_deref() {
        Some("PM") if t.hour() < 12 => t
            .checked_add(uctriage_core::jiff::SignedDuration::from_hours(12))
            .ok(),
        Some("AM") if t.hour() == 12 => t
            .checked_sub(uctriage_core::jiff::SignedDuration::from_hours(12))
            .ok(),
        _ => Some(t),
    }
}

fn datetime(s: &str, order: Order) -> Option<DateTime> {
    let (a, b, y, rest) = split_stamp(s)?;
    let (d, m) = if order == Order::DayFirst {
        (a, b)
    } else {
        (b, a)
    };
    Some(ymd(y, m, d)?.to_datetime(clock(rest)?))
}

impl StatParser {
    fn header(&mut self, line: Line<'_>, out: &mut Output) {
        let Some(h) = cells(line.text) else { return };
        let find = |n: &str| h.iter().position(|c| c == n);
        if let (Some(value), Some(stamp), Some(metric)) =
            (find("Value"), find("Timestamp"), find("MetricId"))
        {
            self.cols = Some(Cols {
                value,
                stamp,
                metric,
                entity: find("Entity"),
                instance: find("Instance"),
                unit: find("Unit"),
            });
            out.understood();
        }
    }

    fn note_order(&mut self, stamp: &str) {
        if let Some((a, b, _, _)) = split_stamp(stamp) {
            if a > 12 {
                self.order = Some(Order::DayFirst);
            } else if b > 12 && self.order.is_none() {
                self.order = Some(Order::MonthFirst);
            }
        }
    }
}

impl LineParser for StatParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if line.text.trim().is_empty() {
            return;
        }
        if line.text.starts_with("#TYPE") {
            out.understood();
            return;
        }
        let Some(cols) = &self.cols else {
            self.header(line, out);
            return;
        };
        let Some(row) = cells(line.text) else {
            out.problem(line.no, "not a CSV record");
            return;
        };
        let Some(stamp) = row.get(cols.stamp).cloned() else {
            out.problem(line.no, "row without a Timestamp");
            return;
        };
        self.note_order(&stamp);
        out.understood();
        self.pending.push((line.no, line.text.to_string(), row));
    }

    fn finish(&mut self, out: &mut Output) {
        let Some(cols) = &self.cols else { return };
        let order = self.order.unwrap_or_else(|| {
            if let Some((no, _, _)) = self.pending.first() {
                out.problem(*no, "timestamp order ambiguous (no day or month above 12 in the file): read as day-first; check the exporting PC's locale");
            }
            Order::DayFirst
        });
        for (no, text, row) in std::mem::take(&mut self.pending) {
            let stamp = &row[cols.stamp];
            let Some(dt) = datetime(stamp, order) else {
                out.problem(no, format!("timestamp `{stamp}` not understood"));
                continue;
            };
            let metric = row.get(cols.metric).cloned().unwrap_or_default();
            let instance = cols
                .instance
                .and_then(|i| row.get(i))
                .filter(|s| !s.trim().is_empty());
            let key = match instance {
                Some(i) => format!("{metric}[{i}]"),
                None => metric.clone(),
            };
            let value = row.get(cols.value).cloned().unwrap_or_default();
            let unit = cols
                .unit
                .and_then(|i| row.get(i))
                .cloned()
                .unwrap_or_default();
            let mut ev = RawEvent::new(
                no,
                &text,
                Kind::MetricSample,
                format!("sample: {key}={value} {unit}"),
            )
            .at(RawTime::Local(dt, DateSource::Line))
            .with_field(key, value)
            .with_field(
                "date_order",
                if order == Order::DayFirst {
                    "day-first"
                } else {
                    "month-first"
                },
            );
            if let Some(entity) = cols
                .entity
                .and_then(|i| row.get(i))
                .filter(|e| !e.is_empty())
            {
                ev = ev.on_host(entity.clone());
            }
            out.emit(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{detect, parse_reader, FileContext, Head};
    use uctriage_core::RawTime;

    const SAMPLE: &str = "\"Value\",\"Timestamp\",\"MetricId\",\"Unit\",\"Description\",\"Entity\",\"EntityId\",\"IntervalSecs\",\"Instance\"\n\"283\",\"18-09-2015 10:44:20\",\"disk.numberwrite.summation\",\"number\",\"Number \",\"drupal-mediamosa\",\"VirtualMachine-vm-90\",\"20\",\"naa.600601600f213300defe98a3a052e311\"\n\"12\",\"03-09-2015 10:44:40\",\"cpu.usage.average\",\"%\",\"CPU\",\"drupal-mediamosa\",\"VirtualMachine-vm-90\",\"20\",\"\"\n";

    #[test]
    fn public_sample_is_day_first_because_18_cannot_be_a_month() {
        let head = Head {
            name: "stats.csv",
            lines: SAMPLE.lines().collect(),
        };
        let fmt = detect(&head).unwrap();
        assert_eq!(fmt.name(), "powercli-stat-csv");
        let f = parse_reader(Some(fmt), &FileContext::new("stats.csv"), SAMPLE.as_bytes());
        assert_eq!((f.lines, f.understood, f.events.len()), (3, 3, 2));
        let RawTime::Local(dt, _) = f.events[1].time else {
            panic!()
        };
        assert_eq!(
            dt.to_string(),
            "2015-09-03T10:44:40",
            "the 03-09 row follows the file's day-first order"
        );
        assert_eq!(f.events[1].fields["cpu.usage.average"], "12");
        assert!(f.events[0]
            .fields
            .contains_key("disk.numberwrite.summation[naa.600601600f213300defe98a3a052e311]"));
        assert_eq!(f.events[0].host.as_deref(), Some("drupal-mediamosa"));
    }

    #[test]
    fn us_locale_with_am_pm_is_month_first_and_ambiguity_is_said() {
        let us = "\"Value\",\"Timestamp\",\"MetricId\",\"Entity\"\n\"5\",\"9/13/2015 1:44:20 PM\",\"cpu.usage.average\",\"vm1\"\n";
        let f = parse_reader(None, &FileContext::new("s.csv"), us.as_bytes());
        let RawTime::Local(dt, _) = f.events[0].time else {
            panic!()
        };
        assert_eq!(dt.to_string(), "2015-09-13T13:44:20");
        let amb = "\"Value\",\"Timestamp\",\"MetricId\"\n\"5\",\"03-04-2015 10:00:00\",\"cpu.usage.average\"\n";
        let f = parse_reader(None, &FileContext::new("s.csv"), amb.as_bytes());
        assert!(f.problems.iter().any(|p| p.message.contains("ambiguous")));
    }
}
