//! Tests over the verbatim samples of formats.md §3 / §1.5 and own fixtures.

use super::{CucmSdl, SdlParser};
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::{by_name, detect, parse_reader, ParsedFile};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

const HEAD_1499: &str = include_str!("../../tests/fixtures/cucm_sdl/SDL001_100_001499.txt");
const MIDNIGHT_1500: &str = include_str!("../../tests/fixtures/cucm_sdl/SDL001_100_001500.txt");
const SIP: &str = include_str!("../../tests/fixtures/cucm_sdl/sip_multiline.txt");
const DETAILED: &str = include_str!("../../tests/fixtures/cucm_sdl/detailed_lines.txt");
const CTI_OPEN: &str = include_str!("../../tests/fixtures/cucm_sdl/cti_provider_open.txt");
const CTI_ALARM: &str = include_str!("../../tests/fixtures/cucm_sdl/cti_alarm.txt");
const EUROPE: &str = include_str!("../../tests/fixtures/cucm_sdl/SDL002_100_000042.txt");
const CTI_OWN: &str = include_str!("../../tests/fixtures/cucm_sdl/SDL001_200_000007.txt");
const MALFORMED: &[u8] = include_bytes!("../../tests/fixtures/cucm_sdl/malformed.txt");

fn parse(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("cucm-sdl"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

/// The time the parser gives each record line (what an event on it would get).
fn record_times(text: &str, path: &str) -> Vec<(u64, RawTime)> {
    let mut p = SdlParser::new(&FileContext::new(path));
    let mut out = Output::default();
    let mut times = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let no = i as u64 + 1;
        p.line(Line { no, text: l }, &mut out);
        if super::split_record(l.as_bytes()).is_some() {
            times.push((no, p.raw_time(p.last_ms.unwrap())));
        }
    }
    times
}

fn with_offset(t: &RawTime) -> (String, i32, DateSource) {
    match t {
        RawTime::WithOffset(dt, off, src) => (dt.to_string(), off.seconds(), *src),
        other => panic!("not WithOffset: {other:?}"),
    }
}

fn facts_of(f: &ParsedFile) -> (Vec<String>, Vec<(String, String)>, Vec<String>) {
    let mut hosts = vec![];
    let mut aliases = vec![];
    let mut versions = vec![];
    for fact in &f.facts {
        match fact {
            Fact::FileHost { host } => hosts.push(host.clone()),
            Fact::HostAlias { host, alias } => aliases.push((host.clone(), alias.clone())),
            Fact::Version {
                product, version, ..
            } => versions.push(format!("{product} {version}")),
            _ => {}
        }
    }
    (hosts, aliases, versions)
}

fn kinds(f: &ParsedFile) -> Vec<Kind> {
    f.events.iter().map(|e| e.kind).collect()
}

#[test]
fn detection_by_line_shape_and_file_head() {
    for (name, text) in [
        ("SDL001_100_001499.txt.gz", HEAD_1499),
        ("SDL001_100_001500.txt", MIDNIGHT_1500),
        ("sip.txt", SIP),
        ("cti.txt", CTI_OPEN),
        ("alarm.txt", CTI_ALARM),
        ("x.log", DETAILED),
    ] {
        let head = Head {
            name,
            lines: text.lines().collect(),
        };
        assert_eq!(detect(&head).map(|f| f.name()), Some("cucm-sdl"), "{name}");
    }
    let head = Head {
        name: "SDL001_100_000001.txt",
        lines: vec!["Jul 12 12:33:19 host something happened"],
    };
    assert_eq!(CucmSdl.detect(&head), 0);
    assert!(super::is_sdl_name("SDL001_200_000123.txt.gzo"));
    assert!(!super::is_sdl_name("SDL001_100.index"));
}

#[test]
fn verbatim_file_head_gives_date_offset_host_and_version() {
    let f = parse_reader(
        None,
        &FileContext::new("cm/trace/ccm/sdl/SDL001_100_001499.txt"),
        HEAD_1499.as_bytes(),
    );
    assert_eq!(f.format, "cucm-sdl");
    assert_eq!((f.lines, f.understood), (3, 3));
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    // Ordinary SdlSig lines (even `ReapOldTokenRegistrationsTimer`) yield no event.
    assert!(f.events.is_empty(), "{:?}", f.events);
    let (hosts, aliases, versions) = facts_of(&f);
    assert_eq!(hosts, ["Trainingpub115"]);
    assert_eq!(
        aliases,
        [("Trainingpub115".to_string(), "10.207.166.103".to_string())]
    );
    assert_eq!(versions, ["CUCM 11.5.1.16900-16"]);
    let times = record_times(HEAD_1499, "SDL001_100_001499.txt");
    assert_eq!(
        with_offset(&times[2].1),
        (
            "2024-08-12T21:53:48.051".to_string(),
            -5 * 3600,
            DateSource::FileHead
        )
    );
}

#[test]
fn verbatim_midnight_file_pair_dates_each_file_from_its_head() {
    let f = parse(MIDNIGHT_1500, "SDL001_100_001500.txt");
    assert_eq!((f.lines, f.understood), (4, 4));
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert!(f.events.is_empty());
    let before = record_times(HEAD_1499, "SDL001_100_001499.txt");
    let after = record_times(MIDNIGHT_1500, "SDL001_100_001500.txt");
    assert_eq!(
        with_offset(&before.last().unwrap().1).0,
        "2024-08-12T21:53:48.051"
    );
    let t: Vec<_> = after.iter().map(|(_, t)| with_offset(t)).collect();
    assert_eq!(t[0].0, "2024-08-13T00:00:00.206");
    assert_eq!(t[3].0, "2024-08-13T00:00:01.217"); // the SdlStat line
    assert!(t
        .iter()
        .all(|(_, off, src)| *off == -5 * 3600 && *src == DateSource::FileHead));
}

#[test]
fn verbatim_multi_line_sip_message_belongs_to_its_record() {
    let f = parse(SIP, "SDL001_100_000017.txt");
    assert_eq!((f.lines, f.understood), (4, 4));
    assert!(f.events.is_empty());
    // No FileHead: said once, times stay times of day.
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert!(f.problems[0].message.contains("no FileHead"));
    assert_eq!(f.problems[0].line, Some(1));
    let times = record_times(SIP, "SDL001_100_000017.txt");
    assert_eq!(times.len(), 1);
    assert!(matches!(&times[0].1, RawTime::TimeOfDay(t) if t.to_string() == "18:30:35.831"));
}

#[test]
fn verbatim_detailed_lines_are_understood_without_events() {
    let f = parse(DETAILED, "SDL001_100_000018.txt");
    assert_eq!((f.lines, f.understood), (3, 3));
    assert!(f.events.is_empty());
}

#[test]
fn verbatim_cti_provider_open_is_one_event_with_the_application() {
    let f = parse(CTI_OPEN, "SDL001_200_000001.txt");
    assert_eq!((f.lines, f.understood), (3, 3));
    assert_eq!(f.events.len(), 1, "{:?}", f.events);
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::ServiceState);
    assert_eq!(e.line, 1);
    assert_eq!(e.fields["state"], "open_requested");
    assert_eq!(e.fields["event"], "ProviderOpenRequest");
    assert_eq!(e.fields["login"], "wwhite");
    assert_eq!(e.fields["provider_name"], "UCProvider");
    // Enriched by the CtiProviderOpenReq signal on the next line.
    assert_eq!(e.fields["application"], "Shibui");
    assert_eq!(e.fields["signal"], "CtiProviderOpenReq");
    assert!(e
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Service && x.id == "CTI provider"));
    assert!(e
        .text
        .get()
        .starts_with("00895255.002 |08:59:16.944 |AppInfo |[CTI-APP]"));
    assert!(matches!(&e.time, RawTime::TimeOfDay(t) if t.to_string() == "08:59:16.944"));
}

#[test]
fn verbatim_cti_alarm_in_the_trace_decodes_its_parameters() {
    let f = parse(CTI_ALARM, "SDL001_200_000002.txt");
    assert_eq!((f.lines, f.understood), (1, 1));
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::Alarm);
    assert_eq!(e.fields["alarm"], "CtiProviderOpenFailure");
    assert_eq!(
        e.fields["text"],
        "CTI application failed to open provider; application startup failed"
    );
    assert_eq!(e.fields["CTIconnectionId"], "212");
    assert_eq!(e.fields["Reason code"], "-1932787595");
    assert_eq!(e.fields["IPAddress"], "xxx.xxx.xxx.xxx");
    assert_eq!(e.fields["IPv6Address"], "");
    assert_eq!(e.fields["App ID"], "Cisco CTIManager");
    assert_eq!(e.fields["Cluster ID"], "StandAloneCluster");
    assert_eq!(e.fields["Node ID"], "cucmpub.domain.local");
    assert!(e
        .summary
        .starts_with("CtiProviderOpenFailure: CTI application"));
}

fn by_line(f: &ParsedFile, line: u64) -> &RawEvent {
    f.events
        .iter()
        .find(|e| e.line == line)
        .unwrap_or_else(|| panic!("no event at line {line}: {:?}", kinds(f)))
}

#[test]
fn europe_file_has_every_outage_kind_and_wraps_at_midnight() {
    let f = parse(EUROPE, "ams/cm/trace/ccm/sdl/SDL002_100_000042.txt");
    assert_eq!(f.lines, f.understood, "{:?}", f.problems);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let (hosts, aliases, versions) = facts_of(&f);
    assert_eq!(hosts, ["ams-cucm-sub1"]);
    assert_eq!(aliases[0].1, "192.0.2.21");
    assert_eq!(versions, ["CUCM 14.0.1.13900-155"]);

    // The process started 38 s before the file: the first file after a restart.
    let start = by_line(&f, 1);
    assert_eq!(start.kind, Kind::ServiceState);
    assert_eq!(start.fields["state"], "started");
    assert_eq!(
        with_offset(&start.time),
        ("2024-03-05T23:50:02".into(), 3600, DateSource::FileHead)
    );

    let oos = by_line(&f, 3);
    assert_eq!(
        (oos.kind, oos.fields["state"].as_str()),
        (Kind::SdlLink, "out_of_service")
    );
    assert_eq!(oos.severity, Severity::Alert);
    assert_eq!(oos.fields["Remote Application IP Address"], "192.0.2.20");
    assert_eq!(oos.fields["Unique Link ID"], "2:100:14:1");
    assert!(oos
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Node && x.id == "1"));
    let sig = by_line(&f, 4);
    assert_eq!(
        (sig.kind, sig.fields["state"].as_str()),
        (Kind::SdlLink, "out_of_service")
    );

    let unreg = by_line(&f, 5);
    assert_eq!(unreg.kind, Kind::DeviceUnregistered);
    assert_eq!(unreg.fields["DeviceName"], "SEP0023331C29E8");
    assert_eq!(unreg.fields["Reason"], "8");
    assert_eq!(unreg.fields["IPAddress"], "198.51.100.41");
    assert_eq!(unreg.fields["Protocol"], "SCCP");
    assert_eq!(unreg.fields["DeviceType"], "115");
    assert!(unreg
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Device && x.id == "SEP0023331C29E8"));
    assert_eq!(
        with_offset(&unreg.time),
        ("2024-03-05T23:52:10.25".into(), 3600, DateSource::FileHead)
    );

    let sip = by_line(&f, 6);
    assert_eq!(sip.kind, Kind::DeviceUnregistered);
    assert_eq!(sip.fields["DeviceName"], "SEP00112233AABB");
    assert_eq!(sip.fields["component"], "SIPStationD");
    let ka = by_line(&f, 7);
    assert_eq!(
        (ka.kind, ka.fields["trace"].as_str()),
        (Kind::DeviceUnregistered, "keepalive timeout")
    );
    assert_eq!(ka.fields["station"], "0000145");

    let failure = by_line(&f, 8);
    assert_eq!(
        (failure.kind, failure.severity),
        (Kind::Alarm, Severity::Critical)
    );
    assert_eq!(failure.fields["Additional Text"], "RouterThreadDied");
    let yellow = by_line(&f, 9);
    assert_eq!(yellow.fields["alarm"], "CodeYellowEntry");
    assert_eq!(yellow.fields["Expected Average Delay"], "7906");
    let yellow_text = by_line(&f, 10);
    assert_eq!(
        (yellow_text.kind, yellow_text.fields["alarm"].as_str()),
        (Kind::Alarm, "CodeYellow")
    );

    // The SIP REGISTER body (lines 12-16) is part of record 11 and yields nothing.
    assert!(f.events.iter().all(|e| !(11..=16).contains(&e.line)));

    // After midnight: the next day, from the file head plus a wrap.
    let isv = by_line(&f, 17);
    assert_eq!(
        (isv.kind, isv.fields["state"].as_str()),
        (Kind::SdlLink, "in_service")
    );
    assert_eq!(
        with_offset(&isv.time),
        ("2024-03-06T00:00:01".into(), 3600, DateSource::Wrapped)
    );
    assert_eq!(by_line(&f, 18).fields["state"], "in_service");
    let reg = by_line(&f, 19);
    assert_eq!(reg.kind, Kind::DeviceRegistered);
    assert_eq!(reg.fields["DeviceName"], "SEP0023331C29E8");
    let trace = by_line(&f, 20);
    assert_eq!(
        (trace.kind, trace.fields["DeviceName"].as_str()),
        (Kind::DeviceRegistered, "SEP0023331C29E8")
    );
    assert_eq!(f.events.len(), 13, "{:?}", kinds(&f));
}

#[test]
fn ctimanager_file_with_its_own_offset() {
    let f = parse(CTI_OWN, "blr/cm/trace/cti/sdl/SDL001_200_000007.txt.gz");
    assert_eq!(f.lines, f.understood);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let (hosts, ..) = facts_of(&f);
    assert_eq!(hosts, ["blr-cucm-pub"]);
    let states: Vec<_> = f
        .events
        .iter()
        .map(|e| {
            (
                e.line,
                e.kind,
                e.fields
                    .get("state")
                    .map(str::to_string)
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (2, Kind::ServiceState, "open_requested".to_string()),
            (4, Kind::ServiceState, "opened".to_string()),
            (5, Kind::ServiceState, "closed".to_string()),
            (6, Kind::Alarm, String::new()),
        ]
    );
    assert_eq!(f.events[0].fields["application"], "PG1A-jgw1");
    assert_eq!(f.events[0].fields["app"], "CTI");
    assert_eq!(f.events[2].fields["login"], "pguser");
    assert_eq!(f.events[2].severity, Severity::Warning);
    assert_eq!(
        with_offset(&f.events[2].time),
        (
            "2024-11-20T10:20:33.001".into(),
            5 * 3600 + 1800,
            DateSource::FileHead
        )
    );
    assert_eq!(f.events[3].fields["IPAddress"], "203.0.113.50");
    // AppStartTime weeks before the file: no "started" event.
    assert!(f
        .events
        .iter()
        .all(|e| e.fields.get("state") != Some("started")));
}

#[test]
fn malformed_input_is_reported_never_fatal() {
    let f = parse_reader(
        by_name("cucm-sdl"),
        &FileContext::new("SDL001_100_000099.txt"),
        MALFORMED,
    );
    let has = |line: u64, what: &str| {
        f.problems
            .iter()
            .any(|p| p.line == Some(line) && p.message.contains(what))
    };
    assert!(has(1, "UTC offset `+99:00`"), "{:?}", f.problems);
    assert!(has(1, "date `2024/02/30`"));
    assert!(has(2, "impossible time `25:61:00.000`"));
    // A time without milliseconds is still a time.
    assert!(!f.problems.iter().any(|p| p.line == Some(6)));
    // The binary noise line is not taken as a continuation.
    assert!(has(4, "not understood"));
    // Without a usable date or offset, the event keeps its time of day.
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::DeviceUnregistered);
    assert!(matches!(&e.time, RawTime::TimeOfDay(t) if t.to_string() == "08:00:01"));
    assert_eq!(f.lines, 6);
    assert_eq!(f.understood, 4); // FileHead, records 3 and 6, the `0000.1` continuation
}

#[test]
fn bad_offset_with_a_good_date_keeps_local_time() {
    let text = "1.0 |09:00:00.000 |FileHead |UTC:EST,Date: 2024/01/02, HostName: h1\n2.0 |09:00:01.000 |SdlSig |SdlLinkOOS |x |y |z |c |[R:]\n";
    let f = parse(text, "SDL001_100_000001.txt");
    assert_eq!(f.understood, 2);
    assert!(f.problems.iter().any(|p| p.message.contains("`EST`")));
    assert!(matches!(
        &f.events[0].time,
        RawTime::Local(dt, DateSource::FileHead) if dt.to_string() == "2024-01-02T09:00:01"
    ));
}

/// A `.gzo` file is still being written: its stream ends early.
struct Truncated<'a>(&'a [u8]);

impl std::io::Read for Truncated<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "unexpected end of file",
            ));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn truncated_gzo_tail_keeps_what_was_read() {
    let cut = &EUROPE.as_bytes()[..EUROPE.len() - 40];
    let f = parse_reader(
        None,
        &FileContext::new("SDL002_100_000042.txt.gzo"),
        std::io::BufReader::new(Truncated(cut)),
    );
    assert_eq!(f.format, "cucm-sdl");
    assert!(f
        .problems
        .iter()
        .any(|p| p.message.contains(".gzo file is still being written")));
    assert!(f.events.iter().any(|e| e.kind == Kind::DeviceRegistered));
}

#[test]
fn collapsed_padding_and_odd_seq_widths_parse() {
    let text = "0055605.002 |18:30:35.831 |AppInfo |x\n123456789.1|18:30:36.000|SdlSig|A|b\n";
    let r = super::split_record(text.lines().nth(1).unwrap().as_bytes()).unwrap();
    assert_eq!((r.kind, r.time), (&b"SdlSig"[..], &b"18:30:36.000"[..]));
    let f = parse(text, "SDL001_100_000001.txt");
    assert_eq!(f.understood, 2);
    let _ = Offset::UTC;
}

#[test]
fn record_columns_and_times_are_read_strictly() {
    use super::{split_record, time_ms};
    let r = split_record(b"1.0 | 10:00:00.5 |  Sdl Stat  |x|y").unwrap();
    assert_eq!(
        (r.time, r.kind, r.payload),
        (&b"10:00:00.5"[..], &b"Sdl Stat"[..], &b"x|y"[..])
    );
    assert!(split_record(b"1.0 |10:00:00.000 no more bars").is_none());
    assert!(split_record(b"1. |10:00:00.000 |A |x").is_none());
    assert!(split_record(b".5 |10:00:00.000 |A |x").is_none());
    assert_eq!(time_ms(b"23:59:59.999"), Some(86_399_999));
    assert_eq!(time_ms(b"00:00:01.5"), Some(1_500));
    assert_eq!(time_ms(b"00:00:01.123456"), Some(1_123));
    for bad in [
        &b"24:00:00.000"[..],
        b"12:60:00.000",
        b"12:00:00.",
        b"12:00:00.12a",
        b"1:00:00.000",
        b"12:00:00,000",
    ] {
        assert_eq!(time_ms(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn without_file_head_the_date_hint_is_used_and_wraps() {
    let ctx = FileContext {
        path: "SDL001_100_000001.txt".into(),
        date_hint: Some((
            uctriage_core::jiff::civil::date(2024, 12, 31),
            DateSource::Hint,
        )),
        counter_filter: None,
        keep_ordinary: false,
        keep: None,
        sink: None,
        order: 0,
    };
    let text = "5.0 |23:59:59.000 |AppInfo  |SDLLinkISV - SDL link restored App ID:Cisco CallManager Cluster ID:C Node ID:n\n6.0 |00:00:01.000 |SdlSig |SdlLinkOOS |w |a |b |c |[R:]\n";
    let f = parse_reader(by_name("cucm-sdl"), &ctx, text.as_bytes());
    assert_eq!(f.understood, 2);
    assert_eq!(f.problems.len(), 1);
    let t: Vec<_> = f.events.iter().map(|e| e.time.clone()).collect();
    assert!(
        matches!(&t[0], RawTime::Local(dt, DateSource::Hint) if dt.to_string() == "2024-12-31T23:59:59")
    );
    assert!(
        matches!(&t[1], RawTime::Local(dt, DateSource::Wrapped) if dt.to_string() == "2025-01-01T00:00:01")
    );
}

#[test]
fn ctimanager_restart_is_a_service_start() {
    let text = "1.0 |04:00:30.000 |FileHead |UTC:+00:00,Date: 2024/06/01, AppName: CTI, AppId: 200, HostName: sub2, HostIPAddress: 192.0.2.2, AppStartTime: 2024/06/01 03:59:50, FileNumber: 1, TraceVer: 3.0\n";
    let f = parse(text, "SDL001_200_000001.txt");
    let e = &f.events[0];
    assert_eq!(
        (e.kind, e.fields["state"].as_str()),
        (Kind::ServiceState, "started")
    );
    assert!(e
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Service && x.id == "Cisco CTIManager"));
    assert_eq!(
        with_offset(&e.time),
        ("2024-06-01T03:59:50".into(), 0, DateSource::FileHead)
    );
}

#[test]
fn every_line_cut_anywhere_parses_without_panic() {
    for text in [
        HEAD_1499,
        MIDNIGHT_1500,
        SIP,
        CTI_OPEN,
        CTI_ALARM,
        EUROPE,
        CTI_OWN,
    ] {
        for line in text.lines() {
            for (cut, _) in line.char_indices() {
                let head = &line[..cut];
                let f = parse(
                    &format!("{HEAD_1499}{head}\n{head}"),
                    "SDL001_100_000001.txt",
                );
                assert!(f.understood <= f.lines);
            }
        }
    }
}

#[test]
fn ordinary_records_become_log_events_only_when_asked() {
    let text = format!("{HEAD_1499}{CTI_OPEN}{SIP}");
    let quiet = parse(&text, "SDL001_100_001499.txt");
    let mut ctx = FileContext::new("SDL001_100_001499.txt");
    ctx.keep_ordinary = true;
    let all = parse_reader(by_name("cucm-sdl"), &ctx, text.as_bytes());
    // Same lines understood either way; only the events differ.
    assert_eq!((all.lines, all.understood), (quiet.lines, quiet.understood));
    let logs: Vec<&RawEvent> = all.events.iter().filter(|e| e.kind == Kind::Log).collect();
    assert!(quiet.events.iter().all(|e| e.kind != Kind::Log));
    let records = text
        .lines()
        .filter(|l| super::split_record(l.as_bytes()).is_some_and(|r| r.kind != b"FileHead"))
        .count();
    // Every record is an event: the relevant ones as before, the rest as logs.
    let mut relevant: Vec<u64> = quiet
        .events
        .iter()
        .filter(|e| !e.text.get().contains("|FileHead |"))
        .map(|e| e.line)
        .collect();
    relevant.dedup();
    assert!(!relevant.is_empty());
    assert_eq!(logs.len() + relevant.len(), records);
    // The SIP message's lines are part of its record's text.
    let sip = logs
        .iter()
        .find(|e| e.summary.starts_with("AppInfo: SIPTcp - wait_SdlReadRsp"))
        .expect("the SIP record");
    assert!(sip
        .text
        .get()
        .contains("\nINVITE sip:2001@10.207.166.103 SIP/2.0\nVia:"));
    assert!(matches!(sip.time, RawTime::WithOffset(..)));
}

#[test]
fn the_fixed_layout_fast_path_splits_like_the_general_one() {
    let mut fast = 0;
    for text in [
        HEAD_1499,
        MIDNIGHT_1500,
        SIP,
        DETAILED,
        CTI_OPEN,
        CTI_ALARM,
        EUROPE,
        CTI_OWN,
    ] {
        for line in text.lines() {
            let b = line.as_bytes();
            if let Some(f) = super::split_fixed(b) {
                fast += 1;
                let g = super::split_general(b).expect("the general way splits it too");
                assert_eq!(
                    (f.seq, f.time, f.kind, f.payload),
                    (g.seq, g.time, g.kind, g.payload),
                    "{line}"
                );
            }
        }
    }
    assert!(fast > 10, "the fast path is taken on the usual layout");
    // Near misses go the general way (or are no record at all).
    for odd in [
        "0193952:.002 |18:30:35.831 |AppInfo  |x",
        "/1939529.002 |18:30:35.831 |AppInfo  |x",
        "01939529.002 | 8:30:35.831 |AppInfo  |x",
        "01939529.002 |18:30:35.831 |AppInfoX |x",
        "01939529.0a2 |18:30:35.831 |AppInfo  |x",
    ] {
        assert!(super::split_fixed(odd.as_bytes()).is_none(), "{odd}");
    }
}

#[test]
fn a_time_in_the_same_second_is_read_like_any_other() {
    let mut p = SdlParser::new(&FileContext::new("SDL001_100_000001.txt"));
    for t in [
        "10:00:01.250",
        "10:00:01.999",
        "10:00:01.000",
        "10:00:01.0x0",
        "10:00:02.5",
        "10:00:02.500",
    ] {
        assert_eq!(p.time_ms(t.as_bytes()), super::time_ms(t.as_bytes()), "{t}");
    }
}

#[test]
fn the_file_head_offset_is_an_observation_for_the_host_zone() {
    let f = parse(HEAD_1499, "SDL001_100_001499.txt");
    let seen: Vec<(String, i32, ZoneSource, u64)> = f
        .facts
        .iter()
        .filter_map(|fact| match fact {
            Fact::OffsetSeen {
                at,
                offset_seconds,
                source,
                line,
                ..
            } => Some((at.to_string(), *offset_seconds, *source, *line)),
            _ => None,
        })
        .collect();
    // 21:53:46.259 at UTC-05:00 on 2024-08-12.
    assert_eq!(
        seen,
        vec![(
            "2024-08-13T02:53:46.259Z".to_string(),
            -5 * 3600,
            ZoneSource::FileHead,
            1
        )]
    );
}

#[test]
fn a_control_byte_in_the_time_column_is_no_time() {
    // Fuzz find: `0<0x18>:00:00.000` in the fixed layout reached the digit
    // reader, whose subtraction overflowed before the digit check.
    let text = "00000001.000 |0\u{18}:00:00.000 |FileHead |x\n00000001.001 |0\u{18}:00:00.000 |AppInfo  |y\n";
    let f = parse(text, "SDL001_100_000001.txt");
    assert_eq!(f.understood, 0);
    assert!(f
        .problems
        .iter()
        .any(|p| p.message.contains("impossible time")));
}

#[test]
fn the_file_reports_the_time_it_covers_though_ordinary_records_yield_no_event() {
    let f = parse(HEAD_1499, "SDL001_100_001499.txt");
    let (first, last) = f.span.expect("a span");
    let records = record_times(HEAD_1499, "SDL001_100_001499.txt");
    assert_eq!(first, records.first().unwrap().1);
    assert_eq!(last, records.last().unwrap().1);
    assert_ne!(first, last);
}

/// The SDL format without its fast path: every line goes through `line`.
struct LineByLine;

/// Forwards lines and the end of the file, and nothing else.
struct NoSkim(Box<dyn LineParser>);

impl LineParser for NoSkim {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        self.0.line(line, out);
    }
    fn finish(&mut self, out: &mut Output) {
        self.0.finish(out);
    }
}

impl Format for LineByLine {
    fn name(&self) -> &'static str {
        CucmSdl.name()
    }
    fn description(&self) -> &'static str {
        CucmSdl.description()
    }
    fn example(&self) -> &'static str {
        CucmSdl.example()
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        CucmSdl.detect(head)
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(NoSkim(CucmSdl.parser(ctx)))
    }
}

/// A trace with what `skim` must take (ordinary records in the fixed and in
/// a free layout, multi-line records, CRLF line ends, blank continuation
/// lines, a midnight wrap) and what it must hand back to `line` (the
/// FileHead, prefilter hits, noisy lines, an impossible time).
fn mixed_trace() -> String {
    let mut t = String::from(
        "00000001.000 |23:59:58.000 |FileHead |UTC:-05:00,Date: 2024/03/09, AppName: CCM, AppId: 100, HostName: cm-a, FileNumber: 9, \n",
    );
    for i in 0..400 {
        let s = 58 + i / 100;
        let (h, m, s) = if s >= 60 { (0, 0, s - 60) } else { (23, 59, s) };
        let ms = (i * 7) % 1000;
        let stamp = format!("{h:02}:{m:02}:{s:02}.{ms:03}");
        let seq = format!("{:08}.{:03}", 2 + i / 4, i % 4);
        match i % 9 {
            0 => t.push_str(&format!("{seq} |{stamp} |SdlSig   |StationKeepAlive |connected |StationD(1,100,64,1) |StationInit(1,100,65,1) |1,100,82,6.36^*^*\n")),
            1 => t.push_str(&format!("{seq} |{stamp} |AppInfo  |SIPTcp - wait_SdlReadRsp: Incoming SIP TCP message\r\nREGISTER sip:10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.2:5060\r\n\r\n")),
            2 => t.push_str(&format!("{seq} |{stamp} |SdlSig   |SdlLinkOOS |ready |SdlLink(1,100,3,1) |SdlLink(2,100,3,1) |1,100,2,1.1^*^*\n")),
            3 => t.push_str(&format!("{seq} |{stamp} |AppInfo  |StationD: (0000123) KeepAlive timeout, unregistering device SEP00112233445{}\n", i % 10)),
            4 => t.push_str("binary\u{1}noise\nand \u{fffd} damage\n"),
            5 => t.push_str(&format!("{seq} |25:{m:02}:{s:02}.000 |SdlSig   |Odd |x |y |z |c\n")),
            6 => t.push_str(&format!("{}.{} | {stamp} | SdlSig | CcConnInd | x | y\n", 2 + i / 4, i % 4)),
            7 => t.push_str(&format!("{seq} |{stamp} |AppInfo  |DeviceTransientConnection - Transient connection attempt. App ID:Cisco CallManager Cluster ID:C Node ID:cm-a\n")),
            _ => t.push_str(&format!("{seq} |{stamp} |SdlStat  |Sdl statistics |{i}\n")),
        }
    }
    // It ends on ordinary records: the span's end comes from the fast path.
    for i in 0..3 {
        t.push_str(&format!(
            "00000200.00{i} |00:00:09.00{i} |SdlStat  |Sdl statistics |{i}\n"
        ));
    }
    t
}

#[test]
fn the_fast_path_reads_every_trace_exactly_as_line_by_line_reading_does() {
    let traces: Vec<(&str, String)> = vec![
        ("SDL001_100_001499.txt", HEAD_1499.to_string()),
        ("SDL001_100_001500.txt", MIDNIGHT_1500.to_string()),
        ("SDL001_100_000001.txt", SIP.to_string()),
        ("SDL001_100_000002.txt", DETAILED.to_string()),
        ("SDL001_200_000003.txt", CTI_OPEN.to_string()),
        ("SDL001_200_000004.txt", CTI_ALARM.to_string()),
        ("SDL002_100_000042.txt", EUROPE.to_string()),
        ("SDL001_200_000007.txt", CTI_OWN.to_string()),
        (
            "SDL001_100_000008.txt",
            String::from_utf8_lossy(MALFORMED).into_owned(),
        ),
        ("SDL001_100_000009.txt", mixed_trace()),
    ];
    for (name, text) in &traces {
        let ctx = FileContext::new(name);
        let fast = parse_reader(by_name("cucm-sdl"), &ctx, text.as_bytes());
        let slow = parse_reader(Some(&LineByLine), &ctx, text.as_bytes());
        assert!(fast.lines > 0, "{name}");
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{name}");
    }
}

#[test]
fn the_mixed_trace_keeps_its_hits_problems_and_wrap() {
    let f = parse(&mixed_trace(), "SDL001_100_000009.txt");
    // Only the noise (two lines, 44 times) and the records at hour 25 (44)
    // are not understood.
    assert_eq!(f.lines - f.understood, 2 * 44 + 44);
    assert!(f.events.iter().any(|e| e.kind == Kind::DeviceUnregistered));
    assert!(f
        .problems
        .iter()
        .any(|p| p.message.contains("impossible time")));
    let (_, last) = f.span.clone().unwrap();
    assert!(
        matches!(last, RawTime::WithOffset(dt, _, DateSource::Wrapped) if dt.date().day() == 10)
    );
}

/// What a sink was handed: (line, message) of each ordinary record and the
/// line of each event.
#[derive(Default)]
struct Seen {
    ordinary: Vec<(u64, String)>,
    events: Vec<u64>,
}

struct Recorder(std::sync::Arc<std::sync::Mutex<Seen>>);

impl crate::EventSink for Recorder {
    fn event(&mut self, ev: &RawEvent) {
        self.0.lock().unwrap().events.push(ev.line);
    }
    fn ordinary(&mut self, rec: &crate::Ordinary<'_>) {
        assert!(rec.text.ends_with(rec.message));
        let seen = (rec.line, rec.message.to_string());
        self.0.lock().unwrap().ordinary.push(seen);
    }
    fn unread_line(&mut self, _: u64, _: &str) {}
    fn finish(self: Box<Self>, _: &ParsedFile) {}
}

/// Parse with every record an event, none kept (`templates`), through a
/// recording sink; `keep` is the filter refusing them all.
fn parse_unkept(text: &str, keep: crate::EventFilter) -> (ParsedFile, Seen) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let mut ctx = FileContext::new("SDL001_100_001499.txt");
    ctx.keep_ordinary = true;
    ctx.keep = Some(keep);
    let for_sink = seen.clone();
    ctx.sink = Some(std::sync::Arc::new(move |_: &FileContext| {
        Box::new(Recorder(for_sink.clone())) as Box<dyn crate::EventSink>
    }));
    let f = parse_reader(by_name("cucm-sdl"), &ctx, text.as_bytes());
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    (f, seen)
}

#[test]
fn ordinary_records_not_kept_hand_their_message_to_the_sink_without_an_event() {
    let text = format!("{HEAD_1499}{CTI_OPEN}{SIP}");
    let (f, seen) = parse_unkept(&text, crate::keep_none());
    assert!(f.events.is_empty());
    // Each record's message is its payload: no sequence number, time or type.
    let sip = seen
        .ordinary
        .iter()
        .find(|(_, m)| m.starts_with("SIPTcp - wait_SdlReadRsp"))
        .expect("the SIP record");
    assert!(!sip.1.contains("|AppInfo"), "{}", sip.1);
    for (line, msg) in &seen.ordinary {
        let raw = text.lines().nth(*line as usize - 1).unwrap();
        let rec = super::split_record(raw.as_bytes()).unwrap();
        assert_eq!(
            msg.as_bytes(),
            rec.payload.trim_ascii_start(),
            "line {line}"
        );
    }
    // Every record reaches the sink once: decoded ones as events, the rest
    // as ordinary records.
    let records = text
        .lines()
        .filter(|l| super::split_record(l.as_bytes()).is_some_and(|r| r.kind != b"FileHead"))
        .count();
    let mut lines: Vec<u64> = seen.ordinary.iter().map(|(l, _)| *l).collect();
    let decoded: std::collections::BTreeSet<u64> = seen.events.iter().copied().collect();
    assert!(lines.iter().all(|l| !decoded.contains(l)));
    lines.extend(decoded.iter().filter(|&&l| l > 1));
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), records);
    // What the file's summary says of them is what building every event
    // (a filter that is not `keep_none`) says.
    let (built, built_seen) = parse_unkept(&text, std::sync::Arc::new(|_: &RawEvent| false));
    assert!(built_seen.ordinary.is_empty());
    assert_eq!(f.dropped, built.dropped);
    assert_eq!((f.lines, f.understood), (built.lines, built.understood));
    assert_eq!(
        f.dropped.count as usize,
        seen.events.len() + seen.ordinary.len()
    );
}
