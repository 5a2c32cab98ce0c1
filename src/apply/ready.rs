//! The changes ready to run, kept per pool (a limit some changes share besides the apply's
//! `concurrency`), so that the next change that may start is found without scanning past a
//! full pool: thousands of account creations waiting for 5 places would otherwise be looked at
//! again each time anything starts.

use crate::plan::{Change, Operation};
use crate::provider::CREATIONS_IN_PROGRESS;
use std::collections::{HashMap, VecDeque};

/// A limit some changes share besides `concurrency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Pool<'a> {
    /// A task's MaxConcurrentStacks.
    Group(&'a str),
    /// Account creations in progress. Counted here rather than awaited inside a running change,
    /// so that creations waiting their turn do not hold the places where the new accounts'
    /// moves, tags and policies run meanwhile.
    AccountCreations,
}

/// The pool `change` counts against, with the pool's limit.
fn pool_of(change: &Change) -> Option<(Pool<'_>, usize)> {
    if matches!(change.operation, Operation::CreateAccount { .. }) {
        return Some((Pool::AccountCreations, CREATIONS_IN_PROGRESS));
    }
    change.group.as_ref().map(|g| (Pool::Group(&g.name), g.limit.max(1)))
}

/// The changes of one pool (or of none) that are ready, in the order they became ready.
#[derive(Default)]
struct Queue {
    limit: Option<usize>,
    running: usize,
    waiting: VecDeque<(u64, usize)>,
}

#[derive(Default)]
pub(super) struct Ready<'a> {
    queues: HashMap<Option<Pool<'a>>, Queue>,
    /// Orders changes across queues: the first ready among those that may start goes first.
    sequence: u64,
}

impl<'a> Ready<'a> {
    /// Change `i` is ready.
    pub fn push(&mut self, i: usize, change: &'a Change) {
        let pool = pool_of(change);
        let queue = self.queues.entry(pool.map(|(p, _)| p)).or_default();
        queue.limit = pool.map(|(_, limit)| limit);
        queue.waiting.push_back((self.sequence, i));
        self.sequence += 1;
    }

    /// The change to start next, the one ready first among those whose pool has room; counted
    /// as running until `finished`.
    pub fn start(&mut self) -> Option<usize> {
        let queue = self
            .queues
            .values_mut()
            .filter(|q| q.limit.is_none_or(|limit| q.running < limit))
            .filter_map(|q| Some((q.waiting.front()?.0, q)))
            .min_by_key(|(sequence, _)| *sequence)
            .map(|(_, q)| q)?;
        queue.running += 1;
        queue.waiting.pop_front().map(|(_, i)| i)
    }

    /// A change started earlier finished.
    pub fn finished(&mut self, change: &'a Change) {
        if let Some(queue) = self.queues.get_mut(&pool_of(change).map(|(p, _)| p)) {
            queue.running = queue.running.saturating_sub(1);
        }
    }
}
