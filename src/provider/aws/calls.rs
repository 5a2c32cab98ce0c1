//! What every AWS call is, seen from outside: counted (for `--stats` and the benchmarks) and,
//! at debug level (`-v`), logged with its service, operation, account, duration, attempts and
//! outcome. Nothing of the request is logged: no parameters, no credentials, no key ids.

use aws_sdk_organizations::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_organizations::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Counts HTTP requests sent (retries included).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The interceptor on every client: counts requests into `counter` and logs each call made as
/// `account` (an account id, or `management`).
#[derive(Debug, Clone)]
pub struct CallLog {
    counter: RequestCounter,
    account: Arc<str>,
}

impl CallLog {
    pub fn new(counter: &RequestCounter, account: &str) -> Self {
        CallLog { counter: counter.clone(), account: account.into() }
    }
}

/// When the call started, kept in the call's own configuration.
#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "orgctl-call-log"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.counter.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return Ok(());
        }
        let (service, operation) = cfg.load::<Metadata>().map_or(("?", "?"), |m| (m.service(), m.name()));
        let attempts = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let millis = cfg.load::<Started>().map_or(0, |s| s.0.elapsed().as_millis());
        let status = context.response().map(|r| r.status().as_u16());
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok",
            Some(Err(_)) => "failed",
            None => "no answer",
        };
        let retries = match attempts {
            0 | 1 => String::new(),
            2 => ", 1 retry".to_string(),
            n => format!(", {} retries", n - 1),
        };
        let status = status.map_or_else(String::new, |s| format!(" (HTTP {s})"));
        tracing::debug!(
            target: "orgctl::aws",
            "{service}.{operation} in {}: {outcome}{status}, {millis} ms{retries}",
            self.account
        );
        Ok(())
    }
}
