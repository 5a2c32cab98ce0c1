//! The plan: an ordered set of changes from the live organization to the file.

pub mod change;
pub mod check;
pub mod command;
pub mod delegation;
pub mod deployment;
mod describe;
mod diff;
mod exports;
pub mod hierarchy;
pub mod identity;
pub mod organization;
pub mod policy_effect;
pub mod render;
pub mod saved;
pub mod sensitive;
pub mod settings;
pub mod stacks;
pub mod target;
pub mod workloads;

pub use change::{
    identity_fingerprint, stacks_fingerprint, Action, Address, Change, DelegationOperation, DeploymentOperation, Group,
    Handle, IdentityOperation, ImportSource, Note, Operation, OrganizationOperation, Plan, PropertyDiff, RemovalCall,
    RenderedTemplate, ResourceChanges, SettingOperation, StackImport, Summary, WorkloadCall,
};
pub use describe::describe_from_operations;
pub use diff::{account_ids, plan};
