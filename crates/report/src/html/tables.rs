//! The files read and the notes.

use super::{esc, w};
use uctriage_correlate::Analysis;
use uctriage_normalize::Bundle;

pub(super) fn files(s: &mut String, b: &Bundle) {
    w!(
        s,
        "<section id=\"files\" aria-labelledby=\"files-h\">\n<h2 id=\"files-h\">Files ({})</h2>\n<table>\n\
<thead><tr><th scope=\"col\">Path</th><th scope=\"col\">Format</th><th scope=\"col\">Host</th>\
<th scope=\"col\">Lines</th><th scope=\"col\">Understood</th><th scope=\"col\">Problems</th></tr></thead>\n<tbody>\n",
        b.files.len()
    );
    for f in &b.files {
        let pct = if f.lines == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * f.understood as f64 / f.lines as f64)
        };
        let problems = f.problems.len() as u64 + f.problems_dropped;
        let first = f
            .problems
            .first()
            .map(|p| match p.line {
                Some(l) => format!(" title=\"line {l}: {}\"", esc(&p.message)),
                None => format!(" title=\"{}\"", esc(&p.message)),
            })
            .unwrap_or_default();
        w!(
            s,
            "<tr><td class=\"path\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\"{first}>{}</td></tr>\n",
            esc(&f.path),
            esc(f.format),
            esc(f.host.as_deref().unwrap_or("-")),
            f.lines,
            pct,
            problems
        );
    }
    s.push_str("</tbody></table>\n</section>\n");
}

pub(super) fn notes(s: &mut String, a: &Analysis, b: &Bundle) {
    s.push_str(
        "<section id=\"notes\" aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">Notes</h2>\n",
    );
    let all: Vec<&String> = a.notes.iter().chain(&b.notes).collect();
    if all.is_empty() {
        s.push_str("<p>None.</p>\n");
    } else {
        s.push_str("<ul>\n");
        for n in all {
            w!(s, "<li>{}</li>\n", esc(n));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}
