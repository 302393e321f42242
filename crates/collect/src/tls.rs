//! TLS trust for the HTTPS/SOAP clients: the system's roots by default, a
//! given CA or self-signed certificate (`--ca`), or no verification at all
//! (`--insecure`, which the command warns about).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// How server certificates are checked.
#[derive(Clone, Debug, Default)]
pub enum Trust {
    /// The operating system's trusted roots.
    #[default]
    System,
    /// The certificates in this PEM file: CAs, or a node's self-signed certificate (pinned).
    CaFile(std::path::PathBuf),
    /// No verification (`--insecure`).
    Insecure,
}

/// Build the client TLS configuration for a trust choice.
pub fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>, String> {
    // The ring provider keeps the build free of cmake (aws-lc-rs needs it);
    // rustls deprecates it only for its lack of post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let algs = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match trust {
        Trust::System => {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
            if roots.is_empty() {
                return Err("no trusted root certificates found on this system: pass --ca FILE (the cluster's CA or Tomcat certificate) or --insecure".into());
            }
            webpki(roots, provider)?
        }
        Trust::CaFile(path) => {
            let certs = read_pem(path)?;
            let mut roots = RootCertStore::empty();
            for c in &certs {
                // A leaf certificate cannot always be an anchor; it is pinned below.
                let _ = roots.add(c.clone());
            }
            let inner = if roots.is_empty() {
                None
            } else {
                Some(webpki(roots, provider)?)
            };
            Arc::new(Verifier {
                policy: Policy::Pinned {
                    inner,
                    pinned: certs,
                },
                algs,
            })
        }
        Trust::Insecure => Arc::new(Verifier {
            policy: Policy::Any,
            algs,
        }),
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn webpki(
    roots: RootCertStore,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map(|v| v as Arc<dyn ServerCertVerifier>)
        .map_err(|e| format!("TLS setup: {e}"))
}

fn read_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("--ca {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--ca {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("--ca {}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// What a [`Verifier`] accepts.
#[derive(Debug)]
enum Policy {
    /// Chains to the given CAs, and a server whose certificate is one of the
    /// given ones byte for byte (a self-signed node certificate).
    Pinned {
        inner: Option<Arc<dyn ServerCertVerifier>>,
        pinned: Vec<CertificateDer<'static>>,
    },
    /// Any certificate (`--insecure`).
    Any,
}

/// A server certificate check by [`Policy`]; handshake signatures are always
/// checked with the provider's algorithms.
#[derive(Debug)]
struct Verifier {
    policy: Policy,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let (inner, pinned) = match &self.policy {
            Policy::Any => return Ok(ServerCertVerified::assertion()),
            Policy::Pinned { inner, pinned } => (inner, pinned),
        };
        let verdict = match inner {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Err(rustls::Error::General("no CA in --ca".into())),
        };
        match verdict {
            Ok(ok) => Ok(ok),
            Err(_) if pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) => {
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
