//! `uctriage`: point it at what was collected from a Cisco UC estate and get
//! one merged, time-correct timeline (and, later, an explanation).

mod args;
mod commands;
mod output;
mod progress;

use clap::Parser;
use std::io::Write;

/// mimalloc instead of the system allocator: parsers that build an event per
/// line spend most of their time allocating (2-2.5x less CPU with it, measured
/// on the ucce-dumplog and pdh-csv benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_transparent_huge_pages();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; a closed pipe after them is quiet.
            let code = if e.use_stderr() {
                commands::FAILED
            } else {
                commands::FOUND
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    // Not for the live server: it frees and allocates each batch's messages
    // and events continuously, and purging at once made it fault the same
    // pages back in (bench/serve_profile.sh: 21.0 against 14.9 CPU-us per
    // message, page faults in every thread; its memory is bounded by the
    // intake budget and the correlation window, not by a load's peak).
    // Nor for `timeline`: past the budget it keeps its events on disk, so
    // its peak is bounded anyway, and it allocates and frees each run's
    // buffer and each merged event: purging at once faulted those pages back
    // in (2 GB of dense syslog: 53 s and 16.8 s of system time against 40 s
    // and 5.5 s, peak 168 against 187 MiB; bench/RESULTS.md).
    if !matches!(
        cli.command,
        args::Command::Serve(_) | args::Command::Timeline(_)
    ) {
        purge_freed_memory_at_once();
    }
    let result = commands::run(cli);
    // Whatever stopped the run, nothing more is drawn over what it prints.
    progress::clear();
    let code = match result {
        // Event texts or events that could not be read back from their
        // temporary files were shown as placeholders or are missing: never a
        // silent success.
        Ok(code) => {
            let failures = [
                uctriage_core::text::failure().map(|e| {
                    format!("the temporary file of event texts failed: {e}; texts shown as placeholders")
                }),
                uctriage_spill::failure().map(|e| {
                    format!("the temporary file of events failed: {e}; events are missing from the output")
                }),
            ];
            let mut code = code;
            for failure in failures.into_iter().flatten() {
                let _ = writeln!(std::io::stderr(), "uctriage: {failure}");
                code = code.max(commands::FAILED);
            }
            code
        }
        Err(e) if is_broken_pipe(&e) => commands::FOUND,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "uctriage: {e:#}");
            commands::FAILED
        }
    };
    std::process::exit(code);
}

/// Have mimalloc give freed memory back to the system at once, not 10 ms
/// (100 ms for its arenas) later.
///
/// Normalizing drops each file's parsed events while it builds the merged
/// timeline: with the delay, the freed pages were still counted when the
/// timeline's were touched, and the 300 MB event-dense bench peaked 130 MiB
/// higher (bench/RESULTS.md, issue 20, memory budget). A `MIMALLOC_PURGE_DELAY`
/// set by the user wins.
fn purge_freed_memory_at_once() {
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3 alike: mimalloc keeps
    // deprecated options in the enum so the numbers never move).
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option of the allocator linked in above
        // (libmimalloc-sys); any thread may call it at any time.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
    }
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

/// Whether the error is the reader of our output going away (`| head`):
/// such a run ends quietly, as `cat` and `rg` do.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(reader_went_away)
    })
}

/// Windows reports a closed pipe as raw OS errors that std does not map to
/// `BrokenPipe`: ERROR_NO_DATA (232, "the pipe is being closed") and
/// ERROR_PIPE_NOT_CONNECTED (233). Other systems have no such numbers.
const WINDOWS_PIPE_CLOSED: [i32; 2] = [232, 233];

fn reader_went_away(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || (cfg!(windows)
            && e.raw_os_error()
                .is_some_and(|c| WINDOWS_PIPE_CLOSED.contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_other_errors_are_not() {
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing the timeline");
        assert!(is_broken_pipe(&pipe));
        let denied = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&denied));
        for code in WINDOWS_PIPE_CLOSED {
            let e = anyhow::Error::new(std::io::Error::from_raw_os_error(code));
            assert_eq!(is_broken_pipe(&e), cfg!(windows), "os error {code}");
        }
    }
}
