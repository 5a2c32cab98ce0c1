//! Benchmark: parse + validate + plan of a generated org of 5,000 accounts, 500 OUs and 50 SCPs
//! against a sandbox that holds the same organization with 1% of it changed.
//!
//! Run with `cargo bench --bench plan_large_org`. Each measurement runs in a fresh child
//! process so that its peak memory (VmHWM) counts only parse + validate + read + plan.
//! Targets on the 2-core reference machine: under 1 s and under 300 MB. Then, timed on their
//! own: the policy effect of the plan's SCP edit, and the Identity Center plan of three
//! organization-wide and OU-wide assignments (about 12,000 of them, 1% missing).

use orgctl::model::OrgState;
use orgctl::org_file::{self, LoadOptions};
use orgctl::provider::sandbox::SandboxProvider;
use orgctl::provider::Organizations;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

const ACCOUNTS: usize = 5_000;
const SCPS: usize = 50;
const RUNS: usize = 5;

mod common;
use common::matching_state;

/// 10 top-level OUs, 7 children each, 6 grandchildren each: 10 + 70 + 420 = 500 OUs.
fn generate_org() -> String {
    let mut y = String::from(
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nDescription: generated benchmark organization\n\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: Management\n      AccountId: '100000000000'\n      RootEmail: root@bench.example\n      PasswordPolicy: !Ref Passwords\n\n  Root:\n    Type: OC::ORG::OrganizationRoot\n    Properties:\n      ServiceControlPolicies: [!Ref Scp0, !Ref Scp1]\n\n  Passwords:\n    Type: OC::ORG::PasswordPolicy\n    Properties:\n      MinimumPasswordLength: 14\n      RequireSymbols: true\n      RequireNumbers: true\n      RequireUppercaseCharacters: true\n      RequireLowercaseCharacters: true\n      MaxPasswordAge: 90\n      PasswordReusePrevention: 24\n\n",
    );
    let mut ous = Vec::new();
    for t in 0..10 {
        ous.push((format!("Ou{t}"), None::<String>));
        for c in 0..7 {
            ous.push((format!("Ou{t}x{c}"), Some(format!("Ou{t}"))));
            for g in 0..6 {
                ous.push((format!("Ou{t}x{c}x{g}"), Some(format!("Ou{t}x{c}"))));
            }
        }
    }
    for (i, (id, _)) in ous.iter().enumerate() {
        let children: Vec<&String> = ous.iter().filter(|(_, p)| p.as_ref() == Some(id)).map(|(c, _)| c).collect();
        let accounts: Vec<String> =
            (0..ACCOUNTS).filter(|a| a % ous.len() == i).map(|a| format!("Account{a}")).collect();
        let _ = write!(
            y,
            "  {id}:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: {id}\n"
        );
        if !children.is_empty() {
            let list: Vec<String> = children.iter().map(|c| format!("!Ref {c}")).collect();
            let _ = writeln!(y, "      OrganizationalUnits: [{}]", list.join(", "));
        }
        if !accounts.is_empty() {
            let list: Vec<String> = accounts.iter().map(|c| format!("!Ref {c}")).collect();
            let _ = writeln!(y, "      Accounts: [{}]", list.join(", "));
        }
        if id.len() == 3 {
            let _ = writeln!(y, "      ServiceControlPolicies: [!Ref Scp{}, !Ref Scp{}]", 2 + i % 48, 3 + i % 47);
        }
        y.push('\n');
    }
    for a in 0..ACCOUNTS {
        let _ = write!(
            y,
            "  Account{a}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Account {a}\n      RootEmail: aws+account{a}@bench.example\n      Alias: bench-account-{a}\n      PasswordPolicy: !Ref Passwords\n      Tags:\n        team: team{}\n        cost-center: cc{}\n\n",
            a % 20,
            a % 7
        );
    }
    // Scp0, on the root: a region deny whose allow-list the live organization has one region
    // more in (see `drift`), so that the plan narrows it and computes its policy effect.
    let _ = write!(
        y,
        "  Scp0:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Scp0\n      Description: region deny\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Sid: DenyOutsideApproved\n            Effect: Deny\n            NotAction: ['iam:*', 'sts:*', 'organizations:*', 'support:*']\n            Resource: '*'\n            Condition:\n              StringNotEquals:\n                aws:RequestedRegion: [eu-west-1, eu-central-1]\n\n"
    );
    // Identity Center: three permission sets, two groups everywhere, one on the first OU tree.
    for (set, policy) in [("Admin", "AdministratorAccess"), ("ReadOnly", "ReadOnlyAccess"), ("Dev", "PowerUserAccess")]
    {
        let _ = write!(
            y,
            "  {set}Set:\n    Type: OC::ORG::PermissionSet\n    Properties:\n      Name: {set}\n      SessionDuration: PT8H\n      ManagedPolicies: [arn:aws:iam::aws:policy/{policy}]\n\n"
        );
    }
    let _ = write!(
        y,
        "  Admins:\n    Type: OC::ORG::AccountAssignment\n    Properties:\n      PermissionSet: !Ref AdminSet\n      Groups: [Administrators]\n      Accounts: '*'\n\n  Auditors:\n    Type: OC::ORG::AccountAssignment\n    Properties:\n      PermissionSet: !Ref ReadOnlySet\n      Groups: [Auditors]\n      Accounts: '*'\n\n  Developers:\n    Type: OC::ORG::AccountAssignment\n    Properties:\n      PermissionSet: !Ref DevSet\n      Groups: [Developers]\n      OrganizationalUnits: [!Ref Ou0, !Ref Ou1, !Ref Ou2, !Ref Ou3, !Ref Ou4]\n\n"
    );
    for s in 1..SCPS {
        let _ = write!(
            y,
            "  Scp{s}:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Scp{s}\n      Description: generated policy {s}\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Deny\n            Action: ['service{s}:Delete*', 'service{s}:Put*']\n            Resource: '*'\n\n"
        );
    }
    y
}

/// Changes 1% of the organization: 50 accounts (a third moved to another OU, a third with a
/// weaker password policy, a third with a changed tag), 5 OUs renamed, one SCP edited.
fn drift(state: &mut OrgState) {
    let ou_ids: Vec<String> = state.ous.keys().cloned().collect();
    for (n, account) in
        state.accounts.values_mut().filter(|a| a.id != state.management_account_id).enumerate().take(ACCOUNTS / 100)
    {
        match n % 3 {
            0 => {
                let other = ou_ids.iter().find(|id| **id != account.parent_id).expect("two OUs at least");
                account.parent_id = other.clone();
            }
            1 => {
                if let Some(p) = account.password_policy.as_mut() {
                    p.minimum_password_length = 8;
                }
            }
            _ => {
                account.tags.insert("team".into(), "drifted".into());
            }
        }
    }
    for ou in state.ous.values_mut().take(5) {
        ou.name.push_str("-renamed");
    }
    if let Some(p) = state.policies.values_mut().find(|p| p.name == "Scp1") {
        p.content = p.content.replace("Delete*", "Remove*");
    }
    if let Some(p) = state.policies.values_mut().find(|p| p.name == "Scp0") {
        p.content = p.content.replace(r#""eu-central-1""#, r#""eu-central-1","ap-south-1""#);
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Identity Center as it would be after applying `desired`, but for every hundredth assignment.
fn live_identity(
    desired: &orgctl::org_file::desired::DesiredOrg,
    actual: &OrgState,
) -> orgctl::model::IdentityCenterState {
    use orgctl::model::{AssignmentState, IdentityCenterState, PermissionSetState, PrincipalType};
    let ids = orgctl::plan::account_ids(desired, actual);
    let groups: std::collections::BTreeMap<String, String> =
        ["Administrators", "Auditors", "Developers"].iter().map(|g| (g.to_string(), format!("g-{g}"))).collect();
    let arn = |lid: &str| format!("arn:aws:sso:::permissionSet/ssoins-bench000000000000/ps-{lid}");
    let permission_sets = desired
        .permission_sets
        .iter()
        .map(|p| PermissionSetState {
            arn: arn(&p.logical_id),
            settings: p.settings.clone(),
            owner: Some(p.logical_id.clone()),
        })
        .collect();
    let mut assignments = Vec::new();
    for a in &desired.assignments {
        for (n, account) in desired.assignment_accounts(a).iter().enumerate() {
            for principal in &a.principals {
                if n % 100 == 99 {
                    continue;
                }
                assignments.push(AssignmentState {
                    permission_set_arn: arn(&a.permission_set),
                    principal_type: PrincipalType::Group,
                    principal_id: groups[&principal.name].clone(),
                    account_id: ids[account].clone(),
                });
            }
        }
    }
    IdentityCenterState {
        instance_arn: "arn:aws:sso:::instance/ssoins-bench000000000000".into(),
        identity_store_id: "d-bench".into(),
        permission_sets,
        assignments,
        groups,
        users: Default::default(),
        ownership_known: true,
    }
}

/// One measurement, in this (child) process: prints `parse_ms read_ms plan_ms changes peak_kb
/// effect_ms identity_ms identity_changes`; the policy effect of the plan's SCP changes and the
/// Identity Center plan are computed after the plan (as the CLI does), and timed on their own.
fn measure(org: &Path, sandbox: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let t0 = Instant::now();
    let loaded = org_file::load(org, &LoadOptions::default());
    let desired = loaded.desired.expect("the generated org is valid");
    let t1 = Instant::now();
    let provider = SandboxProvider::open(sandbox, std::time::Duration::ZERO).expect("sandbox");
    let actual = rt.block_on(provider.read()).expect("read");
    let t2 = Instant::now();
    let plan = orgctl::plan::plan(&desired, &actual, &Default::default(), "bench").expect("plan");
    let t3 = Instant::now();
    let none = Default::default();
    let effect =
        orgctl::plan::policy_effect::compute(&plan, &actual, &desired, &none, &none, &[]).expect("an SCP changes");
    let t4 = Instant::now();
    let identity = live_identity(&desired, &actual);
    let mut plan = plan;
    let before = plan.changes.len();
    let t5 = Instant::now();
    orgctl::plan::identity::plan_identity(&desired, &actual, &identity, &mut plan).expect("identity plan");
    let t6 = Instant::now();
    let identity_changes = plan.changes.len() - before;
    assert!(identity_changes > 100, "the missing assignments are planned: {identity_changes}");
    // (The seeded live organization has no FullAWSAccess attached, so the effect also shows the
    // file's FullAWSAccess allowing what was implicitly denied: every account is in a group.)
    let accounts: usize = effect.groups.iter().map(|g| g.accounts.len()).sum();
    assert!(accounts >= ACCOUNTS - 1, "every member account has its effect: {accounts}");
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    println!(
        "{:.1} {:.1} {:.1} {} {} {:.1} {:.1} {}",
        ms(t0, t1),
        ms(t1, t2),
        ms(t2, t3),
        before,
        peak_rss_kb(),
        ms(t3, t4),
        ms(t5, t6),
        identity_changes
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(Path::new(&args[i + 1]), Path::new(&args[i + 2]));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let org = dir.path().join("organization.yml");
    let sandbox = dir.path().join("sandbox.json");
    let text = generate_org();
    std::fs::write(&org, &text).expect("write org");
    let desired = org_file::load(&org, &LoadOptions::default()).desired.expect("valid org");
    let mut state = matching_state(&desired);
    drift(&mut state);
    SandboxProvider::seed(&sandbox, state).expect("seed sandbox");
    println!(
        "org file: {} accounts, {} OUs, {} SCPs, {:.1} MB of YAML; sandbox {:.1} MB",
        desired.accounts.len(),
        desired.ous.len(),
        desired.policies.len(),
        text.len() as f64 / 1e6,
        std::fs::metadata(&sandbox).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
    let exe = std::env::current_exe().expect("exe");
    let mut totals = Vec::new();
    let mut peaks = Vec::new();
    let mut effects = Vec::new();
    let mut identities = Vec::new();
    for run in 1..=RUNS {
        let out = std::process::Command::new(&exe).args(["--measure"]).arg(&org).arg(&sandbox).output().expect("child");
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let f: Vec<f64> = line.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        if f.len() != 8 {
            eprintln!("run {run} failed: {line} {}", String::from_utf8_lossy(&out.stderr));
            std::process::exit(1);
        }
        println!(
            "run {run}: parse+validate {:.0} ms, read sandbox {:.0} ms, plan {:.0} ms, total {:.0} ms, {} changes, peak {:.0} MB; policy effect {:.0} ms; Identity Center plan {:.0} ms ({} changes)",
            f[0],
            f[1],
            f[2],
            f[0] + f[1] + f[2],
            f[3],
            f[4] / 1024.0,
            f[5],
            f[6],
            f[7]
        );
        totals.push(f[0] + f[1] + f[2]);
        effects.push(f[5]);
        identities.push(f[6]);
        peaks.push(f[4] / 1024.0);
    }
    totals.sort_by(f64::total_cmp);
    effects.sort_by(f64::total_cmp);
    identities.sort_by(f64::total_cmp);
    let peak = peaks.iter().cloned().fold(0.0, f64::max);
    println!("median policy effect of the root region-deny edit {:.0} ms (target < 2000 ms)", effects[RUNS / 2]);
    println!("median Identity Center plan {:.0} ms (target < 500 ms)", identities[RUNS / 2]);
    println!(
        "median total {:.0} ms (target < 1000 ms); max peak memory {:.0} MB (target < 300 MB)",
        totals[RUNS / 2],
        peak
    );
}
