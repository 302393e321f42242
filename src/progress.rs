//! Progress on stderr: only on a terminal, only once work takes over a
//! second, and only until the report begins. First the bytes read, then
//! each later stage by name (placing the events, merging sorted runs, each
//! rule, as [`uctriage_core::stages::begin`] tells them), so a long run never
//! sits on a finished "reading" bar while it works on.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uctriage_core::stages::News;
use uctriage_engine::Progress;

/// How long work runs before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// The bar of the load under way, which [`clear`] removes.
static ACTIVE: Mutex<Option<Arc<Screen>>> = Mutex::new(None);

/// A byte-counting progress bar that appears after a second of work and
/// names each stage after the reading.
pub struct Bar {
    screen: Arc<Screen>,
}

/// The bar and whether it is on screen; shared with the thread that shows
/// it after [`DELAY`] and with the stage watcher.
struct Screen {
    bar: ProgressBar,
    state: Mutex<State>,
}

enum State {
    /// Not drawn yet; drawn to this target once shown.
    Waiting(ProgressDrawTarget),
    Shown,
    /// Gone for good (or never to be drawn).
    Cleared,
}

impl Bar {
    /// A bar; `quiet` or a non-terminal stderr keeps it hidden for good.
    pub fn new(quiet: bool) -> Bar {
        let enabled = !quiet && std::io::stderr().is_terminal();
        Bar::drawn_to(enabled.then(ProgressDrawTarget::stderr), DELAY)
    }

    /// A bar drawn to `target` (none: never drawn) once `delay` has passed;
    /// it follows the stages and is the one [`clear`] removes.
    fn drawn_to(target: Option<ProgressDrawTarget>, delay: Duration) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(style(
            "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {wide_msg}",
        ));
        let enabled = target.is_some();
        let screen = Arc::new(Screen {
            bar,
            state: Mutex::new(target.map_or(State::Cleared, State::Waiting)),
        });
        if enabled {
            *lock(&ACTIVE) = Some(screen.clone());
            let watcher = screen.clone();
            uctriage_core::stages::watch(Some(Box::new(move |news| match news {
                News::Stage(what) => watcher.stage(what),
                News::Done { events, of } => watcher.done(events, of),
                News::Trouble(what) => watcher.trouble(what),
            })));
            let shower = screen.clone();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                shower.show();
            });
        }
        Bar { screen }
    }

    /// Run `f` (which prints to stderr) with the bar out of its way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.screen.bar.suspend(f)
    }
}

impl Screen {
    /// Draw the bar from now on, unless it was cleared already.
    fn show(&self) {
        let mut state = lock(&self.state);
        match std::mem::replace(&mut *state, State::Shown) {
            State::Waiting(target) => {
                self.bar.set_draw_target(target);
                self.bar.enable_steady_tick(Duration::from_millis(200));
            }
            other => *state = other,
        }
    }

    /// Say that the stage `what` began: its name (the bar's prefix, which
    /// its counts follow) and how long it has run.
    fn stage(&self, what: &str) {
        // In this order, a frame drawn between the steps never shows the
        // new name beside the last stage's counts or a file name.
        self.bar.set_message("");
        self.bar.set_prefix(what.to_string());
        self.bar.reset_elapsed();
        self.bar
            .set_style(style("{spinner} {prefix}{msg} ({elapsed})"));
    }

    /// Say how many events the current stage is through, of how many.
    fn done(&self, events: u64, of: Option<u64>) {
        let n = indicatif::HumanCount(events);
        self.bar.set_message(match of {
            Some(total) => format!(": {n} of {} events", indicatif::HumanCount(total)),
            None => format!(": {n} events"),
        });
    }

    /// Print `what` went wrong above the bar, with where the temporary files
    /// go and how to move them (the trouble told is the temporary disk's).
    fn trouble(&self, what: &str) {
        self.bar.suspend(|| {
            eprintln!(
                "uctriage: {what} ({} and run again)",
                crate::commands::temp_folder_hint()
            )
        });
    }

    /// Take the bar off the screen for good.
    fn clear(&self) {
        let mut state = lock(&self.state);
        if !matches!(
            std::mem::replace(&mut *state, State::Cleared),
            State::Cleared
        ) {
            self.bar.finish_and_clear();
        }
    }
}

/// Remove the bar of the load, if any, and stop following stages: the
/// report (or an error) is about to be written.
pub fn clear() {
    let active = lock(&ACTIVE).take();
    if let Some(screen) = active {
        uctriage_core::stages::watch(None);
        screen.clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64, _units: usize) {
        self.screen.bar.set_length(total_bytes);
    }

    fn advance(&self, bytes: u64, path: &str) {
        self.screen.bar.inc(bytes);
        self.screen
            .bar
            .set_message(uctriage_report::printable(path).into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::time::Instant;

    /// A terminal that keeps what is written to each line.
    #[derive(Debug, Default, Clone)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl Recorder {
        fn screen(&self) -> String {
            lock(&self.0).join("\n")
        }
        /// The first line drawn that satisfies `ok`, waiting for it at most 5 s
        /// (other tests of this binary may name stages of their own meanwhile).
        fn line_until(&self, ok: impl Fn(&str) -> bool) -> Option<String> {
            let until = Instant::now() + Duration::from_secs(5);
            loop {
                let found = lock(&self.0).iter().find(|l| ok(l)).cloned();
                if found.is_some() || Instant::now() > until {
                    return found;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        /// Assert that the first line drawn naming `key` (waited for as
        /// [`Recorder::line_until`] does) says `want`.
        fn assert_shows(&self, key: &str, want: &str) {
            let line = self.line_until(|l| l.contains(key));
            assert!(
                line.as_deref().is_some_and(|l| l.contains(want)),
                "{want}: {line:?}"
            );
        }
    }

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            lock(&self.0).push(s.to_string());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            lock(&self.0).push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            lock(&self.0).push(String::new());
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// One test: the bar of a load is one per process.
    #[test]
    fn the_bar_appears_late_names_each_stage_and_goes_when_the_report_begins() {
        // A run done within the delay shows nothing.
        let term = Recorder::default();
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let bar = Bar::drawn_to(Some(target), Duration::from_millis(100));
        bar.start(100, 1);
        bar.advance(100, "f");
        clear();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(term.screen(), "", "a quick run shows no bar");

        let term = Recorder::default();
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let bar = Bar::drawn_to(Some(target), Duration::ZERO);
        bar.start(2 << 20, 1);
        bar.advance(1 << 20, "node1/syslog/CiscoSyslog");
        term.assert_shows("reading", "reading 1.00 MiB/2.00 MiB");
        bar.advance(1 << 20, "node1/syslog/CiscoSyslog");
        uctriage_core::stages::begin(|| "placing the events in time order".into());
        let placing = term.line_until(|l| l.contains("placing"));
        assert!(
            placing.as_deref().is_some_and(
                |l| l.contains("placing the events in time order (") && !l.contains("reading")
            ),
            "{placing:?}"
        );
        uctriage_core::stages::begin(|| "correlating: rule impact (3 of 9)".into());
        term.assert_shows("rule impact", "correlating: rule impact (3 of 9)");
        // A report written to a file: the bar says so, and counts.
        let dir = tempfile::tempdir().unwrap();
        let args = crate::args::OutputArgs {
            output: Some(dir.path().join("report.txt")),
        };
        let mut out = crate::output::Output::open(&args, crate::args::ColorWhen::Never).unwrap();
        std::io::Write::write_all(&mut out, b"first line\n").unwrap();
        let writing = term.line_until(|l| l.contains("writing the report"));
        assert!(writing.is_some(), "{}", term.screen());
        uctriage_core::stages::done(65_536, Some(842_024));
        term.assert_shows("65,536", "writing the report: 65,536 of 842,024 events");
        // The report is done: the bar goes, and later stages draw nothing.
        out.finish().unwrap();
        assert_eq!(lock(&term.0).last().map(String::as_str), Some(""));
        let seen = term.screen().len();
        uctriage_core::stages::begin(|| "a stage after the report began".into());
        std::thread::sleep(Duration::from_millis(300));
        assert!(!term.screen()[seen..].contains("after the report"));
    }
}
