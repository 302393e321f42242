//! The causal chain as inline SVG: what broke on the left, its root cause to
//! the right of it, contributing causes further right, arrows from cause to
//! effect; coincidences apart below, greyed and labelled.

use super::findings::label;
use super::layout::clip;
use super::{anchor, esc, w};
use uctriage_correlate::{Analysis, Finding, FindingKind};

const BW: f64 = 300.0;
const BH: f64 = 66.0;
const GAP_X: f64 = 50.0;
const GAP_Y: f64 = 16.0;
const PAD: f64 = 10.0;

fn column(f: &Finding, a: &Analysis) -> Option<usize> {
    match f.kind {
        FindingKind::Impact => Some(0),
        FindingKind::RootCause => Some(1),
        FindingKind::Contributing => Some(2),
        _ if a.findings.iter().any(|g| g.caused_by.contains(&f.id)) => Some(2),
        _ => None,
    }
}

pub(super) fn chain(s: &mut String, a: &Analysis) {
    let mut cols: [Vec<&Finding>; 3] = Default::default();
    for f in &a.findings {
        if let Some(c) = column(f, a) {
            cols[c].push(f);
        }
    }
    let coinc: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Coincidental && column(f, a).is_none())
        .collect();
    if cols.iter().all(Vec::is_empty) && coinc.is_empty() {
        return;
    }
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let chain_h = rows as f64 * (BH + GAP_Y);
    let per_row = 3usize;
    let coinc_rows = coinc.len().div_ceil(per_row);
    let coinc_top = chain_h + if rows > 0 { 34.0 } else { 24.0 };
    let height = if coinc.is_empty() {
        chain_h + PAD
    } else {
        coinc_top + coinc_rows as f64 * (BH + GAP_Y) + PAD
    };
    let width = PAD * 2.0 + 3.0 * BW + 2.0 * GAP_X;
    let mut pos: Vec<(&str, f64, f64)> = Vec::new();
    for (c, list) in cols.iter().enumerate() {
        for (r, f) in list.iter().enumerate() {
            pos.push((
                &f.id,
                PAD + c as f64 * (BW + GAP_X),
                PAD + r as f64 * (BH + GAP_Y),
            ));
        }
    }
    w!(
        s,
        "<figure id=\"chain\"><figcaption>Causal chain: each arrow points from a cause to what it caused \
(impact ← root cause ← contributing). Coincidences are shown apart. Select a box to open its finding.</figcaption>\n\
<svg viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Causal chain of the findings\">\n\
<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">\
<path d=\"M0 0L10 5L0 10z\" fill=\"#24292f\"/></marker></defs>\n"
    );
    let at = |id: &str| pos.iter().find(|p| p.0 == id).map(|p| (p.1, p.2));
    for f in a.findings.iter() {
        let Some((ex, ey)) = at(&f.id) else { continue };
        for c in &f.caused_by {
            let Some((cx, cy)) = at(c) else { continue };
            // From the cause's near edge to the effect's near edge.
            let (x1, x2) = if cx > ex {
                (cx, ex + BW)
            } else if cx < ex {
                (cx + BW, ex)
            } else {
                (cx + BW / 2.0, ex + BW / 2.0)
            };
            let (y1, y2) = if cx == ex {
                if cy > ey {
                    (cy, ey + BH)
                } else {
                    (cy + BH, ey)
                }
            } else {
                (cy + BH / 2.0, ey + BH / 2.0)
            };
            w!(
                s,
                "<path d=\"M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}\" stroke=\"#24292f\" stroke-width=\"2\" fill=\"none\" marker-end=\"url(#arr)\"/>\n"
            );
        }
    }
    for (id, x, y) in &pos {
        if let Some(f) = a.findings.iter().find(|f| f.id == *id) {
            boxed(s, f, *x, *y, false);
        }
    }
    if !coinc.is_empty() {
        let y0 = coinc_top - 14.0;
        w!(
            s,
            "<line x1=\"{PAD}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8c959f\" stroke-dasharray=\"4 4\"/>\n\
<text x=\"{PAD}\" y=\"{:.1}\" font-size=\"12\" fill=\"#57606a\">coincidence — at the same time, but not a cause of the impact</text>\n",
            y0 - 10.0,
            width - PAD,
            y0 - 10.0,
            y0 + 4.0
        );
        for (i, f) in coinc.iter().enumerate() {
            let x = PAD + (i % per_row) as f64 * (BW + GAP_X);
            let y = coinc_top + (i / per_row) as f64 * (BH + GAP_Y);
            boxed(s, f, x, y, true);
        }
    }
    s.push_str("</svg></figure>\n");
}

fn boxed(s: &mut String, f: &Finding, x: f64, y: f64, grey: bool) {
    let (stroke, fill, dash) = if grey {
        ("#8c959f", "#f3f4f6", " stroke-dasharray=\"5 3\"")
    } else {
        match f.kind {
            FindingKind::Impact => ("#b3261e", "#fdecea", ""),
            FindingKind::RootCause => ("#c25e00", "#fff1e0", ""),
            _ => ("#8a6d00", "#fff8d6", ""),
        }
    };
    let (l1, l2) = two_lines(&f.title, 42);
    let tag = if grey { "coincidence" } else { label(f.kind) };
    w!(
        s,
        "<a href=\"#{}\"><g><title>{}</title>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BW}\" height=\"{BH}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"700\" fill=\"{stroke}\">{} · {} · {:.0}%</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\"{}>{}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\"{}>{}</text></g></a>\n",
        anchor(&f.id),
        esc(&f.title),
        x + 8.0,
        y + 15.0,
        tag.to_uppercase(),
        esc(&f.id),
        f.confidence * 100.0,
        x + 8.0,
        y + 34.0,
        if grey { " fill=\"#57606a\"" } else { "" },
        esc(&l1),
        x + 8.0,
        y + 52.0,
        if grey { " fill=\"#57606a\"" } else { "" },
        esc(&l2),
    );
}

/// Split a title into two lines of at most `n` characters (the second clipped).
fn two_lines(t: &str, n: usize) -> (String, String) {
    let mut first = String::new();
    let mut rest = String::new();
    for word in t.split_whitespace() {
        if rest.is_empty() && first.chars().count() + word.chars().count() < n {
            if !first.is_empty() {
                first.push(' ');
            }
            first.push_str(word);
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(word);
        }
    }
    if first.is_empty() {
        return (clip(t, n), String::new());
    }
    (first, clip(&rest, n))
}
