//! `orgctl audit`: inventory, drift from a file, good-practice findings, in four formats.

use super::args::*;
use super::output::{errln, out};
use super::{CliError, CliResult};
use console::style;
use std::process::ExitCode;

pub(super) async fn run(a: AuditArgs, stats: bool) -> CliResult {
    use crate::audit::{self as au, report::Severity};
    let thresholds = match &a.config {
        Some(path) => au::thresholds::Thresholds::load(path)
            .map_err(|e| CliError::new(e.to_string()).help("see README for the keys of the audit config"))?,
        None => au::thresholds::Thresholds::default(),
    };
    let fail_on = a
        .fail_on
        .as_deref()
        .map(|s| {
            Severity::parse(s)
                .ok_or_else(|| CliError::new(format!("--fail-on {s}: use info, low, medium, high or critical")))
        })
        .transpose()?;
    let (provider, planned) = match &a.file {
        Some(file) => {
            let (project, provider, p) = super::plan_file(file, &a.file_args, &a.target, &ScopeArgs::default()).await?;
            (provider, Some((file.display().to_string(), project, p)))
        }
        None => (super::open_provider(&a.target, None, None, None).await?, None),
    };
    let file = planned.as_ref().map(|(name, project, planned)| crate::ops::audit::AuditedFile {
        name: name.clone(),
        project,
        planned,
    });
    let report = crate::ops::audit::audit(provider.as_ref(), file, &thresholds).await?;
    let text = au::render::render(&report, a.format);
    match &a.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display())))?;
            let counts: Vec<String> = report
                .summary
                .findings
                .iter()
                .rev()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            let detail = if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) };
            errln!("Wrote {} ({} findings{detail}).", path.display(), report.findings.len());
        }
        // On a terminal, Markdown shows names as they are: escape what could rewrite the screen.
        None if a.format == au::render::Format::Md => out!("{}", crate::escape::lines_for_terminal(&text)),
        None => out!("{text}"),
    }
    super::print_stats(stats, provider.as_ref());
    if let (Some(threshold), Some(worst)) = (fail_on, report.worst()) {
        if worst >= threshold {
            errln!("{} findings at or above {} (--fail-on)", style("audit failed:").red().bold(), threshold.name());
            return Ok(ExitCode::from(3));
        }
    }
    Ok(ExitCode::SUCCESS)
}
