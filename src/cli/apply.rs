//! `orgctl apply`: a file planned now, or a saved plan verified; under the organization's apply
//! lock, after confirmation, through the rolling pool.

use super::args::*;
use super::output::{errln, out, outln};
use super::{CliError, CliResult};
use crate::apply::{self, Outcome};
use crate::escape::for_terminal;
use crate::ops::apply::ApplySource;
use crate::provider::lock::{self, OrgLock};
use crate::provider::Provider;
use console::style;
use std::process::ExitCode;
use std::sync::Arc;

pub(super) async fn run(a: ApplyArgs, stats: bool) -> CliResult {
    // Open the organization, take its apply lock, and only then read it: the plan is made from a
    // state no other apply is changing. The lock is released whatever happens next.
    let saved = crate::ops::apply::read_saved_plan(&a.file).map_err(|e| {
        CliError::new(format!("{} is not a plan orgctl can apply: {e}", a.file.display()))
            .help("nothing was changed; make the plan again with `orgctl plan --out`, review it, and apply that file")
    })?;
    let (provider, source) = match saved {
        Some(plan) => {
            // A saved plan goes where it was made: its sandbox, unless --sandbox says otherwise
            // (then the plan's check refuses a different organization, naming both).
            let mut target = a.target.clone();
            if target.sandbox.is_none() {
                target.sandbox = plan.provider.strip_prefix("sandbox ").map(std::path::PathBuf::from);
            }
            let provider = super::open_provider(&target, None, None, Some(plan.access_roles.clone())).await?;
            (provider, ApplySource::Saved(Box::new(plan)))
        }
        None => {
            let (input, provider) = super::load_and_open(&a.file, &a.file_args, &a.target).await?;
            (provider, ApplySource::File(Box::new(input)))
        }
    };
    let lock = OrgLock::acquire(provider.clone(), &lock::this_run(), a.target.lock_timeout).await?;
    let result = apply_locked(&a, stats, source, provider.clone()).await;
    lock.release(provider.as_ref()).await;
    result
}

async fn apply_locked(a: &ApplyArgs, stats: bool, source: ApplySource, provider: Arc<dyn Provider>) -> CliResult {
    let options = super::plan_options(&a.scope);
    let bar = super::progress::Counter::access_reports();
    let plan = crate::ops::apply::plan_to_apply(source, provider.as_ref(), &options, &bar).await?;
    if a.json {
        let value = serde_json::json!({"event": "plan", "summary": plan.summary(), "changes": plan.changes.len()});
        outln!("{value}");
    } else {
        out!("{}", crate::plan::render::render_plan(&plan));
    }
    if !plan.is_empty() && !a.auto_approve {
        super::confirm()?;
    }
    if plan.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if !a.json {
        outln!();
    }
    let console = Arc::new(super::progress::ConsoleProgress::new(plan.changes.len()));
    let progress: Arc<dyn apply::Progress> =
        if a.json { Arc::new(super::progress::JsonProgress) } else { console.clone() };
    let report = crate::ops::apply::apply(&plan, provider.clone(), usize::from(a.concurrency), progress).await;
    console.finish();
    let report = report?;
    super::print_stats(stats, provider.as_ref());
    let done = report.count(|o| matches!(o, Outcome::Done(_)));
    if a.json {
        let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
        let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
        let ok = report.succeeded() || report.tolerated(&plan).is_some();
        outln!(
            "{}",
            serde_json::json!({"event": "summary", "done": done, "failed": failed, "skipped": skipped, "succeeded": ok})
        );
        return if ok {
            Ok(ExitCode::SUCCESS)
        } else {
            Err(CliError::new(format!("{failed} change(s) failed, {skipped} skipped")))
        };
    }
    if report.succeeded() {
        outln!("\n{} {done} change(s) made.", style("Apply complete!").green().bold());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(tolerated) = report.tolerated(&plan) {
        outln!(
            "\n{} {done} change(s) made; {} stack(s) failed or were skipped within their task's FailedStackTolerance:",
            style("Apply complete.").yellow().bold(),
            tolerated.len()
        );
        for id in tolerated {
            let c = &plan.changes[id];
            outln!("  {} {}: {}", style("tolerated").yellow(), for_terminal(&c.subject), for_terminal(&c.summary));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    errln!("\n{} {done} done, {failed} failed, {skipped} skipped.", style("Apply failed:").red().bold());
    for (change, outcome) in plan.changes.iter().zip(&report.outcomes) {
        if let Outcome::Failed(e) = outcome {
            errln!(
                "  {} #{} {} {}: {}",
                style("failed").red(),
                change.id,
                change.action.symbol(),
                for_terminal(&change.subject),
                change.summary
            );
            errln!("      {}", for_terminal(&e.to_string()));
        }
    }
    let summary = match (done, skipped) {
        (0, 0) => "every change failed; nothing was made".to_string(),
        (0, _) => "changes failed and the ones that depend on them were skipped; nothing was made".to_string(),
        (_, 0) => format!("some changes failed; the other {done} were made"),
        _ => format!("some changes failed and {skipped} that depend on them were skipped; {done} were made"),
    };
    Err(CliError::new(summary)
        .help("fix the cause and run `orgctl apply` again: it plans from the live organization and finishes the job"))
}
