//! A swimlane per host: its events on the report's shared time axis, one
//! marker shape and colour per kind of event, the incident shaded; an inset
//! of the same lanes zoomed into the incident; and a table of the same
//! events for keyboards, screen readers and print.

use super::axis::{text_width, Anchor, Axis, Frame, Placer, LEFT, PLOT, RIGHT, WIDTH};
use super::{esc, is_metric, ms, secs, span, w};
use crate::time::TimeStyle;
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind};
use uctriage_correlate::{Analysis, FindingKind};
use uctriage_normalize::Bundle;

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

pub(super) fn swimlanes(
    s: &mut String,
    a: &Analysis,
    b: &Bundle,
    frame: &Frame,
    style: &TimeStyle,
) {
    s.push_str("<section id=\"timeline\" aria-labelledby=\"timeline-h\">\n<h2 id=\"timeline-h\">Timeline per host</h2>\n");
    let axis = frame.overview;
    let Lanes {
        overview: lanes,
        inset: mut zoomed_lanes,
        outside,
        table: rows,
    } = lanes_on(b, &axis, frame.inset.as_ref());
    let from_ts = Timestamp::from_millisecond(axis.from).ok();
    let to_ts = Timestamp::from_millisecond(axis.to).ok();
    if let (Some(f), Some(t)) = (from_ts, to_ts) {
        w!(
            s,
            "<p class=\"muted\">From {} to {}: {}. The metric charts below share this time axis. {} events outside it are left out here (see <code>uctriage timeline</code>).</p>\n",
            esc(&secs(style, f)),
            esc(&secs(style, t)),
            frame.basis,
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
    let mut order: Vec<(String, Lane)> = lanes.into_iter().collect();
    order.sort_by_key(|(h, lane)| {
        (
            key_hosts.iter().position(|k| k == h).unwrap_or(usize::MAX),
            lane.first,
        )
    });
    w!(
        s,
        "<figure class=\"lanes\" id=\"lanes\"><figcaption>One lane per host with events in the window; hover a marker for its time and summary. \
Times in {}.</figcaption>\n",
        esc(&style.name)
    );
    let mut present = lanes_svg(s, &order, &axis, "overview", frame, style);
    s.push_str("</figure>\n");
    if let Some(inset) = frame.inset {
        // The overview's lanes that have events in the inset, in its order.
        let zoomed: Vec<(String, Lane)> = order
            .iter()
            .filter_map(|(h, _)| Some((h.clone(), zoomed_lanes.remove(h)?)))
            .collect();
        if let (Some(f), Some(t), false) = (
            Timestamp::from_millisecond(inset.from).ok(),
            Timestamp::from_millisecond(inset.to).ok(),
            zoomed.is_empty(),
        ) {
            w!(
                s,
                "<figure class=\"lanes\" id=\"inset\"><figcaption>Zoomed into the incident: {} to {} ({}), the stretch marked on the lanes above.</figcaption>\n",
                esc(&secs(style, f)),
                esc(&secs(style, t)),
                span(inset.to - inset.from)
            );
            present.extend(lanes_svg(s, &zoomed, &inset, "inset", frame, style));
            s.push_str("</figure>\n");
        }
    }
    present.sort();
    present.dedup();
    s.push_str("<ul class=\"legend\" aria-label=\"Marker legend\">");
    for m in &present {
        w!(
            s,
            "<li><svg width=\"16\" height=\"18\" viewBox=\"0 0 16 18\" aria-hidden=\"true\">{}/></svg>{}</li>",
            m.shape(8.0, 9.0),
            m.name()
        );
    }
    if frame.incident.is_some() {
        s.push_str("<li><svg width=\"16\" height=\"14\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"14\" height=\"12\" fill=\"#b3261e\" fill-opacity=\"0.15\" stroke=\"#b3261e\" stroke-dasharray=\"3 3\"/></svg>incident (impact and root cause)</li>");
    }
    s.push_str("</ul>\n");
    table(s, rows, style);
    s.push_str("</section>\n");
}

/// Events of one marker that fall on the same spot of a lane (to the tenth
/// of a pixel the marker is drawn at), drawn once, their count and time span
/// in its title: a lane of a million log lines stays a lane of at most a few
/// thousand markers, and looks the same.
struct Group {
    spot: i64,
    first: Timestamp,
    last: Timestamp,
    count: usize,
    kind: Kind,
    summary: String,
}

/// A host's lane on one axis: its first event's instant, and per marker its
/// groups in time order.
#[derive(Default)]
struct Lane {
    first: Option<Timestamp>,
    marks: BTreeMap<Mark, Vec<Group>>,
}

impl Lane {
    fn add(&mut self, axis: &Axis, t: Timestamp, e: &Event) {
        self.first.get_or_insert(t);
        let spot = (axis.x(ms(t)) * 10.0).round() as i64;
        let groups = self.marks.entry(Mark::of(e.kind)).or_default();
        match groups.last_mut() {
            Some(g) if g.spot == spot => {
                g.count += 1;
                g.last = t;
            }
            _ => groups.push(Group {
                spot,
                first: t,
                last: t,
                count: 1,
                kind: e.kind,
                summary: e.summary.to_string(),
            }),
        }
    }
}

/// A row of the events' table.
#[derive(Clone)]
struct Row {
    time: Timestamp,
    file: std::sync::Arc<str>,
    line: u64,
    host: String,
    kind: Kind,
    summary: String,
}

/// The rows the table shows: the earliest [`TABLE_MAX`] (by time, file,
/// line), of the telling kinds only when there are more; gathered as the
/// events stream past (in time order), never much more than twice that many
/// held.
#[derive(Default)]
struct Table {
    total: usize,
    all: Earliest,
    telling: Earliest,
}

/// The earliest rows seen: once [`TABLE_MAX`] are at or before some
/// instant, no row later than it can be among them. At most twice
/// [`TABLE_MAX`] rows are held, however many share an instant (keeping
/// every row of the last instant held sorted them all again at each push
/// when thousands shared one: minutes for a report).
#[derive(Default)]
struct Earliest {
    rows: Vec<Row>,
    past: Option<Timestamp>,
}

impl Earliest {
    fn wants(&self, t: Timestamp) -> bool {
        self.past.is_none_or(|p| t <= p)
    }

    fn push(&mut self, row: Row) {
        self.rows.push(row);
        if self.rows.len() >= 2 * TABLE_MAX {
            // Stable: rows of one key stay in the order they came, so
            // those cut here would come after the kept ones in the end too.
            sort_rows(&mut self.rows);
            self.rows.truncate(TABLE_MAX);
            self.past = self.rows.last().map(|r| r.time);
        }
    }
}

fn sort_rows(rows: &mut [Row]) {
    rows.sort_by(|a, b| (a.time, &a.file, a.line).cmp(&(b.time, &b.file, b.line)));
}

impl Table {
    fn add(&mut self, t: Timestamp, host: &str, e: &Event) {
        self.total += 1;
        let row = || Row {
            time: t,
            file: e.evidence.file.clone(),
            line: e.evidence.line,
            host: host.to_string(),
            kind: e.kind,
            summary: e.summary.to_string(),
        };
        if Mark::of(e.kind) != Mark::Other && self.telling.wants(t) {
            self.telling.push(row());
        }
        if self.all.wants(t) {
            self.all.push(row());
        }
    }

    /// The rows to show, in order, and how many events there were.
    fn rows(self) -> (Vec<Row>, usize) {
        let mut rows = if self.total > TABLE_MAX {
            self.telling.rows
        } else {
            self.all.rows
        };
        sort_rows(&mut rows);
        rows.truncate(TABLE_MAX);
        (rows, self.total)
    }
}

/// The lanes of the overview and of the inset, the table, and how many
/// events with a host and a time fell outside the overview.
struct Lanes {
    overview: BTreeMap<String, Lane>,
    inset: BTreeMap<String, Lane>,
    outside: usize,
    table: Table,
}

/// Every event with a host and a time, in order, from memory or disk, into
/// its host's lanes on `axis` and on `inset`, and the table.
fn lanes_on(b: &Bundle, axis: &Axis, inset: Option<&Axis>) -> Lanes {
    let mut lanes = Lanes {
        overview: BTreeMap::new(),
        inset: BTreeMap::new(),
        outside: 0,
        table: Table::default(),
    };
    // A read that fails is recorded and reported by the front end.
    let _ = b.each_in_order(
        uctriage_spill::Span::default(),
        |e| -> std::io::Result<()> {
            let (Some(t), Some(h)) = (e.time, e.host.as_deref()) else {
                return Ok(());
            };
            if is_metric(e.kind) {
                return Ok(());
            }
            if !axis.contains(ms(t)) {
                lanes.outside += 1;
                return Ok(());
            }
            lane_of(&mut lanes.overview, h).add(axis, t, e);
            if let Some(inset) = inset.filter(|i| i.contains(ms(t))) {
                lane_of(&mut lanes.inset, h).add(inset, t, e);
            }
            lanes.table.add(t, h, e);
            Ok(())
        },
    );
    lanes
}

fn lane_of<'l>(lanes: &'l mut BTreeMap<String, Lane>, host: &str) -> &'l mut Lane {
    if !lanes.contains_key(host) {
        lanes.insert(host.to_string(), Lane::default());
    }
    lanes.get_mut(host).expect("inserted")
}

/// One SVG of lanes on `axis`; returns the kinds of marker drawn.
fn lanes_svg(
    s: &mut String,
    order: &[(String, Lane)],
    axis: &Axis,
    role: &str,
    frame: &Frame,
    style: &TimeStyle,
) -> Vec<Mark> {
    let height = TOP + order.len() as f64 * LANE + 26.0;
    let width = WIDTH;
    let label = if role == "inset" {
        "Events per host during the incident"
    } else {
        "Events per host over time"
    };
    w!(
        s,
        "<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{label}\"{}>\n",
        axis.attrs(role)
    );
    let mut labels = Placer::new();
    let bottom = TOP + order.len() as f64 * LANE;
    if let Some((i0, i1)) = frame.incident {
        let (x0, x1) = (axis.x(i0.max(axis.from)), axis.x(i1.min(axis.to)));
        let x1 = x1.max(x0 + 2.0);
        w!(
            s,
            "<rect class=\"incident\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b3261e\" fill-opacity=\"0.10\" stroke=\"#b3261e\" stroke-opacity=\"0.5\" stroke-dasharray=\"3 3\"/>\n",
            TOP - 4.0,
            x1 - x0,
            bottom - TOP + 4.0
        );
        let text = if role == "overview" && frame.inset.is_some() {
            "incident (zoomed below)"
        } else {
            "incident"
        };
        let right = (x0 + text_width(text, 11.0) <= LEFT + PLOT + RIGHT).then_some((x0, 12.0));
        let cands: Vec<(f64, f64)> = right.into_iter().collect();
        let anchor = if cands.is_empty() {
            Anchor::End
        } else {
            Anchor::Start
        };
        let cands = if cands.is_empty() {
            vec![(x1, 12.0)]
        } else {
            cands
        };
        if let Some((lx, ly)) = labels.place(text, 11.0, anchor, &cands) {
            w!(
                s,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"11\" fill=\"#b3261e\"{}>{text}</text>\n",
                anchor.attr()
            );
        }
    }
    for (i, (h, _)) in order.iter().enumerate() {
        let y = TOP + i as f64 * LANE;
        if i % 2 == 0 {
            w!(
                s,
                "<rect x=\"0\" y=\"{y:.1}\" width=\"{width:.0}\" height=\"{LANE}\" fill=\"#f6f8fa\" fill-opacity=\"0.7\"/>"
            );
        }
        let name = super::layout::clip(h, 20);
        if let Some((lx, ly)) = labels.place(
            &name,
            12.0,
            Anchor::End,
            &[(LEFT - 8.0, y + LANE / 2.0 + 4.0)],
        ) {
            w!(
                s,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"12\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
                esc(h),
                esc(&name)
            );
        }
    }
    axis.draw_ticks(s, style, TOP, bottom, &mut labels);
    let mut present: Vec<Mark> = Vec::new();
    for (i, (_, lane)) in order.iter().enumerate() {
        let y = TOP + i as f64 * LANE + LANE / 2.0;
        // Draw "other" first so that the meaningful markers sit on top;
        // each marker's groups in time order.
        for (&m, groups) in lane.marks.iter().rev() {
            for g in groups {
                if !present.contains(&m) {
                    present.push(m);
                }
                let (t, t_last) = (g.first, g.last);
                let when = match g.count {
                    1 => esc(&secs(style, t)),
                    n if t == t_last => {
                        format!("{}: {n} events, the first", esc(&secs(style, t)))
                    }
                    n => format!(
                        "{} to {}: {n} events, the first",
                        esc(&secs(style, t)),
                        esc(&secs(style, t_last))
                    ),
                };
                w!(
                    s,
                    "{}><title>{when} {} — {}</title></{}>\n",
                    m.shape(axis.x(ms(t)), y),
                    g.kind.as_str(),
                    esc(&g.summary),
                    tag(m)
                );
            }
        }
    }
    if role == "overview" {
        if let Some(inset) = frame.inset {
            let (x0, x1) = (axis.x(inset.from), axis.x(inset.to));
            w!(
                s,
                "<rect class=\"zoom\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#24292f\" stroke-width=\"1.2\"><title>zoomed below</title></rect>\n",
                TOP - 6.0,
                (x1 - x0).max(3.0),
                bottom - TOP + 8.0
            );
        }
    }
    s.push_str("</svg>\n");
    present
}

fn tag(m: Mark) -> &'static str {
    match m {
        Mark::Service | Mark::Sdl | Mark::Other => "rect",
        Mark::Auth | Mark::Repl => "circle",
        _ => "path",
    }
}

/// The same events as a table, most telling kinds only when there are many.
fn table(s: &mut String, table: Table, style: &TimeStyle) {
    let (rows, total) = table.rows();
    w!(
        s,
        "<details><summary>These events as a table ({} of {})</summary>\n<table>\n<thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Host</th>\
<th scope=\"col\">Kind</th><th scope=\"col\">Summary</th><th scope=\"col\">File:line</th></tr></thead>\n<tbody>\n",
        rows.len(),
        total
    );
    for r in rows {
        w!(
            s,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"path\">{}:{}</td></tr>\n",
            esc(&secs(style, r.time)),
            esc(&r.host),
            r.kind.as_str(),
            esc(&r.summary),
            esc(&r.file),
            r.line
        );
    }
    s.push_str("</tbody></table></details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(second: i64, file: &str, line: u64, n: usize) -> Row {
        Row {
            time: Timestamp::from_second(second).unwrap(),
            file: file.into(),
            line,
            host: "h".into(),
            kind: Kind::Alarm,
            summary: format!("row {n}"),
        }
    }

    fn key(r: &Row) -> (Timestamp, String, u64, String) {
        (r.time, r.file.to_string(), r.line, r.summary.clone())
    }

    /// The table's rows are the first [`TABLE_MAX`] of one stable sort of
    /// every row, whether thousands share an instant or not, and at most
    /// twice that many are held meanwhile.
    #[test]
    fn the_earliest_rows_are_kept_within_bounds_when_many_share_an_instant() {
        for spread in [1i64, 7, 5000] {
            let rows: Vec<Row> = (0..5000usize)
                .map(|n| {
                    // Lines repeat (two rows of a line keep their order).
                    let file = if n % 2 == 0 { "b.log" } else { "a.log" };
                    row((n as i64 * 7919) % spread, file, (5000 - n as u64) / 2, n)
                })
                .collect();
            let mut earliest = Earliest::default();
            for r in rows.iter() {
                if earliest.wants(r.time) {
                    earliest.push(r.clone());
                }
                assert!(earliest.rows.len() < 2 * TABLE_MAX, "{spread}");
            }
            let mut got = earliest.rows;
            sort_rows(&mut got);
            got.truncate(TABLE_MAX);
            let mut want = rows;
            sort_rows(&mut want);
            want.truncate(TABLE_MAX);
            let keys = |rows: &[Row]| rows.iter().map(key).collect::<Vec<_>>();
            assert_eq!(keys(&got), keys(&want), "{spread}");
        }
    }
}
