//! `orgctl plan`: what apply would change, read from the live organization; `--out` saves it.

use super::args::*;
use super::output::{out, outln};
use super::{CliError, CliResult};
use std::process::ExitCode;

pub(super) async fn run(a: PlanArgs, stats: bool) -> CliResult {
    let (_, provider, planned) = super::plan_file(&a.file, &a.file_args, &a.target, &a.scope).await?;
    let plan = planned.plan;
    super::print_stats(stats, provider.as_ref());
    print(&plan, a.json);
    if let Some(dir) = &a.show_templates {
        let written = write_templates(dir, &plan.rendered)?;
        if !a.json {
            outln!("\nWrote {written} rendered template(s) to {}.", dir.display());
        }
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

/// Writes each rendered template into `dir` as `<task>/<account>-<region>-<stack>.json`; the
/// names are made of safe characters only, so that no task name can write outside `dir`.
fn write_templates(dir: &std::path::Path, rendered: &[crate::plan::RenderedTemplate]) -> Result<usize, CliError> {
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
    };
    let failed =
        |path: &std::path::Path, e: std::io::Error| CliError::new(format!("cannot write {}: {e}", path.display()));
    for t in rendered {
        let folder = dir.join(safe(&t.task));
        std::fs::create_dir_all(&folder).map_err(|e| failed(&folder, e))?;
        let path = folder.join(format!("{}-{}-{}.json", safe(&t.account), safe(&t.region), safe(&t.stack)));
        let pretty = serde_json::from_str::<serde_json::Value>(&t.template)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| t.template.clone());
        std::fs::write(&path, pretty + "\n").map_err(|e| failed(&path, e))?;
    }
    Ok(rendered.len())
}

/// A plan as `plan` prints it, or as JSON with its summary.
fn print(plan: &crate::plan::Plan, json: bool) {
    if json {
        let mut value = serde_json::to_value(crate::plan::sensitive::redacted(plan)).unwrap_or_default();
        value["summary"] = serde_json::to_value(plan.summary()).unwrap_or_default();
        outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        out!("{}", crate::plan::render::render_plan(plan));
    }
}

/// `orgctl show PLAN.json`: a saved plan, read and its digest checked, without any organization.
pub(super) fn show(a: ShowArgs) -> CliResult {
    let text = std::fs::read_to_string(&a.plan)
        .map_err(|e| CliError::new(format!("cannot read {}: {e}", a.plan.display())))?;
    let plan = crate::plan::saved::from_json(&text).map_err(|e| {
        CliError::new(format!("{} is not a plan orgctl can show: {e}", a.plan.display()))
            .help("save a plan with `orgctl plan FILE --out PLAN.json`")
    })?;
    print(&plan, a.json);
    Ok(ExitCode::SUCCESS)
}
