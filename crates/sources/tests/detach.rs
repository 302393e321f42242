//! Members detached from an archive read exactly as they read in place.

mod common;

use common::{gz, recorder, Member};
use std::path::Path;
use uctriage_sources::{plan, read_unit, read_unit_detaching, Detached, Limits, SourceProblem};

/// A tar.gz with plain, gzipped, truncated-gzip and escaping members.
fn collection(dir: &Path) -> std::path::PathBuf {
    let mut tar = tar::Builder::new(Vec::new());
    let good = gz(&b"sdl line\n".repeat(1000));
    let cut = &good[..good.len() / 2];
    let members: [(&str, &[u8]); 4] = [
        ("node1/syslog/CiscoSyslog", b"plain\n"),
        ("node1/sdl/SDL001_100_000001.txt.gz", &good),
        ("node1/sdl/SDL001_100_000002.txt.gz", cut),
        ("node2/../../../etc/evil.txt", b"x\n"),
    ];
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        // `append_data` refuses `..`: the name goes into the header as is.
        h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        tar.append(&h, data).unwrap();
    }
    let path = dir.join("collection.tgz");
    std::fs::write(&path, gz(&tar.into_inner().unwrap())).unwrap();
    path
}

/// Every file's path and bytes (or read error), then every problem, in order.
type Reading = (Vec<Member>, Vec<SourceProblem>);

fn in_place(path: &Path) -> Reading {
    let (units, _) = plan(&[path.to_path_buf()]);
    let mut seen = Vec::new();
    let problems = read_unit(&units[0], &Limits::default(), &mut recorder(&mut seen));
    (seen, problems)
}

/// Every member detached, then read one after the other, its problems put
/// after the unit's problems met before it.
fn all_detached(path: &Path) -> (Reading, usize) {
    let (units, _) = plan(&[path.to_path_buf()]);
    let mut taken: Vec<Detached> = Vec::new();
    let mut ignored = Vec::new();
    let mut visit_here = recorder(&mut ignored);
    let unit_problems = read_unit_detaching(
        &units[0],
        &Limits::default(),
        &mut visit_here,
        &|_| {},
        Some(&mut |m| {
            taken.push(m);
            None
        }),
    );
    drop(visit_here);
    assert!(ignored.is_empty(), "every member was offered");
    let count = taken.len();
    let (mut seen, mut problems) = (Vec::new(), Vec::new());
    let mut rest = unit_problems.into_iter();
    let mut before = 0;
    for m in taken {
        problems.extend(rest.by_ref().take(m.problems_before() - before));
        before = m.problems_before();
        problems.extend(m.read(&Limits::default(), &mut recorder(&mut seen)));
    }
    problems.extend(rest);
    ((seen, problems), count)
}

#[test]
fn detached_members_give_the_same_files_bytes_and_problems_as_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = collection(dir.path());
    let (here, problems_here) = in_place(&path);
    let ((detached, problems_detached), count) = all_detached(&path);
    assert_eq!(count, 4);
    assert_eq!(here, detached);
    assert_eq!(problems_here, problems_detached);
    // The reading is a real one: the cut gzip and the escaping name show.
    assert!(problems_here
        .iter()
        .any(|p| p.path.ends_with("etc/evil.txt")));
    assert!(here.iter().any(|(_, r)| r.is_err()), "{here:?}");
}

#[test]
fn a_member_handed_back_is_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = collection(dir.path());
    let (units, _) = plan(&[path.to_path_buf()]);
    let mut seen = Vec::new();
    let problems = read_unit_detaching(
        &units[0],
        &Limits::default(),
        &mut recorder(&mut seen),
        &|_| {},
        Some(&mut Some),
    );
    assert_eq!((seen, problems), in_place(&path));
}
