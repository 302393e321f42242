//! # uctriage-live
//!
//! The live source of uctriage: syslog received over UDP, TCP (newline or
//! octet-counting framing) and TLS, turned into the same parsed records a
//! bundle's syslog file gives, so the stream meets the same normalization
//! and the same rules as a bundle.
//!
//! Brief overview:
//! - [`serve_udp`] and [`serve_tcp`] receive into one bounded [`Intake`]:
//!   back-pressure on streams, counted drops on datagrams, [`Counters`] for
//!   everything that went wrong.
//! - [`Framer`] splits a stream into messages (RFC 6587), [`message_text`]
//!   makes a message one escaped line, [`rfc5424`] reads an RFC 5424 header.
//! - [`decode`] turns a batch of one sender's messages into a
//!   [`uctriage_formats::ParsedFile`] with the cisco-syslog parser (RFC 3164,
//!   CUCM remote syslog, RTMT alerts) plus the RFC 5424 header's own facts.
//!
//! ```
//! use uctriage_live::{decode, Item};
//! let received = "2019-07-12T17:36:00Z".parse().unwrap();
//! let msg = "<187>61910: cm7.example.net: Jul 12 2019 17:35:57.962 UTC : %UC_SERVICEMANAGER-2-ServiceFailed: %[ServiceName=Cisco CallManager][Reason=Service stopped abruptly][AppID=Cisco Service Manager][ClusterID=][NodeID=cm7]: Service terminated.";
//! let d = decode("syslog/10.0.0.7", "10.0.0.7", [Item { id: 1, text: msg, received }]);
//! assert_eq!(d.malformed, 0);
//! assert_eq!(d.parsed.events[0].host.as_deref(), Some("cm7"));
//! assert_eq!(d.parsed.events[0].kind.as_str(), "service_state");
//! ```
#![deny(missing_docs)]

mod decode;
mod frame;
mod receive;
mod wire;

pub use decode::{decode, Decoded, Item, RECEIVED_CLOCK};
pub use frame::{Frame, FrameRef, Framer};
pub use receive::{
    intake, serve_tcp, serve_udp, tls_acceptor, Arrival, Budget, Counters, Intake, Limits, Message,
    Room, Transport,
};
pub use wire::{message_text, pri, rfc5424, Rfc5424};
