//! The changes ready to run, kept per pool (a limit some changes share besides the apply's
//! `concurrency`), so that the next change that may start is found without scanning past a
//! full pool: thousands of account creations waiting for 5 places would otherwise be looked at
//! again each time anything starts.

use crate::model::quotas::CREATIONS_IN_PROGRESS;
use crate::plan::{Change, Operation, OrganizationOperation};
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
    if matches!(change.operation, Operation::Organization(OrganizationOperation::CreateAccount { .. })) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    fn change(id: usize, operation: Operation) -> Change {
        Change {
            id,
            action: Action::Add,
            subject: String::new(),
            summary: String::new(),
            operation,
            diff: Vec::new(),
            depends_on: Vec::new(),
            after: Vec::new(),
            group: None,
        }
    }

    fn creation(id: usize) -> Change {
        let email = format!("aws+{id}@example.com");
        change(
            id,
            OrganizationOperation::CreateAccount {
                logical_id: format!("A{id}").into(),
                name: email.clone(),
                email,
                tags: Default::default(),
            }
            .into(),
        )
    }

    #[test]
    fn five_creations_at_most_and_the_rest_passes_the_waiting_ones_in_order() {
        let creations: Vec<Change> = (0..8).map(creation).collect();
        let other = change(
            8,
            Operation::Delegation(crate::plan::DelegationOperation::EnableServiceAccess {
                service: "sso.amazonaws.com".into(),
            }),
        );
        let mut ready = Ready::default();
        for (i, c) in creations.iter().enumerate() {
            ready.push(i, c);
        }
        ready.push(8, &other);
        // The first five creations, then what else is ready, then nothing until one finishes.
        let started: Vec<usize> = std::iter::from_fn(|| ready.start()).collect();
        assert_eq!(started, [0, 1, 2, 3, 4, 8]);
        ready.finished(&creations[2]);
        assert_eq!(ready.start(), Some(5));
        assert_eq!(ready.start(), None);
    }
}
