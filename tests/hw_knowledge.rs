//! The host-hardware, ESXi and VOS lifecycle parsers and the knowledge base
//! speak the same vocabulary: every code those parsers write into a decoded
//! field, over every public sample, has an entry in `knowledge/alarms.toml`.

use uctriage_formats::{by_name, parse_reader, FileContext};
use uctriage_knowledge::Knowledge;

/// (fixture folder, format, files).
const SAMPLES: &[(&str, &str)] = &[
    ("cimc_log", "cimc-log"),
    ("cimc_cli", "cimc-cli"),
    ("esxi_log", "esxi-log"),
    ("vos_history", "vos-system-history"),
];

/// Fields whose every value must decode, per event kind.
const DECODED: &[(&str, &[&str])] = &[
    ("hardware_fault", &["code", "severity", "state"]),
    (
        "storage_io",
        &[
            "host_status",
            "device_status",
            "plugin_status",
            "sense_key",
            "asc_ascq",
            "condition",
        ],
    ),
    ("node_lifecycle", &["action", "graceful"]),
];

#[test]
fn every_code_the_hw_parsers_write_has_a_knowledge_entry() {
    let kb = Knowledge::embedded().unwrap();
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/formats/tests/fixtures");
    let mut files: Vec<(std::path::PathBuf, &str)> = Vec::new();
    for (dir, format) in SAMPLES {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x != "md") {
                files.push((p, format));
            }
        }
    }
    for name in ["linux_boot_fsrecovery.txt", "linux_ntpdate_ext4.txt"] {
        files.push((root.join("cisco_syslog").join(name), "cisco-syslog"));
    }
    let mut missing = Vec::new();
    let mut decoded = 0;
    for (path, format) in &files {
        let bytes = std::fs::read(path).unwrap();
        let parsed = parse_reader(
            by_name(format),
            &FileContext::new(path.to_str().unwrap()),
            &bytes[..],
        );
        for e in &parsed.events {
            let kind = e.kind.as_str();
            let Some((_, fields)) = DECODED.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            for f in *fields {
                let Some(code) = e.fields.get(f) else {
                    continue;
                };
                match kb.decode(e.fields.get("alarm"), kind, f, code) {
                    Some(_) => decoded += 1,
                    None => missing.push(format!("{kind}.{f} = {code} ({})", path.display())),
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "no knowledge entry for:\n{}",
        missing.join("\n")
    );
    assert!(decoded > 100, "only {decoded} codes decoded");
}

#[test]
fn scsi_statuses_and_apd_decode_as_vmware_documents_them() {
    let kb = Knowledge::embedded().unwrap();
    let d = |f: &str, c: &str| kb.decode(None, "storage_io", f, c);
    assert_eq!(d("host_status", "0x8"), Some("RESET"));
    assert_eq!(d("device_status", "0x2"), Some("CHECK_CONDITION"));
    assert_eq!(
        d("plugin_status", "0x8"),
        Some("VMK_SCSI_PLUGIN_THINPROV_NOSPACE")
    );
    assert_eq!(
        d("asc_ascq", "0x25/0x0"),
        Some("LOGICAL UNIT NOT SUPPORTED")
    );
    assert_eq!(d("sense_key", "0x5"), Some("ILLEGAL REQUEST"));
    assert!(d("condition", "apd_timeout").is_some());
    assert_eq!(
        kb.decode(None, "hardware_fault", "code", "F1004")
            .map(|s| s.starts_with("Storage controller")),
        Some(true)
    );
    assert!(kb
        .decode(None, "node_lifecycle", "graceful", "false")
        .is_some());
}
