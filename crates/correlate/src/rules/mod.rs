//! One module per rule type; `knowledge/rules/*.toml` says which rules run,
//! with what parameters, and holds the cases that test them.

pub(crate) mod advice;
pub(crate) mod alarm;
pub(crate) mod certs;
pub(crate) mod coincidence;
mod common;
pub(crate) use common::PrintedTypes;
pub(crate) mod contact;
pub(crate) mod contact_cause;
pub(crate) mod crash;
pub(crate) mod disk;
pub(crate) mod eos;
pub(crate) mod episodes;
pub(crate) mod failover;
pub(crate) mod hardware;
pub(crate) mod impact;
pub(crate) mod memory;
pub(crate) mod network;
pub(crate) mod ntp;
pub(crate) mod recurrence;
pub(crate) mod replication;
pub(crate) mod trunks;
pub(crate) mod unusual;
