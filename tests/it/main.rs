//! orgctl's integration tests, in one binary with a module per area (one link of the AWS SDK
//! instead of one per area). Run one area with `cargo nextest run -E 'test(/^safety::/)'`.

mod common;

mod audit;
mod audit_browser;
mod audit_moto;
mod aws_faults;
mod aws_moto;
mod cfn_lint;
mod cli_sandbox;
mod conformance;
mod corpus;
mod fuzz;
mod identity;
mod identity_moto;
mod interactive;
mod plan;
mod policy_crosscheck;
mod policy_eval;
mod policy_types;
mod safety;
mod snapshots;
mod spec;
mod stacks_moto;
mod stacks_sandbox;
mod tasks;
