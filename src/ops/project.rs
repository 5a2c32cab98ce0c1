//! A project loaded once: the org file (and the task file with its includes, when there is one),
//! valid, with what was fetched and run to read it. Every later stage takes it as it is.

use crate::org_file::desired::DesiredOrg;
use crate::org_file::Loaded;

/// An org file, or a task file with its org file, loaded and valid.
pub struct Project {
    pub org: Loaded,
    pub desired: DesiredOrg,
    pub tasks: Option<crate::tasks::task_file::TaskFile>,
    /// Templates fetched from URLs, kept until the plan is made (they are read while planning).
    pub fetched: Option<super::fetch::Fetched>,
    /// The `!Cmd`s run while the files were read (`--allow-commands`), listed with the plan.
    pub commands: crate::source::commands::Commands,
    /// The task file a lone template stands for (`--stack-name`), kept while it is read.
    pub single: Option<crate::tasks::single::SingleTemplate>,
    /// The limits the files were read with (`--limit`), which the plan checks too.
    pub limits: crate::org_file::limits::Limits,
}
