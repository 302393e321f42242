//! Typed facts of the contact-centre findings: a PG or UCCX failover with
//! what the agents, Finesse and CVP saw, and the PG side's network loss.

use super::NodeCount;
use serde::Serialize;
use uctriage_core::jiff::Timestamp;

/// One PG whose side or peripheral changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PgChange {
    /// The PG without its side letter (`PG2`).
    pub pg: String,
    /// The side that went idle or offline, when a trace says.
    pub from_side: Option<String>,
    /// The side that went active or online after it.
    pub to_side: Option<String>,
    /// Peripherals reported offline.
    pub peripherals: Vec<String>,
}

/// One Finesse server that lost its CTI server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FinesseChange {
    /// The Finesse host.
    pub host: String,
    /// The CTI server side it lost, when it says.
    pub lost: Option<String>,
    /// The side it connected to again, when it says.
    pub to: Option<String>,
    /// When it connected again.
    pub back_at: Option<Timestamp>,
}

/// What caused a contact-centre failover, as another finding says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CcCause {
    /// The cause's class (`service-hang`, `pg-network-loss`).
    pub class: String,
    /// Its host.
    pub host: String,
    /// The failed service or link, in a few words.
    pub what: String,
    /// True when the PG's own traces name that host (its JTAPI provider);
    /// false when only time ties them.
    pub named: bool,
    /// When it happened (the core's time, the link's failure).
    pub at: Option<Timestamp>,
}

/// A contact-centre failover and who lost service in it.
#[derive(Clone, Debug, Serialize)]
pub struct ContactCentreData {
    /// UCCE PGs that changed side or lost a peripheral.
    pub pgs: Vec<PgChange>,
    /// Finesse servers that lost their CTI server.
    pub finesse: Vec<FinesseChange>,
    /// Agents logged out (the largest count one host reported).
    pub agents_out: usize,
    /// Agents logged out, per reporting host.
    pub agents_by: Vec<NodeCount>,
    /// Peripheral IDs the logout events named (their CTI server's PG).
    pub agent_peripherals: Vec<String>,
    /// Calls CVP or UCCX reported dropped or failed.
    pub calls_dropped: usize,
    /// The hosts that reported them.
    pub call_hosts: Vec<String>,
    /// Of them, calls sent to CVP's error label.
    pub error_label_calls: usize,
    /// UCCX nodes that became master.
    pub uccx_master: Vec<String>,
    /// Words of a planned (administrative) failover, when one was requested.
    pub planned: Option<String>,
    /// What caused it, when the bundle shows it.
    pub cause: Option<CcCause>,
    /// When the bundle holds no failover line, only a burst of logouts:
    /// what the agents were logged out of (`Finesse`).
    pub logged_out_of: Option<String>,
}

/// A PG side that lost its network before the PG failed over.
#[derive(Clone, Debug, Serialize)]
pub struct PgNetworkData {
    /// The PG host that reported it.
    pub host: String,
    /// The PG and side token (`PG2A`).
    pub pg: String,
    /// What was lost (the component, as the parser names it).
    pub component: String,
    /// Which network that means (`private network (MDS in simplex ...)`).
    pub network: String,
    /// The trace's own words.
    pub what: String,
    /// When it came back, if it did.
    pub back_at: Option<Timestamp>,
}
