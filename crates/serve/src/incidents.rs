//! Incidents: findings of successive window runs, kept under one stable
//! identity while they last.
//!
//! A window run gives findings. The *problem* findings (impact, root cause,
//! contributing, coincidental) are grouped by time: findings whose spans
//! overlap, or lie within [`Policy::gap`] of each other, tell one story. A
//! group that overlaps an open incident updates it (same id, findings
//! replaced by the newer run, span widened); any other group opens a new one.
//! Advisory and recurrence findings join the groups they overlap.
//!
//! An incident closes when everything is back — every impact it lists has
//! an end (all its devices, addresses and services returned) and nothing
//! changed for [`Policy::settle`] — or, without an impact, when no new
//! evidence arrived for [`Policy::quiet`]. An impact that never ends keeps
//! its incident open for [`Policy::stale`].

use serde::{Deserialize, Serialize};
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_correlate::{Finding, FindingKind};

/// Open or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still going on.
    Open,
    /// Over.
    Closed,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }
}

/// The stretch of event time a window run covered.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// First instant.
    pub from: Timestamp,
    /// Last instant.
    pub until: Timestamp,
}

/// One incident, as the API returns it and the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable number.
    pub id: u64,
    /// Open or closed.
    pub status: Status,
    /// When it was opened (wall clock).
    pub opened: Timestamp,
    /// When its findings last changed (wall clock).
    pub updated: Timestamp,
    /// When it was closed (wall clock).
    pub closed: Option<Timestamp>,
    /// Why it was closed.
    pub closed_because: Option<String>,
    /// One line: the root cause's title (else the first finding's).
    pub title: String,
    /// The root cause's title, when there is one.
    pub root_cause: Option<String>,
    /// Hosts its findings involve.
    pub hosts: Vec<String>,
    /// Earliest finding start (event time).
    pub start: Option<Timestamp>,
    /// Latest finding end or start (event time).
    pub end: Option<Timestamp>,
    /// The window of the run that last updated it (the report re-runs it).
    pub window: Window,
    /// Findings, the same JSON as `uctriage analyze --format json`.
    pub findings: serde_json::Value,
    /// Notes of that run (zones undecided, missing topology, ...).
    pub notes: Vec<String>,
}

/// What happened to an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new incident.
    Opened,
    /// Its root cause changed.
    RootCauseChanged,
    /// Its findings changed otherwise.
    Updated,
    /// It is over.
    Closed,
}

/// A change to announce (webhooks) and keep (store).
#[derive(Clone, Debug)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The incident after it.
    pub incident: Incident,
}

/// The tracker's parameters.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Findings this close in event time tell one story.
    pub gap: SignedDuration,
    /// Without an impact: closed after this long without new evidence (wall clock).
    pub quiet: SignedDuration,
    /// With every impact ended: closed after this long without change.
    pub settle: SignedDuration,
    /// With an impact that never ends: closed after this long without change.
    pub stale: SignedDuration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            gap: SignedDuration::from_mins(30),
            quiet: SignedDuration::from_mins(15),
            settle: SignedDuration::from_secs(30),
            stale: SignedDuration::from_hours(24),
        }
    }
}

/// Open incidents and the next id.
#[derive(Debug)]
pub struct Tracker {
    open: Vec<Incident>,
    next_id: u64,
    policy: Policy,
}

fn is_problem(k: FindingKind) -> bool {
    matches!(
        k,
        FindingKind::Impact
            | FindingKind::RootCause
            | FindingKind::Contributing
            | FindingKind::Coincidental
    )
}

fn span(f: &Finding) -> Option<(Timestamp, Timestamp)> {
    let s = f.start?;
    Some((s, f.end.unwrap_or(s).max(s)))
}

fn near(a: (Timestamp, Timestamp), b: (Timestamp, Timestamp), gap: SignedDuration) -> bool {
    a.0 <= b.1 + gap && b.0 <= a.1 + gap
}

impl Tracker {
    /// A tracker that goes on from the incidents still open and the next id.
    pub fn new(open: Vec<Incident>, next_id: u64, policy: Policy) -> Tracker {
        Tracker {
            open,
            next_id,
            policy,
        }
    }

    /// Open incidents.
    pub fn open(&self) -> &[Incident] {
        &self.open
    }

    /// Take the findings of a window run; returns what changed.
    pub fn observe(
        &mut self,
        findings: &[Finding],
        notes: &[String],
        window: Window,
        now: Timestamp,
    ) -> Vec<Change> {
        let gap = self.policy.gap;
        // Group problem findings by time.
        let mut problems: Vec<(&Finding, (Timestamp, Timestamp))> = findings
            .iter()
            .filter(|f| is_problem(f.kind))
            .map(|f| (f, span(f).unwrap_or((window.until, window.until))))
            .collect();
        problems.sort_by_key(|(_, s)| *s);
        let mut groups: Vec<((Timestamp, Timestamp), Vec<&Finding>)> = Vec::new();
        for (f, s) in problems {
            match groups.last_mut() {
                Some((g, members)) if near(*g, s, gap) => {
                    g.1 = g.1.max(s.1);
                    members.push(f);
                }
                _ => groups.push((s, vec![f])),
            }
        }
        let mut changes = Vec::new();
        let mut taken: Vec<u64> = Vec::new();
        for (g, mut members) in groups {
            for f in findings.iter().filter(|f| !is_problem(f.kind)) {
                if span(f).is_none_or(|s| near(g, s, gap)) {
                    members.push(f);
                }
            }
            // Findings in the order analyze gave them (impact first).
            members.sort_by_key(|m| findings.iter().position(|f| std::ptr::eq(f, *m)));
            let found = self.open.iter().position(|i| {
                !taken.contains(&i.id)
                    && match (i.start, i.end) {
                        (Some(s), Some(e)) => near((s, e), g, gap),
                        _ => false,
                    }
            });
            let change = match found {
                Some(at) => self.update(at, &members, notes, window, g, now),
                None => Some(self.open_new(&members, notes, window, g, now)),
            };
            if let Some(c) = change {
                taken.push(c.incident.id);
                changes.push(c);
            } else if let Some(at) = found {
                taken.push(self.open[at].id);
            }
        }
        changes
    }

    /// Close what is over at `now`.
    pub fn sweep(&mut self, now: Timestamp) -> Vec<Change> {
        let p = self.policy;
        let mut changes = Vec::new();
        let mut still = Vec::new();
        for mut i in std::mem::take(&mut self.open) {
            let idle = now.duration_since(i.updated);
            let impacts: Vec<&serde_json::Value> = i
                .findings
                .as_array()
                .map(|a| a.iter().filter(|f| f["kind"] == "impact").collect())
                .unwrap_or_default();
            let all_back = impacts.iter().all(|f| !f["end"].is_null());
            let why = if !impacts.is_empty() && all_back && idle >= p.settle {
                Some("everything is back: every impact ended".to_string())
            } else if impacts.is_empty() && idle >= p.quiet {
                Some(format!("no new evidence for {}", human(p.quiet)))
            } else if !impacts.is_empty() && idle >= p.stale {
                Some(format!(
                    "stale: an impact never ended and nothing changed for {}",
                    human(p.stale)
                ))
            } else {
                None
            };
            match why {
                Some(why) => {
                    i.status = Status::Closed;
                    i.closed = Some(now);
                    i.closed_because = Some(why);
                    changes.push(Change {
                        kind: ChangeKind::Closed,
                        incident: i,
                    });
                }
                None => still.push(i),
            }
        }
        self.open = still;
        changes
    }

    fn open_new(
        &mut self,
        members: &[&Finding],
        notes: &[String],
        window: Window,
        g: (Timestamp, Timestamp),
        now: Timestamp,
    ) -> Change {
        let id = self.next_id;
        self.next_id += 1;
        let mut i = Incident {
            id,
            status: Status::Open,
            opened: now,
            updated: now,
            closed: None,
            closed_because: None,
            title: String::new(),
            root_cause: None,
            hosts: Vec::new(),
            start: Some(g.0),
            end: Some(g.1),
            window,
            findings: serde_json::Value::Null,
            notes: Vec::new(),
        };
        fill(&mut i, members, notes);
        self.open.push(i.clone());
        Change {
            kind: ChangeKind::Opened,
            incident: i,
        }
    }

    fn update(
        &mut self,
        at: usize,
        members: &[&Finding],
        notes: &[String],
        window: Window,
        g: (Timestamp, Timestamp),
        now: Timestamp,
    ) -> Option<Change> {
        let i = &mut self.open[at];
        let before = (i.findings.clone(), i.root_cause.clone());
        fill(i, members, notes);
        i.start = i.start.map(|s| s.min(g.0)).or(Some(g.0));
        i.end = i.end.map(|e| e.max(g.1)).or(Some(g.1));
        if i.findings == before.0 {
            return None;
        }
        i.window = window;
        i.updated = now;
        let kind = if i.root_cause != before.1 {
            ChangeKind::RootCauseChanged
        } else {
            ChangeKind::Updated
        };
        Some(Change {
            kind,
            incident: i.clone(),
        })
    }
}

fn fill(i: &mut Incident, members: &[&Finding], notes: &[String]) {
    i.findings = serde_json::to_value(members).unwrap_or_default();
    i.root_cause = members
        .iter()
        .find(|f| f.kind == FindingKind::RootCause)
        .map(|f| f.title.clone());
    i.title = i
        .root_cause
        .clone()
        .or_else(|| members.first().map(|f| f.title.clone()))
        .unwrap_or_default();
    let mut hosts: Vec<String> = members.iter().flat_map(|f| f.hosts.clone()).collect();
    hosts.sort();
    hosts.dedup();
    i.hosts = hosts;
    i.notes = notes.to_vec();
}

fn human(d: SignedDuration) -> String {
    let s = d.as_secs();
    if s % 3600 == 0 && s >= 3600 {
        format!("{} h", s / 3600)
    } else if s % 60 == 0 && s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        format!("2019-07-12T{s}Z").parse().unwrap()
    }

    fn finding(kind: FindingKind, title: &str, start: &str, end: Option<&str>) -> Finding {
        let data = uctriage_correlate::Data::Advice(uctriage_correlate::data::AdviceData {
            triggers: Vec::new(),
            items: Vec::new(),
        });
        let mut f = Finding::new(kind, "test", data);
        f.title = title.into();
        f.start = Some(t(start));
        f.end = end.map(t);
        f.hosts = vec!["cm7".into()];
        f
    }

    fn win() -> Window {
        Window {
            from: t("12:00:00"),
            until: t("18:00:00"),
        }
    }

    #[test]
    fn re_runs_keep_one_identity_and_announce_a_new_root_cause() {
        let mut tr = Tracker::new(Vec::new(), 7, Policy::default());
        let now = t("18:00:00");
        let a = vec![finding(FindingKind::Impact, "ports lost", "17:33:19", None)];
        let c = tr.observe(&a, &[], win(), now);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Opened);
        assert_eq!(c[0].incident.id, 7);
        assert!(
            tr.observe(&a, &[], win(), now).is_empty(),
            "the same findings change nothing"
        );
        let mut b = a.clone();
        b.push(finding(
            FindingKind::RootCause,
            "ccm crashed",
            "17:35:57",
            Some("17:36:10"),
        ));
        let c = tr.observe(&b, &[], win(), now + SignedDuration::from_secs(3));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::RootCauseChanged);
        assert_eq!(c[0].incident.id, 7);
        assert_eq!(c[0].incident.title, "ccm crashed");
        assert_eq!(c[0].incident.findings.as_array().unwrap().len(), 2);
    }

    #[test]
    fn findings_far_apart_in_time_are_two_incidents() {
        let mut tr = Tracker::new(Vec::new(), 1, Policy::default());
        let f = vec![
            finding(
                FindingKind::RootCause,
                "morning",
                "08:00:00",
                Some("08:05:00"),
            ),
            finding(
                FindingKind::RootCause,
                "afternoon",
                "16:00:00",
                Some("16:05:00"),
            ),
            finding(FindingKind::Advisory, "advice", "16:01:00", None),
        ];
        let c = tr.observe(&f, &[], win(), t("18:00:00"));
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[1].incident.findings.as_array().unwrap().len(),
            2,
            "advice joins the group it overlaps"
        );
        assert_eq!(c[0].incident.findings.as_array().unwrap().len(), 1);
    }

    #[test]
    fn an_incident_closes_when_everything_is_back_or_when_quiet() {
        let p = Policy::default();
        let mut tr = Tracker::new(Vec::new(), 1, p);
        let now = t("18:00:00");
        tr.observe(
            &[finding(FindingKind::Impact, "lost", "17:33:19", None)],
            &[],
            win(),
            now,
        );
        assert!(
            tr.sweep(now + p.quiet + p.settle).is_empty(),
            "an impact that has not ended keeps it open"
        );
        tr.observe(
            &[finding(
                FindingKind::Impact,
                "lost",
                "17:33:19",
                Some("17:50:00"),
            )],
            &[],
            win(),
            now + SignedDuration::from_secs(60),
        );
        assert!(tr.sweep(now + SignedDuration::from_secs(61)).is_empty());
        let c = tr.sweep(now + SignedDuration::from_secs(60) + p.settle);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ChangeKind::Closed);
        assert!(c[0]
            .incident
            .closed_because
            .as_deref()
            .unwrap()
            .starts_with("everything is back"));
        let mut tr = Tracker::new(Vec::new(), 1, p);
        tr.observe(
            &[finding(
                FindingKind::Coincidental,
                "cpu",
                "12:45:00",
                Some("17:54:00"),
            )],
            &[],
            win(),
            now,
        );
        assert!(tr.sweep(now + p.settle).is_empty());
        assert_eq!(tr.sweep(now + p.quiet).len(), 1);
        assert!(tr.open().is_empty());
    }
}
