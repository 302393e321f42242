//! Event-dense inputs for memory and speed benchmarks (`bench/dense.sh`):
//! not an RTMT collection, but what a day of a large cluster's CiscoSyslog
//! or of ordinary application logs looks like.
//!
//! * [`Mode::DenseSyslog`]: per node `<node>/syslog/CiscoSyslog`, a steady
//!   churn of `EndPointUnregistered` / `EndPointRegistered` alarms from a
//!   large cluster's phones, plus one injected incident half-way: the
//!   CallManager service of one subscriber fails and hundreds of its devices
//!   unregister within a minute (`DeviceUnregistered`), then it restarts.
//! * [`Mode::GenericLog`]: per node `<node>/app/app.log`, ISO-timestamped
//!   application lines (`2024-11-14 10:00:00.123 host app[pid]: ...`) that no
//!   rule reads.
//!
//! Lines are spread evenly over one day; everything is a function of the
//! seed, and files are streamed (memory stays small whatever the size).

use crate::rng::Rng;
use anyhow::Result;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rayon::prelude::*;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What [`write_dense`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Event-dense CiscoSyslog of a large cluster, with one incident.
    DenseSyslog,
    /// Plain timestamped application logs.
    GenericLog,
}

/// What was written.
#[derive(Debug)]
pub struct DenseSummary {
    /// The files, one per node.
    pub files: Vec<PathBuf>,
    /// Lines in all.
    pub lines: u64,
    /// Bytes in all.
    pub bytes: u64,
}

/// Write about `size` bytes of `mode` under `out` (one file per node, for
/// `nodes` nodes), the day of `date` in UTC.
pub fn write_dense(
    out: &Path,
    mode: Mode,
    size: u64,
    nodes: usize,
    seed: u64,
    date: Date,
) -> Result<DenseSummary> {
    let nodes = nodes.max(2);
    let start = TimeZone::UTC
        .to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()?;
    let per_node = size / nodes as u64;
    let results: Vec<Result<(PathBuf, u64, u64)>> = (0..nodes)
        .into_par_iter()
        .map(|i| {
            let name = if i == 0 {
                "dnscucmpub".to_string()
            } else {
                format!("dnscucmsub{i}")
            };
            let path = match mode {
                Mode::DenseSyslog => out.join(&name).join("syslog/CiscoSyslog"),
                Mode::GenericLog => out.join(&name).join("app/app.log"),
            };
            std::fs::create_dir_all(path.parent().unwrap())?;
            let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
            let mut r = Rng::new(seed).fork(900 + i as u64);
            let (lines, bytes) = match mode {
                Mode::DenseSyslog => syslog(&mut w, &mut r, &name, i, per_node, start)?,
                Mode::GenericLog => generic(&mut w, &mut r, &name, per_node, start)?,
            };
            w.flush()?;
            Ok((path, lines, bytes))
        })
        .collect();
    let mut summary = DenseSummary {
        files: Vec::new(),
        lines: 0,
        bytes: 0,
    };
    for r in results {
        let (p, l, b) = r?;
        summary.files.push(p);
        summary.lines += l;
        summary.bytes += b;
    }
    Ok(summary)
}

/// About this many bytes per CiscoSyslog alarm line (to spread the day).
const SYSLOG_LINE_BYTES: u64 = 400;
/// About this many bytes per application log line.
const GENERIC_LINE_BYTES: u64 = 130;
const DAY_MS: i64 = 86_400_000;

/// A phone of the cluster: its name, address and number.
fn phone(r: &mut Rng, node: usize) -> (String, String, i64) {
    let n = r.below(40_000);
    (
        format!("SEP{:012X}", 0x00_1B_54_00_00_00u64 + n * 7 + node as u64),
        format!("10.{}.{}.{}", 60 + node, n / 250 % 250, n % 250 + 2),
        20_000 + n as i64,
    )
}

fn syslog_line(at: Timestamp, host: &str, seq: u64, app: &str, sev: u8, rest: &str) -> String {
    let utc = at.to_zoned_datetime(TimeZone::UTC);
    format!(
        "{} {host} local7 {sev} : {seq}: {host}.dense.example.net: {} UTC :  %{app}-{sev}-{rest}\n",
        utc.strftime("%b %e %H:%M:%S"),
        utc.strftime("%b %d %Y %H:%M:%S%.3f"),
    )
}

fn syslog(
    w: &mut impl Write,
    r: &mut Rng,
    host: &str,
    node: usize,
    size: u64,
    start: Timestamp,
) -> Result<(u64, u64)> {
    let total = (size / SYSLOG_LINE_BYTES).max(1);
    let step = (DAY_MS / total as i64).max(1);
    let incident = start + SignedDuration::from_millis(DAY_MS / 2);
    let mut seq = 1000u64;
    let mut t = start;
    let mut incident_done = false;
    let mut c = Count::default();
    while c.bytes < size {
        seq += 1;
        let (mac, ip, dn) = phone(r, node);
        let body = if r.below(2) == 0 {
            format!("EndPointUnregistered: %[DeviceName={mac}][IPAddress={ip}][Protocol=SIP][DeviceType=36670][Description=Desk Phone {dn}][Reason=8][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=DenseCluster][NodeID={host}]: An endpoint has unregistered")
        } else {
            format!("EndPointRegistered: %[DeviceName={mac}][IPAddress={ip}][Protocol=SIP][DeviceType=36670][Description=Desk Phone {dn}][AppID=Cisco CallManager][ClusterID=DenseCluster][NodeID={host}]: Endpoint registered.")
        };
        c.put(w, syslog_line(t, host, seq, "UC_CALLMANAGER", 6, &body))?;
        t += SignedDuration::from_millis(step * 7 / 8 + r.range(0, step.max(4) / 4));
        if node == 1 && !incident_done && t >= incident {
            incident_done = true;
            c.put(w, syslog_line(t, host, seq, "UC_SERVICEMANAGER", 2, &format!("ServiceFailed: %[ServiceName=Cisco CallManager][Reason=Service stopped abruptly][AppID=Cisco Service Manager][ClusterID=][NodeID={host}]: Service terminated.")))?;
            for k in 0..600u64 {
                seq += 1;
                let at = t + SignedDuration::from_millis(200 + k as i64 * 90);
                let (mac, ip, dn) = phone(r, node);
                c.put(w, syslog_line(at, host, seq, "UC_CALLMANAGER", 4, &format!("DeviceUnregistered: %[DeviceName={mac}][IPAddress={ip}][Protocol=SIP][DeviceType=36670][Description=Desk Phone {dn}][Reason=1][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=DenseCluster][NodeID={host}]: Device unregistered")))?;
            }
            let back = t + SignedDuration::from_secs(95);
            c.put(w, syslog_line(back, host, seq + 1, "UC_GENERIC", 6, &format!("ServiceStarted: %[ServiceName=Cisco CallManager][ProcessID=24242][AppID=Cisco Service Manager][ClusterID=][NodeID={host}]: Service started.")))?;
            t = back;
        }
    }
    Ok((c.lines, c.bytes))
}

/// Lines and bytes written so far.
#[derive(Default)]
struct Count {
    lines: u64,
    bytes: u64,
}

impl Count {
    fn put(&mut self, w: &mut dyn Write, line: String) -> Result<()> {
        self.bytes += line.len() as u64;
        self.lines += 1;
        w.write_all(line.as_bytes())?;
        Ok(())
    }
}

const WORDS: [&str; 12] = [
    "request",
    "completed",
    "cache",
    "miss",
    "session",
    "opened",
    "closed",
    "user",
    "timeout",
    "retry",
    "queue",
    "flushed",
];

fn generic(
    w: &mut impl Write,
    r: &mut Rng,
    host: &str,
    size: u64,
    start: Timestamp,
) -> Result<(u64, u64)> {
    let total = (size / GENERIC_LINE_BYTES).max(1);
    let step = (DAY_MS / total as i64).max(1);
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut t = start;
    let mut line = String::with_capacity(256);
    while bytes < size {
        line.clear();
        let z = t.to_zoned_datetime(TimeZone::UTC);
        line.push_str(&z.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string());
        line.push_str(&format!(" {host} app[{}]:", 1000 + r.below(8)));
        for _ in 0..8 + r.below(6) {
            line.push(' ');
            line.push_str(WORDS[r.below(WORDS.len() as u64) as usize]);
        }
        line.push_str(&format!(" id={}\n", r.below(1_000_000)));
        bytes += line.len() as u64;
        lines += 1;
        w.write_all(line.as_bytes())?;
        t += SignedDuration::from_millis(step);
    }
    Ok((lines, bytes))
}
