//! `--max-memory`: past the budget, event texts go to a temporary file; what
//! the user reads must not change, and the user is told.

mod common;

use common::{number_after, output, same_at_budgets};
use std::path::{Path, PathBuf};

/// The example and three bundles of tests/incidents (syslog, SDL traces,
/// contact-centre logs, CLI captures, hardware logs among them); every bundle
/// was compared by hand (bench/RESULTS.md), this keeps the test short.
fn bundles() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incidents");
    let mut all: Vec<PathBuf> = [
        "ucce-pg-failover-ctimanager-abort",
        "ucs-raid-controller-hang",
        "ntp-replication-after-power-down",
    ]
    .iter()
    .map(|n| root.join(n))
    .collect();
    all.push(common::example());
    all
}

#[test]
fn a_tiny_budget_spills_texts_and_changes_no_output() {
    for bundle in bundles() {
        let b = bundle.to_str().expect("utf-8 path");
        for cmd in ["analyze", "timeline"] {
            let whole = output(&[cmd, "-q", "--format", "json", "--max-memory", "none", b]);
            let tiny = output(&[cmd, "-q", "--format", "json", "--max-memory", "4K", b]);
            assert_eq!(tiny.code, whole.code, "{cmd} {b}");
            assert!(
                tiny.stdout == whole.stdout,
                "{cmd} {b}: the output changed when texts were spilled"
            );
            assert!(
                tiny.stderr.contains("kept in a temporary file"),
                "{cmd} {b}: spilling is said on stderr, even with -q: {}",
                tiny.stderr
            );
            assert!(
                !whole.stderr.contains("temporary file"),
                "{cmd} {b}: {}",
                whole.stderr
            );
        }
    }
}

#[test]
fn the_text_timeline_and_the_markdown_report_are_the_same_spilled() {
    let b = common::example();
    let b = b.to_str().expect("utf-8 path");
    for args in [
        &["timeline", "-q", "--utc"][..],
        &["analyze", "-q", "--format", "md"][..],
        &["timeline", "-q", "--utc", "--grep", "CTI"][..],
    ] {
        let with = |budget: &str| {
            let mut a = args.to_vec();
            a.extend(["--max-memory", budget, b]);
            output(&a)
        };
        let (whole, tiny) = (with("none"), with("1K"));
        assert_eq!(tiny.code, whole.code, "{args:?}");
        assert!(tiny.stdout == whole.stdout, "{args:?}: output changed");
    }
}

#[test]
fn a_size_that_is_not_one_is_refused() {
    let b = common::example();
    let o = output(&["files", "-q", "--max-memory", "lots", b.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("512M"), "{}", o.stderr);
}

/// `timeline` past the budget keeps whole events on disk (while reading,
/// then in sorted runs merged back): every view of it reads the same as
/// with the events in memory, and the user is told.
#[test]
fn a_timeline_of_events_kept_on_disk_reads_the_same() {
    for bundle in bundles() {
        let b = bundle.to_str().expect("utf-8 path");
        for args in [
            &["timeline", "-q", "--format", "json", "--all"][..],
            &["timeline", "-q", "--utc"][..],
            &[
                "timeline",
                "-q",
                "--format",
                "json",
                "--kind",
                "alarm",
                "--kind",
                "service_state",
            ][..],
            &["timeline", "-q", "--grep", "(?i)fail|down|error"][..],
            &["timeline", "-q", "--grep", "no line says this 0x5eed"][..],
            &[
                "timeline", "-q", "--format", "json", "--since", "-3h", "--until", "-20m",
            ][..],
            &["timeline", "-q", "--since", "-45m"][..],
        ] {
            same_at_budgets(args, b, &["1K", "64K"], "timeline", |spilled, budget| {
                assert!(
                    spilled.stderr.contains("read back in order"),
                    "{args:?} {budget} {b}: {}",
                    spilled.stderr
                );
                // Past a merge's fan-in (16 runs at the least), the runs
                // are merged into fewer first, and the user is told.
                let runs = spilled
                    .stderr
                    .split(" sorted runs")
                    .next()
                    .and_then(|s| s.rsplit(' ').next())
                    .and_then(|n| n.parse::<u64>().ok());
                let told = spilled.stderr.contains("merged into fewer");
                assert_eq!(
                    runs.is_some_and(|r| r > 16),
                    told,
                    "{args:?} {budget} {b}: {}",
                    spilled.stderr
                );
            });
        }
    }
}

/// `analyze` past the budget keeps the registration alarms (the kinds the
/// rules only stream) on disk in sorted runs: the same findings in every
/// format (the HTML report's lanes and table read them back in order),
/// limited to a window or not, and the user is told. The
/// bundles are ones whose findings come from registration alarms (a branch
/// WAN outage, a hung node's phones failing over).
#[test]
fn an_analysis_of_registration_alarms_kept_on_disk_finds_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incidents");
    for name in ["branch-wan-outage", "ucs-raid-controller-hang"] {
        let bundle = root.join(name);
        let b = bundle.to_str().expect("utf-8 path");
        for args in [
            &["analyze", "-q", "--format", "json"][..],
            &["analyze", "-q", "--format", "md"][..],
            &["analyze", "-q", "--format", "html"][..],
            &["analyze", "-q", "--format", "json", "--since", "-2h"][..],
        ] {
            let whole = same_at_budgets(args, b, &["1K", "40K"], "analysis", |spilled, budget| {
                assert!(
                    number_after(&spilled.stderr, "then ").is_some_and(|n| n > 10),
                    "{args:?} {budget} {b}: registration alarms in sorted runs: {}",
                    spilled.stderr
                );
                // The other events came back to memory, their texts spilled.
                assert!(
                    number_after(&spilled.stderr, "the raw text of ").is_some_and(|n| n > 10),
                    "{args:?} {budget} {b}: texts of events back in memory spilled: {}",
                    spilled.stderr
                );
            });
            assert!(!whole.stderr.contains("sorted runs"), "{}", whole.stderr);
        }
    }
}

/// No temporary file can be made (the temporary folder is gone): events
/// past the budget stay in memory, the timeline is whole and the same, and
/// the user is told the budget was not kept.
#[test]
fn without_a_temporary_folder_events_stay_in_memory_and_nothing_is_lost() {
    let b = common::example();
    let b = b.to_str().expect("utf-8 path");
    let whole = output(&[
        "timeline",
        "-q",
        "--format",
        "json",
        "--max-memory",
        "none",
        b,
    ]);
    let gone = tempfile::tempdir().expect("a temporary folder");
    let missing = gone.path().join("removed");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args([
            "timeline",
            "-q",
            "--format",
            "json",
            "--max-memory",
            "1K",
            b,
        ])
        .env("TMPDIR", &missing)
        .output()
        .expect("run uctriage");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(whole.code), "{stderr}");
    assert!(
        out.stdout == whole.stdout.as_bytes(),
        "events were lost: {stderr}"
    );
    assert!(
        stderr.contains("events past the memory budget stay in memory"),
        "{stderr}"
    );
    // The user is told where the temporary files went and how to move them.
    assert!(
        stderr.contains(&format!(
            "temporary files go to {}: point TMPDIR at a folder with more free space",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("missing"), "{stderr}");
}
