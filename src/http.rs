//! The shared HTTPS plumbing for registry traffic (IO edge): the agent `.crate` downloads and
//! imports use, and the DNS-caching resolver every agent (the sparse index's too) is built on.
//!
//! One `ureq::Agent` is shared by all download threads so connections are pooled. TLS uses the
//! platform verifier: on these machines the registries sit behind a TLS-intercepting proxy
//! whose CA is only in the system store (ARCHITECTURE.md). DNS answers are cached per host and
//! port because concurrent lookups here sometimes stall for exactly 5 s; one lookup per host
//! is enough for a run.
//!
//! A host that does not answer must fail the run in about half a minute, naming it: connects
//! and first response bytes have short limits ([`CONNECT_TIMEOUT`], [`RESPONSE_TIMEOUT`]), and
//! a request the host never answered is retried once ([`NO_ANSWER_RETRIES`]), not as often as
//! a server error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Time to open a connection (DNS, TCP, TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time from a sent request to the first bytes of its answer.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(12);

/// Retries after a request the host never answered (no connection, or no response in time).
pub const NO_ANSWER_RETRIES: u32 = 1;

/// Whether `e` means the host never answered: worth one retry, not a server error's three.
pub fn is_no_answer(e: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(_) | ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::TimedOut
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
        ),
        _ => false,
    }
}

/// Builds the agent every registry download should share.
pub fn registry_agent() -> ureq::Agent {
    agent(
        concat!("cargo-minaudit/", env!("CARGO_PKG_VERSION")),
        Duration::from_secs(120),
    )
}

/// An agent on the system's CA store, with the connect and response timeouts, a cap on the
/// whole request, status codes as answers, and resolved addresses cached.
pub fn agent(user_agent: &str, whole_request: Duration) -> ureq::Agent {
    let config: Config = ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_global(Some(whole_request))
        .http_status_as_error(false)
        .user_agent(user_agent)
        .build();
    ureq::Agent::with_parts(config, DefaultConnector::new(), CachingResolver::default())
}

/// Resolves each (scheme, host, port) once per agent and reuses the answer. Lookups are
/// serialised (the lock is held during the lookup) so that concurrent requests never race into
/// parallel DNS queries, which is what stalls for 5 s here.
#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, ResolvedSocketAddrs>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}:{}",
            uri.scheme_str().unwrap_or(""),
            uri.host().unwrap_or(""),
            uri.port_u16().map(|p| p.to_string()).unwrap_or_default()
        );
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.get(&key) {
            return Ok(hit.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        cache.insert(key, addrs.clone());
        Ok(addrs)
    }
}
