//! One line chart per relevant metric series, all on the report's shared
//! time axis: episodes shaded, the band's edge dashed with its basis in the
//! legend, pre-existing episodes labelled, the incident drawn. Long series
//! are reduced to the minimum and the maximum of each pixel column, so the
//! file stays small and no spike is lost; sparse ones (a few ping runs) are
//! drawn as labelled points, joined only where samples follow each other.

use super::axis::{Anchor, Axis, Frame, Placer, LEFT, PLOT, WIDTH};
use super::{esc, hm, ms, secs, w};
use crate::time::TimeStyle;
use uctriage_core::jiff::Timestamp;
use uctriage_correlate::metrics::{Episode, Series};
use uctriage_correlate::{Analysis, FindingKind};

const TOP: f64 = 24.0;
const H: f64 = 160.0;
const MAX_CHARTS: usize = 12;
/// At most this many points: each drawn as a dot.
const DOTS_MAX: usize = 300;
/// At most this many points: each value written next to its dot.
const VALUES_MAX: usize = 24;

/// Series of hosts named in findings or with episodes; those with episodes
/// first; and how many there were before the cap.
pub(super) fn relevant(a: &Analysis) -> (Vec<&Series>, usize) {
    let named: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Advisory)
        .flat_map(|f| f.hosts.iter().map(String::as_str))
        .collect();
    let has_ep = |s: &Series| a.episodes.iter().any(|e| same(s, e));
    let mut list: Vec<&Series> = a
        .series
        .iter()
        .filter(|s| !s.points.is_empty())
        .filter(|s| has_ep(s) || named.contains(&s.host.as_str()))
        .collect();
    list.sort_by_key(|s| {
        (
            !has_ep(s),
            named
                .iter()
                .position(|h| *h == s.host)
                .unwrap_or(usize::MAX),
            s.host.clone(),
            s.metric.clone(),
            s.counter.clone(),
        )
    });
    let total = list.len();
    list.truncate(MAX_CHARTS);
    (list, total)
}

fn same(s: &Series, e: &Episode) -> bool {
    s.host == e.host && s.metric == e.metric && s.counter == e.counter
}

pub(super) fn charts(
    s: &mut String,
    a: &Analysis,
    charted: &(Vec<&Series>, usize),
    frame: &Frame,
    style: &TimeStyle,
) {
    s.push_str("<section id=\"metrics\" aria-labelledby=\"metrics-h\">\n<h2 id=\"metrics-h\">Metrics</h2>\n");
    let (list, total) = charted;
    if list.is_empty() {
        s.push_str(if a.series.is_empty() {
            "<p>The bundle has no metric series (PerfMon, esxtop, ping).</p>\n"
        } else {
            "<p>No metric series belongs to a host named in the findings, and none left its normal band.</p>\n"
        });
        s.push_str("</section>\n");
        return;
    }
    w!(
        s,
        "<p class=\"muted\">{} of {} series ({} relevant): those of hosts named in the findings or with an episode, on the time axis of the host lanes above. Times in {}.</p>\n",
        list.len(),
        a.series.len(),
        total,
        esc(&style.name)
    );
    let impact = a
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Impact)
        .filter_map(|f| f.start)
        .min();
    for (i, se) in list.iter().enumerate() {
        let eps: Vec<&Episode> = a.episodes.iter().filter(|e| same(se, e)).collect();
        chart(s, i, se, &eps, impact, frame, style);
    }
    s.push_str("</section>\n");
}

fn chart(
    s: &mut String,
    idx: usize,
    se: &Series,
    eps: &[&Episode],
    impact: Option<Timestamp>,
    frame: &Frame,
    style: &TimeStyle,
) {
    let axis = frame.overview;
    let shown: Vec<(Timestamp, f64)> = se
        .points
        .iter()
        .copied()
        .filter(|p| axis.contains(ms(p.0)))
        .collect();
    let hidden = se.points.len() - shown.len();
    let vmax = shown
        .iter()
        .map(|p| p.1)
        .chain(eps.iter().map(|e| e.threshold))
        .fold(f64::MIN, f64::max);
    let vmin = shown.iter().map(|p| p.1).fold(f64::MAX, f64::min).min(0.0);
    let top = nice(if se.unit == "%" && vmax <= 100.0 {
        100.0
    } else {
        vmax * 1.1
    });
    let bottom = vmin;
    let y = |v: f64| TOP + (1.0 - (v - bottom) / (top - bottom).max(1e-9)) * H;
    let width = WIDTH;
    let height = TOP + H + 24.0;
    let title = format!("{} — {} ({})", se.host, se.counter, se.metric);
    w!(
        s,
        "<figure class=\"chart\" id=\"chart-{idx}\"><figcaption><strong>{}</strong> — {} · {}, {} samples from <code>{}</code>{}</figcaption>\n\
<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\"{}>\n",
        esc(&se.host),
        esc(&se.counter),
        esc(&se.metric.replace('_', " ")),
        se.points.len(),
        esc(&se.file),
        if hidden > 0 {
            format!(" ({hidden} outside the time axis, not drawn)")
        } else {
            String::new()
        },
        esc(&title),
        axis.attrs("overview")
    );
    let mut labels = Placer::new();
    // The incident, as on the lanes.
    if let Some((i0, i1)) = frame.incident {
        let (x0, x1) = (axis.x(i0.max(axis.from)), axis.x(i1.min(axis.to)));
        w!(
            s,
            "<rect class=\"incident\" x=\"{x0:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{H}\" fill=\"#b3261e\" fill-opacity=\"0.08\"/>\n",
            (x1 - x0).max(2.0)
        );
    }
    // Episodes.
    for e in eps {
        let x0 = axis.x(ms(e.start).max(axis.from));
        let x1 = e
            .end
            .map_or(axis.x(axis.to), |t| axis.x(ms(t).min(axis.to)))
            .max(x0 + 2.0);
        w!(
            s,
            "<rect class=\"episode\" x=\"{x0:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{H}\" fill=\"#d1242f\" fill-opacity=\"0.13\"><title>episode from {}{}, peak {} {} at {}</title></rect>\n",
            x1 - x0,
            esc(&secs(style, e.start)),
            e.end.map(|t| format!(" to {}", esc(&secs(style, t)))).unwrap_or_else(|| " to the end of the data".into()),
            num(e.peak),
            esc(&e.unit),
            esc(&hm(style, e.peak_at))
        );
        let text = format!(
            "{}from {}",
            if e.pre_existing {
                "pre-existing · "
            } else {
                ""
            },
            hm(style, e.start)
        );
        let cands = [
            (x0 + 4.0, TOP - 6.0, Anchor::Start),
            (x0 - 4.0, TOP - 6.0, Anchor::End),
            (x0 + 4.0, TOP + 12.0, Anchor::Start),
            (x0 - 4.0, TOP + 12.0, Anchor::End),
        ];
        place(s, &mut labels, &text, 11.0, "#a40e26", &cands);
    }
    // Value axis, in the left gutter.
    for v in [bottom, (bottom + top) / 2.0, top] {
        w!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\"/>",
            y(v),
            LEFT + PLOT,
            y(v)
        );
        let text = format!("{} {}", num(v), se.unit);
        place(
            s,
            &mut labels,
            &text,
            11.0,
            "#24292f",
            &[(LEFT - 6.0, y(v) + 4.0, Anchor::End)],
        );
    }
    axis.draw_ticks(s, style, TOP, TOP + H, &mut labels);
    // Thresholds (one per distinct edge).
    let mut edges: Vec<(f64, &str)> = Vec::new();
    for e in eps {
        if !edges.iter().any(|(v, _)| *v == e.threshold) {
            edges.push((e.threshold, &e.basis));
        }
    }
    for (v, basis) in &edges {
        if *v >= bottom && *v <= top {
            w!(
                s,
                "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#a40e26\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{}</title></line>\n",
                y(*v),
                LEFT + PLOT,
                y(*v),
                esc(basis)
            );
        }
    }
    // Impact start.
    if let Some(t) = impact.filter(|t| axis.contains(ms(*t))) {
        let ix = axis.x(ms(t));
        w!(
            s,
            "<line class=\"impact\" x1=\"{ix:.1}\" y1=\"{TOP}\" x2=\"{ix:.1}\" y2=\"{:.1}\" stroke=\"#24292f\" stroke-width=\"1.5\"/>",
            TOP + H
        );
        let text = format!("impact {}", hm(style, t));
        let cands = [
            (ix - 3.0, TOP + H - 6.0, Anchor::End),
            (ix + 3.0, TOP + H - 6.0, Anchor::Start),
            (ix - 3.0, TOP + H - 22.0, Anchor::End),
            (ix + 3.0, TOP + H - 22.0, Anchor::Start),
        ];
        place(s, &mut labels, &text, 11.0, "#24292f", &cands);
    }
    // The line, reduced to min and max per pixel column; gaps break it.
    let d = path(&shown, &axis, &y);
    if !d.is_empty() {
        w!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.4\" stroke-linejoin=\"round\"/>\n"
        );
    }
    if shown.len() <= DOTS_MAX {
        // Few samples: show each one, so isolated samples are seen too.
        s.push_str("<g class=\"points\" fill=\"#0b5cad\">");
        let r = if shown.len() <= VALUES_MAX { 3.5 } else { 2.2 };
        for &(t, v) in &shown {
            w!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\"><title>{} {} {}</title></circle>",
                axis.x(ms(t)),
                y(v),
                esc(&secs(style, t)),
                num(v),
                esc(&se.unit)
            );
        }
        s.push_str("</g>\n");
    }
    if shown.len() <= VALUES_MAX {
        // Sparse: write the values, the largest first (they matter most).
        let mut by_value: Vec<&(Timestamp, f64)> = shown.iter().collect();
        by_value.sort_by(|a, b| b.1.total_cmp(&a.1));
        for &&(t, v) in &by_value {
            let (px, py) = (axis.x(ms(t)), y(v));
            let text = format!("{} {}", num(v), se.unit);
            let cands = [
                (px + 6.0, py - 6.0, Anchor::Start),
                (px - 6.0, py - 6.0, Anchor::End),
                (px + 6.0, py + 14.0, Anchor::Start),
                (px - 6.0, py + 14.0, Anchor::End),
            ];
            place(s, &mut labels, &text, 10.5, "#0b5cad", &cands);
        }
    }
    s.push_str("</svg>\n");
    // Legend.
    s.push_str("<ul class=\"legend\">");
    w!(
        s,
        "<li><svg width=\"22\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"22\" y2=\"5\" stroke=\"#0b5cad\" stroke-width=\"2\"/></svg>{} ({})</li>",
        esc(&se.counter),
        esc(&se.unit)
    );
    for (_, basis) in &edges {
        w!(
            s,
            "<li><svg width=\"22\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"22\" y2=\"5\" stroke=\"#a40e26\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/></svg>edge: {}</li>",
            esc(basis)
        );
    }
    for e in eps {
        w!(
            s,
            "<li><svg width=\"16\" height=\"12\" aria-hidden=\"true\"><rect width=\"16\" height=\"12\" fill=\"#d1242f\" fill-opacity=\"0.2\"/></svg>{}episode {} – {}, peak {} {} at {} ({} over)</li>",
            if e.pre_existing { "<strong>pre-existing</strong> " } else { "" },
            esc(&secs(style, e.start)),
            e.end.map(|t| esc(&secs(style, t))).unwrap_or_else(|| "end of data".into()),
            num(e.peak),
            esc(&e.unit),
            esc(&hm(style, e.peak_at)),
            num(e.over_by)
        );
    }
    if impact.is_some_and(|t| axis.contains(ms(t))) {
        s.push_str("<li><svg width=\"10\" height=\"14\" aria-hidden=\"true\"><line x1=\"5\" y1=\"0\" x2=\"5\" y2=\"14\" stroke=\"#24292f\" stroke-width=\"2\"/></svg>impact start</li>");
    }
    s.push_str("</ul>\n");
    if let Some(e) = eps.iter().find(|e| !e.evidence.is_empty()) {
        super::evidence::details(s, &e.evidence);
    }
    s.push_str("</figure>\n");
}

/// Write `text` at the first free candidate (x, baseline, anchor), or not at all.
fn place(
    s: &mut String,
    labels: &mut Placer,
    text: &str,
    size: f64,
    fill: &str,
    cands: &[(f64, f64, Anchor)],
) {
    for &(x, y, anchor) in cands {
        if let Some((lx, ly)) = labels.place(text, size, anchor, &[(x, y)]) {
            w!(
                s,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"{size}\" fill=\"{fill}\"{}>{}</text>\n",
                anchor.attr(),
                esc(text)
            );
            return;
        }
    }
}

/// SVG path data: per pixel column, the first, min, max and last values in
/// time order. Samples are joined only where they follow each other: a gap
/// of more than 5 typical intervals starts a new segment, and with fewer
/// than 3 samples there is no typical interval, so nothing is joined (two
/// ping runs hours apart are two points, not a slope).
fn path(pts: &[(Timestamp, f64)], axis: &Axis, y: &dyn Fn(f64) -> f64) -> String {
    if pts.len() < 3 {
        return String::new();
    }
    let mut gaps: Vec<i64> = pts.windows(2).map(|w| ms(w[1].0) - ms(w[0].0)).collect();
    gaps.sort_unstable();
    let typical = gaps.get(gaps.len() / 2).copied().unwrap_or(0).max(1000);
    let mut d = String::new();
    let mut col: Option<i64> = None;
    let mut bucket: Vec<(f64, f64)> = Vec::new();
    let mut prev_t: Option<i64> = None;
    let mut pen_up = true;
    let flush = |d: &mut String, bucket: &mut Vec<(f64, f64)>, pen_up: &mut bool| {
        if bucket.is_empty() {
            return;
        }
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in bucket.iter().enumerate() {
            if p.1 < bucket[lo].1 {
                lo = i;
            }
            if p.1 > bucket[hi].1 {
                hi = i;
            }
        }
        let mut keep = vec![0, lo, hi, bucket.len() - 1];
        keep.sort_unstable();
        keep.dedup();
        for i in keep {
            let (px, py) = bucket[i];
            w!(d, "{}{px:.1} {py:.1}", if *pen_up { "M" } else { "L" });
            *pen_up = false;
        }
        bucket.clear();
    };
    for &(t, v) in pts {
        let t = ms(t);
        if prev_t.is_some_and(|p| t - p > 5 * typical) {
            flush(&mut d, &mut bucket, &mut pen_up);
            pen_up = true;
        }
        prev_t = Some(t);
        let px = axis.x(t);
        let c = px.floor() as i64;
        if col != Some(c) {
            flush(&mut d, &mut bucket, &mut pen_up);
            col = Some(c);
        }
        bucket.push((px, y(v)));
    }
    flush(&mut d, &mut bucket, &mut pen_up);
    d
}

/// A round axis maximum.
fn nice(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A value without useless decimals.
fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64, v: f64) -> (Timestamp, f64) {
        (
            Timestamp::from_millisecond(1_562_940_000_000 + min * 60_000).unwrap(),
            v,
        )
    }

    fn axis() -> Axis {
        Axis {
            from: 1_562_940_000_000 - 600_000,
            to: 1_562_940_000_000 + 500 * 60_000,
        }
    }

    #[test]
    fn two_runs_hours_apart_are_points_not_a_slope() {
        let y = |v: f64| 100.0 - v;
        assert_eq!(path(&[at(0, 0.0), at(380, 30.0)], &axis(), &y), "");
    }

    #[test]
    fn regular_samples_are_joined_and_a_gap_breaks_the_line() {
        let y = |v: f64| 100.0 - v;
        let mut pts: Vec<(Timestamp, f64)> = (0..10).map(|m| at(m, m as f64)).collect();
        pts.extend((300..310).map(|m| at(m, 5.0)));
        let d = path(&pts, &axis(), &y);
        assert_eq!(d.matches('M').count(), 2, "two segments: {d}");
        assert!(d.contains('L'));
    }
}
