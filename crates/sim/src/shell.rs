//! The SSH side of one simulated node: password login, a pty and a
//! VOS-like `admin:` shell that echoes what is typed and answers commands
//! from the bundle's captures (a command with no capture prints nothing;
//! one the simulator does not know prints `Executed command unsuccessfully`).
//! `Continue (y/n)?` prompts wait for an answer, as the real CLI does.

use crate::faults::NodeFaults;
use crate::model::Node;
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared by every session of one node.
#[derive(Clone)]
pub struct ShellServer {
    /// The node served.
    pub node: Arc<Node>,
    /// Accepted user name.
    pub user: String,
    /// Accepted password.
    pub password: Arc<String>,
    /// Faults.
    pub faults: NodeFaults,
    /// Whether the drop fault has fired already.
    pub dropped: Arc<AtomicBool>,
}

/// One session.
pub struct Shell {
    server: ShellServer,
    line: Vec<u8>,
    /// Lines still to print once `Continue (y/n)?` is answered.
    after_continue: Option<Vec<String>>,
    commands: u32,
}

impl russh::server::Server for ShellServer {
    type Handler = Shell;
    fn new_client(&mut self, _: Option<std::net::SocketAddr>) -> Shell {
        Shell {
            server: self.clone(),
            line: Vec::new(),
            after_continue: None,
            commands: 0,
        }
    }
}

const KNOWN: &[&str] = &[
    "show status",
    "show network cluster",
    "utils core active list",
    "utils core active analyze",
    "utils ntp status",
    "utils dbreplication runtimestate",
    "show process load",
    "utils diagnose test",
    "show cert list",
    "file view install system-history.log",
    "utils service list",
    "show version active",
    "show hardware",
    "run sql",
];

impl Shell {
    /// The output of a command, as lines.
    fn answer(&self, command: &str) -> Vec<String> {
        let caps = &self.server.node.captures;
        if let Some((_, out)) = caps.iter().find(|(c, _)| c.eq_ignore_ascii_case(command)) {
            return out.clone();
        }
        // `show network cluster` is answered by a `show network cluster status` capture.
        let prefix = format!("{} ", command.to_ascii_lowercase());
        if let Some((_, out)) = caps
            .iter()
            .find(|(c, _)| c.to_ascii_lowercase().starts_with(&prefix))
        {
            return out.clone();
        }
        if command.eq_ignore_ascii_case("set cli pagination off") {
            return vec!["Automatic Pagination : Off".into()];
        }
        let lower = command.to_ascii_lowercase();
        if KNOWN.iter().any(|k| lower.starts_with(k)) {
            Vec::new()
        } else {
            vec!["Executed command unsuccessfully".into()]
        }
    }

    /// Print lines up to a `Continue (y/n)?` (kept for later) or all, then the prompt.
    fn print(
        &mut self,
        channel: ChannelId,
        lines: Vec<String>,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let mut out = String::new();
        let mut rest = lines.into_iter();
        while let Some(l) = rest.next() {
            if let Some(i) = l.find("Continue (y/n)?") {
                out.push_str(&l[..i + "Continue (y/n)?".len()]);
                self.after_continue = Some(rest.collect());
                session.data(channel, out.into_bytes())?;
                return Ok(());
            }
            out.push_str(&l);
            out.push_str("\r\n");
        }
        out.push_str("admin:");
        session.data(channel, out.into_bytes())?;
        Ok(())
    }
}

impl russh::server::Handler for Shell {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if user == self.server.user && password == self.server.password.as_str() {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
        }
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _c: u32,
        _r: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        session.data(
            channel,
            b"\r\nWelcome to the Platform Command Line Interface (uctriage-sim)\r\n\r\nadmin:"
                .to_vec(),
        )?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        for &b in data {
            if b != b'\n' && b != b'\r' {
                self.line.push(b);
                session.data(channel, vec![b])?;
                continue;
            }
            session.data(channel, b"\r\n".to_vec())?;
            let typed = String::from_utf8_lossy(&std::mem::take(&mut self.line))
                .trim()
                .to_string();
            if let Some(rest) = self.after_continue.take() {
                let lines = if typed.eq_ignore_ascii_case("y") {
                    rest
                } else {
                    Vec::new()
                };
                self.print(channel, lines, session)?;
                continue;
            }
            if typed.is_empty() {
                session.data(channel, b"admin:".to_vec())?;
                continue;
            }
            if typed == "quit" || typed == "exit" {
                session.close(channel)?;
                return Ok(());
            }
            if let Some(d) = self.server.faults.slow {
                tokio::time::sleep(d).await;
            }
            self.commands += 1;
            if let Some(n) = self.server.faults.drop_ssh_after {
                if self.commands > n && !self.server.dropped.swap(true, Ordering::SeqCst) {
                    // Drop the connection mid-command, as a dying node would.
                    return Err(russh::Error::Disconnect);
                }
            }
            let lines = self.answer(&typed);
            self.print(channel, lines, session)?;
        }
        Ok(())
    }
}
