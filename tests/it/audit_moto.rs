//! `orgctl audit` on the AWS provider against moto: a clean organization (SCPs, a tag policy and
//! an AI services opt-out policy applied by orgctl) passes, and mistakes made with direct SDK
//! calls fire exactly the expected checks and show as drift.

use crate::common;
use common::moto::Moto;
use common::{findings, Workspace};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_on_moto_passes_a_clean_org_and_catches_changes_made_behind_its_back() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    ws.with_every_guard_rail_on_the_root();
    let org = ws.org.to_str().unwrap().to_string();
    let applied = tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", &org, "--auto-approve"]));
    assert_eq!(applied.code, Some(0), "{}\n{}", applied.stdout, applied.stderr);
    let clean =
        tokio::task::block_in_place(|| ws.run_on(&moto, &["audit", &org, "--format", "json", "--fail-on", "info"]));
    assert_eq!(clean.code, Some(0), "{}\n{}", clean.stdout, clean.stderr);
    let report: Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{:#}", report["findings"]);
    assert_eq!(report["drift"], serde_json::json!([]));
    assert_eq!(report["inventory"]["accounts"].as_array().unwrap().len(), 7);

    // Behind orgctl's back: a password policy deleted, the region deny detached, an OU renamed.
    let orgs = moto.organizations().await;
    let root = orgs.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    let accounts = orgs.list_accounts().send().await.unwrap().accounts().to_vec();
    let dev = accounts
        .iter()
        .find(|a| a.email() == Some("aws+development@example.com"))
        .and_then(|a| a.id())
        .unwrap()
        .to_string();
    moto.iam_in(&dev).await.delete_account_password_policy().send().await.unwrap();
    // Trusted access for GuardDuty and the Development account made its administrator.
    orgs.enable_aws_service_access().service_principal("guardduty.amazonaws.com").send().await.unwrap();
    orgs.register_delegated_administrator()
        .account_id(&dev)
        .service_principal("guardduty.amazonaws.com")
        .send()
        .await
        .unwrap();
    let policies = orgs
        .list_policies()
        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    let region_deny = policies
        .policies()
        .iter()
        .find(|p| p.name() == Some("DenyUnapprovedRegions"))
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    orgs.detach_policy().policy_id(&region_deny).target_id(&root).send().await.unwrap();
    let ous = orgs.list_organizational_units_for_parent().parent_id(&root).send().await.unwrap();
    let sandbox = ous
        .organizational_units()
        .iter()
        .find(|o| o.name() == Some("Sandbox"))
        .and_then(|o| o.id())
        .unwrap()
        .to_string();
    orgs.update_organizational_unit().organizational_unit_id(&sandbox).name("Playground").send().await.unwrap();

    let audit =
        tokio::task::block_in_place(|| ws.run_on(&moto, &["audit", &org, "--format", "json", "--fail-on", "high"]));
    assert_eq!(audit.code, Some(3), "high findings gate the pipeline: {}", audit.stderr);
    let report: Value = serde_json::from_str(&audit.stdout).unwrap();
    let found = findings(&report);
    let dev_label = format!("account Development ({dev})");
    assert!(found.contains(&("ORGCTL-PWD-001".to_string(), dev_label)), "{found:#?}");
    assert_eq!(found.iter().filter(|(c, _)| c == "ORGCTL-PWD-001").count(), 1, "only where it was deleted");
    assert!(found.contains(&("ORGCTL-SCP-008".to_string(), format!("policy {region_deny} (DenyUnapprovedRegions)"))));
    // The policy still exists but applies nowhere: no account has a region restriction in
    // effect, which is one finding on the organization.
    assert!(found.iter().any(|(c, _)| c == "ORGCTL-SCP-002"), "{found:#?}");
    assert!(!found.iter().any(|(c, _)| c == "ORGCTL-SCP-003"), "{found:#?}");
    assert!(found.contains(&("ORGCTL-GOV-001".to_string(), format!("account Development ({dev})"))), "{found:#?}");
    assert_eq!(
        report["governance"]["trusted_services"],
        serde_json::json!(["cloudtrail.amazonaws.com", "guardduty.amazonaws.com"])
    );
    let drift = report["drift"].as_array().unwrap();
    let summaries: Vec<&str> = drift.iter().map(|d| d["summary"].as_str().unwrap()).collect();
    assert!(
        summaries.contains(&"rename")
            && summaries.contains(&"set password policy")
            && summaries.iter().any(|s| s.starts_with("attach")),
        "{summaries:?}"
    );
}
