//! What the benchmarks share: running orgctl and reading its `--stats`.
#![allow(dead_code)] // each benchmark uses a part of what they share

pub mod org_formation;

use orgctl::model::{AccountState, OrgState, OuState, PolicyState, RootState, Tags, FULL_AWS_ACCESS_ID, OWNER_TAG};
use orgctl::org_file::desired::{DesiredOrg, Parent};
use std::collections::BTreeMap;

use std::process::Command;
use std::time::Instant;

/// Runs orgctl with `--stats`; returns (seconds, API requests). Panics on failure: a benchmark
/// whose run fails has nothing to report.
pub fn orgctl(args: &[&str], env: &[(&'static str, String)]) -> (f64, u64) {
    let run = measured(args, env);
    (run.seconds, run.requests)
}

/// One orgctl run: wall time, API requests, peak memory.
pub struct Measured {
    pub seconds: f64,
    pub requests: u64,
    /// Peak resident memory in MB (GNU time's %M), when /usr/bin/time is there.
    pub peak_mb: Option<f64>,
}

/// Runs orgctl with `--stats` (under GNU time for its peak memory, where there is one).
pub fn measured(args: &[&str], env: &[(&'static str, String)]) -> Measured {
    let mut args = args.to_vec();
    args.push("--stats");
    let (seconds, stderr, peak_mb) = timed(std::path::Path::new(env!("CARGO_BIN_EXE_orgctl")), &args, env);
    let requests = stderr
        .lines()
        .find_map(|l| l.strip_prefix("orgctl: ")?.strip_suffix(" API requests")?.parse().ok())
        .unwrap_or(0);
    Measured { seconds, requests, peak_mb }
}

/// Runs `program` (under GNU time, where there is one): its wall time, what it printed on stderr
/// and its peak memory in MB. Panics when it fails: a benchmark whose run fails has nothing to
/// report.
pub fn timed(program: &std::path::Path, args: &[&str], env: &[(&'static str, String)]) -> (f64, String, Option<f64>) {
    let gnu_time = std::path::Path::new("/usr/bin/time").exists();
    let mut command = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "peak-kb: %M"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let started = Instant::now();
    let out = command.args(args).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).output().expect("run");
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // BENCH_KEEP_LOG=PATH keeps what the run printed (with ORGCTL_LOG set, where time goes).
    if let Ok(path) = std::env::var("BENCH_KEEP_LOG") {
        let _ = std::fs::write(path, format!("{}{stderr}", String::from_utf8_lossy(&out.stdout)));
    }
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}{stderr}",
        program.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    let peak_mb =
        stderr.lines().find_map(|l| l.strip_prefix("peak-kb: ")?.trim().parse::<f64>().ok()).map(|kb| kb / 1024.0);
    (seconds, stderr, peak_mb)
}

/// The median of some runs.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// An org of `accounts` accounts in `accounts / 25` OUs (two levels), with SCPs, password
/// policies, aliases and tags, under moto's management account.
pub fn generated_org(accounts: usize) -> String {
    use std::fmt::Write;
    let ous = (accounts / 25).max(4);
    let mut y = String::from(
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: master\n      AccountId: '123456789012'\n      PasswordPolicy: !Ref Passwords\n  Root:\n    Type: OC::ORG::OrganizationRoot\n    Properties:\n      ServiceControlPolicies: !Ref DenyLeave\n  Passwords:\n    Type: OC::ORG::PasswordPolicy\n    Properties:\n      MinimumPasswordLength: 14\n      RequireSymbols: true\n      MaxPasswordAge: 90\n      PasswordReusePrevention: 24\n  DenyLeave:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: DenyLeave\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Deny\n            Action: 'organizations:LeaveOrganization'\n            Resource: '*'\n",
    );
    for o in 0..ous {
        let parent_line = if o >= 4 {
            String::new()
        } else {
            format!(
                "      OrganizationalUnits: [{}]\n",
                (4..ous).filter(|c| c % 4 == o).map(|c| format!("!Ref Ou{c}")).collect::<Vec<_>>().join(", ")
            )
        };
        let parent_line = if parent_line.contains("[]") { String::new() } else { parent_line };
        let members: Vec<String> = (0..accounts).filter(|a| a % ous == o).map(|a| format!("!Ref Account{a}")).collect();
        let _ = write!(y, "  Ou{o}:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Ou{o}\n{parent_line}      Accounts: [{}]\n", members.join(", "));
    }
    for a in 0..accounts {
        let _ = write!(
            y,
            "  Account{a}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Account {a}\n      RootEmail: aws+bench{a}@example.com\n      Alias: bench-{a}\n      PasswordPolicy: !Ref Passwords\n      Tags:\n        team: team{}\n",
            a % 10
        );
    }
    y
}

/// The live organization that matches `desired` exactly, with AWS-like ids.
pub fn matching_state(desired: &DesiredOrg) -> OrgState {
    let root_id = "r-bench".to_string();
    let owner = |lid: &str| Tags::from([(OWNER_TAG.to_string(), lid.to_string())]);
    let ou_id = |lid: &str| format!("ou-bench-{lid}");
    let policy_id = |lid: &str| format!("p-{lid}");
    let parent_id = |p: &Parent| match p {
        Parent::Root => root_id.clone(),
        Parent::Ou(lid) => ou_id(lid),
    };
    let mut policies: BTreeMap<orgctl::model::PolicyId, PolicyState> = desired
        .policies
        .iter()
        .map(|p| {
            let state = PolicyState {
                id: policy_id(&p.logical_id).into(),
                name: p.name.clone(),
                description: p.description.clone(),
                content: p.content.clone(),
                aws_managed: false,
                policy_type: Default::default(),
                tags: owner(&p.logical_id),
                targets: Vec::new(),
            };
            (state.id.clone(), state)
        })
        .collect();
    let mut full = PolicyState {
        id: FULL_AWS_ACCESS_ID.into(),
        name: "FullAWSAccess".into(),
        description: String::new(),
        content: "{}".into(),
        aws_managed: true,
        policy_type: Default::default(),
        tags: Tags::new(),
        targets: vec![root_id.clone()],
    };
    let mut attach = |target: &str, scps: &[String]| {
        for lid in scps {
            if let Some(p) = policies.get_mut(&policy_id(lid)) {
                p.targets.push(target.to_string());
            }
        }
    };
    attach(&root_id, &desired.root_scps);
    let mut ous = BTreeMap::new();
    for ou in &desired.ous {
        let id = ou_id(&ou.logical_id);
        attach(&id, &ou.scps);
        full.targets.push(id.clone());
        ous.insert(
            id.clone(),
            OuState { id, name: ou.name.clone(), parent_id: parent_id(&ou.parent), tags: owner(&ou.logical_id) },
        );
    }
    let mut accounts = BTreeMap::new();
    for (i, a) in desired.accounts.iter().enumerate() {
        let id = a.account_id.clone().unwrap_or_else(|| format!("{:012}", 200_000_000_000u64 + i as u64));
        let mut tags = a.tags.clone().unwrap_or_default();
        tags.extend(owner(&a.logical_id));
        full.targets.push(id.clone());
        attach(&id, &a.scps);
        accounts.insert(
            id.clone().into(),
            AccountState {
                id: id.into(),
                name: a.name.clone().unwrap_or_default(),
                email: a.email.clone().unwrap_or_default(),
                parent_id: parent_id(&a.parent),
                status: orgctl::model::AccountStatus::Active,
                tags,
                alias: a.alias.clone(),
                password_policy: a.password_policy.clone(),
            },
        );
    }
    policies.insert(full.id.clone(), full);
    OrgState {
        organization_id: "o-bench".into(),
        management_account_id: desired.management_account_id.clone().into(),
        root: RootState { id: root_id, scp_enabled: true, other_policy_types: Vec::new(), tags: Tags::new() },
        ous,
        accounts,
        policies,
        pending_create_requests: Vec::new(),
    }
}
