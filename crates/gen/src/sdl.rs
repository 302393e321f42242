//! CUCM SDL trace streams (CallManager AppId 100, CTIManager AppId 200): one
//! stream per node and process, written line by line into files rolled by
//! size and at midnight, each opened by a `FileHead`, gzipped or plain, the
//! newest one optionally left open as `.gzo` (a gzip stream without trailer).

use crate::rng::Rng;
use crate::time::{self, push_hms_ms, SEC};
use crate::Node;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum App {
    Ccm,
    Cti,
}

impl App {
    pub fn id(self) -> u32 {
        match self {
            App::Ccm => 100,
            App::Cti => 200,
        }
    }
    fn name(self) -> &'static str {
        match self {
            App::Ccm => "CCM",
            App::Cti => "CTI",
        }
    }
    pub fn folder(self) -> &'static str {
        match self {
            App::Ccm => "cm/trace/ccm/sdl",
            App::Cti => "cm/trace/cti/sdl",
        }
    }
}

/// A record placed at an exact time (the incident), written in time order
/// among the generated ones.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub at: i64,
    pub kind: &'static str,
    pub payload: String,
}

/// A time window where the process writes at `density` times its usual rate
/// (a hung ccm writes almost nothing).
#[derive(Clone, Copy, Debug)]
pub struct Density {
    pub from: i64,
    pub to: i64,
    pub factor: f64,
}

/// Everything one stream needs.
pub struct StreamPlan {
    pub node: Node,
    pub app: App,
    pub dir: PathBuf,
    pub seed: Rng,
    /// Uncompressed bytes to write.
    pub budget: u64,
    pub start: i64,
    pub end: i64,
    pub scripted: Vec<Scripted>,
    pub densities: Vec<Density>,
    /// A restart: from this time on, a new file with a new `AppStartTime`
    /// (`restart_at`, first line after it).
    pub restart: Option<(i64, i64)>,
    pub app_start: i64,
}

/// What a stream wrote.
#[derive(Debug, Default, Clone)]
pub struct StreamStats {
    pub files: u64,
    pub gz_files: u64,
    pub lines: u64,
    pub raw_bytes: u64,
    pub gz_raw_bytes: u64,
    pub disk_bytes: u64,
}

/// Counts bytes to disk; can be cut so an encoder's trailer goes nowhere (`.gzo`).
struct Counted {
    inner: BufWriter<File>,
    written: u64,
    cut: bool,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cut {
            return Ok(buf.len());
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.cut {
            return Ok(());
        }
        self.inner.flush()
    }
}

enum Sink {
    Plain(Counted),
    Gz(Box<GzEncoder<Counted>>),
}

impl Sink {
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gz(w) => w.write_all(b),
        }
    }
    /// Closes the file; returns bytes on disk.
    fn close(self, open_gzo: bool) -> io::Result<u64> {
        match self {
            Sink::Plain(mut w) => {
                w.flush()?;
                Ok(w.written)
            }
            Sink::Gz(mut w) if open_gzo => {
                // Everything so far decodable (sync flush), no trailer.
                w.flush()?;
                w.get_mut().inner.flush()?;
                let n = w.get_ref().written;
                w.get_mut().cut = true;
                drop(w);
                Ok(n)
            }
            Sink::Gz(w) => {
                let mut c = w.finish()?;
                c.flush()?;
                Ok(c.written)
            }
        }
    }
}

/// Roll limits and options shared by all streams.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub roll_bytes: u64,
    pub gz_ratio: f64,
    pub gzo: bool,
    pub bytes_per_record: f64,
}

struct Writer<'a> {
    plan: &'a StreamPlan,
    opts: Options,
    rng: Rng,
    name_no: u32,
    file_number_delta: u32,
    seq: u64,
    sink: Option<(Sink, PathBuf, bool)>,
    file_bytes: u64,
    file_day: i64,
    app_start: i64,
    stats: StreamStats,
    stat_lines: u64,
    stat_bytes: u64,
    next_stat: i64,
    last_t: i64,
    buf: Vec<u8>,
    tz_offset: String,
}

/// Writes one stream; returns what it wrote.
pub fn write_stream(plan: &StreamPlan, opts: Options, tz_offset: &str) -> io::Result<StreamStats> {
    std::fs::create_dir_all(&plan.dir)?;
    let mut rng = plan.seed.clone();
    let name_no = rng.range(40, 1400) as u32;
    let delta = rng.range(0, 300) as u32;
    let seq = rng.range(100_000, 30_000_000) as u64;
    let mut w = Writer {
        plan,
        opts,
        rng,
        name_no,
        file_number_delta: delta,
        seq,
        sink: None,
        file_bytes: 0,
        file_day: i64::MIN,
        app_start: plan.app_start,
        stats: StreamStats::default(),
        stat_lines: 0,
        stat_bytes: 0,
        next_stat: plan.start + 6 * SEC,
        last_t: plan.start,
        buf: Vec::with_capacity(4096),
        tz_offset: tz_offset.to_string(),
    };
    w.run()?;
    w.close_file(true)?;
    Ok(w.stats)
}

impl Writer<'_> {
    fn density(&self, t: i64) -> f64 {
        self.plan
            .densities
            .iter()
            .find(|d| t >= d.from && t < d.to)
            .map_or(1.0, |d| d.factor)
    }

    fn run(&mut self) -> io::Result<()> {
        let plan = self.plan;
        // Effective span: time weighted by density.
        let span = (plan.end - plan.start) as f64;
        let dense: f64 = plan
            .densities
            .iter()
            .map(|d| (d.to.min(plan.end) - d.from.max(plan.start)).max(0) as f64 * (1.0 - d.factor))
            .sum();
        let records = (plan.budget as f64 / self.opts.bytes_per_record).max(1.0);
        let mean_gap = ((span - dense).max(1.0) / records).max(0.001);
        let mut t = plan.start as f64;
        let mut script = plan.scripted.iter().peekable();
        let mut restart = plan.restart;
        loop {
            let gap = mean_gap * 2.0 * self.rng.unit() / self.density(t as i64).max(1e-6);
            t += gap;
            let ti = t as i64;
            if ti >= plan.end {
                break;
            }
            while let Some(s) = script.next_if(|s| s.at <= ti) {
                self.record(s.at, s.kind, s.payload.as_bytes(), &[])?;
            }
            if let Some((at, first)) = restart {
                if ti >= at {
                    restart = None;
                    self.app_start = at;
                    self.close_file(false)?;
                    t = t.max(first as f64);
                    self.next_stat = first + 6 * SEC;
                    continue;
                }
            }
            self.generated(ti)?;
        }
        for s in script {
            self.record(s.at, s.kind, s.payload.as_bytes(), &[])?;
        }
        Ok(())
    }

    fn open_file(&mut self, t: i64) -> io::Result<()> {
        self.name_no += 1;
        let gz = self.rng.unit() < self.opts.gz_ratio;
        let base = format!("SDL001_{}_{:06}.txt", self.plan.app.id(), self.name_no);
        let path = self.plan.dir.join(&base);
        let counted = Counted {
            inner: BufWriter::with_capacity(1 << 17, File::create(&path)?),
            written: 0,
            cut: false,
        };
        let sink = if gz {
            Sink::Gz(Box::new(GzEncoder::new(counted, Compression::fast())))
        } else {
            Sink::Plain(counted)
        };
        self.sink = Some((sink, path, gz));
        self.file_bytes = 0;
        self.file_day = t.div_euclid(time::DAY);
        self.stats.files += 1;
        if gz {
            self.stats.gz_files += 1;
        }
        let d = time::day_of(t);
        let node = &self.plan.node;
        let head = format!(
            "UTC:{},Date: {:04}/{:02}/{:02}, AppName: {}, AppId: {}, AppNodeId: {}, AppVersion: CUCM Install={v} Build={v} (5c2e81) memlog=20, HostName: {}, HostIPAddress: {}, AppStartTime: {}, FileNumber: {}, TraceVer: 3.0",
            self.tz_offset,
            d.year(),
            d.month(),
            d.day(),
            self.plan.app.name(),
            self.plan.app.id(),
            node.node_id,
            node.name,
            node.ip,
            time::civil(self.app_start).strftime("%Y/%m/%d %H:%M:%S"),
            self.name_no.saturating_sub(self.file_number_delta).max(1),
            v = node.version,
        );
        self.record(t, "FileHead", head.as_bytes(), &[])
    }

    /// Closes the current file; the stream's last one may stay open (`.gzo`).
    fn close_file(&mut self, last: bool) -> io::Result<()> {
        if let Some((sink, path, gz)) = self.sink.take() {
            let gzo = last && gz && self.opts.gzo;
            let disk = sink.close(gzo)?;
            self.stats.disk_bytes += disk;
            if gz {
                let mut name = path.as_os_str().to_owned();
                name.push(if gzo { ".gzo" } else { ".gz" });
                std::fs::rename(&path, PathBuf::from(name))?;
                self.stats.gz_raw_bytes += self.file_bytes;
            }
        }
        Ok(())
    }

    /// Writes one record (`kind` padded to 9) and its continuation lines.
    fn record(&mut self, t: i64, kind: &str, payload: &[u8], more: &[&[u8]]) -> io::Result<()> {
        let t = t.max(self.last_t);
        let day = t.div_euclid(time::DAY);
        let roll = self.sink.is_none()
            || (kind != "FileHead"
                && (day != self.file_day || self.file_bytes >= self.opts.roll_bytes));
        if roll && kind != "FileHead" {
            self.close_file(false)?;
            self.open_file(t)?;
        }
        self.last_t = t;
        self.seq += 1 + u64::from(self.rng.below(8) == 0);
        let b = &mut self.buf;
        b.clear();
        push_seq(b, self.seq);
        b.extend_from_slice(b" |");
        push_hms_ms(b, t);
        b.extend_from_slice(b" |");
        b.extend_from_slice(kind.as_bytes());
        for _ in kind.len()..9 {
            b.push(b' ');
        }
        b.push(b'|');
        b.extend_from_slice(payload);
        b.push(b'\n');
        let mut lines = 1;
        for m in more {
            b.extend_from_slice(m);
            b.push(b'\n');
            lines += 1;
        }
        let n = b.len() as u64;
        let (sink, _, _) = self.sink.as_mut().expect("open file");
        sink.write_all(&self.buf)?;
        self.file_bytes += n;
        self.stats.raw_bytes += n;
        self.stats.lines += lines;
        self.stat_lines += lines;
        self.stat_bytes += n;
        Ok(())
    }

    fn generated(&mut self, t: i64) -> io::Result<()> {
        if t >= self.next_stat {
            let free = 9900 + self.rng.below(90);
            let p = format!(
                "Period: 6s #Lines: {} #Bytes: {} Total Number of Buffers: 10000 Free LWM: {} Free LWM(total): {}",
                self.stat_lines,
                self.stat_bytes,
                free,
                free - 300 - self.rng.below(200)
            );
            self.stat_lines = 0;
            self.stat_bytes = 0;
            let at = self.next_stat.max(self.last_t);
            self.record(at, "SdlStat", p.as_bytes(), &[])?;
            self.next_stat += 6 * SEC;
            if self.next_stat <= t {
                // The router was quiet for longer than a period.
                self.next_stat = t + 6 * SEC;
            }
        }
        let roll = self.rng.below(1000);
        match self.plan.app {
            App::Ccm => {
                if roll < 560 {
                    let p = ccm_signal(&mut self.rng, self.plan.node.node_id);
                    self.record(t, "SdlSig", p.as_bytes(), &[])
                } else if roll < 960 {
                    let p = ccm_app_info(&mut self.rng);
                    self.record(t, "AppInfo", p.as_bytes(), &[])
                } else {
                    let (first, body) = sip_message(&mut self.rng, &self.plan.node);
                    let refs: Vec<&[u8]> = body.iter().map(|s| s.as_bytes()).collect();
                    self.record(t, "AppInfo", first.as_bytes(), &refs)
                }
            }
            App::Cti => {
                if roll < 520 {
                    let p = cti_signal(&mut self.rng, self.plan.node.node_id);
                    self.record(t, "SdlSig", p.as_bytes(), &[])
                } else {
                    let p = cti_app_info(&mut self.rng);
                    self.record(t, "AppInfo", p.as_bytes(), &[])
                }
            }
        }
    }
}

fn push_seq(b: &mut Vec<u8>, seq: u64) {
    let major = seq / 4 % 100_000_000;
    let minor = seq % 4;
    let mut digits = [b'0'; 8];
    let mut m = major;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (m % 10) as u8;
        m /= 10;
    }
    b.extend_from_slice(&digits);
    b.extend_from_slice(&[b'.', b'0', b'0', b'0' + minor as u8]);
}

fn pad(s: &str, w: usize) -> String {
    format!("{s:<w$}")
}

const CCM_TIMERS: &[(&str, &str, &str)] = &[
    ("DbObjectCacheTimer", "initialized", "Db(1,100,213,1)"),
    (
        "ReapOldTokenRegistrationsTimer",
        "wait",
        "SIPStationInit(1,100,75,1)",
    ),
    (
        "DeviceEventReceiptMonitoringTimer",
        "wait",
        "StationInit(1,100,65,1)",
    ),
    (
        "SIPSubscriptionRefreshTimer",
        "wait",
        "SIPHandler(1,100,79,1)",
    ),
    ("MGCPKeepAliveTimer", "restart0", "MGCPHandler(1,100,161,1)"),
    (
        "LBMReservationCheckTimer",
        "ready",
        "LBMInterface(1,100,248,1)",
    ),
    (
        "AuditTimer",
        "wait",
        "CMMediaCapReconciliation(1,100,217,1)",
    ),
];

const CCM_SIGNALS: &[(&str, &str, &str, &str)] = &[
    (
        "CcSetupReq",
        "restart0",
        "Cdcc(1,100,224,",
        "Cdcc(1,100,224,",
    ),
    (
        "CcAlertInd",
        "call_received",
        "Cdcc(1,100,224,",
        "SIPCdpc(1,100,222,",
    ),
    (
        "CcConnInd",
        "call_delivered",
        "Cdcc(1,100,224,",
        "SIPCdpc(1,100,222,",
    ),
    (
        "CcDisconnReq",
        "connected",
        "SIPCdpc(1,100,222,",
        "Cdcc(1,100,224,",
    ),
    (
        "CcRelInd",
        "disconnect_received",
        "Cdcc(1,100,224,",
        "SIPCdpc(1,100,222,",
    ),
    ("DaReq", "busy", "Da(1,100,205,1", "Cdcc(1,100,224,"),
    ("DaRes", "wait_DaRes", "Cdcc(1,100,224,", "Da(1,100,205,1"),
    (
        "MediaManagerCreateConnReq",
        "ready",
        "MediaManager(1,100,139,",
        "Cdcc(1,100,224,",
    ),
    (
        "StationOutputDisplayNotify",
        "restart0",
        "StationD(1,100,64,",
        "StationCdpc(1,100,66,",
    ),
    (
        "StationOutputCallState",
        "restart0",
        "StationD(1,100,64,",
        "StationCdpc(1,100,66,",
    ),
    (
        "SIPNotifyInd",
        "wait",
        "SIPHandler(1,100,79,1",
        "SIPTcp(1,100,77,1",
    ),
    (
        "SIPOptionsRes",
        "wait",
        "SIPHandler(1,100,79,1",
        "SIPTcp(1,100,77,1",
    ),
    (
        "StationKeepAlive",
        "connected",
        "StationD(1,100,64,",
        "StationInit(1,100,65,1",
    ),
];

fn ccm_signal(r: &mut Rng, node_id: u32) -> String {
    let corr = format!(
        "{node_id},100,{},{}.{}^*^*",
        r.range(14, 251),
        r.range(1, 9),
        r.range(1, 99)
    );
    if r.below(3) == 0 {
        let (sig, state, dest) = *r.pick(CCM_TIMERS);
        let flag = if r.below(2) == 0 { "T" } else { "R" };
        format!(
            "{}|{}|{}|{}|{}|[{flag}:H-H:0,N:0,L:0,V:0,Z:0,D:0]",
            pad(sig, 39),
            pad(state, 31),
            pad(&dest.replace("(1,", &format!("({node_id},")), 33),
            pad(&format!("SdlTimerService({node_id},100,3,1)"), 33),
            pad(&corr, 41)
        )
    } else {
        let (sig, state, dest, src) = *r.pick(CCM_SIGNALS);
        let n1 = r.range(1, 480);
        let n2 = r.range(1, 480);
        let dest = format!(
            "{}{})",
            dest.replace("(1,", &format!("({node_id},")),
            if dest.ends_with(',') {
                n1.to_string()
            } else {
                String::new()
            }
        );
        let src = format!(
            "{}{})",
            src.replace("(1,", &format!("({node_id},")),
            if src.ends_with(',') {
                n2.to_string()
            } else {
                String::new()
            }
        );
        format!(
            "{}|{}|{}|{}|{}|[R:N-H:0,N:{},L:0,V:0,Z:0,D:0] CI={} Branch=0",
            pad(sig, 39),
            pad(state, 31),
            pad(&dest, 33),
            pad(&src, 33),
            pad(&corr, 41),
            r.below(4),
            r.range(16_000_000, 29_999_999)
        )
    }
}

fn ccm_app_info(r: &mut Rng) -> String {
    match r.below(12) {
        0 => format!(
            "StationInit: ({:07}) SoftKeyEvent softKeyEvent={}(Redial) lineInstance=0 callReference=0.",
            r.range(1, 9999),
            r.range(1, 12)
        ),
        1 => "Digit Analysis: star_DaReq: daReq.partitionSearchSpace(), filteredPartitionSearchSpaceString(), partitionSearchSpaceString()".to_string(),
        2 => format!(
            "DET-MediaManager-({})::buildMtpXcoderAllocList, savedConnectionCount=0, QosType=0",
            r.range(100_000, 999_999)
        ),
        3 => "HttpConnection - checkConnQueue found no connData".to_string(),
        4 => format!(
            "StationD: ({:07}) CallState callState=Connected lineInstance=1 callReference={} privacy=0 precedenceLevel=4.",
            r.range(1, 9999),
            r.range(16_000_000, 29_999_999)
        ),
        5 => format!(
            "StationInit: ({:07}) KeepAlive",
            r.range(1, 9999)
        ),
        6 => format!(
            "Digit Analysis: match(pi=\"2\", fqcn=\"{}\", cn=\"{}\",plv=\"5\", pss=\"PT_Internal:PT_PSTN\", TodFilteredPss=\"PT_Internal:PT_PSTN\", dd=\"{}\",dac=\"1\")",
            r.range(20000, 29999),
            r.range(20000, 29999),
            r.range(20000, 49999)
        ),
        7 => format!(
            "SIPCdpc({},100,222,{})::pCdpcSetupReq: CallID={}, calling={} called={}",
            r.range(1, 4),
            r.range(1, 400),
            r.range(16_000_000, 29_999_999),
            r.range(20000, 29999),
            r.range(20000, 49999)
        ),
        8 => format!(
            "LBMIF: CI {} reserve bandwidth audio={} video=0 location=Hub_None",
            r.range(16_000_000, 29_999_999),
            r.pick(&[80, 64, 24])
        ),
        9 => format!(
            "ConnectionManager - wait_AuConnectRequest(): CI={} codec=4 xcoder=0 MTP=0",
            r.range(16_000_000, 29_999_999)
        ),
        10 => format!(
            "MediaTerminationPointControl(MTP_{}) - MtpSetupConnReq ConnId={} codec=4",
            r.range(1, 8),
            r.range(1, 99999)
        ),
        _ => format!(
            "RouteListControl::idle_CcSetupReq - RouteList(RL_PSTN), numberOfRouteGroups={} CI={}",
            r.range(1, 3),
            r.range(16_000_000, 29_999_999)
        ),
    }
}

fn sip_message(r: &mut Rng, node: &Node) -> (String, Vec<String>) {
    let peer = format!(
        "10.{}.{}.{}",
        r.range(20, 60),
        r.range(1, 250),
        r.range(2, 250)
    );
    let port = r.range(49152, 65000);
    let branch = format!("z9hG4bK{:08x}", r.next() as u32);
    let call_id = format!("{:08x}-{:08x}@{}", r.next() as u32, r.next() as u32, peer);
    let dn = r.range(20000, 29999);
    let mut body = vec![format!("[{},NET]", r.range(1, 99999))];
    let (first, incoming) = match r.below(3) {
        0 => (format!("OPTIONS sip:{}:5060 SIP/2.0", node.ip), true),
        1 => (format!("INVITE sip:{dn}@{}:5060 SIP/2.0", node.ip), true),
        _ => ("SIP/2.0 200 OK".to_string(), false),
    };
    body.push(first.clone());
    body.push(format!("Via: SIP/2.0/TCP {peer}:{port};branch={branch}"));
    body.push(format!(
        "From: <sip:{}@{peer}>;tag={}",
        r.range(20000, 29999),
        r.next() % 1_000_000_000
    ));
    body.push(format!("To: <sip:{dn}@{}>", node.ip));
    body.push(format!("Call-ID: {call_id}"));
    body.push(format!(
        "CSeq: {} {}",
        r.range(1, 999),
        if first.starts_with("OPTIONS") {
            "OPTIONS"
        } else {
            "INVITE"
        }
    ));
    body.push("Max-Forwards: 70".to_string());
    body.push("User-Agent: Cisco-CUCM14.0".to_string());
    body.push(
        "Allow: INVITE, OPTIONS, INFO, BYE, CANCEL, ACK, PRACK, UPDATE, REFER, SUBSCRIBE, NOTIFY"
            .to_string(),
    );
    body.push("Content-Length: 0".to_string());
    body.push(String::new());
    let bytes: usize = body.iter().skip(1).map(|l| l.len() + 2).sum();
    let head = if incoming {
        format!("SIPTcp - wait_SdlReadRsp: Incoming SIP TCP message from {peer} on port {port} index {} with {bytes} bytes:", r.range(1, 999))
    } else {
        format!("SIPTcp - wait_SdlSPISignal: Outgoing SIP TCP message to {peer} on port {port} index {}", r.range(1, 999))
    };
    (head, body)
}

const CTI_SIGNALS: &[(&str, &str)] = &[
    ("CtiLineCallStateChangedNotify", "line_open"),
    ("CtiDeviceCallStateChangedNotify", "device_open"),
    ("CtiLineOpenReq", "init_complete"),
    ("CtiCallInfoNotify", "line_open"),
    ("CtiHeartbeatTimer", "ready"),
    ("CtiSnapshotCallReq", "line_open"),
];

fn cti_signal(r: &mut Rng, node_id: u32) -> String {
    let (sig, state) = *r.pick(CTI_SIGNALS);
    let h = r.range(1, 40);
    format!(
        "{}|{}|{}|{}|{}|[R:N-H:0,N:0,L:0,V:0,Z:0,D:0] LH={node_id}|{} CH={node_id}|{} State={}",
        pad(sig, 39),
        pad(state, 31),
        pad(&format!("CTIHandler({node_id},200,22,{h})"), 33),
        pad(&format!("CTIDeviceLineMgr({node_id},200,25,1)"), 33),
        pad(
            &format!("{node_id},200,13,{}.{}^*^*", r.range(1, 40), r.range(1, 9)),
            41
        ),
        r.range(1, 500),
        r.range(1, 90000),
        r.range(1, 12)
    )
}

fn cti_app_info(r: &mut Rng) -> String {
    match r.below(5) {
        0 => format!(
            "[CTI-APP] [CTIHandler::OutputCtiMessage] CTI LineCallStateChangedEvent ( seq#={} LH={}|{} CH={}|{} state={} reason=1 )",
            r.range(1, 99999), r.range(1, 4), r.range(1, 500), r.range(1, 4), r.range(1, 90000), r.range(1, 12)
        ),
        1 => format!(
            "[CTI-APP] [CTIHandler::processIncomingMessage] CTI HeartbeatRequest ( seq#={} )",
            r.range(1, 99999)
        ),
        2 => format!(
            "[CTI-APP] [CTIHandler::OutputCtiMessage] CTI CallInfoEvent ( seq#={} CH={}|{} calling={} called={} )",
            r.range(1, 99999), r.range(1, 4), r.range(1, 90000), r.range(20000, 29999), r.range(20000, 29999)
        ),
        3 => format!(
            "[CTI-DEV] [CTIDeviceLineMgr::handleDeviceStateChange] device state changed deviceID={} state=2",
            r.range(1, 900)
        ),
        _ => format!(
            "[CTI-APP] [CTIHandler::processIncomingMessage] CTI SnapshotCallRequest ( seq#={} CH={}|{} )",
            r.range(1, 99999), r.range(1, 4), r.range(1, 90000)
        ),
    }
}

/// Measures the average record size and the gzip ratio on a sample.
pub fn calibrate(sample_node: &Node, seed: &Rng) -> (f64, f64) {
    let mut r = seed.fork(0xCA11);
    let mut raw = Vec::new();
    let mut records = 0u64;
    while raw.len() < 1 << 20 {
        records += 1;
        let roll = r.below(1000);
        let t = 3_600_000 + records as i64 * 37;
        let mut line = Vec::new();
        push_seq(&mut line, records);
        line.extend_from_slice(b" |");
        push_hms_ms(&mut line, t);
        if roll < 560 {
            line.extend_from_slice(b" |SdlSig   |");
            line.extend_from_slice(ccm_signal(&mut r, sample_node.node_id).as_bytes());
        } else if roll < 960 {
            line.extend_from_slice(b" |AppInfo  |");
            line.extend_from_slice(ccm_app_info(&mut r).as_bytes());
        } else {
            let (first, body) = sip_message(&mut r, sample_node);
            line.extend_from_slice(b" |AppInfo  |");
            line.extend_from_slice(first.as_bytes());
            for l in body {
                line.push(b'\n');
                line.extend_from_slice(l.as_bytes());
            }
        }
        line.push(b'\n');
        raw.extend_from_slice(&line);
    }
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(&raw).expect("in memory");
    let z = e.finish().expect("in memory");
    (
        raw.len() as f64 / records as f64,
        raw.len() as f64 / z.len() as f64,
    )
}

pub fn stream_dir(root: &Path, node: &Node, app: App) -> PathBuf {
    root.join(&node.name).join(app.folder())
}
