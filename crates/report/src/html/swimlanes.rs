//! A swimlane per host: its events in the incident window, one marker shape
//! and colour per kind of event, the incident shaded, and a table of the
//! same events for keyboards, screen readers and print.

use super::{esc, is_metric, ms, secs, ticks, w, Window};
use crate::time::TimeStyle;
use std::collections::BTreeMap;
use uctriage_core::{Event, Kind};
use uctriage_correlate::{Analysis, FindingKind};
use uctriage_normalize::Bundle;

const LEFT: f64 = 150.0;
const PLOT: f64 = 900.0;
const RIGHT: f64 = 16.0;
const LANE: f64 = 26.0;
const TOP: f64 = 22.0;
const TABLE_MAX: usize = 400;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Loss,
    Back,
    Core,
    Service,
    Auth,
    Sdl,
    Repl,
    Alarm,
    Rtmt,
    Other,
}

impl Mark {
    fn of(k: Kind) -> Mark {
        match k {
            Kind::DeviceOutOfService | Kind::AddressOutOfService | Kind::DeviceUnregistered => {
                Mark::Loss
            }
            Kind::DeviceInService | Kind::AddressInService | Kind::DeviceRegistered => Mark::Back,
            Kind::ServiceCore | Kind::Backtrace => Mark::Core,
            Kind::ServiceState => Mark::Service,
            Kind::ClusterAuth => Mark::Auth,
            Kind::SdlLink => Mark::Sdl,
            Kind::Replication => Mark::Repl,
            Kind::Alarm => Mark::Alarm,
            Kind::RtmtAlert => Mark::Rtmt,
            _ => Mark::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mark::Loss => "device / address lost",
            Mark::Back => "device / address back",
            Mark::Core => "core dump / backtrace",
            Mark::Service => "service state",
            Mark::Auth => "cluster authentication",
            Mark::Sdl => "SDL link",
            Mark::Repl => "DB replication",
            Mark::Alarm => "alarm",
            Mark::Rtmt => "RTMT alert",
            Mark::Other => "other log line",
        }
    }

    /// The marker centred on (x, y), without closing tag (a `<title>` follows).
    fn shape(self, x: f64, y: f64) -> String {
        match self {
            Mark::Loss => format!(
                "<path d=\"M{:.1} {:.1}h12l-6 11z\" fill=\"#b3261e\"",
                x - 6.0,
                y - 5.0
            ),
            Mark::Back => format!(
                "<path d=\"M{:.1} {:.1}h12l-6 -11z\" fill=\"#1a7f37\"",
                x - 6.0,
                y + 5.0
            ),
            Mark::Core => format!(
                "<path d=\"M{:.1} {:.1}l12 12m0 -12l-12 12\" stroke=\"#000\" stroke-width=\"3.2\" fill=\"none\"",
                x - 6.0,
                y - 6.0
            ),
            Mark::Service => format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#d4700a\"",
                x - 5.0,
                y - 5.0
            ),
            Mark::Auth => format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5.5\" fill=\"#7b2fbf\""
            ),
            Mark::Sdl => format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"4\" height=\"16\" fill=\"#0b5cad\"",
                x - 2.0,
                y - 8.0
            ),
            Mark::Repl => format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"#fff\" stroke=\"#00838f\" stroke-width=\"2.5\""
            ),
            Mark::Alarm => format!(
                "<path d=\"M{x:.1} {:.1}l6 6l-6 6l-6 -6z\" fill=\"#fff\" stroke=\"#9a6700\" stroke-width=\"2\"",
                y - 6.0
            ),
            Mark::Rtmt => format!(
                "<path d=\"M{x:.1} {:.1}l6 6l-6 6l-6 -6z\" fill=\"#f2b705\" stroke=\"#7a5200\" stroke-width=\"1\"",
                y - 6.0
            ),
            Mark::Other => format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"1.6\" height=\"8\" fill=\"#8c959f\"",
                x - 0.8,
                y - 4.0
            ),
        }
    }
}

pub(super) fn swimlanes(s: &mut String, a: &Analysis, b: &Bundle, win: &Window, style: &TimeStyle) {
    s.push_str("<section id=\"timeline\" aria-labelledby=\"timeline-h\">\n<h2 id=\"timeline-h\">Timeline per host</h2>\n");
    let mut lanes: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    let mut outside = 0usize;
    for e in &b.events {
        let (Some(t), Some(h)) = (e.time, e.host.as_deref()) else {
            continue;
        };
        if is_metric(e.kind) {
            continue;
        }
        let t = ms(t);
        if t < win.from || t > win.to {
            outside += 1;
            continue;
        }
        lanes.entry(h).or_default().push(e);
    }
    let from_ts = uctriage_core::jiff::Timestamp::from_millisecond(win.from).ok();
    let to_ts = uctriage_core::jiff::Timestamp::from_millisecond(win.to).ok();
    if let (Some(f), Some(t)) = (from_ts, to_ts) {
        w!(
            s,
            "<p class=\"muted\">From {} to {}: {}. {} events outside it are left out here (see <code>uctriage timeline</code>).</p>\n",
            esc(&secs(style, f)),
            esc(&secs(style, t)),
            win.basis,
            outside
        );
    }
    if lanes.is_empty() {
        s.push_str("<p>No host has events in this window.</p>\n</section>\n");
        return;
    }
    // Hosts of the impact and root cause first, then by first event.
    let key_hosts: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Impact | FindingKind::RootCause))
        .flat_map(|f| f.hosts.iter().map(String::as_str))
        .collect();
    let mut order: Vec<(&str, Vec<&Event>)> = lanes.into_iter().collect();
    order.sort_by_key(|(h, ev)| {
        (
            key_hosts.iter().position(|k| k == h).unwrap_or(usize::MAX),
            ev.first().and_then(|e| e.time),
        )
    });
    let height = TOP + order.len() as f64 * LANE + 26.0;
    let width = LEFT + PLOT + RIGHT;
    let x = |t: i64| LEFT + (t - win.from) as f64 / (win.to - win.from).max(1) as f64 * PLOT;
    w!(
        s,
        "<figure><figcaption>One lane per host with events in the window; hover a marker for its time and summary. \
Times in {}.</figcaption>\n<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Events per host over time\">\n",
        esc(&style.name)
    );
    let bottom = TOP + order.len() as f64 * LANE;
    if let Some((i0, i1)) = win.incident {
        let (x0, x1) = (x(i0), x(i1).max(x(i0) + 2.0));
        w!(
            s,
            "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b3261e\" fill-opacity=\"0.10\" stroke=\"#b3261e\" stroke-opacity=\"0.5\" stroke-dasharray=\"3 3\"/>\
<text x=\"{x0:.1}\" y=\"12\" font-size=\"11\" fill=\"#b3261e\">incident</text>\n",
            TOP - 4.0,
            x1 - x0,
            bottom - TOP + 4.0
        );
    }
    for (i, (h, _)) in order.iter().enumerate() {
        let y = TOP + i as f64 * LANE;
        if i % 2 == 0 {
            w!(
                s,
                "<rect x=\"0\" y=\"{y:.1}\" width=\"{width:.0}\" height=\"{LANE}\" fill=\"#f6f8fa\" fill-opacity=\"0.7\"/>"
            );
        }
        w!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\n",
            LEFT - 8.0,
            y + LANE / 2.0 + 4.0,
            esc(&super::layout::clip(h, 22))
        );
    }
    for (t, label) in ticks(win.from, win.to, style, 12) {
        let tx = x(t);
        w!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{bottom:.1}\" stroke=\"#d0d7de\"/>\
<text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
            bottom + 14.0,
            esc(&label)
        );
    }
    let mut present: Vec<Mark> = Vec::new();
    for (i, (_, evs)) in order.iter().enumerate() {
        let y = TOP + i as f64 * LANE + LANE / 2.0;
        // Draw "other" first so that the meaningful markers sit on top.
        let mut sorted: Vec<&&Event> = evs.iter().collect();
        sorted.sort_by_key(|e| std::cmp::Reverse(Mark::of(e.kind)));
        for e in sorted {
            let Some(t) = e.time else { continue };
            let m = Mark::of(e.kind);
            if !present.contains(&m) {
                present.push(m);
            }
            w!(
                s,
                "{}><title>{} {} — {}</title></{}>\n",
                m.shape(x(ms(t)), y),
                esc(&secs(style, t)),
                e.kind.as_str(),
                esc(&e.summary),
                tag(m)
            );
        }
    }
    s.push_str("</svg>\n");
    present.sort();
    s.push_str("<ul class=\"legend\" aria-label=\"Marker legend\">");
    for m in &present {
        w!(
            s,
            "<li><svg width=\"16\" height=\"18\" viewBox=\"0 0 16 18\" aria-hidden=\"true\">{}/></svg>{}</li>",
            m.shape(8.0, 9.0),
            m.name()
        );
    }
    if win.incident.is_some() {
        s.push_str("<li><svg width=\"16\" height=\"14\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"14\" height=\"12\" fill=\"#b3261e\" fill-opacity=\"0.15\" stroke=\"#b3261e\" stroke-dasharray=\"3 3\"/></svg>incident (impact and root cause)</li>");
    }
    s.push_str("</ul>\n</figure>\n");
    table(s, &order, style);
    s.push_str("</section>\n");
}

fn tag(m: Mark) -> &'static str {
    match m {
        Mark::Service | Mark::Sdl | Mark::Other => "rect",
        Mark::Auth | Mark::Repl => "circle",
        _ => "path",
    }
}

/// The same events as a table, most telling kinds only when there are many.
fn table(s: &mut String, lanes: &[(&str, Vec<&Event>)], style: &TimeStyle) {
    let mut all: Vec<&Event> = lanes.iter().flat_map(|(_, e)| e.iter().copied()).collect();
    all.sort_by_key(|e| (e.time, e.evidence.file.clone(), e.evidence.line));
    let total = all.len();
    if total > TABLE_MAX {
        all.retain(|e| Mark::of(e.kind) != Mark::Other);
        all.truncate(TABLE_MAX);
    }
    w!(
        s,
        "<details><summary>These events as a table ({} of {})</summary>\n<table>\n<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Host</th>\
<th scope=\"col\">Kind</th><th scope=\"col\">Summary</th><th scope=\"col\">File:line</th></tr></thead>\n<tbody>\n",
        all.len(),
        total
    );
    for e in all {
        let Some(t) = e.time else { continue };
        w!(
            s,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"path\">{}:{}</td></tr>\n",
            esc(&secs(style, t)),
            esc(e.host.as_deref().unwrap_or("-")),
            e.kind.as_str(),
            esc(&e.summary),
            esc(&e.evidence.file),
            e.evidence.line
        );
    }
    s.push_str("</tbody></table></details>\n");
}
