//! Bounded retries with exponential backoff and full jitter, for throttling and concurrent
//! modification errors (and 5xx) that the provider marks as retryable.

use crate::provider::ProviderResult;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 8, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1`: a random time up to base × 2^attempt, capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base_delay.saturating_mul(1u32 << attempt.min(16)).min(self.max_delay);
        let millis = ceiling.as_millis().max(1) as u64;
        Duration::from_millis(fastrand::u64(millis / 2..=millis))
    }

    /// Runs `call` until it succeeds, fails for good, or runs out of attempts.
    pub async fn run<T, F, Fut>(&self, mut call: F) -> ProviderResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ProviderResult<T>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Err(e) if e.retryable && attempt + 1 < self.max_attempts => {
                    tracing::debug!(error = %e, attempt, "retrying");
                    tokio::time::sleep(self.delay(attempt)).await;
                    attempt += 1;
                }
                Err(mut e) if e.retryable => {
                    e.message = format!("{} (gave up after {} attempts)", e.message, self.max_attempts);
                    return Err(e);
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderError;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> RetryPolicy {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(2) }
    }

    #[tokio::test]
    async fn retries_throttling_then_succeeds() {
        let calls = AtomicU32::new(0);
        let out = fast()
            .run(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(ProviderError::retryable("TooManyRequestsException", "slow down"))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn gives_up_after_the_bound_and_never_retries_other_errors() {
        let calls = AtomicU32::new(0);
        let out: ProviderResult<()> = fast()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(ProviderError::retryable("ConcurrentModificationException", "busy"))
            })
            .await;
        assert!(out.unwrap_err().message.contains("gave up after 3 attempts"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let out: ProviderResult<()> = fast()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(ProviderError::new("ConstraintViolationException", "no"))
            })
            .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
