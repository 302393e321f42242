//! CVP Call Server / VXML Server CiscoLog records: `%CVP_<major>_<minor>_<SUBSYSTEM>-<sev>-<ID>:`.
//!
//! UNCONFIRMED: no public CVP log sample was found. The header form comes from
//! a public third-party CVP log parser (regex `%CVP_\d{1,2}_\d{1,2}_([A-Z]+)-\d{1,2}-[A-Z]+:`);
//! the envelope is assumed to be the same CCBU CiscoLog envelope Finesse writes.
//! So records are read tolerantly: errors (severity 3 or worse) become
//! [`Kind::Alarm`] events, and a record whose words speak of a failed,
//! aborted, dropped or rejected call becomes [`Kind::CallFailure`]. Every CVP
//! event carries `wording=unconfirmed`.

use super::envelope::Record;
use super::finesse::UNCONFIRMED;
use crate::keywords::captures;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

/// `CVP_12_5_SIP` → (`12.5`, `SIP`).
pub(super) fn version_and_subsystem(app: &str) -> Option<(String, &str)> {
    let rest = app.strip_prefix("CVP_")?;
    let mut parts = rest.splitn(3, '_');
    let major = parts.next()?;
    let minor = parts.next()?;
    let sub = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    (digits(major) && digits(minor) && !sub.is_empty()).then(|| (format!("{major}.{minor}"), sub))
}

static CALL_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(call|calls|dialog|dialogue|leg)(?-u:\b).{0,60}?(?-u:\b)(fail|failed|failure|abort|aborted|drop|dropped|reject|rejected|timed out|timeout|error)(?-u:\b)").unwrap()
});
static SIP_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)SIP/2\.0 ([3-6]\d\d)(?-u:\b)").unwrap());
static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)label\s*[=:]\s*(\d+)").unwrap());
static GUID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)guid\s*[=:]\s*([0-9A-F-]{16,})").unwrap());

/// The event of a CVP record, or `None` for an ordinary one.
pub(super) fn decode(no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
    let (version, sub) = version_and_subsystem(rec.app)?;
    let text = format!("{} {}", rec.msg_id, rec.text);
    let failed = CALL_FAILED.is_match(&text);
    if !failed && rec.sev > 3 {
        return None;
    }
    let mut ev = if failed {
        RawEvent::new(
            no,
            raw,
            Kind::CallFailure,
            format!("CVP {sub}: {}", first_words(rec)),
        )
        .with_severity(Severity::Warning)
    } else {
        RawEvent::new(
            no,
            raw,
            Kind::Alarm,
            format!("CVP {sub} {}: {}", rec.msg_id, first_words(rec)),
        )
        .with_entity(EntityKind::Alarm, rec.msg_id)
    };
    if let Some(s) = Severity::from_number(rec.sev).filter(|s| *s < ev.severity || !failed) {
        ev.severity = s;
    }
    ev = ev
        .with_field("product", "CVP")
        .with_field("version", version)
        .with_field("subsystem", sub)
        .with_field(UNCONFIRMED.0, UNCONFIRMED.1);
    if let Some(c) = captures(&SIP_STATUS, &text) {
        ev = ev.with_field("sip_status", &c[1]);
    }
    if let Some(c) = captures(&LABEL, &text) {
        ev = ev.with_field("label", &c[1]);
    }
    if let Some(c) = captures(&GUID, &text) {
        ev = ev.with_field("call_guid", &c[1]);
    }
    Some(ev)
}

fn first_words(rec: &Record<'_>) -> String {
    let t = if rec.text.is_empty() {
        rec.msg_id
    } else {
        rec.text
    };
    t.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvp_app_names_give_version_and_subsystem() {
        assert_eq!(
            version_and_subsystem("CVP_12_5_SIP"),
            Some(("12.5".into(), "SIP"))
        );
        assert_eq!(
            version_and_subsystem("CVP_8_0_IVR_X"),
            Some(("8.0".into(), "IVR_X"))
        );
        assert_eq!(version_and_subsystem("CVP_12_SIP"), None);
        assert_eq!(version_and_subsystem("CCBU_x"), None);
        assert_eq!(version_and_subsystem("CVP_a_5_SIP"), None);
    }
}
