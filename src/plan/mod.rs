//! Stage 3: the plan, an ordered set of changes from the live organization to the file.

pub mod change;
mod diff;
pub mod render;
pub mod stacks;

pub use change::{
    stacks_fingerprint, Action, Change, Group, Handle, ImportSource, Note, Operation, Plan, PropertyDiff, StackImport,
    Summary,
};
pub use diff::{account_ids, plan};
