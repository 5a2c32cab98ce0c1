//! The read stage: what is deployed, read once and in parallel, before anything is planned.

use crate::model::StackState;
use crate::plan::stacks::{ExportKey, StackSnapshot};
use crate::provider::{Provider, ProviderError, ProviderResult};
use futures::{stream, StreamExt, TryStreamExt};

/// The stacks orgctl owns in each (account, region), read in parallel (16 at a time).
pub async fn stacks_in(provider: &dyn Provider, places: &[(String, String)]) -> ProviderResult<Vec<StackState>> {
    let stacks: Vec<Vec<StackState>> =
        stream::iter(places.iter().map(|(a, r)| provider.read_stacks(a, r))).buffer_unordered(16).try_collect().await?;
    Ok(stacks.into_iter().flatten().collect())
}

/// Reads what `targets` needs, in parallel (16 at a time).
pub async fn snapshot(
    provider: &dyn Provider,
    targets: &crate::plan::stacks::StackTargets<'_>,
) -> ProviderResult<StackSnapshot> {
    let stacks = stacks_in(provider, &targets.places).await?;
    let exports: Vec<Option<(ExportKey, String)>> =
        stream::iter(targets.exports.iter().map(|(account, region, name)| async move {
            let value = provider.export_value(account, region, name).await?;
            Ok::<_, ProviderError>(value.map(|v| ((account.clone(), region.clone(), name.clone()), v)))
        }))
        .buffer_unordered(16)
        .try_collect()
        .await?;
    Ok(StackSnapshot { stacks, exports: exports.into_iter().flatten().collect() })
}
