//! The line envelope of ESXi logs: time, level, host, program and message.
//!
//! Layouts, each seen in a public sample (`docs/formats/esxi.md`):
//! - vmkernel, ESXi 5-7: `2011-04-04T21:07:30.257Z cpu2:2050)ScsiDeviceIO: ...`
//! - vobd, ESXi 5-7: `2016-03-04T19:29:42.070Z: [scsiCorrelator] 37330...us: [vob.x] text`
//! - hostd, ESXi 5-7: `2018-07-05T21:06:22.793Z info hostd[A6C2B70] [Originator@6876 sub=...] text`
//! - ESXi 8: `2026-03-29T20:49:12.918Z In(182) vmkernel: cpu70:2098575)NMP: ...`
//!   (also `Wa(180) vmkwarning:`; `Hostd[pid]:` and `vobd[pid]:` the same way,
//!   UNCONFIRMED by a public hostd/vobd sample)
//! - forwarded to syslog: `<PRI>2019-...Z <host> vobd:  [vmfsCorrelator] ...`
//! - ESX 4 through syslogd: `Mar 9 23:53:24 esx405 vmkernel: 2:14:39:54.069 cpu3:4300)...`
//! - ESX 3.5 hostd: `[2008-07-26 10:09:56.601 'vm:/vmfs/.../x.vmx' 123898800 info] text`
//!
//! `Z` stamps are UTC (`RawTime::Absolute`); the syslogd prefix of ESX 4 and
//! the bracketed ESX 3.5 stamp state no zone and stay local.

use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, RawTime};

static ISO_Z: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:<\d{1,3}>(?:1 )?)?(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]00:?00)(.*)$")
        .unwrap()
});
static LEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:In|Wa|Er|No|Db|Cr|Al|Em|Tv|Vb)\(\d+\)$").unwrap());
static PROGRAM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_.\-]*)(?:\[([^\]]*)\])?:$").unwrap());
static HOSTD_LEVEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(info|verbose|warning|error|debug|trivia|critical|panic)$").unwrap()
});
static SYSLOGD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\S+) ([A-Za-z][A-Za-z0-9_.\-]*)(?:\[\d+\])?: ?(.*)$")
        .unwrap()
});
static ESX35: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) '([^']*)' (\S+) (\w+)\] ?(.*)$",
    )
    .unwrap()
});
static CPU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d+:\d{2}:\d{2}:\d{2}\.\d+ )?cpu\d+:\d+(?: opID=\S+)?\)(.*)$").unwrap()
});
static CONTEXT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[([^\]]*)\]\s?(.*)$").unwrap());

/// Which ESXi log a line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Program {
    /// vmkernel.log / vmkwarning.log.
    Vmkernel,
    /// vobd.log (VMkernel observations).
    Vobd,
    /// hostd.log (the host agent).
    Hostd,
    /// Anything else (vpxa, fdm, sshd, ...).
    Other,
}

/// One line taken apart.
#[derive(Debug)]
pub(super) struct EsxLine<'a> {
    /// The stamp.
    pub time: RawTime,
    /// Host named by the line (forwarded syslog, ESX 4 syslogd prefix).
    pub host: Option<&'a str>,
    /// Which log.
    pub program: Program,
    /// Program name as printed (`vmkernel`, `Hostd`, ...), when printed.
    pub program_name: Option<&'a str>,
    /// Level word (`info`, `In(182)`, ...).
    pub level: Option<&'a str>,
    /// hostd context (`Originator@6876 sub=... opID=... user=...` or ESX 3.5 `vm:/...vmx`).
    pub context: Option<&'a str>,
    /// The message.
    pub body: &'a str,
}

fn program_of(name: &str) -> Program {
    match name.to_ascii_lowercase().as_str() {
        "vmkernel" | "vmkwarning" | "vmkernel.log" => Program::Vmkernel,
        "vobd" => Program::Vobd,
        "hostd" | "hostd-probe" => Program::Hostd,
        _ => Program::Other,
    }
}

/// Take a line apart; None when it starts no ESXi record.
pub(super) fn parse(line: &str) -> Option<EsxLine<'_>> {
    if let Some(c) = ISO_Z.captures(line) {
        let date = ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        let dt = date.to_datetime(parse_hms(&c[4])?);
        let ts = Offset::UTC.to_timestamp(dt).ok()?;
        let time = RawTime::Absolute(ts, "ESXi log stamp in UTC (Z)");
        return after_stamp(time, c.get(6).map_or("", |m| m.as_str()));
    }
    if let Some(c) = SYSLOGD.captures(line) {
        let month = month_from_abbrev(&c[1])?;
        let day: i8 = c[2].parse().ok()?;
        ymd(2000, i64::from(month), i64::from(day))?;
        let time = RawTime::LocalNoYear {
            month,
            day,
            time: parse_hms(&c[3])?,
        };
        let name = c.get(5)?.as_str();
        let program = program_of(name);
        if program == Program::Other {
            return None;
        }
        let mut e = EsxLine {
            time,
            host: Some(c.get(4)?.as_str()),
            program,
            program_name: Some(name),
            level: None,
            context: None,
            body: c.get(6)?.as_str(),
        };
        finish_body(&mut e);
        return Some(e);
    }
    if let Some(c) = ESX35.captures(line) {
        let date = ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        let time = RawTime::Local(date.to_datetime(parse_hms(&c[4])?), DateSource::Line);
        return Some(EsxLine {
            time,
            host: None,
            program: Program::Hostd,
            program_name: None,
            level: c.get(7).map(|m| m.as_str()),
            context: c.get(5).map(|m| m.as_str()),
            body: c.get(8)?.as_str(),
        });
    }
    None
}

/// The part after an ISO `Z` stamp.
fn after_stamp(time: RawTime, rest: &str) -> Option<EsxLine<'_>> {
    let mut e = EsxLine {
        time,
        host: None,
        program: Program::Other,
        program_name: None,
        level: None,
        context: None,
        body: "",
    };
    if let Some(b) = rest.strip_prefix(':') {
        e.program = Program::Vobd;
        e.body = b.trim_start();
        return Some(e);
    }
    let rest = rest.trim_start();
    if CPU.is_match(rest) {
        e.program = Program::Vmkernel;
        e.body = rest;
        finish_body(&mut e);
        return Some(e);
    }
    let mut tokens = rest.splitn(2, ' ');
    let first = tokens.next().unwrap_or("");
    let mut tail = tokens.next().unwrap_or("").trim_start();
    let mut tok = first;
    // `info hostd[...]` (ESXi 5-7 hostd)
    if HOSTD_LEVEL.is_match(tok) {
        e.level = Some(tok);
        let (prog, after) = split_word(tail);
        let name = prog.split('[').next().unwrap_or(prog);
        e.program = program_of(name);
        e.program_name = Some(name);
        e.body = after;
        finish_body(&mut e);
        return Some(e);
    }
    // `<host>` of a forwarded line, then maybe a level, then `program:`.
    if !LEVEL.is_match(tok) && !PROGRAM.is_match(tok) {
        e.host = Some(tok);
        let (t, after) = split_word(tail);
        tok = t;
        tail = after;
    }
    if LEVEL.is_match(tok) {
        e.level = Some(tok);
        let (t, after) = split_word(tail);
        tok = t;
        tail = after;
    }
    let c = PROGRAM.captures(tok)?;
    let name = c.get(1)?.as_str();
    e.program = program_of(name);
    e.program_name = Some(name);
    e.body = tail;
    finish_body(&mut e);
    Some(e)
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.split_once(' ') {
        Some((a, b)) => (a, b.trim_start()),
        None => (s, ""),
    }
}

/// Strip the vmkernel `cpuN:world)` prefix or the hostd `[context]`.
fn finish_body(e: &mut EsxLine<'_>) {
    match e.program {
        Program::Vmkernel => {
            if let Some(c) = CPU.captures(e.body) {
                e.body = c.get(1).map_or("", |m| m.as_str());
            }
        }
        Program::Hostd => {
            if let Some(c) = CONTEXT.captures(e.body) {
                e.context = c.get(1).map(|m| m.as_str());
                e.body = c.get(2).map_or("", |m| m.as_str());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_layout_is_taken_apart() {
        let v = parse(
            "2011-04-04T21:07:30.257Z cpu2:2050)ScsiDeviceIO: 2315: Cmd(0x4124003edb00) 0x12",
        )
        .unwrap();
        assert_eq!(v.program, Program::Vmkernel);
        assert!(v.body.starts_with("ScsiDeviceIO: 2315"));
        assert!(matches!(v.time, RawTime::Absolute(..)));

        let o = parse("2016-03-04T19:29:42.070Z: [scsiCorrelator] 3733053265426us: [vob.scsi.scsipath.remove] Remove path: vmhba33:C0:T16:L0").unwrap();
        assert_eq!(o.program, Program::Vobd);
        assert!(o.body.starts_with("[scsiCorrelator]"));

        let h = parse("2018-07-05T21:55:18.928Z info hostd[6C88890] [Originator@6876 sub=Vmsvc.vm:/vmfs/volumes/5b2c/v-queworx_a/v-queworx_a.vmx] State Transition (VM_STATE_POWERING_ON -> VM_STATE_ON)").unwrap();
        assert_eq!(h.program, Program::Hostd);
        assert_eq!(h.level, Some("info"));
        assert!(h.context.unwrap().contains("v-queworx_a.vmx"));
        assert!(h.body.starts_with("State Transition"));

        let e8 = parse("2026-03-29T20:49:12.918Z In(182) vmkernel: cpu70:2098575)NMP: nmp_ThrottleLogForDevice:3893: Cmd 0x89").unwrap();
        assert_eq!(e8.program, Program::Vmkernel);
        assert_eq!(e8.level, Some("In(182)"));
        assert!(e8.body.starts_with("NMP: "));

        let w8 = parse(
            "2026-03-27T21:00:00.977Z Wa(180) vmkwarning: cpu8:7971965)WARNING: lpfc : vmhba2 x",
        )
        .unwrap();
        assert_eq!(w8.program, Program::Vmkernel);

        let f = parse("<144>2024-03-23T10:00:00.123Z esx07.example.net vobd:  [vmfsCorrelator] 17us: [vob.vmfs.x] y").unwrap();
        assert_eq!(f.host, Some("esx07.example.net"));
        assert_eq!(f.program, Program::Vobd);

        let s4 = parse("Mar 9 23:53:24 esx405 vmkernel: 2:14:39:54.069 cpu3:4300)ScsiDeviceIO: 1688: Command 0x28").unwrap();
        assert_eq!(s4.host, Some("esx405"));
        assert!(s4.body.starts_with("ScsiDeviceIO"));
        assert!(matches!(s4.time, RawTime::LocalNoYear { .. }));

        let o35 = parse("[2008-07-26 10:09:56.601 'vm:/vmfs/volumes/485a/Nostalgia/Nostalgia.vmx' 123898800 info] State Transition (VM_STATE_RECONFIGURING -> VM_STATE_OFF)").unwrap();
        assert_eq!(o35.program, Program::Hostd);
        assert!(matches!(o35.time, RawTime::Local(..)));
    }

    #[test]
    fn non_records_and_bad_dates_are_refused() {
        for l in [
            "",
            "--> In order to configure",
            "2011-02-30T21:07:30.257Z cpu2:2050)x",
            "Feb 30 10:00:00 esx vmkernel: x",
            "Mar 9 23:53:24 host sshd[12]: not ours",
            "2011-04-04T21:07:30.257Z",
        ] {
            let p = parse(l);
            assert!(
                p.is_none() || p.is_some_and(|e| e.program == Program::Other),
                "{l}"
            );
        }
    }
}
