//! Where a command's report goes (stdout, or `-o FILE`) and how its text is
//! laid out there: colour on or off, the width prose is wrapped to.

use crate::args::{ColorWhen, OutputArgs};
use anyhow::Result;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use uctriage_report::TextLayout;

/// Width prose is wrapped to when the output is not a terminal and `COLUMNS`
/// says nothing: the old fixed width of the reports.
const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, a hanging indent leaves no room for words.
const MIN_WIDTH: usize = 40;

/// An open report: write to it, then [`Output::finish`].
pub struct Output {
    writer: Box<dyn Write>,
    /// A `-o FILE` report is written beside its target and renamed over it
    /// at the end, so a failed run never leaves half a report.
    pending: Option<(tempfile::NamedTempFile, PathBuf)>,
    /// How text renderers lay out for this destination.
    pub layout: TextLayout,
    /// Something was written (the progress bar is gone, or says so).
    begun: bool,
    /// The report goes to a regular file: the progress bar says it is being
    /// written until it is done. Anywhere else (the terminal, a pipe to a
    /// pager or to grep, which print to the terminal) the bar goes when the
    /// report begins, so it is never drawn over what they show.
    to_file: bool,
}

impl Output {
    /// Open the destination `out` names, deciding colour and width for it.
    /// A file is created (empty, hidden, beside its target) at once, so an
    /// unwritable path fails before any work is done.
    pub fn open(out: &OutputArgs, color: ColorWhen) -> Result<Output> {
        match out.output.as_deref().filter(|p| *p != Path::new("-")) {
            None => {
                let stdout = io::stdout();
                let width = terminal_width(&stdout).unwrap_or_else(columns_or_default);
                let to_file = stdout_is_file(&stdout);
                let (writer, color) = styled(stdout.lock(), color);
                Ok(Output {
                    writer,
                    pending: None,
                    layout: TextLayout { width, color },
                    begun: false,
                    to_file,
                })
            }
            Some(path) => {
                let to_file = !is_special(path);
                let (file, pending) = if !to_file {
                    // A device or a pipe (`-o /dev/null`, a FIFO a reader
                    // waits on) is written in place: renamed over,
                    // /dev/null became a regular file when run as root.
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|e| cannot_write(path, &e))?;
                    (file, None)
                } else {
                    let dir = match path.parent() {
                        Some(d) if !d.as_os_str().is_empty() => d,
                        _ => Path::new("."),
                    };
                    let tmp = tempfile::Builder::new()
                        .prefix(".uctriage-")
                        .suffix(".part")
                        .tempfile_in(dir)
                        .map_err(|e| cannot_write(path, &e))?;
                    (tmp.reopen()?, Some((tmp, path.to_path_buf())))
                };
                let (writer, color) = styled(file, color);
                Ok(Output {
                    writer,
                    pending,
                    layout: TextLayout {
                        width: columns_or_default(),
                        color,
                    },
                    begun: false,
                    to_file,
                })
            }
        }
    }

    /// The report begins: the progress bar, if any, is taken off the
    /// terminal the report is shown on, or says the report is being written.
    fn begin(&mut self) {
        if !self.begun {
            self.begun = true;
            match self.to_file {
                true => uctriage_core::stages::begin(|| "writing the report".into()),
                false => crate::progress::clear(),
            }
        }
    }

    /// Flush everything; a file report replaces its target only now.
    pub fn finish(mut self) -> Result<()> {
        crate::progress::clear();
        self.writer.flush()?;
        drop(self.writer);
        if let Some((tmp, path)) = self.pending.take() {
            tmp.persist(&path)
                .map_err(|e| cannot_write(&path, &e.error))?;
        }
        Ok(())
    }
}

/// The report begins with its first byte ([`Output::begin`]: the progress
/// bar goes, or says the report is being written).
impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.begin();
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.begin();
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Whether stdout is a regular file (`> report.txt`), not a terminal or a pipe.
fn stdout_is_file(stdout: &io::Stdout) -> bool {
    #[cfg(unix)]
    let handle = std::os::fd::AsFd::as_fd(stdout).try_clone_to_owned();
    #[cfg(windows)]
    let handle = std::os::windows::io::AsHandle::as_handle(stdout).try_clone_to_owned();
    #[cfg(not(any(unix, windows)))]
    let handle: io::Result<std::fs::File> = Err(io::ErrorKind::Unsupported.into());
    handle
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.is_file())
}

/// Whether `path` names something that is neither a regular file nor a
/// folder (a device, a named pipe, a socket), through any symbolic link.
/// On Windows, whether `NUL` and the like read so is not confirmed here.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// "cannot write FILE: why", without the hidden temporary file's name that
/// tempfile adds to its errors.
fn cannot_write(path: &Path, e: &io::Error) -> anyhow::Error {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let why = match dir {
        Some(d) if !d.is_dir() => format!("no folder {}", d.display()),
        _ => io::Error::from(e.kind()).to_string(),
    };
    anyhow::anyhow!("cannot write {}: {why}", path.display())
}

/// The writer, and whether the renderers should colour. Without colour the
/// bytes go straight through (no escape-code stripping on large timelines);
/// with it, anstream turns escape codes into console calls on old Windows
/// consoles and enables them on new ones.
fn styled<S>(raw: S, when: ColorWhen) -> (Box<dyn Write>, bool)
where
    S: anstream::stream::RawStream + anstream::stream::AsLockedWrite + 'static,
{
    let on = match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => anstream::AutoStream::choice(&raw) != anstream::ColorChoice::Never,
    };
    if on {
        let colored = anstream::AutoStream::always(raw);
        (Box::new(io::BufWriter::new(colored)), true)
    } else {
        (Box::new(io::BufWriter::new(raw)), false)
    }
}

/// The terminal's width, when stdout is one.
fn terminal_width(stdout: &io::Stdout) -> Option<usize> {
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(stdout).map(|(w, _)| usize::from(w.0).max(MIN_WIDTH))
}

/// `COLUMNS` when set to a number, else the default width.
fn columns_or_default() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .map_or(DEFAULT_WIDTH, |w| w.max(MIN_WIDTH))
}
