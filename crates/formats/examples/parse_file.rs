//! Parse one file with a named format, a number of times, for profiling
//! (`perf stat`, `perf record`, cachegrind) without criterion's timing loop.
//!
//! `cargo run --release -p uctriage-formats --example parse_file -- FORMAT FILE [REPEAT]`
//!
//! With `PARSE_FILE_DUMP=1` every event, fact and problem of the last parse is
//! printed (`{:?}`), to compare the output of two versions of a parser.

use uctriage_formats::{by_name, parse_reader, FileContext};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, format, path, rest @ ..] = args.as_slice() else {
        eprintln!("usage: parse_file FORMAT FILE [REPEAT]");
        std::process::exit(2);
    };
    let repeat: usize = rest.first().map_or(1, |r| r.parse().expect("REPEAT"));
    let text = std::fs::read(path).expect("read FILE");
    let name = path.rsplit('/').next().unwrap_or(path);
    let ctx = FileContext::new(name);
    let dump = std::env::var_os("PARSE_FILE_DUMP").is_some();
    for i in 0..repeat {
        let f = parse_reader(by_name(format), &ctx, text.as_slice());
        if dump && i + 1 == repeat {
            f.events.iter().for_each(|e| println!("{e:?}"));
            f.facts.iter().for_each(|x| println!("{x:?}"));
            f.problems.iter().for_each(|p| println!("{p:?}"));
        }
        println!(
            "{} lines, {} understood, {} events, {} problems (+{} dropped)",
            f.lines,
            f.understood,
            f.events.len(),
            f.problems.len(),
            f.problems_dropped
        );
    }
}
