//! The one list of rule types: a rule file's `type` names one of these. A
//! new type is a module under `rules/` plus one line here.

use super::Rule;
use crate::rules;
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

/// Builds a rule from its spec (parameters checked strictly) and the
/// knowledge it may draw facts from.
pub type Build = fn(&RuleSpec, &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError>;

/// A rule type: its name in rule files, what it does, how to build it.
pub struct RuleType {
    /// Name in `type = "..."`.
    pub name: &'static str,
    /// One line for `uctriage knowledge`.
    pub summary: &'static str,
    /// How to build a rule of this type.
    pub build: Build,
}

/// Every rule type, in documentation order.
pub fn rule_types() -> &'static [RuleType] {
    const TYPES: &[RuleType] = &[
        RuleType {
            name: "metric_episodes",
            summary: "metric samples and pings become series; departures from their band become episodes",
            build: rules::episodes::build,
        },
        RuleType {
            name: "impact",
            summary: "who lost service: application losses and unregistration bursts above the background",
            build: rules::impact::build,
        },
        RuleType {
            name: "crash_root_cause",
            summary: "a service core on the node the lost devices depend on, and what starved that node",
            build: rules::crash::build,
        },
        RuleType {
            name: "site_network_outage",
            summary: "devices of one place losing their connection together with no node fault",
            build: rules::network::build,
        },
        RuleType {
            name: "coincidence",
            summary: "other hosts' problems: coincidence or possibly contributing",
            build: rules::coincidence::build,
        },
        RuleType {
            name: "recurrence",
            summary: "the root-cause node crashed the same way before",
            build: rules::recurrence::build,
        },
        RuleType {
            name: "end_of_support",
            summary: "products in the bundle past their end of support",
            build: rules::eos::build,
        },
        RuleType {
            name: "advice",
            summary: "post-incident steps the findings call for",
            build: rules::advice::build,
        },
        RuleType {
            name: "alarm",
            summary: "declarative: matching alarms grouped, counted in a window, tied to a finding by topology and time",
            build: rules::alarm::build,
        },
        RuleType {
            name: "replication_health",
            summary: "database replication broken: which nodes, since when, cluster-wide or behind a node that is down, what is at risk",
            build: rules::replication::build,
        },
        RuleType {
            name: "ntp_sync",
            summary: "a node's clock not synchronised and why (server NTP version, stratum, refused servers); on the publisher it explains replication failures",
            build: rules::ntp::build,
        },
        RuleType {
            name: "trunk_outage",
            summary: "trunks and gateways out of service (peer reasons decoded) and the calls that failed through their route lists",
            build: rules::trunks::build,
        },
        RuleType {
            name: "certificate_expiry",
            summary: "certificates expiring or expired, TLS failures, and the expired certificate behind them",
            build: rules::certs::build,
        },
        RuleType {
            name: "disk_space",
            summary: "partitions full or above their water marks, the services that failed after, traces purged before they were collected",
            build: rules::disk::build,
        },
        RuleType {
            name: "memory_pressure",
            summary: "process memory growth and memory alarms, the Code Yellow and the restart that follow",
            build: rules::memory::build,
        },
        RuleType {
            name: "host_hardware",
            summary: "a server's hardware or storage fault (CIMC, ESXi), the VMs on it (inventory) that hung, and what each took down",
            build: rules::hardware::build,
        },
        RuleType {
            name: "node_failover",
            summary: "devices re-registering on the backup node of their CallManager group while their primary is silent; fallback is recovery",
            build: rules::failover::build,
        },
        RuleType {
            name: "contact_centre_failover",
            summary: "a UCCE PG, Finesse or UCCX failover, the agents logged out and calls dropped in it, and the core or PG network loss behind it",
            build: rules::contact::build,
        },
        RuleType {
            name: "contact_centre_cause",
            summary: "links the crash finding of the core behind a contact-centre failover to it",
            build: rules::contact_cause::build,
        },
        RuleType {
            name: "unusual_activity",
            summary: "log templates no rule knows that are new or spiking on a host in the incident window",
            build: rules::unusual::build,
        },
    ];
    TYPES
}
