//! Planning against organizations that already hold things: adoption, ownership, limits.

use orgctl::model::Tags;
use orgctl::org_file::{self, limits::Limits, LoadOptions};
use orgctl::plan::{self, Action, Operation, OrganizationOperation, Plan};
use orgctl::provider::sandbox::{ManagementSeed, SandboxProvider};
use orgctl::provider::{CreateAccountStatus, Organizations, Provider};

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;

struct Env {
    dir: tempfile::TempDir,
    provider: SandboxProvider,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let seed = ManagementSeed {
        account_id: "111111111111".into(),
        name: "Management".into(),
        email: "root@example.com".into(),
        support_level: None,
    };
    let provider =
        SandboxProvider::open_or_create(&dir.path().join("org.json"), &seed, std::time::Duration::ZERO).unwrap();
    Env { dir, provider }
}

impl Env {
    async fn plan(&self, body: &str) -> Plan {
        let text = format!(
            "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountId: '111111111111'\n{body}"
        );
        let path = self.dir.path().join("organization.yml");
        std::fs::write(&path, text).unwrap();
        let loaded = org_file::load(&path, &LoadOptions::default());
        let desired = loaded.desired.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
        let actual = self.provider.read().await.unwrap();
        plan::plan(&desired, &actual, &Limits::default(), "test").unwrap()
    }

    async fn root(&self) -> String {
        self.provider.read().await.unwrap().root.id
    }
}

fn ops(plan: &Plan) -> Vec<&Operation> {
    plan.changes.iter().map(|c| &c.operation).collect()
}

fn scp(id: &str, name: &str) -> String {
    format!("  {id}:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: {name}\n      PolicyDocument: '{DOC}'\n")
}

#[tokio::test]
async fn existing_untagged_ous_and_policies_are_adopted_by_name_not_duplicated() {
    let e = env();
    let root = e.root().await;
    let ou = e.provider.create_ou(&root, "Prod", &Tags::new()).await.unwrap();
    let policy = e.provider.create_policy(crate::common::scp_of("DenyS3", "", DOC, &Tags::new())).await.unwrap();
    let plan = e
        .plan(&format!(
            "  ProdOU:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Prod\n{}",
            scp("DenyS3Scp", "DenyS3")
        ))
        .await;
    let adopted: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| match &c.operation {
            Operation::Organization(OrganizationOperation::TagResource { resource, tags })
                if tags.contains_key("orgctl:logical-id") =>
            {
                resource.existing_id().map(str::to_string)
            }
            _ => None,
        })
        .collect();
    assert!(adopted.contains(&ou) && adopted.contains(&policy), "{adopted:?}");
    assert!(!plan.changes.iter().any(|c| c.action == Action::Add), "{:#?}", ops(&plan));
}

#[tokio::test]
async fn what_orgctl_does_not_own_is_never_deleted_or_detached() {
    let e = env();
    let root = e.root().await;
    e.provider.enable_policy_type(&root, orgctl::model::PolicyType::ServiceControl).await.unwrap();
    let foreign_ou = e.provider.create_ou(&root, "Legacy", &Tags::new()).await.unwrap();
    let foreign_policy =
        e.provider.create_policy(crate::common::scp_of("Theirs", "", DOC, &Tags::new())).await.unwrap();
    e.provider.attach_policy(&foreign_policy, &root).await.unwrap();
    // The file wants its own OU and SCP on the root, and says nothing of the others.
    let plan = e.plan(&format!("  Root:\n    Type: OC::ORG::OrganizationRoot\n    Properties:\n      ServiceControlPolicies: !Ref Mine\n  Mine:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Mine\n      PolicyDocument: '{DOC}'\n  Ours:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Ours\n")).await;
    assert!(
        plan.changes.iter().all(|c| !matches!(
            c.operation,
            Operation::Organization(
                OrganizationOperation::DeleteOu { .. }
                    | OrganizationOperation::DeletePolicy { .. }
                    | OrganizationOperation::DetachPolicy { .. }
            )
        )),
        "{:#?}",
        ops(&plan)
    );
    // Applied, the foreign OU and the foreign policy (still attached) are untouched.
    struct Quiet;
    impl orgctl::apply::Progress for Quiet {
        fn started(&self, _: &orgctl::plan::Change) {}
        fn finished(&self, _: &orgctl::plan::Change, _: &orgctl::apply::Outcome) {}
    }
    let Env { dir: _dir, provider } = e;
    let provider: std::sync::Arc<dyn Provider> = std::sync::Arc::new(provider);
    let options = orgctl::apply::ApplyOptions::for_provider(provider.as_ref(), 4);
    let report = orgctl::apply::apply(&plan, provider.clone(), &options, std::sync::Arc::new(Quiet)).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcomes);
    let state = provider.read().await.unwrap();
    assert_eq!(state.ous[&foreign_ou].name, "Legacy");
    assert!(state.ous.values().any(|o| o.name == "Ours"));
    assert!(state.policies[&foreign_policy].targets.contains(&root), "the foreign SCP is still attached");
    assert!(state.policies.values().any(|p| p.name == "Mine" && p.targets.contains(&root)));
}

#[tokio::test]
async fn a_policy_removed_from_the_file_is_detached_then_deleted() {
    let e = env();
    let root = e.root().await;
    e.provider.enable_policy_type(&root, orgctl::model::PolicyType::ServiceControl).await.unwrap();
    let owned = Tags::from([("orgctl:logical-id".to_string(), "OldScp".to_string())]);
    let id = e.provider.create_policy(crate::common::scp_of("Old", "", DOC, &owned)).await.unwrap();
    e.provider.attach_policy(&id, &root).await.unwrap();
    let plan = e.plan("").await;
    let policy_changes: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c.operation, Operation::Organization(OrganizationOperation::TagResource { .. })))
        .collect();
    assert_eq!(policy_changes.len(), 2, "{:#?}", ops(&plan));
    assert!(matches!(policy_changes[0].operation, Operation::Organization(OrganizationOperation::DetachPolicy { .. })));
    assert_eq!(policy_changes[1].action, Action::Remove);
    assert!(matches!(policy_changes[1].operation, Operation::Organization(OrganizationOperation::DeletePolicy { .. })));
    assert_eq!(policy_changes[1].depends_on, vec![policy_changes[0].id]);
}

#[tokio::test]
async fn at_the_scp_limit_the_old_policy_is_detached_first() {
    let e = env();
    let root = e.root().await;
    e.provider.enable_policy_type(&root, orgctl::model::PolicyType::ServiceControl).await.unwrap();
    // The root holds as many SCPs as AWS allows: FullAWSAccess and n - 1 of orgctl's.
    let n = orgctl::model::quotas::policy_quota(orgctl::model::PolicyType::ServiceControl).per_target;
    let refs: Vec<String> = (1..n).map(|i| format!("!Ref S{i}")).collect();
    let mut body = format!(
        "  OrganizationRoot:\n    Type: OC::ORG::OrganizationRoot\n    Properties:\n      ServiceControlPolicies: [{}]\n",
        refs.join(", ")
    );
    for i in 1..=n {
        body.push_str(&scp(&format!("S{i}"), &format!("S{i}")));
    }
    for i in 1..n {
        let tags = Tags::from([("orgctl:logical-id".to_string(), format!("S{i}"))]);
        let id = e.provider.create_policy(crate::common::scp_of(&format!("S{i}"), "", DOC, &tags)).await.unwrap();
        e.provider.attach_policy(&id, &root).await.unwrap();
    }
    let last = format!("S{n}");
    let tags = Tags::from([("orgctl:logical-id".to_string(), last.clone())]);
    e.provider.create_policy(crate::common::scp_of(&last, "", DOC, &tags)).await.unwrap();
    // Swap the last attached for the one not attached.
    let plan = e.plan(&body.replace(&format!("!Ref S{}]", n - 1), &format!("!Ref {last}]"))).await;
    let detach = plan
        .changes
        .iter()
        .find(|c| matches!(c.operation, Operation::Organization(OrganizationOperation::DetachPolicy { .. })))
        .unwrap();
    let attach = plan
        .changes
        .iter()
        .find(|c| matches!(c.operation, Operation::Organization(OrganizationOperation::AttachPolicy { .. })))
        .unwrap();
    assert!(attach.depends_on.contains(&detach.id), "the attach must wait for the detach");
}

#[tokio::test]
async fn an_account_is_matched_by_email_whatever_its_case() {
    let e = env();
    let request = e.provider.create_account("Dev", "Dev@Example.com", &Tags::new()).await.unwrap();
    while e.provider.create_account_status(&request).await.unwrap() == CreateAccountStatus::InProgress {}
    let plan = e.plan("  Dev:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Dev\n      RootEmail: dev@example.com\n").await;
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c.operation, Operation::Organization(OrganizationOperation::CreateAccount { .. }))),
        "{:#?}",
        ops(&plan)
    );
}

/// The operations layer, without the binary: a saved plan is verified against the organization
/// as it is now, and described from its operations.
#[tokio::test]
async fn a_saved_plan_is_verified_against_the_organization_and_described_from_its_operations() {
    use orgctl::ops::{self, saved::Refusal};
    let e = env();
    let body = "  Prod:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Prod\n";
    let path = e.dir.path().join("organization.yml");
    std::fs::write(&path, format!("AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountId: '111111111111'\n{body}")).unwrap();
    let desired = org_file::load(&path, &LoadOptions::default()).desired.unwrap();
    let planned = ops::plan(&desired, None, &e.provider, &Limits::default(), false, &[]).await.unwrap();
    let mut saved: Plan =
        plan::saved::from_json(&plan::saved::to_json(&planned.plan).unwrap()).expect("the digest holds");
    saved.changes[0].subject = "something else entirely".into();
    let verified = ops::saved::verify(saved.clone(), &e.provider).await.unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(verified.plan.changes[0].subject, "organizational unit Prod (Prod)");
    // The organization changes: the plan is stale.
    let root = e.root().await;
    e.provider.create_ou(&root, "Elsewhere", &Tags::new()).await.unwrap();
    assert!(matches!(ops::saved::verify(saved, &e.provider).await, Err(Refusal::Stale)));
}
