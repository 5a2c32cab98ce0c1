//! Provider conformance: the AWS Organizations behaviours orgctl relies on, run against every
//! provider through the `Provider` trait — the sandbox and the AWS provider on a moto server.
//!
//! The sandbox must enforce the rules AWS enforces. moto is lax (shared/AWS-FACTS.md): where it
//! accepts what AWS refuses, the case records that moto accepted it and checks that orgctl's own
//! validation refuses the same mistake before any API call.

use crate::common;
use std::time::Duration;

use common::moto::Moto;
use orgctl::model::{PasswordPolicy, Tags, FULL_AWS_ACCESS_ID};
use orgctl::provider::aws::AwsProvider;
use orgctl::provider::lock::{self, OrgLock, LOCK_POLICY_NAME};
use orgctl::provider::sandbox::{ManagementSeed, SandboxProvider};
use orgctl::provider::{CreateAccountStatus, ExistingAccount, Organizations, Provider};
use std::sync::Arc;

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;

/// Which provider a case runs on.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Enforces AWS's rules.
    Sandbox,
    /// Lax where AWS-FACTS.md says so.
    Moto,
}

/// Keeps the provider's backing store (a temp dir or a moto server) alive for the test.
struct Fixture {
    _dir: Option<tempfile::TempDir>,
    _moto: Option<Moto>,
    provider: Arc<dyn Provider>,
    kind: Kind,
}

async fn fixture(kind: Kind) -> Fixture {
    match kind {
        Kind::Sandbox => {
            let dir = tempfile::tempdir().unwrap();
            let seed = ManagementSeed {
                account_id: "123456789012".into(),
                name: "master".into(),
                email: "master@example.com".into(),
                support_level: None,
            };
            let provider =
                SandboxProvider::open_or_create(&dir.path().join("org.json"), &seed, Duration::ZERO).unwrap();
            Fixture { _dir: Some(dir), _moto: None, provider: Arc::new(provider), kind }
        }
        Kind::Moto => {
            let moto = Moto::start().await;
            let provider = AwsProvider::connect_with(moto.sdk_config().await, Default::default()).await.unwrap();
            Fixture { _dir: None, _moto: Some(moto), provider: Arc::new(provider), kind }
        }
    }
}

/// orgctl refuses this org-file fragment with diagnostic `code`, before any API call.
fn orgctl_refuses(resources: &str, code: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("organization.yml");
    let text = format!(
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountId: '123456789012'\n{resources}"
    );
    std::fs::write(&path, text).unwrap();
    let loaded = orgctl::org_file::load(&path, &Default::default());
    let codes: Vec<&str> = loaded.diagnostics.0.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(codes, vec![code], "orgctl must refuse this itself");
}

fn ou(id: &str, name: &str, extra: &str) -> String {
    format!("  {id}:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: {name}\n{extra}")
}

fn scp(id: &str) -> String {
    format!("  {id}:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: {id}\n      PolicyDocument: '{DOC}'\n")
}

async fn root(p: &dyn Provider) -> String {
    p.read().await.unwrap().root.id
}

async fn create_account(p: &dyn Provider, email: &str) -> CreateAccountStatus {
    let request = p.create_account("Acct", email, &Tags::new()).await.unwrap();
    for _ in 0..100 {
        match p.create_account_status(&request).await.unwrap() {
            CreateAccountStatus::InProgress => continue,
            done => return done,
        }
    }
    panic!("account creation never finished");
}

async fn new_account(p: &dyn Provider, email: &str) -> orgctl::model::AccountId {
    match create_account(p, email).await {
        CreateAccountStatus::Succeeded { account_id } => account_id.into(),
        other => panic!("{other:?}"),
    }
}

async fn create_account_reports_its_request_and_the_account(f: Fixture) {
    let p = f.provider.as_ref();
    let request = p.create_account("Dev", "dev@example.com", &Tags::new()).await.unwrap();
    assert!(request.starts_with("car-"), "{request}");
    let first = p.create_account_status(&request).await.unwrap();
    if f.kind == Kind::Sandbox {
        // Asynchronous, as on AWS: findable while in progress, adopted instead of recreated.
        assert_eq!(first, CreateAccountStatus::InProgress);
        assert_eq!(
            p.find_account("DEV@example.com", "Dev", false).await.unwrap(),
            Some(ExistingAccount::Request { request_id: request.clone() })
        );
        assert_eq!(p.read().await.unwrap().pending_create_requests.len(), 1);
    } else {
        // moto: CreateAccount is SUCCEEDED at once (never IN_PROGRESS).
        assert!(matches!(first, CreateAccountStatus::Succeeded { .. }), "{first:?}");
    }
    let status = loop {
        match p.create_account_status(&request).await.unwrap() {
            CreateAccountStatus::InProgress => continue,
            s => break s,
        }
    };
    let CreateAccountStatus::Succeeded { account_id } = status else { panic!("{status:?}") };
    assert_eq!(account_id.len(), 12);
    assert_eq!(
        p.find_account("dev@example.com", "Dev", true).await.unwrap(),
        Some(ExistingAccount::Account { account_id })
    );
}

async fn a_second_account_with_the_same_email(f: Fixture) {
    let p = f.provider.as_ref();
    new_account(p, "dup@example.com").await;
    let second = create_account(p, "Dup@Example.com").await;
    match f.kind {
        Kind::Sandbox => assert_eq!(second, CreateAccountStatus::Failed { reason: "EMAIL_ALREADY_EXISTS".into() }),
        Kind::Moto => {
            assert!(matches!(second, CreateAccountStatus::Succeeded { .. }), "moto accepts duplicate emails");
            let accounts = "  A:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: A\n      RootEmail: dup@example.com\n  B:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: B\n      RootEmail: Dup@Example.com\n";
            orgctl_refuses(accounts, "duplicate-email");
        }
    }
}

async fn ous_nest_at_most_five_levels(f: Fixture) {
    let p = f.provider.as_ref();
    let mut parent = root(p).await;
    for level in 1..=5 {
        parent = p.create_ou(&parent, &format!("L{level}"), &Tags::new()).await.unwrap();
    }
    let sixth = p.create_ou(&parent, "L6", &Tags::new()).await;
    match f.kind {
        Kind::Sandbox => assert!(sixth.unwrap_err().message.contains("OU_DEPTH_LIMIT_EXCEEDED")),
        Kind::Moto => {
            assert!(sixth.is_ok(), "moto accepts deep nesting");
            let chain: String = (1..=6)
                .map(|i| {
                    ou(
                        &format!("L{i}"),
                        &format!("L{i}"),
                        &if i < 6 { format!("      OrganizationalUnits: !Ref L{}\n", i + 1) } else { String::new() },
                    )
                })
                .collect();
            orgctl_refuses(&chain, "ou-too-deep");
        }
    }
}

async fn ou_names_are_unique_under_one_parent(f: Fixture) {
    let p = f.provider.as_ref();
    let r = root(p).await;
    let a = p.create_ou(&r, "Prod", &Tags::new()).await.unwrap();
    p.create_ou(&a, "Prod", &Tags::new()).await.unwrap();
    let twin = p.create_ou(&r, "Prod", &Tags::new()).await;
    match f.kind {
        Kind::Sandbox => assert_eq!(twin.unwrap_err().code, "DuplicateOrganizationalUnitException"),
        Kind::Moto => {
            assert!(twin.is_ok(), "moto accepts duplicate OU names under one parent");
            orgctl_refuses(&(ou("A", "Prod", "") + &ou("B", "Prod", "")), "duplicate-ou-name");
        }
    }
}

async fn at_most_the_quota_of_scps_per_target(f: Fixture) {
    let p = f.provider.as_ref();
    let quota = orgctl::model::quotas::policy_quota(orgctl::model::PolicyType::ServiceControl);
    let r = root(p).await;
    p.enable_policy_type(&r, orgctl::model::PolicyType::ServiceControl).await.unwrap();
    let target = p.create_ou(&r, "Workloads", &Tags::new()).await.unwrap();
    // FullAWSAccess is attached to a new OU once SCPs are enabled, on both.
    let state = p.read().await.unwrap();
    assert_eq!(state.policies_on(&target).iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec![FULL_AWS_ACCESS_ID]);
    for i in 1..quota.per_target {
        let id = p.create_policy(crate::common::scp_of(&format!("P{i}"), "", DOC, &Tags::new())).await.unwrap();
        p.attach_policy(&id, &target).await.unwrap();
    }
    let one_more = p.create_policy(crate::common::scp_of("OneMore", "", DOC, &Tags::new())).await.unwrap();
    let attached = p.attach_policy(&one_more, &target).await;
    match f.kind {
        Kind::Sandbox => assert!(attached.unwrap_err().message.contains("POLICY_NUMBER_LIMIT_EXCEEDED")),
        Kind::Moto => {
            assert!(attached.is_ok(), "moto accepts one SCP over the quota");
            let scps: String = (1..=quota.per_target).map(|i| scp(&format!("S{i}"))).collect();
            let refs: Vec<String> = (1..=quota.per_target).map(|i| format!("!Ref S{i}")).collect();
            let attachment = format!("      ServiceControlPolicies: [{}]\n", refs.join(", "));
            orgctl_refuses(&(ou("W", "W", &attachment) + &scps), "too-many-scps");
        }
    }
}

async fn oversized_and_malformed_policies(f: Fixture) {
    let p = f.provider.as_ref();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"s3:*","Resource":"*","Sid":"{}"}}]}}"#,
        "x".repeat(orgctl::model::quotas::policy_quota(orgctl::model::PolicyType::ServiceControl).size)
    );
    let created_big = p.create_policy(crate::common::scp_of("Big", "", &big, &Tags::new())).await;
    let created_bad = p.create_policy(crate::common::scp_of("Bad", "", "{not json", &Tags::new())).await;
    match f.kind {
        Kind::Sandbox => {
            assert!(created_big.unwrap_err().message.contains("POLICY_CONTENT_LIMIT_EXCEEDED"));
            assert_eq!(created_bad.unwrap_err().code, "MalformedPolicyDocumentException");
        }
        Kind::Moto => {
            assert!(created_big.is_ok() && created_bad.is_ok(), "moto accepts oversized and malformed SCPs");
            orgctl_refuses("  Bad:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Bad\n      PolicyDocument: '{not json'\n", "invalid-policy-json");
        }
    }
    p.create_policy(crate::common::scp_of("Ok", "", DOC, &Tags::new())).await.unwrap();
    assert_eq!(
        p.create_policy(crate::common::scp_of("Ok", "", DOC, &Tags::new())).await.unwrap_err().code,
        "DuplicatePolicyException"
    );
}

async fn the_last_scp_stays_and_policies_in_use_stay(f: Fixture) {
    let p = f.provider.as_ref();
    let r = root(p).await;
    p.enable_policy_type(&r, orgctl::model::PolicyType::ServiceControl).await.unwrap();
    let target = p.create_ou(&r, "Workloads", &Tags::new()).await.unwrap();
    let deny = p.create_policy(crate::common::scp_of("Deny", "", DOC, &Tags::new())).await.unwrap();
    p.attach_policy(&deny, &target).await.unwrap();
    assert_eq!(p.delete_policy(&deny).await.unwrap_err().code, "PolicyInUseException");
    p.detach_policy(FULL_AWS_ACCESS_ID, &target).await.unwrap();
    let last = p.detach_policy(&deny, &target).await;
    match f.kind {
        Kind::Sandbox => assert!(last.unwrap_err().message.contains("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")),
        // moto lets the last SCP go; orgctl never detaches FullAWSAccess and its plan refuses
        // to leave a target without an SCP (tests/plan.rs), so it never asks.
        Kind::Moto => assert!(last.is_ok(), "moto lets the last SCP be detached"),
    }
}

async fn an_ou_must_be_empty_before_it_is_deleted(f: Fixture) {
    let p = f.provider.as_ref();
    let r = root(p).await;
    let parent = p.create_ou(&r, "Old", &Tags::new()).await.unwrap();
    let account = new_account(p, "a@example.com").await;
    p.move_account(&account, &r, &parent).await.unwrap();
    let deleted = p.delete_ou(&parent).await;
    match f.kind {
        Kind::Sandbox => {
            assert_eq!(deleted.unwrap_err().code, "OrganizationalUnitNotEmptyException");
            p.move_account(&account, &parent, &r).await.unwrap();
            p.delete_ou(&parent).await.unwrap();
        }
        // moto deletes it and orphans the account; orgctl's plan deletes an OU only after moving
        // everything out, and keeps one that holds what it does not manage (tests/cli_sandbox.rs).
        Kind::Moto => assert!(deleted.is_ok(), "moto deletes non-empty OUs"),
    }
}

async fn moving_an_account_needs_its_real_source_parent(f: Fixture) {
    let p = f.provider.as_ref();
    let r = root(p).await;
    let a = p.create_ou(&r, "A", &Tags::new()).await.unwrap();
    let b = p.create_ou(&r, "B", &Tags::new()).await.unwrap();
    let account = new_account(p, "m@example.com").await;
    let wrong = p.move_account(&account, &a, &b).await;
    match f.kind {
        Kind::Sandbox => {
            assert_eq!(wrong.unwrap_err().code, "SourceParentNotFoundException");
            p.move_account(&account, &r, &b).await.unwrap();
        }
        // moto moves it anyway; orgctl always sends the source parent it just read.
        Kind::Moto => assert!(wrong.is_ok(), "moto ignores the source parent"),
    }
    assert_eq!(p.read().await.unwrap().accounts[&account].parent_id, b);
}

async fn tags_password_policies_and_aliases_round_trip(f: Fixture) {
    let p = f.provider.as_ref();
    let r = root(p).await;
    let tag = |k: &str, v: &str| Tags::from([(k.to_string(), v.to_string())]);
    let ou = p.create_ou(&r, "T", &tag("a", "1")).await.unwrap();
    p.tag_resource(&ou, &tag("b", "2")).await.unwrap();
    p.untag_resource(&ou, &["a".to_string()]).await.unwrap();
    let member = new_account(p, "member@example.com").await;
    let policy = PasswordPolicy {
        minimum_password_length: 14,
        require_symbols: true,
        max_password_age: Some(90),
        password_reuse_prevention: Some(24),
        ..Default::default()
    };
    let member_policy = PasswordPolicy { minimum_password_length: 20, ..Default::default() };
    p.set_password_policy(&"123456789012".into(), &policy).await.unwrap();
    p.set_password_policy(&member, &member_policy).await.unwrap();
    p.set_alias(&member, Some("acme-member")).await.unwrap();
    p.set_alias(&member, Some("acme-member-2")).await.unwrap();
    let state = p.read().await.unwrap();
    assert_eq!(state.ous[&ou].tags, tag("b", "2"));
    assert_eq!(state.accounts["123456789012"].password_policy.as_ref(), Some(&policy));
    // Each account has its own policy and alias.
    assert_eq!(state.accounts[&member].password_policy.as_ref(), Some(&member_policy));
    assert_eq!(state.accounts[&member].alias.as_deref(), Some("acme-member-2"));
    assert_eq!(state.accounts["123456789012"].alias, None);
}

/// AWS refuses a second policy with the same name and type (DuplicatePolicyException), which is
/// what makes the apply lock atomic; one holder at a time on both providers. (The lock also checks
/// that its policy is the only one, for an endpoint that would accept a duplicate.)
async fn policy_names_are_unique_and_the_apply_lock_has_one_holder(f: Fixture) {
    let p = f.provider.clone();
    p.create_policy(crate::common::scp_of("Same", "", DOC, &Tags::new())).await.unwrap();
    let second = p.create_policy(crate::common::scp_of("Same", "", DOC, &Tags::new())).await;
    // moto 5.2.5 refuses it as AWS does; the sandbox enforces it too.
    assert_eq!(second.unwrap_err().code, "DuplicatePolicyException");
    let first = OrgLock::acquire(p.clone(), "first-run", Duration::from_secs(5)).await.unwrap();
    let err = OrgLock::acquire(p.clone(), "second-run", Duration::from_millis(300)).await.err().expect("refused");
    assert_eq!(err.code, "OrganizationLocked");
    assert!(err.message.contains("held by first-run"), "{}", err.message);
    assert!(
        !p.read().await.unwrap().policies.values().any(|x| x.name == LOCK_POLICY_NAME),
        "reads never show the lock"
    );
    first.release(p.as_ref()).await;
    let again = OrgLock::acquire(p.clone(), "second-run", Duration::from_secs(5)).await.unwrap();
    again.release(p.as_ref()).await;
    assert!(lock::current(p.as_ref()).await.unwrap().is_empty());
}

macro_rules! on_every_provider {
    ($($case:ident),* $(,)?) => {
        mod sandbox {
            $(#[tokio::test] async fn $case() { super::$case(super::fixture(super::Kind::Sandbox).await).await })*
        }
        mod moto {
            $(#[tokio::test] async fn $case() { super::$case(super::fixture(super::Kind::Moto).await).await })*
        }
    };
}

on_every_provider!(
    create_account_reports_its_request_and_the_account,
    a_second_account_with_the_same_email,
    ous_nest_at_most_five_levels,
    ou_names_are_unique_under_one_parent,
    at_most_the_quota_of_scps_per_target,
    oversized_and_malformed_policies,
    the_last_scp_stays_and_policies_in_use_stay,
    an_ou_must_be_empty_before_it_is_deleted,
    moving_an_account_needs_its_real_source_parent,
    tags_password_policies_and_aliases_round_trip,
    policy_names_are_unique_and_the_apply_lock_has_one_holder,
);

#[tokio::test]
async fn every_sandbox_write_is_on_disk_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let seed = ManagementSeed {
        account_id: "123456789012".into(),
        name: "m".into(),
        email: "m@example.com".into(),
        support_level: None,
    };
    let provider = SandboxProvider::open_or_create(&path, &seed, Duration::ZERO).unwrap();
    let r = root(&provider).await;
    provider.create_ou(&r, "Persisted", &Tags::new()).await.unwrap();
    drop(provider);
    let reopened = SandboxProvider::open(&path, Duration::ZERO).unwrap();
    assert!(reopened.read().await.unwrap().ous.values().any(|o| o.name == "Persisted"));
    let files: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files.len(), 2, "the sandbox and its lock file, no temp file: {files:?}");
}

#[tokio::test]
async fn a_corrupt_sandbox_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, "{ half a file").unwrap();
    let err = SandboxProvider::open(&path, Duration::ZERO).err().expect("refused");
    assert_eq!(err.code, "SandboxCorrupt");
    assert!(err.message.contains("is not an orgctl sandbox file"));
}
