//! The org file format: what valid files mean once loaded.

use orgctl::org_file::{self, desired::Parent, LoadOptions};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

const HEAD: &str = "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: Management\n      AccountId: 111111111111\n      RootEmail: root@example.com\n";

fn load(text: &str) -> org_file::Loaded {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "organization.yml", text);
    org_file::load(&path, &LoadOptions::default())
}

fn errors(loaded: &org_file::Loaded) -> Vec<String> {
    loaded.diagnostics.0.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect()
}

#[test]
fn a_numeric_account_id_becomes_a_string_and_accounts_default_to_the_root() {
    let loaded = load(&format!("{HEAD}  Dev:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Dev\n      RootEmail: dev@example.com\n"));
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let desired = loaded.desired.unwrap();
    assert_eq!(desired.management_account_id, "111111111111");
    assert_eq!(desired.accounts.iter().find(|a| a.logical_id == "Dev").unwrap().parent, Parent::Root);
}

#[test]
fn getatt_sub_and_join_compute_values_across_accounts() {
    let loaded = load(&format!(
        "{HEAD}      Alias: acme-mgmt\n      Tags:\n        team: platform\n  Dev:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: !Sub '${{Master.AccountName}} Dev ${{!x}}'\n      RootEmail: dev@example.com\n      Alias: !Join ['-', [!GetAtt Master.Alias, dev]]\n      Tags:\n        owner: !GetAtt Master.Tags.team\n        management: !Ref Master\n"
    ));
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let desired = loaded.desired.unwrap();
    let dev = desired.accounts.iter().find(|a| a.logical_id == "Dev").unwrap();
    assert_eq!(dev.name.as_deref(), Some("Management Dev ${x}"));
    assert_eq!(dev.alias.as_deref(), Some("acme-mgmt-dev"));
    let tags = dev.tags.as_ref().unwrap();
    assert_eq!(tags["owner"], "platform");
    assert_eq!(tags["management"], "111111111111");
}

#[test]
fn includes_are_relative_to_the_including_file_and_merges_apply() {
    let dir = tempfile::tempdir().unwrap();
    // A repository: an org file may include files anywhere inside it.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "lib/scp.yml", "Type: OC::ORG::ServiceControlPolicy\nProperties:\n  PolicyName: DenyS3\n  PolicyDocument: !Include ./doc.json\n");
    write(
        dir.path(),
        "lib/doc.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    let text = format!("{HEAD}      <<: *common\n  Scp: !Include lib/scp.yml\n",)
        .replace("Organization:\n", "Definitions:\n  Common: &common\n    Alias: from-anchor\nOrganization:\n");
    let path = write(dir.path(), "org/organization.yml", &text.replace("lib/scp.yml", "../lib/scp.yml"));
    let loaded = org_file::load(&path, &LoadOptions::default());
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let desired = loaded.desired.unwrap();
    assert_eq!(desired.accounts[0].alias.as_deref(), Some("from-anchor"));
    assert_eq!(
        desired.policies[0].content,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#
    );
}

#[test]
fn an_include_loop_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yml", "x: !Include b.yml\n");
    write(dir.path(), "b.yml", "y: !Include a.yml\n");
    let loaded = org_file::load(&dir.path().join("a.yml"), &LoadOptions::default());
    assert_eq!(loaded.diagnostics.0[0].code, "include-cycle");
    assert!(loaded.diagnostics.0[0].message.contains("a.yml → "), "{}", loaded.diagnostics.0[0].message);
}

#[test]
fn parameters_take_defaults_overrides_and_lists() {
    let text = format!(
        "Parameters:\n  Domain:\n    Type: String\n    Default: example.com\n  Regions:\n    Type: CommaDelimitedList\n    Default: [eu-west-1, us-east-1]\n{HEAD}  Scp:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: !Sub 'Deny-${{Domain}}'\n      PolicyDocument:\n        Statement:\n          Effect: Deny\n          NotAction: 'iam:*'\n          Resource: '*'\n          Condition:\n            StringNotEquals:\n              aws:RequestedRegion: !Ref Regions\n"
    )
    .replacen("AWSTemplateFormatVersion: '2010-09-09-OC'\n", "", 1);
    let text = format!("AWSTemplateFormatVersion: '2010-09-09-OC'\n{text}");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "organization.yml", &text);
    let loaded = org_file::load(&path, &LoadOptions::default());
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let policy = &loaded.desired.unwrap().policies[0];
    assert_eq!(policy.name, "Deny-example.com");
    assert!(policy.content.contains(r#""aws:RequestedRegion":["eu-west-1","us-east-1"]"#), "{}", policy.content);

    let mut options = LoadOptions::default();
    options.parameters.insert("Domain".into(), "acme.test".into());
    options.parameters.insert("Regions".into(), "eu-north-1".into());
    let policy = &org_file::load(&path, &options).desired.unwrap().policies[0];
    assert_eq!(policy.name, "Deny-acme.test");
    assert!(policy.content.contains(r#"["eu-north-1"]"#));
}

#[test]
fn an_unknown_account_id_is_deferred_to_the_plan() {
    let loaded = load(&format!(
        "{HEAD}  Dev:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Dev\n      RootEmail: dev@example.com\n  Scp:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: TrustDev\n      PolicyDocument:\n        Statement:\n          Effect: Deny\n          Action: 'iam:*'\n          Resource: !Sub 'arn:aws:iam::${{Dev}}:role/x'\n"
    ));
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let desired = loaded.desired.unwrap();
    assert!(desired.policies[0].content.contains("<id of Dev, (known after apply)>"));
    let [pending] = desired.pending.as_slice() else { panic!("one pending value: {:?}", desired.pending) };
    assert_eq!((pending.owner.as_str(), pending.property.as_str()), ("Scp", "PolicyDocument"));
    let dev = orgctl::expr::Unknown::Id("Dev".into());
    let filled = pending.value.resolve(|u| (u == &dev).then(|| "222222222222".to_string())).unwrap();
    assert!(filled.contains("arn:aws:iam::222222222222:role/x"));
    assert_eq!(pending.value.resolve(|_| None).unwrap_err(), dev);
}

#[test]
fn a_duplicate_account_name_is_only_a_warning() {
    let loaded = load(&format!("{HEAD}  Dev:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Management\n      RootEmail: dev@example.com\n"));
    assert!(errors(&loaded).is_empty());
    assert!(loaded.desired.is_some());
    let warning = &loaded.diagnostics.0[0];
    assert_eq!(warning.code, "duplicate-account-name");
    assert!(!warning.is_error());
}

#[test]
fn all_errors_are_reported_at_once() {
    let loaded = load(&format!(
        "{HEAD}  A:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: A\n      RootEmail: bad\n  B:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: B\n      RootEmail: b@example.com\n      AccountId: '12'\n"
    ));
    let codes: Vec<&str> = loaded.diagnostics.0.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["invalid-email", "invalid-account-id"]);
    assert!(loaded.desired.is_none());
}

#[test]
fn limits_can_be_raised() {
    let deep: String = (1..=6)
        .map(|i| {
            let child = if i < 6 { format!("\n      OrganizationalUnits: !Ref L{}", i + 1) } else { String::new() };
            format!("  L{i}:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: L{i}{child}\n")
        })
        .collect();
    let text = format!("{HEAD}{deep}");
    assert_eq!(errors(&load(&text)).len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "organization.yml", &text);
    let mut options = LoadOptions::default();
    options.limits.set("ou-depth=6").unwrap();
    assert!(org_file::load(&path, &options).desired.is_some());
    assert!(options.limits.set("nonsense=1").is_err());
}

#[test]
fn an_org_file_written_as_json_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let json = "\u{feff}{\"AWSTemplateFormatVersion\": \"2010-09-09-OC\", \"Organization\": {\"Master\": {\"Type\": \"OC::ORG::MasterAccount\", \"Properties\": {\"AccountName\": \"Management\", \"AccountId\": \"111111111111\"}}}}";
    let path = write(dir.path(), "organization.json", json);
    assert!(!orgctl::tasks::is_task_file(&path, &LoadOptions::default()));
    let loaded = org_file::load(&path, &LoadOptions::default());
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    assert_eq!(loaded.desired.unwrap().management_account_id, "111111111111");
}

#[test]
fn an_alias_bomb_measured_in_bytes_is_refused_without_exhausting_memory() {
    // A 1 MB anchor referenced 20,000 times would expand to 20 GB.
    let big = "x".repeat(1_000_000);
    let refs = vec!["*a"; 20_000].join(", ");
    let loaded = load(&format!("{HEAD}Definitions:\n  Big: &a \"{big}\"\n  Many: [{refs}]\n"));
    let codes: Vec<&str> = loaded.diagnostics.0.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["yaml-too-large"]);
}

#[test]
fn an_include_of_a_fifo_is_refused_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    assert!(made, "mkfifo is needed for this test");
    let path = write(dir.path(), "organization.yml", &format!("{HEAD}  Scp: !Include ./pipe.yml\n"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let loaded = org_file::load(&path, &LoadOptions::default());
        let _ = tx.send(loaded.diagnostics.0.iter().map(|d| d.code).collect::<Vec<_>>());
    });
    let codes = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("loading a FIFO include hung");
    assert_eq!(codes, vec!["file-not-regular"]);
}

#[test]
fn includes_outside_the_project_are_refused_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret.txt", "AWS_SECRET_ACCESS_KEY=hunter2");
    let text =
        format!("{HEAD}      Tags:\n        leak: !Include ../secret.txt\n        env: !Include /proc/self/environ\n");
    let path = write(dir.path(), "project/organization.yml", &text);
    let loaded = org_file::load(&path, &LoadOptions::default());
    let codes: Vec<&str> = loaded.diagnostics.0.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["file-outside-project"]);
    assert!(loaded.sources.find(&dir.path().join("project/../secret.txt")).is_none());
    let widened = LoadOptions { allowed_paths: vec![dir.path().to_path_buf()], ..Default::default() };
    let text = format!("{HEAD}      Tags:\n        team: !Include ../team.txt\n");
    write(dir.path(), "team.txt", "platform");
    let path = write(dir.path(), "project/organization.yml", &text);
    let loaded = org_file::load(&path, &widened);
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
}

/// `<<: !Include` merges an included mapping (accounts into `Organization:`, default tags into
/// `Tags:`), keys written in place winning; `Organization: !Include` reads the whole section.
#[test]
fn merge_keys_of_included_files_are_applied_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "default-tags.yml", "Department: Engineering\nProject: Infrastructure\n");
    let mut accounts = String::new();
    for i in 1..=10 {
        accounts.push_str(&format!("Account{i}:\n  Type: OC::ORG::Account\n  Properties:\n    AccountName: acc-{i}\n    RootEmail: acc-{i}@example.com\n    Tags:\n      <<: !Include ../default-tags.yml\n      Project: Own\n"));
    }
    write(dir.path(), "accounts/all.yml", &accounts);
    let body = format!(
        "{}  <<: !Include ./accounts/all.yml\n",
        &HEAD["AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n".len()..]
    );
    write(dir.path(), "body.yml", &body.lines().map(|l| &l[2..]).collect::<Vec<_>>().join("\n"));
    let path = write(
        dir.path(),
        "organization.yml",
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization: !Include ./body.yml\n",
    );
    let loaded = org_file::load(&path, &LoadOptions::default());
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let desired = loaded.desired.unwrap();
    assert_eq!(desired.accounts.len(), 11, "the management account and the 10 merged ones");
    let tags = desired.accounts.iter().find(|a| a.logical_id == "Account7").unwrap().tags.clone().unwrap();
    assert_eq!(tags.get("Department").map(String::as_str), Some("Engineering"));
    assert_eq!(tags.get("Project").map(String::as_str), Some("Own"), "keys written in place win");

    write(dir.path(), "list.yml", "- a\n- b\n");
    let bad = write(dir.path(), "bad.yml", &format!("{HEAD}  <<: !Include ./list.yml\n"));
    let loaded = org_file::load(&bad, &LoadOptions::default());
    assert_eq!(loaded.diagnostics.0[0].code, "invalid-merge", "{:?}", errors(&loaded));
}

/// org-formation takes any key as a logical id (real files use `Appx-dev`); orgctl takes `-` and
/// `_` too, and refuses a `.`, which would read as an attribute in `!GetAtt` and `${...}`.
#[test]
fn logical_ids_may_hold_hyphens_but_not_dots() {
    let account = |id: &str| {
        format!("{HEAD}  Ou:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: apps\n      Accounts: [!Ref {id}]\n  {id}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: app\n      RootEmail: app@example.com\n")
    };
    let loaded = load(&account("Appx-dev_1"));
    assert!(errors(&loaded).is_empty(), "{:?}", errors(&loaded));
    let refused = errors(&load(&account("Appx.dev")));
    assert!(refused.iter().any(|e| e.contains("a '.' would read as an attribute")), "{refused:?}");
}

/// Since 15 May 2026 AWS allows 10 SCPs on a root, OU or account and 10,240 characters per SCP:
/// nine SCPs on an OU (ten with FullAWSAccess) and a 6,000-character SCP are valid files.
#[test]
fn ten_scps_per_target_and_scps_over_5120_characters_are_valid() {
    let scp = |i: usize, actions: usize| {
        let actions: Vec<String> =
            (0..actions).map(|a| format!("'service{a:04}:SomeRatherLongActionName{a:04}'")).collect();
        format!("  Scp{i}:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Scp{i}\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Deny\n            Action: [{}]\n            Resource: '*'\n", actions.join(", "))
    };
    let refs: Vec<String> = (1..=9).map(|i| format!("!Ref Scp{i}")).collect();
    let mut text = format!(
        "{HEAD}  Prod:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Prod\n      ServiceControlPolicies: [{}]\n",
        refs.join(", ")
    );
    for i in 1..=9 {
        text.push_str(&scp(i, if i == 1 { 140 } else { 1 }));
    }
    let loaded = load(&text);
    assert_eq!(errors(&loaded), Vec::<String>::new());
    let desired = loaded.desired.unwrap();
    let big = &desired.policies.iter().find(|p| p.name == "Scp1").unwrap().content;
    assert!((6_000..10_240).contains(&big.len()), "{} characters", big.len());
}

/// What IAM Access Analyzer points out in an SCP is a warning of `validate`: a multivalued key
/// (`aws:TagKeys`) under a plain operator, `*:*` in Action, a statement without Resource.
#[test]
fn scp_statements_aws_decides_no_way_are_warned_of() {
    let text = format!(
        "{HEAD}  Odd:\n    Type: OC::ORG::ServiceControlPolicy\n    Properties:\n      PolicyName: Odd\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Sid: Tags\n            Effect: Deny\n            Action: 'ec2:CreateTags'\n            Resource: '*'\n            Condition:\n              StringEquals:\n                aws:TagKeys: [secret]\n          - Sid: Every\n            Effect: Deny\n            Action: '*:*'\n"
    );
    let loaded = load(&text);
    assert_eq!(errors(&loaded), Vec::<String>::new());
    let warnings: Vec<String> =
        loaded.diagnostics.0.iter().filter(|d| d.code == "policy-advice").map(|d| d.message.clone()).collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings[0].contains("aws:TagKeys holds several values"), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("`*:*`")) && warnings.iter().any(|w| w.contains("no Resource")));
}
