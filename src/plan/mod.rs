//! Stage 3: the plan, an ordered set of changes from the live organization to the file.

pub mod change;
mod diff;
pub mod render;

pub use change::{Action, Change, Handle, Note, Operation, Plan, PropertyDiff, Summary};
pub use diff::plan;
