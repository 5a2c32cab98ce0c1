//! `orgctl import`: the live organization as an org file, and ownership tags on what it holds.

use super::args::*;
use super::output::{errln, out};
use super::{CliError, CliResult};
use std::process::ExitCode;

type Contacts = std::collections::HashMap<String, std::collections::BTreeMap<String, crate::model::AlternateContact>>;
type RegionStatus = std::collections::HashMap<String, std::collections::BTreeMap<String, String>>;

/// Every active account's alternate contacts and opt-in regions (Account Management API). An
/// endpoint without that API leaves them out of the file, and says so.
async fn account_settings(
    provider: &dyn crate::provider::Provider,
    state: &crate::model::OrgState,
) -> (Contacts, RegionStatus) {
    let active: Vec<String> = state.accounts.values().filter(|a| a.status.is_active()).map(|a| a.id.clone()).collect();
    let contacts = crate::ops::read::contacts(provider, &active).await.unwrap_or_else(|e| {
        errln!("note: alternate contacts not imported ({e})");
        Default::default()
    });
    let regions: Vec<String> = crate::model::OPT_IN_REGIONS.iter().map(|r| r.to_string()).collect();
    let places: Vec<(String, Vec<String>)> = active.iter().map(|id| (id.clone(), regions.clone())).collect();
    let region_status = crate::ops::read::region_status(provider, &places).await.unwrap_or_else(|e| {
        errln!("note: opt-in regions not imported ({e})");
        Default::default()
    });
    (contacts, region_status)
}

pub(super) async fn run(a: ImportArgs, stats: bool) -> CliResult {
    if let Some(out) = a.output.as_ref().filter(|o| o.exists() && !a.force) {
        return Err(CliError::new(format!("{} exists", out.display()))
            .help("pass --force to overwrite it, or choose another -o"));
    }
    let provider = super::open_provider(&a.target, None, None, None).await?;
    let state = provider.read().await?;
    let governance = provider.read_governance().await?;
    let (contacts, region_status) = account_settings(provider.as_ref(), &state).await;
    let options =
        crate::import::ImportOptions { governance: Some(governance), contacts, region_status, ..Default::default() };
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
