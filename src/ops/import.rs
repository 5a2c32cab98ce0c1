//! The import workflow: the live organization read once (with what it delegates, and each
//! active account's alternate contacts and opt-in regions where the endpoint has that API), as
//! an org file; then, when asked, the ownership tag on what the file now names.

use super::read;
use crate::import::{self, ImportOptions, Imported};
use crate::model::{OrgState, Tags, OPT_IN_REGIONS, OWNER_TAG};
use crate::provider::{Provider, ProviderError};

/// The organization as an org file, and what could not be imported (said as notes).
pub struct Import {
    pub state: OrgState,
    pub imported: Imported,
    pub notes: Vec<String>,
}

/// Reads the organization `provider` opens and writes it as an org file.
pub async fn import(provider: &dyn Provider) -> Result<Import, ProviderError> {
    let state = provider.read().await?;
    let governance = provider.read_governance().await?;
    let mut notes = Vec::new();
    let active: Vec<String> =
        state.accounts.values().filter(|a| a.status.is_active()).map(|a| a.id.to_string()).collect();
    // An endpoint without the Account Management API leaves these out of the file, and says so.
    let contacts = read::contacts(provider, &active).await.unwrap_or_else(|e| {
        notes.push(format!("alternate contacts not imported ({e})"));
        Default::default()
    });
    let regions: Vec<String> = OPT_IN_REGIONS.iter().map(|r| r.to_string()).collect();
    let places: Vec<(String, Vec<String>)> = active.iter().map(|id| (id.clone(), regions.clone())).collect();
    let region_status = read::region_status(provider, &places).await.unwrap_or_else(|e| {
        notes.push(format!("opt-in regions not imported ({e})"));
        Default::default()
    });
    let identity = provider.read_identity_center(&crate::model::IdentityScope::Everywhere).await.unwrap_or_else(|e| {
        notes.push(format!("IAM Identity Center not imported ({e})"));
        None
    });
    let options =
        ImportOptions { governance: Some(governance), contacts, region_status, identity, ..Default::default() };
    let imported = import::import_with(&state, &options);
    Ok(Import { state, imported, notes })
}

/// Tags what the imported file names and orgctl did not own yet with its logical id (so that
/// renames in the file are updates); how many were tagged.
pub async fn tag_owned(provider: &dyn Provider, import: &Import) -> Result<usize, ProviderError> {
    let untagged = import::untagged(&import.state, &import.imported);
    for (id, lid) in &untagged {
        let tags = Tags::from([(OWNER_TAG.to_string(), lid.to_string())]);
        provider.tag_resource(id, &tags).await?;
    }
    Ok(untagged.len())
}
