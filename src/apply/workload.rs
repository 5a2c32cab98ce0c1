//! Running a workload's commands in the workload's directory, with the target's credentials in
//! the environment (never printed), one command after the other: a program with its argument
//! vector, without a shell, or an author's command line through `sh -c` with its values quoted
//! ([`crate::plan::command`]).

use crate::plan::command::Runnable;
use crate::provider::{ProviderError, ProviderResult};
use std::path::Path;

/// Runs `commands` in `directory` with `env` added to orgctl's own environment; the first that
/// fails stops the run, and its error quotes the end of what it wrote to stderr.
pub async fn run_commands(directory: &Path, commands: &[Runnable], env: &[(String, String)]) -> ProviderResult<()> {
    for runnable in commands {
        let command = runnable.shown();
        let mut child = match runnable {
            Runnable::Program(words) => {
                let Some((program, arguments)) = words.split_first() else { continue };
                let mut child = tokio::process::Command::new(program);
                child.args(arguments);
                child
            }
            Runnable::Shell(line) => {
                let mut child = tokio::process::Command::new("sh");
                child.arg("-c").arg(line);
                child
            }
        };
        child.current_dir(directory).stdin(std::process::Stdio::null());
        // A profile would win over the target's credentials in most tools.
        child.env_remove("AWS_PROFILE");
        for (k, v) in env {
            child.env(k, v);
        }
        let output = child.output().await.map_err(|e| {
            let command = crate::escape::for_terminal(&command);
            ProviderError::new("WorkloadFailed", format!("cannot run `{command}`: {e}"))
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
            let secrets: Vec<&str> = env
                .iter()
                .filter(|(k, _)| k.starts_with("AWS_") && k != "AWS_REGION" && k != "AWS_DEFAULT_REGION")
                .map(|(_, v)| v.as_str())
                .collect();
            let mut tail = tail.join("\n");
            for s in secrets.iter().filter(|s| !s.is_empty()) {
                tail = tail.replace(s, "[redacted]");
            }
            return Err(ProviderError::new(
                "WorkloadFailed",
                format!(
                    "`{}` in {} failed ({}){}",
                    crate::escape::for_terminal(&command),
                    directory.display(),
                    output.status,
                    if tail.is_empty() { String::new() } else { format!(":\n{}", crate::escape::for_terminal(&tail)) }
                ),
            ));
        }
    }
    Ok(())
}
