//! `uctriage`: point it at what was collected from a Cisco UC estate and get
//! one merged, time-correct timeline (and, later, an explanation).

mod args;
mod commands;
mod progress;

use clap::Parser;

/// mimalloc instead of the system allocator: parsers that build an event per
/// line spend most of their time allocating (2-2.5x less CPU with it, measured
/// on the ucce-dumplog and pdh-csv benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = args::Cli::parse();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                0
            } else {
                eprintln!("uctriage: {e:#}");
                2
            }
        }
    };
    std::process::exit(code);
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
