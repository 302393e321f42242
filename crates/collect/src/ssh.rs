//! The VOS admin CLI over SSH: an interactive shell (the CLI offers no
//! `exec`), commands typed at the `admin:` prompt, each answer read up to
//! the next prompt; `Continue (y/n)?` is answered `y` (only the read-only
//! `utils core active analyze` asks it among the commands sent).
//!
//! Host keys are checked against a known_hosts file; an unknown key is
//! refused unless accept-on-first-use was asked for, in which case it is
//! recorded. A changed key is always refused.

use crate::soap::Credentials;
use russh::client::{self, Handle};
use russh::keys::{known_hosts, PublicKey, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How SSH host keys are trusted.
#[derive(Clone, Debug)]
pub struct HostKeys {
    /// The known_hosts file checked (and written when `accept_new`).
    pub known_hosts: PathBuf,
    /// Accept and record a key never seen before (trust on first use).
    pub accept_new: bool,
}

/// Why the CLI could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum CliError {
    /// No TCP connection or no SSH handshake.
    Unreachable(String),
    /// The host key was unknown or changed.
    HostKey(String),
    /// User or password refused.
    Auth,
    /// The session ended before the answer was complete.
    Dropped(String),
    /// The command did not finish in time.
    Timeout(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Unreachable(m) => write!(f, "SSH unreachable: {m}"),
            CliError::HostKey(m) => write!(f, "SSH host key refused: {m}"),
            CliError::Auth => write!(f, "SSH login refused for this user name and password (the platform administrator may differ from the application user)"),
            CliError::Dropped(m) => write!(f, "SSH session dropped: {m}"),
            CliError::Timeout(m) => write!(f, "SSH command timed out: {m}"),
        }
    }
}

struct Checker {
    host: String,
    port: u16,
    keys: HostKeys,
    verdict: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key: PublicKey = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(c) => PublicKey::from(c.public_key().clone()),
        };
        let key = &key;
        let path = &self.keys.known_hosts;
        let result = if path.exists() {
            known_hosts::check_known_hosts_path(&self.host, self.port, key, path)
        } else {
            Ok(false)
        };
        let refuse = |why: String| {
            *self.verdict.lock().expect("verdict lock") = Some(why);
            Ok(false)
        };
        match result {
            Ok(true) => Ok(true),
            Ok(false) if self.keys.accept_new => {
                match known_hosts::learn_known_hosts_path(&self.host, self.port, key, path) {
                    Ok(()) => Ok(true),
                    Err(e) => refuse(format!("cannot record the key of {} in {}: {e}", self.host, path.display())),
                }
            }
            Ok(false) => refuse(format!(
                "the key of {}:{} is not in {} (check its fingerprint {} with the cluster's administrator, then add it, or pass --accept-new-host-keys)",
                self.host,
                self.port,
                path.display(),
                key.fingerprint(Default::default())
            )),
            Err(russh::keys::Error::KeyChanged { line }) => refuse(format!(
                "the key of {} CHANGED since it was recorded ({} line {line}): refusing to log in",
                self.host,
                path.display()
            )),
            Err(e) => refuse(format!("cannot read {}: {e}", path.display())),
        }
    }
}

/// An open CLI session at the `admin:` prompt.
pub struct Cli {
    handle: Handle<Checker>,
    channel: russh::Channel<client::Msg>,
    pending: Vec<u8>,
    command_timeout: Duration,
}

/// Where and how to log in.
#[derive(Clone, Debug)]
pub struct Target {
    /// Node name (what known_hosts is checked for).
    pub name: String,
    /// Address to connect to.
    pub address: String,
    /// SSH port.
    pub port: u16,
}

impl Cli {
    /// Connect, check the host key, log in and wait for the first prompt.
    pub async fn open(
        target: &Target,
        creds: &Credentials,
        keys: &HostKeys,
        connect_timeout: Duration,
        command_timeout: Duration,
    ) -> Result<Cli, CliError> {
        let config = Arc::new(client::Config {
            inactivity_timeout: Some(command_timeout + Duration::from_secs(5)),
            ..Default::default()
        });
        let verdict = Arc::new(Mutex::new(None));
        let checker = Checker {
            host: target.name.clone(),
            port: target.port,
            keys: keys.clone(),
            verdict: verdict.clone(),
        };
        let connect = client::connect(config, (target.address.as_str(), target.port), checker);
        let mut handle = match tokio::time::timeout(connect_timeout, connect).await {
            Err(_) => {
                return Err(CliError::Unreachable(format!(
                    "no SSH handshake with {}:{} within {} s",
                    target.address,
                    target.port,
                    connect_timeout.as_secs()
                )))
            }
            Ok(Err(e)) => {
                if let Some(why) = verdict.lock().expect("verdict lock").take() {
                    return Err(CliError::HostKey(why));
                }
                return Err(CliError::Unreachable(format!(
                    "{}:{}: {e}",
                    target.address, target.port
                )));
            }
            Ok(Ok(h)) => h,
        };
        let auth = tokio::time::timeout(
            connect_timeout,
            handle.authenticate_password(creds.user.clone(), creds.password()),
        )
        .await
        .map_err(|_| CliError::Unreachable("no answer to the login".into()))?
        .map_err(|e| CliError::Unreachable(format!("login: {e}")))?;
        if !auth.success() {
            return Err(CliError::Auth);
        }
        let channel = handle
            .channel_open_session()
            .await
            .map_err(|e| CliError::Dropped(format!("no session channel: {e}")))?;
        channel
            .request_pty(false, "vt100", 200, 50, 0, 0, &[])
            .await
            .map_err(|e| CliError::Dropped(format!("no terminal: {e}")))?;
        channel
            .request_shell(false)
            .await
            .map_err(|e| CliError::Dropped(format!("no shell: {e}")))?;
        let mut cli = Cli {
            handle,
            channel,
            pending: Vec::new(),
            command_timeout,
        };
        cli.read_to_prompt("the first prompt").await?;
        Ok(cli)
    }

    /// Run one command; returns its output (without the echo and the next prompt), LF line ends.
    pub async fn run(&mut self, command: &str) -> Result<String, CliError> {
        self.channel
            .data_bytes(format!("{command}\n").into_bytes())
            .await
            .map_err(|e| CliError::Dropped(format!("while sending `{command}`: {e}")))?;
        let raw = self.read_to_prompt(command).await?;
        let text = String::from_utf8_lossy(&raw)
            .replace("\r\n", "\n")
            .replace('\r', "");
        // The first line is the echo of what was typed.
        let out = match text.split_once('\n') {
            Some((_, rest)) => rest.to_string(),
            None => String::new(),
        };
        Ok(out)
    }

    /// Read until the `admin:` prompt at the start of a line; answers
    /// `Continue (y/n)?` with `y`. Returns what came before the prompt.
    async fn read_to_prompt(&mut self, what: &str) -> Result<Vec<u8>, CliError> {
        let deadline = tokio::time::Instant::now() + self.command_timeout;
        let mut answered = 0usize;
        loop {
            if let Some(end) = prompt_end(&self.pending) {
                let mut out: Vec<u8> = self.pending.drain(..end).collect();
                out.truncate(out.len() - b"admin:".len());
                return Ok(out);
            }
            let asks = count(&self.pending, b"Continue (y/n)?");
            if asks > answered {
                answered = asks;
                self.channel
                    .data_bytes(&b"y\n"[..])
                    .await
                    .map_err(|e| CliError::Dropped(format!("while answering `{what}`: {e}")))?;
            }
            let msg = tokio::time::timeout_at(deadline, self.channel.wait())
                .await
                .map_err(|_| {
                    CliError::Timeout(format!(
                        "`{what}` gave no prompt within {} s",
                        self.command_timeout.as_secs()
                    ))
                })?;
            match msg {
                Some(ChannelMsg::Data { data }) => self.pending.extend_from_slice(&data),
                Some(ChannelMsg::ExtendedData { data, .. }) => {
                    self.pending.extend_from_slice(&data)
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    return Err(CliError::Dropped(format!(
                        "the node closed the session during `{what}`"
                    )))
                }
                Some(_) => {}
            }
        }
    }

    /// Say goodbye politely.
    pub async fn close(self) {
        let _ = self.channel.data_bytes(&b"quit\n"[..]).await;
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "done", "en")
            .await;
    }
}

/// The index just past an `admin:` prompt that ends the buffer and starts a line.
fn prompt_end(buf: &[u8]) -> Option<usize> {
    let trimmed = buf.len() - buf.iter().rev().take_while(|b| **b == b' ').count();
    let head = &buf[..trimmed];
    if !head.ends_with(b"admin:") {
        return None;
    }
    let start = trimmed - b"admin:".len();
    (start == 0 || matches!(buf[start - 1], b'\n' | b'\r')).then_some(trimmed)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_counts_only_at_the_start_of_a_line() {
        assert_eq!(prompt_end(b"out\r\nadmin:"), Some(11));
        assert_eq!(prompt_end(b"admin:"), Some(6));
        assert_eq!(prompt_end(b"xadmin:"), None);
        assert_eq!(prompt_end(b"out\nadmin:show"), None);
    }
}
