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
    no_transparent_huge_pages();
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

/// Opt this process out of transparent huge pages (Linux only).
///
/// mimalloc asks for huge pages on its large regions. A run is short and
/// touches each page of its buffers about once, so it gains little from
/// them, while a huge page costs the most exactly where a one-shot run
/// starts: in a VM that returns free memory to its host (virtio-balloon free
/// page reporting), faulting in 2 MiB pages the host took back made a run on
/// a 500 MB collection 20-25 % slower whenever the machine had been idle or
/// busy with another program for a few seconds (bench/RESULTS.md, seventh
/// session). Back-to-back runs lose about 5 % without them.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag
    // on this process; a kernel without it returns an error, ignored here.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
