//! Lines whose time cannot be placed on the timeline (a date that does not
//! exist, a year out of range, a month and day or a time of day with no
//! date anywhere): each file says where (the first few lines, then a
//! count), and the bundle gets one note, so they never vanish in silence.

use crate::resolve::{Basis, DateFallback};
use uctriage_core::{Problem, RawTime};

/// Lines of one file quoted with their line number; the rest are counted.
const QUOTED_PER_FILE: usize = 5;

/// The unplaceable lines of one file.
#[derive(Default)]
pub(crate) struct FileUnplaced {
    count: u64,
    quoted: Vec<(u64, String)>,
    /// No year or no date at all (so `--date` would place them).
    dateless: u64,
}

impl FileUnplaced {
    /// `n` lines like the one at `line` cannot be placed, for `why`.
    pub fn add(&mut self, line: u64, why: Why, n: u64) {
        self.count += n;
        if why.dateless {
            self.dateless += n;
        }
        if self.quoted.len() < QUOTED_PER_FILE {
            self.quoted.push((line, why.text));
        }
    }

    /// Put the file's problems: the quoted lines, then the total.
    pub fn report(self, problems: &mut Vec<Problem>) {
        let total = self.count;
        for (line, why) in self.quoted {
            problems.push(Problem::at(
                line,
                format!("no time on the timeline for this line: {why}"),
            ));
        }
        if total as usize > QUOTED_PER_FILE {
            problems.push(Problem::file(format!(
                "{total} lines in all have a time that cannot be placed (listed only by `timeline --all`)"
            )));
        }
    }
}

/// The unplaceable lines of the whole bundle.
#[derive(Default)]
pub(crate) struct Unplaced {
    count: u64,
    dateless: u64,
    files: usize,
}

impl Unplaced {
    pub fn add(&mut self, f: &FileUnplaced) {
        self.count += f.count;
        self.dateless += f.dateless;
        self.files += usize::from(f.count > 0);
    }

    /// The bundle's note, when any line could not be placed.
    pub fn note(&self, dated: bool) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let files = if self.files == 1 { "file" } else { "files" };
        let mut note = format!(
            "{} lines of {} {files} have a time that cannot be placed and are left out of the timeline (see `uctriage files`; `timeline --all` lists them)",
            self.count, self.files
        );
        if !dated && self.dateless > 0 {
            note.push_str(&format!(
                "; {} of them carry no year or no date and nothing else in the bundle is dated: pass --date YYYY-MM-DD",
                self.dateless
            ));
        }
        Some(note)
    }
}

/// Why a time could not be placed.
pub(crate) struct Why {
    text: String,
    dateless: bool,
}

/// Why `raw`, resolved on `basis`, has no instant.
pub(crate) fn why_unplaced(raw: &RawTime, basis: Basis, fallback: Option<DateFallback>) -> Why {
    let dateless = matches!(raw, RawTime::LocalNoYear { .. } | RawTime::TimeOfDay(_));
    let text = match (raw, fallback) {
        (RawTime::LocalNoYear { month, day, .. }, Some(fb)) => format!(
            "month {month} day {day} exists in no year near {} (the date the bundle gives it)",
            fb.date
        ),
        (RawTime::WithOffset(dt, _, _), _) | (RawTime::Local(dt, _), _)
            if dt.year() >= 9999 || dt.year() <= -9999 =>
        {
            let off = match raw {
                RawTime::WithOffset(_, off, _) => format!(" at offset {off}"),
                _ => String::new(),
            };
            format!("{dt}{off} is beyond the last representable instant (year 9999)")
        }
        _ => match basis {
            Basis::Undated(why) => why.to_string(),
            _ => "the stated time is out of range".to_string(),
        },
    };
    Why { text, dateless }
}
