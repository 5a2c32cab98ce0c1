//! IAM Identity Center on the sandbox: the landing zone's permission sets and assignments
//! planned per account, OU-wide assignments following accounts, the management account only
//! when named, ownership, and the errors a user meets (an unknown group, no instance, a value
//! Identity Center refuses).

use crate::common::Workspace;
use serde_json::Value;
use std::collections::BTreeSet;

/// The quickstart with the landing zone's identity area merged into its organization.
pub fn with_identity(ws: &Workspace) {
    ws.edit("Organization:\n", "Organization:\n  <<: !Include ../../landing-zone/identity/identity-center.yml\n");
}

/// Replaces `from` by `to` in the landing zone's identity file of the workspace.
fn edit_identity(ws: &Workspace, from: &str, to: &str) {
    let path = ws.dir.path().join("landing-zone/identity/identity-center.yml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "'{from}' is not in identity-center.yml");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// (group, permission set, account name) of every assignment in the sandbox.
fn assignments(ws: &Workspace) -> BTreeSet<(String, String, String)> {
    let data = ws.sandbox_json();
    let identity = &data["identity"];
    let name_of = |map: &Value, id: &str| {
        map.as_object().and_then(|m| m.iter().find(|(_, v)| v.as_str() == Some(id))).map(|(k, _)| k.clone())
    };
    let set_name = |arn: &str| {
        identity["permission_sets"]
            .as_array()
            .and_then(|sets| sets.iter().find(|s| s["arn"] == arn))
            .map(|s| s["settings"]["name"].as_str().unwrap_or_default().to_string())
    };
    identity["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| {
            let group = name_of(&identity["groups"], a["principal_id"].as_str().unwrap_or_default()).expect("group");
            let set = set_name(a["permission_set_arn"].as_str().unwrap_or_default()).expect("permission set");
            let account = data["org"]["accounts"][a["account_id"].as_str().unwrap_or_default()]["name"]
                .as_str()
                .expect("account")
                .to_string();
            (group, set, account)
        })
        .collect()
}

fn accounts_of(all: &BTreeSet<(String, String, String)>, group: &str) -> Vec<String> {
    all.iter().filter(|(g, _, _)| g == group).map(|(_, _, a)| a.clone()).collect()
}

#[test]
fn the_landing_zone_identity_is_assigned_account_by_account_and_converges() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(plan.stdout.contains("+ permission set ReadOnly: create"), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ assignment group Developers → Development: assign Developer"), "{}", plan.stdout);
    ws.converge();
    let all = assignments(&ws);
    let members = ["Development", "Log Archive", "Production", "Sandbox", "Security", "Shared Services"];
    // `Accounts: '*'`: every account but the management account.
    assert_eq!(accounts_of(&all, "Administrators"), members);
    assert_eq!(accounts_of(&all, "Auditors"), members);
    // Workloads (with Prod and Dev below it) and Sandbox, Production excluded.
    assert_eq!(accounts_of(&all, "Developers"), ["Development", "Sandbox", "Shared Services"]);
}

#[test]
fn an_account_moved_into_an_assigned_ou_is_assigned_by_the_next_plan() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    ws.converge();
    ws.edit("        - !Ref SecurityAccount\n        - !Ref LogArchiveAccount\n", "        - !Ref SecurityAccount\n");
    ws.edit(
        "      Accounts:\n        - !Ref SharedServicesAccount\n",
        "      Accounts:\n        - !Ref SharedServicesAccount\n        - !Ref LogArchiveAccount\n",
    );
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("> account Log Archive"), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ assignment group Developers → Log Archive: assign Developer"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 1 to add, 0 to change, 1 to move, 0 to remove."), "{}", plan.stdout);
    ws.converge();
    assert!(accounts_of(&assignments(&ws), "Developers").contains(&"Log Archive".to_string()));
}

#[test]
fn the_management_account_is_assigned_only_when_named() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    edit_identity(
        &ws,
        "OrganizationalUnits: [!Ref WorkloadsOU, !Ref SandboxOU]\n",
        "OrganizationalUnits: [!Ref WorkloadsOU, !Ref SandboxOU]\n    Accounts: [!Ref ManagementAccount]\n",
    );
    ws.converge();
    let all = assignments(&ws);
    assert!(!accounts_of(&all, "Administrators").contains(&"Acme Management".to_string()));
    assert!(accounts_of(&all, "Developers").contains(&"Acme Management".to_string()));
}

#[test]
fn a_permission_set_change_is_provisioned_and_a_removed_one_deleted_after_its_assignments() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    ws.converge();
    let identity = ws.dir.path().join("landing-zone/identity/identity-center.yml");
    let text = std::fs::read_to_string(&identity).expect("read");
    std::fs::write(&identity, text.replace("SessionDuration: PT4H", "SessionDuration: PT2H")).expect("write");
    let plan = ws.plan(&[]);
    assert!(
        plan.stdout
            .contains("~ permission set AdministratorAccess: update, then provision to the accounts it is assigned to"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("SessionDuration:  PT4H → PT2H"), "{}", plan.stdout);
    ws.converge();

    let text = std::fs::read_to_string(&identity).expect("read");
    let start = text.find("Developer:\n").expect("Developer");
    let end = text[start..].find("\n\n").map(|e| start + e + 2).expect("end");
    let text = format!("{}{}", &text[..start], &text[end..]);
    let start = text.find("DevelopersOnWorkloads:\n").expect("assignment");
    std::fs::write(&identity, &text[..start]).expect("write");
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("- permission set Developer: delete"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 0 to add, 0 to change, 0 to move, 4 to remove."), "{}", plan.stdout);
    ws.converge();
    assert!(accounts_of(&assignments(&ws), "Developers").is_empty());
}

#[test]
fn permission_sets_made_by_hand_are_left_alone_until_the_file_adopts_them() {
    let ws = Workspace::quickstart();
    ws.converge();
    // A permission set and an assignment made in the console (no orgctl tag).
    let mut data = ws.sandbox_json();
    let account = data["org"]["accounts"]
        .as_object()
        .and_then(|m| m.values().find(|a| a["name"] == "Production"))
        .map(|a| a["id"].clone())
        .expect("Production");
    let instance = data["identity"]["instance_arn"].as_str().expect("instance").to_string();
    let suffix = instance.rsplit('/').next().unwrap_or_default().to_string();
    let arn = format!("arn:aws:sso:::permissionSet/{suffix}/ps-byhand");
    let group = data["identity"]["groups"]["Developers"].clone();
    data["identity"]["permission_sets"] = serde_json::json!([{
        "arn": arn, "owner": null,
        "settings": {"name": "BreakGlass", "description": null, "session_duration": "PT12H", "relay_state": null,
                     "managed_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"], "customer_managed_policies": [],
                     "inline_policy": null, "permissions_boundary": null, "tags": {}}
    }]);
    data["identity"]["assignments"] = serde_json::json!([{
        "permission_set_arn": arn, "principal_type": "GROUP", "principal_id": group, "account_id": account
    }]);
    std::fs::write(&ws.sandbox, serde_json::to_string_pretty(&data).expect("json")).expect("write");

    with_identity(&ws);
    let plan = ws.plan(&[]);
    assert!(
        !plan.stdout.contains("BreakGlass"),
        "a permission set orgctl does not own is not touched:\n{}",
        plan.stdout
    );
    ws.converge();
    assert!(assignments(&ws).contains(&("Developers".into(), "BreakGlass".into(), "Production".into())));

    // Declared by name: adopted (tagged), and its assignments are now the file's.
    ws.edit(
        "Organization:\n",
        "Organization:\n  BreakGlass:\n    Type: OC::ORG::PermissionSet\n    Properties:\n      Name: BreakGlass\n      SessionDuration: PT12H\n      ManagedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]\n\n",
    );
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("~ permission set BreakGlass: adopt (tag as orgctl's)"), "{}", plan.stdout);
    assert!(plan.stdout.contains("- assignment group Developers → Production: unassign BreakGlass"), "{}", plan.stdout);
    ws.converge();
}

#[test]
fn an_unknown_group_is_an_error_at_its_place_with_the_closest_name() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    edit_identity(&ws, "Groups: [Auditors]", "Groups: [Auditor]");
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(1), "{}", plan.stdout);
    assert!(
        plan.stderr.contains(
            "[unknown-principal] AuditorsReadEverything.Groups: the identity store has no group named 'Auditor'"
        ),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("identity-center.yml:58:14"), "located in the included file:\n{}", plan.stderr);
    assert!(plan.stderr.contains("did you mean 'Auditors'?"), "{}", plan.stderr);
    assert!(ws.sandbox_json()["identity"]["permission_sets"].as_array().is_none_or(|s| s.is_empty()));
}

#[test]
fn without_an_identity_center_instance_the_error_says_how_to_enable_it() {
    let ws = Workspace::quickstart();
    ws.converge();
    let mut data = ws.sandbox_json();
    data.as_object_mut().expect("object").remove("identity");
    std::fs::write(&ws.sandbox, serde_json::to_string_pretty(&data).expect("json")).expect("write");
    with_identity(&ws);
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(1), "{}", plan.stdout);
    assert!(plan.stderr.contains("the organization has no IAM Identity Center instance"), "{}", plan.stderr);
    assert!(plan.stderr.contains("IAM Identity Center → Enable"), "{}", plan.stderr);
}

#[test]
fn values_identity_center_refuses_are_errors_before_anything_is_sent() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    let identity = ws.dir.path().join("landing-zone/identity/identity-center.yml");
    let text = std::fs::read_to_string(&identity).expect("read");
    let policies: String = (0..10).map(|i| format!("      - arn:aws:iam::aws:policy/Extra{i}\n")).collect();
    let text = text
        .replace("SessionDuration: PT4H", "SessionDuration: PT13H")
        .replace("Name: ReadOnly", "Name: Read Only")
        .replace(
            "      - arn:aws:iam::aws:policy/PowerUserAccess\n",
            &format!("      - arn:aws:iam::aws:policy/PowerUserAccess\n{policies}"),
        )
        .replace("PermissionSet: !Ref ReadOnly", "PermissionSet: !Ref ReadOnlyy");
    std::fs::write(&identity, text).expect("write");
    let run = ws.run(&["validate", "examples/quickstart/organization.yml"]);
    assert_eq!(run.code, Some(1));
    for expected in [
        "[invalid-session-duration] AdministratorAccess.SessionDuration: PT13H is outside Identity Center's range of 1 to 12 hours",
        "[invalid-permission-set-name] ReadOnly.Name: 'Read Only' is not a permission set name",
        "[too-many-policies] Developer.ManagedPolicies: 11 managed policies",
        "[unknown-reference] AuditorsReadEverything.PermissionSet: !Ref ReadOnlyy: no resource with this logical id",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in:\n{}", run.stderr);
    }
}

#[test]
fn the_audit_says_who_can_sign_in_where_and_what_falls_short() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    // A user assigned directly, administrator access in the management account, a long session.
    edit_identity(&ws, "SessionDuration: PT4H", "SessionDuration: PT12H");
    ws.edit(
        "Organization:\n",
        "Organization:\n  AdminAsUser:\n    Type: OC::ORG::AccountAssignment\n    Properties:\n      PermissionSet: !Ref AdministratorAccess\n      Users: [admin@example.com]\n      Accounts: [!Ref ManagementAccount]\n\n",
    );
    ws.converge();
    let sandbox = ws.sandbox.to_str().expect("utf-8");
    let run = ws.run(&["audit", "--sandbox", sandbox, "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("json report");
    let access = report["identity_center"]["access"].as_array().expect("access table");
    assert_eq!(access.len(), 6 + 6 + 3 + 1, "admins and auditors everywhere, developers in 3, the user in 1");
    assert!(access.iter().any(|a| a["principal"] == "admin@example.com"
        && a["principal_type"] == "user"
        && a["account_name"] == "Acme Management"
        && a["permission_set"] == "AdministratorAccess"));
    let checks: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"].as_str().is_some_and(|c| c.starts_with("ORGCTL-SSO")))
        .map(|f| (f["check"].as_str().unwrap_or_default(), f["severity"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(checks, [("ORGCTL-SSO-001", "high"), ("ORGCTL-SSO-002", "low"), ("ORGCTL-SSO-003", "low")]);

    // Administrator access allowed in the Security OU only: every other account is reported.
    let config = ws.dir.path().join("audit.yml");
    std::fs::write(&config, "administrator_ous: [Security]\n").expect("write");
    let run = ws.run(&["audit", "--sandbox", sandbox, "--format", "json", "--config", config.to_str().expect("utf-8")]);
    let report: Value = serde_json::from_str(&run.stdout).expect("json report");
    let outside: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "ORGCTL-SSO-001" && f["severity"] == "medium")
        .map(|f| f["resource"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(outside.len(), 4, "Development, Production, Sandbox, Shared Services: {outside:?}");
    assert!(outside.iter().all(|r| !r.contains("Security") && !r.contains("Log Archive")), "{outside:?}");

    // The same table in Markdown and HTML.
    let md = ws.run(&["audit", "--sandbox", sandbox, "--format", "md"]);
    assert!(md.stdout.contains("## Who can sign in where"), "{}", md.stdout);
    assert!(md.stdout.contains("| admin@example.com | user | Acme Management ("), "{}", md.stdout);
    let html = ws.run(&["audit", "--sandbox", sandbox, "--format", "html"]);
    assert!(html.stdout.contains("<section id=\"sign-in-section\">"), "html has the table");
}

#[test]
fn an_imported_identity_center_plans_no_changes() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    ws.converge();
    let sandbox = ws.sandbox.to_str().expect("utf-8");
    let imported = ws.dir.path().join("imported.yml");
    let run = ws.run(&["import", "--sandbox", sandbox, "-o", imported.to_str().expect("utf-8")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&imported).expect("imported file");
    assert!(text.contains("Type: OC::ORG::PermissionSet"), "{text}");
    assert!(text.contains("Type: OC::ORG::AccountAssignment"), "{text}");
    let plan = ws.run(&["plan", imported.to_str().expect("utf-8"), "--sandbox", sandbox, "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(0), "the imported file matches:\n{}{}", plan.stdout, plan.stderr);
}

#[test]
fn a_task_file_reads_a_permission_sets_arn() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    let dir = ws.dir.path().join("landing-zone");
    std::fs::write(
        dir.join("arn.yml"),
        "Parameters:\n  permissionSetArn: {Type: String}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !Ref permissionSetArn\n",
    )
    .expect("template");
    let tasks = dir.join("arn-tasks.yml");
    std::fs::write(
        &tasks,
        "OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\nArn:\n  Type: update-stacks\n  DependsOn: OrganizationUpdate\n  Template: ./arn.yml\n  StackName: permission-set-arn\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SharedServicesAccount\n  Parameters:\n    permissionSetArn: !GetAtt AdministratorAccess.Arn\n",
    )
    .expect("tasks");
    let sandbox = ws.sandbox.to_str().expect("utf-8");
    let tasks = tasks.to_str().expect("utf-8");
    ws.run(&["apply", tasks, "--sandbox", sandbox, "--auto-approve"]).ok();
    let again = ws.run(&["plan", tasks, "--sandbox", sandbox, "--detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    let data = ws.sandbox_json();
    let arn = data["identity"]["permission_sets"]
        .as_array()
        .and_then(|s| s.iter().find(|p| p["settings"]["name"] == "AdministratorAccess"))
        .map(|p| p["arn"].clone())
        .expect("AdministratorAccess");
    let stack =
        data["stacks"].as_object().and_then(|s| s.values().find(|s| s["name"] == "permission-set-arn")).expect("stack");
    assert_eq!(stack["parameters"]["permissionSetArn"], arn, "{stack}");
}

#[test]
fn a_saved_plan_is_refused_when_identity_center_changed_since() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    let plan_file = ws.dir.path().join("plan.json");
    ws.plan(&["--out", plan_file.to_str().expect("utf-8")]).ok();
    // Someone adds a group in the identity store before the plan is applied.
    let mut data = ws.sandbox_json();
    data["identity"]["groups"]["Contractors"] = Value::from("g-contractors");
    std::fs::write(&ws.sandbox, serde_json::to_string_pretty(&data).expect("json")).expect("write");
    let sandbox = ws.sandbox.to_str().expect("utf-8");
    let run = ws.run(&["apply", plan_file.to_str().expect("utf-8"), "--sandbox", sandbox, "--auto-approve"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("the saved plan is stale and was not applied"), "{}", run.stderr);
    assert!(ws.sandbox_json()["identity"]["permission_sets"].as_array().is_none_or(|s| s.is_empty()));
}

#[test]
fn a_crash_after_a_permission_set_is_created_and_a_failed_assignment_are_finished_by_a_rerun() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    // Killed right after CreatePermissionSet saved the set: the re-run finds it by name, never a
    // second one.
    let crashed = ws.apply_env(&[("ORGCTL_SANDBOX_FAULTS", "CreatePermissionSet:exit:ReadOnly")]);
    assert_eq!(crashed.code, Some(137), "{}{}", crashed.stdout, crashed.stderr);
    let failed = ws.apply_env(&[("ORGCTL_SANDBOX_FAULTS", "CreateAccountAssignment:fail")]);
    assert_eq!(failed.code, Some(1), "{}", failed.stdout);
    assert!(failed.stdout.contains("FAILED"), "{}", failed.stdout);
    ws.converge();
    let sets = ws.sandbox_json()["identity"]["permission_sets"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = sets.iter().filter_map(|s| s["settings"]["name"].as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "ReadOnly").count(), 1, "{names:?}");
    assert_eq!(assignments(&ws).len(), 15);
}

#[test]
fn access_given_twice_in_the_file_is_planned_once() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    edit_identity(&ws, "    Groups: [Administrators]\n", "    Groups: [Administrators, Administrators]\n");
    ws.edit(
        "Organization:\n",
        "Organization:\n  AdminsOnWorkloads:\n    Type: OC::ORG::AccountAssignment\n    Properties:\n      PermissionSet: !Ref AdministratorAccess\n      Groups: [Administrators]\n      OrganizationalUnits: [!Ref WorkloadsOU]\n\n",
    );
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert_eq!(
        plan.stdout.matches("+ assignment group Administrators → Development: assign AdministratorAccess").count(),
        1,
        "{}",
        plan.stdout
    );
    ws.converge();
}

#[test]
fn an_inline_policy_cannot_name_an_account_not_created_yet() {
    let ws = Workspace::quickstart();
    with_identity(&ws);
    edit_identity(
        &ws,
        "          Resource: '*'\n",
        "          Resource: !Sub 'arn:aws:s3:::logs-${LogArchiveAccount}/*'\n",
    );
    let run = ws.run(&["validate", "examples/quickstart/organization.yml"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "[unknown-at-plan] ReadOnly.InlinePolicy: an inline policy cannot name an account that does not exist yet"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn target_narrows_the_plan_to_a_permission_set_or_an_assignment() {
    let ws = Workspace::quickstart();
    ws.converge();
    with_identity(&ws);
    let plan = ws.plan(&["--target", "DevelopersOnWorkloads"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(plan.stdout.contains("+ permission set Developer: create"), "{}", plan.stdout);
    assert_eq!(plan.stdout.matches("+ assignment group Developers").count(), 3, "{}", plan.stdout);
    assert!(!plan.stdout.contains("Administrators"), "{}", plan.stdout);
    let plan = ws.plan(&["--target", "ReadOnly"]);
    assert!(plan.stdout.contains("Plan: 7 to add, 0 to change"), "the set and its six assignments:\n{}", plan.stdout);
    let plan = ws.plan(&["--target", "ReadOnyl"]);
    assert_eq!(plan.code, Some(1));
    assert!(plan.stderr.contains("did you mean 'ReadOnly'?"), "{}", plan.stderr);
}
