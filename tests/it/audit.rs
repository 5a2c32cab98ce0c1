//! `orgctl audit` on the sandbox: every check fires exactly where it should and nowhere else,
//! a clean organization passes, drift shows up, and the formats have the promised shape.

use crate::common;
use common::{findings, Run, Workspace};
use orgctl::model::*;
use orgctl::provider::sandbox::SandboxProvider;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const CIS: PasswordPolicy = PasswordPolicy {
    minimum_password_length: 14,
    require_symbols: true,
    require_numbers: true,
    require_uppercase_characters: true,
    require_lowercase_characters: true,
    allow_users_to_change_password: true,
    max_password_age: Some(90),
    password_reuse_prevention: Some(24),
    hard_expiry: false,
};

fn doc(statement: Value) -> String {
    json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string()
}

fn policy(id: &str, name: &str, content: String, targets: &[&str]) -> (orgctl::model::PolicyId, PolicyState) {
    let p = PolicyState {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        content,
        aws_managed: id == FULL_AWS_ACCESS_ID,
        policy_type: Default::default(),
        tags: Tags::new(),
        targets: targets.iter().map(|t| t.to_string()).collect(),
    };
    (id.into(), p)
}

fn account(
    id: &str,
    name: &str,
    parent: &str,
    status: &str,
    pw: Option<PasswordPolicy>,
) -> (orgctl::model::AccountId, AccountState) {
    let a = AccountState {
        id: id.into(),
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        parent_id: parent.into(),
        status: status.to_string().into(),
        tags: Tags::new(),
        alias: None,
        password_policy: pw,
    };
    (id.into(), a)
}

/// An organization with one mistake per check, at known resources.
fn broken() -> OrgState {
    let weak = PasswordPolicy { minimum_password_length: 8, ..Default::default() };
    let mut ous = BTreeMap::new();
    let ou = |id: &str, name: &str, parent: &str| {
        (id.to_string(), OuState { id: id.into(), name: name.into(), parent_id: parent.into(), tags: Tags::new() })
    };
    ous.extend([ou("ou-work", "Workloads", "r-root"), ou("ou-empty", "Empty", "r-root")]);
    let mut parent = "r-root".to_string();
    for level in 1..=6 {
        let id = format!("ou-l{level}");
        ous.extend([ou(&id, &format!("L{level}"), &parent)]);
        parent = id;
    }
    let accounts: BTreeMap<orgctl::model::AccountId, AccountState> = [
        account("111111111111", "Management", "r-root", "ACTIVE", Some(CIS)),
        account("200000000001", "Good", "ou-work", "ACTIVE", Some(CIS)),
        account("200000000002", "NoPolicy", "ou-work", "ACTIVE", None),
        account("200000000003", "Weak", "ou-work", "ACTIVE", Some(weak)),
        account("200000000004", "Rooted", "r-root", "ACTIVE", Some(CIS)),
        account("200000000005", "Closed", "ou-work", "SUSPENDED", None),
        account("200000000006", "Deep", "ou-l6", "ACTIVE", Some(CIS)),
    ]
    .into_iter()
    .collect();
    let mut everything: Vec<&str> = vec!["r-root"];
    everything.extend(ous.keys().map(String::as_str));
    everything.extend(accounts.keys().map(|id| id.as_str()));
    let region_deny = doc(json!({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}));
    let deny_leave = doc(json!({"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}));
    let big = doc(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Sid": "x".repeat(9400)}));
    let small = |sid: &str| doc(json!({"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Sid": sid}));
    let policies: BTreeMap<orgctl::model::PolicyId, PolicyState> = [
        policy(
            FULL_AWS_ACCESS_ID,
            FULL_AWS_ACCESS_NAME,
            doc(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            &everything,
        ),
        policy("p-region", "RegionDeny", region_deny, &["ou-work"]),
        policy("p-leave", "DenyLeave", deny_leave, &["r-root"]),
        policy("p-big", "Big", big, &["ou-work"]),
        policy("p-unused", "Unused", small("Unused"), &[]),
        policy("p-s1", "S1", small("S1"), &["200000000001"]),
        policy("p-s2", "S2", small("S2"), &["200000000001"]),
        policy("p-s3", "S3", small("S3"), &["200000000001"]),
        policy("p-s4", "S4", small("S4"), &["200000000001"]),
        policy("p-s5", "S5", small("S5"), &["200000000001"]),
        policy("p-s6", "S6", small("S6"), &["200000000001"]),
        policy("p-s7", "S7", small("S7"), &["200000000001"]),
        policy("p-s8", "S8", small("S8"), &["200000000001"]),
    ]
    .into_iter()
    .collect();
    OrgState {
        organization_id: "o-broken".into(),
        management_account_id: "111111111111".into(),
        root: RootState {
            id: "r-root".into(),
            scp_enabled: true,
            other_policy_types: Vec::new(),
            tags: Tags::from([(STACK_REGIONS_TAG.to_string(), "eu-west-1".to_string())]),
        },
        ous,
        accounts,
        policies,
        pending_create_requests: Vec::new(),
    }
}

fn stack(account: &str, name: &str, status: &str) -> Value {
    json!({ "account_id": account, "region": "eu-west-1", "name": name, "status": status, "template": {}, "parameters": {},
            "outputs": {}, "tags": { STACK_TASK_TAG: "Task" }, "termination_protection": false })
}

/// Seeds the broken organization (and two stacks, one failed) into the workspace's sandbox.
fn seed_broken(ws: &Workspace) {
    SandboxProvider::seed(&ws.sandbox, broken()).unwrap();
    let mut data = ws.sandbox_json();
    data["stacks"] = json!({
        "200000000001/eu-west-1/ok": stack("200000000001", "ok", "CREATE_COMPLETE"),
        "200000000001/eu-west-1/broken": stack("200000000001", "broken", "ROLLBACK_COMPLETE"),
    });
    // A delegated administrator (and no trusted access for CloudTrail), and the tag policy type
    // enabled with no tag policy attached.
    data["governance"] = json!({
        "delegated_administrators": [{"account_id": "200000000001", "service": "guardduty.amazonaws.com"}],
    });
    data["org"]["root"]["other_policy_types"] = json!(["TAG_POLICY"]);
    data["org"]["policies"]["p-tag1"] = json!({
        "id": "p-tag1", "name": "Tags", "description": "", "content": "{\"tags\":{}}", "aws_managed": false,
        "policy_type": "TAG_POLICY", "tags": {}, "targets": []
    });
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
}

fn audit(ws: &Workspace, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "--sandbox", ws.sandbox.to_str().unwrap()];
    args.extend_from_slice(extra);
    ws.run(&args)
}

#[test]
fn every_check_fires_exactly_where_it_should_and_nowhere_else() {
    let ws = Workspace::quickstart();
    seed_broken(&ws);
    let run = audit(&ws, &["--format", "json"]);
    run.ok();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let got = findings(&report);
    let expected: BTreeSet<(String, String)> = [
        ("ORGCTL-PWD-001", "account NoPolicy (200000000002)"),
        ("ORGCTL-PWD-002", "account Weak (200000000003)"),
        ("ORGCTL-PWD-003", "account Weak (200000000003)"),
        ("ORGCTL-PWD-004", "account Weak (200000000003)"),
        ("ORGCTL-PWD-005", "account Weak (200000000003)"),
        ("ORGCTL-SCP-003", "account Rooted (200000000004)"),
        ("ORGCTL-SCP-003", "account Deep (200000000006)"),
        ("ORGCTL-SCP-004", "policy p-region (RegionDeny)"),
        ("ORGCTL-SCP-006", "account Good (200000000001)"),
        ("ORGCTL-SCP-007", "policy p-big (Big)"),
        ("ORGCTL-SCP-008", "policy p-unused (Unused)"),
        ("ORGCTL-ORG-001", "account Rooted (200000000004)"),
        ("ORGCTL-ORG-002", "account Closed (200000000005)"),
        ("ORGCTL-ORG-004", "OU Root/L1/L2/L3/L4/L5/L6"),
        ("ORGCTL-ORG-005", "OU Root/Empty"),
        ("ORGCTL-STK-001", "stack broken in 200000000001/eu-west-1"),
        ("ORGCTL-GOV-001", "account Good (200000000001)"),
        ("ORGCTL-GOV-002", "organization o-broken"),
        ("ORGCTL-GOV-003", "organization o-broken"),
        ("ORGCTL-GOV-005", "organization o-broken"),
    ]
    .into_iter()
    .map(|(c, r)| (c.to_string(), r.to_string()))
    .collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:#?}\nunexpected {extra:#?}");
    let scp004 = report["findings"].as_array().unwrap().iter().find(|f| f["check"] == "ORGCTL-SCP-004").unwrap();
    assert!(scp004["message"].as_str().unwrap().contains("organizations:*"), "names the missing exemptions");
    assert_eq!(report["schema"], "orgctl-audit/1");
    assert_eq!(report["summary"]["findings"]["high"], 4);
    assert_eq!(report["inventory"]["stacks"].as_array().unwrap().len(), 2);
    let good = report["inventory"]["accounts"].as_array().unwrap().iter().find(|a| a["name"] == "Good").unwrap();
    let effective: Vec<&str> = good["effective_scps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(
        effective,
        vec!["Big", "DenyLeave", "FullAWSAccess", "RegionDeny", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"],
        "direct, inherited from its OU and from the root"
    );
}

#[test]
fn without_scps_enabled_there_is_one_finding_about_it() {
    let ws = Workspace::quickstart();
    let mut state = broken();
    state.root.scp_enabled = false;
    SandboxProvider::seed(&ws.sandbox, state).unwrap();
    let report: Value = serde_json::from_str(&audit(&ws, &["--format", "json"]).stdout).unwrap();
    let checks: BTreeSet<String> =
        findings(&report).into_iter().map(|(c, _)| c).filter(|c| c.starts_with("ORGCTL-SCP")).collect();
    assert_eq!(checks, BTreeSet::from(["ORGCTL-SCP-001".to_string()]));
}

/// The quickstart with every guard rail on the root: a clean organization.
fn clean(ws: &Workspace) {
    ws.with_every_guard_rail_on_the_root();
    ws.converge();
}

#[test]
fn a_clean_organization_has_no_findings_and_no_drift() {
    let ws = Workspace::quickstart();
    clean(&ws);
    let org = ws.org.to_str().unwrap();
    let run = audit(&ws, &[org, "--format", "json", "--fail-on", "info"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["drift"], json!([]));
    assert_eq!(report["inventory"]["accounts"].as_array().unwrap().len(), 7);
}

#[test]
fn the_quickstart_has_no_high_severity_findings() {
    let ws = Workspace::quickstart();
    ws.converge();
    let run = audit(&ws, &[ws.org.to_str().unwrap(), "--format", "md", "--fail-on", "high"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("| high | 0 |"), "{}", run.stdout);
}

#[test]
fn drift_made_behind_orgctls_back_and_unmanaged_accounts_are_reported() {
    let ws = Workspace::quickstart();
    clean(&ws);
    let mut data = ws.sandbox_json();
    let ous = data["org"]["ous"].as_object_mut().unwrap();
    let sandbox_ou = ous.values_mut().find(|o| o["name"] == "Sandbox").unwrap();
    sandbox_ou["name"] = json!("Playground");
    let accounts = data["org"]["accounts"].as_object_mut().unwrap();
    let (_, template) = accounts.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
    let mut stranger = template;
    stranger["id"] = json!("299999999999");
    stranger["email"] = json!("stranger@example.com");
    stranger["tags"] = json!({});
    accounts.insert("299999999999".into(), stranger);
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();

    let run = audit(&ws, &[ws.org.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let drift = report["drift"].as_array().unwrap();
    assert!(
        drift
            .iter()
            .any(|d| d["summary"] == "rename"
                && d["details"][0].as_str().unwrap().contains("\"Playground\" → \"Sandbox\"")),
        "{drift:#?}"
    );
    assert!(findings(&report).iter().any(|(c, r)| c == "ORGCTL-ORG-003" && r.contains("299999999999")));
}

#[test]
fn fail_on_gates_pipelines_by_severity() {
    let ws = Workspace::quickstart();
    seed_broken(&ws);
    assert_eq!(audit(&ws, &["--fail-on", "high"]).code, Some(3));
    assert_eq!(audit(&ws, &["--fail-on", "critical"]).code, Some(0));
    assert_eq!(audit(&ws, &["--fail-on", "severe"]).code, Some(1), "an unknown severity is an error");
}

#[test]
fn sarif_has_the_required_shape() {
    let ws = Workspace::quickstart();
    seed_broken(&ws);
    let sarif: Value = serde_json::from_str(&audit(&ws, &["--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "orgctl");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule_ids: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(rules.iter().all(|r| r["shortDescription"]["text"].is_string()));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 20);
    for r in results {
        assert!(rule_ids.contains(r["ruleId"].as_str().unwrap()));
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        // Without a file there is no line to point at: the resource is the location.
        assert!(r["locations"][0]["physicalLocation"].is_null(), "{r}");
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string(), "{r}");
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

/// With the file, each SARIF result points at the line that declares its resource: an account's
/// finding at the account in the org file.
#[test]
fn sarif_results_point_at_the_resource_in_the_file() {
    let ws = Workspace::quickstart();
    ws.converge();
    let sarif: Value =
        serde_json::from_str(&audit(&ws, &[ws.org.to_str().unwrap(), "--format", "sarif"]).stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let text = std::fs::read_to_string(&ws.org).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let security = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().starts_with("account Security"))
        .expect("a finding on Security (no SCP keeps it in the organization)");
    let location = &security["locations"][0]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"].as_str().unwrap().ends_with("organization.yml"), "{location}");
    assert_eq!(location["region"]["startLine"], line_of("  SecurityAccount:"), "{location}");
}

#[test]
fn the_html_report_is_self_contained() {
    let ws = Workspace::quickstart();
    seed_broken(&ws);
    let out = ws.dir.path().join("audit.html");
    audit(&ws, &["--format", "html", "-o", out.to_str().unwrap()]).ok();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("id=\"tree\"") && html.contains("id=\"findings\"") && html.contains("id=\"accounts\""));
    for fetch in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(fetch), "the page fetches something: {fetch}");
    }
    assert!(html.contains("L6"), "the deep OU is drawn");
}

/// Names, tags and emails are the organization's data: in the HTML report they are text, never
/// markup (the page is a template that escapes every value).
#[test]
fn the_html_report_shows_hostile_names_as_text() {
    let ws = Workspace::quickstart();
    ws.apply(&[]).ok();
    let mut data = ws.sandbox_json();
    let hostile = "<img src=x onerror=alert(1)>\"'&";
    for account in data["org"]["accounts"].as_object_mut().unwrap().values_mut() {
        account["name"] = serde_json::json!(format!("{hostile} {}", account["name"].as_str().unwrap()));
    }
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
    let out = ws.dir.path().join("audit.html");
    let run = audit(&ws, &["--format", "html", "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("<img"), "a name became markup");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;"), "the name is shown, escaped");
}

#[test]
fn thresholds_can_be_overridden_by_a_config_file() {
    let ws = Workspace::quickstart();
    clean(&ws);
    let config = ws.dir.path().join("audit.yml");
    std::fs::write(&config, "min_password_length: 16\n").unwrap();
    let run = audit(&ws, &["--format", "json", "--config", config.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let got = findings(&report);
    assert_eq!(got.len(), 7, "every account's 14-character minimum is now too short: {got:#?}");
    assert!(got.iter().all(|(c, _)| c == "ORGCTL-PWD-002"));
    std::fs::write(&config, "min_pasword_length: 16\n").unwrap();
    let bad = audit(&ws, &["--config", config.to_str().unwrap()]);
    assert_eq!(bad.code, Some(1));
    assert!(bad.stderr.contains("unknown field `min_pasword_length`"), "{}", bad.stderr);
}

#[test]
fn with_a_task_file_stacks_are_inventoried_and_their_drift_reported() {
    let ws = Workspace::quickstart();
    let tasks = ws.tasks();
    let tasks = tasks.to_str().unwrap();
    ws.run(&["apply", tasks, "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve"]).ok();
    let report: Value = serde_json::from_str(&audit(&ws, &[tasks, "--format", "json"]).stdout).unwrap();
    assert_eq!(report["inventory"]["stacks"].as_array().unwrap().len(), 47);
    assert_eq!(report["drift"], json!([]));
    let template = ws.dir.path().join("landing-zone/encryption/kms-key.yml");
    let text =
        std::fs::read_to_string(&template).unwrap().replace("EnableKeyRotation: true", "EnableKeyRotation: false");
    std::fs::write(&template, text).unwrap();
    let report: Value = serde_json::from_str(&audit(&ws, &[tasks, "--format", "json"]).stdout).unwrap();
    let drift = report["drift"].as_array().unwrap();
    assert_eq!(
        drift.iter().filter(|d| d["subject"].as_str().unwrap().starts_with("stack acme-kms")).count(),
        14,
        "{drift:#?}"
    );
}

/// Drift lists every account, OU and SCP the file does not manage; Markdown escapes the names
/// (a `|` cannot break the table, HTML does not reach the page); the management account says
/// SCPs do not apply to it.
#[test]
fn markdown_drift_lists_what_the_file_does_not_manage_with_names_escaped() {
    let ws = Workspace::quickstart();
    ws.converge();
    let mut data = ws.sandbox_json();
    let root = data["org"]["root"]["id"].as_str().unwrap().to_string();
    data["org"]["ous"]["ou-legacy-1"] =
        json!({"id": "ou-legacy-1", "name": "Legacy|<b>x</b>", "parent_id": root, "tags": {}});
    data["org"]["accounts"]["300000000009"] = json!({
        "id": "300000000009", "name": "Old <i>app</i> | prod", "email": "old@example.com",
        "parent_id": "ou-legacy-1", "status": "ACTIVE", "tags": {}, "alias": null, "password_policy": null
    });
    data["org"]["policies"]["p-manual1"] = json!({
        "id": "p-manual1", "name": "Manual", "description": "", "aws_managed": false, "tags": {}, "targets": [],
        "content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"
    });
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
    let md = audit(&ws, &[ws.org.to_str().unwrap(), "--format", "md"]).stdout;
    assert!(md.contains("Old &lt;i&gt;app&lt;/i&gt; \\| prod"), "{md}");
    assert!(!md.contains("<i>app</i>") && !md.contains("<b>x</b>"), "{md}");
    for unmanaged in [
        "account Old &lt;i&gt;app&lt;/i&gt; \\| prod (300000000009): in the organization, not managed by the file",
        "organizational unit Root/Legacy\\|&lt;b&gt;x&lt;/b&gt; (ou-legacy-1): in the organization, not managed by the file",
        "service control policy Manual (p-manual1): in the organization, not managed by the file",
    ] {
        assert!(md.contains(unmanaged), "{unmanaged}\n{md}");
    }
    assert!(md.contains("none: SCPs do not apply to the management account"), "{md}");
}

/// The region check reasons about what the SCPs allow, not how they are written: an allow-list
/// at the root (FullAWSAccess detached there, an Allow conditioned on aws:RequestedRegion)
/// restricts regions as well as a Deny does — no finding; without it, one.
#[test]
fn a_region_allow_list_counts_as_a_region_restriction() {
    let ws = Workspace::quickstart();
    ws.converge();
    let mut data = ws.sandbox_json();
    let root = data["org"]["root"]["id"].as_str().unwrap().to_string();
    let policies = data["org"]["policies"].as_object_mut().unwrap();
    for p in policies.values_mut() {
        if p["name"] == "FullAWSAccess" || p["name"] == "DenyUnapprovedRegions" {
            p["targets"].as_array_mut().unwrap().retain(|t| t != &json!(root));
        }
    }
    policies.insert("p-euonly".into(), json!({
        "id": "p-euonly", "name": "AllowEuOnly", "description": "", "aws_managed": false, "tags": {}, "targets": [root],
        "content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":[\"eu-west-1\",\"eu-central-1\"]}}},{\"Effect\":\"Allow\",\"Action\":[\"iam:*\",\"organizations:*\",\"sts:*\",\"support:*\",\"budgets:*\",\"route53:*\",\"cloudfront:*\"],\"Resource\":\"*\"}]}"
    }));
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
    let report: Value = serde_json::from_str(&audit(&ws, &["--format", "json"]).stdout).unwrap();
    let found = findings(&report);
    assert!(!found.iter().any(|(c, _)| c == "ORGCTL-SCP-002" || c == "ORGCTL-SCP-003"), "{found:#?}");
    // Global services stay allowed outside the approved regions: no SCP-004 either.
    assert!(!found.iter().any(|(c, _)| c == "ORGCTL-SCP-004"), "{found:#?}");
    // The same organization with FullAWSAccess back at the root: any region again.
    let mut data = ws.sandbox_json();
    let full =
        data["org"]["policies"].as_object_mut().unwrap().values_mut().find(|p| p["name"] == "FullAWSAccess").unwrap();
    full["targets"].as_array_mut().unwrap().push(json!(root));
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
    let report: Value = serde_json::from_str(&audit(&ws, &["--format", "json"]).stdout).unwrap();
    assert!(findings(&report).iter().any(|(c, _)| c == "ORGCTL-SCP-002"), "{report:#}");
}

/// Delegated administrators against the allowed list of the audit config: listed for review
/// (info) without a list, a medium finding when the account is not on it, none when it is.
#[test]
fn delegated_administrators_are_checked_against_the_allowed_list() {
    let ws = Workspace::quickstart();
    seed_broken(&ws);
    let gov001 = |config: Option<&str>| -> Vec<(String, String)> {
        let mut args = vec!["--format", "json"];
        let path = ws.dir.path().join("audit.yml");
        if let Some(text) = config {
            std::fs::write(&path, text).unwrap();
            args.extend(["--config", path.to_str().unwrap()]);
        }
        let report: Value = serde_json::from_str(&audit(&ws, &args).stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "ORGCTL-GOV-001")
            .map(|f| (f["severity"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(
        gov001(None),
        vec![("info".to_string(), "administers guardduty.amazonaws.com for the organization".to_string())]
    );
    let denied = gov001(Some("delegated_admin_accounts: ['Security']\n"));
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].0, "medium");
    assert!(gov001(Some("delegated_admin_accounts: ['Good']\n")).is_empty(), "an allowed account by name");
    assert!(gov001(Some("delegated_admin_accounts: ['200000000001']\n")).is_empty(), "an allowed account by id");
}

/// Centralized root access: a finding when IAM says the features are off, none when they are
/// on, and none when the endpoint cannot say (an emulator without the API).
#[test]
fn centralized_root_access_is_checked_when_iam_can_tell() {
    let ws = Workspace::quickstart();
    ws.converge();
    let gov004 = |features: Value| {
        let mut data = ws.sandbox_json();
        data["governance"] = json!({ "root_access_features": features });
        if data["governance"]["root_access_features"].is_null() {
            data["governance"] = json!({});
        }
        std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
        let report: Value = serde_json::from_str(&audit(&ws, &["--format", "json"]).stdout).unwrap();
        report["findings"].as_array().unwrap().iter().filter(|f| f["check"] == "ORGCTL-GOV-004").count()
    };
    assert_eq!(gov004(json!(["RootCredentialsManagement"])), 1, "RootSessions missing");
    assert_eq!(gov004(json!(["RootCredentialsManagement", "RootSessions"])), 0);
    assert_eq!(gov004(Value::Null), 0, "unknown: no finding");
}
