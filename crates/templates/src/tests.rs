use super::*;

fn lines() -> Vec<String> {
    let mut v = Vec::new();
    for i in 0..300 {
        v.push(format!(
            "Invalid user u{} from 10.0.{}.{}",
            i % 7,
            i % 3,
            i % 250
        ));
        v.push(format!(
            "Accepted password for root from 10.1.1.{} port {} ssh2",
            i % 200,
            40000 + i
        ));
        v.push(format!(
            "Failed password for root from 10.1.1.{} port {} ssh2",
            i % 200,
            40000 + i
        ));
        if i % 10 == 0 {
            v.push(format!(
                "session closed for user {}",
                ["alice", "bob", "carol", "dave", "erin"][(i / 10) % 5]
            ));
        }
    }
    v
}

fn templates(cfg: Config, threads: usize, chunk: usize) -> (Vec<Template>, Vec<u32>) {
    let ls = lines();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let (m, of) = pool.install(|| mine_par(cfg, &ls, chunk, |l| (l.as_bytes(), Seen::default())));
    (m.templates, of)
}

#[test]
fn groups_by_constant_words_and_masks_the_rest() {
    let (t, of) = templates(Config::default(), 1, 1 << 20);
    let texts: Vec<&str> = t.iter().map(|t| t.template.as_str()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(texts.contains(&"Invalid user <*> from <*>"));
    assert!(texts.contains(&"Accepted password for root from <*> port <*> ssh2"));
    assert!(texts.contains(&"Failed password for root from <*> port <*> ssh2"));
    assert!(texts.contains(&"session closed for user <*>"));
    assert_eq!(t[0].count, 300);
    assert_eq!(of.len(), lines().len());
    assert_eq!(t[of[0] as usize].template, "Invalid user <*> from <*>");
}

#[test]
fn one_thread_and_many_give_the_same_templates() {
    let one = templates(Config::default(), 1, 1 << 20);
    let many = templates(Config::default(), 4, 37);
    assert_eq!(one, many);
}

#[test]
fn the_template_cap_merges_the_rarest_and_says_so() {
    let cfg = Config {
        max_templates: 2,
        ..Config::default()
    };
    let ls = lines();
    let (m, _) = mine_par(cfg, &ls, 100, |l| (l.as_bytes(), Seen::default()));
    assert_eq!(m.templates.len(), 2);
    assert_eq!(m.templates[1].template, "<*>");
    assert_eq!(
        m.templates.iter().map(|t| t.count).sum::<u64>(),
        ls.len() as u64
    );
    assert!(
        m.notes.iter().any(|n| n.contains("catch-all")),
        "{:?}",
        m.notes
    );
}

#[test]
fn the_signature_cap_bounds_memory_and_says_so() {
    let cfg = Config {
        max_signatures: 3,
        ..Config::default()
    };
    let mut m = Miner::new(cfg);
    for i in 0..1000 {
        m.add(
            format!("w{} alpha{} beta", "x".repeat(i % 50), "y".repeat(i % 30)).as_bytes(),
            Seen::default(),
        );
    }
    assert!(m.signatures() <= 2 * 3 + 3);
    let mined = m.finish();
    assert_eq!(mined.templates.iter().map(|t| t.count).sum::<u64>(), 1000);
    assert!(mined
        .notes
        .iter()
        .any(|n| n.contains("cap of 3 distinct signatures")));
}

#[test]
fn hosts_times_and_examples_are_kept() {
    let mut m = Miner::new(Config::default());
    m.add(
        b"disk 1 full",
        Seen {
            time: Some(50),
            host: Some("b"),
            ..Seen::default()
        },
    );
    m.add(
        b"disk 2 full",
        Seen {
            time: Some(10),
            host: Some("a"),
            ..Seen::default()
        },
    );
    m.add(
        b"disk 3 full",
        Seen {
            time: None,
            host: Some("b"),
            ..Seen::default()
        },
    );
    let t = &m.finish().templates[0];
    assert_eq!((t.first, t.last, t.count), (Some(10), Some(50), 3));
    assert_eq!(t.hosts, ["a", "b"]);
    assert_eq!(t.example, "disk 1 full");
}

#[test]
fn binary_huge_and_invalid_lines_are_mined_without_panic() {
    let mut m = Miner::new(Config::default());
    m.add(b"\x00\x01\xff\xfe binary \x00", Seen::default());
    m.add(&vec![b'a'; 1 << 20], Seen::default());
    m.add(&[0xe2, 0x82], Seen::default());
    m.add(b"", Seen::default());
    let mined = m.finish();
    assert_eq!(mined.templates.iter().map(|t| t.count).sum::<u64>(), 4);
    assert!(mined
        .templates
        .iter()
        .all(|t| t.example.len() <= MAX_EXAMPLE_BYTES + 8));
    assert!(
        mined
            .notes
            .iter()
            .any(|n| n.contains("2 lines were not text")),
        "{:?}",
        mined.notes
    );
}

#[test]
fn a_position_with_few_plain_words_splits_the_group() {
    let mut m = Miner::new(Config::default());
    for i in 0..40 {
        let end = if i % 2 == 0 { "Begin" } else { "End" };
        m.add(
            format!("{i:08}@2016/9/28:16:00:46.635 PopulateKey - {end}").as_bytes(),
            Seen::default(),
        );
    }
    let mined = m.finish();
    let texts: Vec<&str> = mined
        .templates
        .iter()
        .map(|t| t.template.as_str())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.contains(&"<*>@<*>/<*>/<*>:<*>:<*>:<*>.<*> PopulateKey - Begin"));
}

#[test]
fn the_earliest_example_wins_however_the_input_is_merged() {
    let at = |file, line| Seen {
        rank: (file, line),
        ..Seen::default()
    };
    let (mut a, mut b) = (Miner::new(Config::default()), Miner::new(Config::default()));
    a.add(b"disk 7 full", at(2, 1));
    b.add(b"disk 8 full", at(1, 9));
    b.add(b"disk 9 full", at(1, 3));
    let mut ab = Miner::new(Config::default());
    ab.merge(a);
    ab.merge(b);
    let t = &ab.finish().templates[0];
    assert_eq!((t.example.as_str(), t.count), ("disk 9 full", 3));
}

#[test]
fn merging_past_the_signature_cap_groups_coarsely_and_says_so() {
    let cfg = Config {
        max_signatures: 2,
        ..Config::default()
    };
    let mut all = Miner::new(cfg);
    for w in ["alpha", "beta", "gamma", "delta"] {
        let mut m = Miner::new(cfg);
        m.add(format!("start {w} now").as_bytes(), Seen::default());
        all.merge(m);
    }
    assert!(all.signatures() <= 3, "{}", all.signatures());
    let mined = all.finish();
    assert_eq!(mined.templates.iter().map(|t| t.count).sum::<u64>(), 4);
    assert!(
        mined
            .notes
            .iter()
            .any(|n| n.contains("2 lines came after the cap")),
        "{:?}",
        mined.notes
    );
}
