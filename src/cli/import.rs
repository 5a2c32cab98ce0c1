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
    let state = provider.read().await?;
    let governance = provider.read_governance().await?;
    let options = crate::import::ImportOptions { governance: Some(governance), ..Default::default() };
    let imported = crate::import::import_with(&state, &options);
    match &a.output {
        Some(out) => {
            std::fs::write(out, &imported.yaml)
                .map_err(|e| CliError::new(format!("cannot write {}: {e}", out.display())))?;
            errln!(
                "Wrote {} ({} OUs, {} accounts, {} SCPs).",
                out.display(),
                state.ous.len(),
                state.accounts.len(),
                state.policies.values().filter(|p| !p.aws_managed).count()
            );
        }
        None => out!("{}", imported.yaml),
    }
    let untagged = crate::import::untagged(&state, &imported);
    if a.no_tag || untagged.is_empty() {
        super::print_stats(stats, provider.as_ref());
        return Ok(ExitCode::SUCCESS);
    }
    for (id, lid) in &untagged {
        let tags = crate::model::Tags::from([(crate::model::OWNER_TAG.to_string(), lid.to_string())]);
        provider.tag_resource(id, &tags).await?;
    }
    errln!(
        "Tagged {} resource(s) with {}=<logical id>, so that renames in the file are updates.",
        untagged.len(),
        crate::model::OWNER_TAG
    );
    super::print_stats(stats, provider.as_ref());
    Ok(ExitCode::SUCCESS)
}
