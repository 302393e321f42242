//! The receivers: syslog over UDP, TCP and TLS into one bounded intake.
//!
//! Memory is bounded by a byte budget shared by every receiver: a message
//! holds its bytes of the budget until the consumer drops it (after it is
//! stored). A TCP or TLS receiver waits for room, so it stops reading its
//! socket and the sender is slowed by TCP itself (back-pressure); a UDP
//! receiver cannot slow its senders, so a datagram that finds no room is
//! dropped and counted. A malformed or oversized message costs a counter,
//! never the process.
//!
//! Messages travel in [`Arrival`]s: every message one read of a stream
//! yielded (or a run of datagrams read at once), with one share of the
//! budget for all of them, so the cost of queueing is paid per read, not
//! per message.

use crate::frame::Framer;
use crate::wire::message_text;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use uctriage_core::jiff::Timestamp;

/// How a message arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A UDP datagram.
    Udp,
    /// A plain TCP stream.
    Tcp,
    /// A TLS stream (RFC 5425).
    Tls,
}

impl Transport {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// One received message.
#[derive(Debug)]
pub struct Message {
    /// Who sent it.
    pub peer: SocketAddr,
    /// How.
    pub transport: Transport,
    /// When it was read.
    pub received: Timestamp,
    /// Its text, control characters escaped ([`message_text`]).
    pub text: String,
    /// It was longer than the cap and was cut.
    pub truncated: bool,
}

/// Messages read together, holding their share of the intake's byte budget.
#[derive(Debug)]
pub struct Arrival {
    /// The messages, in the order they were read.
    pub messages: Vec<Message>,
    /// Their share of the budget: keep it until they are stored.
    pub room: Room,
}

/// A share of the intake's byte budget; dropping it frees the room.
#[derive(Debug)]
pub struct Room(#[allow(dead_code)] OwnedSemaphorePermit);

/// Counters every receiver adds to (read by the stats endpoint).
#[derive(Debug, Default)]
pub struct Counters {
    /// Messages read off the wire (UDP ones dropped for lack of room included).
    pub received: AtomicU64,
    /// UDP messages dropped because the intake was full.
    pub dropped: AtomicU64,
    /// Messages cut at the size cap, or framing errors.
    pub malformed: AtomicU64,
    /// Bytes read off the wire.
    pub bytes: AtomicU64,
    /// TCP/TLS connections accepted so far.
    pub connections: AtomicU64,
    /// Connections refused (over the limit, failed TLS handshakes).
    pub refused: AtomicU64,
}

/// Limits of the intake.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of messages received and not yet stored, across all receivers, at most.
    pub budget_bytes: usize,
    /// The budget never shrinks below this (room for a burst of datagrams).
    pub min_budget_bytes: usize,
    /// Longest message kept; longer ones are cut and counted as malformed.
    pub max_message: usize,
    /// Open TCP/TLS connections at most.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            budget_bytes: 64 << 20,
            min_budget_bytes: 64 << 10,
            max_message: 64 << 10,
            max_connections: 1024,
        }
    }
}

/// The intake's byte budget, adjustable while it runs (see [`Budget::set`]).
#[derive(Clone, Debug)]
pub struct Budget {
    room: Arc<Semaphore>,
    current: Arc<std::sync::atomic::AtomicUsize>,
    floor: usize,
    ceiling: usize,
}

impl Budget {
    /// Aim the budget at `bytes`, within [`Limits::min_budget_bytes`] and
    /// [`Limits::budget_bytes`]. The consumer sets it to what it stores in
    /// about half a second, so what was read and not yet stored (what a
    /// SIGKILL loses) stays under a second of traffic however slow the store.
    pub fn set(&self, bytes: usize) {
        let want = bytes.clamp(self.floor, self.ceiling);
        let cur = self.current.load(Ordering::Relaxed);
        if want > cur {
            self.room.add_permits(want - cur);
            self.current.store(want, Ordering::Relaxed);
        } else if want < cur {
            let gone = self.room.forget_permits(cur - want);
            self.current.fetch_sub(gone, Ordering::Relaxed);
        }
    }

    /// The budget now, in bytes.
    pub fn bytes(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }
}

/// The shared entrance of all receivers.
#[derive(Clone, Debug)]
pub struct Intake {
    tx: mpsc::Sender<Arrival>,
    room: Arc<Semaphore>,
    budget: Budget,
    conns: Arc<Semaphore>,
    /// Counters of every receiver.
    pub counters: Arc<Counters>,
    limits: Limits,
}

/// An intake and the receiving end its messages come out of.
pub fn intake(limits: Limits) -> (Intake, mpsc::Receiver<Arrival>) {
    // Every queued arrival holds at least one byte of the budget, so the
    // queue's length is bounded by the budget too; the channel only needs
    // to be long enough not to be the bottleneck.
    let (tx, rx) = mpsc::channel(64 * 1024);
    let room = Arc::new(Semaphore::new(limits.budget_bytes));
    let intake = Intake {
        tx,
        budget: Budget {
            room: room.clone(),
            current: Arc::new(std::sync::atomic::AtomicUsize::new(limits.budget_bytes)),
            floor: limits.min_budget_bytes.min(limits.budget_bytes),
            ceiling: limits.budget_bytes,
        },
        room,
        conns: Arc::new(Semaphore::new(limits.max_connections)),
        counters: Arc::new(Counters::default()),
        limits,
    };
    (intake, rx)
}

impl Intake {
    /// A handle on the byte budget (it does not keep the intake open).
    pub fn budget(&self) -> Budget {
        self.budget.clone()
    }

    /// The most one arrival costs: a whole arrival must fit the smallest budget.
    fn max_cost(&self) -> usize {
        self.limits
            .min_budget_bytes
            .min(self.limits.budget_bytes)
            .max(1)
    }

    fn cost(&self, text: &str) -> usize {
        text.len().clamp(1, self.max_cost())
    }

    fn count(&self, bytes: &[u8], truncated: bool) -> String {
        self.counters.received.fetch_add(1, Ordering::Relaxed);
        self.counters
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if truncated {
            self.counters.malformed.fetch_add(1, Ordering::Relaxed);
        }
        message_text(bytes)
    }

    /// Queue messages, waiting for room (stream receivers); `cost` is their
    /// share of the budget, at most [`Intake::max_cost`]. False when the
    /// consumer is gone.
    async fn push_wait(&self, messages: Vec<Message>, cost: usize) -> bool {
        if messages.is_empty() {
            return true;
        }
        let room = tokio::select! {
            r = self.room.clone().acquire_many_owned(cost.clamp(1, self.max_cost()) as u32) => r,
            // The consumer is gone (the server stops): nobody will make room.
            _ = self.tx.closed() => return false,
        };
        let Ok(room) = room else {
            return false;
        };
        self.tx
            .send(Arrival {
                messages,
                room: Room(room),
            })
            .await
            .is_ok()
    }
}

/// The messages of one stream read, grouped so that each group's cost fits
/// the smallest budget, then queued group by group.
struct Pending {
    messages: Vec<Message>,
    cost: usize,
}

impl Pending {
    fn new() -> Pending {
        Pending {
            messages: Vec::new(),
            cost: 0,
        }
    }

    /// Add one message, queueing what was held first when it would not fit
    /// one group. False when the consumer is gone.
    async fn add(&mut self, intake: &Intake, msg: Message) -> bool {
        let c = intake.cost(&msg.text);
        if !self.messages.is_empty()
            && self.cost + c > intake.max_cost()
            && !self.flush(intake).await
        {
            return false;
        }
        self.cost += c;
        self.messages.push(msg);
        true
    }

    /// Queue what is held. False when the consumer is gone.
    async fn flush(&mut self, intake: &Intake) -> bool {
        let cost = std::mem::take(&mut self.cost);
        intake
            .push_wait(std::mem::take(&mut self.messages), cost)
            .await
    }
}

/// Datagrams read in one go at most (then they are queued together).
const DATAGRAMS_AT_ONCE: usize = 256;

/// A run of datagrams being gathered: each takes its own share of the
/// budget when it is read, or is dropped and counted when there is none.
struct Datagrams {
    messages: Vec<Message>,
    room: Option<OwnedSemaphorePermit>,
}

impl Datagrams {
    fn add(&mut self, intake: &Intake, peer: SocketAddr, bytes: &[u8]) {
        let text = intake.count(bytes, false);
        let Ok(permit) = intake
            .room
            .clone()
            .try_acquire_many_owned(intake.cost(&text) as u32)
        else {
            intake.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match &mut self.room {
            Some(r) => r.merge(permit),
            None => self.room = Some(permit),
        }
        self.messages.push(Message {
            peer,
            transport: Transport::Udp,
            received: Timestamp::now(),
            text,
            truncated: false,
        });
    }

    fn queue(&mut self, intake: &Intake) {
        let messages = std::mem::take(&mut self.messages);
        let Some(room) = self.room.take() else {
            return;
        };
        let n = messages.len() as u64;
        if intake
            .tx
            .try_send(Arrival {
                messages,
                room: Room(room),
            })
            .is_err()
        {
            intake.counters.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Receive datagrams until `stop` turns true.
pub async fn serve_udp(sock: UdpSocket, intake: Intake, mut stop: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 65_536];
    let mut run = Datagrams {
        messages: Vec::new(),
        room: None,
    };
    loop {
        tokio::select! {
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, peer)) => {
                    let n = n.min(intake.limits.max_message);
                    run.add(&intake, peer, &buf[..n]);
                    // What else the kernel holds now is read without waiting.
                    for _ in 1..DATAGRAMS_AT_ONCE {
                        match sock.try_recv_from(&mut buf) {
                            Ok((n, peer)) => {
                                let n = n.min(intake.limits.max_message);
                                run.add(&intake, peer, &buf[..n]);
                            }
                            Err(_) => break,
                        }
                    }
                    run.queue(&intake);
                }
                // ICMP errors and the like surface here on some systems: not fatal.
                Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
            },
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Accept TCP connections (TLS when `tls` is given) until `stop` turns true;
/// each connection is read until it closes, or, after `stop`, until it has
/// been quiet for a moment (what was sent before the stop is still read).
pub async fn serve_tcp(
    listener: TcpListener,
    intake: Intake,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    let mut accept_stop = stop.clone();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let Ok((stream, peer)) = r else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let Ok(slot) = intake.conns.clone().try_acquire_owned() else {
                    intake.counters.refused.fetch_add(1, Ordering::Relaxed);
                    drop(stream);
                    continue;
                };
                intake.counters.connections.fetch_add(1, Ordering::Relaxed);
                let (intake, tls, stop) = (intake.clone(), tls.clone(), stop.clone());
                tasks.spawn(async move {
                    let _slot = slot;
                    connection(stream, peer, intake, tls, stop).await;
                });
                while tasks.try_join_next().is_some() {}
            }
            _ = accept_stop.changed() => break,
        }
        if *accept_stop.borrow() {
            break;
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    intake: Intake,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => read_stream(stream, peer, Transport::Tcp, intake, stop).await,
        Some(acceptor) => {
            let hs = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
            match hs {
                Ok(Ok(s)) => read_stream(s, peer, Transport::Tls, intake, stop).await,
                _ => {
                    intake.counters.refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

async fn read_stream<S: tokio::io::AsyncRead + Unpin>(
    mut s: S,
    peer: SocketAddr,
    transport: Transport,
    intake: Intake,
    mut stop: watch::Receiver<bool>,
) {
    let mut framer = Framer::new(intake.limits.max_message);
    let mut buf = vec![0u8; 64 * 1024];
    let quiet = Duration::from_millis(300);
    // After a stop, what is in flight is still read, for a bounded time
    // (a sender that never pauses must not keep the server up).
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        let n = if *stop.borrow() {
            let until = *drain_until.get_or_insert_with(|| tokio::time::Instant::now() + DRAIN);
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(quiet.min(left), s.read(&mut buf)).await {
                Ok(r) => r,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                r = s.read(&mut buf) => r,
                _ = stop.changed() => continue,
            }
        };
        let n = match n {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        framer.push(&buf[..n]);
        let received = Timestamp::now();
        let mut pending = Pending::new();
        while let Some(f) = framer.next_ref() {
            let msg = Message {
                peer,
                transport,
                received,
                text: intake.count(f.bytes, f.truncated),
                truncated: f.truncated,
            };
            if !pending.add(&intake, msg).await {
                return;
            }
        }
        if !pending.flush(&intake).await {
            return;
        }
    }
    if let Some(f) = framer.finish() {
        let msg = Message {
            peer,
            transport,
            received: Timestamp::now(),
            text: intake.count(&f.bytes, f.truncated),
            truncated: f.truncated,
        };
        let cost = intake.cost(&msg.text);
        intake.push_wait(vec![msg], cost).await;
    }
}

/// How long a stream is still read after a stop, at most.
const DRAIN: Duration = Duration::from_secs(1);

/// A TLS acceptor (rustls with the ring provider) from PEM files: a
/// certificate chain and its private key.
pub fn tls_acceptor(
    cert_pem: &std::path::Path,
    key_pem: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
        .map_err(|e| format!("{}: {e}", cert_pem.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert_pem.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", cert_pem.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .map_err(|e| format!("{}: no usable private key ({e})", key_pem.display()))?;
    // ring, not aws-lc-rs: no C/assembly build of its own on 2 cores. rustls
    // 0.23.48 deprecates the ring provider only because it has no
    // post-quantum key exchange; classical ECDHE is what syslog senders offer.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key do not make a TLS server: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
