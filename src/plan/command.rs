//! The commands a workload task runs, kept so that a value can never run as code.
//!
//! Values reach a workload's command from places a reviewer does not see in the diff: another
//! account's stack output, an export, an account's name, tag or alias (AWS allows `$`, quotes,
//! backticks and `;` in them), a `-p` on a pipeline's command line. So a command is never text
//! glued together and handed to a shell:
//! - the tools' documented commands are a [`WorkloadCommand::Program`]: an argument vector, run
//!   without a shell, each value one argument, byte for byte;
//! - a `Custom*Command` the file's author wrote is a [`WorkloadCommand::Shell`]: the text written
//!   in the file is shell code (the author's, reviewed with the file), and every value that a
//!   `${}` or a function brings into it is a [`ShellPiece::Value`], quoted for the shell where it
//!   stands ([`crate::expr::shell`]), so the shell hands the tool the value as it is and runs
//!   nothing in it.

use crate::expr::shell::{quote_word, quoted_line};
pub use crate::expr::shell::{shell_pieces, CurrentTask, ShellPiece};
use crate::expr::{Text, Unknown};
use serde::{Deserialize, Serialize};

/// One command of a workload run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadCommand {
    /// A program and its arguments, run without a shell.
    Program(Vec<Text>),
    /// A command line run by `sh -c`: code written in the file, and values quoted into it.
    Shell(Vec<ShellPiece>),
}

/// A command with every value known, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runnable {
    Program(Vec<String>),
    Shell(String),
}

impl Runnable {
    /// The command as a user could type it (values quoted), for messages.
    pub fn shown(&self) -> String {
        match self {
            Runnable::Program(words) => words.iter().map(|w| quote_word(w)).collect::<Vec<_>>().join(" "),
            Runnable::Shell(line) => line.clone(),
        }
    }
}

impl WorkloadCommand {
    /// A program from fixed words and values: `program(["npx", "cdk", "deploy"], values)`.
    pub fn program(words: &[&str], values: impl IntoIterator<Item = Text>) -> Self {
        WorkloadCommand::Program(words.iter().map(|w| Text::known(*w)).chain(values).collect())
    }

    /// The command as the plan shows it: what will run, with values not known yet shown as
    /// `<... (known after apply)>`.
    pub fn shown(&self) -> String {
        match self {
            WorkloadCommand::Program(words) => {
                words.iter().map(|w| quote_word(&w.shown())).collect::<Vec<_>>().join(" ")
            }
            WorkloadCommand::Shell(pieces) => quoted_line(pieces, |t| Ok::<_, Unknown>(t.shown())).unwrap_or_default(),
        }
    }

    /// Every value of the command (whose unknowns apply fills in).
    pub fn values(&self) -> Vec<&Text> {
        match self {
            WorkloadCommand::Program(words) => words.iter().collect(),
            WorkloadCommand::Shell(pieces) => pieces
                .iter()
                .filter_map(|p| match p {
                    ShellPiece::Value(v) => Some(v),
                    ShellPiece::Code(_) => None,
                })
                .collect(),
        }
    }

    /// The command with every value filled in by `fill`; the first value it cannot fill is the
    /// error.
    pub fn resolve(&self, fill: impl Fn(&Text) -> Result<String, Unknown>) -> Result<Runnable, Unknown> {
        match self {
            WorkloadCommand::Program(words) => {
                Ok(Runnable::Program(words.iter().map(&fill).collect::<Result<_, _>>()?))
            }
            WorkloadCommand::Shell(pieces) => Ok(Runnable::Shell(quoted_line(pieces, fill)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a'b\"c $(touch pwned) `touch pwned`; touch pwned\nnext line \\ end";

    #[test]
    fn a_program_shows_as_a_line_a_user_could_type() {
        let command = WorkloadCommand::program(&["npx", "cdk", "deploy"], [Text::known("-c"), Text::known(HOSTILE)]);
        let arguments = crate::expr::shell::tests::arguments(&command.shown()[4..]);
        assert_eq!(arguments, vec!["cdk", "deploy", "-c", HOSTILE]);
    }
}
