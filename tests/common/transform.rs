//! Rewrites a collected bundle into an equivalent one with other names, other
//! times and another site zone, for `tests/renamed_incident.rs`.
//!
//! Two independent passes, applied to file contents and to relative paths:
//!
//! * [`Shift`]: every time representation is moved by one fixed `delta`, and
//!   local times are re-expressed in the new zone (one function per pattern).
//! * [`Rename`]: a mapping table of names (hosts, FQDNs, domain, devices,
//!   device pools, CallManager groups, PG names, ...) plus a mapping of exact
//!   numeric tokens (IP addresses, directory numbers).

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};

use regex::{Captures, Regex};
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::{SignedDuration, Timestamp, ZonedDateTime};

/// A regex compiled once per pattern for the whole test binary (compiling
/// them per file and per finding made the guard slow in debug builds).
pub fn cached(pattern: &str) -> &'static Regex {
    static CACHE: LazyLock<Mutex<HashMap<String, &'static Regex>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Box::leak(Box::new(Regex::new(pattern).unwrap())))
}

const MONTHS: &str = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";
const WEEKDAYS: &str = "Mon|Tue|Wed|Thu|Fri|Sat|Sun";

fn month_number(abbrev: &str) -> i8 {
    let i = MONTHS
        .split('|')
        .position(|m| m.eq_ignore_ascii_case(&abbrev[..3]))
        .unwrap_or_else(|| panic!("month {abbrev}"));
    i as i8 + 1
}

/// A time shift: absolute instants move by `delta`; wall-clock times were in
/// `old_tz` and are re-expressed in `new_tz`.
pub struct Shift {
    pub delta: SignedDuration,
    pub old_tz: TimeZone,
    pub new_tz: TimeZone,
    /// The long zone name printed by `show status` and the PDH-CSV header.
    pub new_zone_long_name: String,
    /// The year of year-less syslog lines in files with no CiscoLog stamp
    /// (None: such lines are left alone).
    pub syslog_year: Option<i16>,
}

impl Shift {
    pub fn instant(&self, ts: Timestamp) -> Timestamp {
        ts + self.delta
    }

    /// An old-zone wall-clock time, moved and shown in the new zone.
    pub fn local(&self, dt: DateTime) -> ZonedDateTime {
        let old = self
            .old_tz
            .to_ambiguous_zoned_datetime(dt)
            .compatible()
            .expect("old local time");
        self.instant(old.timestamp())
            .to_zoned_datetime(self.new_tz.clone())
    }

    /// A wall-clock time moved: in UTC when it was stated in UTC, else as
    /// [`Shift::local`].
    pub fn moved(&self, dt: DateTime, utc: bool) -> ZonedDateTime {
        if utc {
            let at = dt
                .to_zoned_datetime(TimeZone::UTC)
                .expect("UTC time")
                .timestamp();
            self.instant(at).to_zoned_datetime(TimeZone::UTC)
        } else {
            self.local(dt)
        }
    }

    /// A shift by `delta`, from the site zone `old` to the site zone `new`
    /// (`new_long_name` is what `show status` and PDH-CSV headers print for it).
    pub fn new(delta: SignedDuration, old: &str, new: &str, new_long_name: &str) -> Shift {
        Shift {
            delta,
            old_tz: TimeZone::get(old).unwrap_or_else(|e| panic!("zone {old}: {e}")),
            new_tz: TimeZone::get(new).unwrap_or_else(|e| panic!("zone {new}: {e}")),
            new_zone_long_name: new_long_name.to_string(),
            syslog_year: None,
        }
    }

    /// Apply every time pattern to a file's text.
    pub fn text(&self, text: &str) -> String {
        // Time-of-day lines first: they are dated by the old context lines.
        let t = self.capture_times(text);
        let t = self.core_file_names(&t);
        let t = self.core_list_dates(&t);
        let t = self.ctimes(&t);
        let t = self.show_status(&t);
        let t = self.replication_stamps(&t);
        let t = self.syslog(&t);
        let t = self.dumplog(&t);
        let t = self.perfmon(&t);
        let t = self.ping_epochs(&t);
        let t = self.host_logs(&t);
        let t = self.ccbu_stamps(&t);
        let t = self.mivr(&t);
        self.zone_names(&t)
    }

    /// The old site zone's IANA name (`Current time in America/Los_Angeles is`)
    /// becomes the new one.
    pub fn zone_names(&self, text: &str) -> String {
        match (self.old_tz.iana_name(), self.new_tz.iana_name()) {
            (Some(old), Some(new)) if old != new => text.replace(old, new),
            _ => text.to_string(),
        }
    }

    /// `utils network capture` packet lines (`05:21:02.186421 IP a.b > c.d: ...`)
    /// and `show process load` headers (`top - 14:42:03 up ...`) carry a local time of day, dated by the last wall clock the capture
    /// stated before them (`Date :` of `show status`, `Server Time:`,
    /// `Current time in <zone> is :`). A shift that would put a packet on
    /// another local date than its context is refused.
    pub fn capture_times(&self, text: &str) -> String {
        // Packet lines and the `top - 14:42:03 up ...` header of `show process load`.
        let packet = cached(r"^(\s*|top - )(\d{2}):(\d{2}):(\d{2})(\.\d{6})?( IP6? .*| up .*)$");
        let status_date = cached(&format!(
            r"^Date\s*: (?:{WEEKDAYS}) ({MONTHS}) (\d{{1,2}}), (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})$"
        ));
        let stated = cached(&format!(
            r"^(?:Server Time: |Current time in [A-Za-z_]+/[A-Za-z_]+ is : )(?:{WEEKDAYS}) ({MONTHS}) +(\d{{1,2}}) (\d{{2}}):(\d{{2}}):(\d{{2}}) (?:[A-Z]{{3,5}} )?(\d{{4}})"
        ));
        // (old local date, new local date) of the last context line.
        let mut context: Option<(Date, Date)> = None;
        let mut out = Vec::new();
        for line in text.split('\n') {
            let t = line.trim_start();
            let ctx = if let Some(c) = status_date.captures(t) {
                Some(civil(&c, [3, 1, 2, 4, 5, 6]))
            } else {
                stated.captures(t).map(|c| civil(&c, [6, 1, 2, 3, 4, 5]))
            };
            if let Some(old) = ctx {
                context = Some((old.date(), self.local(old).date()));
            }
            // A bare ` 14:41:28 up ...` is `show status` uptime: show_status moves it.
            let hit = packet
                .captures(line)
                .filter(|c| c[1].starts_with("top") || c.get(5).is_some());
            match (hit, context) {
                (Some(c), Some((old_date, new_date))) => {
                    let z = self.local(old_date.at(n(&c[2]), n(&c[3]), n(&c[4]), 0));
                    assert_eq!(
                        z.date(),
                        new_date,
                        "the shift puts a capture line on another date than its context: {line}"
                    );
                    out.push(format!(
                        "{}{}{}{}",
                        &c[1],
                        z.strftime("%H:%M:%S"),
                        c.get(5).map_or("", |m| m.as_str()),
                        &c[6]
                    ));
                }
                _ => out.push(line.to_string()),
            }
        }
        out.join("\n")
    }

    /// A file name that carries a time: `PerfMon_<node>_MM_DD_YYYY_HH_MM.csv`
    /// and `ReplicationStatus.YYYY_MM_DD_HH_MM_SS.out` (local times).
    pub fn file_name(&self, name: &str) -> String {
        let perfmon = cached(r"^(PerfMon_.+)_(\d{2})_(\d{2})_(\d{4})_(\d{2})_(\d{2})\.csv$");
        if let Some(c) = perfmon.captures(name) {
            let z = self.local(dt(n(&c[4]), n(&c[2]), n(&c[3]), n(&c[5]), n(&c[6]), 0, 0));
            return format!("{}_{}.csv", &c[1], z.strftime("%m_%d_%Y_%H_%M"));
        }
        // A bare `_YYYYMMDD.` date (esxtop batch files): the date of its noon, moved.
        let ymd = cached(r"_(\d{4})(\d{2})(\d{2})\.");
        if let Some(c) = ymd.captures(name) {
            let z = self.local(dt(n(&c[1]), n(&c[2]), n(&c[3]), 12, 0, 0, 0));
            return ymd
                .replace(name, format!("_{}.", z.strftime("%Y%m%d")).as_str())
                .into_owned();
        }
        self.replication_stamps(name)
    }

    /// `core.<pid>.<sig>.<proc>.<epoch>`: epoch seconds, UTC.
    pub fn core_file_names(&self, text: &str) -> String {
        let re = cached(r"\b(core\.\d+\.\d+\.[A-Za-z]+)\.(\d{9,10})\b");
        re.replace_all(text, |c: &Captures| {
            let ts = Timestamp::from_second(c[2].parse().unwrap()).unwrap();
            format!("{}.{}", &c[1], self.instant(ts).as_second())
        })
        .into_owned()
    }

    /// `utils core active list`: `340196 KB   2016-01-25 13:27:10   core...` (local).
    pub fn core_list_dates(&self, text: &str) -> String {
        let re = cached(
            r"(?m)^(\s*\d+ KB\s+)(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\s+core\.)",
        );
        re.replace_all(text, |c: &Captures| {
            let z = self.local(civil(c, [2, 3, 4, 5, 6, 7]));
            format!("{}{}{}", &c[1], z.strftime("%Y-%m-%d %H:%M:%S"), &c[8])
        })
        .into_owned()
    }

    /// ctime-style local times, with or without a zone abbreviation:
    /// `since Sat Jun 29 01:48:39 2019`, `Server Time: Fri Jul 12 13:05:40 CDT 2019`,
    /// RTMT `At Fri Jul 12 07:45:10 CDT 2019` and `TimeStamp : ...`.
    /// Days are space-padded (`Dec  1`), as ctime prints them.
    pub fn ctimes(&self, text: &str) -> String {
        let re = cached(&format!(
            r"\b(?:{WEEKDAYS}) ({MONTHS}) +(\d{{1,2}}) (\d{{2}}):(\d{{2}}):(\d{{2}})(:\d{{3}})? (?:([A-Z]{{3,5}}) )?(\d{{4}})\b"
        ));
        re.replace_all(text, |c: &Captures| {
            let stated = civil(c, [8, 1, 2, 3, 4, 5]);
            let millis = c.get(6).map_or("", |m| m.as_str());
            // A stamp stated in UTC (`Current time in UTC is`, certificate
            // expiry dates) stays in UTC; other zones are the site's.
            let utc = matches!(c.get(7).map(|m| m.as_str()), Some("UTC" | "GMT"));
            let z = self.moved(stated, utc);
            let day_time = z.strftime("%a %b %e %H:%M:%S").to_string();
            match c.get(7) {
                Some(abbrev) if utc => {
                    format!("{day_time}{millis} {} {}", abbrev.as_str(), z.year())
                }
                Some(_) => format!("{day_time}{millis} {}", z.strftime("%Z %Y")),
                None => format!("{day_time}{millis} {}", z.year()),
            }
        })
        .into_owned()
    }

    /// `show status`: `Date : Fri Jul 12, 2019 13:04:52`, the `Time Zone`
    /// line, and the `uptime` clock right below (same date as `Date`).
    pub fn show_status(&self, text: &str) -> String {
        let date_re = cached(&format!(
            r"^(Date\s*: )(?:{WEEKDAYS}) ({MONTHS}) (\d{{1,2}}), (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})$"
        ));
        let zone_re = cached(r"^(Time Zone\s*: ).*\([A-Za-z_]+/[A-Za-z_]+\)$");
        let uptime_re = cached(r"^( )(\d{2}):(\d{2}):(\d{2})( up .*)$");
        let mut date: Option<Date> = None;
        let mut out = Vec::new();
        for line in text.split('\n') {
            let new = if let Some(c) = date_re.captures(line) {
                let (y, mo, d) = (n(&c[4]), month_number(&c[2]), n(&c[3]));
                date = Some(Date::new(y, mo, d).unwrap());
                let z = self.local(dt(y, mo, d, n(&c[5]), n(&c[6]), n(&c[7]), 0));
                // The day as wide as it was printed (`Feb 6,` or `Feb 06,`).
                let day = if c[3].len() == 1 { "%-d" } else { "%d" };
                format!(
                    "{}{}",
                    &c[1],
                    z.strftime(&format!("%a %b {day}, %Y %H:%M:%S"))
                )
            } else if let Some(c) = zone_re.captures(line) {
                format!(
                    "{}{} ({})",
                    &c[1],
                    self.new_zone_long_name,
                    self.new_tz.iana_name().unwrap()
                )
            } else if let (Some(c), Some(d)) = (uptime_re.captures(line), date) {
                let z = self.local(dt(
                    d.year(),
                    d.month(),
                    d.day(),
                    n(&c[2]),
                    n(&c[3]),
                    n(&c[4]),
                    0,
                ));
                format!("{}{}{}", &c[1], z.strftime("%H:%M:%S"), &c[5])
            } else {
                line.to_string()
            };
            out.push(new);
        }
        out.join("\n")
    }

    /// `utils dbreplication runtimestate`: `started at: 2019-07-12-12-58` and
    /// `ReplicationStatus.2019_07_12_12_58_31.out` (local).
    pub fn replication_stamps(&self, text: &str) -> String {
        let started = cached(r"(started at: )(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\b");
        let t = started.replace_all(text, |c: &Captures| {
            let z = self.local(dt(n(&c[2]), n(&c[3]), n(&c[4]), n(&c[5]), n(&c[6]), 0, 0));
            format!("{}{}", &c[1], z.strftime("%Y-%m-%d-%H-%M"))
        });
        let file =
            cached(r"(ReplicationStatus\.)(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})(\.out)");
        file.replace_all(&t, |c: &Captures| {
            let z = self.local(civil(c, [2, 3, 4, 5, 6, 7]));
            format!("{}{}{}", &c[1], z.strftime("%Y_%m_%d_%H_%M_%S"), &c[8])
        })
        .into_owned()
    }

    /// CiscoSyslog: the syslogd prefix `Jul 12 06:17:42 ` (local, no year: the
    /// year comes from the line's UTC stamp) and the CiscoLog stamp
    /// `Jul 12 2019 11:17:42.311 UTC`.
    pub fn syslog(&self, text: &str) -> String {
        let prefix = cached(&format!(
            r"^({MONTHS}) +(\d{{1,2}}) (\d{{2}}):(\d{{2}}):(\d{{2}}) "
        ));
        let stamp = cached(&format!(
            r"({MONTHS}) (\d{{2}}) (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})\.(\d{{3}}) UTC"
        ));
        let mut out = Vec::new();
        // Year-less lines (plain syslogd, platform messages) take the year of
        // the file's last CiscoLog stamp, else the guard's `syslog_year`.
        let mut last_year: Option<i16> = self.syslog_year;
        for line in text.split('\n') {
            let Some(s) = stamp.captures(line) else {
                let moved = last_year.and_then(|year| {
                    let c = prefix.captures(line)?;
                    let z = self.local(yearless(&c, year));
                    Some(format!(
                        "{} {}",
                        z.strftime("%b %e %H:%M:%S"),
                        &line[c[0].len()..]
                    ))
                });
                out.push(moved.unwrap_or_else(|| line.to_string()));
                continue;
            };
            let year: i16 = n(&s[3]);
            last_year = Some(year);
            let line = stamp.replace(line, |c: &Captures| {
                let utc = DateTime::new(
                    year,
                    month_number(&c[1]),
                    n(&c[2]),
                    n(&c[4]),
                    n(&c[5]),
                    n(&c[6]),
                    n::<i32>(&c[7]) * 1_000_000,
                )
                .unwrap()
                .to_zoned_datetime(TimeZone::UTC)
                .unwrap();
                self.instant(utc.timestamp())
                    .to_zoned_datetime(TimeZone::UTC)
                    .strftime("%b %d %Y %H:%M:%S.%3f UTC")
                    .to_string()
            });
            let line = prefix.replace(&line, |c: &Captures| {
                let z = self.local(yearless(c, year));
                format!("{} ", z.strftime("%b %e %H:%M:%S"))
            });
            out.push(line.into_owned());
        }
        out.join("\n")
    }

    /// UCCX MIVR / JTAPI client records: `204399: Jun 18 09:30:01.250 AEST %MIVR-...`
    /// (site local, no year: the guard's `syslog_year`; the zone abbreviation
    /// is renamed by the names table, as the parser never reads it).
    pub fn mivr(&self, text: &str) -> String {
        let Some(year) = self.syslog_year else {
            return text.to_string();
        };
        let stamp = cached(&format!(
            r"(?m)^(\d+): ({MONTHS}) (\d{{2}}) (\d{{2}}):(\d{{2}}):(\d{{2}})\.(\d{{3}})( [A-Z]{{2,5}} ?%| ?%)"
        ));
        stamp
            .replace_all(text, |c: &Captures| {
                let t = dt(
                    year,
                    month_number(&c[2]),
                    n(&c[3]),
                    n(&c[4]),
                    n(&c[5]),
                    n(&c[6]),
                    n(&c[7]),
                );
                let z = self.local(t);
                format!("{}: {}{}", &c[1], z.strftime("%b %d %H:%M:%S%.3f"), &c[8])
            })
            .into_owned()
    }

    /// Host and appliance logs: ESXi's `2024-03-12T15:14:01.902Z` (UTC),
    /// CIMC tech-support ` 2:2024 March 12 10:14:04:BMC:` (site local),
    /// VOS system-history `03/12/2024 10:54:31 | root:` (site local) and CCBU
    /// (Finesse) `Mar 12 2024 10:05:00.012 -0500:` (its own offset, written
    /// back in the new zone with the new offset).
    pub fn host_logs(&self, text: &str) -> String {
        let iso = cached(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z");
        let cimc = cached(r"(?m)^( ?\d:)(\d{4}) ([A-Z][a-z]+) (\d{2}) (\d{2}):(\d{2}):(\d{2}):");
        let history = cached(r"(?m)^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2}) \|");
        let ccbu = cached(&format!(
            r"(?m)^({MONTHS}) (\d{{2}}) (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})\.(\d{{3}}) ([+-])(\d{{2}})(\d{{2}}):"
        ));
        let t = iso.replace_all(text, |c: &Captures| {
            let frac = c.get(7).map_or("", |m| m.as_str());
            let nanos = if frac.is_empty() {
                0
            } else {
                format!("{:0<9}", &frac[1..]).parse::<i32>().unwrap()
            };
            let utc = DateTime::new(
                n(&c[1]),
                n(&c[2]),
                n(&c[3]),
                n(&c[4]),
                n(&c[5]),
                n(&c[6]),
                nanos,
            )
            .unwrap()
            .to_zoned_datetime(TimeZone::UTC)
            .unwrap();
            let moved = self
                .instant(utc.timestamp())
                .to_zoned_datetime(TimeZone::UTC);
            let digits = frac.len().saturating_sub(1);
            let f = if digits == 0 {
                String::new()
            } else {
                format!(".{:09}", moved.subsec_nanosecond())[..digits + 1].to_string()
            };
            format!("{}{f}Z", moved.strftime("%Y-%m-%dT%H:%M:%S"))
        });
        let t = cimc.replace_all(&t, |c: &Captures| {
            let z = self.local(civil(c, [2, 3, 4, 5, 6, 7]));
            format!("{}{}:", &c[1], z.strftime("%Y %B %d %H:%M:%S"))
        });
        let t = history.replace_all(&t, |c: &Captures| {
            let z = self.local(civil(c, [3, 1, 2, 4, 5, 6]));
            format!("{} |", z.strftime("%m/%d/%Y %H:%M:%S"))
        });
        let t = ccbu.replace_all(&t, |c: &Captures| {
            let sign = if &c[8] == "-" { -1 } else { 1 };
            let offset = sign * (n::<i32>(&c[9]) * 3600 + n::<i32>(&c[10]) * 60);
            let local = civil_ms(c, [3, 1, 2, 4, 5, 6], 7);
            let at = local
                .to_zoned_datetime(TimeZone::fixed(
                    uctriage_core::jiff::tz::Offset::from_seconds(offset).unwrap(),
                ))
                .unwrap()
                .timestamp();
            let z = self.instant(at).to_zoned_datetime(self.new_tz.clone());
            format!(
                "{}.{:03} {}:",
                z.strftime("%b %d %Y %H:%M:%S"),
                z.millisecond(),
                z.strftime("%z")
            )
        });
        t.into_owned()
    }

    /// dumplog: `Events from July 12, 2019` and `HH:MM:SS:mmm` lines (local).
    /// The header becomes the new local date of the first line; a shift that
    /// would spread the file over two local dates is refused.
    pub fn dumplog(&self, text: &str) -> String {
        let header = cached(r"^Events from ([A-Z][a-z]+) (\d{1,2}), (\d{4})$");
        let line_re = cached(r"^(\d{2}):(\d{2}):(\d{2}):(\d{3})( .*)$");
        let mut date: Option<Date> = None;
        let mut new_date: Option<Date> = None;
        let mut header_at: Option<usize> = None;
        let mut out: Vec<String> = Vec::new();
        for line in text.split('\n') {
            if let Some(c) = header.captures(line) {
                date = Some(Date::new(n(&c[3]), month_number(&c[1]), n(&c[2])).unwrap());
                new_date = None;
                header_at = Some(out.len());
                out.push(line.to_string());
            } else if let (Some(c), Some(d)) = (line_re.captures(line), date) {
                let z = self.local(dt(
                    d.year(),
                    d.month(),
                    d.day(),
                    n(&c[1]),
                    n(&c[2]),
                    n(&c[3]),
                    n(&c[4]),
                ));
                match new_date {
                    None => {
                        new_date = Some(z.date());
                        let h = header_at.unwrap();
                        out[h] = format!("Events from {}", z.strftime("%B %-d, %Y"));
                    }
                    Some(nd) => {
                        assert_eq!(nd, z.date(), "the shift spreads a dumplog over two dates")
                    }
                }
                out.push(format!(
                    "{}:{:03}{}",
                    z.strftime("%H:%M:%S"),
                    z.millisecond(),
                    &c[5]
                ));
            } else {
                out.push(line.to_string());
            }
        }
        out.join("\n")
    }

    /// PDH-CSV: header `"(PDH-CSV 4.0) (<zone name>)(<bias>)"` (bias = UTC -
    /// local, minutes) and `"MM/DD/YYYY HH:MM:SS.mmm"` rows (local).
    pub fn perfmon(&self, text: &str) -> String {
        let header = cached(r#""\(PDH-CSV 4\.0\) \([^)]*\)\((-?\d+)\)""#);
        let row = cached(r#"(?m)^"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})(\.\d{3})?""#);
        // esxtop batch files state UTC in their header: they stay in UTC.
        let utc = text.starts_with("\"(PDH-CSV 4.0) (UTC)(0)\"");
        let mut first_offset: Option<i32> = None;
        let t = row.replace_all(text, |c: &Captures| {
            let ms = c.get(7).map_or(0, |m| n::<i32>(&m.as_str()[1..]));
            let civil = dt(
                n(&c[3]),
                n(&c[1]),
                n(&c[2]),
                n(&c[4]),
                n(&c[5]),
                n(&c[6]),
                ms,
            );
            let z = self.moved(civil, utc);
            first_offset.get_or_insert(z.offset().seconds());
            let millis = if c.get(7).is_some() { ".%3f" } else { "" };
            format!("\"{}\"", z.strftime(&format!("%m/%d/%Y %H:%M:%S{millis}")))
        });
        if utc {
            return t.into_owned();
        }
        let Some(offset) = first_offset else {
            return t.into_owned();
        };
        header
            .replace(&t, |_: &Captures| {
                format!(
                    "\"(PDH-CSV 4.0) ({})({})\"",
                    self.new_zone_long_name,
                    -offset / 60
                )
            })
            .into_owned()
    }

    /// `ping -D`: `[1562931004.239129]` epoch seconds and microseconds.
    pub fn ping_epochs(&self, text: &str) -> String {
        let re = cached(r"\[(\d{9,10})\.(\d{6})\]");
        re.replace_all(text, |c: &Captures| {
            let us: i64 = c[1].parse::<i64>().unwrap() * 1_000_000 + c[2].parse::<i64>().unwrap();
            let ts = self.instant(Timestamp::from_microsecond(us).unwrap());
            format!("[{}.{:06}]", ts.as_second(), ts.subsec_microsecond())
        })
        .into_owned()
    }

    /// Contact-centre CiscoLog stamps (Finesse, CVP) after the record's
    /// sequence number and host (`0000001007: 10.1.1.4: Feb 06 2024
    /// 14:07:34.215 -0800:`; stamps that start the line are `host_logs`'):
    /// moved and written in the new zone with its offset.
    pub fn ccbu_stamps(&self, text: &str) -> String {
        let re = cached(&format!(
            r"(?m)^(\d{{1,12}}: ?[^\s:]*: )({MONTHS}) (\d{{2}}) (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})\.(\d{{3}}) ([+-])(\d{{2}})(\d{{2}}):"
        ));
        re.replace_all(text, |c: &Captures| {
            let local = civil_ms(c, [4, 2, 3, 5, 6, 7], 8);
            let sign = if &c[9] == "-" { -1 } else { 1 };
            let secs = sign * (n::<i32>(&c[10]) * 3600 + n::<i32>(&c[11]) * 60);
            let offset = uctriage_core::jiff::tz::Offset::from_seconds(secs).unwrap();
            let ts = offset.to_timestamp(local).unwrap();
            let moved = self
                .instant(ts)
                .to_zoned_datetime(self.new_tz.clone())
                .strftime("%b %d %Y %H:%M:%S.%3f %z:")
                .to_string();
            format!("{}{moved}", &c[1])
        })
        .into_owned()
    }
}

/// A civil date and time (milliseconds).
/// The civil time in a match: the groups of year, month (a number or a
/// name), day, hour, minute and second, in that order.
fn civil(c: &Captures, [y, mo, d, h, mi, s]: [usize; 6]) -> DateTime {
    let month = c[mo].parse().unwrap_or_else(|_| month_number(&c[mo]));
    dt(n(&c[y]), month, n(&c[d]), n(&c[h]), n(&c[mi]), n(&c[s]), 0)
}

/// A syslogd prefix's `Mmm dd hh:mm:ss` (groups 1 to 5) in `year`.
fn yearless(c: &Captures, year: i16) -> DateTime {
    let month = month_number(&c[1]);
    dt(year, month, n(&c[2]), n(&c[3]), n(&c[4]), n(&c[5]), 0)
}

/// [`civil`] with the milliseconds in group `ms`.
fn civil_ms(c: &Captures, groups: [usize; 6], ms: usize) -> DateTime {
    let t = civil(c, groups);
    dt(
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        n(&c[ms]),
    )
}

fn dt(y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8, ms: i32) -> DateTime {
    DateTime::new(y, mo, d, h, mi, s, ms * 1_000_000).expect("valid civil time")
}

fn n<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.trim().parse().expect("number")
}

/// A rename table: literal names (replaced longest first, anywhere) and exact
/// numeric tokens (IP addresses, directory numbers: a whole run of digits and
/// dots must match).
pub struct Rename {
    pub names: BTreeMap<String, String>,
    pub numbers: BTreeMap<String, String>,
    names_re: Regex,
    numbers_re: Regex,
}

impl Rename {
    pub fn new(names: BTreeMap<String, String>, numbers: BTreeMap<String, String>) -> Self {
        let mut keys: Vec<&String> = names.keys().collect();
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        let alternation: Vec<String> = keys.iter().map(|k| regex::escape(k)).collect();
        let names_re = Regex::new(&alternation.join("|")).unwrap();
        let numbers_re = Regex::new(r"[0-9]+(?:\.[0-9]+)*").unwrap();
        Rename {
            names,
            numbers,
            names_re,
            numbers_re,
        }
    }

    pub fn text(&self, text: &str) -> String {
        let t = self
            .names_re
            .replace_all(text, |c: &Captures| self.names[&c[0]].clone());
        self.numbers_re
            .replace_all(&t, |c: &Captures| {
                self.numbers
                    .get(&c[0])
                    .cloned()
                    .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
    }

    /// Every old name and number, for the "nothing survives" check.
    pub fn old_keys(&self) -> impl Iterator<Item = &String> {
        self.names.keys().chain(self.numbers.keys())
    }
}
