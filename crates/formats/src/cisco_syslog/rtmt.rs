//! RTMT alerts in syslog form: `%UC_RTMT-2-RTMT_ALERT: %[AlertName=..][AlertDetail= At
//! <local time> on node <node>, the following <Name> events generated: #012Key : Value...]
//! [AppID=..][ClusterID=][NodeID=..]: RTMT Alert`.

use super::conditions;
use super::envelope::Envelope;
use super::event::{base, core_fields, parse_core, put, raw_time};
use super::tags::Tags;
use crate::format::Output;
use crate::timeparse::parse_ctime;
use std::borrow::Cow;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{DateSource, EntityKind, Kind, RawEvent, RawTime};

/// The detail preamble `At <time> on node <node>[,] the following <Name> events generated:`.
#[derive(Debug, PartialEq)]
struct Preamble<'a> {
    /// The text between `At ` and ` on node `.
    at: &'a str,
    /// The node.
    node: &'a str,
    /// Where the pairs start (after the colon and any white space).
    end: usize,
}

/// The preamble at the start of `detail`, as the regex
/// `^\s*At (.+?) on node (\S+?),? the following (\S+) events generated:\s*`
/// reads it: the shortest time, then the shortest node, that let the rest match.
fn preamble(detail: &str) -> Option<Preamble<'_>> {
    const ON_NODE: &str = " on node ";
    let from = detail.len() - detail.trim_start().strip_prefix("At ")?.len();
    let line = &detail[..detail[from..].find('\n').map_or(detail.len(), |i| from + i)];
    // Every ` on node ` after at least one character, in turn (they may overlap).
    let mut i = from + line[from..].chars().next()?.len_utf8();
    while let Some(k) = line.get(i..).and_then(|s| s.find(ON_NODE)) {
        if let Some((node, end)) = node_and_rest(line, i + k + ON_NODE.len()) {
            return Some(Preamble {
                at: &line[from..i + k],
                node,
                end: detail.len() - detail[end..].trim_start().len(),
            });
        }
        i += k + 1;
    }
    None
}

/// After ` on node ` at `q`: the shortest node followed by `[,] the following
/// <Name> events generated:`, and the end of that.
fn node_and_rest(line: &str, q: usize) -> Option<(&str, usize)> {
    const FOLLOWING: &str = " the following ";
    let run = line[q..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| q + i);
    if run == q {
        return None;
    }
    let ends = line[q..run].char_indices().skip(1).map(|(k, _)| q + k);
    let (node, after) = ends.chain([run]).find_map(|at| {
        let rest = &line[at..];
        let after = rest
            .strip_prefix(',')
            .and_then(|r| r.strip_prefix(FOLLOWING));
        Some((
            &line[q..at],
            after.or_else(|| rest.strip_prefix(FOLLOWING))?,
        ))
    })?;
    let name = after.find(char::is_whitespace).unwrap_or(after.len());
    let tail = after[name..].strip_prefix(" events generated:")?;
    (name > 0).then_some((node, line.len() - tail.len()))
}

/// `Key : Value` of a detail line: a key of letters, digits, `_` and spaces
/// starting with a letter, then the first colon.
fn detail_pair(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let ok = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ');
    ok.then(|| (key, value.strip_prefix(' ').unwrap_or(value)))
}

/// A decoded `AlertDetail`.
#[derive(Debug, Default)]
struct Detail<'a> {
    /// The "At ..." time: server local wall clock and its (ambiguous) zone abbreviation.
    local: Option<(DateTime, Option<&'a str>)>,
    /// The "on node" value.
    node: Option<&'a str>,
    /// `Key : Value` lines, keys lower-cased without spaces.
    pairs: Vec<(String, String)>,
}

/// Emit an RTMT alert (and its cores); returns the `MatchedEvent` line, if any.
pub(super) fn emit(
    no: u64,
    raw: &str,
    env: &Envelope<'_>,
    tags: &Tags<'_>,
    via: Option<&str>,
    out: &mut Output,
) -> Option<String> {
    let hand;
    let tags = match tags.get("AlertName") {
        Some(_) => tags,
        None => {
            hand = hand_typed(env.body);
            &hand
        }
    };
    let alert = tags.non_empty("AlertName").unwrap_or("RTMT_ALERT");
    let text = tags.get("AlertDetail").unwrap_or("");
    let text = match text.contains("# 012") {
        true => Cow::Owned(text.replace("# 012", "\n")),
        false => Cow::Borrowed(text),
    };
    let detail = decode(&text);
    let mut summary =
        String::with_capacity(11 + alert.len() + detail.node.map_or(0, |n| n.len() + 4));
    summary.push_str("RTMT alert ");
    summary.push_str(alert);
    if let Some(n) = detail.node {
        summary.push_str(" on ");
        summary.push_str(n);
    }
    let mut ev = base(no, raw, env, tags, Kind::RtmtAlert, summary.into(), via);
    put(&mut ev, "alert", alert);
    ev = ev.with_entity(EntityKind::Alarm, alert);
    if let Some((dt, zone)) = &detail.local {
        put(&mut ev, "alert_local_time", dt.to_string());
        if let Some(z) = zone {
            put(&mut ev, "zone_abbrev", *z);
        }
        // The "At" time is server local with an ambiguous abbreviation: it is
        // the event time only when no CiscoLog stamp says better.
        if !matches!(raw_time(env), RawTime::Absolute(..)) {
            ev.time = RawTime::Local(*dt, DateSource::Line);
        }
    }
    if let Some(node) = detail.node {
        // The alert is about the node named in "on node X"; the NodeID tag
        // names the node whose AMC service raised it.
        put(&mut ev, "node", node);
        if let Some(reporter) = ev.host.take() {
            put(&mut ev, "reporting_node", reporter);
        }
        ev.host = Some(node.into());
    }
    finish(ev, detail, alert, out)
}

/// Add the detail pairs, emit the alert and its cores; the `MatchedEvent` line, if any.
fn finish(mut ev: RawEvent, detail: Detail<'_>, alert: &str, out: &mut Output) -> Option<String> {
    let matched = detail
        .pairs
        .iter()
        .find(|(k, _)| k == "matchedevent")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    // The cores read the alert's line, text, severity and host, never its fields.
    let cores = cores(&ev, &detail, alert);
    for (k, v) in detail.pairs {
        ev.fields.insert(k, v);
    }
    if let Some(cond) = conditions::classify(alert) {
        ev.kind = conditions::kind_for_alert(&cond);
        conditions::enrich(&mut ev, alert, &cond);
    }
    out.emit(ev);
    for c in cores {
        out.emit(c);
    }
    matched
}

/// One `ServiceCore` per `CoreN : <Service> (core.<pid>.<sig>.<proc>.<epoch>)`.
fn cores(alert: &RawEvent, detail: &Detail<'_>, name: &str) -> Vec<RawEvent> {
    let is_core_key = |k: &str| {
        k.strip_prefix("core")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut out = Vec::new();
    for (k, v) in detail.pairs.iter().filter(|(k, _)| is_core_key(k)) {
        let Some(core) = parse_core(v) else { continue };
        let mut ev = RawEvent::new(
            alert.line,
            &alert.text.get(),
            Kind::ServiceCore,
            format!("core dumped: {v}"),
        )
        .with_severity(alert.severity)
        .with_field("alert", name)
        .with_field("core_key", k);
        if let Some(h) = detail.node.or(alert.host.as_deref()) {
            ev = ev.on_host(h);
        }
        out.push(core_fields(ev, &core));
    }
    out
}

/// Decode the detail text (newlines already un-escaped).
fn decode(detail: &str) -> Detail<'_> {
    let mut d = Detail::default();
    let mut rest = detail;
    if let Some(p) = preamble(detail) {
        d.local = parse_ctime(p.at);
        d.node = Some(p.node);
        rest = &detail[p.end..];
    }
    for line in rest.split('\n') {
        match detail_pair(line) {
            Some((k, v)) => d.pairs.push((detail_key(k), v.trim().to_string())),
            None if line.trim().is_empty() => {}
            None => {
                if let Some((_, v)) = d.pairs.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
            }
        }
    }
    d
}

/// A detail key lower-cased without spaces (`Severity Match` → `severitymatch`).
fn detail_key(key: &str) -> String {
    key.chars()
        .filter(|&c| c != ' ')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The hand-typed variant (EXAM-NOTES): `% AlertName=X AlertDetail= At ...` without brackets.
fn hand_typed(body: &str) -> Tags<'_> {
    let mut t = Tags::default();
    if let Some(i) = body.find("AlertName=") {
        let name = body[i + 10..].split_whitespace().next().unwrap_or("");
        t.pairs
            .push(("AlertName".into(), name.trim_end_matches(']').into()));
    }
    if let Some(i) = body.find("AlertDetail=") {
        t.pairs
            .push(("AlertDetail".into(), body[i + 12..].trim().into()));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn preamble_reads_like_the_regex() {
        let re =
            Regex::new(r"^\s*At (.+?) on node (\S+?),? the following (\S+) events generated:\s*")
                .unwrap();
        let cases = [
            " At Fri Jul 12 07:45:10 CDT 2019 on node bldcucmtftp1.voip.com, the following X events generated: \nProcessor",
            "At t on node n the following X events generated:",
            "At t on node on node n,, the following X events generated:  \n\n y",
            "At t on node a on node b, the following Y events generated:",
            "At t on node a, the following  Y events generated: on node b, the following Y events generated:",
            "At t on node a,the following X events generated: on node b the following Z events generated:x",
            "\n At \u{a0}t on node é, the following é events generated:\u{a0}",
            "At \n on node n the following X events generated:",
            "At t\n on node n the following X events generated:",
            "At  on node n the following X events generated:",
            "At t on node n the following X events generated",
            "At t on node n\tthe following X events generated:",
            "At t on node  the following X events generated:",
            "At t on node n the following  events generated:",
        ];
        const TOKENS: [&str; 11] = [
            "n",
            "é",
            ",",
            ",,",
            "X",
            " ",
            "\n",
            "\t",
            "\u{a0}",
            "t",
            " on node ",
        ];
        const FIXED: [&str; 5] = [
            "At ",
            " on node ",
            " the following ",
            " events generated:",
            "",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        let mut random = || {
            let mut s = String::new();
            for fixed in FIXED {
                if next(8) > 0 {
                    s.push_str(fixed);
                }
                for _ in 0..next(3) {
                    s.push_str(TOKENS[next(TOKENS.len() as u64)]);
                }
            }
            s
        };
        let generated: Vec<String> = (0..50_000).map(|_| random()).collect();
        let mut matched = 0;
        for c in cases
            .iter()
            .copied()
            .chain(generated.iter().map(String::as_str))
        {
            let want = re.captures(c).map(|m| Preamble {
                at: m.get(1).unwrap().as_str(),
                node: m.get(2).unwrap().as_str(),
                end: m.get(0).unwrap().end(),
            });
            matched += usize::from(want.is_some());
            assert_eq!(preamble(c), want, "{c:?}");
        }
        assert!(matched > 1_000, "{matched}");
    }

    #[test]
    fn detail_preamble_and_pairs() {
        let d = decode(" At Fri May 21 08:11:00 CDT 2021 on node impPub.ciscolab.com, the following X events generated: \nSeverityMatch : Alert\nClusterID : \n TimeStamp : Fri May 21 08:10:24 CDT 2021\nmore text");
        let (dt, zone) = d.local.unwrap();
        assert_eq!(
            (dt.to_string().as_str(), zone),
            ("2021-05-21T08:11:00", Some("CDT"))
        );
        assert_eq!(d.node, Some("impPub.ciscolab.com"));
        assert_eq!(
            d.pairs[0],
            ("severitymatch".to_string(), "Alert".to_string())
        );
        assert_eq!(d.pairs[1].1, "");
        assert_eq!(d.pairs[2].1, "Fri May 21 08:10:24 CDT 2021\nmore text");
    }
}
