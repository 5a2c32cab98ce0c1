//! What organization policies allow: SCP documents read into statements, IAM's matching and
//! condition operators, and AWS's evaluation over the hierarchy — for `orgctl explain` and for
//! audit checks that reason about the effect of policies rather than their wording.

pub mod condition;
pub mod document;
pub mod effect;
pub mod evaluate;
pub mod matching;

pub use evaluate::{evaluate, evaluate_all, Attached, Decision, Explanation, Level, Request};
