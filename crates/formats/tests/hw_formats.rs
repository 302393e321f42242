//! The host-hardware, hypervisor and VOS lifecycle formats against every
//! fixture and sample of the repository: each of their fixture files is
//! detected as its format and at least 95 % of its lines are understood
//! (what `uctriage files` reports), and no other format's file is taken
//! by one of them.

use std::path::{Path, PathBuf};
use uctriage_formats::{detect, parse_reader, FileContext, Head};

const OURS: &[&str] = &["cimc-log", "cimc-cli", "esxi-log", "vos-system-history"];

/// Files of `tests/incidents/` written in these formats: (path under
/// `tests/incidents/`, the format they must be read as).
const INCIDENT_FILES: &[(&str, &str)] = &[
    (
        "ucs-raid-controller-hang/esx-dal-01-cimc/cimc_techsupport.log",
        "cimc-log",
    ),
    (
        "ucs-raid-controller-hang/esx-dal-02-cimc/cimc_techsupport.log",
        "cimc-log",
    ),
    (
        "ucs-raid-controller-hang/esx-dal-02-cimc/cimc_cli.txt",
        "cimc-cli",
    ),
    (
        "ucs-raid-controller-hang/esx-dal-02/vmkernel.log",
        "esxi-log",
    ),
    ("ucs-raid-controller-hang/esx-dal-02/hostd.log", "esxi-log"),
    ("ucs-raid-controller-hang/esx-dal-02/vobd.log", "esxi-log"),
    (
        "ucs-raid-controller-hang/dal-ucm-sub2/system-history.log",
        "vos-system-history",
    ),
    (
        "ucs-raid-controller-hang/dal-ucm-sub4/system-history.log",
        "vos-system-history",
    ),
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n != "README.md" && n != "TRUTH.md")
        {
            out.push(p);
        }
    }
}

fn detected(path: &Path) -> Option<&'static str> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let head = Head {
        name: path.file_name().unwrap().to_str().unwrap(),
        lines: text.lines().take(200).collect(),
    };
    detect(&head).map(|f| f.name())
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(fixture file, format it must be read as)`.
fn ours() -> Vec<(PathBuf, &'static str)> {
    let mut v = Vec::new();
    for (dir, format) in [
        ("cimc_log", "cimc-log"),
        ("cimc_cli", "cimc-cli"),
        ("esxi_log", "esxi-log"),
        ("vos_history", "vos-system-history"),
    ] {
        let mut files = Vec::new();
        files_under(&fixtures().join(dir), &mut files);
        assert!(!files.is_empty(), "{dir}");
        v.extend(files.into_iter().map(|f| (f, format)));
    }
    for name in ["linux_boot_fsrecovery.txt", "linux_ntpdate_ext4.txt"] {
        v.push((fixtures().join("cisco_syslog").join(name), "cisco-syslog"));
    }
    v
}

#[test]
fn every_fixture_is_detected_and_at_least_95_percent_understood() {
    for (path, format) in ours() {
        assert_eq!(detected(&path), Some(format), "{}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        let rel = path
            .strip_prefix(fixtures())
            .unwrap()
            .to_string_lossy()
            .to_string();
        let f = parse_reader(None, &FileContext::new(&rel), &bytes[..]);
        assert_eq!(f.format, format, "{rel}");
        assert!(
            f.understood_ratio() >= 0.95,
            "{rel}: {} of {} lines understood; problems {:?}",
            f.understood,
            f.lines,
            f.problems
        );
        assert!(
            !f.events.is_empty() || f.span.is_some(),
            "{rel}: neither an event nor a time span"
        );
    }
}

#[test]
fn no_other_file_of_the_repository_is_taken_by_these_formats() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    files_under(&fixtures(), &mut files);
    files_under(&root.join("tests/incidents"), &mut files);
    files_under(&root.join("examples"), &mut files);
    let mine: Vec<PathBuf> = ours().into_iter().map(|(p, _)| p).collect();
    let incidents = root.join("tests/incidents");
    let mut checked = 0;
    let mut taken = Vec::new();
    for f in files.iter().filter(|f| !mine.contains(f)) {
        let name = detected(f);
        // An incident's own hardware and VOS files are read as theirs.
        let declared = f.strip_prefix(&incidents).ok().and_then(|rel| {
            INCIDENT_FILES
                .iter()
                .find(|(p, _)| Path::new(p) == rel)
                .map(|(_, format)| *format)
        });
        match (declared, name) {
            (Some(want), got) => assert_eq!(got, Some(want), "{}", f.display()),
            (None, Some(name)) if OURS.contains(&name) => {
                taken.push(format!("{} detected as {name}", f.display()))
            }
            _ => {}
        }
        checked += 1;
    }
    assert!(taken.is_empty(), "{taken:#?}");
    for (p, _) in INCIDENT_FILES {
        assert!(
            incidents.join(p).is_file(),
            "{p} is gone: update INCIDENT_FILES"
        );
    }
    assert!(checked > 40, "only {checked} files checked");
}
