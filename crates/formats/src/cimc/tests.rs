//! Tests over the public CIMC samples (tests/fixtures/cimc_log, cimc_cli).

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::{DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity};

macro_rules! fixture {
    ($dir:literal, $name:literal) => {
        include_str!(concat!("../../tests/fixtures/", $dir, "/", $name))
    };
}

fn parse(format: &str, path: &str, text: &str) -> ParsedFile {
    let name = path.rsplit('/').next().unwrap();
    let head = Head {
        name,
        lines: text.lines().collect(),
    };
    assert_eq!(detect(&head).map(|f| f.name()), Some(format), "{path}");
    parse_reader(by_name(format), &FileContext::new(path), text.as_bytes())
}

fn local(s: &str) -> RawTime {
    RawTime::Local(s.parse().unwrap(), DateSource::Line)
}

fn field<'a>(e: &'a RawEvent, k: &str) -> &'a str {
    e.fields
        .get(k)
        .unwrap_or_else(|| panic!("no field {k} in {e:?}"))
}

#[test]
fn blog_tech_support_log_gives_the_controller_failure_and_its_clearing() {
    let f = parse(
        "cimc-log",
        "ucs-boulder/cimc.log",
        fixture!("cimc_log", "blog_storage_controller.log"),
    );
    assert_eq!(f.understood, f.lines);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert!(f.events.iter().all(|e| e.kind == Kind::HardwareFault));
    let ctrl = f
        .events
        .iter()
        .find(|e| e.fields.get("code") == Some("F1004"))
        .unwrap();
    assert_eq!(ctrl.time, local("2019-04-02T14:12:04"));
    assert_eq!(ctrl.severity, Severity::Critical);
    assert_eq!(field(ctrl, "component"), "storage_controller");
    assert_eq!(field(ctrl, "state"), "fault");
    assert_eq!(field(ctrl, "controller"), "SLOT-3");
    assert_eq!(field(ctrl, "cause"), "equipment-inoperable");
    assert!(ctrl
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Device && e.id.ends_with("storage-SAS-SLOT-3")));
    // The virtual drive message the blog wrapped over two lines is joined.
    let vd1: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.fields.get("unit") == Some("vd-1"))
        .collect();
    assert_eq!(vd1.len(), 2);
    assert_eq!(vd1[0].line, 4);
    assert!(vd1[0].text.get().contains('\n'));
    assert_eq!(field(vd1[0], "component"), "virtual_drive");
    assert_eq!(field(vd1[1], "state"), "cleared");
    assert_eq!(vd1[1].severity, Severity::Info);
    let bbu = f
        .events
        .iter()
        .find(|e| e.fields.get("code") == Some("F0531"))
        .unwrap();
    assert_eq!(field(bbu, "component"), "bbu");
    assert_eq!(bbu.severity, Severity::Error);
    let reset = f
        .events
        .iter()
        .find(|e| e.fields.get("state") == Some("reset"))
        .unwrap();
    assert_eq!(field(reset, "component"), "physical_drive");
    assert_eq!(field(reset, "controller"), "SLOT-3");
    assert_eq!(
        f.events
            .iter()
            .filter(|e| e.fields.get("state") == Some("cleared"))
            .count(),
        4
    );
}

#[test]
fn syslog_stamp_in_utc_needs_a_year_from_the_file_name() {
    let text = fixture!("cimc_log", "sc4s_log_capacity.log");
    let f = parse("cimc-log", "cimc/cimc.log", text);
    let e = &f.events[0];
    assert!(matches!(
        e.time,
        RawTime::LocalNoYear {
            month: 4,
            day: 19,
            ..
        }
    ));
    assert_eq!(field(e, "stamp_zone"), "UTC");
    assert_eq!(field(e, "code"), "F0461");
    assert_eq!(field(e, "component"), "sel_log");
    assert_eq!(f.problems.len(), 1);
    let dated = parse_reader(
        by_name("cimc-log"),
        &FileContext::new("cimc/syslog_190419_000000.log"),
        text.as_bytes(),
    );
    let ts: uctriage_core::jiff::Timestamp = "2019-04-19T17:11:12Z".parse().unwrap();
    assert!(matches!(dated.events[0].time, RawTime::Absolute(t, _) if t == ts));
    assert!(dated.problems.is_empty());
}

#[test]
fn receiver_prefix_names_the_server() {
    let text = "Apr  2 14:12:05 ucs-c240-07 : %CIMC-2-EQUIPMENT_INOPERABLE:[F1007][critical][equipment-inoperable][sys/rack-unit-1/board/storage-SAS-SLOT-3/vd-0] Storage Virtual Drive 0 is inoperable: Check storage controller, or reseat the storage drive\n";
    let f = parse("cimc-log", "syslog/receiver.log", text);
    let e = &f.events[0];
    assert_eq!(e.host.as_deref(), Some("ucs-c240-07"));
    assert_eq!(field(e, "server"), "ucs-c240-07");
    assert!(matches!(
        e.time,
        RawTime::LocalNoYear {
            month: 4,
            day: 2,
            ..
        }
    ));
}

#[test]
fn blog_cli_capture_gives_drive_and_controller_states_untimed() {
    let f = parse(
        "cimc-cli",
        "cimc/cli.txt",
        fixture!("cimc_cli", "blog_boulder_storage.txt"),
    );
    assert_eq!(f.understood, f.lines);
    assert!(f.facts.contains(&Fact::FileHost {
        host: "BoulderUCSC".into()
    }));
    assert!(f
        .events
        .iter()
        .all(|e| e.time == RawTime::Unknown && e.kind == Kind::HardwareFault));
    let vd0 = f
        .events
        .iter()
        .find(|e| {
            e.fields.get("component") == Some("virtual_drive") && e.fields.get("unit") == Some("0")
        })
        .unwrap();
    assert_eq!(field(vd0, "state"), "degraded");
    assert_eq!(field(vd0, "health"), "Moderate Fault");
    // The capture lists one adapter only: the drives are taken to be its.
    assert_eq!(field(vd0, "controller"), "SLOT-3");
    assert_eq!(
        field(vd0, "controller_basis"),
        "the only storage adapter the capture lists"
    );
    assert_eq!(vd0.severity, Severity::Warning);
    let vd1 = f
        .events
        .iter()
        .find(|e| e.fields.get("col:Name") == Some("VirtualDisk2"))
        .unwrap();
    assert_eq!(field(vd1, "state"), "optimal");
    assert_eq!(vd1.severity, Severity::Info);
    let pds: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.fields.get("component") == Some("physical_drive"))
        .collect();
    assert_eq!(pds.len(), 16);
    let bad: Vec<_> = pds
        .iter()
        .filter(|e| e.fields.get("state") != Some("online"))
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(field(bad[0], "unit"), "2");
    assert_eq!(field(bad[0], "state"), "offline");
    assert_eq!(field(bad[0], "health"), "Failed");
    // `show detail` of the adapter: health and battery as printed.
    let detail = f
        .events
        .iter()
        .find(|e| {
            e.fields.get("source") == Some("cli-detail")
                && e.fields.get("component") == Some("storage_controller")
        })
        .unwrap();
    assert_eq!(field(detail, "health"), "Moderate Fault");
    assert_eq!(field(detail, "state"), "optimal");
    assert_eq!(detail.severity, Severity::Warning);
    let batteries: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.fields.get("component") == Some("bbu"))
        .collect();
    assert_eq!(batteries.len(), 2);
    assert!(batteries
        .iter()
        .all(|b| b.fields.get("state") == Some("discharging")));
}

#[test]
fn ruled_tables_and_detail_blocks() {
    let f = parse(
        "cimc-cli",
        "c220/cli.txt",
        fixture!("cimc_cli", "gitbook_slot2_storage.txt"),
    );
    assert_eq!(f.understood, f.lines);
    let pds = f
        .events
        .iter()
        .filter(|e| e.fields.get("component") == Some("physical_drive"));
    assert_eq!(pds.clone().count(), 8);
    assert!(pds
        .clone()
        .all(|e| e.fields.get("state") == Some("online")
            && e.fields.get("controller") == Some("SLOT-2")));
    let ctrl = f
        .events
        .iter()
        .find(|e| e.fields.get("component") == Some("storage_controller"))
        .unwrap();
    assert_eq!(field(ctrl, "col:ROC Temperature"), "49 degrees C");

    let f = parse(
        "cimc-cli",
        "c240/cli.txt",
        fixture!("cimc_cli", "storageadapter_detail_mraid.txt"),
    );
    assert_eq!(f.understood, f.lines);
    assert_eq!(f.events.len(), 2);
    assert_eq!(field(&f.events[0], "unit"), "MRAID");
    assert_eq!(field(&f.events[0], "col:Product PID"), "UCSC-RAID-M5");
}

#[test]
fn fault_entries_are_timed_with_severity() {
    let f = parse(
        "cimc-cli",
        "c240/faults.txt",
        fixture!("cimc_cli", "fault_entries_c240.txt"),
    );
    assert_eq!(f.understood, f.lines);
    assert_eq!(f.events.len(), 2);
    let cpu = &f.events[0];
    assert_eq!(cpu.time, local("2019-08-17T16:46:42"));
    assert_eq!(cpu.severity, Severity::Critical);
    assert_eq!(field(cpu, "component"), "cpu");
    assert_eq!(field(cpu, "sensor"), "IERR");
    assert_eq!(field(cpu, "source"), "fault-entries");
    let dimm = &f.events[1];
    assert_eq!(dimm.severity, Severity::Error);
    assert_eq!(field(dimm, "component"), "dimm");

    let f = parse(
        "cimc-cli",
        "x/faults.txt",
        fixture!("cimc_cli", "fault_entries_detail.txt"),
    );
    assert_eq!(f.events.len(), 1);
    let e = &f.events[0];
    assert_eq!(field(e, "code"), "F0462");
    assert_eq!(field(e, "component"), "sel_log");
    assert_eq!(field(e, "dn"), "sys/rack-unit-1/mgmt/log-SEL-0");
    assert_eq!(e.time, local("2024-04-07T13:48:40"));
}

#[test]
fn unconfirmed_bbu_and_sel_layouts_are_read_tolerantly() {
    let text = "ucs# scope chassis\nucs /chassis # scope storageadapter SLOT-HBA\nucs /chassis/storageadapter # show bbu detail\nController SLOT-HBA:\n    Battery Type: supercap\n    Battery Status: Failed\n    Battery Replacement Required: true\nucs# scope sel\nucs /sel # show entries\nTime                Severity      Description\n------------------- ------------- ----------------------------------------\n[System Boot]       Informational \" LED_PSU_STATUS: Platform sensor, OFF event was asserted\"\n2019-04-02 14:12:04 Critical      \"PSU2 PSU2_STATUS: Power supply sensor for PSU2, Power Supply input lost (AC/DC) was asserted\"\n";
    let f = parse("cimc-cli", "ucs/cli.txt", text);
    assert_eq!(f.understood, f.lines);
    let bbu = f
        .events
        .iter()
        .find(|e| e.fields.get("component") == Some("bbu"))
        .unwrap();
    assert_eq!(field(bbu, "state"), "failed");
    assert_eq!(field(bbu, "controller"), "SLOT-HBA");
    let sel: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.fields.get("source") == Some("sel"))
        .collect();
    assert_eq!(sel.len(), 2);
    assert_eq!(sel[0].time, RawTime::Unknown);
    assert_eq!(field(sel[0], "time_as_printed"), "[System Boot]");
    assert_eq!(field(sel[1], "component"), "psu");
    assert_eq!(field(sel[1], "state"), "asserted");
    assert_eq!(sel[1].time, local("2019-04-02T14:12:04"));
}

#[test]
fn malformed_input_is_reported_not_fatal() {
    let junk = "BoulderUCSC /chassis # show virtual-drive\n Virtual Drive Health  Status\n ü漢 ✓\n9 x\n-----\n 2:2019 Foo 99 14:12:04:BMC:x:-: %CIMC-2-\n 2:2019 April 31 14:12:04:BMC:x:-: hi\n%CIMC-2-X:[F1004][critical][][] \n";
    for format in ["cimc-cli", "cimc-log"] {
        let f = parse_reader(
            by_name(format),
            &FileContext::new("x/y.txt"),
            junk.as_bytes(),
        );
        assert!(f.understood <= f.lines);
    }
    let f = parse_reader(
        by_name("cimc-log"),
        &FileContext::new("x/y.txt"),
        junk.as_bytes(),
    );
    assert!(f
        .problems
        .iter()
        .any(|p| p.message.contains("date not understood")));
}

#[test]
fn bbu_psu_drive_bay_and_sel_detail_blocks() {
    let f = parse(
        "cimc-cli",
        "c240/bbu.txt",
        fixture!("cimc_cli", "bbu_detail_mraid.txt"),
    );
    assert_eq!(f.understood, f.lines);
    assert_eq!(f.events.len(), 1);
    let bbu = &f.events[0];
    assert_eq!(field(bbu, "component"), "bbu");
    assert_eq!(field(bbu, "state"), "optimal");
    assert_eq!(field(bbu, "health"), "Good");
    assert_eq!(field(bbu, "controller"), "MRAID");
    assert_eq!(field(bbu, "col:Learn Cycle Failed"), "false");
    assert_eq!(bbu.severity, Severity::Info);

    let f = parse(
        "cimc-cli",
        "c240/detail.txt",
        fixture!("cimc_cli", "psu_hdd_sel_detail.txt"),
    );
    assert_eq!(f.understood, f.lines);
    let comps: Vec<(&str, &str, &str)> = f
        .events
        .iter()
        .map(|e| (field(e, "component"), field(e, "unit"), field(e, "state")))
        .collect();
    assert_eq!(
        comps,
        [
            ("psu", "PSU1", "present"),
            ("psu", "PSU2", "present"),
            ("physical_drive", "HDD1", "absent"),
            ("sel_log", "SEL", "low"),
        ]
    );
    assert_eq!(field(&f.events[3], "col:Percent Used"), "100");
}
