//! Nothing in the analysis is keyed to this incident's names, times or zone:
//! the example bundle, with every host, address, device, DN, device pool,
//! CallManager group/name and PG renamed, every instant moved by
//! 1603 days 03:17 and the site moved from America/Chicago to
//! Europe/Amsterdam (CDT -5 becomes CET +1), gives the same findings and the
//! same timeline, with the names and instants mapped.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::incident::{
    compare_analyses, compare_files, copy_transformed, map_path, read_tree, time,
};
use common::transform::{Rename, Shift};
use common::{events, example, run};
use regex::Regex;
use serde_json::Value;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::{SignedDuration, Timestamp};

const OLD_ZONE: &str = "America/Chicago";
const NEW_ZONE: &str = "Europe/Amsterdam";

fn shift() -> Shift {
    Shift {
        delta: SignedDuration::from_hours(1603 * 24 + 3) + SignedDuration::from_mins(17),
        old_tz: TimeZone::get(OLD_ZONE).unwrap(),
        new_tz: TimeZone::get(NEW_ZONE).unwrap(),
        new_zone_long_name: "Central European Standard Time".into(),
        syslog_year: None,
    }
}

fn rename() -> Rename {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |old: &str, new: &str| {
        assert!(
            !old.eq_ignore_ascii_case(new),
            "{old} → {new} is not a rename"
        );
        names.insert(old.to_string(), new.to_string());
    };
    // Hosts (CallManager names CM_<host> follow their host), domain, PG.
    for (old, new) in [
        ("bldcucmpub", "ams-uc-pub"),
        ("bldcucmsub1", "ams-uc-sub2"),
        ("bldcucmsub3", "ams-uc-sub4"),
        ("bldcucmsub5", "ams-uc-sub6"),
        ("bldcucmsub7", "ams-uc-sub3"),
        ("bldcucmtftp1", "ams-uc-tftp9"),
        ("syrcucmsub2", "rtm-uc-sub12"),
        ("syrcucmsub4", "rtm-uc-sub14"),
        ("syrcucmsub6", "rtm-uc-sub16"),
        ("syrcucmsub8", "rtm-uc-sub18"),
        ("syrcucmtftp2", "rtm-uc-tftp5"),
        ("voip.com", "tel.example.net"),
        ("nms01", "ams-mon02"),
        ("pg1a", "pg7c"),
        ("PG1A", "PG7C"),
        ("CG1A", "CG7C"),
        // Device pools, CallManager groups, calling search spaces.
        ("DP_BLD_MobileAgent", "DP_AMS_RemoteAgents"),
        ("DP_BLD_Gateways", "DP_AMS_Gw"),
        ("DP_BLD_Phones", "DP_AMS_Desk"),
        ("DP_SYR_MobileAgent", "DP_RTM_RemoteAgents"),
        ("DP_SYR_Gateways", "DP_RTM_Gw"),
        ("DP_SYR_Phones", "DP_RTM_Desk"),
        ("CMG_BLD_SUB7_SUB5", "CMG_AMS_S3_S6"),
        ("CMG_BLD_SUB3_SUB1", "CMG_AMS_S4_S2"),
        ("CMG_BLD_SUB1_SUB3", "CMG_AMS_S2_S4"),
        ("CMG_SYR_SUB4_SUB2", "CMG_RTM_S14_S12"),
        ("CMG_SYR_SUB6_SUB8", "CMG_RTM_S16_S18"),
        ("CMG_SYR_SUB2_SUB4", "CMG_RTM_S12_S14"),
        ("CSS_BLD_MobileAgent", "CSS_AMS_RemoteAgents"),
        ("CSS_SYR_MobileAgent", "CSS_RTM_RemoteAgents"),
        // Desk phones.
        ("SEP0023EB54A1C7", "SEP00AA11BB22CC"),
        ("SEP001E7A2D3F11", "SEP00DD33EE44FF"),
    ] {
        add(old, new);
    }
    // Mobile Agent CTI ports (LCP/RCP pairs) become MAGTL/MAGTR ports.
    for port in ["1148", "1149", "1163", "1175", "1182", "2104", "2117"] {
        let k: u32 = port.parse().unwrap();
        add(
            &format!("LCP5000{port}"),
            &format!("MAGTL{:05}", 40_000 + k * 3),
        );
        add(
            &format!("RCP5000{port}"),
            &format!("MAGTR{:05}", 40_000 + k * 3),
        );
    }
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    // Directory numbers: 27xxx/28xxx become 63xxx/64xxx, scrambled.
    for k in [148, 149, 163, 175, 182, 304, 317] {
        let new = (k + 371) % 1000;
        numbers.insert(format!("27{k}"), format!("63{new:03}"));
        numbers.insert(format!("28{k}"), format!("64{new:03}"));
    }
    // IP addresses.
    for last in [61, 63, 65, 67, 69, 71] {
        numbers.insert(format!("170.8.4.{last}"), format!("10.44.7.{}", last + 100));
    }
    for last in [73, 75, 79, 81, 83] {
        numbers.insert(
            format!("142.192.33.{last}"),
            format!("10.45.9.{}", last + 100),
        );
    }
    for last in [57, 113] {
        numbers.insert(
            format!("170.8.22.{last}"),
            format!("10.44.30.{}", last + 50),
        );
    }
    Rename::new(names, numbers)
}

fn shifted(v: &Value, s: &Shift) -> Option<Timestamp> {
    time(v).map(|t| s.instant(t))
}

fn map_strs(v: &Value, r: &Rename) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| r.text(x.as_str().unwrap()))
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn transformed_bundle() -> (tempfile::TempDir, Rename, Shift) {
    let (r, s) = (rename(), shift());
    let dir = tempfile::tempdir().unwrap();
    copy_transformed(&example(), dir.path(), "", &r, &s);
    // To look at the transformed bundle: UCTRIAGE_KEEP_RENAMED=/some/dir
    if let Some(keep) = std::env::var_os("UCTRIAGE_KEEP_RENAMED") {
        copy_transformed(&example(), Path::new(&keep), "", &r, &s);
    }
    (dir, r, s)
}

#[test]
fn no_old_name_time_or_zone_survives_the_transform() {
    let (dir, r, _) = transformed_bundle();
    let mut files = Vec::new();
    read_tree(dir.path(), "", &mut files);
    assert_eq!(files.len(), 8, "every file but README.md copied");
    let number_token = Regex::new(r"[0-9]+(?:\.[0-9]+)*").unwrap();
    let year = Regex::new(r"(?:^|[^0-9])(2016|2019)(?:[^0-9]|$)").unwrap();
    for (path, text) in &files {
        let lower = format!("{path}\n{text}").to_lowercase();
        for old in r.names.keys() {
            assert!(
                !lower.contains(&old.to_lowercase()),
                "{old} survives in {path}"
            );
        }
        for tok in number_token
            .find_iter(text)
            .chain(number_token.find_iter(path))
        {
            assert!(
                !r.numbers.contains_key(tok.as_str()),
                "{} survives in {path}",
                tok.as_str()
            );
        }
        for gone in ["bld", "syr", "170.8.", "142.192.", "LCP5", "RCP5"] {
            assert!(!lower.contains(&gone.to_lowercase()), "{gone} in {path}");
        }
        for gone in ["CDT", "CST", "Central Daylight", "Chicago", "(300)"] {
            assert!(!text.contains(gone), "{gone} survives in {path}");
        }
        assert!(!year.is_match(text), "an old year survives in {path}");
        assert!(!year.is_match(path), "an old year survives in {path}");
    }
}

#[test]
fn the_renamed_and_shifted_bundle_gives_the_same_findings() {
    let (dir, r, s) = transformed_bundle();
    let ex = example();
    let old: Value =
        serde_json::from_str(&run(&["analyze", ex.to_str().unwrap(), "--format", "json"])).unwrap();
    let new: Value = serde_json::from_str(&run(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(old["time_zone"], OLD_ZONE);
    assert_eq!(new["time_zone"], NEW_ZONE);
    assert_eq!(map_strs(&old["notes"], &r), strs(&new["notes"]), "notes");

    let kinds = |doc: &Value| -> Vec<String> {
        let mut k: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].to_string())
            .collect();
        k.sort();
        k
    };
    assert_eq!(kinds(&new), kinds(&old), "multiset of finding kinds");
    assert!(
        old["findings"].as_array().unwrap().len() >= 5,
        "the example has its findings"
    );
    let failures = compare_analyses(&old, &new, &r, &s);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let failures = compare_files(&old, &new, &r, &s);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_renamed_and_shifted_timeline_is_the_original_moved_by_the_delta() {
    let (dir, r, s) = transformed_bundle();
    let ex = example();
    let old = events(&["timeline", ex.to_str().unwrap(), "--format", "json"]);
    let new = events(&["timeline", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(new.len(), old.len(), "number of events");
    assert!(old.len() > 100);

    // Events paired by (file, line, kind, n-th on that line).
    let keyed = |evs: &[Value], map: bool| -> BTreeMap<(String, u64, String, usize), Value> {
        let mut out = BTreeMap::new();
        for e in evs {
            let file = e["file"].as_str().unwrap();
            let file = if map {
                map_path(file, &r, &s)
            } else {
                file.to_string()
            };
            let mut key = (
                file,
                e["line"].as_u64().unwrap(),
                e["kind"].as_str().unwrap().to_string(),
                0,
            );
            while out.contains_key(&key) {
                key.3 += 1;
            }
            out.insert(key, e.clone());
        }
        out
    };
    let (ok, nk) = (keyed(&old, true), keyed(&new, false));
    assert_eq!(
        nk.keys().collect::<Vec<_>>(),
        ok.keys().collect::<Vec<_>>(),
        "the same events at the same file lines"
    );
    for (key, o) in &ok {
        let n = &nk[key];
        assert_eq!(time(&n["time"]), shifted(&o["time"], &s), "{key:?}: time");
        let zone = match o["clock"]["zone"].as_str().unwrap() {
            OLD_ZONE => NEW_ZONE,
            other => other,
        };
        assert_eq!(n["clock"]["zone"], zone, "{key:?}: zone");
        for k in ["zone_source", "date_source"] {
            assert_eq!(n["clock"][k], o["clock"][k], "{key:?}: {k}");
        }
        for k in ["severity", "format"] {
            assert_eq!(n[k], o[k], "{key:?}: {k}");
        }
        assert_eq!(
            n["host"].as_str().unwrap_or(""),
            r.text(o["host"].as_str().unwrap_or("")),
            "{key:?}: host"
        );
    }
}

// The transformer's own checks, against hand-computed values
// (17:33:47Z + 1603 d 03:17 = 2023-12-01 20:50:47Z = 21:50:47 CET).

#[test]
fn transform_shifts_ctime_epochs_and_dumplog_times() {
    let s = shift();
    assert_eq!(
        s.ctimes("since Fri Jul 12 12:33:47 2019"),
        "since Fri Dec  1 21:50:47 2023"
    );
    assert_eq!(
        s.ctimes("Server Time: Fri Jul 12 13:05:40 CDT 2019"),
        "Server Time: Fri Dec  1 22:22:40 CET 2023"
    );
    // 2016-01-25 was CST (-6); the shifted instant is past midnight CEST (+2).
    assert_eq!(
        s.core_list_dates("340196 KB   2016-01-25 13:27:10   core.4560.6.ccm.1453750027"),
        "340196 KB   2020-06-16 00:44:10   core.4560.6.ccm.1453750027"
    );
    assert_eq!(
        s.core_file_names("core.28448.6.ccm.1562952957"),
        "core.28448.6.ccm.1701463977"
    );
    assert_eq!(
        s.ping_epochs("[1562931004.239129] 64 bytes"),
        "[1701442024.239129] 64 bytes"
    );
    assert_eq!(
        s.dumplog("Events from July 12, 2019\n12:33:19:564 PG1A-jgw1 Trace: x\n"),
        "Events from December 1, 2023\n21:50:19:564 PG1A-jgw1 Trace: x\n"
    );
}

#[test]
fn transform_shifts_esxi_cimc_system_history_and_ccbu_stamps() {
    let s = shift();
    // 1603 d 3 h 17 min later; Chicago CDT (-5) becomes Amsterdam CET (+1).
    assert_eq!(
        s.host_logs("2019-07-12T17:33:48.120Z cpu2:2050)ScsiDeviceIO: x"),
        "2023-12-01T20:50:48.120Z cpu2:2050)ScsiDeviceIO: x"
    );
    assert_eq!(
        s.host_logs("2019-07-12T17:33:48Z: [vob.storage.apd.start] x"),
        "2023-12-01T20:50:48Z: [vob.storage.apd.start] x"
    );
    assert_eq!(
        s.host_logs(" 2:2019 July 12 12:33:48:BMC:fault-engined:-: %CIMC-2-X"),
        " 2:2023 December 01 21:50:48:BMC:fault-engined:-: %CIMC-2-X"
    );
    assert_eq!(
        s.host_logs("07/12/2019 12:33:48 | root: Boot 14.0.1 Start"),
        "12/01/2023 21:50:48 | root: Boot 14.0.1 Start"
    );
    assert_eq!(
        s.host_logs("Jul 12 2019 12:33:48.120 -0500: %CCBU_x-6-Y: %[a=1]: z"),
        "Dec 01 2023 21:50:48.120 +0100: %CCBU_x-6-Y: %[a=1]: z"
    );
}

#[test]
fn transform_shifts_syslog_perfmon_and_file_names() {
    let s = shift();
    assert_eq!(
        s.syslog(
            "Jul 12 12:33:48 bldcucmpub local7 1 : 48363: x: Jul 12 2019 17:33:48.120 UTC :  %UC"
        ),
        "Dec  1 21:50:48 bldcucmpub local7 1 : 48363: x: Dec 01 2023 20:50:48.120 UTC :  %UC"
    );
    assert_eq!(
        s.perfmon("\"(PDH-CSV 4.0) (Central Daylight Time)(300)\",\"x\"\n\"07/12/2019 06:00:00.000\",\"1\"\n"),
        "\"(PDH-CSV 4.0) (Central European Standard Time)(-60)\",\"x\"\n\"12/01/2023 15:17:00.000\",\"1\"\n"
    );
    assert_eq!(
        s.file_name("PerfMon_bldcucmtftp1_07_12_2019_06_00.csv"),
        "PerfMon_bldcucmtftp1_12_01_2023_15_17.csv"
    );
    let r = rename();
    assert_eq!(
        r.text("170.8.4.69 bldcucmsub7.voip.com CM_bldcucmsub7 LCP50001148 Addr: 27148 x27148"),
        "10.44.7.169 ams-uc-sub3.tel.example.net CM_ams-uc-sub3 MAGTL43444 Addr: 63519 x63519"
    );
}

#[test]
fn transform_shifts_contact_centre_ciscolog_stamps() {
    let s = shift();
    assert_eq!(
        s.ccbu_stamps("0000001007: 10.1.1.4: Jul 12 2019 12:33:48.120 -0500: %CCBU_main-6-X: y"),
        "0000001007: 10.1.1.4: Dec 01 2023 21:50:48.120 +0100: %CCBU_main-6-X: y"
    );
}
