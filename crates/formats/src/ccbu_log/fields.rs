//! Reading `name=value` lists inside Finesse's decoded CTI messages
//! (`CTIAgentStateEvent [skillGroupState=7 (BUSY_OTHER), agentID=1234, ...]`)
//! and `<tag>value</tag>` inside XMPP payloads.

/// The value of `key=` in a comma-separated `name=value` list: the text up
/// to the next `,` or `]`, trimmed. The key must not be the tail of a longer
/// name (`agentID` does not match inside `agentID_Long`, nor `ID` inside `agentID`).
pub(super) fn kv<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(pos) = s[from..].find(key) {
        let at = from + pos;
        let end = at + key.len();
        let before_ok = at == 0 || !is_name_byte(b[at - 1]);
        if before_ok && b.get(end) == Some(&b'=') {
            let rest = &s[end + 1..];
            let stop = rest.find([',', ']']).unwrap_or(rest.len());
            return Some(rest[..stop].trim());
        }
        from = end;
    }
    None
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A coded value as Finesse prints it: `8 (RESERVED)` → (`8`, Some(`RESERVED`)),
/// `8` → (`8`, None).
pub(super) fn coded(v: &str) -> (&str, Option<&str>) {
    match v.split_once('(') {
        Some((code, rest)) => {
            let name = rest.trim_end().trim_end_matches(')').trim();
            (code.trim(), (!name.is_empty()).then_some(name))
        }
        None => (v.trim(), None),
    }
}

/// The text of the first `<tag>...</tag>` element in `xml`, trimmed.
pub(super) fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    Some(xml[start..start + len].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_whole_names_only() {
        let s = "skillGroupState=7 (BUSY_OTHER), agentState=8 (RESERVED), agentID=1234, agentID_Long=null, x=[]";
        assert_eq!(kv(s, "agentID"), Some("1234"));
        assert_eq!(kv(s, "agentState"), Some("8 (RESERVED)"));
        assert_eq!(kv(s, "ID"), None);
        assert_eq!(kv(s, "x"), Some("["));
        assert_eq!(kv("", "a"), None);
        assert_eq!(kv("a=", "a"), Some(""));
    }

    #[test]
    fn coded_values_split_number_and_name() {
        assert_eq!(coded("8 (RESERVED)"), ("8", Some("RESERVED")));
        assert_eq!(coded("8"), ("8", None));
        assert_eq!(coded("8 ()"), ("8", None));
        assert_eq!(coded("(X"), ("", Some("X")));
    }

    #[test]
    fn elements_are_found_or_not() {
        let x = "<Update> <data> <user> <state>LOGOUT</state> </user>";
        assert_eq!(element(x, "state"), Some("LOGOUT"));
        assert_eq!(element(x, "status"), None);
        assert_eq!(element("<state>never closed", "state"), None);
    }
}
