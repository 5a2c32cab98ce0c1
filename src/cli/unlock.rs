//! `orgctl unlock`: removes the organization's apply lock left by a run that died.

use super::args::*;
use super::output::outln;
use super::CliResult;
use crate::escape::for_terminal;
use crate::provider::lock;
use std::process::ExitCode;

/// `orgctl unlock`: deletes the organization's apply lock left by a run that died.
pub(super) async fn run(a: UnlockArgs) -> CliResult {
    let provider = super::open_provider(&a.target, None, None, None).await?;
    let removed = lock::force_unlock(provider.as_ref()).await?;
    if removed.is_empty() {
        outln!("The organization ({}) has no apply lock.", provider.describe());
    }
    for l in removed {
        outln!("Removed the apply lock held by {}.", for_terminal(&l.describe()));
    }
    Ok(ExitCode::SUCCESS)
}
