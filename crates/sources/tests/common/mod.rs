//! Helpers shared by the sources tests.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{BufRead, Write};
use std::path::Path;
use uctriage_sources::{plan, read_unit, Limits, SourceProblem};

/// A member's path and its bytes, or the error that stopped reading it.
pub type Member = (String, Result<Vec<u8>, String>);

/// `data` gzipped.
pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A visitor that records every file it is handed into `seen`.
pub fn recorder(seen: &mut Vec<Member>) -> impl FnMut(&str, &mut dyn BufRead) + '_ {
    |path, r| {
        let mut buf = Vec::new();
        let res = r
            .read_to_end(&mut buf)
            .map(|_| buf)
            .map_err(|e| e.to_string());
        seen.push((path.to_string(), res));
    }
}

/// Read everything under `input`, returning its members and the problems.
#[allow(dead_code)] // not every test file uses every helper
pub fn read_all(input: &Path, limits: &Limits) -> (Vec<Member>, Vec<SourceProblem>) {
    let (units, mut problems) = plan(&[input.to_path_buf()]);
    let mut seen = Vec::new();
    for unit in &units {
        problems.extend(read_unit(unit, limits, &mut recorder(&mut seen)));
    }
    (seen, problems)
}

/// The bytes of the one file under `dir`, read until the end or the first
/// error, and that error.
#[allow(dead_code)]
pub fn read_until_error(dir: &Path) -> (Vec<u8>, Option<String>) {
    let (units, _) = plan(&[dir.to_path_buf()]);
    let (mut got, mut err) = (Vec::new(), None);
    read_unit(&units[0], &Limits::default(), &mut |_, r| {
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break err = Some(e.to_string()),
            }
        }
    });
    (got, err)
}

/// Whether `problems` has one for `path` whose message starts with `start`.
#[allow(dead_code)]
pub fn said(problems: &[SourceProblem], path: &str, start: &str) -> bool {
    problems
        .iter()
        .any(|p| p.path == path && p.message.starts_with(start))
}
