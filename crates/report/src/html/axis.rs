//! The one time axis the host lanes and the metric charts share (same span,
//! same pixel for the same instant, so a reader's eye can drop from a lane
//! marker straight onto a chart), the zoomed axis of the incident inset, and
//! a label placer that keeps labels from overlapping.

use super::{is_metric, ms, ticks, w, FindingKind};
use crate::time::TimeStyle;
use uctriage_correlate::metrics::Series;
use uctriage_correlate::Analysis;
use uctriage_normalize::Bundle;

/// Left gutter: host names in lanes, value labels in charts.
pub(crate) const LEFT: f64 = 160.0;
/// The plot's width.
pub(crate) const PLOT: f64 = 850.0;
/// Right margin, room for the last tick label.
pub(crate) const RIGHT: f64 = 40.0;
/// The width of every figure on the axis.
pub(crate) const WIDTH: f64 = LEFT + PLOT + RIGHT;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

/// A stretch of time mapped onto the plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Axis {
    /// Left edge (ms since the epoch).
    pub from: i64,
    /// Right edge.
    pub to: i64,
}

impl Axis {
    /// The x of an instant.
    pub(crate) fn x(&self, t: i64) -> f64 {
        LEFT + (t - self.from) as f64 / (self.to - self.from).max(1) as f64 * PLOT
    }

    /// Whether an instant is on the axis.
    pub(crate) fn contains(&self, t: i64) -> bool {
        t >= self.from && t <= self.to
    }

    /// `data-` attributes naming the axis, for readers and the browser test.
    pub(crate) fn attrs(&self, role: &str) -> String {
        format!(
            " data-axis=\"{role}\" data-from=\"{}\" data-to=\"{}\"",
            self.from, self.to
        )
    }

    /// Grid lines from `top` to `bottom` and time labels under them, on
    /// round local times, spaced so that labels never touch.
    pub(crate) fn draw_ticks(
        &self,
        s: &mut String,
        style: &TimeStyle,
        top: f64,
        bottom: f64,
        labels: &mut Placer,
    ) {
        // A day-and-time label is the widest: keep them 1.5 of it apart.
        let max = (PLOT / (text_width("07-12 12:00", 11.0) * 1.5)).floor() as i64;
        for (t, label) in ticks(self.from, self.to, style, max.max(2)) {
            let tx = self.x(t);
            w!(
                s,
                "<line class=\"tick\" data-t=\"{t}\" x1=\"{tx:.1}\" y1=\"{top:.1}\" x2=\"{tx:.1}\" y2=\"{bottom:.1}\" stroke=\"#d0d7de\"/>"
            );
            if let Some((lx, ly)) =
                labels.place(&label, 11.0, Anchor::Middle, &[(tx, bottom + 14.0)])
            {
                w!(
                    s,
                    "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                    super::esc(&label)
                );
            }
        }
    }
}

/// The axes of the report.
pub(crate) struct Frame {
    /// Shared by the host lanes and every chart.
    pub overview: Axis,
    /// Zoomed into the incident, when it is short against the overview.
    pub inset: Option<Axis>,
    /// First impact / root-cause start to their last end.
    pub incident: Option<(i64, i64)>,
    /// How the overview was chosen, for the caption.
    pub basis: &'static str,
}

impl Frame {
    /// The axes for an analysis whose charts show `charted`.
    pub(crate) fn of(a: &Analysis, b: &Bundle, charted: &[&Series]) -> Frame {
        let incident = incident(a);
        // The charted series: the overview shows them whole (their normal
        // stretch is the baseline their episodes stand out from).
        let spans = charted.iter().filter_map(|s| {
            let first = s.points.first()?;
            let last = s.points.last()?;
            Some((ms(first.0), ms(last.0)))
        });
        let (mut lo, mut hi, basis) = match incident {
            Some((s, e)) => (
                s - HOUR,
                e + HOUR,
                "1 h before the first impact or root cause to 1 h after the last one ended, widened to the metric series charted below",
            ),
            None => {
                let (lo, hi) = event_span(b);
                (
                    lo,
                    hi,
                    "the span of the bundle's events (no impact or root cause was found), widened to the metric series charted below",
                )
            }
        };
        let (anchor_lo, anchor_hi) = (lo, hi);
        for (s, e) in spans {
            lo = lo.min(s);
            hi = hi.max(e);
        }
        // A series of weeks would shrink the incident to nothing.
        lo = lo.max(anchor_lo - 24 * HOUR);
        hi = hi.min(anchor_hi + 24 * HOUR);
        let pad = ((hi - lo) / 40).max(MINUTE);
        let overview = Axis {
            from: lo - pad,
            to: hi + pad,
        };
        let inset = incident.and_then(|(s, e)| {
            let pad = ((e - s) / 3).max(2 * MINUTE);
            let inset = Axis {
                from: s - pad,
                to: e + pad,
            };
            // Worth a zoom only when the incident is small in the overview.
            let share = (inset.to - inset.from) as f64 / (overview.to - overview.from) as f64;
            (share < 0.4).then_some(inset)
        });
        Frame {
            overview,
            inset,
            incident,
            basis,
        }
    }
}

/// First impact / root-cause start to their last end.
fn incident(a: &Analysis) -> Option<(i64, i64)> {
    let mut start: Option<i64> = None;
    let mut end: Option<i64> = None;
    for f in a
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Impact | FindingKind::RootCause))
    {
        if let Some(s) = f.start {
            let s = ms(s);
            start = Some(start.map_or(s, |x| x.min(s)));
            let e = f.end.map_or(s, ms);
            end = Some(end.map_or(e, |x| x.max(e)));
        }
    }
    start.zip(end)
}

/// The span of the bundle's timed, non-metric events (at least a minute),
/// in memory or on disk (only their heads read).
fn event_span(b: &Bundle) -> (i64, i64) {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    // A read that fails is recorded and reported by the front end.
    let _ = b.each_head(uctriage_spill::Span::default(), |h| {
        if let Some(t) = h.time.filter(|_| !is_metric(h.kind)).map(ms) {
            lo = lo.min(t);
            hi = hi.max(t);
        }
    });
    if lo > hi {
        return (0, HOUR);
    }
    if hi - lo < MINUTE {
        return (lo - MINUTE / 2, hi + MINUTE / 2);
    }
    (lo, hi)
}

/// Where a label hangs from its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Text starts at x.
    Start,
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

impl Anchor {
    /// The SVG attribute (empty for the default, start).
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Anchor::Start => "",
            Anchor::Middle => " text-anchor=\"middle\"",
            Anchor::End => " text-anchor=\"end\"",
        }
    }
}

/// A rectangle in SVG units.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// The width a label takes, generously: 0.66 em per character fits the
/// sans-serif fonts browsers fall back to (DejaVu Sans digits are 0.64 em).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.66
}

/// Places labels of one figure so that none overlaps another: each label
/// takes the first of its candidate positions that is free, or is left out
/// (what it says stays in the hover text of its mark).
#[derive(Default)]
pub(crate) struct Placer {
    /// The places taken, by the bands of [`BAND`] units of height they
    /// reach into: a label is checked against those of its own bands only
    /// (a search of every label placed made a figure of 100,000 host
    /// lanes take seconds).
    taken: std::collections::HashMap<i64, Vec<Rect>>,
}

/// Height of a band of [`Placer::taken`], a few labels high.
const BAND: f64 = 32.0;

/// The bands `r` reaches into (two rects that overlap share one).
fn bands(r: &Rect) -> std::ops::RangeInclusive<i64> {
    (r.y0 / BAND).floor() as i64..=(r.y1 / BAND).floor() as i64
}

impl Placer {
    /// A placer with nothing placed yet.
    pub(crate) fn new() -> Placer {
        Placer::default()
    }

    /// The first free candidate position for `text`, now taken; None when
    /// all collide.
    pub(crate) fn place(
        &mut self,
        text: &str,
        size: f64,
        anchor: Anchor,
        candidates: &[(f64, f64)],
    ) -> Option<(f64, f64)> {
        let wd = text_width(text, size);
        for &(x, y) in candidates {
            let x0 = match anchor {
                Anchor::Start => x,
                Anchor::Middle => x - wd / 2.0,
                Anchor::End => x - wd,
            };
            // A 2-unit margin all round; baseline at y.
            let r = Rect {
                x0: x0 - 2.0,
                y0: y - size - 1.0,
                x1: x0 + wd + 2.0,
                y1: y + size * 0.3 + 1.0,
            };
            let free = bands(&r).all(|b| {
                self.taken
                    .get(&b)
                    .is_none_or(|placed| !placed.iter().any(|t| t.overlaps(&r)))
            });
            if free {
                for b in bands(&r) {
                    self.taken.entry(b).or_default().push(r);
                }
                return Some((x, y));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thousands of labels over a tall figure are placed exactly where a
    /// check against every label placed before would put them.
    #[test]
    fn many_labels_are_placed_as_a_check_of_all_would_place_them() {
        let mut p = Placer::new();
        let mut all: Vec<Rect> = Vec::new();
        for i in 0..4000u64 {
            let text = "x".repeat(1 + (i % 9) as usize);
            let (x, y) = (((i * 37) % 500) as f64, ((i * 13) % 3000) as f64 * 0.7);
            let candidates = [(x, y), (x, y + 14.0), (x + 60.0, y - 20.0)];
            let got = p.place(&text, 11.0, Anchor::Start, &candidates);
            let wd = text_width(&text, 11.0);
            let want = candidates.iter().copied().find(|&(x, y)| {
                let r = Rect {
                    x0: x - 2.0,
                    y0: y - 11.0 - 1.0,
                    x1: x + wd + 2.0,
                    y1: y + 11.0 * 0.3 + 1.0,
                };
                let free = !all.iter().any(|t| t.overlaps(&r));
                if free {
                    all.push(r);
                }
                free
            });
            assert_eq!(got, want, "label {i}");
        }
        assert!(all.len() > 200 && all.len() < 4000, "{}", all.len());
    }

    #[test]
    fn labels_never_overlap_and_fall_back_to_other_places() {
        let mut p = Placer::new();
        assert_eq!(
            p.place("from 07:42", 11.0, Anchor::Start, &[(100.0, 30.0)]),
            Some((100.0, 30.0))
        );
        // Same place taken: the second candidate is used.
        assert_eq!(
            p.place(
                "impact 12:33",
                11.0,
                Anchor::Start,
                &[(110.0, 30.0), (110.0, 50.0)]
            ),
            Some((110.0, 50.0))
        );
        // Nowhere free: left out.
        assert_eq!(p.place("x", 11.0, Anchor::Middle, &[(105.0, 30.0)]), None);
        // Far enough: fine.
        assert!(p.place("y", 11.0, Anchor::End, &[(400.0, 30.0)]).is_some());
    }

    /// The overview holds every charted series whole, with room at both
    /// ends (no sample on an edge); the inset holds the incident and zooms.
    #[test]
    fn the_frame_spans_the_series_and_zooms_into_the_incident() {
        use uctriage_core::jiff::Timestamp;
        use uctriage_correlate::{Finding, FindingKind};
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let series = Series {
            host: "tftp1".into(),
            from: None,
            metric: "cpu_percent".into(),
            counter: "cpu".into(),
            unit: "%".into(),
            points: vec![
                (t("2019-07-12T11:00:00Z"), 5.0),
                (t("2019-07-12T18:05:00Z"), 99.0),
            ],
            file: "perfmon.csv".into(),
            lines: vec![2, 3],
        };
        let data = uctriage_correlate::data::Data::Reauthentication(
            uctriage_correlate::data::ReauthData {
                host: "tftp1".into(),
                at: t("2019-07-12T17:33:19Z"),
                before_s: 0,
            },
        );
        let mut impact = Finding::new(FindingKind::Impact, "test", data);
        impact.start = Some(t("2019-07-12T17:33:19Z"));
        impact.end = Some(t("2019-07-12T17:34:48Z"));
        let a = Analysis {
            findings: vec![impact],
            ..Default::default()
        };
        let b = uctriage_normalize::normalize(Vec::new(), &Default::default());
        let f = Frame::of(&a, &b, &[&series]);
        let (first, last) = (ms(series.points[0].0), ms(series.points[1].0));
        assert!(
            f.overview.from < first && f.overview.to > last,
            "room at both ends"
        );
        assert!(f.overview.x(first) > LEFT + 5.0 && f.overview.x(last) < LEFT + PLOT - 5.0);
        let inset = f
            .inset
            .expect("a 1.5-minute incident in 7 hours gets an inset");
        let (s, e) = f.incident.unwrap();
        assert!(inset.from < s && inset.to > e);
        assert!((inset.to - inset.from) * 20 < f.overview.to - f.overview.from);
    }

    #[test]
    fn the_same_instant_is_the_same_x_on_every_figure() {
        let a = Axis {
            from: 1_000_000,
            to: 2_000_000,
        };
        assert_eq!(a.x(1_000_000), LEFT);
        assert_eq!(a.x(2_000_000), LEFT + PLOT);
        assert_eq!(a.x(1_500_000), LEFT + PLOT / 2.0);
    }
}
