//! Mine a file of one message per line and print each line's template id,
//! or with `--templates` the templates; `--threads N`. For bench/templates.sh.

use std::io::{BufRead, Write};
use uctriage_templates::{mine_par, Config, Seen};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: mine FILE [--templates] [--threads N]");
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let mut lines = Vec::new();
    let mut r = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut buf = Vec::new();
    while r.read_until(b'\n', &mut buf).unwrap() > 0 {
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        lines.push(std::mem::take(&mut buf));
    }
    let mut cfg = Config::default();
    if let Ok(v) = std::env::var("TPL_SIM") {
        cfg.similarity = v.parse().unwrap();
    }
    if let Ok(v) = std::env::var("TPL_FEW") {
        cfg.few_values = v.parse().unwrap();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let (t, cpu) = (std::time::Instant::now(), cpu_seconds());
    let (mined, of) =
        pool.install(|| mine_par(cfg, &lines, 1 << 16, |l| (l.as_slice(), Seen::default())));
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    // Lines per second per core: per CPU second of the process, which a
    // machine shared with other work does not distort.
    eprintln!(
        "{} lines, {} templates, {:.3} s wall, {:.3} s cpu, {:.0} lines/s/core",
        lines.len(),
        mined.templates.len(),
        secs,
        cpu,
        lines.len() as f64 / cpu
    );
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    if args.iter().any(|a| a == "--templates") {
        for t in &mined.templates {
            writeln!(out, "{}\t{}\t{}", t.id, t.count, t.template).unwrap();
        }
    } else {
        for i in of {
            writeln!(out, "{}", mined.templates[i as usize].id).unwrap();
        }
    }
}

/// CPU seconds the process has used (all threads).
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}
