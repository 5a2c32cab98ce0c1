//! orgctl: an AWS Organization as code.
//!
//! The crate is laid out along the data flow, each layer using only those below it: [`source`]
//! reads files (confined, with positions), [`expr`] evaluates their expressions, [`org_file`]
//! and [`tasks`] read and validate the org file and the task files, [`policy`] decides what
//! policies allow, [`provider`] is the only door to an organization (the sandbox, or AWS),
//! [`plan`] diffs desired and live state into an ordered set of changes, [`apply`] carries
//! them out, [`audit`] and [`import`] report on an organization, [`ops`] is one function per
//! workflow, and [`cli`] is the command line on top.

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
