//! The small files of a collection: CLI captures, CiscoSyslog, PerfMon CSV,
//! the JTAPI gateway dumplog and the BAT export of the CTI ports.

use crate::rng::Rng;
use crate::time::{self, long_zone_name, DAY, HOUR, MIN, SEC};
use crate::{Node, Scenario};
use anyhow::Result;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Files written besides the per-node ones (JGW dumplog, BAT export).
pub const FILES: usize = 2;

/// The BAT export the example bundle carries: its header and port rows are the template.
const EXPORT: &str = include_str!("../../../examples/ctios-outage-2019-07-12/cti_ports_export.csv");

pub fn pg_ip(s: &Scenario) -> String {
    let parts: Vec<&str> = s.nodes[0].ip.split('.').collect();
    format!("{}.{}.{}.40", parts[0], parts[1], parts[2])
}

/// Writes every small file; returns their bytes.
pub fn write_all(s: &Scenario, root: &Path) -> Result<u64> {
    let mut total = 0;
    for (i, n) in s.nodes.iter().enumerate() {
        total += put(&root.join(&n.name).join("cli_session.txt"), &cli(s, i, n))?;
        total += syslog(s, i, n, &root.join(&n.name).join("syslog/CiscoSyslog"))?;
        let start = time::civil(s.start);
        let csv = root.join(&n.name).join("cm/log/ris/csv").join(format!(
            "PerfMon_{}_{}.csv",
            n.name,
            start.strftime("%m_%d_%Y_%H_%M")
        ));
        total += perfmon(s, i, n, &csv)?;
    }
    total += put(&root.join(&s.pg).join("jgw1_dumplog.txt"), &jgw(s))?;
    total += put(&root.join("cti_ports_export.csv"), &export(s))?;
    Ok(total)
}

fn put(path: &Path, text: &str) -> Result<u64> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    fs::write(path, text)?;
    Ok(text.len() as u64)
}

fn zone_line(s: &Scenario, local: i64) -> String {
    let info = s.tz.to_offset_info(s.utc(local));
    let abbrev = info.abbreviation().to_string();
    format!(
        "{} ({})",
        long_zone_name(&s.cfg.zone, &abbrev, info.dst().is_dst()),
        s.cfg.zone
    )
}

fn core_names(s: &Scenario) -> (String, String) {
    let mut r = Rng::new(s.cfg.seed).fork(7);
    let pid = r.range(3000, 30000);
    (
        format!("core.{}.6.ccm.{}", pid, s.core_epoch()),
        format!(
            "core.{}.6.CTIManager.{}",
            pid + r.range(5, 40),
            s.core_epoch()
        ),
    )
}

fn cli(s: &Scenario, i: usize, n: &Node) -> String {
    let mut r = Rng::new(s.cfg.seed).fork(100 + i as u64);
    let at = s.core + 25 * MIN + i as i64 * 127 * SEC;
    let c = time::civil(at);
    let mut o = String::new();
    let idle = r.range(6000, 9000) as f64 / 100.0;
    let _ = write!(
        o,
        "admin:show status\n\nHost Name          : {}\nDate               : {}\nTime Zone          : {}\nLocale             : en_US.UTF-8\nProduct Ver        : {}\nUnified OS Version : 7.0.0.0-4\n\nUptime:\n {} up {} days, {:2}:{:02},  1 user,  load average: 0.{:02}, 0.{:02}, 0.{:02}\n\nCPU Idle:   {:05.2}%  System:   04.12%    User:   {:05.2}%\n  IOWAIT:   00.31%     IRQ:   00.00%    Soft:   00.25%\n\nMemory Total:        8062788K\n        Free:         214872K\n        Used:        7847916K\n      Cached:        2517320K\n      Shared:         301112K\n     Buffers:         287904K\n\n                        Total            Free            Used\nDisk/active         19805412K        4197408K       15608004K (79%)\nDisk/inactive       19805412K       18905464K          899948K (5%)\nDisk/logging        71017836K       31114960K       39902876K (57%)\n\n",
        n.name,
        c.strftime("%a %b %-d, %Y %H:%M:%S"),
        zone_line(s, at),
        n.version,
        time::civil(at + SEC).strftime("%H:%M:%S"),
        r.range(20, 200),
        r.range(0, 23),
        r.range(0, 59),
        r.range(20, 99),
        r.range(20, 99),
        r.range(20, 99),
        idle,
        100.0 - idle - 4.43,
    );
    o.push_str("admin:utils core active list\nSize         Date            Core File Name\n");
    if i == s.root {
        let (ccm, cti) = core_names(s);
        let listed = |off: i64| {
            time::civil(s.core + off)
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let _ = writeln!(
            o,
            "{} KB   {}   {}",
            r.range(400_000, 700_000),
            listed(SEC),
            ccm
        );
        let _ = writeln!(
            o,
            "{} KB   {}   {}",
            r.range(150_000, 260_000),
            listed(0),
            cti
        );
        for (core, reason, file, line, frame3, extra) in [
            (
                &ccm,
                "CallManager unable to process signals. This may be due to CPU or blocked function. Attempting to restart CallManager.",
                "ProcessCMProcMon.cpp",
                80,
                "CMProcMon::monitorThread () at ProcessCMProcMon.cpp:530",
                None,
            ),
            (
                &cti,
                "SDL Router Services declared dead. This may be due to high CPU usage or blocked function. Attempting to restart CTIManager.",
                "ProcessCTIProcMon.cpp",
                65,
                "CMProcMon::verifySdlTimerServices () at ProcessCTIProcMon.cpp:573",
                Some("CMProcMon::callManagerMonitorThread (cmProcMon=0x9ff2ef8) at ProcessCTIProcMon.cpp:330"),
            ),
        ] {
            let _ = write!(
                o,
                "admin:utils core active analyze {core}\nThis command may use a considerable amount of I/O\nand running it may impact system performance.\n\nIt is highly recommended that this command be\nrun off-hours.\n\nContinue (y/n)?y\n\n====================================\nbacktrace\n===================================\n"
            );
            let mut frames = vec![
                "raise () from /lib64/libc.so.6".to_string(),
                "abort () from /lib64/libc.so.6".to_string(),
                format!("IntentionalAbort (reason=0x{:07x} \"{reason}\") at {file}:{line}", r.next() as u32 & 0xfffffff),
                frame3.to_string(),
            ];
            if let Some(e) = extra {
                frames.push(e.to_string());
            }
            frames.push(format!("ACE_OS_Thread_Adapter::invoke (this=0x{:08x}) at OS_Thread_Adapter.cpp:94", r.next() as u32));
            frames.push(format!("ace_thread_adapter (args=0x{:08x}) at Base_Thread_Adapter.cpp:137", r.next() as u32));
            frames.push("start_thread () from /lib64/libpthread.so.0".to_string());
            frames.push("clone () from /lib64/libc.so.6".to_string());
            for (k, f) in frames.iter().enumerate() {
                let _ = writeln!(o, "{k}  0x{:08x} in {f}", r.next() as u32);
            }
            o.push('\n');
        }
    }
    if n.is_pub {
        o.push_str(&run_sql(s));
    }
    o.push_str("admin:");
    o
}

fn cm(n: &Node) -> String {
    format!("CM_{}", n.name)
}

fn cmg(s: &Scenario, a: usize, b: usize) -> String {
    let short = |n: &Node| {
        n.name
            .trim_start_matches(&format!("{}cucm", s.cfg.site.to_ascii_lowercase()))
            .to_ascii_uppercase()
    };
    format!(
        "CMG_{}_{}_{}",
        s.site_upper,
        short(&s.nodes[a]),
        short(&s.nodes[b])
    )
}

fn run_sql(s: &Scenario) -> String {
    let u = &s.site_upper;
    let subs: Vec<usize> = (1..s.nodes.len()).collect();
    let gw = (subs[0], *subs.last().unwrap());
    let mut rows: Vec<(String, String, String, u32)> = Vec::new();
    let mut pool = |dp: String, a: usize, b: usize| {
        let g = cmg(s, a, b);
        rows.push((dp.clone(), g.clone(), cm(&s.nodes[a]), 1));
        if a != b {
            rows.push((dp, g, cm(&s.nodes[b]), 2));
        }
    };
    pool(format!("DP_{u}_Gateways"), gw.0, gw.1);
    pool(format!("DP_{u}_MobileAgent"), s.root, s.secondary);
    pool(format!("DP_{u}_MobileAgent2"), s.other_primary, 0);
    pool(format!("DP_{u}_Phones"), s.other_primary, 0);
    rows.push(("Default".into(), "Default".into(), cm(&s.nodes[0]), 1));
    rows.sort_by(|a, b| (a.0.as_str(), a.3).cmp(&(b.0.as_str(), b.3)));
    let mut o = String::from("admin:run sql select dp.name as devicepool, cmg.name as cmgroup, cm.name as callmanager, m.priority from devicepool dp, callmanagergroup cmg, callmanagergroupmember m, callmanager cm where dp.fkcallmanagergroup=cmg.pkid and m.fkcallmanagergroup=cmg.pkid and m.fkcallmanager=cm.pkid order by dp.name, m.priority\n");
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(10).max(10);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(7).max(7);
    let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(11).max(11);
    let _ = writeln!(
        o,
        "{:<w0$} {:<w1$} {:<w2$} {:<8}",
        "devicepool", "cmgroup", "callmanager", "priority"
    );
    let _ = writeln!(
        o,
        "{} {} {} {}",
        "=".repeat(w0),
        "=".repeat(w1),
        "=".repeat(w2),
        "=".repeat(8)
    );
    for (a, b, c, d) in rows {
        let _ = writeln!(o, "{a:<w0$} {b:<w1$} {c:<w2$} {d:<8}");
    }
    o
}

struct Syslog<'a> {
    s: &'a Scenario,
    lines: Vec<(i64, String, String, u8, String)>,
}

impl Syslog<'_> {
    /// `(local time, origin host, header app, severity, body after the header)`.
    fn add(&mut self, at: i64, host: &str, app: &str, sev: u8, rest: String) {
        let _ = self.s;
        self.lines
            .push((at, host.to_string(), app.to_string(), sev, rest));
    }
}

fn rtmt(s: &Scenario, at: i64, on: &Node, alert: &str, detail: &str) -> String {
    let c = time::civil(at);
    let abbrev = s.tz.to_offset_info(s.utc(at)).abbreviation().to_string();
    format!(
        "RTMT_ALERT: %[AlertName={alert}][AlertDetail= At {} {abbrev} {} on node {}, the following {alert} events generated: #012{detail}#012 TimeStamp : {} {abbrev} {}][AppID=Cisco AMC Service][ClusterID=][NodeID={}]: RTMT Alert",
        c.strftime("%a %b %d %H:%M:%S"),
        c.year(),
        s.fqdn(on),
        c.strftime("%a %b %d %H:%M:%S"),
        c.year(),
        s.nodes[0].name
    )
}

fn syslog(s: &Scenario, i: usize, n: &Node, path: &Path) -> Result<u64> {
    let mut r = Rng::new(s.cfg.seed).fork(200 + i as u64);
    let mut sl = Syslog {
        s,
        lines: Vec::new(),
    };
    let host = n.name.clone();
    // Routine: desk phones resetting, far from the incident.
    let mut t = s.start + r.range(2, 20) * MIN;
    while t < s.end {
        if (t - s.impact).abs() > 30 * MIN {
            let ip = format!(
                "10.{}.{}.{}",
                r.range(60, 90),
                r.range(1, 250),
                r.range(2, 250)
            );
            let mac = r.mac();
            let dn = r.range(20000, 29999);
            let back = t + r.range(25_000, 95_000);
            sl.add(
                back,
                &host,
                "UC_CALLMANAGER",
                6,
                format!(
                    "EndPointRegistered: %[DeviceName=SEP{mac}][IPAddress={ip}][Protocol=SIP][DeviceType=36670][Description=Desk Phone {dn}][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID={host}]: Endpoint registered."
                ),
            );
            sl.add(
                t,
                &host,
                "UC_CALLMANAGER",
                6,
                format!(
                    "EndPointUnregistered: %[DeviceName=SEP{mac}][IPAddress={ip}][Protocol=SIP][DeviceType=36670][Description=Desk Phone {dn}][Reason=8][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID={host}]: An endpoint has unregistered"
                ),
            );
        }
        t += r.range(9, 35) * MIN + r.range(0, 59_999);
    }
    let rc = &s.nodes[s.root];
    if i == s.root {
        for (k, p) in s.ports.iter().filter(|p| p.affected).enumerate() {
            sl.add(
                s.port_down(k) + 220,
                &host,
                "UC_CALLMANAGER",
                4,
                format!(
                    "DeviceUnregistered: %[DeviceName={}][IPAddress={}][Protocol=SCCP][DeviceType=72][Description=Mobile Agent Local CTI Port {}][Reason=1][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID={host}]: Device unregistered",
                    p.name,
                    pg_ip(s),
                    p.dn
                ),
            );
        }
        for (at, svc, pid) in [
            (s.core + 962 - s.core.rem_euclid(SEC), "Cisco CTIManager", 0),
            (
                s.core + SEC + 871 - s.core.rem_euclid(SEC),
                "Cisco CallManager",
                0,
            ),
            (
                s.core + 9 * SEC + 120,
                "Cisco CTIManager",
                r.range(3000, 30000),
            ),
            (
                s.core + 14 * SEC + 533,
                "Cisco CallManager",
                r.range(3000, 30000),
            ),
        ] {
            if pid == 0 {
                sl.add(at, &host, "UC_SERVICEMANAGER", 2, format!("ServiceFailed: %[ServiceName={svc}][Reason=Service stopped abruptly][AppID=Cisco Service Manager][ClusterID=][NodeID={host}]: Service terminated."));
            } else {
                sl.add(at, &host, "UC_GENERIC", 6, format!("ServiceStarted: %[ServiceName={svc}][ProcessID={pid}][AppID=Cisco Service Manager][ClusterID=][NodeID={host}]: Service started."));
            }
        }
    }
    if n.is_pub {
        let link = |name: &str, sev: u8, text: &str, seqlink: u32| {
            (
                sev,
                format!(
                    "{name}: %[LocalNodeId=1][LocalApplicationId=100][RemoteIPAddress={}][RemoteNodeId={}][RemoteApplicationId=100][LinkID=1:100:{}:{seqlink}][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID={host}]: {text}",
                    rc.ip, rc.node_id, rc.node_id
                ),
            )
        };
        let (sev, body) = link(
            "SDLLinkOOS",
            1,
            "SDL link to remote application is out of service",
            1,
        );
        sl.add(s.core + 430, &host, "UC_CALLMANAGER", sev, body);
        let (sev, body) = link(
            "SDLLinkISV",
            5,
            "SDL link to remote application restored",
            2,
        );
        sl.add(s.core + 83 * SEC, &host, "UC_CALLMANAGER", sev, body);
        let peg_at = s.hang - 5 * MIN + 10 * SEC;
        let cpu = r.range(97, 100);
        let iow = r.range(28, 40);
        sl.add(
            peg_at,
            &host,
            "UC_RTMT",
            2,
            rtmt(s, peg_at, rc, "CallProcessingNodeCpuPegging", &format!(
                "Processor load over configured threshold for configured duration of time . Configured high threshold is 90 %#012Processor_Info:#012For processor instance _Total: %CPU= {cpu}, %User= {}, %System= {}, %Nice= 0, %Idle= {}, %IOWait= {iow}, %softirq= 0, %irq= 0.",
                cpu - iow - 10, 10, 100 - cpu
            )),
        );
        let at = s.core + 7 * SEC + 311;
        sl.add(at, &host, "UC_RTMT", 2, rtmt(s, at, &s.nodes[0], "SDLLinkOutOfService", &format!(
            "LocalNodeId : 1#012LocalApplicationId : 100#012RemoteIPAddress : {}#012RemoteNodeId : {}#012RemoteApplicationId : 100#012LinkID : 1:100:{}:1#012AppID : Cisco CallManager#012ClusterID : StandAloneCluster#012NodeID : {host}",
            rc.ip, rc.node_id, rc.node_id
        )));
        let (ccm, cti) = core_names(s);
        let at = s.core + 24 * SEC + 477;
        sl.add(at, &host, "UC_RTMT", 2, rtmt(s, at, rc, "CoreDumpFileFound", &format!(
            "TotalCoresFound : 2#012CoreDetails : The following lists up to 6 cores dumped by corresponding applications.#012Core1 : Cisco CallManager ({ccm})#012Core2 : Cisco CTI Manager ({cti})#012AppID : Cisco Log Partition Monitoring Tool#012ClusterID : #012NodeID : {}",
            rc.name
        )));
    }
    sl.lines.sort_by_key(|l| l.0);
    let mut w = BufWriter::new(create(path)?);
    let mut seqnum = r.range(1000, 90000);
    let mut bytes = 0u64;
    for (at, origin, app, sev, rest) in sl.lines {
        seqnum += r.range(1, 5);
        let utc = s.utc(at);
        let line = format!(
            "{} {origin} local7 {sev} : {seqnum}: {origin}.{}: {} UTC :  %{app}-{sev}-{rest}\n",
            time::civil(at).strftime("%b %e %H:%M:%S"),
            s.cfg.domain,
            utc.strftime("%b %d %Y %H:%M:%S%.3f"),
        );
        bytes += line.len() as u64;
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    Ok(bytes)
}

fn create(path: &Path) -> Result<fs::File> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    Ok(fs::File::create(path)?)
}

fn perfmon(s: &Scenario, i: usize, n: &Node, path: &Path) -> Result<u64> {
    let mut r = Rng::new(s.cfg.seed).fork(300 + i as u64);
    let mut w = BufWriter::new(create(path)?);
    let info = s.tz.to_offset_info(s.utc(s.start));
    let zone = long_zone_name(&s.cfg.zone, info.abbreviation(), info.dst().is_dst());
    let bias = -time::offset_secs(&s.tz, s.start) / 60;
    let h = &n.name;
    let mut o = format!(
        "\"(PDH-CSV 4.0) ({zone})({bias})\",\"\\\\{h}\\Processor(_Total)\\% CPU Time\",\"\\\\{h}\\Processor(_Total)\\IOwait Percentage\",\"\\\\{h}\\Memory\\% Mem Used\",\"\\\\{h}\\Cisco CallManager\\CallsActive\"\n"
    );
    let mut t = s.start - s.start.rem_euclid(MIN);
    let base_cpu = r.range(6, 14) as f64;
    let mem = r.range(55, 68) as f64;
    while t <= s.end {
        let pegged = i == s.root && t >= s.hang - 10 * MIN && t < s.core;
        let (cpu, iow) = if pegged {
            (96.0 + r.unit() * 4.0, 28.0 + r.unit() * 17.0)
        } else {
            (base_cpu + r.unit() * 8.0, 0.3 + r.unit() * 2.0)
        };
        let calls = if i == s.root && t >= s.hang && t < s.core + 2 * MIN {
            String::new()
        } else {
            let hour = (t.rem_euclid(DAY)) / HOUR;
            (r.range(3, 12) + if (7..20).contains(&hour) { 80 } else { 0 }).to_string()
        };
        let _ = writeln!(
            o,
            "\"{}\",\"{cpu:.2}\",\"{iow:.2}\",\"{:.2}\",\"{calls}\"",
            time::civil(t).strftime("%m/%d/%Y %H:%M:%S%.3f"),
            mem + r.unit()
        );
        t += MIN;
    }
    w.write_all(o.as_bytes())?;
    w.flush()?;
    Ok(o.len() as u64)
}

fn jgw(s: &Scenario) -> String {
    let mut r = Rng::new(s.cfg.seed).fork(400);
    let day = time::local_ms(s.cfg.date.at(0, 0, 0, 0));
    let from = day + 30 * MIN;
    let to = s.end;
    let mut ev: Vec<(i64, Vec<String>)> = Vec::new();
    let primary = |p: &crate::Port| -> u32 {
        if p.affected {
            s.nodes[s.root].node_id
        } else {
            s.nodes[s.other_primary].node_id
        }
    };
    let mut t = from + r.range(0, 120) * SEC;
    let mut call = r.range(1_000_000, 4_000_000);
    while t < to {
        let p = r.pick(&s.ports).clone();
        let busy_window = p.affected && t > s.impact - 6 * MIN && t < s.recover + 2 * MIN;
        if !busy_window {
            call += r.range(3, 60);
            let node = if p.affected && t > s.recover {
                s.nodes[s.secondary].node_id
            } else {
                primary(&p)
            };
            let c = format!("{call}/{node}");
            let a = p.dn;
            let ring = r.range(15, 40);
            let ans = ring + r.range(300, 700);
            let dur = ans + r.range(20, 400) * SEC;
            ev.push((
                t,
                vec![
                    format!("CallActiveEv Call: {c}"),
                    format!("ConnCreatedEv Addr: {a} Call: {c}"),
                ],
            ));
            ev.push((
                t + 1,
                vec![
                    format!("CallCtlConnOfferedEv Addr: {a} Call: {c}"),
                    format!("  MsgBeginCall:  Addr: {a} CallID: {c}"),
                ],
            ));
            ev.push((
                t + ring,
                vec![
                    format!("CallCtlConnAlertingEv Addr: {a} Call: {c}"),
                    format!("  MsgCallDelivered:  Addr: {a} CallID: {c}"),
                ],
            ));
            ev.push((
                t + ans,
                vec![
                    format!("CallCtlConnEstablishedEv Addr: {a} Call: {c}"),
                    format!("  MsgCallEstablished:  Addr: {a} CallID: {c}"),
                ],
            ));
            ev.push((
                t + dur,
                vec![
                    format!("CallCtlConnDisconnectedEv Addr: {a} Call: {c} Cause: NORMAL"),
                    format!("  MsgCallCleared:  Addr: {a} CallID: {c} Cause: 16"),
                ],
            ));
            ev.push((
                t + dur + 1,
                vec![format!("CallObservationEndedEv Call: {c}")],
            ));
        }
        t += r.range(40, 240) * SEC + r.range(0, 999);
    }
    for (k, p) in s.ports.iter().filter(|p| p.affected).enumerate() {
        let (name, a) = (&p.name, p.dn);
        let down = s.port_down(k);
        ev.push((
            down,
            vec![
                format!("CiscoTermOutOfServiceEv Term: {name} Cause: DEVICE_UNREGISTERED"),
                "CiscoTermOutOfServiceEv Sending AddressOutOfService for 1 addresses".to_string(),
                format!("  MsgAddressOutOfService:  Addr: {a} Cause: 1005"),
            ],
        ));
        ev.push((
            down + 1,
            vec![
                format!("CiscoAddrOutOfServiceEv Addr: {a} Cause: CALLMANAGER_FAILURE"),
                format!("  MsgAddressOutOfService:  Addr: {a} Cause: 1001"),
            ],
        ));
        let up = s.recover + k as i64 * 257;
        ev.push((
            up,
            vec![
                format!("CiscoTermInServiceEv Term: {name}"),
                "CiscoTermInServiceEv Sending AddressInService for 1 addresses".to_string(),
                format!("  MsgAddressInService:  Addr: {a}"),
            ],
        ));
        ev.push((
            up + 1,
            vec![
                format!("CiscoAddrInServiceEv Addr: {a}"),
                format!("  MsgAddressInService:  Addr: {a}"),
            ],
        ));
    }
    ev.retain(|e| e.0 < to);
    ev.sort_by_key(|e| e.0);
    let mut o = format!("Events from {}\n", s.cfg.date.strftime("%B %-d, %Y"));
    for (at, lines) in ev {
        let tod = at.rem_euclid(DAY);
        for l in lines {
            let _ = writeln!(
                o,
                "{:02}:{:02}:{:02}:{:03} PG1A-jgw1 Trace: {l}",
                tod / HOUR,
                tod / MIN % 60,
                tod / SEC % 60,
                tod % SEC
            );
        }
    }
    o
}

fn export(s: &Scenario) -> String {
    let mut lines = EXPORT.lines();
    let header = lines.next().unwrap_or_default();
    let lcp = lines
        .clone()
        .find(|l| l.starts_with("LCP50001148,"))
        .unwrap_or_default();
    let rcp = lines
        .clone()
        .find(|l| l.starts_with("RCP50001148,"))
        .unwrap_or_default();
    let mut o = String::from(header);
    o.push('\n');
    for p in &s.ports {
        let css = format!("CSS_{}_MobileAgent", s.site_upper);
        let sub = |t: &str, name: &str, dn: u32, old_dn: &str| {
            t.replace(
                if t.starts_with("LCP") {
                    "LCP50001148"
                } else {
                    "RCP50001148"
                },
                name,
            )
            .replace(old_dn, &dn.to_string())
            .replace("DP_BLD_MobileAgent", &p.pool)
            .replace("CSS_BLD_MobileAgent", &css)
        };
        o.push_str(&sub(lcp, &p.name, p.dn, "27148"));
        o.push('\n');
        o.push_str(&sub(
            rcp,
            &p.name.replacen("LCP", "RCP", 1),
            p.dn + 1000,
            "28148",
        ));
        o.push('\n');
    }
    o
}
