//! The causal chain as inline SVG, read left to right: contributing causes,
//! then the root cause, then what broke, arrows from cause to effect;
//! coincidences apart below, greyed and labelled. A box shows the start of
//! its finding's title; hovering it shows the whole title and summary.

use super::findings::label;
use super::layout::clip;
use super::{anchor, esc, w};
use uctriage_correlate::{Analysis, Finding, FindingKind};

const BW: f64 = 300.0;
const BH: f64 = 66.0;
const GAP_X: f64 = 50.0;
const GAP_Y: f64 = 16.0;
const PAD: f64 = 10.0;

/// The column of a finding in the chain: causes left, effects right.
fn column(f: &Finding, a: &Analysis) -> Option<usize> {
    match f.kind {
        FindingKind::Contributing => Some(0),
        FindingKind::RootCause => Some(1),
        FindingKind::Impact => Some(2),
        _ if a.findings.iter().any(|g| g.caused_by.contains(&f.id)) => Some(0),
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
    // As wide as the columns in use (chain columns, or coincidences per row).
    let used = cols.iter().filter(|l| !l.is_empty()).count();
    let ncols = used.max(coinc.len().min(per_row)).max(1) as f64;
    let width = PAD * 2.0 + ncols * BW + (ncols - 1.0) * GAP_X;
    let mut pos: Vec<(&str, f64, f64)> = Vec::new();
    // Empty columns (no contributing cause, say) take no room.
    for (c, list) in cols.iter().filter(|l| !l.is_empty()).enumerate() {
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
        "<figure id=\"chain\"><figcaption>Causal chain, read left to right: each arrow points from a cause to what it caused \
(contributing → root cause → impact). Coincidences are shown apart. Hover a box for its whole finding; select it to open the card.</figcaption>\n\
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
            let (x1, x2) = if cx < ex {
                (cx + BW, ex)
            } else if cx > ex {
                (cx, ex + BW)
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
        "<a href=\"#{}\"><g class=\"box\" data-id=\"{}\"><title>{}</title>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BW}\" height=\"{BH}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"700\" fill=\"{stroke}\">{} · {} · {:.0}%</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\"{}>{}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\"{}>{}</text></g></a>\n",
        anchor(&f.id),
        esc(&f.id),
        esc(&hover(f)),
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

/// The whole finding, for the hover text: title, then summary.
fn hover(f: &Finding) -> String {
    if f.summary.is_empty() {
        f.title.clone()
    } else {
        format!("{}\n\n{}", f.title, f.summary)
    }
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
