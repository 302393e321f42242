//! The HTML report of the reference incident: structure, self-containment, size.

mod common;

use common::{example, run};
use regex::Regex;

fn report() -> String {
    run(&["analyze", example().to_str().unwrap(), "--format", "html"])
}

#[test]
fn html_report_of_the_reference_incident() {
    let html = report();
    let ex = example();
    let json: serde_json::Value =
        serde_json::from_str(&run(&["analyze", ex.to_str().unwrap(), "--format", "json"])).unwrap();

    // Light: a few hundred KB at most.
    assert!(html.len() < 500_000, "report is {} bytes", html.len());
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.trim_end().ends_with("</html>"));

    // Every finding, as a card with an anchor.
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let id = f["id"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"f-{id}\"")), "no card for {id}");
    }
    // caused_by is a link to the cause's card.
    assert!(html.contains("<a href=\"#f-root_cause-1\">"));
    // The causal chain and the swimlanes are inline SVG.
    assert!(html.contains("<figure id=\"chain\">"));
    assert!(html.contains("aria-label=\"Events per host over time\""));
    // The timeline shows the deregistrations, the TFTP's authentication loss and the cores.
    for kind in ["device_out_of_service", "cluster_auth", "service_core"] {
        assert!(html.contains(&format!(" {kind} — ")), "no {kind} marker");
    }

    // bldcucmtftp1's CPU chart: episode shaded, its start shown, pre-existing.
    let charts: Vec<&str> = html
        .split("<figure class=\"chart\"")
        .skip(1)
        .map(|c| &c[..c.find("</figure>").unwrap()])
        .collect();
    let cpu = charts
        .iter()
        .find(|c| c.contains("<strong>bldcucmtftp1</strong>") && c.contains("% CPU Time"))
        .expect("a chart of bldcucmtftp1's CPU");
    assert!(cpu.contains("<svg"));
    assert!(cpu.contains("<path d=\"M"), "the series is drawn");
    assert!(cpu.contains("class=\"episode\""), "the episode is shaded");
    assert!(cpu.contains("07:42 -05:00"), "the episode's start is shown");
    assert!(cpu.contains("pre-existing"));
    assert!(cpu.contains("stroke-dasharray"), "the threshold is drawn");
    assert!(
        cpu.contains("impact 12:33 -05:00"),
        "the impact start is drawn"
    );

    // Ping loss as the capture's statistics say: 0 % at 06:30, 30 % at 12:50.
    let loss = charts
        .iter()
        .find(|c| c.contains("ping loss percent"))
        .expect("a ping-loss chart");
    assert!(loss.contains(">30 %</text>"), "the 30 % loss is drawn");
    assert!(loss.contains(">0 %</text>"));
    // One time axis for the lanes and the charts, and an inset.
    let axis = Regex::new(r#"data-axis="overview" data-from="(\d+)" data-to="(\d+)""#).unwrap();
    let spans: Vec<(&str, &str)> = axis
        .captures_iter(&html)
        .map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()))
        .collect();
    assert_eq!(spans.len(), charts.len() + 1, "the lanes and every chart");
    assert!(spans.iter().all(|s| *s == spans[0]), "{spans:?}");
    assert!(html.contains("data-axis=\"inset\""));

    // Self-contained: nothing loaded from anywhere.
    let tag = Regex::new(r"(?is)<(script|link|img|iframe|object|embed|source|video|audio)\b[^>]*>")
        .unwrap();
    for m in tag.find_iter(&html) {
        let t = m.as_str().to_ascii_lowercase();
        assert!(
            !t.contains("src=") && !t.contains("href="),
            "external resource: {t}"
        );
    }
    assert_eq!(html.matches("<script").count(), 1, "one inline script");
    assert!(!html.contains("@import") && !html.contains("url(http"));
    assert!(html.contains("Content-Security-Policy"));
    // Links to Cisco documentation are fine, as plain links.
    assert!(html.contains("<a href=\"https://"));

    // Files table and the bundle's zone.
    assert!(html.contains("PerfMon_bldcucmtftp1_07_12_2019_06_00.csv"));
    assert!(html.contains("America/Chicago"));
}

/// A lane of many log lines: markers that fall on one spot are drawn once,
/// with their count, so the report of a busy host stays small.
#[test]
fn markers_on_one_spot_are_drawn_once_with_their_count() {
    use std::fmt::Write;
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("lab-app7").join("app");
    std::fs::create_dir_all(&node).unwrap();
    // 20,000 lines in ten seconds, 2,000 stamped with each second.
    let mut log = String::new();
    for i in 0..20_000u32 {
        let _ = writeln!(
            log,
            "2025-03-04 08:15:{:02}.000 lab-app7 app[{}]: request {} served",
            i / 2000,
            100 + i % 7,
            i
        );
    }
    std::fs::write(node.join("app.log"), log).unwrap();
    // Nothing is wrong in it: exit 1, "no impact found".
    let html = common::run_expect(
        &["analyze", dir.path().to_str().unwrap(), "--format", "html"],
        1,
    );
    let markers = html.matches("fill=\"#8c959f\"><title>").count();
    assert!(
        (10..=40).contains(&markers),
        "{markers} log-line markers for ten distinct seconds"
    );
    assert!(
        html.contains(": 2000 events, the first log — "),
        "a marker's title counts the lines it stands for"
    );
    assert!(html.len() < 500_000, "report is {} bytes", html.len());
}
