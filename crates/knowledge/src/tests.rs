//! The knowledge as a user meets it: shipped files valid, overrides by
//! folder, and every mistake reported with its file and line.

use crate::*;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn shipped(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../knowledge")
            .join(name),
    )
    .unwrap()
}

#[test]
fn shipped_knowledge_parses_and_cites_only_known_sources() {
    let kb = Knowledge::embedded().unwrap();
    assert!(kb.alarms.alarm.len() > 20);
    assert!(!kb.signatures.signature.is_empty());
    assert!(kb.rules.len() >= 8, "one file per rule");
    assert_eq!(kb.dangling_sources(), Vec::<String>::new());
    assert!(kb.class("service-hang").is_some());
}

#[test]
fn a_folder_overrides_one_file_and_adds_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "rules/extra.toml", "version = 2\n[rule]\nid = \"extra\"\ntype = \"alarm\"\ndescription = \"d\"\nsources = []\n");
    let kb = Knowledge::load(Some(dir)).unwrap();
    assert!(kb.rule("extra").is_some());
    assert!(kb.rule("impact").is_some(), "shipped rules stay");
    assert!(kb
        .origin
        .iter()
        .any(|(n, o)| n == "rules/extra.toml" && o.ends_with("extra.toml")));
    write(
        dir,
        "rules/impact.toml",
        &shipped("rules/impact.toml").replace("gap_s = 300", "gap_s = 60"),
    );
    let kb = Knowledge::load(Some(dir)).unwrap();
    assert_eq!(
        kb.rule("impact").unwrap().params["gap_s"].as_integer(),
        Some(60)
    );
}

#[test]
fn a_misspelled_field_is_an_error_at_its_file_and_line_with_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let text = shipped("thresholds.toml").replacen("min_duration_s = 60", "min_duraton_s = 60", 1);
    let line = text
        .lines()
        .position(|l| l.starts_with("min_duraton_s"))
        .unwrap()
        + 1;
    write(dir, "thresholds.toml", &text);
    let err = Knowledge::load(Some(dir)).unwrap_err();
    let e = &err.errors[0];
    assert!(e.file.ends_with("thresholds.toml"), "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    assert!(
        e.to_string().contains("did you mean `min_duration_s`?"),
        "{e}"
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "alarms.toml", "version = 2\n[[alarm]]\nname = 3\n");
    write(dir, "advice.toml", "version = 2\n[[advice]]\nid = \"a\"\nwhen = [\"service-core\"]\ntext = \"t\"\nsources = []\nbug_id = []\n");
    let err = Knowledge::load(Some(dir)).unwrap_err();
    assert_eq!(err.errors.len(), 2, "{err}");
    assert!(err.to_string().contains("alarms.toml:3"), "{err}");
    assert!(err.to_string().contains("did you mean `bug_ids`?"), "{err}");
}

#[test]
fn an_unknown_source_or_trigger_is_an_error_where_it_is_cited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "advice.toml", "version = 2\n[[advice]]\nid = \"a\"\nwhen = [\"service-cor\"]\ntext = \"t\"\nsources = [\"S-NOWHERE\"]\n");
    let err = Knowledge::load(Some(dir)).unwrap_err().to_string();
    assert!(err.contains("source `S-NOWHERE` is not defined"), "{err}");
    assert!(err.contains("advice.toml:6"), "{err}");
    assert!(
        err.contains("trigger `service-cor`") && err.contains("did you mean `service-core`?"),
        "{err}"
    );
}

#[test]
fn a_file_of_another_version_or_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "devices.toml",
        &shipped("devices.toml").replace("version = 2", "version = 1"),
    );
    let err = Knowledge::load(Some(dir)).unwrap_err().to_string();
    assert!(err.contains("version 1 is not supported"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alarm.toml", "version = 2\n");
    let err = Knowledge::load(Some(tmp.path())).unwrap_err().to_string();
    assert!(
        err.contains("not a knowledge file") && err.contains("did you mean `alarms.toml`?"),
        "{err}"
    );
}

#[test]
fn counters_map_to_metric_classes_by_pattern() {
    let kb = Knowledge::embedded().unwrap();
    assert_eq!(
        kb.metric_class("Processor(_Total)\\% CPU Time")
            .unwrap()
            .metric,
        "cpu_percent"
    );
    assert_eq!(
        kb.metric_class("Physical Disk Adapter(vmhba2)\\Average Driver MilliSec/Command")
            .unwrap()
            .metric,
        "disk_latency_ms"
    );
    assert!(kb.metric_class("Cisco TFTP\\Requests").is_none());
    assert!(glob_match("a*c*e", "ABCDE") && !glob_match("a*c", "abd"));
    assert_eq!(kb.metric_label("cpu_percent"), "CPU");
}

#[test]
fn codes_decode_with_their_confirmation_and_groups() {
    let kb = Knowledge::embedded().unwrap();
    let d = kb
        .decode_full(
            Some("EndPointUnregistered"),
            "device_unregistered",
            "Reason",
            "13",
        )
        .unwrap();
    assert_eq!((d.name, d.confirmed), ("KeepAliveTimeout", true));
    let unconfirmed = kb.decode_full(Some("CallManagerFailure"), "alarm", "Reason", "1");
    if let Some(u) = unconfirmed {
        assert!(
            !u.confirmed && u.describe().contains("probably"),
            "{}",
            u.describe()
        );
    }
    assert!(kb.code_in_group(
        Some("EndPointUnregistered"),
        "device_unregistered",
        "Reason",
        "28",
        "recovery"
    ));
    assert!(kb.code_in_group(
        None,
        "device_unregistered",
        "Reason",
        "KeepAliveTimeout",
        "connection_lost"
    ));
    assert!(!kb.code_in_group(
        None,
        "device_unregistered",
        "Reason",
        "8",
        "connection_lost"
    ));
}

#[test]
fn signatures_match_by_process_signal_and_reason_and_star_means_any_process() {
    let kb = Knowledge::embedded().unwrap();
    let sig = kb.signature(
        "ccm",
        Some(6),
        "CallManager unable to process signals. This may be due to CPU",
        "IntentionalAbort <- CMProcMon::monitorThread",
    );
    assert!(sig.is_some_and(|s| s.hang));
    let any = kb.signature(
        "cdpd",
        Some(6),
        "something else",
        "IntentionalAbort <- Monitor::run",
    );
    assert!(
        any.is_some_and(|s| s.process == "*"),
        "the generic fallback matches any process"
    );
}

#[test]
fn device_types_come_from_the_printed_type_before_the_name() {
    let kb = Knowledge::embedded().unwrap();
    assert_eq!(
        kb.device_type("LCP50001148", Some("CTI Port")).unwrap().id,
        "cti_port"
    );
    assert_eq!(kb.device_type("SEPE0D1730A8137", None).unwrap().id, "phone");
    assert_eq!(
        kb.device_type("SEPE0D1730A8137", Some("CTI Port"))
            .unwrap()
            .id,
        "cti_port"
    );
    assert!(kb.device_type("Trunk_To_SBC", None).is_none());
}

#[test]
fn an_alarm_reason_without_words_is_an_error_and_a_reason_is_found_by_its_words() {
    let kb = Knowledge::embedded().unwrap();
    let alarm = kb.alarm("ModuleRunTimeFailure").unwrap();
    let exception =
        "com.cisco.jtapi.PlatformExceptionImpl: Unable to create provider -- Bad Login Or Password";
    let said = alarm
        .reason_in(|f| (f == "exception").then_some(exception))
        .unwrap();
    assert!(said.means.contains("password"), "{}", said.means);
    assert!(alarm
        .reason_in(|f| (f == "reason").then_some(exception))
        .is_none());
    let refused = alarm.reason_in(|_| Some("Unable to create provider -- Connection refused"));
    assert!(refused
        .unwrap()
        .means
        .contains("CTI Manager service is not running"));

    let tmp = tempfile::tempdir().unwrap();
    let broken = shipped("alarms.toml").replacen(
        "contains = \"bad login or password\"",
        "contains = \" \"",
        1,
    );
    write(tmp.path(), "alarms.toml", &broken);
    let err = Knowledge::load(Some(tmp.path())).unwrap_err().to_string();
    assert!(
        err.contains("alarm `ModuleRunTimeFailure`: every reason needs"),
        "{err}"
    );
}
