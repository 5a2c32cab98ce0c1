//! Benchmark: orgs of 50, 300 and 1,000 accounts applied from scratch on a moto server, then
//! planned again, then audited (JSON report against the file); wall time and API requests of
//! each step (`--stats`).
//!
//! Run with `cargo bench --bench aws_moto` (installs moto into .venv if needed). Targets on the
//! 2-core reference machine: plan of 1,000 accounts under 10 s, apply of 300 under 15 s, at
//! most 8 requests per account for a from-scratch apply.

#[allow(dead_code)]
#[path = "../tests/it/common/moto.rs"]
mod moto;

mod common;
use common::orgctl;

use std::fmt::Write;

const SIZES: [usize; 3] = [50, 300, 1000];

/// An org of `accounts` accounts in `accounts / 25` OUs (two levels), with SCPs, password
/// policies, aliases and tags, under moto's management account.
fn generate(accounts: usize) -> String {
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "| accounts | apply from scratch | requests | requests/account | plan again | requests | audit | requests |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in SIZES {
        let server = moto::Moto::start().await;
        let file = dir.path().join(format!("org-{n}.yml"));
        std::fs::write(&file, generate(n)).expect("write org");
        let file = file.to_str().expect("utf-8");
        let env = server.env();
        let (apply_s, apply_r) = orgctl(&["apply", file, "--auto-approve"], &env);
        let (plan_s, plan_r) = orgctl(&["plan", file, "--detailed-exitcode"], &env);
        let report = dir.path().join(format!("audit-{n}.json"));
        let (audit_s, audit_r) =
            orgctl(&["audit", file, "--format", "json", "-o", report.to_str().expect("utf-8")], &env);
        println!(
            "| {n} | {apply_s:.1} s | {apply_r} | {:.1} | {plan_s:.1} s | {plan_r} | {audit_s:.1} s | {audit_r} |",
            apply_r as f64 / n as f64
        );
    }
}
