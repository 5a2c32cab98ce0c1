//! The read stage: what is deployed, read once and in parallel, before anything is planned.

use crate::model::StackState;
use crate::plan::stacks::{ExportKey, StackSnapshot};
use crate::provider::{At, Provider, ProviderError, ProviderResult};
use futures::{stream, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashMap};

/// How many reads run at once.
const AT_ONCE: usize = 16;

/// Runs `reads`, [`AT_ONCE`] at a time; the first error stops them.
async fn in_parallel<T, F>(reads: impl Iterator<Item = F>) -> ProviderResult<Vec<T>>
where
    F: std::future::Future<Output = ProviderResult<T>>,
{
    stream::iter(reads).buffer_unordered(AT_ONCE).try_collect().await
}

/// The stacks orgctl owns in each (account, region), read in parallel.
pub async fn stacks_in(
    provider: &dyn Provider,
    places: &[(crate::model::AccountId, crate::model::Region)],
) -> ProviderResult<Vec<StackState>> {
    let stacks: Vec<Vec<StackState>> =
        in_parallel(places.iter().map(|(a, r)| provider.read_stacks(At::new(a, r)))).await?;
    Ok(stacks.into_iter().flatten().collect())
}

/// The alternate contacts of each account, by account id.
pub async fn contacts(
    provider: &dyn Provider,
    accounts: &[String],
) -> ProviderResult<HashMap<String, BTreeMap<String, crate::model::AlternateContact>>> {
    let read =
        in_parallel(accounts.iter().map(|id| async move {
            provider.alternate_contacts(&id.into()).await.map(|contacts| (id.clone(), contacts))
        }))
        .await?;
    Ok(read.into_iter().collect())
}

/// The support plan of each account, by account id.
pub async fn support_levels(
    provider: &dyn Provider,
    accounts: &[String],
) -> ProviderResult<HashMap<String, crate::model::SupportLevel>> {
    let read = in_parallel(
        accounts.iter().map(|id| async move { provider.support_level(&id.into()).await.map(|l| (id.clone(), l)) }),
    )
    .await?;
    Ok(read.into_iter().collect())
}

/// The opt-in status of the given regions of each account, by account id.
pub async fn region_status(
    provider: &dyn Provider,
    places: &[(String, Vec<String>)],
) -> ProviderResult<HashMap<String, BTreeMap<String, String>>> {
    let read = in_parallel(places.iter().map(|(id, regions)| async move {
        provider.region_opt_status(&id.into(), regions).await.map(|status| (id.clone(), status))
    }))
    .await?;
    Ok(read.into_iter().collect())
}

/// Reads what `targets` needs, in parallel (16 at a time).
pub async fn snapshot(
    provider: &dyn Provider,
    targets: &crate::plan::stacks::StackTargets<'_>,
) -> ProviderResult<StackSnapshot> {
    let stacks = stacks_in(provider, &targets.places).await?;
    let exports: Vec<Option<(ExportKey, String)>> =
        in_parallel(targets.exports.iter().map(|(account, region, name)| async move {
            let at = (crate::model::AccountId::from(account), crate::model::Region::from(region));
            let value = provider.export_value(At::new(&at.0, &at.1), name).await?;
            Ok::<_, ProviderError>(value.map(|v| ((account.clone(), region.clone(), name.clone()), v)))
        }))
        .await?;
    Ok(StackSnapshot { stacks, exports: exports.into_iter().flatten().collect() })
}
