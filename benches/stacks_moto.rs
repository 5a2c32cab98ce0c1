//! Benchmark: one task deploying a small template to 100 accounts × 2 regions on moto, with
//! `--concurrency 1` and `--concurrency 16`; wall time and API requests of the apply.
//!
//! Run with `cargo bench --bench stacks_moto`.

#[allow(dead_code)]
#[path = "../tests/it/common/moto.rs"]
mod moto;

mod common;
use common::orgctl;

use std::fmt::Write;

const ACCOUNTS: usize = 100;

fn org() -> String {
    let mut y = String::from(
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: master\n      AccountId: '123456789012'\n  Workloads:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Workloads\n      Accounts: [",
    );
    y.push_str(&(0..ACCOUNTS).map(|a| format!("!Ref Account{a}")).collect::<Vec<_>>().join(", "));
    y.push_str("]\n");
    for a in 0..ACCOUNTS {
        let _ = write!(y, "  Account{a}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Account {a}\n      RootEmail: aws+stack{a}@example.com\n");
    }
    y
}

const TASKS: &str = "OrganizationUpdate:\n  Type: update-organization\n  Template: ./organization.yml\nTopics:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: orgctl-bench\n  DefaultOrganizationBinding:\n    OrganizationalUnit: !Ref Workloads\n    Region: [eu-west-1, eu-central-1]\n";
const TEMPLATE: &str = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: orgctl-bench\nOutputs:\n  TopicArn:\n    Value: !Ref Topic\n";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("organization.yml"), org()).expect("org");
    std::fs::write(dir.path().join("topic.yml"), TEMPLATE).expect("template");
    let tasks = dir.path().join("tasks.yml");
    std::fs::write(&tasks, TASKS).expect("tasks");
    let org_file = dir.path().join("organization.yml");
    println!("| --concurrency | stacks | apply wall time | requests | plan again |");
    println!("|---:|---:|---:|---:|---:|");
    for concurrency in ["1", "16"] {
        let server = moto::Moto::start().await;
        let env = server.env();
        orgctl(&["apply", org_file.to_str().expect("utf-8"), "--auto-approve"], &env);
        let (secs, requests) =
            orgctl(&["apply", tasks.to_str().expect("utf-8"), "--auto-approve", "--concurrency", concurrency], &env);
        let (plan_secs, _) = orgctl(&["plan", tasks.to_str().expect("utf-8"), "--detailed-exitcode"], &env);
        println!("| {concurrency} | {} | {secs:.1} s | {requests} | {plan_secs:.1} s |", ACCOUNTS * 2);
    }
}
