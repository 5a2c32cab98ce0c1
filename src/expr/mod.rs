//! Values: every expression of org files, task files, stack parameters and templates is
//! evaluated here, into JSON whose text may hold values known only after apply.

mod accounts;
mod cfn;
mod error;
mod eval;
mod functions;
pub mod shell;
pub mod template_rules;
mod text;
mod value;

pub use accounts::{account_attribute, AccountAttribute, AccountFacts, ACCOUNT_ATTRIBUTES};
pub use cfn::StackValues;
pub use error::EvalError;
pub use eval::{evaluate, evaluate_text, getatt_parts, intrinsic, references, Reference, Scope};
pub use functions::directory_hash;
pub use text::{Text, Unknown, KNOWN_AFTER_APPLY};
pub use value::Value;
