//! The organization's apply lock: two applies against one organization (two CI pipelines) would
//! otherwise race, each planning from a state the other is changing.
//!
//! AWS offers no lock, and orgctl keeps no state file, so the lock is a policy with a fixed name:
//! CreatePolicy refuses a second policy with the same name and type (DuplicatePolicyException),
//! which makes taking the lock atomic. Its description says who holds it, since when and until
//! when; the holder renews it while it works and deletes it at the end; a lock past its expiry
//! (its holder died), or whose holder ran on this machine and is gone, is taken over; `orgctl
//! unlock` deletes it by hand. The policy is never
//! attached (and would allow everything if it were), and reads leave it out, so plans, audits and
//! imports never see it. On an endpoint that does accept duplicate names (moto), the holder checks
//! that its policy is the only one and backs off otherwise.

use super::{Provider, ProviderError, ProviderResult};
use crate::model::{PolicyState, Tags};
use std::time::{Duration, SystemTime};

/// The lock policy's name.
pub const LOCK_POLICY_NAME: &str = "orgctl-apply-lock";
/// Harmless if someone attaches it: it allows what FullAWSAccess allows.
const LOCK_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OrgctlApplyLockNeverAttached","Effect":"Allow","Action":"*","Resource":"*"}]}"#;
/// How long a lock lives without renewal: a dead holder's lock is taken over after this.
const TTL: Duration = Duration::from_secs(30 * 60);
/// How often a holder renews its lock.
const RENEW_EVERY: Duration = Duration::from_secs(5 * 60);

/// Who holds a lock and until when, as written in the policy's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    pub policy_id: String,
    pub holder: String,
    pub since: String,
    pub expires: Option<SystemTime>,
}

impl LockInfo {
    fn from_policy(p: &PolicyState) -> Self {
        let d = &p.description;
        let field =
            |key: &str| d.split("; ").find_map(|part| part.strip_prefix(key)).map(str::to_string).unwrap_or_default();
        let expires = humantime::parse_rfc3339(&field("expires ")).ok();
        LockInfo { policy_id: p.id.to_string(), holder: field("held by "), since: field("since "), expires }
    }

    fn expired(&self) -> bool {
        self.expires.is_none_or(|e| e < SystemTime::now())
    }

    /// Whether the holder ran on this machine and is no longer running (a killed apply): its lock
    /// is taken over at once instead of after its expiry, so a re-run can finish the job.
    fn holder_died_here(&self) -> bool {
        // The holder is written as `user@host (pid N)` by `this_run`.
        let Some((who, pid)) = self.holder.rsplit_once(" (pid ") else { return false };
        let Some(pid) = pid.strip_suffix(')').and_then(|p| p.parse::<u32>().ok()) else { return false };
        let same_host = who.rsplit_once('@').is_some_and(|(_, host)| host == this_host());
        let gone = cfg!(target_os = "linux") && !std::path::Path::new(&format!("/proc/{pid}")).exists();
        same_host && pid != std::process::id() && gone
    }

    /// `alice@ci-1 (pid 42) since 2026-11-21T10:00:00Z, expires ...`
    pub fn describe(&self) -> String {
        let expires = self.expires.map(|e| humantime::format_rfc3339_seconds(e).to_string()).unwrap_or("?".into());
        format!("{} since {}, expires {expires}", self.holder, self.since)
    }
}

fn this_host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Who this run is, for the lock's description: `user@host (pid N)`.
pub fn this_run() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    format!("{user}@{} (pid {})", this_host(), std::process::id())
}

fn description(holder: &str, since: SystemTime) -> String {
    let now = humantime::format_rfc3339_seconds(since);
    let expires = humantime::format_rfc3339_seconds(SystemTime::now() + TTL);
    // AWS allows 512 characters in a description.
    let holder: String = holder.chars().filter(|c| !c.is_control() && *c != ';').take(200).collect();
    format!("orgctl apply lock; held by {holder}; since {now}; expires {expires}")
}

/// A held lock. Release it with [`OrgLock::release`]; if the process dies, it expires.
pub struct OrgLock {
    /// The lock policy and the task renewing it; `None` where the organization cannot have one.
    held: Option<(String, tokio::task::JoinHandle<()>)>,
}

/// The locks that exist now (normally none or one).
pub async fn current(provider: &dyn Provider) -> ProviderResult<Vec<LockInfo>> {
    Ok(provider.find_policies_named(LOCK_POLICY_NAME).await?.iter().map(LockInfo::from_policy).collect())
}

impl OrgLock {
    /// Takes the lock, waiting up to `wait` (saying so once) while another run holds it.
    pub async fn acquire(provider: std::sync::Arc<dyn Provider>, holder: &str, wait: Duration) -> ProviderResult<Self> {
        let started = std::time::Instant::now();
        let since = SystemTime::now();
        let mut said = false;
        loop {
            let tags = Tags::from([("orgctl:lock".to_string(), "apply".to_string())]);
            match provider
                .create_policy(crate::provider::NewPolicy {
                    policy_type: crate::model::PolicyType::ServiceControl,
                    name: LOCK_POLICY_NAME,
                    description: &description(holder, since),
                    content: LOCK_DOCUMENT,
                    tags: &tags,
                })
                .await
            {
                Ok(id) => {
                    if current(provider.as_ref()).await?.len() == 1 {
                        let renewal = renew_in_background(provider.clone(), id.clone(), holder.to_string(), since);
                        return Ok(OrgLock { held: Some((id, renewal)) });
                    }
                    // Another run created one at the same moment on an endpoint that allows
                    // duplicates: step back and try again after a random pause.
                    provider.delete_policy(&id).await?;
                }
                Err(e) if e.code == "DuplicatePolicyException" => {}
                // Only consolidated billing: no policies at all, so no lock either.
                Err(e) if e.code == "PolicyTypeNotAvailableForOrganizationException" => {
                    eprintln!(
                        "orgctl: warning: this organization cannot hold policies (all features are not enabled), \
                         so apply runs without the apply lock: make sure no other apply runs at the same time"
                    );
                    return Ok(OrgLock { held: None });
                }
                Err(e) => return Err(e),
            }
            let holders = current(provider.as_ref()).await?;
            if let Some(dead) = holders.iter().find(|l| l.expired() || l.holder_died_here()) {
                let why = if dead.expired() { "expired" } else { "dead (its process is gone)" };
                eprintln!("orgctl: taking over the {why} apply lock of {}", dead.describe());
                provider.delete_policy(&dead.policy_id).await?;
                continue;
            }
            let others: Vec<String> = holders.iter().map(LockInfo::describe).collect();
            let others = if others.is_empty() { "another run".to_string() } else { others.join("; ") };
            if started.elapsed() >= wait {
                return Err(ProviderError::new(
                    "OrganizationLocked",
                    format!(
                        "the organization's apply lock is held by {others}; gave up after {} (--lock-timeout). \
                         Wait for that run to finish; if it is dead, run `orgctl unlock` (or wait for the lock to expire)",
                        humantime::format_duration(wait)
                    ),
                ));
            }
            if !said {
                eprintln!("orgctl: waiting for the organization's apply lock, held by {others}");
                said = true;
            }
            tokio::time::sleep(Duration::from_millis(500 + fastrand::u64(0..1500))).await;
        }
    }

    /// Deletes the lock; a failure is reported, since the lock would then stay until it expires.
    pub async fn release(self, provider: &dyn Provider) {
        let Some((policy_id, renewal)) = self.held else { return };
        renewal.abort();
        if let Err(e) = provider.delete_policy(&policy_id).await {
            eprintln!(
                "orgctl: warning: could not release the apply lock ({e}); it expires on its own, or run `orgctl unlock`"
            );
        }
    }
}

/// Pushes the lock's expiry forward while the run works, so that a long apply keeps it.
fn renew_in_background(
    provider: std::sync::Arc<dyn Provider>,
    policy_id: String,
    holder: String,
    since: SystemTime,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let text = description(&holder, since);
            if let Err(e) = provider.update_policy(&policy_id, LOCK_POLICY_NAME, &text, LOCK_DOCUMENT).await {
                eprintln!("orgctl: warning: could not renew the apply lock: {e}");
            }
        }
    })
}

/// Deletes every apply lock (`orgctl unlock`); returns what was removed.
pub async fn force_unlock(provider: &dyn Provider) -> ProviderResult<Vec<LockInfo>> {
    let locks = current(provider).await?;
    for lock in &locks {
        provider.delete_policy(&lock.policy_id).await?;
    }
    Ok(locks)
}
