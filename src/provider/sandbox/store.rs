//! The sandbox organization on disk: one JSON file, replaced atomically on every write
//! (temp file in the same folder, fsync, rename) so that a crash never leaves it half-written.

use crate::model::{AccountState, OrgState, RootState, Tags};
use crate::org_file::limits::Limits;
use crate::provider::{ProviderError, ProviderResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

const FORMAT: &str = "orgctl-sandbox/1";

/// A CreateAccount request, which finishes on a later status poll, as on AWS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateRequest {
    pub id: String,
    pub email: String,
    pub name: String,
    pub tags: Tags,
    pub state: crate::model::CreateRequestStatus,
    pub account_id: Option<String>,
    pub failure_reason: Option<String>,
    /// Status polls left before the request completes.
    pub polls_left: u32,
}

/// Everything the sandbox file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxData {
    pub format: String,
    /// The limits the sandbox enforces, as AWS does; tests may lower them in the file.
    pub limits: Limits,
    pub next_id: u64,
    pub org: OrgState,
    pub requests: BTreeMap<String, CreateRequest>,
    /// Stacks by `account/region/name`.
    #[serde(default)]
    pub stacks: BTreeMap<String, crate::model::StackState>,
    /// Registered CloudFormation types, `account/region/type` → handler package.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    /// Objects written by `copy-to-s3` tasks, by `s3://bucket/key`.
    #[serde(default)]
    pub objects: BTreeMap<String, SandboxObject>,
    /// Opt-in regions enabled: account id → regions.
    #[serde(default)]
    pub regions: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Alternate contacts: account id → type → contact.
    #[serde(default)]
    pub contacts: BTreeMap<String, BTreeMap<String, crate::model::AlternateContact>>,
    /// Support plans by account id; an account not listed has Basic.
    #[serde(default)]
    pub support_levels: BTreeMap<String, crate::model::SupportLevel>,
    /// IAM's organization access report, as a test or a user writes it: account id → the
    /// services its principals used (what `plan --access-report` reads).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services_last_used: BTreeMap<String, Vec<crate::model::ServiceLastUsed>>,
    /// Trusted access, delegated administrators and other policy types (set up outside orgctl).
    #[serde(default)]
    pub governance: crate::model::Governance,
    /// The Identity Center instance with its identity store; `None`: the organization has not
    /// enabled Identity Center (a sandbox made before orgctl managed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::model::IdentityCenterState>,
}

/// An S3 object in the sandbox: who wrote it, from where, and what it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxObject {
    pub account_id: String,
    pub region: String,
    pub md5: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_encryption: Option<String>,
    /// The content when it is UTF-8 text (so that tests and users can read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The management account a new sandbox organization starts with.
pub struct ManagementSeed {
    pub account_id: String,
    pub name: String,
    pub email: String,
    /// The management account's support plan (the file's `SupportLevel`: what it has).
    pub support_level: Option<crate::model::SupportLevel>,
}

/// The groups and user a new sandbox's identity store holds, so that assignments can be tried
/// at once (a test or a user adds more to the file's `identity`).
pub const SEED_GROUPS: [&str; 3] = ["Administrators", "Developers", "Auditors"];
pub const SEED_USERS: [&str; 1] = ["admin@example.com"];

/// An Identity Center instance as AWS enables one: its identity store holding the seed groups and user.
fn new_identity_center(seed: &str) -> crate::model::IdentityCenterState {
    let id = |prefix: &str, i: usize| format!("{prefix}{}-{i:04}", &seed[14..22]);
    crate::model::IdentityCenterState {
        instance_arn: format!("arn:aws:sso:::instance/ssoins-{}", &seed[14..30]),
        identity_store_id: format!("d-{}", &seed[30..40]),
        permission_sets: Vec::new(),
        assignments: Vec::new(),
        groups: SEED_GROUPS.iter().enumerate().map(|(i, g)| (g.to_string(), id("g-", i))).collect(),
        users: SEED_USERS.iter().enumerate().map(|(i, u)| (u.to_string(), id("u-", i))).collect(),
        ownership_known: true,
    }
}

impl SandboxData {
    /// A fresh organization: the management account under its root, SCPs not yet enabled.
    pub fn new(management: &ManagementSeed) -> Self {
        let seed = format!("{:x}", Sha256::digest(management.account_id.as_bytes()));
        let root_id = format!("r-{}", &seed[..4]);
        let mut accounts = BTreeMap::new();
        accounts.insert(
            management.account_id.clone().into(),
            AccountState {
                id: management.account_id.clone().into(),
                name: management.name.clone(),
                email: management.email.clone(),
                parent_id: root_id.clone(),
                status: crate::model::AccountStatus::Active,
                tags: Tags::new(),
                alias: None,
                password_policy: None,
            },
        );
        let org = OrgState {
            organization_id: format!("o-{}", &seed[4..14]),
            management_account_id: management.account_id.clone().into(),
            root: RootState { id: root_id, scp_enabled: false, other_policy_types: Vec::new(), tags: Tags::new() },
            ous: BTreeMap::new(),
            accounts,
            policies: BTreeMap::new(),
            pending_create_requests: Vec::new(),
        };
        let support_levels =
            management.support_level.map(|level| (management.account_id.clone(), level)).into_iter().collect();
        let identity = Some(new_identity_center(&seed));
        SandboxData { next_id: 1, support_levels, identity, ..SandboxData::from_state(org) }
    }

    /// A sandbox holding `org` as it is (for benchmarks and tests that need a large organization).
    pub fn from_state(mut org: OrgState) -> Self {
        org.pending_create_requests.clear();
        let next_id = (org.ous.len() + org.accounts.len() + org.policies.len()) as u64 + 1;
        SandboxData {
            format: FORMAT.into(),
            limits: Limits::default(),
            next_id,
            org,
            requests: BTreeMap::new(),
            stacks: BTreeMap::new(),
            types: BTreeMap::new(),
            objects: BTreeMap::new(),
            services_last_used: BTreeMap::new(),
            governance: Default::default(),
            contacts: BTreeMap::new(),
            regions: BTreeMap::new(),
            support_levels: BTreeMap::new(),
            identity: None,
        }
    }

    pub fn load(path: &Path) -> ProviderResult<Self> {
        let bytes = std::fs::read(path).map_err(|e| {
            ProviderError::new("SandboxUnreadable", format!("cannot read the sandbox {}: {e}", path.display()))
        })?;
        let mut data: SandboxData = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::new("SandboxCorrupt", format!("{} is not an orgctl sandbox file: {e}", path.display()))
        })?;
        if data.format != FORMAT {
            return Err(ProviderError::new(
                "SandboxCorrupt",
                format!("{} has format '{}', expected '{FORMAT}'", path.display(), data.format),
            ));
        }
        data.limits.follow_aws_raises();
        Ok(data)
    }

    /// Writes the whole file atomically.
    pub fn save(&self, path: &Path) -> ProviderResult<()> {
        let io = |e: std::io::Error| {
            ProviderError::new("SandboxWriteFailed", format!("cannot write the sandbox {}: {e}", path.display()))
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let prefix = super::lock::temp_prefix(path);
        let mut tmp = tempfile::Builder::new().prefix(&prefix).tempfile_in(dir).map_err(io)?;
        let bytes =
            serde_json::to_vec_pretty(self).map_err(|e| ProviderError::new("SandboxWriteFailed", e.to_string()))?;
        tmp.write_all(&bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// A new id with AWS's shape for `kind`: `ou`, `account`, `policy` or `car`.
    pub fn new_id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        let hash =
            format!("{:x}", Sha256::digest(format!("{}:{kind}:{}", self.org.organization_id, self.next_id).as_bytes()));
        match kind {
            "ou" => format!("ou-{}-{}", self.org.root.id.get(2..).unwrap_or("root"), &hash[..8]),
            "account" => {
                let digits: String = hash.bytes().map(|b| char::from(b'0' + b % 10)).take(12).collect();
                format!("{}{}", (self.next_id % 9) + 1, &digits[1..])
            }
            "policy" => format!("p-{}", &hash[..8]),
            _ => format!("car-{}", &hash[..32]),
        }
    }
}
