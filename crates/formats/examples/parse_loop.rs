//! Profiling and differential-check helper for the line parsers.
//!
//! `parse_loop <format> <file> [MB] [N]`: parse `file` (repeated to about `MB`
//! megabytes) `N` times, for instruction counts and profiles.
//! `parse_loop dump <format> <file>...`: print everything each file yields
//! (events, facts, problems, counts), to compare two builds byte for byte.

use uctriage_formats::{by_name, parse_reader, FileContext};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args[1] == "dump" {
        for path in &args[3..] {
            let bytes = std::fs::read(path).unwrap();
            let ctx = FileContext::new(path);
            println!("{:#?}", parse_reader(by_name(&args[2]), &ctx, &bytes[..]));
        }
        return;
    }
    let (format, path) = (&args[1], &args[2]);
    let mb: usize = args.get(3).map_or(8, |s| s.parse().unwrap());
    let n: usize = args.get(4).map_or(1, |s| s.parse().unwrap());
    let sample = std::fs::read_to_string(path).unwrap();
    let mut text = String::new();
    while text.len() < mb << 20 {
        text.push_str(&sample);
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let ctx = FileContext::new(name);
    let mut sum = (0, 0, 0);
    for _ in 0..n {
        let f = parse_reader(by_name(format), &ctx, text.as_bytes());
        sum.0 += f.lines;
        sum.1 += f.understood;
        sum.2 += f.events.len();
    }
    println!(
        "{} bytes x {n}: lines {} understood {} events {}",
        text.len(),
        sum.0,
        sum.1,
        sum.2
    );
}
