//! Helpers shared by the sources tests.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{BufRead, Write};

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
