//! Unusual activity in `analyze`: log lines no rule reads that are new on a
//! host in the incident window become `unusual` findings after every cause,
//! a few on the first screen, all in JSON; a bundle without enough of the
//! host's own logs before the window gets none.

mod common;

use common::run;
use serde_json::Value;

/// A day of one heartbeat line, then `new` never-seen messages (8 each) a
/// few minutes before 12 phones unregister.
fn bundle(dir: &std::path::Path, new: &[&str], baseline: bool) {
    let mut lines = Vec::new();
    if baseline {
        for i in 0..30 {
            lines.push(format!(
                "Jul 12 {:02}:{:02}:00 cm1 kernel: eth0 link heartbeat ok seq {i}",
                2 + i / 3,
                (i % 3) * 20
            ));
        }
    }
    for (k, msg) in new.iter().enumerate() {
        for i in 0..8 {
            lines.push(format!(
                "Jul 12 12:{:02}:{:02} cm1 {msg} {i}",
                30 + k,
                i * 5
            ));
        }
    }
    for i in 0..12 {
        lines.push(format!("<187>{}: cm1.example.net: Jul 12 2019 17:45:{:02}.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1{i:02X}][AppID=Cisco CallManager][ClusterID=][NodeID=cm1]: An endpoint has unregistered", 48215 + i, 10 + i));
    }
    std::fs::write(dir.join("messages"), lines.join("\n") + "\n").unwrap();
}

const NEW: [&str; 5] = [
    "kernel: megaraid_sas 0000:03:00.0: FW in FAULT state code",
    "smartd: Device /dev/sda, SMART Failure: reallocated sectors",
    "snmpd: trap sink unreachable, retry",
    "ntpd: peer unreachable, stratum now",
    "dbmon: informix checkpoint took seconds",
];

/// `analyze --format json` of the bundle in `dir`, its node in Chicago.
fn analyze_json(dir: &str) -> Value {
    let out = run(&[
        "analyze",
        dir,
        "--format",
        "json",
        "--tz",
        "cm1=America/Chicago",
    ]);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_message_new_before_the_impact_is_unusual_and_said_unexplained() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW[..1], true);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f[0]["kind"], "impact");
    let u: Vec<&Value> = f.iter().filter(|f| f["kind"] == "unusual").collect();
    assert_eq!(u.len(), 1, "{doc:#}");
    assert_eq!(u[0]["hosts"][0], "cm1");
    assert_eq!(u[0]["data"]["count"], 8);
    assert_eq!(u[0]["data"]["new"], true);
    assert_eq!(
        u[0]["data"]["template"],
        "kernel: megaraid_sas <*>: FW in FAULT state code <*>"
    );
    assert_eq!(u[0]["start"], "2019-07-12T17:30:00.000Z");
    assert_eq!(u[0]["evidence"][0]["line"], 31);
    let summary = u[0]["summary"].as_str().unwrap();
    assert!(summary.contains("No knowledge explains"), "{summary}");
    assert!(summary.contains("look at cm1"), "{summary}");
    // The impact's own lines and the heartbeat are not unusual.
    let text = run(&["analyze", d, "--tz", "cm1=America/Chicago"]);
    let first_screen = text.split("\n\n").next().unwrap();
    assert!(first_screen.contains("UNUSUAL"), "{text}");
    assert!(text.contains("NEXT CHECKS"), "{text}");
}

#[test]
fn only_a_few_unusual_findings_on_the_first_screen_all_in_json() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW, true);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    let n = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unusual")
        .count();
    assert_eq!(n, 5);
    let text = run(&["analyze", d, "--tz", "cm1=America/Chicago"]);
    let first_screen = text.split("\n\n").next().unwrap();
    assert_eq!(
        first_screen.matches("New log message").count(),
        3,
        "{first_screen}"
    );
    assert!(
        first_screen.contains("2 more unusual log templates"),
        "{first_screen}"
    );
}

#[test]
fn without_the_hosts_own_logs_before_the_window_nothing_is_unusual() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW[..1], false);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["kind"] != "unusual"));
}

/// 300,000 heartbeat lines (ten a second from 02:00), then the `NEW[0]`
/// message eight times after line 300,000, then the phones unregister.
fn big_bundle(dir: &std::path::Path) -> usize {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("messages")).unwrap());
    let n = 300_000;
    for i in 0..n {
        let s = 2 * 3600 + i / 10;
        writeln!(
            f,
            "Jul 12 {:02}:{:02}:{:02} cm1 kernel: eth0 link heartbeat ok seq {i}",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
        .unwrap();
    }
    for i in 0..8 {
        writeln!(f, "Jul 12 12:30:{:02} cm1 {} {i}", i * 5, NEW[0]).unwrap();
    }
    for i in 0..12 {
        writeln!(f, "<187>{}: cm1.example.net: Jul 12 2019 17:45:{:02}.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1{i:02X}][AppID=Cisco CallManager][ClusterID=][NodeID=cm1]: An endpoint has unregistered", 48215 + i, 10 + i).unwrap();
    }
    f.flush().unwrap();
    n
}

#[test]
fn a_new_message_after_300000_plain_lines_is_found_and_no_plain_line_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let n = big_bundle(dir.path());
    let d = dir.path().to_str().unwrap();
    // --host: the note says how many events the analysis holds.
    let out = run(&[
        "analyze",
        d,
        "--format",
        "json",
        "--tz",
        "cm1=America/Chicago",
        "--host",
        "cm1",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let u: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unusual")
        .collect();
    assert_eq!(u.len(), 1, "{doc:#}");
    assert_eq!(u[0]["data"]["count"], 8);
    assert_eq!(u[0]["data"]["new"], true);
    assert_eq!(u[0]["start"], "2019-07-12T17:30:00.000Z");
    assert_eq!(u[0]["end"], "2019-07-12T17:30:35.000Z");
    assert_eq!(u[0]["evidence"][0]["line"], n + 1);
    assert!(u[0]["data"]["example"]
        .as_str()
        .unwrap()
        .contains("FW in FAULT state code 0"));
    let notes: Vec<&str> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    // The heartbeat was mined (it is in the baseline, so not unusual)
    // without a line of it held as an event: the analysis holds the twelve
    // unregistrations and little else.
    let held = notes
        .iter()
        .find_map(|n| {
            let (_, rest) = n.split_once("): ")?;
            let (kept, rest) = rest.split_once(" of ")?;
            let (all, _) = rest.split_once(" events kept")?;
            Some((kept.parse::<u64>().ok()?, all.parse::<u64>().ok()?))
        })
        .unwrap_or_else(|| panic!("no focus note in {notes:?}"));
    assert!(held.1 < 100, "{held:?} events held for {n} plain lines");
    assert!(
        notes.iter().all(|n| !n.contains("not mined")),
        "no cap: {notes:?}"
    );
    // 30,000 distinct seconds of one template: the file's buckets were
    // widened to stay within its budget, and the note says so.
    assert!(notes.iter().any(|n| n.contains("too varied")), "{notes:?}");
}

/// HTML keeps every line as an event and mines them there; JSON mines them
/// while reading: the same unusual findings either way.
#[test]
fn html_and_json_show_the_same_unusual_findings() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW, true);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    let html = run(&[
        "analyze",
        d,
        "--format",
        "html",
        "--tz",
        "cm1=America/Chicago",
    ]);
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let unusual: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unusual")
        .collect();
    assert_eq!(unusual.len(), 5);
    for f in unusual {
        let title = esc(f["title"].as_str().unwrap());
        assert!(html.contains(&title), "{title} not in the HTML report");
    }
}

/// The HTML report keeps every plain line as an event: past the memory
/// budget they go to disk like any kind no rule reads in memory, and the
/// unusual-activity rule reads them from there as they stream past (mined a
/// batch at a time). The report is the same, and holds the findings.
#[test]
fn the_html_report_reads_its_plain_lines_from_disk_the_same() {
    let dir = tempfile::tempdir().unwrap();
    big_bundle(dir.path());
    let d = dir.path().to_str().unwrap();
    let args = [
        "analyze",
        "-q",
        "--format",
        "html",
        "--tz",
        "cm1=America/Chicago",
    ];
    let whole = common::same_at_budgets(&args, d, &["1M"], "HTML report", |on_disk, _| {
        // stderr: "... then N in R sorted runs ...": the plain lines among them.
        let in_runs = common::number_after(&on_disk.stderr, "then ");
        assert!(
            in_runs.is_some_and(|n| n > 200_000),
            "plain lines in sorted runs: {}",
            on_disk.stderr
        );
    });
    assert!(
        whole.stdout.contains("FW in FAULT state code"),
        "an unusual finding"
    );
}
