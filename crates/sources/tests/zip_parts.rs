//! A large zip (an RTMT download zipped for TAC) is read by every core: it is
//! planned as several units, which together read exactly what the whole zip
//! holds, in the same order.

use std::io::Write;
use std::path::Path;
use uctriage_sources::{plan, read_unit, Limits, Unit};

/// Incompressible bytes (a small LCG), so the zip is as large as its text.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

fn write_zip(path: &Path, members: usize, member_bytes: usize) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..members {
        w.start_file(format!("node{}/SDL001_100_{i:06}.txt", i % 3), opts)
            .unwrap();
        w.write_all(&noise(i as u64, member_bytes)).unwrap();
    }
    w.finish().unwrap();
}

fn read(units: &[Unit]) -> Vec<(String, usize, u64)> {
    let mut seen = Vec::new();
    for unit in units {
        let problems = read_unit(unit, &Limits::default(), &mut |path, r| {
            let mut buf = Vec::new();
            r.read_to_end(&mut buf).unwrap();
            let sum = buf.iter().map(|&b| b as u64).sum();
            seen.push((path.to_string(), buf.len(), sum));
        });
        assert!(problems.is_empty(), "{problems:?}");
    }
    seen
}

#[test]
fn a_large_zip_is_read_in_parts_that_add_up_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("collection.zip");
    write_zip(&zip, 40, 1 << 20);
    let (units, problems) = plan(std::slice::from_ref(&zip));
    assert!(problems.is_empty());
    assert!(units.len() >= 2, "40 MiB of members: several units");
    let on_disk = std::fs::metadata(&zip).unwrap().len();
    let planned: u64 = units.iter().map(Unit::disk_bytes).sum();
    assert!(planned <= on_disk && planned >= 40 << 20);

    let whole = read(&[Unit::file(zip.clone(), "collection.zip".into())]);
    assert_eq!(whole.len(), 40);
    assert_eq!(read(&units), whole, "same members, same bytes, same order");
}

#[test]
fn a_small_zip_stays_one_unit() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("small.zip");
    write_zip(&zip, 10, 1 << 10);
    let (units, _) = plan(std::slice::from_ref(&zip));
    assert_eq!(units.len(), 1);
    assert!(units[0].part.is_none());
}
