//! Parse-and-extract throughput of the `cucm-sdl` parser over ~50 MB of
//! generated SDL trace text (mostly SdlSig / AppInfo, multi-line SIP
//! messages, rare outage lines), as `parse_reader` sees a plain `.txt` file.
//!
//! `cargo bench -p uctriage-formats --bench sdl -- --warm-up-time 1 --measurement-time 5`

/// The allocator the `uctriage` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::hint::black_box;
use uctriage_formats::{by_name, parse_reader, FileContext};

const TARGET_BYTES: usize = 50 * 1024 * 1024;

/// A tiny deterministic generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SIGNALS: &[(&str, &str, &str)] = &[
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
    ("SIPRegisterInd", "wait", "SIPHandler(1,100,74,1)"),
    (
        "StationOutputKeepAliveAck",
        "restart0",
        "StationD(1,100,64,145)",
    ),
    ("CcSetupReq", "call_init", "Cdcc(1,100,224,3)"),
    ("DaReq", "idle", "Da(1,100,230,1)"),
];

const APPINFO: &[&str] = &[
    "HttpConnection - checkConnQueue found no connData",
    "StationInit: (0000109) SoftKeyEvent softKeyEvent=1(Redial) lineInstance=0 callReference=0.",
    "Digit Analysis: star_DaReq: daReq.partitionSearchSpace(), filteredPartitionSearchSpaceString(), partitionSearchSpaceString()",
    "DET-MediaManager-(252214)::buildMtpXcoderAllocList, savedConnectionCount=0, QosType=0",
    "StationInit: (0000145) KeepAlive from 10.20.30.40",
    "//SIP/SIPHandler/ccbId=0/scbId=0/SIP_REG_REFRESH: cmDevName=SEP00112233AABB",
];

const OUTAGE: &[&str] = &[
    "|AppInfo  |DeviceUnregistered - Device unregistered Device name.:SEP0023331C29E8 Device IP address.:10.20.30.41 Protocol.:SCCP Device type. [Optional]:115 Reason Code [Optional].:8 App ID:Cisco CallManager Cluster ID:StandAloneCluster Node ID:cm-sub1",
    "|AppInfo  |SIPStationD(12345) - unregistered DeviceName=SEP00112233AABB reason=keepalive",
    "|AppInfo  |StationD: (0000145) KeepAlive timeout expired, closing station",
    "|SdlSig   |SdlLinkOOS                              |wait                           |SdlLinkMgr(1,100,3,1)            |SdlLinkMgr(1,100,3,1)            |1,100,14,1.1^*^*                        |[R:N-H:0,N:0,L:0,V:0,Z:0,D:0] RemoteNodeId=2",
    "|AppInfo  |CodeYellowEntry - Code Yellow entry Expected Average Delay:7906 Entry Latency:20 App ID:Cisco CallManager Cluster ID:StandAloneCluster Node ID:cm-sub1",
];

/// ~`TARGET_BYTES` of SDL text: FileHead, then records with a realistic mix.
fn generate() -> Vec<u8> {
    let mut s = String::with_capacity(TARGET_BYTES + 4096);
    s.push_str("28131994.000 |00:00:00.259 |FileHead |UTC:-05:00,Date: 2024/08/12, AppName: CCM, AppId: 100, AppNodeId: 1, AppVersion: CUCM Install=11.5.1.16900-16 Build=11.5.1.16900-16 (d3f126) memlog=20, HostName: cm-sub1, HostIPAddress: 10.207.166.103, AppStartTime: 2024/03/17 09:26:28, FileNumber: 1262, TraceVer: 3.0\n");
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut seq = 28131995u64;
    let mut ms: u64 = 259;
    while s.len() < TARGET_BYTES {
        seq += 1;
        ms = (ms + rng.below(40)) % (24 * 3600 * 1000);
        let (h, m, sec, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let _ = write!(s, "{seq:08}.000 |{h:02}:{m:02}:{sec:02}.{milli:03} ");
        let roll = rng.below(10_000);
        if roll < 2 {
            s.push_str(OUTAGE[rng.below(OUTAGE.len() as u64) as usize]);
            s.push('\n');
        } else if roll < 5_500 {
            let (sig, state, dest) = SIGNALS[rng.below(SIGNALS.len() as u64) as usize];
            let _ = writeln!(
                s,
                "|SdlSig   |{sig:<38} |{state:<30} |{dest:<32} |SdlTimerService(1,100,3,1)       |1,100,150,1.1^*^*                        |[R:H-H:0,N:0,L:0,V:0,Z:0,D:0]"
            );
        } else if roll < 9_800 {
            let text = APPINFO[rng.below(APPINFO.len() as u64) as usize];
            let _ = writeln!(s, "|AppInfo  |{text}");
        } else if roll < 9_900 {
            s.push_str("|SdlStat  |Period: 6s #Lines: 60 #Bytes: 9670 Total Number of Buffers: 10000 Free LWM: 9955 Free LWM(total): 9537\n");
        } else {
            s.push_str("|AppInfo  |SIPTcp - wait_SdlReadRsp: Incoming SIP TCP message from 10.24.241.238 on port 53536 index 800 with 1456 bytes:\n[9957,NET]\nINVITE sip:2001@10.207.166.103 SIP/2.0\nVia: SIP/2.0/TCP 10.24.241.238:53536;branch=z9hG4bK000023a3\nFrom: <sip:1001@10.207.166.103>;tag=3f2a\nTo: <sip:2001@10.207.166.103>\nCall-ID: 0ab1c2d3-e4f5@10.24.241.238\nCSeq: 101 INVITE\nContent-Length: 0\n\n");
        }
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let data = generate();
    let format = by_name("cucm-sdl").expect("cucm-sdl format");
    let ctx = FileContext::new("cm/trace/ccm/sdl/SDL001_100_001262.txt");
    let probe = parse_reader(Some(format), &ctx, data.as_slice());
    assert_eq!(probe.understood, probe.lines, "{:?}", probe.problems);
    eprintln!(
        "generated {:.1} MB, {} lines, {} events",
        data.len() as f64 / 1e6,
        probe.lines,
        probe.events.len()
    );
    let mut g = c.benchmark_group("cucm-sdl");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("parse_reader", |b| {
        b.iter(|| black_box(parse_reader(Some(format), &ctx, black_box(data.as_slice()))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
