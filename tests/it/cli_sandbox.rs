//! End-to-end CLI scenarios on the sandbox organization: what a user does, and what they see.

use crate::common;
use common::Workspace;

const PROD: &str = "aws+production@example.com";
const DEV: &str = "aws+development@example.com";
const SANDBOX: &str = "aws+sandbox@example.com";

#[test]
fn quickstart_from_empty_creates_everything_and_converges() {
    let ws = Workspace::quickstart();
    let plan = ws.plan(&["--detailed-exitcode"]);
    assert_eq!(plan.code, Some(2), "changes pending means exit 2: {}", plan.stderr);
    assert!(plan.stdout.contains("Plan: 13 to add, 2 to change, 0 to move, 0 to remove."), "{}", plan.stdout);
    assert!(plan.stdout.contains("35 operations in dependency order."), "{}", plan.stdout);
    for subject in [
        "+ organizational unit Workloads (WorkloadsOU)",
        "+ account Production (ProductionAccount)",
        "+ service control policy DenyUnapprovedRegions",
    ] {
        assert!(plan.stdout.contains(subject), "plan lacks {subject}");
    }
    ws.converge();

    let org = ws.state();
    assert_eq!(org.ou_count(), 5);
    assert_eq!(org.parent_path_of_account(PROD), "Root/Workloads/Prod");
    assert_eq!(org.parent_path_of_account(DEV), "Root/Workloads/Dev");
    assert_eq!(org.parent_path_of_account("aws+shared-services@example.com"), "Root/Workloads");
    assert_eq!(org.parent_path_of_account("aws+log-archive@example.com"), "Root/Security");
    assert_eq!(org.scps_on(&org.root_id()), vec!["DenyUnapprovedRegions", "FullAWSAccess"]);
    let workloads = org.ou("Workloads");
    assert_eq!(org.scps_on(workloads["id"].as_str().unwrap()), vec!["DenyLeaveOrganization", "FullAWSAccess"]);
    // Every account, the management account included, has the CIS password policy.
    let accounts = org.accounts();
    assert_eq!(accounts.len(), 7);
    for a in accounts {
        let p = &a["password_policy"];
        assert_eq!(p["MinimumPasswordLength"], 14, "{}", a["email"]);
        assert_eq!(p["PasswordReusePrevention"], 24, "{}", a["email"]);
        assert_eq!(p["MaxPasswordAge"], 90, "{}", a["email"]);
        assert_eq!(p["RequireSymbols"], true, "{}", a["email"]);
    }
    assert_eq!(org.account(PROD)["alias"], "acme-production");
    assert_eq!(org.account(PROD)["tags"]["security-contact"], "aws+security@example.com");
    assert_eq!(org.account(PROD)["tags"]["orgctl:logical-id"], "ProductionAccount");
}

#[test]
fn renaming_an_ou_is_an_update_not_a_replacement() {
    let ws = Workspace::quickstart();
    ws.converge();
    let before = ws.state().ou("Prod")["id"].clone();
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let plan = ws.plan(&[]);
    ws.assert_snapshot("rename_ou_plan", &plan.stdout);
    ws.converge();
    let org = ws.state();
    assert_eq!(org.ou("Production")["id"], before, "the OU keeps its id");
    assert_eq!(org.parent_path_of_account(PROD), "Root/Workloads/Production");
}

#[test]
fn moving_an_account_between_ous() {
    let ws = Workspace::quickstart();
    ws.converge();
    let id = ws.state().account(DEV)["id"].clone();
    ws.edit("      Accounts: !Ref DevelopmentAccount\n", "");
    ws.edit("      Accounts: !Ref SandboxAccount", "      Accounts: [!Ref SandboxAccount, !Ref DevelopmentAccount]");
    let plan = ws.plan(&[]);
    ws.assert_snapshot("move_account_plan", &plan.stdout);
    ws.converge();
    let org = ws.state();
    assert_eq!(org.account(DEV)["id"], id);
    assert_eq!(org.parent_path_of_account(DEV), "Root/Sandbox");
}

#[test]
fn swapping_the_scp_on_an_ou_attaches_the_new_one_before_detaching_the_old() {
    let ws = Workspace::quickstart();
    ws.edit(
        "  DenyLeaveOrganizationSCP: !Include",
        "  DenyRootUserSCP: !Include ../../org-templates/scp/deny-root-user.yml\n  DenyLeaveOrganizationSCP: !Include",
    );
    ws.converge();
    ws.edit("ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP", "ServiceControlPolicies: !Ref DenyRootUserSCP");
    let json = ws.plan(&["--json"]);
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let changes = plan["changes"].as_array().unwrap();
    let attach = changes.iter().find(|c| c["operation"]["type"] == "attach_policy").expect("an attach");
    let detach = changes.iter().find(|c| c["operation"]["type"] == "detach_policy").expect("a detach");
    assert!(detach["depends_on"].as_array().unwrap().contains(&attach["id"]), "detach must wait for the attach");
    assert_eq!(plan["summary"]["change"], 1, "one OU changes");
    assert_eq!(plan["summary"]["operations"], 2, "an attach and a detach");
    ws.converge();
    let org = ws.state();
    let workloads = org.ou("Workloads");
    assert_eq!(org.scps_on(workloads["id"].as_str().unwrap()), vec!["DenyRootUser", "FullAWSAccess"]);
    // The old policy is still in the file, so it is kept, only detached.
    assert!(org.policy_names().contains(&"DenyLeaveOrganization".to_string()));
}

#[test]
fn changing_the_password_policy_updates_every_account_with_the_full_policy() {
    let ws = Workspace::quickstart();
    ws.converge();
    let policy = ws.dir.path().join("org-templates/password-policy/cis.yml");
    let text =
        std::fs::read_to_string(&policy).unwrap().replace("MinimumPasswordLength: 14", "MinimumPasswordLength: 16");
    std::fs::write(&policy, text).unwrap();
    let plan = ws.plan(&[]);
    ws.assert_snapshot("password_policy_plan", &plan.stdout);
    ws.converge();
    for a in ws.state().accounts() {
        assert_eq!(a["password_policy"]["MinimumPasswordLength"], 16);
        assert_eq!(a["password_policy"]["PasswordReusePrevention"], 24, "the rest of the policy is kept");
    }
}

#[test]
fn an_account_removed_from_the_file_is_left_in_place_and_reported() {
    let ws = Workspace::quickstart();
    ws.converge();
    ws.remove_resource("SandboxOU");
    ws.remove_resource("SandboxAccount");
    let plan = ws.plan(&["--detailed-exitcode"]);
    ws.assert_snapshot("account_left_in_place_plan", &plan.stdout);
    // The Sandbox OU is gone from the file, but still holds the account: it is kept too.
    assert!(
        plan.stdout.contains("OU Sandbox") && plan.stdout.contains("is kept: it still holds Sandbox"),
        "{}",
        plan.stdout
    );
    assert_eq!(plan.code, Some(0), "nothing to change");
    ws.converge();
    let org = ws.state();
    assert_eq!(org.account(SANDBOX)["status"], "ACTIVE");
    assert_eq!(org.parent_path_of_account(SANDBOX), "Root/Sandbox");
}

#[test]
fn reparenting_an_ou_creates_the_new_one_moves_accounts_and_deletes_the_old() {
    let ws = Workspace::quickstart();
    ws.converge();
    let old_dev = ws.state().ou("Dev")["id"].clone();
    ws.edit("        - !Ref DevOU\n", "");
    ws.edit(
        "      Accounts: !Ref SandboxAccount",
        "      Accounts: !Ref SandboxAccount\n      OrganizationalUnits: !Ref DevOU",
    );
    let json: serde_json::Value = serde_json::from_str(&ws.plan(&["--json"]).stdout).unwrap();
    let changes = json["changes"].as_array().unwrap();
    let types: Vec<&str> = changes.iter().map(|c| c["operation"]["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["create_ou", "move_account", "delete_ou"]);
    assert_eq!(changes[1]["depends_on"], serde_json::json!([0]), "the move waits for the new OU");
    assert_eq!(changes[2]["depends_on"], serde_json::json!([1]), "the delete waits for the move");
    ws.converge();
    let org = ws.state();
    let dev = org.ou("Dev");
    assert_ne!(dev["id"], old_dev);
    assert_eq!(org.path(dev["id"].as_str().unwrap()), "Root/Sandbox/Dev");
    assert_eq!(org.parent_path_of_account(DEV), "Root/Sandbox/Dev");
}

#[test]
fn a_stale_saved_plan_is_refused() {
    let ws = Workspace::quickstart();
    ws.converge();
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let plan_file = ws.dir.path().join("plan.json");
    ws.plan(&["--out", plan_file.to_str().unwrap()]).ok();
    // Someone changes the organization before the saved plan is applied.
    ws.edit("OrganizationalUnitName: Dev", "OrganizationalUnitName: Development");
    ws.apply(&[]).ok();
    let sandbox = ws.sandbox.to_str().unwrap();
    let stale = ws.run(&["apply", plan_file.to_str().unwrap(), "--sandbox", sandbox, "--auto-approve"]);
    assert_eq!(stale.code, Some(1));
    ws.assert_snapshot("stale_saved_plan_refused", &stale.stderr);
}

#[test]
fn a_fresh_saved_plan_is_applied_exactly() {
    let ws = Workspace::quickstart();
    ws.converge();
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let plan_file = ws.dir.path().join("plan.json");
    ws.plan(&["--out", plan_file.to_str().unwrap()]).ok();
    let run =
        ws.run(&["apply", plan_file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve"]);
    run.ok();
    assert!(run.stdout.contains("1 change(s) made"), "{}", run.stdout);
    assert_eq!(ws.plan(&["--detailed-exitcode"]).code, Some(0));
}

#[test]
fn a_failure_mid_apply_skips_only_dependents_and_a_rerun_converges() {
    let ws = Workspace::quickstart();
    let failed = ws.apply_env(&[("ORGCTL_SANDBOX_FAULTS", "CreateOrganizationalUnit:fail:Workloads")]);
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("Apply failed:"), "{}", failed.stderr);
    assert!(failed.stdout.contains("FAILED") && failed.stdout.contains("Workloads"), "{}", failed.stdout);
    // Everything below Workloads waits for it; the rest is done.
    assert!(
        failed.stdout.contains("skipped") && failed.stdout.contains("organizational unit Prod (ProdOU)"),
        "{}",
        failed.stdout
    );
    let org = ws.state();
    assert_eq!(org.parent_path_of_account("aws+security@example.com"), "Root/Security");
    // Production was created (that needs no OU) but its move into Workloads/Prod was skipped.
    assert_eq!(org.parent_path_of_account(PROD), "Root");
    ws.converge();
    assert_eq!(ws.state().parent_path_of_account(PROD), "Root/Workloads/Prod");
}

#[test]
fn a_kill_right_after_create_account_never_creates_a_second_account() {
    let ws = Workspace::quickstart();
    let killed = ws.apply_env(&[("ORGCTL_SANDBOX_FAULTS", "CreateAccount:exit:production")]);
    assert_eq!(killed.code, Some(137), "{}", killed.stderr);
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("create (adopts the unfinished request car-"), "{}", plan.stdout);
    ws.converge();
    assert_eq!(ws.state().accounts_with_email(PROD).len(), 1);
    assert_eq!(ws.state().parent_path_of_account(PROD), "Root/Workloads/Prod");
}

#[test]
fn throttling_is_retried_transparently() {
    let ws = Workspace::quickstart();
    let args = ["apply", ws.org.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve", "-v"];
    let run =
        ws.run_env(&args, &[("ORGCTL_SANDBOX_FAULTS", "CreateOrganizationalUnit:throttle,AttachPolicy:throttle")]);
    run.ok();
    // The throttles did fire (once for each of the 5 OUs and each attachment) and were retried.
    let retried =
        run.stderr.lines().filter(|l| l.contains("retrying") && l.contains("TooManyRequestsException")).count();
    assert!(retried >= 5, "{retried} throttled calls retried:\n{}", run.stderr);
    assert_eq!(ws.plan(&["--detailed-exitcode"]).code, Some(0));
}

#[test]
fn apply_without_a_terminal_refuses_unless_auto_approved() {
    let ws = Workspace::quickstart();
    let run = ws.run(&["apply", ws.org.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("refusing to apply without confirmation"), "{}", run.stderr);
    assert_eq!(ws.state().ou_count(), 0, "nothing was changed");
}

#[test]
fn a_file_for_another_organization_is_refused() {
    let ws = Workspace::quickstart();
    ws.converge();
    ws.edit("AccountId: '111111111111'", "AccountId: '999999999999'");
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(1));
    assert!(
        plan.stderr.contains(
            "the file's MasterAccount is 999999999999, but this organization's management account is 111111111111"
        ),
        "{}",
        plan.stderr
    );
}

#[test]
fn an_invalid_file_never_reaches_the_organization() {
    let ws = Workspace::quickstart();
    ws.edit("RootEmail: !Sub 'aws+sandbox@${EmailDomain}'", "RootEmail: !Sub 'aws+production@${EmailDomain}'");
    let plan = ws.plan(&[]);
    assert_eq!(plan.code, Some(1));
    ws.assert_snapshot("duplicate_email_diagnostic", &plan.stderr);
    assert!(!ws.sandbox.exists(), "the sandbox is not even created");
}

#[test]
fn parameters_can_be_overridden_from_the_command_line() {
    let ws = Workspace::quickstart();
    ws.apply(&["--parameter", "EmailDomain=acme.test"]).ok();
    assert_eq!(ws.state().account("aws+production@acme.test")["name"], "Production");
}

#[test]
fn the_starter_layout_applies_and_converges() {
    let ws = Workspace::quickstart();
    let starter = ws.dir.path().join("org-templates/starter/organization.yml");
    let sandbox = ws.sandbox.to_str().unwrap();
    let starter = starter.to_str().unwrap();
    ws.run(&["apply", starter, "--sandbox", sandbox, "--auto-approve"]).ok();
    let again = ws.run(&["plan", starter, "--sandbox", sandbox, "--detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    let org = ws.state();
    assert_eq!(
        org.scps_on(&org.root_id()),
        vec!["DenyLeaveOrganization", "DenyUnapprovedRegions", "FullAWSAccess", "ProtectOrganizationAccessRole"]
    );
    assert_eq!(org.scps_on(org.ou("Workloads")["id"].as_str().unwrap()), vec!["DenyRootUser", "FullAWSAccess"]);
}

/// `CloseAccountsOnRemoval: true`: an account orgctl manages that leaves the file is closed,
/// shown as a removal; accounts orgctl does not own are never closed.
#[test]
fn close_accounts_on_removal_closes_only_owned_accounts_removed_from_the_file() {
    let ws = Workspace::quickstart();
    ws.converge();
    let foreign = {
        let mut data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ws.sandbox).unwrap()).unwrap();
        let accounts = data["org"]["accounts"].as_object_mut().unwrap();
        let mut copy = accounts.values().next().unwrap().clone();
        copy["id"] = "999999999999".into();
        copy["name"] = "Foreign".into();
        copy["email"] = "foreign@example.com".into();
        copy["tags"] = serde_json::json!({});
        accounts.insert("999999999999".into(), copy);
        std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
        "999999999999"
    };
    ws.edit(
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole",
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole\n      CloseAccountsOnRemoval: true",
    );
    ws.remove_resource("SandboxOU");
    ws.remove_resource("SandboxAccount");
    let plan = ws.plan(&[]);
    // The account orgctl owns is closed; the foreign one, also missing from the file, is not.
    ws.assert_snapshot("close_account_plan", &plan.stdout);
    ws.converge();
    let org = ws.state();
    assert_eq!(org.account(SANDBOX)["status"], "SUSPENDED");
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ws.sandbox).unwrap()).unwrap();
    assert_eq!(data["org"]["accounts"][foreign]["status"], "ACTIVE", "an account orgctl does not own stays open");
}

/// A mistyped --sandbox path is an error naming it, never a plan against a new empty
/// organization; creating a sandbox is explicit (--create-sandbox).
#[test]
fn a_missing_sandbox_is_an_error_unless_its_creation_is_asked_for() {
    let ws = Workspace::quickstart();
    let org = ws.org.to_str().unwrap();
    let typo = ws.dir.path().join("sandbx.json");
    for command in ["plan", "audit"] {
        let run =
            ws.run_env(&[command, org, "--sandbox", typo.to_str().unwrap()], &[("ORGCTL_CREATE_SANDBOX", "false")]);
        assert_eq!(run.code, Some(1), "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("sandbx.json does not exist") && run.stderr.contains("--create-sandbox"),
            "{}",
            run.stderr
        );
        assert!(!typo.exists(), "{command} left a file behind");
    }
    let import = ws.run_env(&["import", "--sandbox", typo.to_str().unwrap()], &[("ORGCTL_CREATE_SANDBOX", "false")]);
    assert_eq!(import.code, Some(1), "{}", import.stderr);
    let created = ws.run_env(&["plan", org, "--sandbox", typo.to_str().unwrap(), "--create-sandbox"], &[]);
    assert_eq!(created.code, Some(0), "{}", created.stderr);
    assert!(typo.exists());
}

/// Boolean environment variables read as users write them (1/0, yes/no, true/false), and an
/// environment default never makes a command invalid where it does not apply: a shell profile's
/// `ORGCTL_CREATE_SANDBOX=1` or `AWS_PROFILE` leaves AWS runs and sandbox runs alone. Written on
/// the command line, the same combinations are errors.
#[test]
fn environment_defaults_read_as_booleans_and_never_invalidate_a_command() {
    let ws = Workspace::quickstart();
    let org = ws.org.to_str().unwrap();
    let fresh = ws.dir.path().join("fresh.json");
    for (value, created) in [("0", false), ("no", false), ("1", true)] {
        let run = ws.run_env(
            &["plan", org, "--sandbox", fresh.to_str().unwrap()],
            &[("ORGCTL_CREATE_SANDBOX", value), ("AWS_PROFILE", "production")],
        );
        assert_eq!(run.code, Some(if created { 0 } else { 1 }), "{value}: {}", run.stderr);
        assert_eq!(fresh.exists(), created, "ORGCTL_CREATE_SANDBOX={value}");
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let endpoint = format!("http://{closed}");
    let aws = [
        ("ORGCTL_CREATE_SANDBOX", "1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "y"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ];
    let on_aws = ws.run_env(&["plan", org], &aws);
    assert!(on_aws.stderr.contains("EndpointUnreachable"), "the AWS run went on to AWS: {}", on_aws.stderr);
    let explicit = ws.run_env(&["plan", org, "--create-sandbox"], &[("ORGCTL_CREATE_SANDBOX", "")]);
    assert_eq!(explicit.code, Some(1));
    assert!(explicit.stderr.contains("--create-sandbox needs --sandbox PATH"), "{}", explicit.stderr);
    let both = ws.run_env(&["plan", org, "--sandbox", fresh.to_str().unwrap(), "--profile", "production"], &[]);
    assert_eq!(both.code, Some(1));
    assert!(both.stderr.contains("--profile and --sandbox"), "{}", both.stderr);
}

/// `-v` on the sandbox logs its reads as well as its writes.
#[test]
fn verbose_plan_on_the_sandbox_logs_its_reads() {
    let ws = Workspace::quickstart();
    ws.converge();
    let run = ws.run(&["-v", "plan", ws.org.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("ListAccounts: read"), "{}", run.stderr);
}

/// Shell completions and the man page come from the clap definitions: every command is there.
#[test]
fn completions_and_man_page_cover_every_command() {
    let ws = Workspace::quickstart();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = ws.run(&["completions", shell]);
        assert_eq!(run.code, Some(0), "{shell}: {}", run.stderr);
        for command in ["validate", "plan", "apply", "import", "audit", "unlock"] {
            assert!(run.stdout.contains(command), "{shell} completion lacks {command}");
        }
    }
    let man = ws.run(&["man"]);
    assert!(
        man.stdout.starts_with(".ie") && man.stdout.contains(".TH orgctl 1"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("plan") && man.stdout.contains("audit"));
}

/// `orgctl show PLAN.json` prints a saved plan as `plan` printed it (or as JSON), and refuses a
/// file edited after it was saved.
#[test]
fn show_prints_a_saved_plan_and_refuses_an_edited_one() {
    let ws = Workspace::quickstart();
    let saved = ws.dir.path().join("plan.json");
    let plan = ws.plan(&["--out", saved.to_str().unwrap()]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    let shown = ws.run(&["show", saved.to_str().unwrap()]);
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    let printed = plan.stdout.split("\nSaved the plan to").next().unwrap();
    assert_eq!(shown.stdout, printed, "show prints what plan printed");
    let json = ws.run(&["show", saved.to_str().unwrap(), "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(value["summary"]["add"].as_u64().unwrap() > 0, "{}", value["summary"]);
    let text = std::fs::read_to_string(&saved).unwrap();
    std::fs::write(&saved, text.replace("aws+security@", "aws+attacker@")).unwrap();
    let edited = ws.run(&["show", saved.to_str().unwrap()]);
    assert_eq!(edited.code, Some(1));
    assert!(edited.stderr.contains("digest"), "{}", edited.stderr);
}

/// A saved plan remembers where it belongs: `orgctl apply PLAN.json` goes there without flags
/// (from any directory), and refuses another organization, naming both.
#[test]
fn a_saved_plan_goes_where_it_was_made() {
    let ws = Workspace::quickstart();
    let saved = ws.dir.path().join("plan.json");
    ws.plan(&["--out", saved.to_str().unwrap()]).ok();
    let other = ws.dir.path().join("other.json");
    let elsewhere = ws.run(&["plan", ws.org.to_str().unwrap(), "--sandbox", other.to_str().unwrap()]);
    assert_eq!(elsewhere.code, Some(0), "{}", elsewhere.stderr);
    let refused = ws.run(&["apply", saved.to_str().unwrap(), "--sandbox", other.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(refused.code, Some(1));
    assert!(refused.stderr.contains("sandbox.json") && refused.stderr.contains("other.json"), "{}", refused.stderr);
    let mut cmd = assert_cmd::Command::cargo_bin("orgctl").unwrap();
    let out = cmd.current_dir("/").args(["apply", saved.to_str().unwrap(), "--auto-approve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Apply complete!"));
    assert_eq!(ws.state().accounts().len(), 7, "the plan's own sandbox got the accounts");
}

/// `apply --json`: one JSON object per line: the plan, an event per change started and done
/// (or failed, or skipped), then the summary.
#[test]
fn apply_json_prints_one_event_per_line_for_ci_logs() {
    let ws = Workspace::quickstart();
    let run = ws.apply(&["--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let events: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let kinds = |k: &str| events.iter().filter(|e| e["event"] == k).count();
    let changes = events[0]["changes"].as_u64().unwrap() as usize;
    assert_eq!(events[0]["event"], "plan");
    assert_eq!((kinds("started"), kinds("done"), kinds("failed")), (changes, changes, 0));
    let last = events.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["done"].as_u64(), last["succeeded"].as_bool()),
        (Some("summary"), Some(changes as u64), Some(true))
    );
    assert!(events.iter().any(|e| e["event"] == "done" && e["created"].is_string()), "created ids are reported");
}

/// AWS failures of the setup read as sentences with what to do, never SDK debug dumps, and an
/// unreachable endpoint is reported within seconds.
#[test]
fn missing_credentials_and_an_unreachable_endpoint_are_sentences() {
    let ws = Workspace::quickstart();
    let org = ws.org.to_str().unwrap();
    let isolated = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SESSION_TOKEN", ""),
        ("AWS_PROFILE", ""),
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = ws.run_env(&["plan", org], &isolated);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("no AWS credentials were found") && run.stderr.contains("aws sso login"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("DispatchFailure("), "{}", run.stderr);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let endpoint = format!("http://{closed}");
    let started = std::time::Instant::now();
    let run = ws.run_env(
        &["plan", org],
        &[
            ("AWS_ACCESS_KEY_ID", "x"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    );
    assert_eq!(run.code, Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(12), "took {:?}", started.elapsed());
    assert!(run.stderr.contains("EndpointUnreachable") && !run.stderr.contains("DispatchFailure("), "{}", run.stderr);
}

/// `--target`: the named resource and what it needs (its OU and that OU's parent), nothing
/// else; the plan says it is partial; a mistyped target is an error with the closest name.
#[test]
fn target_plans_and_applies_one_resource_with_what_it_needs() {
    let ws = Workspace::quickstart();
    let plan = ws.plan(&["--target", "ProductionAccount"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    ws.assert_snapshot("target_plan", &plan.stdout);
    let run = ws.apply(&["--target", "ProductionAccount"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let org = ws.state();
    assert_eq!(org.path(org.account(PROD)["parent_id"].as_str().unwrap()), "Root/Workloads/Prod");
    assert_eq!(org.accounts().len(), 2, "only the management account and Production");
    let wrong = ws.plan(&["--target", "ProductionAcount"]);
    assert_eq!(wrong.code, Some(1));
    ws.assert_snapshot("unknown_target_diagnostic", &wrong.stderr);
}

/// `orgctl explain`: the decision and the statements that make it, with their level and, when a
/// file is given, their line; the management account is not restricted; `--offline` reads the
/// file alone.
#[test]
fn explain_says_what_the_scps_allow_and_why() {
    let ws = Workspace::quickstart();
    ws.converge();
    let sandbox = ws.sandbox.to_str().unwrap();
    let org = ws.org.to_str().unwrap();
    let run = ws.run(&[
        "explain",
        "Production",
        "ec2:RunInstances",
        "--region",
        "ap-south-1",
        "--sandbox",
        sandbox,
        "--file",
        org,
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&ws.org).unwrap();
    let line = text.lines().position(|l| l.starts_with("  RegionDenySCP:")).unwrap() + 1;
    assert!(
        run.stdout.starts_with("DENIED ec2:RunInstances on * in ap-south-1 by account Production"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("deny  by statement DenyAllOutsideApprovedRegions of SCP DenyUnapprovedRegions attached at Root")
            && run.stdout.contains(&format!("organization.yml:{line})")),
        "{}",
        run.stdout
    );
    let allowed =
        ws.run(&["explain", "Production", "ec2:RunInstances", "--region", "eu-west-1", "--sandbox", sandbox, "--json"]);
    let json: serde_json::Value = serde_json::from_str(&allowed.stdout).unwrap();
    assert_eq!(json["allowed"], true);
    assert_eq!(
        json["explanation"]["deciding"].as_array().unwrap().len(),
        4,
        "one allow per level: root, 2 OUs, account"
    );
    let leave = ws.run(&["explain", "Production", "organizations:LeaveOrganization", "--sandbox", sandbox]);
    assert!(leave.stdout.contains("SCP DenyLeaveOrganization attached at OU Root/Workloads"), "{}", leave.stdout);
    let management =
        ws.run(&["explain", "Acme Management", "ec2:RunInstances", "--region", "ap-south-1", "--sandbox", sandbox]);
    assert!(management.stdout.contains("do not apply to the management account"), "{}", management.stdout);
    // The file alone: an account the sandbox does not have yet is evaluated as it will be.
    ws.edit(
        "AccountName: Sandbox\n",
        "AccountName: Sandbox\n      ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP\n",
    );
    let offline = ws.run(&["explain", "SandboxAccount", "organizations:LeaveOrganization", "--file", org, "--offline"]);
    assert!(
        offline.stdout.starts_with("DENIED") && offline.stdout.contains("(the file, once applied)"),
        "{}",
        offline.stdout
    );
    let live = ws.run(&["explain", "Sandbox", "organizations:LeaveOrganization", "--sandbox", sandbox]);
    assert!(live.stdout.starts_with("ALLOWED"), "not applied yet: {}", live.stdout);
}

/// `TrustedServiceAccess` and `DelegatedAdministratorFor`: enabled and registered in order
/// (trusted access first), converged; removed from the file, only what orgctl set up is undone —
/// a service enabled by someone else stays.
#[test]
fn trusted_access_and_delegated_administrators_are_managed_and_only_orgctls_removed() {
    let ws = Workspace::quickstart();
    ws.edit(
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole\n",
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole\n      TrustedServiceAccess: [guardduty.amazonaws.com, sso.amazonaws.com]\n",
    );
    ws.edit(
        "      AccountName: Security\n",
        "      AccountName: Security\n      DelegatedAdministratorFor: guardduty.amazonaws.com\n",
    );
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("enable guardduty.amazonaws.com"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("+ DelegatedAdministratorFor:"),
        "in the new Security account's block: {}",
        plan.stdout
    );
    ws.converge();
    let governance = |ws: &Workspace| ws.sandbox_json()["governance"].clone();
    let security = ws.state().account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    assert_eq!(
        governance(&ws)["trusted_services"],
        serde_json::json!(["guardduty.amazonaws.com", "sso.amazonaws.com"])
    );
    assert_eq!(
        governance(&ws)["delegated_administrators"],
        serde_json::json!([{"account_id": security, "service": "guardduty.amazonaws.com"}])
    );
    // Import writes them; the imported file plans no changes.
    let imported = ws.dir.path().join("imported.yml");
    let run = ws.run(&["import", "--sandbox", ws.sandbox.to_str().unwrap(), "-o", imported.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(text.contains("TrustedServiceAccess") && text.contains("DelegatedAdministratorFor"), "{text}");
    let again =
        ws.run(&["plan", imported.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    // Someone else enables Config; the file drops SSO and the delegation.
    let mut data = ws.sandbox_json();
    data["governance"]["trusted_services"].as_array_mut().unwrap().push("config.amazonaws.com".into());
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
    ws.edit("[guardduty.amazonaws.com, sso.amazonaws.com]", "[guardduty.amazonaws.com]");
    ws.edit("      DelegatedAdministratorFor: guardduty.amazonaws.com\n", "");
    ws.converge();
    let mut trusted: Vec<String> = serde_json::from_value(governance(&ws)["trusted_services"].clone()).unwrap();
    trusted.sort();
    assert_eq!(
        trusted,
        ["config.amazonaws.com", "guardduty.amazonaws.com"],
        "SSO disabled, Config (not orgctl's) kept"
    );
    assert_eq!(governance(&ws)["delegated_administrators"], serde_json::json!([]));
    // The management account cannot administer a service for the organization.
    ws.edit(
        "      AccountName: Acme Management\n",
        "      AccountName: Acme Management\n      DelegatedAdministratorFor: sso.amazonaws.com\n",
    );
    let run = ws.run(&["validate", ws.org.to_str().unwrap()]);
    assert!(run.stderr.contains("management-delegated-administrator"), "{}", run.stderr);
}

/// `AlternateContacts`: set on a new account after it is created, converged, and a changed
/// field is the only difference shown; a contact type the file leaves out is left alone.
#[test]
fn alternate_contacts_are_set_and_converge() {
    let ws = Workspace::quickstart();
    ws.edit(
        "      AccountName: Production\n",
        "      AccountName: Production\n      AlternateContacts:\n        Security:\n          Name: Sec Team\n          Title: CISO office\n          EmailAddress: security@example.com\n          PhoneNumber: '+1 555 0100'\n        Billing:\n          Name: Finance\n          Title: AP\n          EmailAddress: billing@example.com\n          PhoneNumber: '+1 555 0101'\n",
    );
    ws.converge();
    let prod = ws.state().account(PROD)["id"].as_str().unwrap().to_string();
    let contacts = ws.sandbox_json()["contacts"][&prod].clone();
    assert_eq!(contacts["SECURITY"]["email_address"], "security@example.com");
    assert_eq!(contacts["BILLING"]["name"], "Finance");
    assert!(contacts["OPERATIONS"].is_null(), "not in the file: not set");
    ws.edit("Title: CISO office", "Title: Security office");
    let plan = ws.plan(&[]);
    assert!(
        plan.stdout.contains("~ AlternateContacts.Security.Title:  CISO office → Security office"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("AlternateContacts.Security.Name"), "only what changed: {}", plan.stdout);
    ws.converge();
    let bad = "          EmailAddress: billing@example.com\n";
    ws.edit(bad, "          EmailAddress: not-an-email\n");
    let run = ws.run(&["validate", ws.org.to_str().unwrap()]);
    assert!(run.stderr.contains("is not an email address"), "{}", run.stderr);
}

/// `OptInRegions`: opt-in regions enabled or disabled per account, converged; a region that is
/// not an opt-in region is refused before any call.
#[test]
fn opt_in_regions_are_enabled_and_disabled_per_account() {
    let ws = Workspace::quickstart();
    ws.edit(
        "      AccountName: Production\n",
        "      AccountName: Production\n      OptInRegions:\n        Enabled: [af-south-1, me-central-1]\n        Disabled: [ap-east-1]\n",
    );
    let plan = ws.plan(&[]);
    // Only what changes: ap-east-1 is already disabled.
    let regions: Vec<&str> = plan.stdout.lines().filter(|l| l.contains("OptInRegions")).collect();
    ws.assert_snapshot("opt_in_regions_plan", &regions.join("\n"));
    ws.converge();
    let prod = ws.state().account(PROD)["id"].as_str().unwrap().to_string();
    assert_eq!(ws.sandbox_json()["regions"][&prod], serde_json::json!(["af-south-1", "me-central-1"]));
    ws.edit("Enabled: [af-south-1, me-central-1]", "Enabled: [af-south-1]");
    ws.edit("Disabled: [ap-east-1]", "Disabled: [ap-east-1, me-central-1]");
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("disable me-central-1"), "{}", plan.stdout);
    ws.converge();
    assert_eq!(ws.sandbox_json()["regions"][&prod], serde_json::json!(["af-south-1"]));
    ws.edit("Enabled: [af-south-1]", "Enabled: [eu-west-1]");
    let run = ws.run(&["validate", ws.org.to_str().unwrap()]);
    ws.assert_snapshot("not_an_opt_in_region_diagnostic", &run.stderr);
}

#[test]
fn no_more_than_five_account_creations_are_ever_in_progress() {
    // The sandbox refuses a sixth creation in progress, as AWS does; at --concurrency 16 all 12
    // creations are ready at once, and the scheduler starts them five at a time.
    let mut org = String::from("AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Management:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: Acme Management\n      AccountId: '111111111111'\n");
    for a in 0..12 {
        org.push_str(&format!(
            "  Account{a}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Account {a}\n      RootEmail: aws+account{a}@example.com\n      Alias: acme-account-{a}\n"
        ));
    }
    let ws = Workspace::with_file(&org);
    ws.apply(&["--concurrency", "16"]).ok();
    assert_eq!(ws.state().accounts().len(), 13);
    assert_eq!(ws.plan(&["--detailed-exitcode"]).code, Some(0));
}

/// `SupportLevel` as org-formation carries it out: a member account is put on the management
/// account's plan by a support case, asked once (the request is tagged on the account, and AWS
/// Support takes its time); another level, or a management account whose plan differs, is an
/// error before anything is sent.
#[test]
fn support_level_is_asked_of_aws_support_once_and_only_for_the_management_accounts_plan() {
    let ws = Workspace::quickstart();
    ws.edit("      Alias: acme-management\n", "      Alias: acme-management\n      SupportLevel: enterprise\n");
    ws.edit("      Alias: acme-security\n", "      Alias: acme-security\n      SupportLevel: Enterprise\n");
    let run = ws.apply(&[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("account Security (SecurityAccount): ask AWS Support for this support plan"),
        "{}",
        run.stdout
    );
    let state = ws.state();
    let security = state.account("aws+security@example.com");
    let id = security["id"].as_str().unwrap().to_string();
    assert_eq!(ws.sandbox_json()["support_levels"][&id], "enterprise");
    assert_eq!(security["tags"]["orgctl:support-level-requested"], "enterprise");
    assert_eq!(ws.plan(&["--detailed-exitcode"]).code, Some(0), "converged");

    // AWS Support has not acted yet: the plan says so and asks nothing again.
    let mut sandbox = ws.sandbox_json();
    sandbox["support_levels"][&id] = "basic".into();
    std::fs::write(&ws.sandbox, serde_json::to_string(&sandbox).unwrap()).unwrap();
    let waiting = ws.plan(&["--detailed-exitcode"]);
    assert_eq!(waiting.code, Some(0), "{}{}", waiting.stdout, waiting.stderr);
    assert!(waiting.stdout.contains("AWS Support was asked for the enterprise plan"), "{}", waiting.stdout);

    ws.edit("      Alias: acme-production\n", "      Alias: acme-production\n      SupportLevel: business\n");
    let refused = ws.plan(&[]);
    assert_eq!(refused.code, Some(1), "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("[support-level-unavailable]"), "{}", refused.stderr);
    ws.edit("      SupportLevel: enterprise\n", "      SupportLevel: developer\n");
    let refused = ws.plan(&[]);
    assert!(
        refused.stderr.contains("the management account is on the enterprise support plan, not developer"),
        "{}",
        refused.stderr
    );
}

/// An imported file reads the same in YAML 1.1 tools (js-yaml for org-formation, PyYAML,
/// cfn-lint): an SCP's `Version: 2012-10-17` stays text, not a date.
#[test]
fn an_imported_file_reads_the_same_in_a_yaml_1_1_parser() {
    let ws = Workspace::quickstart();
    ws.converge();
    let imported = ws.dir.path().join("imported.yml");
    let run = ws.run(&["import", "--sandbox", ws.sandbox.to_str().unwrap(), "-o", imported.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(python.exists(), "the .venv of scripts/test.sh (PyYAML comes with moto) is needed");
    let script = "import json, sys, yaml\nclass L(yaml.SafeLoader): pass\nfor t in ['!Ref', '!GetAtt', '!Sub']:\n    L.add_constructor(t, lambda l, n: l.construct_scalar(n))\nprint(json.dumps(yaml.load(open(sys.argv[1]), Loader=L), default=lambda v: 'NOT TEXT: ' + repr(v)))\n";
    let out = std::process::Command::new(python).args(["-c", script]).arg(&imported).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = serde_json::to_string(&doc).unwrap();
    assert!(!text.contains("NOT TEXT"), "{text}");
    let versions: Vec<&serde_json::Value> = doc["Organization"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r["Properties"]["PolicyDocument"].get("Version"))
        .collect();
    assert!(!versions.is_empty() && versions.iter().all(|v| *v == "2012-10-17"), "{versions:?}");
}

/// The plan's Policy effect section: narrowing the region allow-list shows exactly the removed
/// region newly denied for exactly the accounts under the root; moving an account out of the OU
/// with the deny-leave SCP shows organizations:LeaveOrganization newly allowed for that account
/// alone; a reformatted SCP has no effect; `plan --json` carries the per-account detail.
#[test]
fn the_plan_shows_what_a_policy_change_does() {
    let ws = Workspace::quickstart();
    ws.converge();
    let org = ws.org.to_str().unwrap();
    let sandbox = ws.sandbox.to_str().unwrap();
    let narrowed = ws.run(&["plan", org, "--sandbox", sandbox, "-p", "AllowedRegions=eu-west-1,us-east-1", "--json"]);
    assert_eq!(narrowed.code, Some(0), "{}", narrowed.stderr);
    let plan: serde_json::Value = serde_json::from_str(&narrowed.stdout).unwrap();
    let groups = plan["policy_effect"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:#?}");
    let mut accounts: Vec<&str> =
        groups[0]["accounts"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    accounts.sort();
    let members: Vec<String> = {
        let state = ws.state();
        let mut names: Vec<String> = state.0["accounts"]
            .as_object()
            .unwrap()
            .values()
            .filter(|a| a["id"] != "111111111111")
            .map(|a| format!("{} ({})", a["name"].as_str().unwrap(), a["id"].as_str().unwrap()))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        accounts,
        members.iter().map(String::as_str).collect::<Vec<_>>(),
        "every member account, not the management account"
    );
    let flips = groups[0]["flips"].as_array().unwrap();
    assert_eq!(flips.len(), 1);
    assert_eq!(flips[0]["direction"], "newly_denied");
    assert_eq!(flips[0]["regions"], serde_json::json!(["eu-central-1"]));
    assert!(flips[0]["decided_by"].as_str().unwrap().contains("DenyAllOutsideApprovedRegions"), "{}", flips[0]);
    let text = ws.run(&["plan", org, "--sandbox", sandbox, "-p", "AllowedRegions=eu-west-1,us-east-1"]);
    assert!(text.stdout.contains("Policy effect") && text.stdout.contains("denied from now on:"), "{}", text.stdout);

    // Production moves from Workloads/Prod (deny-leave on Workloads) to the Security OU.
    let moved = std::fs::read_to_string(&ws.org).unwrap().replace(
        "        - !Ref SecurityAccount\n        - !Ref LogArchiveAccount\n",
        "        - !Ref SecurityAccount\n        - !Ref LogArchiveAccount\n        - !Ref ProductionAccount\n",
    );
    let moved = moved.replace("      Accounts: !Ref ProductionAccount\n", "");
    std::fs::write(&ws.org, moved).unwrap();
    let plan = ws.run(&["plan", org, "--sandbox", sandbox, "--json"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let groups = plan["policy_effect"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:#?}");
    assert_eq!(groups[0]["accounts"].as_array().unwrap().len(), 1);
    assert!(groups[0]["accounts"][0].as_str().unwrap().starts_with("Production ("));
    assert_eq!(groups[0]["under"], "Root/Workloads/Prod", "where the account is now");
    let flip = &groups[0]["flips"][0];
    assert_eq!(flip["direction"], "newly_allowed");
    assert_eq!(flip["actions"], serde_json::json!(["organizations:LeaveOrganization"]));
}

/// A plan whose SCPs would deny what orgctl needs afterwards (assuming its access role in the
/// accounts it manages) is refused, naming the statement, unless --allow-lockout; a policy that
/// only reads differently has no effect.
#[test]
fn a_plan_that_locks_orgctl_out_is_refused_and_a_reformatted_scp_has_no_effect() {
    let ws = Workspace::quickstart();
    ws.converge();
    let org = ws.org.to_str().unwrap();
    let sandbox = ws.sandbox.to_str().unwrap();
    let template = ws.dir.path().join("org-templates/scp/deny-leave-organization.yml");
    let original = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        &template,
        original.replace(
            "        Action: 'organizations:LeaveOrganization'\n",
            "        Action: ['organizations:LeaveOrganization']\n",
        ),
    )
    .unwrap();
    let reformatted = ws.run(&["plan", org, "--sandbox", sandbox]);
    assert_eq!(reformatted.code, Some(0), "{}", reformatted.stderr);
    assert!(reformatted.stdout.contains("the SCP changes have no effect"), "{}", reformatted.stdout);
    std::fs::write(
        &template,
        original.replace(
            "        Resource: '*'\n",
            "        Resource: '*'\n      - Sid: NoAdminRole\n        Effect: Deny\n        Action: sts:AssumeRole\n        Resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole'\n",
        ),
    )
    .unwrap();
    let refused = ws.run(&["plan", org, "--sandbox", sandbox]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stderr.contains("would lock orgctl out"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("sts:AssumeRole in Production") && refused.stderr.contains("NoAdminRole"),
        "{}",
        refused.stderr
    );
    let allowed = ws.run(&["plan", org, "--sandbox", sandbox, "--allow-lockout"]);
    assert_eq!(allowed.code, Some(0), "{}", allowed.stderr);
}

/// `explain` takes wildcards (every action of IAM's catalog they match) and `--diff` (the live
/// organization against the file: the actions the file decides otherwise).
#[test]
fn explain_takes_wildcards_and_compares_the_organization_with_the_file() {
    let ws = Workspace::quickstart();
    ws.converge();
    let sandbox = ws.sandbox.to_str().unwrap();
    let org = ws.org.to_str().unwrap();
    let s3 = ws.run(&["explain", "Production", "s3:*", "--region", "ap-south-1", "--sandbox", sandbox, "--json"]);
    assert_eq!(s3.code, Some(0), "{}", s3.stderr);
    let v: serde_json::Value = serde_json::from_str(&s3.stdout).unwrap();
    assert!(v["matched"].as_u64().unwrap() > 100);
    let denied = v["groups"].as_array().unwrap().iter().find(|g| g["decision"] == "DENIED").unwrap();
    assert!(denied["because"].as_str().unwrap().contains("DenyAllOutsideApprovedRegions"));
    assert!(denied["actions"].as_array().unwrap().iter().any(|a| a == "s3:PutObject"));
    let diff = |extra: &[&str]| {
        let mut args = vec!["explain", "Production", "ec2:*", "--region", "eu-central-1", "--sandbox", sandbox];
        args.extend(["--file", org, "--diff"]);
        args.extend_from_slice(extra);
        ws.run(&args)
    };
    let narrowed = diff(&["-p", "AllowedRegions=eu-west-1,us-east-1", "--json"]);
    assert_eq!(narrowed.code, Some(0), "{}", narrowed.stderr);
    let v: serde_json::Value = serde_json::from_str(&narrowed.stdout).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:#?}");
    assert_eq!(groups[0]["decision"], "ALLOWED → DENIED");
    let same = diff(&[]);
    assert!(same.stdout.contains("decides every one of them as the organization does"), "{}", same.stdout);
}
