//! The explanation: findings as terminal text, Markdown and JSON.

use crate::files::FileRecord;
use crate::printable::printable;
use crate::text::{kind_style, TextLayout};
use crate::time::TimeStyle;
use anstyle::Style;
use serde::Serialize;
use std::io::{self, Write};
use uctriage_correlate::{Analysis, Finding, FindingKind};
use uctriage_normalize::FileInfo;

#[derive(Serialize)]
struct AnalysisDoc<'a> {
    schema_version: &'static str,
    findings: &'a [Finding],
    files: Vec<FileRecord<'a>>,
    notes: Vec<&'a str>,
    time_zone: &'a str,
}

/// Write `{"schema_version": "1.0", "findings": [...], "files": [...], "notes": [...], "time_zone": "..."}`.
pub fn analysis_json(
    out: &mut dyn Write,
    a: &Analysis,
    files: &[FileInfo],
    notes: &[String],
    zone: &str,
) -> io::Result<()> {
    let doc = AnalysisDoc {
        schema_version: crate::SCHEMA_VERSION,
        findings: &a.findings,
        files: files.iter().map(FileRecord::new).collect(),
        notes: a.notes.iter().chain(notes).map(String::as_str).collect(),
        time_zone: zone,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// Unusual findings listed in the one-screen summary, at most (all of them
/// follow with their evidence, and are in JSON and HTML).
const UNUSUAL_ON_FIRST_SCREEN: usize = 3;

fn label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Impact => "WHAT BROKE",
        FindingKind::RootCause => "WHY",
        FindingKind::Contributing => "CONTRIBUTED",
        FindingKind::Coincidental => "COINCIDENCE",
        FindingKind::Recurrence => "BEFORE",
        FindingKind::Unusual => "UNUSUAL",
        FindingKind::Advisory => "ADVICE",
    }
}

fn pct(c: f64) -> String {
    format!("{:.0}%", c * 100.0)
}

/// Terminal text: a one-screen summary first, then each finding with its
/// evidence. Prose is wrapped to the layout's width; evidence lines are cut
/// there (one line each); labels are coloured when the layout says so.
pub fn analysis_text(
    out: &mut dyn Write,
    a: &Analysis,
    style: &TimeStyle,
    layout: &TextLayout,
    notes: &[String],
) -> io::Result<()> {
    writeln!(out, "uctriage analysis — times in {}", style.name)?;
    if a.findings.is_empty() {
        writeln!(out)?;
        for line in layout.wrap(
            "No impact, crash or other finding in this bundle. See `uctriage timeline` for the events.",
            "",
            "",
        ) {
            writeln!(out, "{line}")?;
        }
    }
    const LABEL_W: usize = 12;
    let hang = " ".repeat(LABEL_W + 1);
    let mut last = None;
    let unusual = a
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Unusual)
        .count();
    let mut unusual_shown = 0;
    for f in &a.findings {
        if f.kind == FindingKind::Unusual {
            unusual_shown += 1;
            if unusual_shown > UNUSUAL_ON_FIRST_SCREEN {
                if unusual_shown == UNUSUAL_ON_FIRST_SCREEN + 1 {
                    writeln!(
                        out,
                        "{hang}… {} more unusual log templates (below, and in --format json or html)",
                        unusual - UNUSUAL_ON_FIRST_SCREEN
                    )?;
                }
                continue;
            }
        }
        let l = label(f.kind);
        let head = if last == Some(l) { "" } else { l };
        last = Some(l);
        let tag = format!("[{} {}]", f.id, pct(f.confidence));
        let lines = layout.wrap_tagged(
            &printable(&f.title),
            &tag,
            &format!("{head:<LABEL_W$} "),
            &hang,
        );
        for (i, line) in lines.iter().enumerate() {
            if i == 0 && !head.is_empty() {
                let painted = layout.paint(kind_style(f.kind), head);
                writeln!(out, "{painted}{}", &line[head.len()..])?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
    }
    let mut checks: Vec<&String> = a
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::RootCause)
        .flat_map(|f| &f.next_checks)
        .collect();
    // No cause known: what the most telling unusual activity suggests.
    if checks.is_empty() {
        checks.extend(
            a.findings
                .iter()
                .find(|f| f.kind == FindingKind::Unusual)
                .into_iter()
                .flat_map(|f| &f.next_checks),
        );
    }
    if !checks.is_empty() {
        writeln!(
            out,
            "\n{}",
            layout.paint(Style::new().bold(), "NEXT CHECKS")
        )?;
        for c in checks.iter().take(6) {
            for line in layout.wrap(c, "  - ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
    }
    for f in &a.findings {
        let head = format!(
            "[{}] {} ({}, confidence {})",
            f.id,
            printable(&f.title),
            f.kind.as_str(),
            pct(f.confidence)
        );
        writeln!(out)?;
        for line in layout.wrap(&head, "", "  ") {
            writeln!(out, "{}", layout.paint(kind_style(f.kind), &line))?;
        }
        if let Some(s) = f.start {
            let end = f
                .end
                .map(|e| format!(" .. {}", style.show(e)))
                .unwrap_or_default();
            let when = format!("{}{end}", style.show(s));
            for line in layout.wrap(&when, "  when: ", "        ") {
                writeln!(out, "{line}")?;
            }
        }
        for line in layout.wrap(&printable(&f.summary), "  ", "  ") {
            writeln!(out, "{line}")?;
        }
        if !f.caused_by.is_empty() {
            for line in layout.wrap(&f.caused_by.join(", "), "  caused by: ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
        for e in f.evidence.iter().take(6) {
            let text = e.text.get();
            let first = text.lines().next().unwrap_or("");
            let line = format!(
                "{}:{}  {}",
                printable(&e.file),
                e.line,
                printable(&clip(first, 110))
            );
            for l in layout.wrap(&line, "    ", "        ") {
                writeln!(out, "{l}")?;
            }
        }
        if f.evidence.len() > 6 {
            writeln!(
                out,
                "    … {} more lines of evidence (--format md or json)",
                f.evidence.len() - 6
            )?;
        }
        if !f.references.is_empty() {
            let keys: Vec<&str> = f.references.iter().map(|r| r.key.as_str()).collect();
            for line in layout.wrap(&keys.join(", "), "  sources: ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
    }
    for n in a.notes.iter().chain(notes) {
        for line in layout.wrap(&printable(n), "note: ", "      ") {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Markdown for a ticket: summary table, then sections with evidence and sources.
pub fn analysis_markdown(
    out: &mut dyn Write,
    a: &Analysis,
    style: &TimeStyle,
    notes: &[String],
) -> io::Result<()> {
    writeln!(out, "# uctriage analysis\n\nTimes in {}.\n", style.name)?;
    writeln!(out, "| | Finding | Confidence |\n|---|---|---|")?;
    for f in &a.findings {
        writeln!(
            out,
            "| {} | **{}** `{}` | {} |",
            label(f.kind),
            md_cell(&f.title),
            f.id,
            pct(f.confidence)
        )?;
    }
    for f in &a.findings {
        writeln!(out, "\n## {} — {}\n", f.id, md_text(&f.title))?;
        if let Some(s) = f.start {
            let end = f
                .end
                .map(|e| format!(" to {}", style.show(e)))
                .unwrap_or_default();
            writeln!(
                out,
                "*{}{end}* · {} · confidence {}\n",
                style.show(s),
                f.kind.as_str(),
                pct(f.confidence)
            )?;
        }
        writeln!(out, "{}\n", md_text(&f.summary))?;
        if !f.caused_by.is_empty() {
            writeln!(
                out,
                "Caused by: {}\n",
                f.caused_by
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        if !f.next_checks.is_empty() {
            writeln!(out, "Next checks:\n")?;
            for c in &f.next_checks {
                writeln!(out, "- {}", md_text(c))?;
            }
            writeln!(out)?;
        }
        if !f.evidence.is_empty() {
            let lines: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}  {}",
                        printable(&e.file),
                        e.line,
                        printable(e.text.get().lines().next().unwrap_or(""))
                    )
                })
                .collect();
            let fence = fence_for(&lines);
            writeln!(out, "Evidence:\n\n{fence}text")?;
            for l in &lines {
                writeln!(out, "{l}")?;
            }
            writeln!(out, "{fence}\n")?;
        }
        if !f.references.is_empty() {
            writeln!(out, "Sources:\n")?;
            for r in &f.references {
                if r.url.is_empty() {
                    writeln!(out, "- {} ({})", r.title, r.key)?;
                } else {
                    writeln!(out, "- [{}]({}) ({})", r.title, r.url, r.key)?;
                }
            }
        }
    }
    let all: Vec<&String> = a.notes.iter().chain(notes).collect();
    if !all.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in all {
            writeln!(out, "- {}", md_text(n))?;
        }
    }
    Ok(())
}

/// Text from the bundle in Markdown prose: control characters escaped
/// ([`printable`]) and markup shown as text, so a log line with `<script>` or
/// a check that says `<ip>` is printed, not interpreted or swallowed.
fn md_text(s: &str) -> String {
    printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// [`md_text`] in a table cell: a `|` would end the cell.
fn md_cell(s: &str) -> String {
    md_text(s).replace('|', "\\|")
}

/// A code fence longer than any run of backticks in `lines`, so no line can
/// close the block early (CommonMark: a closing fence is at least as long as
/// the opening one).
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// At most `n` characters (the last one an ellipsis when cut).
fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n.saturating_sub(1)) {
        Some((i, _)) if s.chars().count() > n => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod markdown_tests {
    //! Text from the bundle (log lines, file and host names) must not break
    //! the Markdown report: a code fence in a log line, pipes in a title,
    //! HTML anywhere.
    use super::*;
    use uctriage_core::Evidence;
    use uctriage_correlate::data::{AdviceData, Data};

    fn report(f: Finding, notes: &[String]) -> String {
        let a = Analysis {
            findings: vec![f],
            ..Analysis::default()
        };
        let mut out = Vec::new();
        analysis_markdown(&mut out, &a, &TimeStyle::utc(), notes).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn hostile() -> Finding {
        let mut f = Finding::new(
            FindingKind::Impact,
            "registration-loss",
            Data::Advice(AdviceData {
                triggers: Vec::new(),
                items: Vec::new(),
            }),
        );
        f.id = "impact-1".into();
        f.title = "3 phones | of <b>pool</b> A&B lost".into();
        f.summary = "<script>alert(1)</script> then\n# not a heading".into();
        f.next_checks = vec!["utils network host <ip> on every node".into()];
        for (i, text) in [
            "```",
            "x ```` y | <img src=x onerror=alert(1)>",
            "plain line",
        ]
        .iter()
        .enumerate()
        {
            f.evidence.push(Evidence {
                file: if i == 0 {
                    "```evil.log".into()
                } else {
                    "syslog/CiscoSyslog".into()
                },
                line: i as u64 + 1,
                text: (*text).into(),
            });
        }
        f
    }

    /// The lines of the first fenced code block after `marker`, as CommonMark
    /// reads it: it ends at the first line of only backticks, at least as
    /// many as the opening fence.
    fn code_block<'a>(md: &'a str, marker: &str) -> Vec<&'a str> {
        let mut lines = md.lines().skip_while(|l| *l != marker).skip(1);
        let open = lines.find(|l| l.starts_with("```")).expect("a fence");
        let n = open.chars().take_while(|c| *c == '`').count();
        lines
            .take_while(|l| !(l.trim().chars().all(|c| c == '`') && l.trim().len() >= n))
            .collect()
    }

    #[test]
    fn a_code_fence_in_evidence_does_not_close_the_block() {
        let md = report(hostile(), &[]);
        let block = code_block(&md, "Evidence:");
        assert_eq!(block.len(), 3, "{md}");
        assert_eq!(block[0], "```evil.log:1  ```");
        assert!(
            block[1].starts_with("syslog/CiscoSyslog:2  x ```` y | <img"),
            "{md}"
        );
        assert_eq!(block[2], "syslog/CiscoSyslog:3  plain line");
        // Lenient renderers close a block at any line starting with the
        // fence: no evidence line may start with it.
        let open = md
            .lines()
            .skip_while(|l| *l != "Evidence:")
            .find(|l| l.starts_with("```"))
            .unwrap();
        let fence = open.trim_end_matches("text");
        assert!(fence.len() > 4, "longer than any backtick run: {open}");
        assert!(block.iter().all(|l| !l.starts_with(fence)), "{md}");
    }

    #[test]
    fn pipes_and_html_in_a_title_keep_the_table_and_show_as_text() {
        let md = report(hostile(), &[]);
        let row = md
            .lines()
            .find(|l| l.contains("`impact-1`"))
            .expect("the summary row");
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "three cells: {row}");
        assert!(
            row.contains("3 phones \\| of &lt;b&gt;pool&lt;/b&gt; A&amp;B lost"),
            "{row}"
        );
        assert!(
            md.contains("## impact-1 — 3 phones | of &lt;b&gt;pool"),
            "{md}"
        );
    }

    #[test]
    fn html_outside_code_is_escaped_and_newlines_stay_in_their_paragraph() {
        let md = report(hostile(), &["a note about <b>x</b>".to_string()]);
        let outside: String = md
            .lines()
            .filter(|l| !l.contains("CiscoSyslog:") && !l.contains("evil.log:"))
            .collect::<Vec<_>>()
            .join("\n");
        for raw in ["<script>", "<b>", "<ip>", "<img"] {
            assert!(!outside.contains(raw), "{raw} raw in: {md}");
        }
        assert!(
            md.contains("&lt;script&gt;alert(1)&lt;/script&gt; then\\n# not a heading"),
            "{md}"
        );
        assert!(
            md.contains("- utils network host &lt;ip&gt; on every node"),
            "{md}"
        );
        assert!(md.contains("- a note about &lt;b&gt;x&lt;/b&gt;"), "{md}");
        assert!(
            !md.lines().any(|l| l.starts_with("# not a heading")),
            "{md}"
        );
    }
}
