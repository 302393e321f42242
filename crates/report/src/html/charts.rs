//! One line chart per relevant metric series: episodes shaded, the band's
//! edge dashed with its basis in the legend, pre-existing episodes labelled,
//! the impact start drawn. Long series are reduced to the minimum and the
//! maximum of each pixel column, so the file stays small and no spike is lost.

use super::{esc, hm, ms, secs, ticks, w};
use crate::time::TimeStyle;
use uctriage_core::jiff::Timestamp;
use uctriage_correlate::metrics::{Episode, Series};
use uctriage_correlate::{Analysis, FindingKind};

const LEFT: f64 = 56.0;
const PLOT: f64 = 880.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 18.0;
const H: f64 = 170.0;
const MAX_CHARTS: usize = 12;

/// Series of hosts named in findings or with episodes; those with episodes first.
fn relevant(a: &Analysis) -> (Vec<&Series>, usize) {
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
        .filter(|s| s.points.len() >= 2)
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

pub(super) fn charts(s: &mut String, a: &Analysis, style: &TimeStyle) {
    s.push_str("<section id=\"metrics\" aria-labelledby=\"metrics-h\">\n<h2 id=\"metrics-h\">Metrics</h2>\n");
    let (list, total) = relevant(a);
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
        "<p class=\"muted\">{} of {} series ({} relevant): those of hosts named in the findings or with an episode. Times in {}.</p>\n",
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
        chart(s, i, se, &eps, impact, style);
    }
    s.push_str("</section>\n");
}

fn chart(
    s: &mut String,
    idx: usize,
    se: &Series,
    eps: &[&Episode],
    impact: Option<Timestamp>,
    style: &TimeStyle,
) {
    let t0 = ms(se.points[0].0);
    let t1 = ms(se.points[se.points.len() - 1].0).max(t0 + 1);
    let vmax = se
        .points
        .iter()
        .map(|p| p.1)
        .chain(eps.iter().map(|e| e.threshold))
        .fold(f64::MIN, f64::max);
    let vmin = se
        .points
        .iter()
        .map(|p| p.1)
        .fold(f64::MAX, f64::min)
        .min(0.0);
    let top = nice(if se.unit == "%" && vmax <= 100.0 {
        100.0
    } else {
        vmax * 1.1
    });
    let bottom = vmin;
    let x = |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * PLOT;
    let y = |v: f64| TOP + (1.0 - (v - bottom) / (top - bottom).max(1e-9)) * H;
    let width = LEFT + PLOT + RIGHT;
    let height = TOP + H + 24.0;
    let title = format!("{} — {} ({})", se.host, se.counter, se.metric);
    w!(
        s,
        "<figure class=\"chart\" id=\"chart-{idx}\"><figcaption><strong>{}</strong> — {}, {} samples from <code>{}</code></figcaption>\n\
<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\">\n",
        esc(&se.host),
        esc(&se.counter),
        se.points.len(),
        esc(&se.file),
        esc(&title)
    );
    // Episodes.
    for e in eps {
        let x0 = x(ms(e.start)).max(LEFT);
        let x1 = e.end.map_or(LEFT + PLOT, |t| x(ms(t))).max(x0 + 2.0);
        let near_right = x0 > LEFT + PLOT - 180.0;
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
        w!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#a40e26\"{}>{}{}</text>\n",
            if near_right { x0 - 4.0 } else { x0 + 4.0 },
            TOP + 12.0,
            if near_right {
                " text-anchor=\"end\""
            } else {
                ""
            },
            if e.pre_existing {
                "pre-existing · "
            } else {
                ""
            },
            esc(&format!("from {}", hm(style, e.start)))
        );
    }
    // Axes and grid.
    for v in [bottom, (bottom + top) / 2.0, top] {
        w!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
            y(v),
            LEFT + PLOT,
            y(v),
            LEFT - 6.0,
            y(v) + 4.0,
            esc(&format!("{} {}", num(v), se.unit))
        );
    }
    for (t, label) in ticks(t0, t1, style, 10) {
        let tx = x(t);
        w!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#8c959f\"/><text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
            TOP + H,
            TOP + H + 4.0,
            TOP + H + 16.0,
            esc(&label)
        );
    }
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
    if let Some(t) = impact.map(ms).filter(|t| *t >= t0 && *t <= t1) {
        let ix = x(t);
        w!(
            s,
            "<line x1=\"{ix:.1}\" y1=\"{TOP}\" x2=\"{ix:.1}\" y2=\"{:.1}\" stroke=\"#24292f\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">impact {}</text>\n",
            TOP + H,
            ix - 3.0,
            TOP + H - 6.0,
            esc(&hm(style, Timestamp::from_millisecond(t).unwrap_or(se.points[0].0)))
        );
    }
    // The line, reduced to min and max per pixel column; gaps break it.
    w!(
        s,
        "<path d=\"{}\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.4\" stroke-linejoin=\"round\"/>\n",
        path(se, &x, &y)
    );
    if se.points.len() <= 300 {
        // Few samples: show each one, so isolated samples are seen too.
        s.push_str("<g fill=\"#0b5cad\">");
        for &(t, v) in &se.points {
            w!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\"/>",
                x(ms(t)),
                y(v)
            );
        }
        s.push_str("</g>\n");
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
    if impact.is_some_and(|t| ms(t) >= t0 && ms(t) <= t1) {
        s.push_str("<li><svg width=\"10\" height=\"14\" aria-hidden=\"true\"><line x1=\"5\" y1=\"0\" x2=\"5\" y2=\"14\" stroke=\"#24292f\" stroke-width=\"2\"/></svg>impact start</li>");
    }
    s.push_str("</ul>\n");
    if let Some(e) = eps.iter().find(|e| !e.evidence.is_empty()) {
        super::evidence::details(s, &e.evidence);
    }
    s.push_str("</figure>\n");
}

/// SVG path data: per pixel column, the first, min, max and last values in
/// time order; a gap of more than 5 typical intervals starts a new segment.
fn path(se: &Series, x: &dyn Fn(i64) -> f64, y: &dyn Fn(f64) -> f64) -> String {
    let pts = &se.points;
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
        let px = x(t);
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
