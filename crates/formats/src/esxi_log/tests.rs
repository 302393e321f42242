//! Tests over the public ESXi samples (tests/fixtures/esxi_log).

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Fact, Kind, RawEvent, RawTime, Severity};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/esxi_log/", $name))
    };
}

fn parse_at(path: &str, text: &str, all: bool) -> ParsedFile {
    let name = path.rsplit('/').next().unwrap();
    let head = Head {
        name,
        lines: text.lines().collect(),
    };
    assert_eq!(detect(&head).map(|f| f.name()), Some("esxi-log"), "{path}");
    let mut ctx = FileContext::new(path);
    ctx.keep_ordinary = all;
    parse_reader(by_name("esxi-log"), &ctx, text.as_bytes())
}

fn parse(path: &str, text: &str) -> ParsedFile {
    parse_at(path, text, false)
}

fn field<'a>(e: &'a RawEvent, k: &str) -> &'a str {
    e.fields
        .get(k)
        .unwrap_or_else(|| panic!("no field {k} in {e:?}"))
}

fn utc(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn by_condition<'a>(f: &'a ParsedFile, c: &str) -> Vec<&'a RawEvent> {
    f.events
        .iter()
        .filter(|e| e.fields.get("condition") == Some(c))
        .collect()
}

#[test]
fn kb289902_sense_data_is_kept_as_printed_with_utc_time() {
    let f = parse(
        "esx01/vmkernel.log",
        fixture!("vmkernel_kb289902_sense.log"),
    );
    assert_eq!(f.understood, f.lines);
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::StorageIo);
    assert!(matches!(e.time, RawTime::Absolute(t, _) if t == utc("2011-04-04T21:07:30.257Z")));
    for (k, v) in [
        ("condition", "scsi_cmd_failed"),
        ("host_status", "0x0"),
        ("device_status", "0x2"),
        ("plugin_status", "0x0"),
        ("sense_data", "valid"),
        ("sense_key", "0x5"),
        ("asc", "0x24"),
        ("ascq", "0x0"),
        ("asc_ascq", "0x24/0x0"),
        ("scsi_cmd", "0x12"),
        ("device", "naa.600508e000000000c9f6baa7c19f6900"),
        ("esxi_log", "vmkernel"),
    ] {
        assert_eq!(field(e, k), v, "{k}");
    }
    assert!(e
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Device && x.id.starts_with("naa.6005")));
    // ESX 4 through syslogd: local time without a year, the host printed.
    let old = &f.events[1];
    assert!(matches!(
        old.time,
        RawTime::LocalNoYear {
            month: 3,
            day: 9,
            ..
        }
    ));
    assert_eq!(old.host.as_deref(), Some("esx405"));
    assert_eq!(field(old, "plugin_status"), "0x3");
    assert_eq!(field(old, "sense_data"), "possible");
}

#[test]
fn kb2004684_permanent_device_loss() {
    let f = parse("esx01/vmkernel.log", fixture!("vmkernel_kb2004684_pdl.log"));
    assert_eq!(f.understood, f.lines);
    let pdl = by_condition(&f, "pdl");
    assert_eq!(pdl.len(), 1);
    assert_eq!(pdl[0].severity, Severity::Critical);
    assert_eq!(
        field(pdl[0], "device"),
        "naa.60a98000572d54724a34642d71325763"
    );
    let perm = by_condition(&f, "pdl_path");
    assert_eq!(perm.len(), 2);
    assert_eq!(field(perm[0], "path"), "vmhba3:C0:T0:L0");
    assert_eq!(field(perm[0], "adapter"), "vmhba3");
    assert_eq!(field(perm[0], "asc_ascq"), "0x25/0x0");
    assert_eq!(by_condition(&f, "device_blocked").len(), 1);
    assert_eq!(by_condition(&f, "no_path").len(), 1);
    assert_eq!(by_condition(&f, "device_io_error").len(), 1);
    let reset = f
        .events
        .iter()
        .find(|e| e.fields.get("host_status") == Some("0x8"))
        .unwrap();
    assert_eq!(field(reset, "scsi_cmd"), "0x9e");
}

#[test]
fn iscsi_all_paths_down_with_the_datastore_name() {
    let f = parse("esx02/vmkernel.log", fixture!("vmkernel_iscsi_apd_65.log"));
    assert_eq!(f.understood, f.lines);
    let starts = by_condition(&f, "apd_start");
    assert_eq!(starts.len(), 3);
    assert!(starts
        .iter()
        .any(|e| e.fields.get("datastore") == Some("iSCSI")));
    assert!(starts
        .iter()
        .any(|e| e.fields.get("device") == Some("naa.60014055c425cd10a874374b415629b3")));
    let exits = by_condition(&f, "apd_exit");
    assert_eq!(exits.len(), 2);
    assert!(exits.iter().all(|e| e.severity == Severity::Info));
    let offline = by_condition(&f, "connection_offline");
    assert_eq!(offline.len(), 1);
    assert_eq!(field(offline[0], "driver"), "iscsi_vmk");
    assert_eq!(field(offline[0], "adapter"), "vmhba64");
    let failed = by_condition(&f, "scsi_cmd_failed");
    assert_eq!(field(failed[0], "sense_data"), "invalid");
    assert_eq!(field(failed[0], "path"), "vmhba64:C0:T0:L0");
    let links: Vec<_> = f.events.iter().filter(|e| e.kind == Kind::Log).collect();
    assert_eq!(links.len(), 2);
    assert_eq!(field(links[0], "link"), "down");
}

#[test]
fn hostd_power_transitions_name_the_vm() {
    let f = parse("esx02/hostd.log", fixture!("hostd_65_power_apd.log"));
    assert_eq!(f.understood, f.lines);
    let life: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.kind == Kind::NodeLifecycle)
        .collect();
    let actions: Vec<(&str, &str)> = life
        .iter()
        .map(|e| (field(e, "vm"), field(e, "action")))
        .collect();
    assert_eq!(
        actions,
        [
            ("MGSIP EOSN OUT", "powering_off"),
            ("MGSIP EOSN IN", "unregistering"),
            ("MGSIP EOSN IN", "unregistered"),
            ("gnav-10.1", "register"),
            ("v-queworx_a", "powering_on"),
            ("v-queworx_a", "power_on"),
        ]
    );
    let off = life[0];
    assert_eq!(field(off, "user"), "dcui");
    assert_eq!(field(off, "from_state"), "VM_STATE_ON");
    assert_eq!(
        field(off, "datastore_uuid"),
        "5b2cf72d-c314ef74-0f37-8cdf9d51786c"
    );
    assert!(off
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Node && x.id == "MGSIP EOSN OUT"));
    assert!(matches!(off.time, RawTime::Absolute(t, _) if t == utc("2018-07-05T20:55:44.733Z")));
    assert_eq!(by_condition(&f, "apd_start").len(), 1);
    assert_eq!(field(by_condition(&f, "apd_exit")[0], "esxi_log"), "hostd");
}

#[test]
fn esx35_hostd_is_local_time() {
    let f = parse("esx35/hostd.log", fixture!("hostd_ossec_esx35.log"));
    assert_eq!(f.understood, f.lines);
    assert_eq!(f.events.len(), 3);
    assert_eq!(field(&f.events[0], "vm"), "Nostalgia");
    assert_eq!(field(&f.events[0], "action"), "off");
    assert!(matches!(f.events[2].time, RawTime::Local(..)));
    assert_eq!(field(&f.events[2], "action"), "power_on");
}

#[test]
fn vobd_all_paths_down_and_nfs_disconnect() {
    let f = parse("esx03/vobd.log", fixture!("vobd_apd_nfs_template.log"));
    assert_eq!(f.understood, f.lines);
    assert_eq!(by_condition(&f, "apd_start").len(), 2);
    let timeout = by_condition(&f, "apd_timeout");
    assert_eq!(timeout.len(), 2);
    assert_eq!(timeout[0].severity, Severity::Critical);
    assert_eq!(field(timeout[0], "volume_uuid"), "12345678-abcdefg0");
    assert_eq!(field(timeout[0], "vob"), "vob.storage.apd.timeout");
    let nfs = by_condition(&f, "nfs_disconnect");
    assert_eq!(field(nfs[0], "datastore"), "NFS-DS1");
    assert_eq!(f.events.len(), 5, "the `No correlator` line makes no event");

    let f = parse("esx03/vobd.log", fixture!("vobd_scsipath_remove.log"));
    let e = &f.events[0];
    assert_eq!(field(e, "condition"), "path_removed");
    assert_eq!(field(e, "adapter"), "vmhba33");
}

#[test]
fn esxi8_layout_with_levels_aborts_and_repeats() {
    let f = parse("esx8/vmkernel.log", fixture!("vmkernel_esxi8_ats_busy.log"));
    assert_eq!(f.understood, f.lines);
    let rep = by_condition(&f, "scsi_cmd_failed_repeated");
    assert_eq!(
        rep.iter()
            .map(|e| field(e, "repeat_count"))
            .collect::<Vec<_>>(),
        ["10", "20", "40"]
    );
    assert_eq!(field(rep[0], "level"), "In(182)");
    let failed = by_condition(&f, "scsi_cmd_failed");
    assert_eq!(failed.len(), 3);
    assert_eq!(field(failed[0], "host_status"), "0x5");
    assert_eq!(field(failed[1], "device_status"), "0x8");

    let f = parse(
        "esx8/vmkernel.log",
        fixture!("vmkernel_esxi8_lpfc_abort.log"),
    );
    assert_eq!(f.understood, f.lines);
    let aborts = by_condition(&f, "task_abort");
    assert_eq!(aborts.len(), 3);
    assert_eq!(field(aborts[0], "driver"), "lpfc");
    assert_eq!(field(aborts[0], "adapter"), "vmhba2");
}

#[test]
fn ordinary_lines_are_understood_and_only_kept_with_all() {
    let text = fixture!("vmkernel_megasas_aen.log");
    let f = parse("esx5/vmkernel.log", text);
    assert_eq!(f.understood, f.lines);
    assert!(f.events.is_empty());
    assert!(f.span.is_some());
    let f = parse_at("esx5/vmkernel.log", text, true);
    assert_eq!(f.events.len(), 6);
    assert!(f.events.iter().all(|e| e.kind == Kind::Log));
}

#[test]
fn hosts_from_vm_support_folders_and_forwarded_lines() {
    let f = parse(
        "bundles/esx-esx07.example.net-2019-04-02--14.30-12345/var/run/log/vmkernel.log",
        fixture!("vmkernel_ryanjan_h5_h8.log"),
    );
    assert_eq!(
        f.facts,
        [Fact::FileHost {
            host: "esx07.example.net".into()
        }]
    );
    let fwd = "<14>2019-04-02T14:12:09.123Z esx07 vmkernel: cpu3:32790)ScsiDeviceIO: 2337: Cmd(0x412e80c3b8c0) 0x2a, CmdSN 0x1a5 from world 32794 to dev \"naa.600a\" failed H:0x0 D:0x2 P:0x0 Valid sense data: 0x3 0x11 0x0.\n";
    let f = parse("syslog/esx.log", fwd);
    assert_eq!(f.events[0].host.as_deref(), Some("esx07"));
    assert_eq!(field(&f.events[0], "world"), "32794");
    assert_eq!(field(&f.events[0], "sense_key"), "0x3");
}

#[test]
fn malformed_input_is_not_fatal() {
    let junk = "2019-13-40T99:99:99.000Z cpu1:2)x\n--> dangling\n2019-04-02T14:12:09Z: [x] 12us: [\n2019-04-02T14:12:09Z info hostd[1] [unclosed\n2019-04-02T14:12:09Z cpu1:2)H:0x D:0x P:0x\nü漢 ✓\n";
    let f = parse_reader(
        by_name("esxi-log"),
        &FileContext::new("x.log"),
        junk.as_bytes(),
    );
    assert!(f.understood <= f.lines);
    assert!(f.events.iter().all(|e| e.kind != Kind::StorageIo));
}
