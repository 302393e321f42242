//! # uctriage-collect
//!
//! Gathers an incident bundle from a live CUCM cluster, gently: the node
//! list and topology from AXL on the publisher, registrations from
//! RisPort70, service states and versions from Control Center, counter
//! snapshots from PerfmonService, the window's logs and traces through DIME
//! (`selectLogFiles` + `GetOneFile`), and the VOS CLI captures `analyze`
//! reads, over SSH at the `admin:` prompt. The result is a folder (or zip)
//! laid out `<node>/<source>/...` with a `manifest.json` that tells
//! `analyze` each file's node and zone for certain.
//!
//! The flow: [`collect`] (in [`run`]) drives the [`soap`] and [`ssh`]
//! clients through the requests of [`api`], and [`bundle`] writes what they
//! bring with its [`manifest`] entry.
#![deny(missing_docs)]

pub mod api;
pub mod bundle;
pub mod manifest;
pub mod run;
pub mod soap;
pub mod ssh;
pub mod tls;
pub mod window;
pub mod xml;

pub use manifest::Manifest;
pub use run::{collect, Config, Progress, Summary};
pub use soap::{Credentials, Politeness};
pub use ssh::HostKeys;
pub use tls::Trust;
