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

    /// How long to wait before looking again at work of `kind` started `elapsed` ago; `looked`:
    /// whether it was looked at already. (The first look is decided by that, not by `elapsed`,
    /// which a real clock never gives as zero: a creation that has only just been asked for
    /// has been running a few microseconds.)
    pub fn next(&self, kind: &str, elapsed: Duration, looked: bool) -> Duration {
        let expected = self.learned.lock().unwrap_or_else(|e| e.into_inner()).get(kind).copied();
        match expected {
            Some(expected) if elapsed < expected.mul_f64(0.9) => expected.mul_f64(0.95) - elapsed,
            // Small steps, but not below the first interval (a fast emulator) or 100 ms (AWS).
            Some(expected) => (expected / 10).clamp(self.first.min(Duration::from_millis(100)), self.longest),
            None if !looked => Duration::ZERO,
            None => self.first.max(elapsed / 2).min(self.longest),
        }
    }

    /// Work of `kind` was seen unfinished `unfinished` after it started (the last look that
    /// said so, if any) and finished at `finished`. It finished in between: the midpoint is the
    /// estimate. (Learning `finished` alone would ratchet: each look comes a step after the last
    /// estimate, and an emulator that finishes on the second look, whatever the time, would
    /// push the estimate a step further every time.)
    pub fn learn(&self, kind: &str, unfinished: Option<Duration>, finished: Duration) {
        let estimate = unfinished.map_or(finished, |u| (u + finished) / 2);
        self.learned.lock().unwrap_or_else(|e| e.into_inner()).insert(kind.to_string(), estimate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_at_once_then_less_often_then_just_before_the_time_learnt() {
        let poll = LearnedPoll::new(Duration::from_millis(200), Duration::from_secs(5));
        let just_asked = Duration::from_micros(40);
        assert_eq!(poll.next("create", just_asked, false), Duration::ZERO, "the first look is at once");
        assert_eq!(poll.next("create", Duration::from_millis(100), true), Duration::from_millis(200));
        assert_eq!(poll.next("create", Duration::from_secs(4), true), Duration::from_secs(2));
        assert_eq!(poll.next("create", Duration::from_secs(60), true), Duration::from_secs(5));
        poll.learn("create", Some(Duration::from_secs(18)), Duration::from_secs(22));
        let wait = poll.next("create", just_asked, false);
        assert!(wait > Duration::from_millis(18_999) && wait <= Duration::from_secs(19), "{wait:?}");
        assert_eq!(poll.next("create", Duration::from_secs(19), true), Duration::from_secs(2));
        // Another kind learns nothing from it.
        assert_eq!(poll.next("delete", just_asked, false), Duration::ZERO);
    }

    /// On a clock that really advances (tokio's paused time), a creation an emulator finishes at
    /// once is seen done at its first look, without waiting out the first interval.
    #[tokio::test(start_paused = true)]
    async fn a_fast_endpoint_is_looked_at_at_once_on_a_real_clock() {
        let poll = LearnedPoll::new(Duration::from_secs(2), Duration::from_secs(5));
        let started = tokio::time::Instant::now();
        tokio::time::advance(Duration::from_millis(3)).await;
        tokio::time::sleep(poll.next("create", started.elapsed(), false)).await;
        assert!(started.elapsed() < Duration::from_millis(10), "waited {:?}", started.elapsed());
    }

    #[test]
    fn an_emulator_done_on_the_second_look_does_not_stretch_the_schedule() {
        // The sandbox finishes a creation on its second status poll, whatever the time.
        // The estimate settles near ten of the smallest steps instead of growing a step a time.
        let poll = LearnedPoll::new(Duration::from_millis(5), Duration::from_secs(5));
        let mut waits = Vec::new();
        for _ in 0..1000 {
            let first = poll.next("create", Duration::from_micros(30), false);
            let second = first + poll.next("create", first, true);
            poll.learn("create", Some(first), second);
            waits.push(second);
        }
        let longest = waits.iter().max().copied().unwrap_or_default();
        assert!(longest < Duration::from_millis(60), "a creation waited {longest:?}");
    }
}
