//! Provider conformance: the AWS Organizations behaviours orgctl relies on. Written against the
//! `Provider` trait so that the same cases can run on every provider; here, on the sandbox,
//! which must enforce the rules that moto lets through (shared/AWS-FACTS.md).

use orgctl::model::{PasswordPolicy, Tags};
use orgctl::provider::sandbox::{MasterSeed, SandboxProvider};
use orgctl::provider::{CreateAccountStatus, ExistingAccount, Provider};

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    provider: SandboxProvider,
}

fn sandbox() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let seed =
        MasterSeed { account_id: "111111111111".into(), name: "Management".into(), email: "root@example.com".into() };
    let provider = SandboxProvider::open_or_create(&path, &seed).unwrap();
    Fixture { _dir: dir, path, provider }
}

async fn root(p: &dyn Provider) -> String {
    p.read().await.unwrap().root.id
}

async fn create_account(p: &dyn Provider, email: &str) -> CreateAccountStatus {
    let request = p.create_account("Acct", email, &Tags::new()).await.unwrap();
    loop {
        match p.create_account_status(&request).await.unwrap() {
            CreateAccountStatus::InProgress => continue,
            done => return done,
        }
    }
}

#[tokio::test]
async fn create_account_is_asynchronous_and_visible_while_in_progress() {
    let f = sandbox();
    let p = &f.provider;
    let request = p.create_account("Dev", "dev@example.com", &Tags::new()).await.unwrap();
    assert!(request.starts_with("car-"));
    assert_eq!(
        p.find_account("DEV@example.com", "Dev", false).await.unwrap(),
        Some(ExistingAccount::Request { request_id: request.clone() })
    );
    assert_eq!(p.read().await.unwrap().pending_create_requests.len(), 1);
    assert_eq!(p.create_account_status(&request).await.unwrap(), CreateAccountStatus::InProgress);
    let CreateAccountStatus::Succeeded { account_id } = p.create_account_status(&request).await.unwrap() else {
        panic!("expected the request to succeed on the next poll");
    };
    assert_eq!(account_id.len(), 12);
    assert_eq!(
        p.find_account("dev@example.com", "Dev", true).await.unwrap(),
        Some(ExistingAccount::Account { account_id })
    );
}

#[tokio::test]
async fn a_second_account_with_the_same_email_fails() {
    let f = sandbox();
    assert!(matches!(create_account(&f.provider, "dup@example.com").await, CreateAccountStatus::Succeeded { .. }));
    assert_eq!(
        create_account(&f.provider, "Dup@Example.com").await,
        CreateAccountStatus::Failed { reason: "EMAIL_ALREADY_EXISTS".into() }
    );
}

#[tokio::test]
async fn ous_nest_at_most_five_levels() {
    let f = sandbox();
    let p = &f.provider;
    let mut parent = root(p).await;
    for level in 1..=5 {
        parent = p.create_ou(&parent, &format!("L{level}"), &Tags::new()).await.unwrap();
    }
    let err = p.create_ou(&parent, "L6", &Tags::new()).await.unwrap_err();
    assert_eq!(err.code, "ConstraintViolationException");
    assert!(err.message.contains("OU_DEPTH_LIMIT_EXCEEDED"));
}

#[tokio::test]
async fn ou_names_are_unique_under_one_parent() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    let a = p.create_ou(&r, "Prod", &Tags::new()).await.unwrap();
    assert_eq!(p.create_ou(&r, "Prod", &Tags::new()).await.unwrap_err().code, "DuplicateOrganizationalUnitException");
    // The same name under another parent is fine.
    p.create_ou(&a, "Prod", &Tags::new()).await.unwrap();
}

#[tokio::test]
async fn policies_need_the_policy_type_enabled_and_at_most_five_per_target() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    let ou = p.create_ou(&r, "Workloads", &Tags::new()).await.unwrap();
    let first = p.create_policy("P0", "", DOC, &Tags::new()).await.unwrap();
    assert_eq!(p.attach_policy(&first, &ou).await.unwrap_err().code, "PolicyTypeNotEnabledException");
    p.enable_scp_policy_type(&r).await.unwrap();
    // Enabling attaches FullAWSAccess to every target, existing ones included.
    let state = p.read().await.unwrap();
    assert_eq!(state.policies_on(&ou).len(), 1);
    p.attach_policy(&first, &ou).await.unwrap();
    for i in 1..4 {
        let id = p.create_policy(&format!("P{i}"), "", DOC, &Tags::new()).await.unwrap();
        p.attach_policy(&id, &ou).await.unwrap();
    }
    let sixth = p.create_policy("P5", "", DOC, &Tags::new()).await.unwrap();
    let err = p.attach_policy(&sixth, &ou).await.unwrap_err();
    assert!(err.message.contains("POLICY_NUMBER_LIMIT_EXCEEDED"), "{err}");
    assert_eq!(p.attach_policy(&first, &ou).await.unwrap_err().code, "DuplicatePolicyAttachmentException");
}

#[tokio::test]
async fn policy_documents_are_checked_for_size_and_syntax() {
    let f = sandbox();
    let p = &f.provider;
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"s3:*","Resource":"*","Sid":"{}"}}]}}"#,
        "x".repeat(5100)
    );
    assert!(p
        .create_policy("Big", "", &big, &Tags::new())
        .await
        .unwrap_err()
        .message
        .contains("POLICY_CONTENT_LIMIT_EXCEEDED"));
    assert_eq!(
        p.create_policy("Bad", "", "{not json", &Tags::new()).await.unwrap_err().code,
        "MalformedPolicyDocumentException"
    );
    p.create_policy("Ok", "", DOC, &Tags::new()).await.unwrap();
    assert_eq!(p.create_policy("Ok", "", DOC, &Tags::new()).await.unwrap_err().code, "DuplicatePolicyException");
}

#[tokio::test]
async fn the_last_scp_on_a_target_cannot_be_detached_and_policies_in_use_cannot_be_deleted() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    p.enable_scp_policy_type(&r).await.unwrap();
    let ou = p.create_ou(&r, "Workloads", &Tags::new()).await.unwrap();
    let full = orgctl::model::FULL_AWS_ACCESS_ID;
    assert!(p
        .detach_policy(full, &ou)
        .await
        .unwrap_err()
        .message
        .contains("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"));
    let deny = p.create_policy("Deny", "", DOC, &Tags::new()).await.unwrap();
    p.attach_policy(&deny, &ou).await.unwrap();
    assert_eq!(p.delete_policy(&deny).await.unwrap_err().code, "PolicyInUseException");
    p.detach_policy(full, &ou).await.unwrap();
    assert!(p.detach_policy(&deny, &ou).await.is_err(), "now it is the last one");
    assert_eq!(p.delete_policy(full).await.unwrap_err().code, "PolicyChangesNotAllowedException");
}

#[tokio::test]
async fn an_ou_must_be_empty_before_it_is_deleted() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    let ou = p.create_ou(&r, "Old", &Tags::new()).await.unwrap();
    let child = p.create_ou(&ou, "Child", &Tags::new()).await.unwrap();
    assert_eq!(p.delete_ou(&ou).await.unwrap_err().code, "OrganizationalUnitNotEmptyException");
    p.delete_ou(&child).await.unwrap();
    let CreateAccountStatus::Succeeded { account_id } = create_account(p, "a@example.com").await else { panic!() };
    p.move_account(&account_id, &r, &ou).await.unwrap();
    assert_eq!(p.delete_ou(&ou).await.unwrap_err().code, "OrganizationalUnitNotEmptyException");
    p.move_account(&account_id, &ou, &r).await.unwrap();
    p.delete_ou(&ou).await.unwrap();
}

#[tokio::test]
async fn moving_an_account_needs_its_real_source_parent() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    let a = p.create_ou(&r, "A", &Tags::new()).await.unwrap();
    let b = p.create_ou(&r, "B", &Tags::new()).await.unwrap();
    let CreateAccountStatus::Succeeded { account_id } = create_account(p, "m@example.com").await else { panic!() };
    assert_eq!(p.move_account(&account_id, &a, &b).await.unwrap_err().code, "SourceParentNotFoundException");
    p.move_account(&account_id, &r, &b).await.unwrap();
    assert_eq!(p.read().await.unwrap().accounts[&account_id].parent_id, b);
}

#[tokio::test]
async fn tags_password_policies_and_aliases_round_trip() {
    let f = sandbox();
    let p = &f.provider;
    let r = root(p).await;
    let ou = p.create_ou(&r, "T", &Tags::from([("a".to_string(), "1".to_string())])).await.unwrap();
    p.tag_resource(&ou, &Tags::from([("b".to_string(), "2".to_string())])).await.unwrap();
    p.untag_resource(&ou, &["a".to_string()]).await.unwrap();
    let policy =
        PasswordPolicy { minimum_password_length: 14, password_reuse_prevention: Some(24), ..Default::default() };
    p.set_password_policy("111111111111", &policy).await.unwrap();
    p.set_alias("111111111111", Some("acme-mgmt")).await.unwrap();
    let bad = PasswordPolicy { minimum_password_length: 5, ..Default::default() };
    assert!(p.set_password_policy("111111111111", &bad).await.is_err());
    let state = p.read().await.unwrap();
    assert_eq!(state.ous[&ou].tags, Tags::from([("b".to_string(), "2".to_string())]));
    let master = &state.accounts["111111111111"];
    assert_eq!(master.password_policy.as_ref(), Some(&policy));
    assert_eq!(master.alias.as_deref(), Some("acme-mgmt"));
}

#[tokio::test]
async fn every_write_is_on_disk_at_once() {
    let f = sandbox();
    let r = root(&f.provider).await;
    f.provider.create_ou(&r, "Persisted", &Tags::new()).await.unwrap();
    let reopened = SandboxProvider::open(&f.path).unwrap();
    let state = reopened.read().await.unwrap();
    assert!(state.ous.values().any(|o| o.name == "Persisted"));
    let leftovers: Vec<_> = std::fs::read_dir(f.path.parent().unwrap()).unwrap().filter_map(|e| e.ok()).collect();
    assert_eq!(leftovers.len(), 1, "no temp file is left behind");
}

#[tokio::test]
async fn a_corrupt_sandbox_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, "{ half a file").unwrap();
    let err = SandboxProvider::open(&path).err().expect("refused");
    assert_eq!(err.code, "SandboxCorrupt");
    assert!(err.message.contains("is not an orgctl sandbox file"));
}
