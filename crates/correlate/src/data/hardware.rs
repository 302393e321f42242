//! Payloads of host hardware and node failures: a physical server's storage
//! or hardware fault, the VMs on it that hung, and devices that moved to the
//! backup node of their CallManager group while their primary was silent.

use super::Code;
use serde::Serialize;
use uctriage_core::jiff::Timestamp;

/// One faulty part of a server, as the logs named it.
#[derive(Clone, Debug, Serialize)]
pub struct FaultPart {
    /// Where it was seen: `cimc` (hardware fault) or `esxi` (storage I/O).
    pub seen: String,
    /// Component (`storage_controller`, `virtual_drive`, ...) or storage condition.
    pub what: String,
    /// Decoded states or conditions, with fault codes (`F1004`).
    pub codes: Vec<Code>,
    /// First time seen (None: only in an untimed CLI snapshot).
    pub first: Option<Timestamp>,
    /// Events.
    pub count: usize,
}

/// A physical server's hardware or storage fault and the VMs it hung.
#[derive(Clone, Debug, Serialize)]
pub struct HardwareData {
    /// The ESXi host (or the server, when no inventory names it).
    pub server: String,
    /// Other names its faults were logged under (its CIMC).
    pub managers: Vec<String>,
    /// The faulty parts, first seen first.
    pub parts: Vec<FaultPart>,
    /// The first fault.
    pub first: Timestamp,
    /// When every timed fault was cleared, if the bundle says so.
    pub cleared_at: Option<Timestamp>,
    /// VMs the inventory places on the server.
    pub vms: Vec<String>,
    /// VMs that hung (their dependents failed over, or they were reset).
    pub hung: Vec<String>,
    /// True when no VM's trouble was tied to it (advice only).
    pub untied: bool,
    /// Every fault only lowered redundancy (advice only).
    pub redundancy_only: bool,
}

/// A VM that hung on a faulty server, and what it took down.
#[derive(Clone, Debug, Serialize)]
pub struct VmHangData {
    /// The VM (a node).
    pub vm: String,
    /// Its server.
    pub server: String,
    /// Its datastore, when the inventory says.
    pub datastore: Option<String>,
    /// Impacts it explains, by class: (class, count).
    pub victims: Vec<(String, usize)>,
    /// Of them, classes tied to it by its role (a PG or CTI server) and
    /// the time only: the bundle does not say which server the clients used.
    pub inferred: Vec<String>,
    /// Devices that lost it.
    pub devices: usize,
    /// When the VM was reset or powered off (hostd), if it was.
    pub reset_at: Option<Timestamp>,
    /// The boot after was ungraceful (system-history.log).
    pub ungraceful_boot: Option<Timestamp>,
}

/// Devices that moved to the backup node of their CallManager group.
#[derive(Clone, Debug, Serialize)]
pub struct FailoverData {
    /// The primary node they left.
    pub primary: String,
    /// Backup nodes they registered on: node → devices.
    pub backups: Vec<super::NodeCount>,
    /// The devices.
    pub devices: Vec<String>,
    /// Their sorts.
    pub device_types: Vec<super::TypeCount>,
    /// The primary logged nothing from shortly before until the end of the move.
    pub primary_silent: bool,
    /// Devices that fell back to the primary later (recovery).
    pub fell_back: usize,
    /// When the last one fell back (all of them).
    pub fell_back_at: Option<Timestamp>,
    /// Fallback reasons as decoded (FallbackInitiated).
    pub fallback_codes: Vec<Code>,
}
