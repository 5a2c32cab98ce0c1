//! orgctl: an AWS Organization as code.
//!
//! The crate is laid out along the data flow: [`source`] reads files (confined, with positions),
//! [`org_file`] reads and validates the org file,
//! [`graph`] orders things that depend on each other, [`provider`] is the only door to an
//! organization (the sandbox, or AWS), [`plan`] diffs desired and live state into an ordered set
//! of changes, [`apply`] carries them out, and [`cli`] is the command line on top.

pub mod apply;
pub mod audit;
pub mod cli;
pub mod diagnostic;
pub mod escape;
pub mod expr;
pub mod graph;
pub mod import;
pub mod model;
pub mod ops;
pub mod org_file;
pub mod plan;
pub mod policy;
pub mod provider;
pub mod source;
pub mod tasks;
