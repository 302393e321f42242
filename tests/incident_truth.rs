//! Every incident under `tests/incidents/` is checked against its
//! `TRUTH.toml` (format: `tests/incidents/README.md`):
//!
//! 1. `uctriage files` understands at least `min_understood` of the lines of
//!    every file, and gives every file a host;
//! 2. `uctriage analyze --format json` reports the site zone, the expected
//!    findings (kind, class, hosts, devices, instants, causes, words), the
//!    declared number of findings per kind, and none of the forbidden ones;
//! 3. the renamed-and-shifted guard: the bundle is rewritten with every name
//!    and number of the guard's table replaced, every instant moved by its
//!    shift and the site moved to its zone; nothing old may survive, every
//!    host and device the analysis names must be in the table, the same truth
//!    must hold through the mapping, and the findings and files must be the
//!    original ones, mapped.
//!
//! `UCTRIAGE_INCIDENT=<name>` checks one incident; `UCTRIAGE_KEEP_RENAMED=DIR`
//! keeps the rewritten copies in `DIR/<name>`.

mod common;

use common::incident::{
    check_files, check_nothing_survives, check_rename_covers, check_truth, compare_analyses,
    compare_files, copy_transformed, load_truth, Mapping,
};
use common::run;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn incidents_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incidents")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&run(args)).expect("JSON output")
}

fn analyze(dir: &Path) -> Value {
    json(&["analyze", dir.to_str().unwrap(), "--format", "json"])
}

fn files(dir: &Path) -> Value {
    json(&["files", dir.to_str().unwrap(), "--format", "json"])
}

/// Copy an incident bundle without its TRUTH.toml.
fn copy_bundle(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_bundle(&entry.path(), &target);
        } else if entry.file_name() != "TRUTH.toml" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every check of one incident; the failures, described.
fn check_incident(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let truth = load_truth(dir);
    let mut failures = Vec::new();
    let mut note = |what: &str, fs: Vec<String>| {
        failures.extend(fs.into_iter().map(|f| format!("{name}: {what}: {f}")));
    };

    // The bundle as a user would have it: without the TRUTH.toml.
    let plain = tempfile::tempdir().unwrap();
    copy_bundle(dir, plain.path());
    let dir = plain.path();
    let old_files = files(dir);
    note("files", check_files(&old_files, truth.min_understood));
    let old = analyze(dir);
    note(
        "truth",
        check_truth(&old, &truth, &truth.zone, &Mapping::IDENTITY),
    );

    let (r, s) = (truth.guard.rename(), truth.guard.shift(&truth.zone));
    let tmp = tempfile::tempdir().unwrap();
    copy_transformed(dir, tmp.path(), "", &r, &s);
    if let Some(keep) = std::env::var_os("UCTRIAGE_KEEP_RENAMED") {
        copy_transformed(dir, &Path::new(&keep).join(&name), "", &r, &s);
    }
    note(
        "guard",
        check_nothing_survives(tmp.path(), &r, &s, &truth.guard.gone),
    );
    note("guard", check_rename_covers(&old_files, &old, &r));
    let new = analyze(tmp.path());
    let mapped = Mapping {
        rename: Some(&r),
        shift: Some(&s),
    };
    note(
        "renamed truth",
        check_truth(&new, &truth, &truth.guard.zone, &mapped),
    );
    note("renamed findings", compare_analyses(&old, &new, &r, &s));
    note(
        "renamed files",
        compare_files(&old_files, &files(tmp.path()), &r, &s),
    );
    failures
}

#[test]
fn every_incident_holds_its_truth_renamed_and_shifted_too() {
    let only = std::env::var("UCTRIAGE_INCIDENT").ok();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(incidents_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| only.as_deref().is_none_or(|o| p.ends_with(o)))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no incident to check");
    for d in &dirs {
        assert!(
            d.join("TRUTH.toml").is_file(),
            "{}: every incident needs a TRUTH.toml (tests/incidents/README.md)",
            d.display()
        );
    }
    // Incidents are independent: check them side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|d| scope.spawn(move || check_incident(d)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an incident check panicked"))
            .collect()
    });
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The checks can fail: a wrong instant, a missing class, a forbidden
/// finding, a wrong count per kind and a name left out of the rename table
/// are each reported.
#[test]
fn a_wrong_truth_is_reported() {
    let dir = incidents_dir().join("branch-wan-outage");
    let doc = analyze(&dir);
    let good = load_truth(&dir);
    assert!(check_truth(&doc, &good, &good.zone, &Mapping::IDENTITY).is_empty());

    let mut t = load_truth(&dir);
    t.expect[0].start = Some("2023-09-19T09:42:18Z".into());
    t.expect[1].class = Some("service-hang".into());
    t.kinds.insert("advisory".into(), 3);
    t.forbid.push(common::incident::Expect {
        kind: Some("impact".into()),
        ..Default::default()
    });
    let failures = check_truth(&doc, &t, &t.zone, &Mapping::IDENTITY);
    assert_eq!(failures.len(), 4, "{failures:#?}");
    assert!(check_truth(&doc, &t, "Asia/Tokyo", &Mapping::IDENTITY)
        .iter()
        .any(|f| f.contains("time_zone")));

    let mut g = load_truth(&dir).guard;
    g.names.remove("ldn-cucm-");
    let files_doc = files(&dir);
    let missing = check_rename_covers(&files_doc, &doc, &g.rename());
    assert!(
        missing.iter().any(|m| m.contains("ldn-cucm-sub1")),
        "{missing:?}"
    );
}

/// The time patterns the incidents brought to the transform, against
/// hand-computed values (PST 08:21:37 = 16:21:37Z; + 1 d 2 h = 18:21:37Z on
/// the 21st = 19:21:37 CET).
#[test]
fn the_transform_moves_the_patterns_the_incidents_use() {
    let mut s = common::transform::Shift::new(
        common::incident::parse_shift("1d 2h"),
        "America/Los_Angeles",
        "Europe/Berlin",
        "W. Europe Standard Time",
    );
    s.syslog_year = Some(2023);
    let t = |x: &str| s.text(x);
    assert_eq!(
        t("Current time in UTC is : Mon Feb 20 16:07:19 UTC 2023"),
        "Current time in UTC is : Tue Feb 21 18:07:19 UTC 2023"
    );
    assert_eq!(
        t("Current time in America/Los_Angeles is : Mon Feb 20 08:07:19 PST 2023"),
        "Current time in Europe/Berlin is : Tue Feb 21 19:07:19 CET 2023"
    );
    assert_eq!(
        t("Expiration:Tue Mar 14 17:22:09:000 UTC 2023]"),
        "Expiration:Wed Mar 15 19:22:09:000 UTC 2023]"
    );
    assert_eq!(
        t("Server Time: Mon Feb 20 08:21:37 PST 2023"),
        "Server Time: Tue Feb 21 19:21:37 CET 2023"
    );
    assert_eq!(
        t("Date               : Mon Feb 20, 2023 08:13:05\n08:13:29.186421 IP a.ntp > b.42930: NTPv3, Server, length 48\ntop - 08:14:00 up 12 days,  3:01"),
        "Date               : Tue Feb 21, 2023 19:13:05\n19:13:29.186421 IP a.ntp > b.42930: NTPv3, Server, length 48\ntop - 19:14:00 up 12 days,  3:01"
    );
    assert_eq!(
        t("Feb 19 19:54:02 rno-ucm-pub ntpdate[3110]: no server suitable for synchronization found"),
        "Feb 21 06:54:02 rno-ucm-pub ntpdate[3110]: no server suitable for synchronization found"
    );
    assert_eq!(
        s.file_name("esxtop_h_20230220.csv"),
        "esxtop_h_20230221.csv"
    );
}
