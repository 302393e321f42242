//! One self-contained HTML file to attach to a ticket: summary, findings with
//! the causal chain drawn (read left to right, cause to effect), a swimlane
//! timeline per host and a chart per relevant metric series on one shared
//! time axis, an inset zoomed into the incident, collapsible evidence and
//! the files read.
//!
//! No network at all: CSS, JavaScript and SVG are inline, and a Content
//! Security Policy forbids the page from loading anything. The JavaScript is
//! optional (expand/collapse all, open evidence for printing): the page reads
//! the same with it off. Every text that comes from the bundle is escaped.

mod axis;
mod chain;
mod charts;
mod evidence;
mod findings;
mod layout;
mod swimlanes;
mod tables;

use crate::time::TimeStyle;
use std::io::{self, Write};
use uctriage_core::jiff::Timestamp;
use uctriage_core::Kind;
use uctriage_correlate::{Analysis, FindingKind};
use uctriage_normalize::Bundle;

/// Append formatted text to a `String` (writing to a `String` cannot fail).
macro_rules! w {
    ($s:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($s, $($arg)*);
    }};
}
pub(crate) use w;

/// Write the whole report as one HTML document.
pub fn analysis_html(
    out: &mut dyn Write,
    analysis: &Analysis,
    bundle: &Bundle,
    style: &TimeStyle,
) -> io::Result<()> {
    let charted = charts::relevant(analysis);
    let frame = axis::Frame::of(analysis, bundle, &charted.0);
    let mut s = String::with_capacity(256 * 1024);
    layout::head(&mut s, analysis, bundle, style);
    findings::summary(&mut s, analysis, style);
    s.push_str("<section id=\"findings\" aria-labelledby=\"findings-h\">\n<h2 id=\"findings-h\">Findings</h2>\n");
    chain::chain(&mut s, analysis);
    findings::cards(&mut s, analysis, style);
    s.push_str("</section>\n");
    swimlanes::swimlanes(&mut s, analysis, bundle, &frame, style);
    charts::charts(&mut s, analysis, &charted, &frame, style);
    tables::files(&mut s, bundle);
    tables::notes(&mut s, analysis, bundle);
    layout::foot(&mut s);
    out.write_all(s.as_bytes())
}

/// Metric samples and pings are charted, not drawn as lane markers.
pub(crate) fn is_metric(k: Kind) -> bool {
    matches!(k, Kind::MetricSample | Kind::Ping | Kind::Config)
}

/// Milliseconds since the epoch.
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// Escape text for HTML content and attribute values; control characters
/// (other than tab and newline) become U+FFFD.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\n' | '\t' => o.push(c),
            '\r' => {}
            c if (c as u32) < 0x20 || c == '\u{7f}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// An anchor-safe id for a finding id (they are `kind-N`, but be safe).
pub(crate) fn anchor(id: &str) -> String {
    let a: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("f-{a}")
}

/// `HH:MM -05:00` in the incident zone.
pub(crate) fn hm(style: &TimeStyle, t: Timestamp) -> String {
    let z = t.to_zoned_datetime(style.tz.clone());
    z.strftime("%H:%M %:z").to_string()
}

/// `2019-07-12 12:33:19 -05:00` in the incident zone.
pub(crate) fn secs(style: &TimeStyle, t: Timestamp) -> String {
    let z = t.to_zoned_datetime(style.tz.clone());
    z.strftime("%Y-%m-%d %H:%M:%S %:z").to_string()
}

/// `1 min 28 s`, `4 h 51 min`, `3 d 2 h`.
pub(crate) fn span(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Time-axis ticks between two instants, on round local times: (ms, label).
pub(crate) fn ticks(from: i64, to: i64, style: &TimeStyle, max: i64) -> Vec<(i64, String)> {
    const STEPS_MIN: [i64; 14] = [
        1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080,
    ];
    let spn = (to - from).max(1);
    let step = STEPS_MIN
        .iter()
        .map(|m| m * 60_000)
        .find(|st| spn / st <= max)
        .unwrap_or(10080 * 60_000);
    let Ok(t0) = Timestamp::from_millisecond(from) else {
        return Vec::new();
    };
    let off = i64::from(t0.to_zoned_datetime(style.tz.clone()).offset().seconds()) * 1000;
    let mut t = ((from + off).div_euclid(step) + 1) * step - off;
    if t - step >= from {
        t -= step;
    }
    let mut out = Vec::new();
    let mut last_day = String::new();
    while t <= to && out.len() < 64 {
        if let Ok(ts) = Timestamp::from_millisecond(t) {
            let z = ts.to_zoned_datetime(style.tz.clone());
            let day = z.strftime("%m-%d").to_string();
            let label = if day != last_day && !last_day.is_empty() || step >= 1440 * 60_000 {
                z.strftime("%m-%d %H:%M").to_string()
            } else {
                z.strftime("%H:%M").to_string()
            };
            last_day = day;
            out.push((t, label));
        }
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')&\"</script>\u{1}"),
            "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;\u{fffd}"
        );
    }

    #[test]
    fn ticks_are_round_local_times() {
        let style = TimeStyle {
            tz: uctriage_core::jiff::tz::TimeZone::get("America/Chicago").unwrap(),
            name: "America/Chicago".into(),
        };
        let from: Timestamp = "2019-07-12T16:33:19Z".parse().unwrap();
        let to: Timestamp = "2019-07-12T18:36:10Z".parse().unwrap();
        let t = ticks(ms(from), ms(to), &style, 10);
        assert_eq!(t[0].1, "11:45");
        assert!(t.iter().all(|(m, _)| *m >= ms(from) && *m <= ms(to)));
    }

    /// Untrusted text from a bundle (log lines, summaries, hosts, paths,
    /// notes) must come out escaped everywhere: cards, evidence, lanes, tables.
    #[test]
    fn bundle_text_is_escaped() {
        use uctriage_core::{Clock, Event, Evidence, Severity};
        use uctriage_correlate::Finding;

        const EVIL: &str = "<script>alert('x')</script>";
        let mut b = uctriage_normalize::normalize(Vec::new(), &Default::default());
        let t: Timestamp = "2019-07-12T17:33:19Z".parse().unwrap();
        let ev = Evidence {
            file: format!("logs/{EVIL}.txt").into(),
            line: 7,
            text: format!("12:33:19 ccm {EVIL} <img src=x onerror=alert(1)>").into(),
        };
        b.events.push(Event {
            time: Some(t),
            clock: Clock::stated("test").into(),
            host: Some(format!("host{EVIL}").into()),
            kind: Kind::ServiceCore,
            severity: Severity::Error,
            summary: format!("core {EVIL}").into(),
            fields: Default::default(),
            entities: Default::default(),
            evidence: ev.clone(),
            format: "test",
        });
        b.notes.push(format!("note {EVIL}"));
        let data = uctriage_correlate::data::Data::Reauthentication(
            uctriage_correlate::data::ReauthData {
                host: format!("host{EVIL}"),
                at: t,
                before_s: 0,
            },
        );
        let mut f = Finding::new(FindingKind::RootCause, "test", data);
        f.title = format!("title {EVIL}");
        f.id = "root_cause-1".into();
        f.summary = format!("summary {EVIL}");
        f.start = Some(t);
        f.hosts = vec![format!("host{EVIL}")];
        f.next_checks = vec![format!("check {EVIL}")];
        f.references = vec![uctriage_correlate::Reference {
            key: "K".into(),
            title: "bad link".into(),
            url: "javascript:alert(1)".into(),
        }];
        f.cite(&ev);
        let a = Analysis {
            findings: vec![f],
            ..Default::default()
        };
        let mut out = Vec::new();
        analysis_html(&mut out, &a, &b, &TimeStyle::utc()).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only the page's own script"
        );
        assert!(!html.contains("<img"));
        assert!(!html.contains("javascript:"));
        for place in [
            "title ", "summary ", "check ", "core ", "note ", "host", "logs/",
        ] {
            assert!(
                html.contains(&format!(
                    "{place}&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
                )),
                "{place} not escaped"
            );
        }
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
