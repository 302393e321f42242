//! The server's log: one line per event on stderr, with a UTC time.
//!
//! Nothing secret is ever passed here: requests are logged by method, path
//! (never the query, which may carry search text) and status; tokens,
//! cookies, passwords and headers never are. A test reads the whole log of a
//! run to prove it.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Log only warnings from now on.
pub fn quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

fn line(level: &str, msg: &str) {
    let now = uctriage_core::jiff::Timestamp::now();
    eprintln!("{} {level} {msg}", now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"));
}

/// Something worth knowing.
pub fn info(msg: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        line("info", msg);
    }
}

/// Something wrong.
pub fn warn(msg: &str) {
    line("warn", msg);
}

/// Always printed, even with `--quiet` (where the server listens, its last words).
pub fn notice(msg: &str) {
    line("info", msg);
}
