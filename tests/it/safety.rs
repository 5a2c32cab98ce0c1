//! What a hostile file, a hostile plan or a hostile environment cannot make orgctl do.

use crate::common;
use common::Workspace;
use std::process::{Command, Stdio};

fn orgctl() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("orgctl"));
    cmd.env_remove("ORGCTL_SANDBOX_FAULTS").env_remove("ORGCTL_SANDBOX");
    cmd
}

/// Runs orgctl with a stdout whose reader has gone away, as in `orgctl plan | head -0`.
fn run_with_closed_stdout(ws: &Workspace, args: &[&str]) -> (Option<i32>, String) {
    let mut child = orgctl()
        .current_dir(ws.dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn orgctl");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for orgctl");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_pipe_ends_output_quietly_and_never_panics() {
    let ws = Workspace::quickstart();
    let (org, sandbox) = (ws.org.to_str().unwrap(), ws.sandbox.to_str().unwrap());
    let (code, stderr) = run_with_closed_stdout(&ws, &["plan", org, "--sandbox", sandbox, "--create-sandbox"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    ws.converge();
    let (code, stderr) = run_with_closed_stdout(&ws, &["import", "--sandbox", sandbox]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn names_never_reach_the_terminal_raw() {
    let ws = Workspace::quickstart();
    // An OU name may hold any character (AWS's pattern is [\s\S]*): one that erases the line and
    // forges another must show as escapes.
    ws.edit("OrganizationalUnitName: Sandbox", "OrganizationalUnitName: \"Sandbox\\e[2K\\r+ fake line\\u202e\"");
    let plan = ws.plan(&["--color", "never"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(!plan.stdout.contains('\u{1b}') && !plan.stdout.contains('\r') && !plan.stdout.contains('\u{202e}'));
    assert!(plan.stdout.contains("Sandbox\\u{1b}[2K\\r+ fake line\\u{202e}"), "{}", plan.stdout);
    // The same name in a diagnostic: message and source snippet.
    ws.edit("AccountName: Sandbox", "AccountName: \"Sandbox\\e[31m\"");
    let bad = ws.run(&["validate", "--color", "never", ws.org.to_str().unwrap()]);
    assert_eq!(bad.code, Some(1));
    assert!(!bad.stderr.contains('\u{1b}'), "{}", bad.stderr);
    assert!(bad.stderr.contains("invalid-account-name"), "{}", bad.stderr);
}

/// A converged quickstart with one pending change, saved as a plan; returns the plan as JSON.
fn saved_plan(ws: &Workspace, from: &str, to: &str) -> (std::path::PathBuf, serde_json::Value) {
    ws.converge();
    let cis = ws.dir.path().join("org-templates/password-policy/cis.yml");
    let text = std::fs::read_to_string(&cis).unwrap();
    if text.contains(from) {
        std::fs::write(&cis, text.replacen(from, to, 1)).unwrap();
    } else {
        ws.edit(from, to);
    }
    let file = ws.dir.path().join("plan.json");
    ws.plan(&["--out", file.to_str().unwrap()]).ok();
    let json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (file, json)
}

/// Writes `plan` back, with its digest recomputed as an attacker who knows the format would.
fn write_resealed(file: &std::path::Path, mut plan: serde_json::Value) {
    let typed: orgctl::plan::Plan = serde_json::from_value(plan.clone()).unwrap();
    plan["digest"] = orgctl::plan::saved::digest(&typed).into();
    std::fs::write(file, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
}

fn apply_saved(ws: &Workspace, file: &std::path::Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["apply", file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()];
    args.extend_from_slice(extra);
    ws.run(&args)
}

fn change_of<'a>(plan: &'a mut serde_json::Value, op_type: &str) -> &'a mut serde_json::Value {
    let changes = plan["changes"].as_array_mut().unwrap();
    changes.iter_mut().find(|c| c["operation"]["type"] == op_type).expect("a change of that type")
}

#[test]
fn an_edited_saved_plan_is_refused_by_its_digest() {
    let ws = Workspace::quickstart();
    let (file, mut plan) = saved_plan(&ws, "MinimumPasswordLength: 14", "MinimumPasswordLength: 16");
    let before = ws.sandbox_json();
    change_of(&mut plan, "set_password_policy")["operation"]["policy"]["MinimumPasswordLength"] = 6.into();
    std::fs::write(&file, serde_json::to_string(&plan).unwrap()).unwrap();
    let run = apply_saved(&ws, &file, &["--auto-approve"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("digest does not match"), "{}", run.stderr);
    assert_eq!(ws.sandbox_json(), before, "nothing may change");
}

#[test]
fn apply_shows_what_the_operations_do_not_the_text_stored_in_the_plan() {
    let ws = Workspace::quickstart();
    let (file, mut plan) = saved_plan(&ws, "MinimumPasswordLength: 14", "MinimumPasswordLength: 16");
    let org = ws.state();
    let dev = org.account("aws+development@example.com")["id"].as_str().unwrap().to_string();
    let prod = org.account("aws+production@example.com")["id"].as_str().unwrap().to_string();
    // Weaken the policy and redirect one change to another account, keeping the original text.
    let changes = plan["changes"].as_array_mut().unwrap();
    let to_prod = changes
        .iter_mut()
        .find(|c| c["operation"]["type"] == "set_password_policy" && c["operation"]["account"]["existing"] == prod)
        .unwrap();
    to_prod["operation"]["policy"]["MinimumPasswordLength"] = 6.into();
    let shown_before = to_prod["diff"].clone();
    // Add a detach of the region deny from the root, disguised as a password change.
    let root = org.root_id();
    let region_deny = org.policy_id("DenyUnapprovedRegions");
    let mut detach = to_prod.clone();
    detach["operation"] = serde_json::json!({"type": "detach_policy", "policy_id": region_deny, "target_id": root});
    let n = changes.len();
    detach["id"] = n.into();
    detach["depends_on"] = serde_json::json!([]);
    changes.push(detach);
    let dev_change = changes
        .iter_mut()
        .find(|c| c["operation"]["type"] == "set_password_policy" && c["operation"]["account"]["existing"] != prod)
        .unwrap();
    let redirected_from = dev_change["subject"].as_str().unwrap().to_string();
    dev_change["operation"]["account"]["existing"] = dev.clone().into();
    write_resealed(&file, plan);

    // Without a terminal apply refuses, after showing what the operations really do.
    let run = apply_saved(&ws, &file, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("refusing to apply without confirmation"), "{}", run.stderr);
    assert!(run.stdout.contains("PasswordPolicy.MinimumPasswordLength:  14 → 6"), "{}\n{shown_before}", run.stdout);
    assert!(
        run.stdout.contains("organization root") && run.stdout.contains("detach SCP DenyUnapprovedRegions"),
        "{}",
        run.stdout
    );
    // The redirected change is shown in the block of the account it really acts on.
    let start = run.stdout.find(&format!("account Development ({dev})")).expect("a block for Development");
    let block = run.stdout[start..].split("\n\n").next().unwrap_or_default();
    assert!(
        block.matches("PasswordPolicy.MinimumPasswordLength").count() >= 2,
        "the redirected change ({redirected_from}) must show its real account:\n{}",
        run.stdout
    );
}

#[test]
fn a_plan_with_duplicated_changes_is_refused_without_panicking() {
    let ws = Workspace::quickstart();
    let (file, mut plan) = saved_plan(&ws, "OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let changes = plan["changes"].as_array_mut().unwrap();
    let copies = changes.clone();
    changes.extend(copies);
    write_resealed(&file, plan);
    let run = apply_saved(&ws, &file, &["--auto-approve"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("ids must be 0, 1, 2... in order"), "{}", run.stderr);
}

#[test]
fn a_plan_whose_operations_do_not_fit_the_organization_is_refused() {
    let ws = Workspace::quickstart();
    let (file, plan) = saved_plan(&ws, "OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let before = ws.sandbox_json();
    let org = ws.state();
    let cases: Vec<(serde_json::Value, &str)> = vec![
        // Deleting an OU orgctl does not own (its ownership tag removed from the sandbox below).
        (serde_json::json!({"type": "delete_ou", "ou_id": org.ou("Sandbox")["id"]}), "which orgctl does not own"),
        (
            serde_json::json!({"type": "detach_policy", "policy_id": org.policy_id("FullAWSAccess"), "target_id": org.root_id()}),
            "orgctl never detaches",
        ),
        (
            serde_json::json!({"type": "rename_ou", "ou_id": "ou-nope-12345678", "name": "X"}),
            "is not an OU of this organization",
        ),
        (
            serde_json::json!({"type": "set_alias", "account": {"new": "Ghost"}, "alias": "ghost"}),
            "which no change of the plan creates",
        ),
    ];
    // The Sandbox OU loses its ownership tag, as if someone else made it.
    let mut state = ws.sandbox_json();
    let sandbox_ou = org.ou("Sandbox")["id"].as_str().unwrap().to_string();
    state["org"]["ous"][&sandbox_ou]["tags"].as_object_mut().unwrap().remove("orgctl:logical-id");
    std::fs::write(&ws.sandbox, serde_json::to_string(&state).unwrap()).unwrap();
    let mut plan = plan;
    plan["state_fingerprint"] = serde_json::Value::Null;
    for (op, expected) in cases {
        let mut tampered = plan.clone();
        // Plan against the sandbox as it now is, so that only the operation is wrong.
        let fresh = ws.dir.path().join("fresh.json");
        ws.plan(&["--out", fresh.to_str().unwrap()]).ok();
        let fresh: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
        tampered["state_fingerprint"] = fresh["state_fingerprint"].clone();
        tampered["changes"][0]["operation"] = op;
        write_resealed(&file, tampered);
        let run = apply_saved(&ws, &file, &["--auto-approve"]);
        assert_eq!(run.code, Some(1), "{expected}: {}", run.stdout);
        assert!(run.stderr.contains(expected), "expected '{expected}' in:\n{}", run.stderr);
    }
    let mut after = ws.sandbox_json();
    after["org"]["ous"][&sandbox_ou]["tags"]["orgctl:logical-id"] = "SandboxOU".into();
    assert_eq!(after["org"], before["org"], "nothing may change");
}

#[test]
fn a_locked_sandbox_makes_a_second_run_wait_then_fail_after_the_timeout() {
    let ws = Workspace::quickstart();
    ws.converge();
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(ws.dir.path().join("sandbox.json.lock"))
        .unwrap();
    lock.lock().unwrap();
    let run = ws.plan(&["--lock-timeout", "1s"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("waiting for the lock on"), "{}", run.stderr);
    assert!(run.stderr.contains("is locked by") && run.stderr.contains("--lock-timeout"), "{}", run.stderr);
    // Released while the next run waits: it goes on.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        drop(lock);
    });
    let run = ws.plan(&["--lock-timeout", "20s", "--detailed-exitcode"]);
    releaser.join().unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("waiting for the lock on"), "{}", run.stderr);
}

#[test]
fn two_applies_on_one_sandbox_at_once_lose_nothing() {
    let ws = Workspace::quickstart();
    ws.converge();
    // The same new OUs applied by two runs at the same moment (two CI pipelines): without a lock
    // each run saves its own copy of the file and the OUs are duplicated or lost.
    let mut text = std::fs::read_to_string(&ws.org).unwrap();
    for name in ["Alpha", "Beta"] {
        text.push_str(&format!(
            "\n  {name}OU:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: {name}\n"
        ));
    }
    let (a, b) = (ws.org.with_file_name("a.yml"), ws.org.with_file_name("b.yml"));
    std::fs::write(&a, &text).unwrap();
    std::fs::write(&b, &text).unwrap();
    let spawn = |file: &std::path::Path| {
        orgctl()
            .current_dir(ws.dir.path())
            .args(["apply", file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve"])
            // Each OU takes half a second to create, so that the two runs overlap.
            .env("ORGCTL_SANDBOX_FAULTS", "CreateOrganizationalUnit:slow")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(&a), spawn(&b));
    let mut reported = String::new();
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        reported.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // One run created the OUs; the other waited, planned again and found nothing to do.
    assert_eq!(reported.matches("Apply complete! 2 change(s) made.").count(), 1, "{reported}");
    assert_eq!(reported.matches("No changes.").count(), 1, "{reported}");
    let org = ws.state();
    for name in ["Alpha", "Beta"] {
        let id = org.ou(name)["id"].as_str().unwrap().to_string();
        assert!(
            reported.contains(&format!("({id})")),
            "the OU {name} ({id}) is not the one a run reported:\n{reported}"
        );
    }
}

/// Leaves an apply lock in the sandbox as a run that died would (`expires` in RFC 3339).
fn leave_lock(ws: &Workspace, holder: &str, expires: &str) {
    use orgctl::provider::{lock::LOCK_POLICY_NAME, sandbox::SandboxProvider, Organizations};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let provider = SandboxProvider::open(&ws.sandbox, std::time::Duration::ZERO).unwrap();
        let description = format!("orgctl apply lock; held by {holder}; since 2026-01-01T00:00:00Z; expires {expires}");
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        provider
            .create_policy(crate::common::scp_of(LOCK_POLICY_NAME, &description, document, &Default::default()))
            .await
            .unwrap();
    });
}

fn lock_policies(ws: &Workspace) -> usize {
    let state = ws.sandbox_json();
    let policies = state["org"]["policies"].as_object().unwrap();
    policies.values().filter(|p| p["name"] == "orgctl-apply-lock").count()
}

#[test]
fn a_held_apply_lock_stops_a_second_apply_until_it_is_released() {
    let ws = Workspace::quickstart();
    ws.converge();
    assert_eq!(lock_policies(&ws), 0, "a finished apply releases its lock");
    leave_lock(&ws, "ci@runner-7 (pid 4242)", "2999-01-01T00:00:00Z");
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let refused = ws.apply(&["--lock-timeout", "1s"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stderr.contains("apply lock is held by ci@runner-7 (pid 4242)"), "{}", refused.stderr);
    assert!(refused.stderr.contains("orgctl unlock"), "{}", refused.stderr);
    assert!(ws.state().ou("Prod")["name"] == "Prod", "nothing changed");
    // Reading is not blocked, and never shows the lock.
    let plan = ws.plan(&[]);
    assert!(plan.stdout.contains("Plan: 0 to add, 1 to change"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("orgctl-apply-lock"), "{}", plan.stdout);
    let sandbox = ws.sandbox.to_str().unwrap();
    let imported = ws.run(&["import", "--sandbox", sandbox, "--no-tag"]);
    assert!(!imported.stdout.contains("orgctl-apply-lock"), "{}", imported.stdout);
    let unlocked = ws.run(&["unlock", "--sandbox", sandbox]);
    unlocked.ok();
    assert!(unlocked.stdout.contains("Removed the apply lock held by ci@runner-7 (pid 4242)"), "{}", unlocked.stdout);
    ws.apply(&[]).ok();
    assert_eq!(ws.state().ou("Production")["name"], "Production");
    assert_eq!(lock_policies(&ws), 0);
}

#[test]
fn an_expired_apply_lock_is_taken_over() {
    let ws = Workspace::quickstart();
    ws.converge();
    leave_lock(&ws, "gone@old-runner (pid 1)", "2020-01-01T00:30:00Z");
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let run = ws.apply(&["--lock-timeout", "1s"]);
    run.ok();
    assert!(run.stderr.contains("taking over the expired apply lock of gone@old-runner"), "{}", run.stderr);
    assert_eq!(lock_policies(&ws), 0);
}

#[test]
fn a_changed_root_email_is_reported_and_never_creates_accounts() {
    let ws = Workspace::quickstart();
    ws.converge();
    // The parameter that feeds every RootEmail changes: 7 accounts keep their identity.
    let plan = ws.plan(&["-p", "EmailDomain=new.example.org"]);
    assert_eq!(plan.code, Some(0), "{}\n{}", plan.stdout, plan.stderr);
    // Only the tags that quote an email follow it.
    assert!(plan.stdout.contains("Plan: 0 to add, 2 to change, 0 to move, 0 to remove."), "{}", plan.stdout);
    assert_eq!(plan.stdout.matches("orgctl never changes a root email").count(), 7, "{}", plan.stdout);
    assert!(plan.stdout.contains("the file's RootEmail is aws+production@new.example.org"), "{}", plan.stdout);
    let apply = ws.apply(&["-p", "EmailDomain=new.example.org"]);
    apply.ok();
    assert_eq!(ws.state().accounts().len(), 7, "no account was created");
}

#[test]
fn an_alias_held_by_another_account_is_refused_at_plan_time_unless_it_moves_first() {
    let ws = Workspace::quickstart();
    ws.converge();
    ws.edit("Alias: acme-development", "Alias: acme-production");
    // (The file itself now has a duplicate alias; validation says so first.)
    let dup = ws.plan(&[]);
    assert_eq!(dup.code, Some(1));
    assert!(dup.stderr.contains("duplicate-alias"), "{}", dup.stderr);
    // Prod gives its alias up in the same plan: Dev takes it after.
    ws.edit("Alias: acme-production", "Alias: acme-prod");
    let plan = ws.plan(&["--json"]);
    plan.ok();
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let changes = json["changes"].as_array().unwrap();
    let set = |alias: &str| changes.iter().find(|c| c["operation"]["alias"] == alias).expect("a SetAlias change");
    let (to_dev, to_prod) = (set("acme-production"), set("acme-prod"));
    assert!(to_dev["depends_on"].as_array().unwrap().contains(&to_prod["id"]), "{to_dev}");
    ws.converge();
    assert_eq!(ws.state().account("aws+development@example.com")["alias"], "acme-production");
    // An alias another account keeps: refused before anything runs.
    let mut state = ws.sandbox_json();
    let sandbox_id = ws.state().account("aws+sandbox@example.com")["id"].as_str().unwrap().to_string();
    state["org"]["accounts"][&sandbox_id]["alias"] = "acme-taken".into();
    std::fs::write(&ws.sandbox, serde_json::to_string(&state).unwrap()).unwrap();
    ws.edit("Alias: acme-security", "Alias: acme-taken");
    let taken = ws.plan(&[]);
    assert_eq!(taken.code, Some(1), "{}", taken.stdout);
    assert!(
        taken.stderr.contains("the alias 'acme-taken' is already the alias of account Sandbox"),
        "{}",
        taken.stderr
    );
}

#[test]
fn the_lock_of_a_killed_run_on_this_machine_is_taken_over_at_once() {
    let ws = Workspace::quickstart();
    ws.converge();
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    // A pid that no process has (above the kernel's pid_max default range).
    leave_lock(&ws, &format!("ci@{host} (pid 4194999)"), "2999-01-01T00:00:00Z");
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let run = ws.apply(&["--lock-timeout", "1s"]);
    run.ok();
    assert!(run.stderr.contains("taking over the dead (its process is gone) apply lock"), "{}", run.stderr);
    assert_eq!(lock_policies(&ws), 0);
}

#[test]
fn templates_and_read_file_are_confined_to_the_project() {
    let ws = Workspace::quickstart();
    ws.converge();
    let dir = ws.dir.path().join("landing-zone");
    let org = "OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\n";
    let task = |template: &str| {
        format!("{org}Leak:\n  Type: update-stacks\n  Template: {template}\n  StackName: leak\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n")
    };
    let sandbox = ws.sandbox.to_str().unwrap();
    // A template outside the project.
    let tasks = dir.join("leak-tasks.yml");
    std::fs::write(&tasks, task("/etc/hostname")).unwrap();
    let run = ws.run(&["plan", tasks.to_str().unwrap(), "--sandbox", sandbox]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("/etc/hostname is outside the project"), "{}", run.stderr);
    // A template inside that reads a file outside with !ReadFile.
    let template = "Resources:\n  Param:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: !ReadFile /etc/hostname\n";
    std::fs::write(dir.join("leak.yml"), template).unwrap();
    std::fs::write(&tasks, task("./leak.yml")).unwrap();
    let run = ws.run(&["plan", tasks.to_str().unwrap(), "--sandbox", sandbox]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("/etc/hostname is outside the project"), "{}", run.stderr);
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    assert!(hostname.trim().is_empty() || !run.stdout.contains(hostname.trim()), "{}", run.stdout);
}

#[test]
fn temp_files_a_killed_run_left_are_removed() {
    let ws = Workspace::quickstart();
    ws.converge();
    let stale = ws.dir.path().join(".sandbox.json.orgctl-tmp-AbC123");
    std::fs::write(&stale, "half a write").unwrap();
    ws.plan(&[]).ok();
    assert!(!stale.exists(), "the stale temp file is still there");
}
