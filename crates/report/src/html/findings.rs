//! The summary block and one card per finding.

use super::{anchor, esc, evidence, secs, span, w};
use crate::time::TimeStyle;
use uctriage_correlate::{Analysis, Finding, FindingKind};

pub(super) fn label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Impact => "What broke",
        FindingKind::RootCause => "Root cause",
        FindingKind::Contributing => "Contributing",
        FindingKind::Coincidental => "Coincidence",
        FindingKind::Recurrence => "Before",
        FindingKind::Unusual => "Unusual",
        FindingKind::Advisory => "Advice",
    }
}

fn pct(c: f64) -> String {
    format!("{:.0}%", c * 100.0)
}

fn link(f: &Finding) -> String {
    format!(
        "<a href=\"#{}\">{}</a> <span class=\"id\">{}</span>",
        anchor(&f.id),
        esc(&f.title),
        esc(&f.id)
    )
}

/// `start – end (duration)` in the incident zone, or "".
pub(super) fn when(f: &Finding, style: &TimeStyle) -> String {
    let Some(s) = f.start else {
        return String::new();
    };
    match f.end {
        Some(e) if e != s => format!(
            "{} – {} ({})",
            secs(style, s),
            secs(style, e),
            span(e.as_millisecond() - s.as_millisecond())
        ),
        _ => secs(style, s),
    }
}

/// What broke / when / why / what else / what next.
pub(super) fn summary(s: &mut String, a: &Analysis, style: &TimeStyle) {
    s.push_str("<section id=\"summary\" aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary</h2>\n");
    if a.findings.is_empty() {
        s.push_str("<p>No impact, crash or other finding in this bundle: see the timeline and the files below.</p>\n</section>\n");
        return;
    }
    let of = |k: FindingKind| a.findings.iter().filter(move |f| f.kind == k);
    s.push_str("<dl class=\"summary\">\n");
    let impacts: Vec<&Finding> = of(FindingKind::Impact).collect();
    if !impacts.is_empty() {
        s.push_str("<dt>What broke</dt><dd><ul>");
        for f in &impacts {
            w!(s, "<li>{}</li>", link(f));
        }
        s.push_str("</ul></dd>\n<dt>When</dt><dd><ul>");
        for f in &impacts {
            let wh = when(f, style);
            if !wh.is_empty() {
                w!(s, "<li class=\"when\">{}</li>", esc(&wh));
            }
        }
        s.push_str("</ul></dd>\n");
    }
    let roots: Vec<&Finding> = of(FindingKind::RootCause)
        .chain(of(FindingKind::Contributing))
        .collect();
    if !roots.is_empty() {
        s.push_str("<dt>Why</dt><dd><ul>");
        for f in &roots {
            w!(
                s,
                "<li>{}{} ({})</li>",
                if f.kind == FindingKind::Contributing {
                    "contributing: "
                } else {
                    ""
                },
                link(f),
                pct(f.confidence)
            );
        }
        s.push_str("</ul></dd>\n");
    }
    let other: Vec<&Finding> = of(FindingKind::Coincidental)
        .chain(of(FindingKind::Recurrence))
        .chain(of(FindingKind::Unusual))
        .collect();
    if !other.is_empty() {
        s.push_str("<dt>What else</dt><dd><ul>");
        for f in other.iter().take(6) {
            w!(s, "<li>{}: {}</li>", label(f.kind), link(f));
        }
        s.push_str("</ul></dd>\n");
    }
    let checks: Vec<&String> = of(FindingKind::RootCause)
        .chain(of(FindingKind::Contributing))
        .flat_map(|f| &f.next_checks)
        .collect();
    if !checks.is_empty() {
        s.push_str("<dt>What next</dt><dd><ul>");
        for c in checks.iter().take(6) {
            w!(s, "<li>{}</li>", esc(c));
        }
        s.push_str("</ul></dd>\n");
    }
    s.push_str("</dl>\n</section>\n");
}

/// One `<article>` per finding.
pub(super) fn cards(s: &mut String, a: &Analysis, style: &TimeStyle) {
    for f in &a.findings {
        let k = f.kind.as_str();
        w!(
            s,
            "<article class=\"card k-{k}\" id=\"{}\" aria-labelledby=\"{}-h\">\n<header><span class=\"badge\">{}</span>\
<h3 id=\"{}-h\">{}</h3><span class=\"conf\">confidence {}</span><span class=\"id\">{}</span></header>\n",
            anchor(&f.id),
            anchor(&f.id),
            label(f.kind),
            anchor(&f.id),
            esc(&f.title),
            pct(f.confidence),
            esc(&f.id)
        );
        let wh = when(f, style);
        if !wh.is_empty() {
            w!(
                s,
                "<p class=\"when\"><strong>When:</strong> {}</p>\n",
                esc(&wh)
            );
        }
        let mut who = Vec::new();
        for (name, list) in [
            ("hosts", &f.hosts),
            ("services", &f.services),
            ("devices", &f.devices),
        ] {
            if !list.is_empty() {
                who.push(format!("{name}: {}", esc(&list.join(", "))));
            }
        }
        if !who.is_empty() {
            w!(s, "<p class=\"muted\">{}</p>\n", who.join(" · "));
        }
        w!(s, "<p>{}</p>\n", esc(&f.summary));
        if !f.caused_by.is_empty() {
            s.push_str("<p><strong>Caused by:</strong> ");
            let links: Vec<String> = f
                .caused_by
                .iter()
                .map(|c| match a.findings.iter().find(|g| &g.id == c) {
                    Some(g) => link(g),
                    None => esc(c),
                })
                .collect();
            s.push_str(&links.join(", "));
            s.push_str("</p>\n");
        }
        let effects: Vec<String> = a
            .findings
            .iter()
            .filter(|g| g.caused_by.contains(&f.id))
            .map(link)
            .collect();
        if !effects.is_empty() {
            w!(
                s,
                "<p><strong>Led to:</strong> {}</p>\n",
                effects.join(", ")
            );
        }
        if !f.next_checks.is_empty() {
            s.push_str("<h4>Next checks</h4><ul>");
            for c in &f.next_checks {
                w!(s, "<li>{}</li>", esc(c));
            }
            s.push_str("</ul>\n");
        }
        if !f.references.is_empty() {
            s.push_str("<h4>References</h4><ul>");
            for r in &f.references {
                if is_web(&r.url) {
                    w!(
                        s,
                        "<li><a href=\"{}\" rel=\"noreferrer noopener\">{}</a> <span class=\"id\">{}</span></li>",
                        esc(&r.url),
                        esc(&r.title),
                        esc(&r.key)
                    );
                } else {
                    w!(
                        s,
                        "<li>{} <span class=\"id\">{}</span></li>",
                        esc(&r.title),
                        esc(&r.key)
                    );
                }
            }
            s.push_str("</ul>\n");
        }
        evidence::details(s, &f.evidence);
        s.push_str("</article>\n");
    }
}

/// Only plain web addresses become links (never `javascript:` or `data:`).
fn is_web(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("https://") || u.starts_with("http://")
}
