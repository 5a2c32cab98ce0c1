//! `!Cmd`: whether reading a file may run the shell commands it holds, and which ones ran.
//!
//! A file under review (a pull request's task file, planned in CI with the organization's most
//! privileged credentials) must not run code by being read. So `validate` never runs a `!Cmd`
//! (its value stays unknown), and `plan` and `apply` run one only when the user allowed commands
//! (`--allow-commands` or `ORGCTL_ALLOW_COMMANDS=1`); otherwise reading the file stops with an
//! error naming the command. The commands that ran are listed with the plan.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What a `!Cmd` does while a file is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommandPolicy {
    /// Refused with an error saying how to allow it (plan and apply, by default).
    #[default]
    Refuse,
    /// Not run: the value is unknown (validate).
    Defer,
    /// Run, and recorded (plan and apply with `--allow-commands`).
    Run,
}

/// The policy of one command line, and the commands it ran (shared by every copy, since a file
/// is read by several stages).
#[derive(Debug, Clone, Default)]
pub struct Commands {
    pub policy: CommandPolicy,
    ran: Arc<Mutex<BTreeSet<(PathBuf, String)>>>,
}

impl Commands {
    pub fn new(policy: CommandPolicy) -> Self {
        Commands { policy, ran: Arc::default() }
    }

    /// Records that `command` ran in `dir`.
    pub fn record(&self, dir: &Path, command: &str) {
        if let Ok(mut ran) = self.ran.lock() {
            ran.insert((dir.to_path_buf(), command.to_string()));
        }
    }

    /// The commands that ran, each once, with their directory.
    pub fn ran(&self) -> Vec<(PathBuf, String)> {
        self.ran.lock().map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }
}
