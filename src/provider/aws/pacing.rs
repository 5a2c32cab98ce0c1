//! Adaptive pacing for a quota shared by many calls (the management account's Organizations
//! quota, which every read of a large organization draws on). Unpaced until AWS first
//! throttles; from then on requests leave at a rate 30% under the rate they were leaving at,
//! which grows a little with every call that passes and drops by 30% again at the next
//! throttling. A run so keeps close to the rate AWS allows without knowing it, instead of
//! sending 16 at a time and having the throttled ones back off for seconds.
//!
//! The rate is enforced where requests leave (an HTTP connector around the client's), and
//! learns from an interceptor: a call attempted again was throttled (the SDK retries only
//! throttling, 5xx and transient errors), an attempt answered with success passed.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bounds of the rate (requests per second); it starts at the top.
const MIN: f64 = 1.0;
const MAX: f64 = 1_000.0;
/// Growth per call that passes (the rate doubles every ~70 calls), and the cut on throttling.
const GROWTH: f64 = 1.01;
const CUT: f64 = 0.7;

#[derive(Debug)]
struct Rate {
    per_second: f64,
    /// When the next request may leave.
    next: Instant,
    /// When the last one left, and the average time between requests (for the rate they were
    /// really leaving at when throttling began).
    last_sent: Option<Instant>,
    interval: f64,
    /// No second cut for the throttles of requests sent before the last one.
    last_cut: Option<Instant>,
}

/// The rate of one quota.
#[derive(Debug, Clone)]
pub struct Pacer {
    rate: Arc<Mutex<Rate>>,
}

impl Default for Pacer {
    fn default() -> Self {
        let rate = Rate { per_second: MAX, next: Instant::now(), last_sent: None, interval: 0.0, last_cut: None };
        Pacer { rate: Arc::new(Mutex::new(rate)) }
    }
}

impl Pacer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Rate> {
        self.rate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long the next request waits for its turn (its turn is taken).
    fn turn(&self) -> Duration {
        let mut r = self.lock();
        let now = Instant::now();
        let at = r.next.max(now);
        r.next = at + Duration::from_secs_f64(1.0 / r.per_second);
        if let Some(last) = r.last_sent {
            let gap = at.saturating_duration_since(last).as_secs_f64();
            r.interval = if r.interval == 0.0 { gap } else { 0.9 * r.interval + 0.1 * gap };
        }
        r.last_sent = Some(at);
        at - now
    }

    fn passed(&self) {
        let mut r = self.lock();
        r.per_second = (r.per_second * GROWTH).min(MAX);
    }

    fn throttled(&self, sent: Instant) {
        let mut r = self.lock();
        if r.last_cut.is_none_or(|at| sent > at) {
            // The first time, from the rate requests were really leaving at.
            let was = if r.last_cut.is_none() && r.interval > 0.0 {
                r.per_second.min(1.0 / r.interval)
            } else {
                r.per_second
            };
            r.per_second = (was * CUT).max(MIN);
            r.last_cut = Some(Instant::now());
            tracing::trace!(target: "orgctl::aws", "throttled: {:.1} requests per second from now", r.per_second);
        }
    }

    #[cfg(test)]
    fn per_second(&self) -> f64 {
        self.lock().per_second
    }
}

/// When the attempt was sent, kept in the call's configuration for the throttling signal.
#[derive(Debug, Clone)]
struct Sent(Instant);

impl aws_smithy_types::config_bag::Storable for Sent {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

/// The HTTP client of the paced clients: every request waits for room in the window.
#[derive(Debug, Clone)]
pub struct PacedClient {
    inner: SharedHttpClient,
    pacer: Pacer,
}

impl PacedClient {
    pub fn shared(inner: SharedHttpClient, pacer: Pacer) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient { inner, pacer })
    }
}

impl HttpClient for PacedClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let inner = self.inner.http_connector(settings, components);
        SharedHttpConnector::new(PacedConnector { inner, pacer: self.pacer.clone() })
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Pacer,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, pacer) = (self.inner.clone(), self.pacer.clone());
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(pacer.turn()).await;
            inner.call(request).await
        })
    }
}

/// Tells the pacer how calls fare: a retried attempt means the one before was throttled (or
/// failed transiently); a first attempt that got an answer passed.
#[derive(Debug, Clone)]
pub struct PaceSignal(pub Pacer);

impl Intercept for PaceSignal {
    fn name(&self) -> &'static str {
        "orgctl-pacing"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if cfg.load::<RequestAttempts>().is_some_and(|a| a.attempts() > 1) {
            let sent = cfg.load::<Sent>().map_or_else(Instant::now, |s| s.0);
            self.0.throttled(sent);
        }
        cfg.interceptor_state().store_put(Sent(Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if context.response().is_some_and(|r| r.status().is_success()) {
            self.0.passed();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaced_until_throttled_then_under_the_rate_that_was_throttled() {
        let pacer = Pacer::default();
        // 20 requests spaced 5 ms apart (200 a second at most) go unpaced.
        let start = Instant::now();
        for _ in 0..20 {
            assert_eq!(pacer.turn(), Duration::ZERO);
            std::thread::sleep(Duration::from_millis(5));
        }
        // The rate really sent: on a loaded machine the sleeps run long.
        let sent_rate = 20.0 / start.elapsed().as_secs_f64();
        let sent = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        pacer.throttled(Instant::now());
        let cut = pacer.per_second();
        assert!(cut > 0.5 * sent_rate * CUT && cut <= 200.0 * CUT, "{cut} (sent {sent_rate:.0}/s)");
        // Throttles of requests sent before that cut do not cut again.
        pacer.throttled(sent);
        assert_eq!(pacer.per_second(), cut);
        for _ in 0..70 {
            pacer.passed();
        }
        assert!(pacer.per_second() > 1.9 * cut, "grows back while calls pass");
        for _ in 0..60 {
            std::thread::sleep(Duration::from_millis(1));
            pacer.throttled(Instant::now());
        }
        assert_eq!(pacer.per_second(), MIN, "never below one a second");
        // Turns are spaced by the rate: at one a second, the next request waits about a second.
        let _ = pacer.turn();
        let wait = pacer.turn();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(2), "{wait:?}");
    }
}
