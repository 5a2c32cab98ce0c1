//! The output users read, snapshotted: a plan, a diagnostic, an audit report, an explanation. A change to any
//! of them shows up as a diff to review (`cargo insta review`), never slips through.

use crate::common::Workspace;

#[test]
fn the_quickstart_plan_from_an_empty_organization() {
    let ws = Workspace::quickstart();
    let run = ws.plan(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("quickstart_plan", &run.stdout);
}

#[test]
fn a_diagnostic_with_its_source_snippet() {
    let ws = Workspace::quickstart();
    ws.edit("OrganizationalUnitName: Workloads", "OrganizationalUnitName: Workloads\n      Acounts: []");
    let run = ws.run(&["validate", "examples/quickstart/organization.yml"]);
    assert_eq!(run.code, Some(1));
    ws.assert_snapshot("unknown_property_diagnostic", &run.stderr);
}

#[test]
fn the_audit_report_of_the_applied_quickstart() {
    let ws = Workspace::quickstart();
    ws.apply(&[]).ok();
    let run = ws.run(&["audit", "examples/quickstart/organization.yml", "--sandbox", ws.sandbox.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("quickstart_audit", &run.stdout);
}

#[test]
fn explain_of_a_denied_and_an_allowed_request() {
    let ws = Workspace::quickstart();
    ws.apply(&[]).ok();
    let sandbox = ws.sandbox.to_str().unwrap();
    let file = "examples/quickstart/organization.yml";
    let denied = ws.run(&[
        "explain",
        "Production",
        "ec2:RunInstances",
        "--region",
        "ap-south-1",
        "--sandbox",
        sandbox,
        "--file",
        file,
    ]);
    let allowed = ws.run(&["explain", "Production", "ec2:RunInstances", "--region", "eu-west-1", "--sandbox", sandbox]);
    assert_eq!((denied.code, allowed.code), (Some(0), Some(0)), "{}{}", denied.stderr, allowed.stderr);
    let text = format!("{}\n{}", denied.stdout, allowed.stdout);
    ws.assert_snapshot("explain", &text);
}

/// The Policy effect of narrowing the region allow-list, with IAM's access report read: the
/// removed region newly denied for every member account, and the service one of them used there
/// marked; a service used only in a region still allowed is not.
#[test]
fn the_policy_effect_of_a_narrowed_region_list_with_the_access_report() {
    let ws = Workspace::quickstart();
    ws.converge();
    let mut sandbox = ws.sandbox_json();
    let production = sandbox["org"]["accounts"]
        .as_object()
        .and_then(|accounts| accounts.values().find(|a| a["name"] == "Production"))
        .map(|a| a["id"].as_str().unwrap_or_default().to_string())
        .expect("Production in the sandbox");
    sandbox["services_last_used"] = serde_json::json!({
        production: [
            {"service": "ec2", "region": "eu-central-1", "last_used": "2026-11-28T09:12:00Z"},
            {"service": "s3", "region": "eu-west-1", "last_used": "2026-11-30T10:00:00Z"},
        ]
    });
    std::fs::write(&ws.sandbox, serde_json::to_string(&sandbox).unwrap()).unwrap();
    let narrowed = ["-p", "AllowedRegions=eu-west-1,us-east-1"];
    let run = ws.plan(&[&narrowed[..], &["--access-report"]].concat());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("policy_effect_with_access_report", &run.stdout);

    // A report that cannot be read is a note, and the plan goes on; without the flag, a hint.
    let denied = ws.plan_env(
        &[&narrowed[..], &["--access-report"]].concat(),
        &[("ORGCTL_SANDBOX_FAULTS", "GenerateOrganizationsAccessReport:fail")],
    );
    assert_eq!(denied.code, Some(0), "{}", denied.stderr);
    assert!(denied.stdout.contains("note: IAM's organization access report could not be read"), "{}", denied.stdout);
    assert!(denied.stdout.contains("iam:GenerateOrganizationsAccessReport"), "{}", denied.stdout);
    assert!(!denied.stdout.contains("in use:"), "{}", denied.stdout);
    let mut unused = ws.sandbox_json();
    unused["services_last_used"] = serde_json::json!({});
    std::fs::write(&ws.sandbox, serde_json::to_string(&unused).unwrap()).unwrap();
    let none = ws.plan(&[&narrowed[..], &["--access-report"]].concat());
    assert!(
        none.stdout
            .contains("note: IAM's access reports of 6 account(s) show none of the newly denied services in use"),
        "{}",
        none.stdout
    );
    let without = ws.plan(&narrowed);
    assert!(without.stdout.contains("pass --access-report"), "{}", without.stdout);
    assert!(!without.stdout.contains("in use:"), "{}", without.stdout);
}

/// The lockout guard's refusal: each action orgctl would be denied, where, and the statement.
#[test]
fn the_lockout_refusal() {
    let ws = Workspace::quickstart();
    ws.converge();
    let template = ws.dir.path().join("org-templates/scp/deny-leave-organization.yml");
    let original = std::fs::read_to_string(&template).unwrap();
    let denying = original.replace(
        "        Resource: '*'\n",
        "        Resource: '*'\n      - Sid: NoAdminRole\n        Effect: Deny\n        Action: sts:AssumeRole\n        Resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole'\n",
    );
    std::fs::write(&template, denying).unwrap();
    let refused = ws.plan(&[]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    ws.assert_snapshot("lockout_refusal", &refused.stderr);
}

/// `explain --diff` over a wildcard: the actions the file decides otherwise than the
/// organization, grouped by the change of decision and what decides it.
#[test]
fn explain_diff_of_a_narrowed_region_list() {
    let ws = Workspace::quickstart();
    ws.converge();
    let (sandbox, org) = (ws.sandbox.to_str().unwrap(), ws.org.to_str().unwrap());
    let run = ws.run(&[
        "explain",
        "Production",
        "ec2:*",
        "--region",
        "eu-central-1",
        "--sandbox",
        sandbox,
        "--file",
        org,
        "--diff",
        "-p",
        "AllowedRegions=eu-west-1,us-east-1",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("explain_diff", &run.stdout);
}

/// The landing zone's first plan: every stack of every task, in dependency order.
#[test]
fn the_landing_zone_plan_from_an_empty_organization() {
    let ws = Workspace::quickstart();
    let tasks = ws.tasks();
    let run = ws.run(&["plan", tasks.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("landing_zone_plan", &run.stdout);
}

#[test]
fn the_identity_center_plan_of_the_landing_zone() {
    let ws = Workspace::quickstart();
    ws.converge();
    crate::identity::with_identity(&ws);
    let run = ws.plan(&[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    ws.assert_snapshot("identity_center_plan", &run.stdout);
}

#[test]
fn an_unknown_group_diagnostic() {
    let ws = Workspace::quickstart();
    crate::identity::with_identity(&ws);
    let path = ws.dir.path().join("landing-zone/identity/identity-center.yml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("Groups: [Developers]", "Groups: [Developer]")).expect("write");
    let run = ws.plan(&[]);
    assert_eq!(run.code, Some(1));
    ws.assert_snapshot("unknown_group_diagnostic", &run.stderr);
}

#[test]
fn the_audit_of_who_can_sign_in_where() {
    let ws = Workspace::quickstart();
    crate::identity::with_identity(&ws);
    ws.converge();
    let run = ws.run(&["audit", "--sandbox", ws.sandbox.to_str().expect("utf-8"), "--format", "md"]);
    let section = run.stdout.split("\n## ").find(|s| s.starts_with("Who can sign in where")).unwrap_or_default();
    assert!(!section.is_empty(), "{}", run.stdout);
    ws.assert_snapshot("identity_center_audit", section);
}
