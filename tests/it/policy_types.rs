//! The policy types besides SCPs, declared in the file: enabled on the root when first needed,
//! created, attached and detached per type, checked against each type's rules before any call,
//! read back by import, and RCPs evaluated by `orgctl explain`.

use crate::common::Workspace;
use serde_json::Value;

/// The quickstart with a data-perimeter RCP on the root, a backup policy on Workloads and a
/// declarative policy on the Production account.
fn with_policies(ws: &Workspace) {
    ws.edit(
        "      ServiceControlPolicies:\n        - !Ref RegionDenySCP\n",
        "      ServiceControlPolicies:\n        - !Ref RegionDenySCP\n      ResourceControlPolicies: !Ref DataPerimeter\n",
    );
    ws.edit(
        "      ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP\n",
        "      ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP\n      BackupPolicies: [!Ref DailyBackups]\n",
    );
    ws.edit(
        "  SecurityOU:\n",
        r#"  DataPerimeter:
    Type: OC::ORG::ResourceControlPolicy
    Properties:
      PolicyName: data-perimeter
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: OnlyOurOrganization
            Effect: Deny
            Principal: '*'
            Action: ['s3:*', 'sqs:*']
            Resource: '*'
            Condition:
              StringNotEqualsIfExists:
                aws:PrincipalOrgID: o-exampleorg
              BoolIfExists:
                aws:PrincipalIsAWSService: 'false'
  DailyBackups:
    Type: OC::ORG::BackupPolicy
    Properties:
      PolicyName: daily-backups
      PolicyDocument:
        plans:
          daily:
            regions: {"@@assign": [eu-west-1]}
            rules:
              daily:
                schedule_expression: {"@@assign": "cron(0 5 ? * * *)"}
                target_backup_vault_name: {"@@assign": Default}
  NoPublicAmis:
    Type: OC::ORG::DeclarativePolicy
    Properties:
      PolicyName: no-public-amis
      PolicyDocument:
        ec2_attributes:
          image_block_public_access:
            state: {"@@assign": block_new_sharing}
  SecurityOU:
"#,
    );
    ws.edit(
        "      AccountName: Production\n",
        "      AccountName: Production\n      DeclarativePolicies: !Ref NoPublicAmis\n",
    );
}

/// moto 5 creates resource control, tag and AI opt-out policies (the last two are in
/// audit_moto), not backup, declarative or chatbot policies: those are tested on the sandbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_moto_rcps_are_enabled_created_and_attached() {
    let moto = crate::common::moto::Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    with_policies(&ws);
    ws.edit("      DeclarativePolicies: !Ref NoPublicAmis\n", "");
    ws.remove_resource("NoPublicAmis");
    ws.edit("      BackupPolicies: [!Ref DailyBackups]\n", "");
    ws.remove_resource("DailyBackups");
    let org = ws.org.to_str().unwrap().to_string();
    tokio::task::block_in_place(|| ws.run_on(&moto, &["apply", &org, "--auto-approve"])).ok();
    let again = tokio::task::block_in_place(|| ws.run_on(&moto, &["plan", &org]));
    again.ok();
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    let orgs = moto.organizations().await;
    let root = orgs.list_roots().send().await.unwrap().roots()[0].clone();
    let enabled: Vec<&str> = root.policy_types().iter().filter_map(|t| t.r#type()).map(|t| t.as_str()).collect();
    assert!(enabled.contains(&"RESOURCE_CONTROL_POLICY"), "{enabled:?}");
    let rcps = orgs
        .list_policies_for_target()
        .target_id(root.id().unwrap())
        .filter(aws_sdk_organizations::types::PolicyType::ResourceControlPolicy)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = rcps.policies().iter().filter_map(|p| p.name()).collect();
    assert!(names.contains(&"data-perimeter"), "{names:?}");
}

fn policies_of_type<'a>(sandbox: &'a Value, policy_type: &str) -> Vec<&'a Value> {
    sandbox["org"]["policies"].as_object().unwrap().values().filter(|p| p["policy_type"] == policy_type).collect()
}

#[test]
fn each_type_is_enabled_created_attached_and_converges() {
    let ws = Workspace::quickstart();
    with_policies(&ws);
    let plan = ws.plan(&[]);
    plan.ok();
    for expected in [
        "enable resource control policies",
        "enable backup policies",
        "enable declarative policies",
        "+ resource control policy data-perimeter (DataPerimeter)",
        "+ backup policy daily-backups (DailyBackups)",
        "ResourceControlPolicies",
        "attach RCP data-perimeter",
        "+ BackupPolicies:          backup policy daily-backups",
        "DeclarativePolicies:",
        "declarative policy no-public-amis",
    ] {
        assert!(plan.stdout.contains(expected), "the plan lacks '{expected}':\n{}", plan.stdout);
    }
    ws.converge();

    let data = ws.sandbox_json();
    let root = ws.state().root_id();
    let types: Vec<&str> =
        data["org"]["root"]["other_policy_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(types, ["RESOURCE_CONTROL_POLICY", "BACKUP_POLICY", "DECLARATIVE_POLICY_EC2"], "in the types' order");
    // RCPFullAWSAccess came with the type and stays everywhere, next to the file's RCP.
    let rcps = policies_of_type(&data, "RESOURCE_CONTROL_POLICY");
    let full = rcps.iter().find(|p| p["name"] == "RCPFullAWSAccess").expect("RCPFullAWSAccess");
    assert_eq!(full["aws_managed"], true);
    assert_eq!(full["targets"].as_array().unwrap().len(), 1 + 5 + 7, "root, 5 OUs, 7 accounts");
    let perimeter = rcps.iter().find(|p| p["name"] == "data-perimeter").expect("the file's RCP");
    assert_eq!(perimeter["targets"], serde_json::json!([root]));
    let backup = policies_of_type(&data, "BACKUP_POLICY");
    assert_eq!(backup.len(), 1);
    assert_eq!(backup[0]["targets"], serde_json::json!([ws.state().ou("Workloads")["id"]]));
    // SCP attachments are untouched by the other types.
    assert_eq!(ws.state().scps_on(&root), ["DenyUnapprovedRegions", "FullAWSAccess"]);

    // Moved in the file: detached from Workloads, attached to Prod; removed: detached and deleted.
    ws.edit("      BackupPolicies: [!Ref DailyBackups]\n", "");
    ws.edit(
        "      OrganizationalUnitName: Prod\n",
        "      OrganizationalUnitName: Prod\n      BackupPolicies: !Ref DailyBackups\n",
    );
    ws.edit("      DeclarativePolicies: !Ref NoPublicAmis\n", "");
    ws.remove_resource("NoPublicAmis");
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("detach backup policy daily-backups"), "{}", plan.stdout);
    assert!(plan.stdout.contains("- declarative policy no-public-amis"), "{}", plan.stdout);
    ws.converge();
    let data = ws.sandbox_json();
    assert!(policies_of_type(&data, "DECLARATIVE_POLICY_EC2").is_empty());
    assert_eq!(
        policies_of_type(&data, "BACKUP_POLICY")[0]["targets"],
        serde_json::json!([ws.state().ou("Prod")["id"]])
    );
}

#[test]
fn each_types_rules_are_checked_before_any_call() {
    let ws = Workspace::quickstart();
    with_policies(&ws);
    // An RCP that allows, a tag policy without its "tags" object, an AI opt-out policy over
    // 2,500 characters, six tag policies on one target... and a policy named like AWS's own.
    ws.edit(
        "          - Sid: OnlyOurOrganization\n            Effect: Deny\n",
        "          - Sid: OnlyOurOrganization\n            Effect: Allow\n",
    );
    let long = "x".repeat(2_600);
    let tag_policies: String = (1..=11)
        .map(|i| format!("  Tags{i}:\n    Type: OC::ORG::TagPolicy\n    Properties:\n      PolicyName: tags-{i}\n      PolicyDocument:\n        tags: {{team{i}: {{tag_key: {{\"@@assign\": Team}}}}}}\n"))
        .collect();
    ws.edit(
        "  SecurityOU:\n",
        &format!(
            "{tag_policies}  NoTags:\n    Type: OC::ORG::TagPolicy\n    Properties:\n      PolicyName: no-tags\n      PolicyDocument:\n        team: {{}}\n  LongOptOut:\n    Type: OC::ORG::AiServicesOptOutPolicy\n    Properties:\n      PolicyName: RCPFullAWSAccess\n      PolicyDocument:\n        services: {{default: {{opt_out_policy: {{\"@@assign\": optOut}}}}, note: {{text: {long}}}}}\n  SecurityOU:\n"
        ),
    );
    let refs: Vec<String> = (1..=11).map(|i| format!("!Ref Tags{i}")).collect();
    ws.edit(
        "      OrganizationalUnitName: Sandbox\n",
        &format!("      OrganizationalUnitName: Sandbox\n      TagPolicies: [{}]\n", refs.join(", ")),
    );
    let run = ws.run(&["validate", ws.org.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    for expected in [
        "an RCP can only deny",
        "a tag policy has its settings under a top-level \"tags\" object",
        "over the limit of 2500",
        "11 tag policies would be attached (11 listed), over the limit of 10",
        "RCPFullAWSAccess is the name of a policy AWS manages",
    ] {
        assert!(run.stderr.contains(expected), "missing '{expected}':\n{}", run.stderr);
    }
    assert!(!ws.sandbox.exists(), "nothing reached the organization");
}

#[test]
fn import_writes_every_type_and_account_setting_back_and_its_plan_is_empty() {
    let ws = Workspace::quickstart();
    with_policies(&ws);
    // Account settings come back too.
    ws.edit(
        "      AccountName: Production\n",
        "      AccountName: Production\n      AlternateContacts:\n        Security: {Name: Sec Team, Title: CISO office, EmailAddress: security@example.com, PhoneNumber: '+1 555 0100'}\n      OptInRegions: {Enabled: [af-south-1]}\n",
    );
    ws.converge();
    let imported = ws.dir.path().join("imported.yml");
    ws.run(&["import", "--sandbox", ws.sandbox.to_str().unwrap(), "-o", imported.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(&imported).unwrap();
    for expected in [
        "Type: OC::ORG::ResourceControlPolicy",
        "Type: OC::ORG::BackupPolicy",
        "Type: OC::ORG::DeclarativePolicy",
        "ResourceControlPolicies:",
        "BackupPolicies:",
        "DeclarativePolicies:",
        "AlternateContacts:",
        "EmailAddress: security@example.com",
        "OptInRegions:",
        "- af-south-1",
    ] {
        assert!(text.contains(expected), "the import lacks '{expected}':\n{text}");
    }
    assert!(!text.contains("RCPFullAWSAccess"), "AWS's own policy stays implicit:\n{text}");
    let plan = ws.run(&["plan", imported.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()]);
    plan.ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn explain_applies_rcps_to_the_accounts_resources() {
    let ws = Workspace::quickstart();
    with_policies(&ws);
    let org = ws.org.to_str().unwrap();
    let explain = |action: &str, context: &str| {
        ws.run(&[
            "explain",
            "Production",
            action,
            "--region",
            "eu-west-1",
            "--file",
            org,
            "--offline",
            "--context",
            context,
        ])
    };
    let outside = explain("s3:GetObject", "aws:PrincipalOrgID=o-someoneelse");
    outside.ok();
    assert!(
        outside.stdout.contains("DENIED") && outside.stdout.contains("an RCP denies it explicitly"),
        "{}",
        outside.stdout
    );
    assert!(
        outside.stdout.contains("statement OnlyOurOrganization of RCP data-perimeter attached at Root"),
        "{}",
        outside.stdout
    );
    let inside = explain("s3:GetObject", "aws:PrincipalOrgID=o-exampleorg");
    assert!(inside.stdout.contains("ALLOWED"), "{}", inside.stdout);
    // Actions of services RCPs do not cover are the SCPs' alone.
    let ec2 = explain("ec2:DescribeInstances", "aws:PrincipalOrgID=o-someoneelse");
    assert!(ec2.stdout.contains("ALLOWED"), "{}", ec2.stdout);
}
