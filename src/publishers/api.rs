//! IO edge: the crates.io API as cargo-vet uses it, `GET {base}api/v1/crates/NAME`.
//!
//! crates.io's crawler policy asks for a User-Agent naming the tool and a way to reach its
//! users, and at most one request per second: requests are spaced by [`MIN_INTERVAL`] across
//! threads. TLS, timeouts and DNS come from [`crate::http::registry_agent`]'s setup (system CA
//! store, short connect and answer limits). A request the host never answered is retried once;
//! anything else that is not a crate record is an error the caller turns into a warning.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::parse::parse_api_crate;
use super::{CrateFacts, PublisherError, PublisherSource};
use crate::http::NO_ANSWER_RETRIES;

/// crates.io's web API root.
pub const CRATES_IO_API: &str = "https://crates.io/";

/// crates.io's crawler policy: one request per second.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Largest crate record accepted (records of crates with thousands of versions are a few MB).
const MAX_BODY: u64 = 32 * 1024 * 1024;

pub const USER_AGENT: &str = concat!(
    "cargo-minaudit/",
    env!("CARGO_PKG_VERSION"),
    " (publisher facts for cargo-vet wildcard audits and trusted entries; https://crates.io/crates/cargo-minaudit)"
);

pub struct CratesIoApi {
    base: String,
    agent: ureq::Agent,
    min_interval: Duration,
    last_request: Mutex<Option<Instant>>,
}

impl CratesIoApi {
    /// `base` is the API root ending in `/` (`https://crates.io/`, or a test server).
    pub fn new(base: &str) -> CratesIoApi {
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let agent = crate::http::agent(USER_AGENT, Duration::from_secs(60));
        CratesIoApi {
            base,
            agent,
            min_interval: MIN_INTERVAL,
            last_request: Mutex::new(None),
        }
    }

    fn url(&self, krate: &str) -> String {
        format!("{}api/v1/crates/{krate}", self.base)
    }

    /// Waits until [`MIN_INTERVAL`] has passed since the previous request (any thread).
    fn pace(&self) {
        let mut last = self.last_request.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = *last {
            let next = t + self.min_interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        *last = Some(Instant::now());
    }

    fn get(&self, url: &str) -> Result<Option<String>, PublisherError> {
        let mut attempt = 0;
        loop {
            self.pace();
            match self
                .agent
                .get(url)
                .header("Accept", "application/json")
                .call()
            {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    return match status {
                        200 => resp
                            .body_mut()
                            .with_config()
                            .limit(MAX_BODY)
                            .read_to_string()
                            .map(Some)
                            .map_err(|e| PublisherError::Transport {
                                url: url.to_owned(),
                                error: e.to_string(),
                            }),
                        404 => Ok(None),
                        429 => Err(PublisherError::RateLimited {
                            url: url.to_owned(),
                        }),
                        _ => Err(PublisherError::Status {
                            url: url.to_owned(),
                            status,
                        }),
                    };
                }
                Err(e) if crate::http::is_no_answer(&e) && attempt < NO_ANSWER_RETRIES => {
                    attempt += 1;
                }
                Err(e) => {
                    return Err(PublisherError::Transport {
                        url: url.to_owned(),
                        error: e.to_string(),
                    })
                }
            }
        }
    }
}

impl PublisherSource for CratesIoApi {
    fn describe(&self) -> String {
        format!("the crates.io API ({})", self.base)
    }

    fn crate_facts(&self, krate: &str) -> Result<Option<CrateFacts>, PublisherError> {
        let url = self.url(krate);
        let Some(text) = self.get(&url)? else {
            return Ok(None);
        };
        parse_api_crate(&text)
            .map(Some)
            .map_err(|error| PublisherError::Malformed { url, error })
    }
}
