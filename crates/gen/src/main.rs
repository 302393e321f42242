//! `uctriage-gen --out DIR --size 1GB [--nodes 4] [--seed 42] [--gz-ratio 0.7]`

use anyhow::Result;
use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;

/// Write a synthetic RTMT-style CUCM trace collection with one injected
/// incident (DIR/collection) and its ground truth (DIR/ground_truth.json).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Output folder
    #[arg(long)]
    out: PathBuf,
    /// Target size on disk (`1GB`, `500MB`, `20MB`)
    #[arg(long, default_value = "1GB")]
    size: String,
    /// CUCM nodes: one publisher, the rest subscribers
    #[arg(long, default_value_t = 4)]
    nodes: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of SDL files gzipped (the rest are plain .txt)
    #[arg(long, default_value_t = 0.7)]
    gz_ratio: f64,
    /// Olson zone of the site
    #[arg(long, default_value = "Europe/Berlin")]
    zone: String,
    /// Host name prefix (`fra` → fracucmpub, fracucmsub1, ...)
    #[arg(long, default_value = "fra")]
    site: String,
    #[arg(long, default_value = "uc.example.net")]
    domain: String,
    /// Local date of the incident (traces start 22:30 the evening before)
    #[arg(long, default_value = "2024-11-14")]
    date: jiff::civil::Date,
    /// SDL files roll at this uncompressed size
    #[arg(long, default_value = "20MB")]
    roll: String,
    /// Close every gzipped file (no open `.gzo`)
    #[arg(long)]
    no_gzo: bool,
    /// Worker threads (default: all cores)
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// What to write: an RTMT-style collection with ground truth, or (for
    /// memory and speed benchmarks) event-dense CiscoSyslog of a large
    /// cluster with one incident, or plain timestamped application logs,
    /// one file per node under OUT
    #[arg(long, value_enum, default_value_t = GenMode::Collection)]
    mode: GenMode,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GenMode {
    Collection,
    DenseSyslog,
    GenericLog,
}

fn main() -> Result<()> {
    let a = Args::parse();
    if a.mode != GenMode::Collection {
        let mode = match a.mode {
            GenMode::DenseSyslog => uctriage_gen::Mode::DenseSyslog,
            _ => uctriage_gen::Mode::GenericLog,
        };
        let t0 = Instant::now();
        let size = uctriage_gen::parse_size(&a.size)?;
        let s = uctriage_gen::write_dense(&a.out, mode, size, a.nodes, a.seed, a.date)?;
        eprintln!(
            "wrote {} files under {}: {} lines, {:.1} MiB in {:.1}s",
            s.files.len(),
            a.out.display(),
            s.lines,
            s.bytes as f64 / (1 << 20) as f64,
            t0.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let cfg = uctriage_gen::Config {
        out: a.out,
        size: uctriage_gen::parse_size(&a.size)?,
        nodes: a.nodes,
        seed: a.seed,
        gz_ratio: a.gz_ratio,
        zone: a.zone,
        site: a.site,
        domain: a.domain,
        date: a.date,
        roll_bytes: uctriage_gen::parse_size(&a.roll)?,
        gzo: !a.no_gzo,
        threads: a.threads,
        ..Default::default()
    };
    let t0 = Instant::now();
    let s = uctriage_gen::generate(&cfg)?;
    let mb = |b: u64| b as f64 / (1 << 20) as f64;
    eprintln!(
        "wrote {} ({} files, {} gzipped): {:.1} MiB on disk; SDL {} lines, {:.1} MiB uncompressed ({:.1} MiB of it gzipped) in {:.1}s",
        s.collection.display(),
        s.files,
        s.gz_files,
        mb(s.disk_bytes),
        s.sdl_lines,
        mb(s.sdl_raw_bytes),
        mb(s.sdl_gz_raw_bytes),
        t0.elapsed().as_secs_f64()
    );
    eprintln!("ground truth: {}", s.ground_truth_path.display());
    println!("{}", serde_json::to_string_pretty(&s.truth.to_json())?);
    Ok(())
}
