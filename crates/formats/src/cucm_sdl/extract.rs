//! Outage-relevant SDL lines: a cheap literal prefilter, then decoders.
//!
//! Confirmed by real samples (formats.md §1.5, §3.2):
//! - alarms written into the trace as `AppInfo`:
//!   `<AlarmName> - <text> <Param>:<value> ... App ID:... Cluster ID:... Node ID:...`
//! - CTI provider open: `AppInfo` `[CTI-APP] [CTIHandler::processIncomingMessage] CTI
//!   ProviderOpenRequest ( seq#=2 provider=... login=... )` and `SdlSig` `CtiProviderOpenReq`
//!   with `ProviderName=... LoginId=... ApplName=...` parameters.
//!
//! UNCONFIRMED (no verbatim sample; decoded tolerantly, by keyword):
//! - other CTI provider messages (`ProviderOpenResponse`, `ProviderOpenCompletedEvent`,
//!   `ProviderCloseRequest`, `ProviderClosedNotify`, `ProviderOutOfService...`);
//! - SCCP / SIP registration traces: `AppInfo` lines of `StationInit`, `StationD`,
//!   `SIPStationInit`, `SIPStationD` mentioning register / unregister, and
//!   KeepAlive timeouts (`StationD` keepalive expiry);
//! - SDL link signals `SdlLinkOOS` / `SdlLinkISV` (and `SDLLink...`) as `SdlSig`;
//! - `Code Yellow` / `CodeYellow` / `Code Red` / `CodeRed` outside the alarm form.

use crate::cisco_syslog::alarm_kind;
use crate::format::Output;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity, SharedStr};

/// Literals one of which every outage-relevant `AppInfo` line contains.
const LITERALS: &[&str] = &[
    "App ID:",
    "ProviderOpen",
    "ProviderClose",
    "ProviderOut",
    "SdlLink",
    "SDLLink",
    "CodeYellow",
    "Code Yellow",
    "CodeRed",
    "Code Red",
];

/// Literals of registration traces, looked for in `Station...` lines only.
const STATION_LITERALS: &[&str] = &[
    "egist", "EGIST", "eepAlive", "eepalive", "EEPALIVE", "App ID:",
];

/// `SdlSig` signal names worth an event start with one of these.
const SIGNAL_PREFIXES: &[&[u8]] = &[
    b"CtiProvider",
    b"Provider",
    b"SdlLink",
    b"SDLLink",
    b"CodeYellow",
    b"CodeRed",
];

/// A multi-literal matcher: SIMD (Teddy) where the CPU has it, else Aho-Corasick.
enum Matcher {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Matcher {
    fn new(literals: &[&str]) -> Matcher {
        match aho_corasick::packed::Searcher::new(literals.iter()) {
            Some(s) => Matcher::Packed(s),
            None => Matcher::Automaton(AhoCorasick::new(literals).expect("valid literals")),
        }
    }

    #[inline]
    fn hit(&self, haystack: &[u8]) -> bool {
        match self {
            Matcher::Packed(s) => s.find(haystack).is_some(),
            Matcher::Automaton(a) => a.is_match(haystack),
        }
    }
}

static APP_INFO: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(LITERALS));
static STATION: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(STATION_LITERALS));

/// The prefilter: is a record worth decoding? No regex, no allocation.
pub(super) struct Prefilter {
    app_info: &'static Matcher,
    station: &'static Matcher,
}

impl Prefilter {
    pub fn new() -> Prefilter {
        Prefilter {
            app_info: &APP_INFO,
            station: &STATION,
        }
    }

    /// Whether a record of type `kind` with this payload may be outage-relevant.
    #[inline]
    pub fn hit(&self, kind: &[u8], payload: &[u8]) -> bool {
        match kind {
            b"AppInfo" => {
                if payload.starts_with(b"Station") || payload.starts_with(b"SIPStation") {
                    self.station.hit(payload)
                } else {
                    self.app_info.hit(payload)
                }
            }
            b"SdlSig" => {
                let start = payload.iter().take_while(|&&b| b == b' ').count();
                let signal = &payload[start..];
                SIGNAL_PREFIXES.iter().any(|p| signal.starts_with(p))
            }
            _ => false,
        }
    }
}

/// One record the prefilter hit.
pub(super) struct Ctx<'a> {
    pub no: u64,
    /// The whole first line of the record.
    pub text: &'a str,
    /// `SeqMajor.SeqMinor`.
    pub seq: &'a str,
    /// The type column (`AppInfo`, `SdlSig`, ...).
    pub kind: &'a [u8],
    /// Everything after the type column's `|`.
    pub payload: &'a str,
    pub time: RawTime,
    /// FileHead `AppName`.
    pub app: Option<&'a str>,
}

impl Ctx<'_> {
    fn event(&self, kind: Kind, summary: String) -> RawEvent {
        let mut ev = RawEvent::new(self.no, self.text, kind, summary)
            .at(self.time.clone())
            .with_field("sdl_type", String::from_utf8_lossy(self.kind))
            .with_field("seq", self.seq);
        if let Some(app) = self.app {
            ev = ev.with_field("app", app);
        }
        ev
    }
}

/// Decode a prefiltered record; emits at most one event (or enriches the last one).
pub(super) fn decode(c: &Ctx<'_>, out: &mut Output) {
    let p = c.payload;
    let app_info = c.kind == b"AppInfo";
    let sdl_sig = c.kind == b"SdlSig";
    if app_info && (p.starts_with("Station") || p.starts_with("SIPStation")) {
        // Registration traces (the prefilter chose these by their own literals).
        let ev = if p.contains("App ID:") {
            alarm(c)
        } else {
            None
        };
        if let Some(ev) = ev.or_else(|| registration(c)) {
            out.emit(ev);
        }
        return;
    }
    if app_info && p.contains("App ID:") {
        if let Some(ev) = alarm(c) {
            out.emit(ev);
            return;
        }
    }
    if p.contains("ProviderOpen") || p.contains("ProviderClose") || p.contains("ProviderOut") {
        if sdl_sig {
            provider_signal(c, out);
            return;
        }
        if let Some(ev) = provider_message(c) {
            out.emit(ev);
            return;
        }
    }
    if p.contains("SdlLink") || p.contains("SDLLink") {
        if let Some(ev) = sdl_link(c) {
            out.emit(ev);
            return;
        }
    }
    if let Some(ev) = code_yellow(c) {
        out.emit(ev);
        return;
    }
    if app_info {
        if let Some(ev) = registration(c) {
            out.emit(ev);
        }
    }
}

/// An alarm name: `[A-Za-z][A-Za-z0-9_]*`.
fn alarm_name(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    Some(&s[..n])
}

/// `Device name.` / `Reason Code [Optional].` → `Device name` / `Reason Code`.
fn clean_key(k: &str) -> String {
    let k = k.trim().trim_end_matches('.').trim();
    let k = k.strip_suffix("[Optional]").unwrap_or(k).trim();
    k.trim_end_matches('.').trim().to_string()
}

/// Canonical field names shared with the CiscoLog tag names, so rules join on them.
fn canonical(key: &str) -> Option<&'static str> {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match k.as_str() {
        "devicename" | "name" => "DeviceName",
        "deviceipaddress" | "ipaddress" | "deviceipv4address" => "IPAddress",
        "reasoncode" | "reason" => "Reason",
        "protocol" => "Protocol",
        "devicetype" => "DeviceType",
        "devicemacaddress" | "macaddress" => "MACAddress",
        "remotenodeid" | "remotenode" => "RemoteNodeID",
        "remoteapplicationipaddress" | "remoteipaddress" => "RemoteIPAddress",
        _ => return None,
    })
}

/// `<AlarmName> - <text> <Param>:<value> ... App ID:... Cluster ID:... Node ID:...`
fn alarm(c: &Ctx<'_>) -> Option<RawEvent> {
    let p = c.payload.trim_start();
    let name = alarm_name(p)?;
    let rest = p[name.len()..].strip_prefix(" - ")?;
    let (description, pairs) = alarm_pairs(rest);
    let description = description.as_str();
    let (kind, state) = alarm_kind(name);
    let mut ev = c
        .event(kind, String::new())
        .with_field("alarm", name)
        .with_field("text", description)
        .with_entity(EntityKind::Alarm, name)
        .with_severity(match kind {
            Kind::DeviceRegistered => Severity::Notice,
            Kind::SdlLink if state == Some("out_of_service") => Severity::Alert,
            Kind::SdlLink => Severity::Notice,
            _ if name == "CallManagerFailure" => Severity::Critical,
            _ => Severity::Warning,
        });
    if let Some(state) = state {
        ev = ev.with_field("state", state);
    }
    for (k, v) in &pairs {
        let key = clean_key(k);
        if key.is_empty() {
            continue;
        }
        if let Some(canon) = canonical(&key) {
            ev.fields.insert_if_absent(canon, v);
        }
        ev.fields.insert_if_absent(key, v);
    }
    let fields = ev.fields.clone();
    let get = |k: &str| fields.get(k).filter(|v| !v.is_empty());
    if let Some(d) = get("DeviceName") {
        ev = ev.with_entity(EntityKind::Device, d);
    }
    if let Some(n) = get("RemoteNodeID") {
        ev = ev.with_entity(EntityKind::Node, n);
    }
    if let Some(app) = get("App ID") {
        ev = ev.with_entity(EntityKind::Service, app);
    }
    let subject = get("DeviceName").or_else(|| get("RemoteNodeID"));
    ev.summary = SharedStr::from(match (subject, description.is_empty()) {
        (Some(s), false) => format!("{name} {s}: {description}"),
        (Some(s), true) => format!("{name} {s}"),
        (None, false) => format!("{name}: {description}"),
        (None, true) => name.to_string(),
    });
    Some(ev)
}

/// The trailing `App ID:... Cluster ID:... Node ID:...` block (values with spaces).
fn tail_pairs(tail: &str, out: &mut Vec<(String, String)>) {
    const MARKERS: [&str; 3] = ["App ID:", "Cluster ID:", "Node ID:"];
    let mut rest = tail;
    let mut key: Option<&str> = None;
    for (i, m) in MARKERS.iter().enumerate() {
        let Some(at) = rest.find(m) else { continue };
        if let Some(k) = key.take() {
            out.push((k.to_string(), rest[..at].trim().to_string()));
        }
        key = Some(&MARKERS[i][..m.len() - 1]);
        rest = &rest[at + m.len()..];
    }
    if let Some(k) = key {
        out.push((k.to_string(), rest.trim().to_string()));
    }
}

fn starts_upper(t: &str) -> bool {
    t.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
}

/// Split `<text> <Param>:<value> ... App ID:... Cluster ID:... Node ID:...` into
/// the description and the parameters. Parameter names may have spaces
/// (`Device name.:`, `Reason Code [Optional].:`); values are one token, except
/// in the trailing App / Cluster / Node block. Where the description ends is a
/// heuristic (UNCONFIRMED for most alarms): the first parameter name is the
/// words before its `:` back to the start of their last run of capitalised
/// words (`... unregistered Device name.:`, `... failed CTIconnectionId:`).
fn alarm_pairs(rest: &str) -> (String, Vec<(String, String)>) {
    let tail_at = if rest.starts_with("App ID:") {
        Some(0)
    } else {
        rest.rfind(" App ID:").map(|i| i + 1)
    };
    let (head, tail) = rest.split_at(tail_at.unwrap_or(rest.len()));
    let toks: Vec<&str> = head.split_whitespace().collect();
    let mut pairs = Vec::new();
    let Some(first) = toks.iter().position(|t| t.contains(':')) else {
        tail_pairs(tail, &mut pairs);
        return (head.trim().to_string(), pairs);
    };
    let mut start = first;
    let mut seen_upper = starts_upper(toks[first]);
    while start > 0 {
        let prev = toks[start - 1];
        if starts_upper(prev) {
            seen_upper = true;
        } else if seen_upper && !prev.starts_with('[') {
            break;
        }
        start -= 1;
    }
    let description = toks[..start].join(" ");
    pairs.extend(crate::pairs::name_value_pairs(
        toks[start..].iter().copied(),
    ));
    tail_pairs(tail, &mut pairs);
    (description, pairs)
}

/// `key=value` tokens; a token without `=` is added to the previous value
/// (`PluginName=Cisco JTAPI`).
fn kv_pairs(s: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for tok in s.split_whitespace() {
        match tok.split_once('=') {
            Some((k, v)) if !k.is_empty() => pairs.push((k.to_string(), v.to_string())),
            _ => {
                if let Some((_, v)) = pairs.last_mut() {
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(tok);
                }
            }
        }
    }
    pairs
}

/// State of a CTI provider message by its name.
fn provider_state(msg: &str) -> &'static str {
    if msg.contains("Fail") {
        "open_failed"
    } else if msg.contains("Close") || msg.contains("OutOfService") {
        "closed"
    } else if msg.contains("Response") || msg.contains("Completed") || msg.contains("Res") {
        "opened"
    } else {
        "open_requested"
    }
}

fn provider_summary(msg: &str, login: Option<&str>, application: Option<&str>) -> String {
    let mut s = format!("CTI provider {msg}");
    if let Some(l) = login {
        s.push_str(&format!(" login {l}"));
    }
    if let Some(a) = application {
        s.push_str(&format!(" application {a}"));
    }
    s
}

/// AppInfo `... CTI ProviderOpenRequest ( seq#=2 provider=UCProvider login=wwhite ...)`.
fn provider_message(c: &Ctx<'_>) -> Option<RawEvent> {
    let p = c.payload;
    let at = p.find("CTI Provider").map(|i| i + 4).or_else(|| {
        // UNCONFIRMED spellings without the `CTI ` prefix.
        ["ProviderOpen", "ProviderClose", "ProviderOut"]
            .iter()
            .filter_map(|k| p.find(k))
            .min()
    })?;
    let word_len = p[at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let msg = &p[at..at + word_len];
    // A provider alarm (`CtiProviderOpenFailure - ...`) without `App ID:` lands
    // here too: it keeps its name as the message.
    let args = p[at + word_len..]
        .trim_start()
        .strip_prefix('(')
        .map(|a| a.trim_end().trim_end_matches(')'))
        .unwrap_or("");
    let pairs = kv_pairs(args);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let state = provider_state(msg);
    let login = get("login");
    let mut ev = c
        .event(Kind::ServiceState, provider_summary(msg, login, None))
        .with_severity(if state == "closed" {
            Severity::Warning
        } else {
            Severity::Info
        })
        .with_field("event", msg)
        .with_field("state", state)
        .with_entity(EntityKind::Service, "CTI provider");
    for (k, v) in [
        ("provider", "provider_name"),
        ("login", "login"),
        ("seq#", "cti_seq"),
    ] {
        if let Some(val) = get(k) {
            ev = ev.with_field(v, val);
        }
    }
    Some(ev)
}

/// SdlSig `CtiProviderOpenReq |state |dest |src |corr |[R:..] ProviderName=... LoginId=... ApplName=...`.
/// Right after the AppInfo request of the same open it enriches that event
/// instead of making a second one.
fn provider_signal(c: &Ctx<'_>, out: &mut Output) {
    let mut cols = c.payload.split('|');
    let signal = cols.next().unwrap_or("").trim();
    if !signal.contains("Provider") {
        return; // the word is in a parameter, not the signal
    }
    let params = c.payload.rsplit('|').next().unwrap_or("");
    let params = match params.find(']') {
        Some(i) if params.trim_start().starts_with('[') => &params[i + 1..],
        _ => params,
    };
    let pairs = kv_pairs(params);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (login, application, provider) = (get("LoginId"), get("ApplName"), get("ProviderName"));
    let state = provider_state(signal);
    if let Some(last) = out.last_event_mut() {
        let same = last.kind == Kind::ServiceState
            && c.no.saturating_sub(last.line) <= 5
            && last.fields.get("state") == Some(state)
            && last.fields.get("login") == login
            && last.time == c.time;
        if same {
            last.fields.insert("signal", signal);
            if let Some(a) = application {
                last.fields.insert("application", a);
                last.summary = format!("{} application {a}", last.summary).into();
            }
            return;
        }
    }
    let mut ev = c
        .event(
            Kind::ServiceState,
            provider_summary(signal, login, application),
        )
        .with_severity(if state == "closed" {
            Severity::Warning
        } else {
            Severity::Info
        })
        .with_field("signal", signal)
        .with_field("state", state)
        .with_entity(EntityKind::Service, "CTI provider");
    for (v, k) in [
        (login, "login"),
        (application, "application"),
        (provider, "provider_name"),
    ] {
        if let Some(v) = v {
            ev = ev.with_field(k, v);
        }
    }
    out.emit(ev);
}

/// SDL link signals (UNCONFIRMED spelling): `SdlLinkOOS`, `SdlLinkISV`,
/// `SDLLinkOutOfService`, `SDLLinkInService`, as a signal or a word in AppInfo.
fn sdl_link(c: &Ctx<'_>) -> Option<RawEvent> {
    let p = c.payload;
    let at = p.find("SdlLink").or_else(|| p.find("SDLLink"))?;
    let word_len = p[at..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let word = &p[at..at + word_len];
    let tail = &word[7..];
    let state = if tail.starts_with("OOS") || tail.starts_with("OutOfService") {
        "out_of_service"
    } else if tail.starts_with("ISV") || tail.starts_with("InService") {
        "in_service"
    } else {
        return None;
    };
    let mut ev = c
        .event(
            Kind::SdlLink,
            format!("{word}: SDL link {}", state.replace('_', " ")),
        )
        .with_field("state", state)
        .with_field("signal", word)
        .with_severity(if state == "out_of_service" {
            Severity::Alert
        } else {
            Severity::Notice
        });
    // A remote node or IP, when the line names one (UNCONFIRMED layout).
    for key in ["RemoteNodeId=", "remoteNodeId=", "RemoteIP=", "remoteIp="] {
        if let Some(i) = p.find(key) {
            let v: String = p[i + key.len()..]
                .chars()
                .take_while(|ch| !ch.is_whitespace() && *ch != ',')
                .collect();
            if !v.is_empty() {
                ev = ev.with_field(key.trim_end_matches('='), v.clone());
                ev = ev.with_entity(EntityKind::Node, v);
            }
        }
    }
    Some(ev)
}

/// `Code Yellow` / `CodeYellow` / `Code Red` / `CodeRed` mentioned outside the alarm form.
fn code_yellow(c: &Ctx<'_>) -> Option<RawEvent> {
    let p = c.payload;
    let (name, sev) = if p.contains("CodeYellow") || p.contains("Code Yellow") {
        ("CodeYellow", Severity::Warning)
    } else if p.contains("CodeRed") || p.contains("Code Red") {
        ("CodeRed", Severity::Critical)
    } else {
        return None;
    };
    let mut what = p.trim();
    if c.kind == b"SdlSig" {
        what = what.split('|').next().unwrap_or(what).trim();
    }
    let what: String = what.chars().take(160).collect();
    let mut ev = c
        .event(Kind::Alarm, format!("{name}: {what}"))
        .with_field("alarm", name)
        .with_entity(EntityKind::Alarm, name)
        .with_severity(sev);
    for state in ["Entry", "Exit"] {
        let word = format!("{name}{state}");
        if p.contains(&word) {
            ev = ev.with_field("state", state.to_ascii_lowercase());
        }
    }
    Some(ev)
}

/// A device name as printed in a trace: `SEP001122334455`, or after `Name=` /
/// `DeviceName=` / `deviceName=` / `Device name.:`.
fn device_in(p: &str) -> Option<String> {
    for key in [
        "DeviceName=",
        "deviceName=",
        "Device Name=",
        "devName=",
        "Name=",
        "name=",
    ] {
        if let Some(i) = p.find(key) {
            let v: String = p[i + key.len()..]
                .chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
                .collect();
            if v.len() >= 3 {
                return Some(v);
            }
        }
    }
    // A MAC-named device anywhere: 2-4 capital letters then 12 hex digits.
    let b = p.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr3(b'S', b'A', b'C', &b[i..]) {
        let s = i + off;
        let letters = b[s..].iter().take_while(|c| c.is_ascii_uppercase()).count();
        let hex = b[s + letters..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        let boundary = s == 0 || !b[s - 1].is_ascii_alphanumeric();
        if boundary && (2..=4).contains(&letters) && hex == 12 {
            let end = s + letters + hex;
            if b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric()) {
                return Some(p[s..end].to_string());
            }
        }
        i = s + letters.max(1);
    }
    None
}

/// `StationInit: (0000109) ...` → `0000109`.
fn station_id(p: &str) -> Option<&str> {
    let open = p.find('(')?;
    let close = open + p[open..].find(')')?;
    let id = &p[open + 1..close];
    (!id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(id)
}

/// Registration traces of SCCP / SIP stations (UNCONFIRMED wording: keyword-based).
fn registration(c: &Ctx<'_>) -> Option<RawEvent> {
    let p = c.payload.trim_start();
    let component = [
        "SIPStationInit",
        "SIPStationD",
        "StationInit",
        "StationD",
        "SIPStation",
    ]
    .into_iter()
    .find(|comp| p.starts_with(comp))?;
    let lower = p.to_ascii_lowercase();
    let lower_has = |w: &str| lower.contains(w);
    let keepalive = lower_has("keepalive")
        && (lower_has("timeout") || lower_has("expire") || lower_has("timed out"));
    // `unregister`, `Unregistering`, `UnRegistration`; `register`, `Registration`.
    let unregister = lower_has("unregist");
    let register = !unregister && lower_has("regist");
    if !(keepalive || unregister || register) {
        return None;
    }
    let device = device_in(p);
    // A register / unregister trace is only worth an event when it names the
    // device; a keepalive timeout is worth one anyway (the station id stays).
    if device.is_none() && !keepalive {
        return None;
    }
    let (kind, what) = if keepalive {
        (Kind::DeviceUnregistered, "keepalive timeout")
    } else if unregister {
        (Kind::DeviceUnregistered, "unregistration")
    } else {
        (Kind::DeviceRegistered, "registration")
    };
    let subject = device.clone().unwrap_or_else(|| {
        station_id(p)
            .map(|s| format!("station {s}"))
            .unwrap_or_else(|| "a station".into())
    });
    let mut ev = c
        .event(kind, format!("{subject} {what} ({component} trace)"))
        .with_field("component", component)
        .with_field("trace", what)
        .with_severity(if kind == Kind::DeviceRegistered {
            Severity::Notice
        } else {
            Severity::Warning
        });
    if let Some(d) = device {
        ev = ev
            .with_field("DeviceName", d.clone())
            .with_entity(EntityKind::Device, d);
    }
    if let Some(s) = station_id(p) {
        ev = ev.with_field("station", s);
    }
    Some(ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_found_by_key_or_mac_shape() {
        assert_eq!(
            device_in("StationD: (0000045) RegisterAck DeviceName=SEP0023331C29E8 x").as_deref(),
            Some("SEP0023331C29E8")
        );
        assert_eq!(
            device_in("unregistered SEP0023331C29E8, reason 8").as_deref(),
            Some("SEP0023331C29E8")
        );
        assert_eq!(device_in("XSEP0023331C29E8 ATA12"), None);
    }

    #[test]
    fn key_value_tokens_keep_multiword_values() {
        let p = kv_pairs("ProviderName=UCProvider PluginName=Cisco JTAPI Lw=0");
        assert_eq!(p[1], ("PluginName".into(), "Cisco JTAPI".into()));
        assert_eq!(p.len(), 3);
    }
}
