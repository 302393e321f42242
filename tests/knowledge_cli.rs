//! `uctriage knowledge check` and `--knowledge DIR` as a UC engineer uses
//! them: the shipped knowledge passes, a misspelled field is refused with its
//! file and line, a wrong case fails, and the README's worked example — a new
//! alarm-driven rule in TOML alone — is checked and then found by `analyze`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn uctriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(args)
        .output()
        .expect("run uctriage")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn shipped(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("knowledge")
            .join(name),
    )
    .unwrap()
}

/// The first ```toml block after the "Worked example" heading of knowledge/README.md.
fn worked_example() -> String {
    let readme = shipped("README.md");
    let from = readme
        .find("### Worked example")
        .expect("the README has a worked example");
    let block = &readme[from..];
    let start = block.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = block[start..].find("```").expect("closed");
    block[start..start + end].to_string()
}

#[test]
fn the_shipped_knowledge_passes_its_own_check() {
    let out = uctriage(&["knowledge", "check"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(
        stdout.contains("ok   a burst of 40 time-outs"),
        "cases are listed: {stdout}"
    );
}

#[test]
fn a_misspelled_parameter_is_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let text_in = shipped("rules/impact.toml").replace("gap_s = 300", "gap_sec = 300");
    let line = text_in
        .lines()
        .position(|l| l.starts_with("gap_sec"))
        .unwrap()
        + 1;
    std::fs::write(rules.join("impact.toml"), &text_in).unwrap();
    let dir = tmp.path().to_str().unwrap();
    let out = uctriage(&["knowledge", "check", dir]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("impact.toml:{line}:1:")),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `gap_s`?"), "{stderr}");
    // analyze refuses it too, before reading the bundle.
    let ex = common::example();
    let out = uctriage(&[
        "analyze",
        ex.to_str().unwrap(),
        "--knowledge",
        dir,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("impact.toml:{line}:1:")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_rule_whose_case_is_wrong_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    // Claim that a fallback to the primary node is a network outage.
    let wrong = shipped("rules/site-network.toml").replacen(
        "[[case.forbid]]\nclass = \"network-outage\"",
        "[[case.expect]]\nclass = \"network-outage\"",
        1,
    );
    std::fs::write(rules.join("site-network.toml"), wrong).unwrap();
    let out = uctriage(&["knowledge", "check", tmp.path().to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("FAIL phones falling back"), "{stdout}");
    assert!(
        stdout.contains("expected a finding with class network-outage"),
        "{stdout}"
    );
}

/// A small bundle: a MemAllocFailed alarm on the phones' primary node, then
/// three of them time out; the topology says which node serves them.
fn bundle(dir: &Path, alarm_node: &str) {
    let syslog = dir.join("cm-s1/syslog");
    std::fs::create_dir_all(&syslog).unwrap();
    let mut lines = vec![format!(
        "May  2 10:50:00 {alarm_node} local7 2 : 1001: {alarm_node}.example.net: May 02 2024 08:50:00.120 UTC :  %UC_CALLMANAGER-2-MemAllocFailed: %[AppID=Cisco CallManager][ClusterID=C1][NodeID={alarm_node}]: Memory allocation failed"
    )];
    for n in 1..=3 {
        lines.push(format!(
            "May  2 11:00:0{n} cm-s1 local7 3 : 100{n}: cm-s1.example.net: May 02 2024 09:00:0{n}.000 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0A1B2C3D4E5{n}][IPAddress=10.9.8.{n}][Protocol=SIP][Reason=13][AppID=Cisco CallManager][ClusterID=C1][NodeID=cm-s1]: An endpoint has unregistered"
        ));
    }
    std::fs::write(syslog.join("CiscoSyslog"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.join("topology.toml"),
        "[[device]]\nname = \"SEP0A1B2C3D4E51\"\npool = \"DP\"\n[[device]]\nname = \"SEP0A1B2C3D4E52\"\npool = \"DP\"\n[[device]]\nname = \"SEP0A1B2C3D4E53\"\npool = \"DP\"\n[[device_pool]]\nname = \"DP\"\ncmgroup = \"G\"\n[[cmgroup]]\nname = \"G\"\nnodes = [\"cm-s1\", \"cm-s2\"]\n",
    )
    .unwrap();
}

#[test]
fn the_readme_worked_example_is_checked_and_found_by_analyze() {
    let kb = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(kb.path().join("rules")).unwrap();
    std::fs::write(kb.path().join("rules/mem-alloc.toml"), worked_example()).unwrap();
    let kb_dir = kb.path().to_str().unwrap();
    let out = uctriage(&["knowledge", "check", kb_dir]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("mem-alloc ("), "{stdout}");

    for (node, tied) in [("cm-s1", true), ("cm-s9", false)] {
        let b = tempfile::tempdir().unwrap();
        bundle(b.path(), node);
        let out = uctriage(&[
            "analyze",
            b.path().to_str().unwrap(),
            "--knowledge",
            kb_dir,
            "--format",
            "json",
            "--quiet",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mine: Vec<&serde_json::Value> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["class"] == "memory-allocation")
            .collect();
        if tied {
            assert_eq!(mine.len(), 1, "{doc:#}");
            assert_eq!(mine[0]["kind"], "contributing");
            assert_eq!(mine[0]["hosts"][0], "cm-s1");
            let impact = common::of_kind(&doc, "impact");
            assert!(
                impact[0]["caused_by"]
                    .as_array()
                    .unwrap()
                    .contains(&mine[0]["id"]),
                "{doc:#}"
            );
        } else {
            assert!(mine.is_empty(), "a node that serves none of them: {doc:#}");
        }
        // The same bundle without the extra knowledge knows nothing of it.
        let plain = common::run(&[
            "analyze",
            b.path().to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ]);
        assert!(!plain.contains("memory-allocation"));
    }
}

/// A rule parameter changed in a user folder changes what `analyze` finds:
/// the shipped impact rule calls 3 phones timing out together a registration
/// loss; asking for bursts of at least 4 makes the same bundle no impact.
#[test]
fn a_parameter_overridden_with_knowledge_changes_what_analyze_finds() {
    let b = tempfile::tempdir().unwrap();
    bundle(b.path(), "cm-s1");
    let b = b.path().to_str().unwrap();
    let losses = |doc: &serde_json::Value| -> usize {
        doc["findings"].as_array().map_or(0, |a| {
            a.iter()
                .filter(|f| f["class"] == "registration-loss")
                .count()
        })
    };
    let plain: serde_json::Value =
        serde_json::from_str(&common::run(&["analyze", b, "--format", "json", "--quiet"])).unwrap();
    assert_eq!(losses(&plain), 1, "{plain:#}");

    let kb = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(kb.path().join("rules")).unwrap();
    let impact = shipped("rules/impact.toml");
    assert!(impact.contains("min_unregistered_burst = 3\n"));
    std::fs::write(
        kb.path().join("rules/impact.toml"),
        impact.replacen(
            "min_unregistered_burst = 3\n",
            "min_unregistered_burst = 4\n",
            1,
        ),
    )
    .unwrap();
    let out = uctriage(&[
        "analyze",
        b,
        "--knowledge",
        kb.path().to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]);
    // 1: nothing found (0 if something else still is).
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(losses(&doc), 0, "{doc:#}");
}
