//! `orgctl import`: the live organization as an org file, and ownership tags on what it holds.

use super::args::*;
use super::output::{errln, out};
use super::{CliError, CliResult};
use std::process::ExitCode;

pub(super) async fn run(a: ImportArgs, stats: bool) -> CliResult {
    if let Some(out) = a.output.as_ref().filter(|o| o.exists() && !a.force) {
        return Err(CliError::new(format!("{} exists", out.display()))
            .help("pass --force to overwrite it, or choose another -o"));
    }
    let provider = super::open_provider(&a.target, None, None, None).await?;
    let import = crate::ops::import::import(provider.as_ref()).await?;
    for note in &import.notes {
        errln!("note: {note}");
    }
    let state = &import.state;
    match &a.output {
        Some(out) => {
            std::fs::write(out, &import.imported.yaml)
                .map_err(|e| CliError::new(format!("cannot write {}: {e}", out.display())))?;
            errln!(
                "Wrote {} ({} OUs, {} accounts, {} SCPs).",
                out.display(),
                state.ous.len(),
                state.accounts.len(),
                state.policies.values().filter(|p| !p.aws_managed).count()
            );
        }
        None => out!("{}", import.imported.yaml),
    }
    if !a.no_tag {
        let tagged = crate::ops::import::tag_owned(provider.as_ref(), &import).await?;
        if tagged > 0 {
            errln!(
                "Tagged {tagged} resource(s) with {}=<logical id>, so that renames in the file are updates.",
                crate::model::OWNER_TAG
            );
        }
    }
    super::print_stats(stats, provider.as_ref());
    Ok(ExitCode::SUCCESS)
}
