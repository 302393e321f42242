//! Tests of the PDH-CSV parser.

use crate::{by_name, parse_reader, FileContext};
use uctriage_core::{Fact, RawTime};

fn parse(text: &str) -> crate::ParsedFile {
    parse_reader(
        by_name("pdh-csv"),
        &FileContext::new("x.csv"),
        text.as_bytes(),
    )
}

#[test]
fn esxtop_blog_header_and_rows_are_utc() {
    let text = "\"(PDH-CSV 4.0) (UTC)(0)\",\"\\\\local\\Memory\\Memory Overcommit (1 Minute Avg)\",\"\\\\local\\Virtual Disk(SQL01 (104c07ff-3663-44fb-9d89-a563c801611c):scsi0:1)\\Reads/sec\"\n\"12/11/2012 20:20:06\",\"418.35\",\"90.91\"\n\"12/11/2012 20:20:10\",\"481.29\",\"120.69\"\n";
    let f = parse(text);
    assert_eq!((f.lines, f.understood, f.events.len()), (3, 3, 2));
    let RawTime::WithOffset(dt, off, _) = f.events[0].time else {
        panic!()
    };
    assert_eq!(
        (dt.to_string().as_str(), off.seconds()),
        ("2012-12-11T20:20:06", 0)
    );
    assert_eq!(
        f.events[1].fields
            ["Virtual Disk(SQL01 (104c07ff-3663-44fb-9d89-a563c801611c):scsi0:1)\\Reads/sec"],
        "120.69"
    );
    assert!(f.events[0].host.is_none(), "`local` is not a host name");
}

#[test]
fn perfmon_bias_gives_the_offset_and_the_host_is_stated() {
    let text = "\"(PDH-CSV 4.0) (Central Daylight Time)(300)\",\"\\\\nodeB\\Processor(_Total)\\% CPU Time\"\n\"07/12/2019 12:00:00.000\",\"99.5\"\n\"07/12/2019 12:01:00.000\",\"\"\n\"02/30/2019 12:01:00.000\",\"1\"\n";
    let f = parse(text);
    let RawTime::WithOffset(_, off, _) = f.events[0].time else {
        panic!()
    };
    assert_eq!(off.seconds(), -5 * 3600);
    assert!(f.facts.contains(&Fact::FileHost {
        host: "nodeB".into()
    }));
    assert_eq!(
        f.events.len(),
        2,
        "a blank value keeps the sample; an impossible date does not"
    );
    assert!(f.problems.iter().any(|p| p.line == Some(4)));
}

#[test]
fn a_counter_filter_keeps_wanted_columns_of_a_wide_esxtop_file() {
    let mut header = String::from("\"(PDH-CSV 4.0) (UTC)(0)\"");
    let mut row = String::from("\"01/02/2024 03:04:05\"");
    for i in 0..500 {
        header.push_str(&format!(",\"\\\\esx07\\Group Cpu({i}:vm{i})\\% Used\""));
        row.push_str(&format!(",\"{i}.00\""));
    }
    header
        .push_str(",\"\\\\esx07\\Physical Disk Adapter(vmhba2)\\Average Driver MilliSec/Command\"");
    row.push_str(",\"45.10\"");
    let text = format!("{header}\n{row}\n");
    let mut ctx = FileContext::new("esxtop.csv");
    ctx.counter_filter = Some(std::sync::Arc::new(|c: &str| c.contains("MilliSec")));
    let f = parse_reader(by_name("pdh-csv"), &ctx, text.as_bytes());
    let ev = &f.events[0];
    assert_eq!(
        ev.fields.len(),
        2,
        "{:?}",
        ev.fields.keys().take(3).collect::<Vec<_>>()
    );
    assert_eq!(ev.fields["columns_total"], "501");
    assert_eq!(
        ev.fields["Physical Disk Adapter(vmhba2)\\Average Driver MilliSec/Command"],
        "45.10"
    );
    let unfiltered = parse_reader(
        by_name("pdh-csv"),
        &FileContext::new("esxtop.csv"),
        text.as_bytes(),
    );
    assert_eq!(
        unfiltered.events[0].fields.len(),
        101,
        "without a filter only the first 100 columns are kept"
    );
}

#[test]
fn split_date_and_time_columns_without_bias_stay_local() {
    let text = "\"Date \\\\SERVER_NAME (PDH-CSV 4.0) (SE Asia Standard Time)(-420)\",\"Time\",\"\\Memory\\Available MBytes\"\n\"05/15/2017\",\"06:49:37\",\"512\"\n";
    let f = parse(text);
    let RawTime::WithOffset(_, off, _) = f.events[0].time else {
        panic!("{:?}", f.events[0].time)
    };
    assert_eq!(off.seconds(), 7 * 3600);
    assert_eq!(f.events[0].fields["Memory\\Available MBytes"], "512");
}

#[test]
fn the_remembered_date_follows_every_change_of_date_text() {
    let text = "\"(PDH-CSV 4.0) (UTC)(0)\",\"\\\\n\\C\"\n\"07/12/2019 23:59:00\",\"1\"\n\"02/30/2019 00:00:00\",\"2\"\n\"02/30/2019 00:01:00\",\"3\"\n\"07/13/2019 00:02:00\",\"4\"\n\"7/13/2019 00:03:00\",\"5\"\n\"07/13/2019 25:00:00\",\"6\"\n\"07/13/2019 00:04:00.5\",\"7\"\n";
    let f = parse(text);
    let times: Vec<String> = f
        .events
        .iter()
        .map(|e| match e.time {
            RawTime::WithOffset(dt, _, _) => dt.to_string(),
            ref t => panic!("{t:?}"),
        })
        .collect();
    assert_eq!(
        times,
        [
            "2019-07-12T23:59:00",
            "2019-07-13T00:02:00",
            "2019-07-13T00:03:00",
            "2019-07-13T00:04:00.5"
        ]
    );
    let mut bad: Vec<u64> = f.problems.iter().filter_map(|p| p.line).collect();
    bad.dedup();
    assert_eq!(bad, [3, 4, 7]);
}
