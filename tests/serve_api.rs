//! `uctriage serve` end to end: a bundle's syslog replayed over TCP is
//! explained as `analyze` explains the file, behind authentication.

mod serve_common;

use serve_common::{example_syslog, init, send_tcp, Server};
use std::collections::BTreeSet;

fn kinds_and_titles(findings: &[serde_json::Value]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_replayed_syslog_is_explained_as_analyze_explains_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let srv = Server::start(dir.path(), &token, &[]);
    let lines = example_syslog();
    send_tcp(srv.tcp.unwrap(), &lines);
    let n = lines.len() as u64;
    let stats = srv.wait_stats(30, |s| s["stored"] == n);
    assert_eq!(stats["received"], n);
    assert_eq!(stats["malformed"], 0);
    assert_eq!(stats["dropped"], 0);

    // The same findings `analyze --format json` gives for the file.
    let file_dir = tempfile::tempdir().unwrap();
    std::fs::write(file_dir.path().join("CiscoSyslog"), lines.join("\n") + "\n").unwrap();
    let doc: serde_json::Value = serde_json::from_str(&common_run(&[
        "analyze",
        file_dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    let want = kinds_and_titles(doc["findings"].as_array().unwrap());
    assert!(want.iter().any(|(k, _)| k == "root_cause"), "{want:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let incident = loop {
        let list = srv.incidents();
        if let Some(i) = list
            .iter()
            .find(|i| kinds_and_titles(i["findings"].as_array().unwrap()) == want)
        {
            break i.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no incident with {want:?}: {list:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(incident["status"], "open");
    assert!(incident["title"].as_str().unwrap().contains("crashed"));
    // Each finding is analyze's JSON: same keys, evidence pointing at the stored messages.
    let f = &incident["findings"][0];
    for key in [
        "id",
        "kind",
        "title",
        "summary",
        "hosts",
        "start",
        "end",
        "confidence",
        "caused_by",
        "evidence",
        "references",
        "next_checks",
        "rule",
    ] {
        assert!(f.get(key).is_some(), "finding without {key}: {f}");
    }
    let ev = &f["evidence"][0];
    assert!(ev["file"].as_str().unwrap().starts_with("syslog/127.0.0.1"));
    let line = ev["line"].as_u64().unwrap();
    assert!((1..=n).contains(&line));
    let text = ev["text"].as_str().unwrap().trim_end_matches('…');
    assert!(
        lines[(line - 1) as usize].starts_with(text),
        "evidence line {line} is not that message"
    );

    // Events: timeline's NDJSON, by kind, by host alias, by text, by time.
    let (st, body) = srv.get("/api/v1/events?kind=service_core");
    assert_eq!(st, 200);
    let cores: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cores.len(), 2, "{body}");
    let timeline = common_run(&[
        "timeline",
        file_dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--kind",
        "service_core",
    ]);
    let from_file: Vec<serde_json::Value> = timeline
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (a, b) in cores.iter().zip(&from_file) {
        let keys =
            |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(a), keys(b), "the same record format as timeline");
        for k in [
            "time", "host", "kind", "summary", "fields", "entities", "clock",
        ] {
            assert_eq!(a[k], b[k], "{k} differs");
        }
    }
    let (_, by_alias) = srv.get("/api/v1/events?host=bldcucmsub7.voip.com&kind=service_state");
    assert!(by_alias.lines().count() >= 2, "{by_alias}");
    assert!(by_alias
        .lines()
        .all(|l| l.contains("\"host\":\"bldcucmsub7\"")));
    let (_, by_text) = srv.get("/api/v1/events?q=coredumpfilefound");
    assert!(by_text.lines().count() >= 1);
    let (_, by_time) =
        srv.get("/api/v1/events?since=2019-07-12%2017:00&until=2019-07-12T17:40:00Z");
    assert!(by_time.lines().count() >= 5);
    assert!(by_time
        .lines()
        .all(|l| l.contains("\"time\":\"2019-07-12T17:")));
    let (st, _) = srv.get("/api/v1/events?since=yesterday");
    assert_eq!(st, 400);

    // The incident's report is analyze's HTML report.
    let id = incident["id"].as_u64().unwrap();
    let (st, html) = srv.get(&format!("/api/v1/incidents/{id}/report.html"));
    assert_eq!(st, 200);
    assert!(
        html.starts_with("<!doctype html>"),
        "{}",
        &html[..100.min(html.len())]
    );
    assert!(html.contains("id=\"f-root_cause-1\""));
    let log = srv.stop();
    assert!(log.contains("stopped:"), "{log}");
}

#[test]
fn every_route_but_healthz_needs_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let srv = Server::start(dir.path(), &token, &[]);
    assert_eq!(srv.get_anon("/healthz").0, 200);
    for path in [
        "/api/v1/stats",
        "/api/v1/incidents",
        "/api/v1/events",
        "/api/v1/incidents/1",
        "/api/v1/incidents/1/report.html",
        "/api/v1/nope",
    ] {
        assert_eq!(srv.get_anon(path).0, 401, "{path}");
    }
    for path in [
        "/",
        "/hosts",
        "/hosts/cm1",
        "/search",
        "/tokens",
        "/incidents/1",
    ] {
        let (st, loc) = srv.get_anon(path);
        assert_eq!((st, loc.as_deref()), (303, Some("/login")), "{path}");
    }
    assert_eq!(srv.get_as("/api/v1/stats", "uct_0000").0, 401);
    assert_eq!(
        srv.get_as("/api/v1/stats", &token[..token.len() - 1]).0,
        401
    );
    assert_eq!(srv.get("/api/v1/stats").0, 200);
    // A second token from `serve token` works too.
    let out = std::process::Command::new(serve_common::BIN)
        .args(["serve", "token", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let second = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(second.starts_with("uct_") && second != token);
    assert_eq!(srv.get_as("/api/v1/incidents", &second).0, 200);
    srv.stop();
}

fn common_run(args: &[&str]) -> String {
    let out = std::process::Command::new(serve_common::BIN)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
