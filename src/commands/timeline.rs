//! `uctriage timeline`.

use super::{bundled_knowledge, load_bundle, time_style};
use crate::args::{TimelineArgs, TimelineFormat};
use anyhow::{bail, Context, Result};
use regex::Regex;
use std::io::Write;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind, ZoneSource};
use uctriage_engine::{Bundle, Retain};

pub fn run(a: TimelineArgs) -> Result<i32> {
    let bundle = load_bundle(&a.input, bundled_knowledge()?, a.all, Retain::All)?;
    let style = time_style(&bundle, a.utc);
    let filter = Filter::new(&a, &bundle, &style.tz)?;
    let events: Vec<&Event> = bundle.events.iter().filter(|e| filter.keeps(e)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        TimelineFormat::Json => uctriage_report::timeline_ndjson(&mut out, events)?,
        TimelineFormat::Text => {
            let header = header(&bundle, &style.name, a.utc);
            uctriage_report::timeline_text(&mut out, &style, &header, events)?
        }
    }
    out.flush()?;
    Ok(super::exit_code(bundle))
}

fn header(bundle: &Bundle, zone: &str, utc: bool) -> Vec<String> {
    let mut h = vec![if utc {
        "times in UTC".to_string()
    } else {
        format!("times in {zone} (the incident's local zone; --utc for UTC)")
    }];
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (host, d) in &bundle.zones {
        let key = match d.source {
            ZoneSource::OtherHost => format!("{}: {}", d.zone, d.source.describe()),
            _ => format!("{} — {}", d.zone, d.detail),
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, hosts)) => hosts.push(host),
            None => groups.push((key, vec![host])),
        }
    }
    for (key, hosts) in groups {
        h.push(format!("zone of {}: {key}", hosts.join(", ")));
    }
    h.extend(bundle.notes.iter().map(|n| format!("note: {n}")));
    h
}

struct Filter {
    hosts: Vec<String>,
    kinds: Vec<Kind>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    grep: Option<Regex>,
    all: bool,
}

impl Filter {
    fn new(a: &TimelineArgs, bundle: &Bundle, tz: &TimeZone) -> Result<Filter> {
        let kinds = a
            .kind
            .iter()
            .map(|k| {
                Kind::parse(k).with_context(|| {
                    let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                    format!("unknown kind `{k}`; kinds are: {}", all.join(", "))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let grep = a
            .grep
            .as_deref()
            .map(Regex::new)
            .transpose()
            .context("--grep")?;
        Ok(Filter {
            hosts: a.host.iter().map(|h| bundle.hosts.resolve(h)).collect(),
            kinds,
            since: a.since.as_deref().map(|s| parse_when(s, tz)).transpose()?,
            until: a.until.as_deref().map(|s| parse_when(s, tz)).transpose()?,
            grep,
            all: a.all,
        })
    }

    fn keeps(&self, e: &Event) -> bool {
        if e.time.is_none() && !self.all {
            return false;
        }
        if e.kind == Kind::MetricSample && !self.all && !self.kinds.contains(&Kind::MetricSample) {
            return false;
        }
        if !self.hosts.is_empty() && !e.host.as_ref().is_some_and(|h| self.hosts.contains(h)) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.contains(&e.kind) {
            return false;
        }
        if let Some(s) = self.since {
            if e.time.is_none_or(|t| t < s) {
                return false;
            }
        }
        if let Some(u) = self.until {
            if e.time.is_none_or(|t| t > u) {
                return false;
            }
        }
        if let Some(re) = &self.grep {
            return re.is_match(&e.summary)
                || re.is_match(&e.evidence.text)
                || e.fields.values().any(|v| re.is_match(v));
        }
        true
    }
}

/// RFC 3339, or a civil `YYYY-MM-DD[ HH:MM[:SS]]` in the shown zone.
fn parse_when(s: &str, tz: &TimeZone) -> Result<Timestamp> {
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil = s.trim().replace(' ', "T");
    let dt: DateTime = match civil.parse() {
        Ok(dt) => dt,
        Err(_) => match civil.parse::<uctriage_core::jiff::civil::Date>() {
            Ok(d) => d.to_datetime(uctriage_core::jiff::civil::Time::midnight()),
            Err(_) => bail!("`{s}` is not a time: use RFC 3339 or `YYYY-MM-DD HH:MM[:SS]`"),
        },
    };
    Ok(tz.to_ambiguous_timestamp(dt).compatible()?)
}
