//! `uctriage timeline`.

use super::window::Window;
use super::{bundled_knowledge, ensure_readable, load_bundle_spilling, time_style};
use crate::args::{ColorWhen, TimelineArgs, TimelineFormat};
use crate::output::Output;
use anyhow::{Context, Result};
use regex::Regex;
use uctriage_core::stages;
use uctriage_core::{Event, Kind, ZoneSource};
use uctriage_engine::Bundle;
use uctriage_report::{TextTimeline, TimeStyle, Widths};
use uctriage_spill::Head;

pub fn run(a: TimelineArgs, color: ColorWhen) -> Result<i32> {
    let mut out = Output::open(&a.out, color)?;
    let mut phases = super::Phases::from_env();
    let bundle = load_bundle_spilling(&a.input, bundled_knowledge()?, a.all)?;
    phases.done("load (read, parse, normalize)");
    ensure_readable(&bundle, &a.input.paths)?;
    let style = time_style(&bundle, &a.zone)?;
    let filter = Filter::new(&a, &bundle, &style)?;
    let layout = out.layout;
    // What is on disk outside the window is not read.
    let span = filter.window.span();
    let written = match a.format {
        TimelineFormat::Json => {
            let mut n = 0u64;
            bundle.each_in_order(span, |e| -> Result<()> {
                if filter.keeps(e) {
                    uctriage_report::timeline_ndjson(&mut out, [e])?;
                    n += 1;
                    stages::done(n, None);
                }
                Ok(())
            })?;
            n
        }
        TimelineFormat::Text => {
            let mut header = header(&bundle, &style, &a);
            header.extend(filter.window.explained.iter().cloned());
            // The columns fit the events shown: one pass to measure them
            // (reading only each event's time, host and kind unless --grep
            // needs the rest), one to write.
            stages::begin(|| "measuring the timeline's columns".into());
            let mut widths = Widths::default();
            let mut n = 0u64;
            if filter.grep.is_none() {
                bundle.each_head(span, |h| {
                    if filter.keeps_head(h) {
                        widths.add(h.host, h.kind);
                        n += 1;
                    }
                })?;
            } else {
                bundle.each_in_order(span, |e| -> Result<()> {
                    if filter.keeps(e) {
                        widths.add(e.host.as_deref(), e.kind);
                        n += 1;
                    }
                    Ok(())
                })?;
            }
            let mut t = TextTimeline::start(&mut out, &style, &layout, &header, widths)?;
            let mut done = 0u64;
            bundle.each_in_order(span, |e| -> Result<()> {
                if filter.keeps(e) {
                    t.event(e)?;
                    done += 1;
                    stages::done(done, Some(n));
                }
                Ok(())
            })?;
            t.finish()?;
            n
        }
    };
    let code = if written == 0 {
        super::NOTHING_FOUND
    } else {
        super::FOUND
    };
    out.finish()?;
    phases.done("write (merge, filter, render)");
    phases.report();
    Ok(super::done(bundle, code))
}

fn header(bundle: &Bundle, style: &TimeStyle, a: &TimelineArgs) -> Vec<String> {
    let mut h = vec![if a.zone.utc {
        "times in UTC".to_string()
    } else if a.zone.display_tz.is_some() {
        format!(
            "times in {} (--display-tz; the incident's local zone is {})",
            style.name, bundle.display.zone
        )
    } else {
        format!(
            "times in {} (the incident's local zone; --utc or --display-tz ZONE for another)",
            style.name
        )
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
    window: Window,
    grep: Option<Regex>,
    all: bool,
}

impl Filter {
    fn new(a: &TimelineArgs, bundle: &Bundle, style: &TimeStyle) -> Result<Filter> {
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
            window: Window::new(&a.window, bundle, style)?,
            grep,
            all: a.all,
        })
    }

    /// Whether an event of this time, host and kind is shown (when no
    /// `--grep` reads the rest of it).
    fn keeps_head(&self, h: Head<'_>) -> bool {
        if h.time.is_none() && !self.all {
            return false;
        }
        if h.kind == Kind::MetricSample && !self.all && !self.kinds.contains(&Kind::MetricSample) {
            return false;
        }
        if !self.hosts.is_empty() && !h.host.is_some_and(|h| self.hosts.iter().any(|w| w == h)) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.contains(&h.kind) {
            return false;
        }
        self.window.keeps(h.time)
    }

    fn keeps(&self, e: &Event) -> bool {
        if !self.keeps_head(Head::of(e)) {
            return false;
        }
        if let Some(re) = &self.grep {
            return re.is_match(&e.summary)
                || re.is_match(&e.evidence.text.get())
                || e.fields.values().any(|v| re.is_match(v));
        }
        true
    }
}
