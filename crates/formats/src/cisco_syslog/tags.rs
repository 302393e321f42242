//! CiscoLog tag lists (`%[Name=Value][Name=Value]...: text`) and the older
//! `Name:Value` alarm text.

use crate::scan::{trim, trim_start, ByteSet};
use memchr::memmem::FinderRev;
use std::borrow::Cow;
use std::sync::LazyLock;

/// The tags and text of a message, borrowed from it where they can be.
#[derive(Debug, Default)]
pub(super) struct Tags<'a> {
    /// `(name, value)` in order, both trimmed of inner padding.
    pub pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Free text after the tag list.
    pub text: Cow<'a, str>,
    /// What was wrong with the tag list, if anything.
    pub problem: Option<String>,
}

impl Tags<'_> {
    /// The value of the first tag called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Like [`Tags::get`], but `None` for an empty value.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

/// Bytes of a tag name after its first letter: `[A-Za-z0-9_.]`.
static NAME: ByteSet = ByteSet::new(&[
    (b'0', b'9'),
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'_', b'_'),
    (b'.', b'.'),
]);

/// Length of a tag name (`[A-Za-z][A-Za-z0-9_.]*`) at the start of `s` followed by `=`.
fn tag_name_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let n = b.iter().take_while(|&&c| NAME.has(c)).count();
    (b.get(n) == Some(&b'=')).then_some(n)
}

/// Where the name of the tag `s` starts, if it starts one (optional spaces,
/// `[`, optional spaces, `Name=`): the name's offset in `s` and its length.
fn next_tag(s: &str) -> Option<(usize, usize)> {
    let after_space = trim_start(s);
    let inner = after_space.strip_prefix('[')?;
    let name = trim_start(inner);
    let at = s.len() - name.len();
    tag_name_len(name).map(|n| (at, n))
}

/// Where the value starting at `s` ends (index of its closing `]`), if it is
/// closed, and the tag that follows it, if one does ([`next_tag`] of what is
/// after the `]`, so the next name is read once, not twice).
fn value_end(name: &str, s: &str) -> Option<(usize, Option<(usize, usize)>)> {
    if name == "AlertDetail" {
        // The detail holds `[`, `]`, `:` and a whole embedded syslog line with
        // its own tags: it ends at the last `][AppID=`, the tag that closes it.
        static CLOSE: LazyLock<FinderRev<'static>> = LazyLock::new(|| FinderRev::new("][AppID="));
        return CLOSE
            .rfind(s.as_bytes())
            .map(|at| (at, next_tag(&s[at + 1..])));
    }
    let mut from = 0;
    while let Some(off) = memchr::memchr(b']', &s.as_bytes()[from..]) {
        let at = from + off;
        let after = &s[at + 1..];
        if after.is_empty() || after.starts_with(':') {
            return Some((at, None));
        }
        if let Some(next) = next_tag(after) {
            return Some((at, Some(next)));
        }
        from = at + 1;
    }
    None
}

/// Parse a tag list starting at `s` (`%[`, `[` or `% [`); `None` when `s` has none.
pub(super) fn parse(s: &str) -> Option<Tags<'_>> {
    let s = trim_start(s.strip_prefix('%').unwrap_or(s));
    let (mut at, mut len) = next_tag(s)?;
    let mut tags = Tags {
        pairs: Vec::with_capacity(10),
        ..Tags::default()
    };
    let rest = loop {
        let name = &s[at..at + len];
        let value = &s[at + len + 1..];
        let Some((end, next)) = value_end(name, value) else {
            tags.problem = Some(match name {
                "AlertDetail" => {
                    "unterminated AlertDetail (no closing `][AppID=`): taken to the end of the line"
                        .into()
                }
                _ => format!("tag list truncated: `[{name}=` is not closed"),
            });
            tags.pairs.push((name.into(), trim(value).into()));
            return Some(tags);
        };
        tags.pairs.push((name.into(), trim(&value[..end]).into()));
        let after_at = at + len + 1 + end + 1;
        let rest = &s[after_at..];
        if let Some(text) = rest.strip_prefix(':') {
            tags.text = trim(text).into();
            return Some(tags);
        }
        match next {
            Some((off, n)) => (at, len) = (after_at + off, n),
            None => break rest,
        }
    };
    if !rest.trim().is_empty() {
        tags.problem = Some(format!(
            "tag list ends in unexpected text `{}`",
            rest.trim()
        ));
        tags.text = rest.trim().into();
    }
    Some(tags)
}

/// Decode older alarm text `<Name> Key One:1 Key Two:2 ... App ID:Cisco CallManager Cluster ID:x`
/// into pairs (keys as printed). Values are one token, except for the trailing
/// `App ID:` / `Cluster ID:` / `Node ID:` values, which run to the next of them.
pub(super) fn name_value_pairs(text: &str, alarm: &str) -> Vec<(String, String)> {
    const TAIL: [&str; 3] = ["App ID:", "Cluster ID:", "Node ID:"];
    let text = text.strip_prefix(alarm).unwrap_or(text).trim();
    let tail_at = TAIL
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let mut pairs = token_pairs(&text[..tail_at]);
    let mut tail = &text[tail_at..];
    while let Some(marker) = TAIL.iter().find(|m| tail.starts_with(**m)) {
        let rest = &tail[marker.len()..];
        let next = TAIL
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        pairs.push((
            marker.trim_end_matches(':').to_string(),
            rest[..next].trim().to_string(),
        ));
        tail = &rest[next..];
    }
    pairs
}

fn token_pairs(text: &str) -> Vec<(String, String)> {
    crate::pairs::name_value_pairs(text.split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_empty_and_colon_values() {
        let t = parse("%[ServiceName=Cisco RTMT Web Service][ Reason=HTTP 404 Error ][ClusterID=][Message=a:b Sun 12:30:59:000 CES]: Failed.").unwrap();
        assert_eq!(t.get("Reason"), Some("HTTP 404 Error"));
        assert_eq!(t.get("ClusterID"), Some(""));
        assert_eq!(t.get("Message"), Some("a:b Sun 12:30:59:000 CES"));
        assert_eq!(t.text, "Failed.");
        assert!(t.problem.is_none());
    }

    #[test]
    fn ucce_tags_without_percent_and_values_with_brackets() {
        let t = parse("[comp=Router-A][mac=1,6,aa:bb][note=a [x] b][part=16.3/3]: Side A").unwrap();
        assert_eq!(t.get("note"), Some("a [x] b"));
        assert_eq!(t.get("part"), Some("16.3/3"));
        assert_eq!(t.text, "Side A");
    }

    #[test]
    fn spaced_tags_and_brackets_inside_values_keep_their_places() {
        // A `]` followed by text that is not a tag belongs to the value; a
        // tag may be padded inside and between its brackets.
        let t = parse("% [A=x]y] [ B.c_1=2 ][C=[z]]:  done ").unwrap();
        let pairs: Vec<(&str, &str)> = t
            .pairs
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        assert_eq!(pairs, [("A", "x]y"), ("B.c_1", "2"), ("C", "[z]")]);
        assert_eq!(t.text, "done");
        assert!(t.problem.is_none());
        // `Name =` is not a tag: the `]` before it stays in the value.
        let t = parse("[A=1] [B =2]").unwrap();
        assert_eq!(t.get("A"), Some("1] [B =2"));
    }

    #[test]
    fn an_alert_detail_runs_to_the_tag_that_closes_it() {
        let t = parse(
            "%[AlertName=X][AlertDetail=a [B=1]: c][AppID=Cisco AMC Service][ClusterID=C]: text",
        )
        .unwrap();
        assert_eq!(t.get("AlertDetail"), Some("a [B=1]: c"));
        assert_eq!(t.get("AppID"), Some("Cisco AMC Service"));
        assert_eq!(t.get("ClusterID"), Some("C"));
        assert_eq!(t.text, "text");
        assert!(t.problem.is_none());
    }

    #[test]
    fn truncated_lists_are_reported() {
        let t = parse("%[DeviceName=SEP1][Reason=1").unwrap();
        assert_eq!(t.get("DeviceName"), Some("SEP1"));
        assert!(t.problem.unwrap().contains("Reason"));
        assert!(parse("no tags").is_none());
    }

    #[test]
    fn old_style_pairs() {
        let p = name_value_pairs(
            "CodeYellowEntry Expected Average Delay:7906 Entry Latency:20 App ID:Cisco CallManager Cluster",
            "CodeYellowEntry",
        );
        assert_eq!(
            p[0],
            ("Expected Average Delay".to_string(), "7906".to_string())
        );
        assert_eq!(p[1], ("Entry Latency".to_string(), "20".to_string()));
        assert_eq!(
            p[2],
            (
                "App ID".to_string(),
                "Cisco CallManager Cluster".to_string()
            )
        );
    }
}
