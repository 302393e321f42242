//! One HTTPS/SOAP client per service per node: HTTP Basic authentication,
//! one request at a time, time-outs, retries with back-off on throttling
//! faults and 503s, a cap on answer sizes.
//!
//! The password lives only in [`Credentials`], whose `Debug` hides it, and
//! goes only into the `Authorization` header; no error message is built from
//! a request.

use crate::xml;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The SOAP 1.1 envelope namespace.
pub const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The namespace of the serviceability APIs (RisPort70, PerfmonService, DIME, Control Center).
pub const AST: &str = "http://schemas.cisco.com/ast/soap";

/// A user name and password. `Debug` never shows the password.
#[derive(Clone)]
pub struct Credentials {
    /// The application (and platform) user name.
    pub user: String,
    password: String,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    /// The password, for the SSH client and the Basic header only.
    pub(crate) fn password(&self) -> &str {
        &self.password
    }

    fn basic(&self) -> String {
        let raw = format!("{}:{}", self.user, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, password: <hidden> }}",
            self.user
        )
    }
}

/// How gently to talk to a node.
#[derive(Clone, Debug)]
pub struct Politeness {
    /// Time to open a connection (TCP and TLS, or SSH handshake).
    pub connect_timeout: Duration,
    /// Time for one request and its whole answer.
    pub request_timeout: Duration,
    /// Tries after the first one, on throttling faults, 503s and dropped connections.
    pub retries: u32,
    /// First back-off; doubled at each retry.
    pub backoff: Duration,
    /// Largest answer read, in bytes (downloads over it are skipped and recorded).
    pub max_bytes: u64,
    /// Bytes of files downloaded by one run, at most, over every node (the rest are skipped and recorded).
    pub max_total_bytes: u64,
    /// Pause between RisPort70 requests after the first four (the service
    /// is throttled per node; about 15 a minute is the commonly stated
    /// default, UNCONFIRMED).
    pub ris_spacing: Duration,
}

impl Default for Politeness {
    fn default() -> Self {
        Politeness {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            retries: 3,
            backoff: Duration::from_secs(5),
            max_bytes: 200 << 20,
            max_total_bytes: 4 << 30,
            ris_spacing: Duration::from_secs(4),
        }
    }
}

/// Why a SOAP call failed, in words a UC engineer can act on.
#[derive(Clone, Debug, PartialEq)]
pub enum SoapError {
    /// No TCP connection (refused, unreachable, timed out).
    Unreachable(String),
    /// The TLS handshake failed (an untrusted or wrong certificate, ...).
    Tls(String),
    /// HTTP 401/403: the user, password or roles were refused.
    Auth(u16),
    /// Still throttled (RateControl fault or 503) after every retry.
    Throttled(String),
    /// The answer did not come in time.
    Timeout(Duration),
    /// Another HTTP status.
    Http(u16, String),
    /// A SOAP fault.
    Fault(String),
    /// The answer was larger than the cap.
    TooBig(u64),
    /// The answer was not the XML expected.
    Malformed(String),
}

impl fmt::Display for SoapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SoapError::Unreachable(m) => write!(f, "node unreachable: {m}"),
            SoapError::Tls(m) => write!(f, "TLS handshake failed: {m} (pass --ca with the cluster's CA or Tomcat certificate, or --insecure)"),
            SoapError::Auth(code) => write!(f, "HTTP {code}: the node refused the user name or password (check the application user, its password and its roles); not retried, to avoid locking the account"),
            SoapError::Throttled(m) => write!(f, "throttled by the node after every retry: {m}"),
            SoapError::Timeout(d) => write!(f, "no answer within {} s", d.as_secs()),
            SoapError::Http(code, m) => write!(f, "HTTP {code}: {m}"),
            SoapError::Fault(m) => write!(f, "SOAP fault: {m}"),
            SoapError::TooBig(cap) => write!(f, "answer larger than the size cap ({cap} bytes): skipped"),
            SoapError::Malformed(m) => write!(f, "unexpected answer: {m}"),
        }
    }
}

impl SoapError {
    /// Whether another try may succeed.
    fn retryable(&self) -> bool {
        // A time-out is not retried: a slow node gets no extra load.
        matches!(self, SoapError::Throttled(_) | SoapError::Http(503, _))
    }

    /// Whether the node as a whole is out of reach or too slow (later calls
    /// to the same service would fail the same way, so they are not sent).
    pub fn node_down(&self) -> bool {
        matches!(
            self,
            SoapError::Unreachable(_)
                | SoapError::Tls(_)
                | SoapError::Auth(_)
                | SoapError::Timeout(_)
        )
    }
}

/// Where a node is reached.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The node's name (TLS server name and HTTP Host).
    pub name: String,
    /// The address to connect to (from `--resolve`, or the name).
    pub address: String,
    /// The HTTPS port.
    pub port: u16,
}

/// An answer: its content type and body.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The Content-Type header.
    pub content_type: String,
    /// The body bytes.
    pub body: Bytes,
}

impl Answer {
    /// The SOAP Body's first child element.
    pub fn body_element(&self) -> Result<xml::Element, SoapError> {
        let xml_bytes = soap_part(&self.content_type, &self.body).0;
        let root = xml::parse(&xml_bytes).map_err(SoapError::Malformed)?;
        let body = root
            .child("Body")
            .ok_or_else(|| SoapError::Malformed("no SOAP Body".into()))?;
        body.children
            .first()
            .cloned()
            .ok_or_else(|| SoapError::Malformed("empty SOAP Body".into()))
    }
}

/// Split a SOAP answer into its XML part and its first attachment, for
/// `multipart/related` answers (SOAP with attachments); plain answers have no attachment.
pub fn soap_part(content_type: &str, body: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let lower = content_type.to_ascii_lowercase();
    if !lower.starts_with("multipart/") {
        return (body.to_vec(), None);
    }
    let Some(boundary) = content_type.split(';').find_map(|p| {
        let p = p.trim();
        p.strip_prefix("boundary=")
            .or_else(|| p.strip_prefix("BOUNDARY="))
            .map(|b| b.trim_matches('"').to_string())
    }) else {
        return (body.to_vec(), None);
    };
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(i) = find(rest, delim.as_bytes()) {
        rest = &rest[i + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(h) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let content = &rest[h + 4..];
        let end = find(content, format!("\r\n{delim}").as_bytes()).unwrap_or(content.len());
        parts.push(content[..end].to_vec());
        rest = &content[end..];
    }
    let mut it = parts.into_iter();
    let first = it.next().unwrap_or_default();
    (first, it.next())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A SOAP client bound to one service of one node; holds one connection.
pub struct Client {
    endpoint: Endpoint,
    tls: Arc<rustls::ClientConfig>,
    creds: Arc<Credentials>,
    polite: Politeness,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    /// A client for `endpoint` (no connection is opened yet).
    pub fn new(
        endpoint: Endpoint,
        tls: Arc<rustls::ClientConfig>,
        creds: Arc<Credentials>,
        polite: Politeness,
    ) -> Client {
        Client {
            endpoint,
            tls,
            creds,
            polite,
            conn: None,
        }
    }

    /// Post `body` (the SOAP Body's content) to `path` with `action`, retrying
    /// throttling and 503 answers with a doubling back-off.
    pub async fn call(
        &mut self,
        path: &str,
        action: &str,
        namespaces: &str,
        body: &str,
    ) -> Result<Answer, SoapError> {
        let envelope = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenv=\"{SOAPENV}\" {namespaces}><soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
        );
        let mut delay = self.polite.backoff;
        let mut attempt = 0;
        loop {
            let result = match tokio::time::timeout(
                self.polite.request_timeout,
                self.once(path, action, &envelope),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => {
                    self.conn = None;
                    Err(SoapError::Timeout(self.polite.request_timeout))
                }
            };
            match result {
                Err(e) if e.retryable() && attempt < self.polite.retries => {
                    attempt += 1;
                    self.conn = None;
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                }
                Err(SoapError::Http(503, m)) => {
                    return Err(SoapError::Throttled(format!("HTTP 503 {m}")))
                }
                other => return other,
            }
        }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, SoapError> {
        if self.conn.as_ref().is_some_and(|c| !c.is_closed()) {
            return Ok(self.conn.as_mut().expect("checked"));
        }
        let ep = &self.endpoint;
        let tcp = tokio::time::timeout(
            self.polite.connect_timeout,
            TcpStream::connect((ep.address.as_str(), ep.port)),
        )
        .await
        .map_err(|_| {
            SoapError::Unreachable(format!(
                "no connection to {}:{} within {} s",
                ep.address,
                ep.port,
                self.polite.connect_timeout.as_secs()
            ))
        })?
        .map_err(|e| SoapError::Unreachable(format!("{}:{}: {e}", ep.address, ep.port)))?;
        let name = ServerName::try_from(ep.name.clone()).map_err(|e| {
            SoapError::Tls(format!("`{}` is not a valid server name: {e}", ep.name))
        })?;
        let tls = tokio::time::timeout(
            self.polite.connect_timeout,
            TlsConnector::from(self.tls.clone()).connect(name, tcp),
        )
        .await
        .map_err(|_| SoapError::Tls("no TLS handshake within the connect time-out".into()))?
        .map_err(|e| SoapError::Tls(format!("{}: {e}", ep.name)))?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| SoapError::Unreachable(format!("HTTP handshake: {e}")))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.conn = Some(sender);
        Ok(self.conn.as_mut().expect("just set"))
    }

    async fn once(
        &mut self,
        path: &str,
        action: &str,
        envelope: &str,
    ) -> Result<Answer, SoapError> {
        let host = format!("{}:{}", self.endpoint.name, self.endpoint.port);
        let auth = self.creds.basic();
        let max = self.polite.max_bytes;
        let request = hyper::Request::post(path)
            .header("Host", host)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"{action}\""))
            .header("Authorization", auth)
            .body(Full::new(Bytes::from(envelope.to_string())))
            .map_err(|e| SoapError::Malformed(format!("request: {e}")))?;
        let sender = self.connect().await?;
        sender
            .ready()
            .await
            .map_err(|e| SoapError::Unreachable(format!("connection lost: {e}")))?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                return Err(SoapError::Unreachable(format!("connection lost: {e}")));
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match Limited::new(response.into_body(), max as usize)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                self.conn = None;
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    return Err(SoapError::TooBig(max));
                }
                return Err(SoapError::Unreachable(format!("answer cut off: {e}")));
            }
        };
        let answer = Answer { content_type, body };
        match status {
            200 => Ok(answer),
            401 | 403 => Err(SoapError::Auth(status)),
            503 => Err(SoapError::Http(503, "Service Unavailable".into())),
            _ => match fault(&answer) {
                Some((code, text)) if is_throttle(&code, &text) => {
                    Err(SoapError::Throttled(format!("{code}: {text}")))
                }
                Some((code, text)) => Err(SoapError::Fault(format!("{code}: {text}"))),
                None => Err(SoapError::Http(status, short(&answer.body))),
            },
        }
    }
}

/// A SOAP fault's code and string, if the answer is one.
pub fn fault(answer: &Answer) -> Option<(String, String)> {
    let root = xml::parse(&soap_part(&answer.content_type, &answer.body).0).ok()?;
    let f = root.find("Fault")?;
    Some((f.text_of("faultcode"), f.text_of("faultstring")))
}

/// Whether a fault says the node is rate-limiting us.
pub fn is_throttle(code: &str, text: &str) -> bool {
    let t = format!("{code} {text}").to_ascii_lowercase();
    t.contains("ratecontrol")
        || t.contains("throttl")
        || (t.contains("exceed") && t.contains("rate"))
}

fn short(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_credentials_hides_the_password() {
        let c = Credentials::new("axl", "s3cret-Pa55");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn multipart_answers_split_into_xml_and_attachment() {
        let body = b"--XYZ\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n--XYZ\r\nContent-Type: application/octet-stream\r\n\r\nRAW\x00DATA\r\n--XYZ--\r\n";
        let (xml, att) = soap_part(
            "multipart/related; type=\"text/xml\"; boundary=\"XYZ\"",
            body,
        );
        assert_eq!(xml, b"<a/>");
        assert_eq!(att.as_deref(), Some(&b"RAW\x00DATA"[..]));
    }

    #[test]
    fn rate_control_faults_are_throttling() {
        assert!(is_throttle(
            "ns1:Server.RateControl",
            "Exceeded allowed rate for Reatime information"
        ));
        assert!(!is_throttle("soapenv:Server", "Item not valid"));
    }
}
