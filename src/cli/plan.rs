//! `orgctl plan`: what apply would change, read from the live organization; `--out` saves it.

use super::args::*;
use super::output::{out, outln};
use super::{CliError, CliResult};
use std::process::ExitCode;

pub(super) async fn run(a: PlanArgs, stats: bool) -> CliResult {
    let (_, provider, planned) = super::plan_file(&a.file, &a.file_args, &a.target, a.prune).await?;
    let plan = planned.plan;
    super::print_stats(stats, provider.as_ref());
    if a.json {
        let mut value = serde_json::to_value(&plan).unwrap_or_default();
        value["summary"] = serde_json::to_value(plan.summary()).unwrap_or_default();
        outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        out!("{}", crate::plan::render::render_plan(&plan));
    }
    if let Some(out) = &a.out {
        let text = crate::plan::saved::to_json(&plan).map_err(|e| CliError::new(e.to_string()))?;
        std::fs::write(out, text).map_err(|e| CliError::new(format!("cannot write {}: {e}", out.display())))?;
        if !a.json {
            outln!(
                "\nSaved the plan to {}. Apply exactly these changes with: orgctl apply {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if a.detailed_exitcode && !plan.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
