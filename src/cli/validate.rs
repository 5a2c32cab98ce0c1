//! `orgctl validate`: checks a file (and a task file's organization file); touches no organization.

use super::args::*;
use super::output::{err, errln, outln};
use super::CliResult;
use crate::org_file;
use console::style;
use std::process::ExitCode;

pub(super) fn run(a: ValidateArgs) -> CliResult {
    let mut options = super::load_options(&a.file_args)?;
    // validate runs nothing, whatever the command line allows (crate::source::commands).
    options.commands = crate::source::commands::Commands::new(crate::source::commands::CommandPolicy::Defer);
    // A lone template (org-formation's validate-stacks) is checked as the task that deploys it.
    let stem = a.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "stack".into());
    let single = super::lone_template(&a.file, a.file_args.stack_name.as_deref(), Some(&stem), &mut options)?;
    let file = single.as_ref().map_or(a.file.as_path(), |s| s.tasks.as_path());
    // A task file brings its organization file along: both are checked.
    let (reports, summary) = if crate::tasks::is_task_file(file, &options) {
        let loaded = crate::tasks::load(file, &options);
        let stacks = loaded
            .tasks
            .tasks
            .iter()
            .filter(|t| matches!(t.kind, crate::tasks::task_file::TaskKind::UpdateStacks(_)))
            .count();
        let organization = if loaded.organization.is_some() {
            "organization file included"
        } else {
            "accounts from the live organization (annotate-organization): bindings are checked when planning"
        };
        let summary = format!(
            "{} is valid: {} ({} update-stacks), {organization}.",
            a.file.display(),
            super::count(loaded.tasks.tasks.len(), "task", "tasks"),
            stacks
        );
        let mut reports = vec![(loaded.diagnostics, loaded.sources)];
        if let Some(org) = loaded.organization {
            reports.insert(0, (org.diagnostics, org.sources));
        }
        (reports, summary)
    } else {
        let loaded = org_file::load(&a.file, &options);
        let s = &loaded.spec;
        let summary = format!(
            "{} is valid: {}, {}, {}, {}.",
            a.file.display(),
            super::count(s.ous.len(), "OU", "OUs"),
            super::count(s.accounts.len(), "account", "accounts"),
            super::count(s.policies.len(), "SCP", "SCPs"),
            super::count(s.password_policies.len(), "password policy", "password policies")
        );
        (vec![(loaded.diagnostics, loaded.sources)], summary)
    };
    let errors: usize = reports.iter().map(|(d, _)| d.error_count()).sum();
    if a.json {
        let all: Vec<serde_json::Value> = reports
            .iter()
            .flat_map(|(d, _)| super::diagnostics::to_json(d).as_array().cloned().unwrap_or_default())
            .collect();
        let out = serde_json::json!({ "file": a.file, "valid": errors == 0, "diagnostics": all });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for (d, sources) in &reports {
            err!("{}", super::diagnostics::render(d, sources));
        }
    }
    if errors > 0 {
        if !a.json {
            errln!("{} {} has {} error(s)", style("error:").red().bold(), a.file.display(), errors);
        }
        return Ok(ExitCode::FAILURE);
    }
    if !a.json {
        outln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
