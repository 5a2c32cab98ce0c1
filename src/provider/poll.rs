//! When to look again at work AWS does asynchronously: an account being created, a stack being
//! deployed. Before any of a kind has finished, orgctl looks at once (emulators finish at once)
//! and then at a growing interval. Once one has, the others of its kind likely take about as
//! long, so the next look is just before that time, then in small steps: a run neither asks
//! about each one a dozen times nor notices late that it is done.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug)]
pub struct LearnedPoll {
    /// The first interval, before anything of the kind has finished.
    first: Duration,
    /// The longest interval.
    longest: Duration,
    /// How long the last one of each kind took.
    learned: Mutex<HashMap<String, Duration>>,
}

impl LearnedPoll {
    pub fn new(first: Duration, longest: Duration) -> LearnedPoll {
        LearnedPoll { first, longest, learned: Mutex::default() }
    }

    /// How long to wait before looking again at work of `kind` started `elapsed` ago.
    pub fn next(&self, kind: &str, elapsed: Duration) -> Duration {
        let expected = self.learned.lock().unwrap_or_else(|e| e.into_inner()).get(kind).copied();
        match expected {
            Some(expected) if elapsed < expected.mul_f64(0.9) => expected.mul_f64(0.95) - elapsed,
            Some(expected) => (expected / 10).clamp(Duration::from_millis(100), self.longest),
            None if elapsed.is_zero() => Duration::ZERO,
            None => self.first.max(elapsed / 2).min(self.longest),
        }
    }

    /// Work of `kind` finished after `took`.
    pub fn learn(&self, kind: &str, took: Duration) {
        self.learned.lock().unwrap_or_else(|e| e.into_inner()).insert(kind.to_string(), took);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_at_once_then_less_often_then_just_before_the_time_learnt() {
        let poll = LearnedPoll::new(Duration::from_millis(200), Duration::from_secs(5));
        assert_eq!(poll.next("create", Duration::ZERO), Duration::ZERO);
        assert_eq!(poll.next("create", Duration::from_millis(100)), Duration::from_millis(200));
        assert_eq!(poll.next("create", Duration::from_secs(4)), Duration::from_secs(2));
        assert_eq!(poll.next("create", Duration::from_secs(60)), Duration::from_secs(5));
        poll.learn("create", Duration::from_secs(20));
        assert_eq!(poll.next("create", Duration::ZERO), Duration::from_secs(19));
        assert_eq!(poll.next("create", Duration::from_secs(19)), Duration::from_secs(2));
        // Another kind learns nothing from it.
        assert_eq!(poll.next("delete", Duration::ZERO), Duration::ZERO);
    }
}
