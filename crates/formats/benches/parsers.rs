//! Throughput (MB/s) of every line parser on a realistic sample of its own
//! format, repeated to a few MB, through the real driver (`parse_reader`).
//! Run: `cargo bench -p uctriage-formats --bench parsers`.
//! `ucce-dumplog-ordinary` is the JTAPI gateway trace without its outage
//! lines, closer to a real trace than the outage-dense `ucce-dumplog`;
//! `ucce-dumplog-ctisvr` a CTI Server session trace, `ccbu-log` Finesse
//! webservices records, `uccx-mivr` a JTAPI client log with object dumps.

/// The allocator the `uctriage` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use uctriage_formats::{by_name, parse_reader, FileContext};

/// The example incident's JTAPI gateway trace: dense in outage events.
const JGW: &str = include_str!("../../../examples/ctios-outage-2019-07-12/pg1a/jgw1_dumplog.txt");

/// (format, file name for the context, one sample of the format).
const SAMPLES: &[(&str, &str, &str)] = &[
    ("ucce-dumplog", "jgw1.txt", JGW),
    ("cisco-syslog", "CiscoSyslog", include_str!("../../../examples/ctios-outage-2019-07-12/bldcucmpub/syslog/CiscoSyslog")),
    ("cucm-cli", "cli.txt", include_str!("../../../examples/ctios-outage-2019-07-12/bldcucmsub7/cli_session.txt")),
    (
        "pdh-csv",
        "PerfMon_x_07_12_2019_06_00.csv",
        include_str!("../../../examples/ctios-outage-2019-07-12/bldcucmtftp1/PerfMon_bldcucmtftp1_07_12_2019_06_00.csv"),
    ),
    ("cucm-bat-csv", "ports.csv", include_str!("../../../examples/ctios-outage-2019-07-12/cti_ports_export.csv")),
    ("generic", "app.log", "2024-03-03 08:15:00,100 INFO worker-7 request handled in 12 ms for 10.1.2.3\n"),
    (
        "ccbu-log",
        "Desktop-webservices.log",
        include_str!("../tests/fixtures/ccbu_log/c200937_webservices.txt"),
    ),
    (
        "uccx-mivr",
        "Cisco001MIVR01.log",
        include_str!("../tests/fixtures/uccx_mivr/jtapi_exam_provider_closed.txt"),
    ),
    ("ucce-dumplog-ctisvr", "ctisvr.txt", include_str!("../tests/fixtures/ucce_dumplog/ctisvr_200937.txt")),
];

/// Repeat `sample` to about `bytes`; header-carrying formats keep one header.
fn corpus(format: &str, sample: &str, bytes: usize) -> String {
    let (head, body) = match format {
        "pdh-csv" | "cucm-bat-csv" => sample
            .split_once('\n')
            .map(|(h, b)| (format!("{h}\n"), b))
            .unwrap(),
        _ => (String::new(), sample),
    };
    let mut out = head;
    while out.len() < bytes {
        out.push_str(body);
    }
    out
}

/// The JTAPI gateway trace without its outage (no state event): call events
/// and messages only, as nearly all of a real trace is.
fn ordinary_jgw() -> String {
    JGW.lines()
        .filter(|l| !l.contains("Service"))
        .flat_map(|l| [l, "\n"])
        .collect()
}

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    let ordinary = ordinary_jgw();
    let extra = [(
        "ucce-dumplog-ordinary",
        "ucce-dumplog",
        "jgw1.txt",
        ordinary.as_str(),
    )];
    // `ucce-dumplog-ctisvr` is a CTI Server session trace read by ucce-dumplog.
    let format_of = |bench: &'static str| bench.strip_suffix("-ctisvr").unwrap_or(bench);
    let all = SAMPLES
        .iter()
        .map(|&(f, n, s)| (f, format_of(f), n, s))
        .chain(extra);
    for (bench, format, name, sample) in all {
        let text = corpus(format, sample, 8 << 20);
        group.throughput(Throughput::Bytes(text.len() as u64));
        let ctx = FileContext::new(name);
        group.bench_function(bench, |b| {
            b.iter(|| parse_reader(by_name(format), &ctx, text.as_bytes()).lines);
        });
    }
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
