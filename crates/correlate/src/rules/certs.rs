//! `certificate_expiry`: certificates expiring or expired, and the secure
//! connections that failed after them.
//!
//! Certificate expiry alarms and `show cert own` captures give each node's
//! certificates and their expiry. TLS failures — peers not trusted
//! (NodeNotTrusted and alike), devices failing TLS or authentication when
//! registering (transient connection reasons the rule names) — close
//! together on one node are an impact. A certificate of a unit whose expiry
//! breaks secure connections (CallManager), expired before TLS failures or
//! a TLS trunk outage on its node, is their root cause; any other expired or
//! expiring certificate is advice.

use super::common::secs;
use crate::data::{CertificateData, Code, Data, TlsFailureData, TrunkData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Units whose certificate, once expired, breaks secure connections.
    tls_units: Vec<String>,
    /// Alarms of devices failing to register ...
    device_alarms: Vec<String>,
    /// ... with these reasons (TLS, authentication, certificate name).
    device_reasons: Vec<String>,
    /// TLS failures closer together than this on one node are one impact.
    gap_s: i64,
    /// Failures up to this long after the expiry can be explained by it.
    explain_within_s: i64,
    /// A certificate no alarm reported is mentioned only when it expires
    /// within this many days of when it was seen (or has expired).
    warn_within_days: i64,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    impact: f64,
    root: f64,
    advisory: f64,
}

struct Certs {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Certs {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// One certificate as the bundle shows it.
#[derive(Default)]
struct Cert<'e> {
    host: String,
    unit: String,
    file: String,
    expires: Option<Timestamp>,
    expires_text: String,
    expired_alarm: Option<Timestamp>,
    alarms: BTreeSet<String>,
    last_seen: Option<Timestamp>,
    events: Vec<&'e Event>,
}

impl Rule for Certs {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::Certificate, Kind::Alarm],
            consumes: vec![Input::Class("trunk-outage".into())],
            produces: vec![
                Output::Class("certificate-rejected".into(), FindingKind::Impact),
                Output::Class("certificate-expired".into(), FindingKind::RootCause),
                Output::Class("certificate-expired".into(), FindingKind::Advisory),
                Output::Class("certificate-expiring".into(), FindingKind::Advisory),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        // TLS failures first: the impacts a certificate may explain.
        let mut tls: Vec<(String, String, Timestamp)> = Vec::new();
        for (host, evs) in self.tls_failures(cx) {
            let f = self.tls_finding(cx, &host, &evs);
            let start = f.start.expect("timed");
            let id = out.push(f);
            tls.push((id, host, start));
        }
        for c in self.certificates(cx).into_values() {
            let expired_at = c.expires.or(c.expired_alarm);
            let tls_unit = self
                .p
                .tls_units
                .iter()
                .any(|u| u.eq_ignore_ascii_case(&c.unit));
            let after = |host: &str, start: Timestamp| {
                tls_unit
                    && host == c.host
                    && expired_at
                        .is_some_and(|x| start >= x && secs(start, x) <= self.p.explain_within_s)
            };
            let mut explains: Vec<(String, String)> = tls
                .iter()
                .filter(|(_, h, s)| after(h, *s))
                .map(|(id, _, _)| (id.clone(), "secure connections failed".to_string()))
                .collect();
            for f in cx.findings() {
                let Data::Trunk(TrunkData {
                    tls: true, trunk, ..
                }) = &f.data
                else {
                    continue;
                };
                if f.start.is_some_and(|s| f.hosts.iter().any(|h| after(h, s))) {
                    explains.push((f.id.clone(), format!("TLS trunk {trunk} out of service")));
                }
            }
            self.cert_finding(cx, out, c, expired_at, explains);
        }
    }
}

/// An expiry stated with a zone we can trust (UTC or GMT), as an instant.
fn expiry_instant(e: &Event) -> Option<Timestamp> {
    let zone = e.fields.get("not_after_zone")?;
    if !(zone.eq_ignore_ascii_case("UTC") || zone.eq_ignore_ascii_case("GMT")) {
        return None;
    }
    let dt: DateTime = e.fields.get("not_after_local")?.parse().ok()?;
    dt.to_zoned_datetime(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

impl Certs {
    /// Each node's certificates, by unit and file.
    fn certificates<'e>(&self, cx: &Context<'e>) -> BTreeMap<(String, String, String), Cert<'e>> {
        let mut out: BTreeMap<(String, String, String), Cert<'e>> = BTreeMap::new();
        for e in cx.events.of(Kind::Certificate) {
            let state = e.fields.get("state").unwrap_or("");
            if state == "rejected" {
                continue;
            }
            let Some(host) = e.host.as_deref().map(|h| cx.hosts.resolve(h)) else {
                continue;
            };
            let unit = e.fields.get("unit").unwrap_or("").to_string();
            let file = e.fields.get("cert_file").unwrap_or("").to_string();
            if unit.is_empty() && file.is_empty() {
                continue;
            }
            let c = out
                .entry((host.clone(), unit.clone(), file.clone()))
                .or_insert_with(|| Cert {
                    host,
                    unit,
                    file,
                    ..Cert::default()
                });
            if let Some(x) = expiry_instant(e) {
                c.expires = Some(x);
            }
            if let Some(t) = e.fields.get("not_after") {
                c.expires_text = t.to_string();
            }
            if let Some(a) = e.fields.get("alarm") {
                c.alarms.insert(a.to_string());
            }
            if let Some(t) = e.time {
                c.last_seen = Some(c.last_seen.map_or(t, |l| l.max(t)));
                if state == "expired" {
                    c.expired_alarm = Some(c.expired_alarm.map_or(t, |x| x.min(t)));
                }
            }
            c.events.push(e);
        }
        out
    }

    /// TLS failures per node, split where they pause longer than `gap_s`.
    fn tls_failures<'e>(&self, cx: &Context<'e>) -> Vec<(String, Vec<&'e Event>)> {
        let mut by: BTreeMap<String, Vec<&'e Event>> = BTreeMap::new();
        let rejected = cx
            .events
            .of(Kind::Certificate)
            .filter(|e| e.fields.get("state") == Some("rejected"));
        let devices = cx.events.of(Kind::Alarm).filter(|e| {
            let name = e.fields.get("alarm").unwrap_or("");
            self.p
                .device_alarms
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
                && e.fields
                    .get("Reason")
                    .is_some_and(|r| self.p.device_reasons.iter().any(|x| x == r))
        });
        for e in rejected.chain(devices).filter(|e| e.time.is_some()) {
            if let Some(h) = e.host.as_deref() {
                by.entry(cx.hosts.resolve(h)).or_default().push(e);
            }
        }
        let mut out = Vec::new();
        for (host, mut evs) in by {
            evs.sort_by_key(|e| e.time);
            let mut run: Vec<&Event> = Vec::new();
            for e in evs {
                if run.last().is_some_and(|l| {
                    secs(e.time.expect("timed"), l.time.expect("timed")) > self.p.gap_s
                }) {
                    out.push((host.clone(), std::mem::take(&mut run)));
                }
                run.push(e);
            }
            if !run.is_empty() {
                out.push((host, run));
            }
        }
        out
    }

    fn tls_finding(&self, cx: &Context<'_>, host: &str, evs: &[&Event]) -> Finding {
        let first = evs[0].time.expect("timed");
        let last = evs.last().expect("non-empty").time.expect("timed");
        let mut peers: BTreeSet<String> = BTreeSet::new();
        let mut devices: BTreeSet<String> = BTreeSet::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut reasons: BTreeMap<String, Code> = BTreeMap::new();
        for e in evs {
            if let Some(n) = e.fields.get("alarm") {
                names.insert(n.to_string());
            }
            if e.kind == Kind::Certificate {
                if let Some(p) = e.fields.get("peer") {
                    peers.insert(p.to_string());
                }
                continue;
            }
            if let Some(d) = e.entity_ids(EntityKind::Device).next() {
                devices.insert(d.to_string());
            }
            if let Some(r) = e.fields.get("Reason") {
                let d = cx
                    .kb
                    .decode_full(e.fields.get("alarm"), e.kind.as_str(), "Reason", r);
                reasons
                    .entry(r.to_string())
                    .or_insert_with(|| Code {
                        code: r.to_string(),
                        name: d.as_ref().map_or(String::new(), |d| d.name.to_string()),
                        confirmed: d.as_ref().is_none_or(|d| d.confirmed),
                        count: 0,
                    })
                    .count += 1;
            }
        }
        let data = TlsFailureData {
            host: host.to_string(),
            peers: peers.into_iter().collect(),
            devices: devices.iter().cloned().collect(),
            reasons: reasons.into_values().collect(),
            names: names.into_iter().collect(),
            count: evs.len(),
            first,
            last,
        };
        let confirmed = data.reasons.iter().all(|c| c.confirmed);
        let mut f = Finding::new(
            FindingKind::Impact,
            "certificate-rejected",
            Data::TlsFailures(data),
        );
        f.start = Some(first);
        f.end = Some(last);
        f.confidence = self.p.confidence.impact;
        f.confirmed = confirmed;
        Finding::add(&mut f.hosts, [host.to_string()]);
        Finding::add(&mut f.devices, devices);
        for e in evs.iter().take(10) {
            f.cite(&e.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        f
    }

    fn cert_finding(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        c: Cert<'_>,
        expired_at: Option<Timestamp>,
        explains: Vec<(String, String)>,
    ) {
        let seen = c.last_seen.or_else(|| cx.events.last_time());
        // Listed certificates far from their expiry (or of unknown expiry)
        // are no news.
        let near = match (c.expires, seen) {
            (Some(x), Some(s)) => secs(x, s) / 86400 <= self.p.warn_within_days,
            _ => false,
        };
        if c.alarms.is_empty() && explains.is_empty() && !near {
            return;
        }
        let expired = c.expired_alarm.is_some()
            || matches!((c.expires, seen), (Some(x), Some(s)) if x <= s)
            || !explains.is_empty();
        let days_left = match (c.expires, seen) {
            (Some(x), Some(s)) => Some(secs(x, s) / 86400),
            _ => None,
        };
        let class = if expired {
            "certificate-expired"
        } else {
            "certificate-expiring"
        };
        let kind = if explains.is_empty() {
            FindingKind::Advisory
        } else {
            FindingKind::RootCause
        };
        let data = CertificateData {
            host: c.host.clone(),
            unit: c.unit.clone(),
            file: c.file.clone(),
            expires: c.expires,
            expires_text: c.expires_text.clone(),
            expired,
            days_left,
            alarms: c.alarms.iter().cloned().collect(),
            explains: explains.iter().map(|(_, w)| w.clone()).collect(),
        };
        let mut f = Finding::new(kind, class, Data::Certificate(data));
        // Expired: since the expiry; expiring: since it was first reported.
        let first_seen = c.events.iter().filter_map(|e| e.time).min();
        f.start = if expired {
            expired_at.or(first_seen)
        } else {
            first_seen
        };
        f.confidence = if explains.is_empty() {
            self.p.confidence.advisory
        } else {
            self.p.confidence.root
        };
        Finding::add(&mut f.hosts, [c.host.clone()]);
        for e in c.events.iter().take(6) {
            f.cite(&e.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        for (effect, _) in &explains {
            out.link(&id, effect);
        }
    }
}
