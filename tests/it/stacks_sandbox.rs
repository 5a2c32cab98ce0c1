//! Landing-zone tasks on the sandbox: stacks planned, applied in dependency order, values
//! flowing between accounts, failures contained, and stacks pruned only when asked.

use crate::common;
use common::{Run, Workspace};
use serde_json::Value;

fn run_tasks(ws: &Workspace, command: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let tasks = ws.tasks();
    let mut args = vec![command, tasks.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()];
    if command == "apply" {
        args.push("--auto-approve");
    }
    args.extend_from_slice(extra);
    ws.run_env(&args, env)
}

fn stacks(ws: &Workspace) -> Vec<Value> {
    ws.sandbox_json()["stacks"].as_object().map(|m| m.values().cloned().collect()).unwrap_or_default()
}

fn named<'a>(all: &'a [Value], name: &str) -> Vec<&'a Value> {
    all.iter().filter(|s| s["name"] == name).collect()
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn converge(ws: &Workspace, extra: &[&str]) {
    run_tasks(ws, "apply", extra, &[]).ok();
    let again = run_tasks(ws, "plan", &["--detailed-exitcode"], &[]);
    assert_eq!(again.code, Some(0), "not converged:\n{}\n{}", again.stdout, again.stderr);
}

#[test]
fn the_landing_zone_applies_with_values_flowing_between_accounts() {
    let ws = Workspace::quickstart();
    let plan = run_tasks(&ws, "plan", &[], &[]);
    plan.ok();
    assert_eq!(plan.stdout.matches("  + stack ").count(), 47, "{}", plan.stdout);
    converge(&ws, &[]);
    let again = run_tasks(&ws, "plan", &[], &[]);
    assert!(again.stdout.contains("47 stack(s) unchanged"), "{}", again.stdout);

    let all = stacks(&ws);
    assert_eq!(all.len(), 47);
    assert_eq!(named(&all, "acme-kms").len(), 14);
    let org = ws.state();
    let ids: Vec<String> = org.accounts().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    let log = named(&all, "acme-log-archive")[0];
    let writers = log["template"]["Resources"]["LogArchiveBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        [0]["Principal"]["AWS"]
        .as_array()
        .unwrap()
        .clone();
    let mut expected: Vec<String> = ids.iter().map(|id| format!("arn:aws:iam::{id}:root")).collect();
    let mut got: Vec<String> = writers.iter().map(|w| w.as_str().unwrap().to_string()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "EnumTargetAccounts lists every account's real id");
    let security_id = org.account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    let audit = named(&all, "acme-audit-roles");
    let producer = audit.iter().find(|s| s["account_id"] == security_id.as_str()).unwrap();
    let arn = producer["outputs"]["OrgctlAuditorRoleArn"].as_str().unwrap().to_string();
    for consumer in audit.iter().filter(|s| s["account_id"] != security_id.as_str()) {
        let param = consumer["parameters"].as_object().unwrap().values().next().unwrap();
        assert_eq!(param, &Value::String(arn.clone()), "the consumer received the producer's output");
    }
    let budget = named(&all, "acme-budget-alarm");
    assert_eq!(budget.len(), 3);
    let prod_id = org.account("aws+production@example.com")["id"].as_str().unwrap().to_string();
    let prod_budget = budget.iter().find(|s| s["account_id"] == prod_id.as_str()).unwrap();
    assert_eq!(prod_budget["parameters"]["threshold"], "5000", "CurrentAccount's tag, per target");
}

#[test]
fn a_consumer_never_starts_before_its_producer_finishes() {
    for concurrency in ["1", "16"] {
        let ws = Workspace::quickstart();
        let run = run_tasks(&ws, "apply", &["--concurrency", concurrency], &[]);
        run.ok();
        let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("done")).collect();
        let producer = lines.iter().position(|l| l.contains("acme-audit-roles in Security/")).expect("producer line");
        let consumers: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("acme-audit-roles in") && !l.contains("in Security/"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(consumers.len(), 6);
        assert!(
            consumers.iter().all(|c| *c > producer),
            "concurrency {concurrency}: a consumer finished before the producer"
        );
        // Stacks wait for the organization: every account exists before its stacks.
        let first_stack = lines.iter().position(|l| l.contains(" stack ")).unwrap();
        let last_org = lines.iter().rposition(|l| !l.contains(" stack ")).unwrap();
        assert!(first_stack > last_org, "stacks started before the organization was done");
    }
}

#[test]
fn a_failing_stack_skips_exactly_its_dependents_and_a_rerun_recreates_it() {
    let ws = Workspace::quickstart();
    // Create the organization first, to know the Security account's id.
    ws.apply(&[]).ok();
    let security = ws.state().account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    let fault = format!("CreateStack:fail:{security}");
    let failed = run_tasks(&ws, "apply", &[], &[("ORGCTL_SANDBOX_FAULTS", &fault)]);
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("6 failed, 6 skipped"), "{}", failed.stderr);
    let skipped: Vec<&str> = failed.stdout.lines().filter(|l| l.starts_with("skipped")).collect();
    assert!(
        skipped.iter().all(|l| l.contains("acme-audit-roles")),
        "only the producer's consumers are skipped: {skipped:?}"
    );
    let all = stacks(&ws);
    // Every stack of the Security account fails (6), the audit roles that need its auditor role
    // are skipped (6), the 35 others are made.
    assert_eq!(all.len(), 41, "35 stacks made, 6 failed (left ROLLBACK_COMPLETE) and 6 skipped");
    assert_eq!(all.iter().filter(|s| s["status"] == "ROLLBACK_COMPLETE").count(), 6);

    let plan = run_tasks(&ws, "plan", &[], &[]);
    assert_eq!(plan.stdout.matches("create (replaces a stack that failed to create)").count(), 6, "{}", plan.stdout);
    converge(&ws, &[]);
    assert_eq!(stacks(&ws).len(), 47);
}

#[test]
fn stacks_no_longer_targeted_are_removed_only_with_prune_and_termination_protection_holds() {
    let ws = Workspace::quickstart();
    converge(&ws, &[]);
    let tasks = ws.tasks();
    // The log archive and the budgets leave the landing zone.
    let mut text = std::fs::read_to_string(&tasks).unwrap();
    for area in ["Logging:\n", "Cost:\n"] {
        let start = text.find(area).unwrap();
        let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e + 2);
        text.replace_range(start..end, "");
    }
    std::fs::write(&tasks, text).unwrap();

    let plan = run_tasks(&ws, "plan", &["--detailed-exitcode"], &[]);
    assert_eq!(plan.code, Some(0), "without --prune nothing changes: {}", plan.stdout);
    assert_eq!(plan.stdout.matches("it is kept (run with --prune to delete it)").count(), 4, "{}", plan.stdout);

    let pruning = run_tasks(&ws, "plan", &["--prune"], &[]);
    // Three deletions, and the regions recorded on the root shrink (no stack left in us-east-1).
    ws.assert_snapshot("prune_plan", &pruning.stdout);
    run_tasks(&ws, "apply", &["--prune"], &[]).ok();
    let all = stacks(&ws);
    assert!(named(&all, "acme-budget-alarm").is_empty());
    assert_eq!(named(&all, "acme-log-archive").len(), 1, "termination protection kept it");
}

#[test]
fn a_changed_producer_output_reaches_the_consumers_on_the_next_apply() {
    let ws = Workspace::quickstart();
    converge(&ws, &[]);
    let template = ws.dir.path().join("landing-zone/security/audit-role.yml");
    edit(&template, "RoleName: OrgctlAuditor\n", "RoleName: OrgctlAuditorV2\n");
    run_tasks(&ws, "apply", &[], &[]).ok();
    let plan = run_tasks(&ws, "plan", &[], &[]);
    assert_eq!(
        plan.stdout.matches("~ stack acme-audit-roles in").count(),
        6,
        "every consumer takes the new ARN:\n{}",
        plan.stdout
    );
    converge(&ws, &[]);
    let all = stacks(&ws);
    let audit = named(&all, "acme-audit-roles");
    let arn = audit.iter().find_map(|s| s["outputs"]["OrgctlAuditorRoleArn"].as_str()).unwrap().to_string();
    for consumer in audit.iter().filter(|s| s["outputs"].get("OrgctlAuditorRoleArn").is_none()) {
        assert_eq!(consumer["parameters"].as_object().unwrap().values().next().unwrap(), &Value::String(arn.clone()));
    }
}

#[test]
fn a_saved_plan_is_refused_when_stacks_changed_since() {
    let ws = Workspace::quickstart();
    converge(&ws, &[]);
    let template = ws.dir.path().join("landing-zone/encryption/kms-key.yml");
    edit(&template, "EnableKeyRotation: true", "EnableKeyRotation: false");
    let saved = ws.dir.path().join("stacks-plan.json");
    run_tasks(&ws, "plan", &["--out", saved.to_str().unwrap()], &[]).ok();
    // The stacks change behind the saved plan's back (here: someone applies first).
    edit(&template, "EnableKeyRotation: false", "EnableKeyRotation: true\n      PendingWindowInDays: 7");
    run_tasks(&ws, "apply", &[], &[]).ok();
    let stale =
        ws.run(&["apply", saved.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(stale.code, Some(1), "{}", stale.stdout);
    assert!(stale.stderr.contains("the organization changed since this plan was made"), "{}", stale.stderr);
    // A fresh saved plan goes through.
    edit(&template, "PendingWindowInDays: 7", "PendingWindowInDays: 30");
    run_tasks(&ws, "plan", &["--out", saved.to_str().unwrap()], &[]).ok();
    ws.run(&["apply", saved.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--auto-approve"]).ok();
    assert_eq!(run_tasks(&ws, "plan", &["--detailed-exitcode"], &[]).code, Some(0));
}

/// A task file of the test's own, next to the landing zone's (same organization).
fn custom_tasks(ws: &Workspace, tasks: &str, templates: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = ws.dir.path().join("landing-zone");
    for (name, text) in templates {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = dir.join("custom-tasks.yml");
    let org = "OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\n";
    std::fs::write(&path, format!("{org}{tasks}")).unwrap();
    path
}

fn run_file(ws: &Workspace, file: &std::path::Path, command: &str, env: &[(&str, &str)]) -> Run {
    let mut args = vec![command, file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap()];
    if command == "apply" {
        args.push("--auto-approve");
    }
    ws.run_env(&args, env)
}

const TOPIC: &str = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  TopicArn:\n    Value: !Ref Topic\n    Export:\n      Name: !Sub '${AWS::StackName}-topic'\n";

#[test]
fn failed_stack_tolerance_lets_the_tasks_after_it_run() {
    for (tolerance, expect_exit, expect_after) in [(1, 0, true), (0, 1, false)] {
        let ws = Workspace::quickstart();
        ws.apply(&[]).ok();
        let security = ws.state().account("aws+security@example.com")["id"].as_str().unwrap().to_string();
        let file = custom_tasks(
            &ws,
            &format!("Keys:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: keys\n  FailedStackTolerance: {tolerance}\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: [!Ref SecurityAccount, !Ref ProductionAccount]\nAfter:\n  Type: update-stacks\n  DependsOn: Keys\n  Template: ./topic.yml\n  StackName: after\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n"),
            &[("topic.yml", TOPIC)],
        );
        let fault = format!("CreateStack:fail:{security}");
        let run = run_file(&ws, &file, "apply", &[("ORGCTL_SANDBOX_FAULTS", &fault)]);
        assert_eq!(run.code, Some(expect_exit), "tolerance {tolerance}:\n{}\n{}", run.stdout, run.stderr);
        let after_done = run.stdout.lines().any(|l| l.starts_with("done") && l.contains("stack after in Sandbox"));
        assert_eq!(after_done, expect_after, "tolerance {tolerance}:\n{}", run.stdout);
        if tolerance > 0 {
            assert!(run.stdout.contains("within their task's FailedStackTolerance"), "{}", run.stdout);
        }
    }
}

#[test]
fn depends_on_account_deploys_that_accounts_stack_first() {
    let ws = Workspace::quickstart();
    let template = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    DependsOnAccount: !Ref SecurityAccount\n";
    let file = custom_tasks(
        &ws,
        "Topics:\n  Type: update-stacks\n  Template: ./ordered.yml\n  StackName: ordered\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: '*'\n",
        &[("ordered.yml", template)],
    );
    let run = run_file(&ws, &file, "apply", &[]);
    run.ok();
    let lines: Vec<&str> =
        run.stdout.lines().filter(|l| l.starts_with("done") && l.contains("stack ordered")).collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].contains("in Security/"), "Security's stack first: {lines:?}");
}

#[test]
fn copy_value_reads_an_export_from_the_same_or_another_account() {
    let ws = Workspace::quickstart();
    let consumer = "Parameters:\n  local:\n    Type: String\n  remote:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n";
    let file = custom_tasks(
        &ws,
        "Producers:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: producer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: [!Ref SecurityAccount, !Ref ProductionAccount]\nConsumers:\n  Type: update-stacks\n  DependsOn: Producers\n  Template: ./consumer.yml\n  StackName: consumer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n  Parameters:\n    local: !CopyValue producer-topic\n    remote: !CopyValue [producer-topic, !Ref SecurityAccount, eu-west-1]\n",
        &[("topic.yml", TOPIC), ("consumer.yml", consumer)],
    );
    let plan = run_file(&ws, &file, "plan", &[]);
    assert!(
        plan.stdout.contains(
            "Parameters.local:   <export producer-topic of ProductionAccount/eu-west-1, (known after apply)>"
        ),
        "{}",
        plan.stdout
    );
    run_file(&ws, &file, "apply", &[]).ok();
    let all = stacks(&ws);
    let org = ws.state();
    let prod = org.account("aws+production@example.com")["id"].as_str().unwrap().to_string();
    let sec = org.account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    let export = |account: &str| {
        all.iter().find(|s| s["name"] == "producer" && s["account_id"] == account).unwrap()["exports"]["producer-topic"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let consumer = all.iter().find(|s| s["name"] == "consumer").unwrap();
    assert_eq!(consumer["parameters"]["local"], Value::String(export(&prod)));
    assert_eq!(consumer["parameters"]["remote"], Value::String(export(&sec)));
    let again = run_file(&ws, &file, "plan", &[]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn a_skipped_update_organization_leaves_the_organization_alone() {
    let ws = Workspace::quickstart();
    ws.apply(&[]).ok();
    ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    let tasks = ws.tasks();
    edit(
        &tasks,
        "  Template: ../examples/quickstart/organization.yml\n",
        "  Template: ../examples/quickstart/organization.yml\n  Skip: true\n",
    );
    let plan = run_tasks(&ws, "plan", &[], &[]);
    plan.ok();
    assert!(
        plan.stdout.contains("the update-organization task is skipped: 1 organization change(s) left out"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("rename"), "{}", plan.stdout);
}

/// org-formation's functions are evaluated by orgctl, never sent to CloudFormation as text:
/// `!Sub` with account attributes in a template, a task parameter whose default is an
/// expression, and `!CopyValue` whose export name is a `!Sub`.
#[test]
fn org_formation_expressions_are_evaluated_not_deployed_as_text() {
    let ws = Workspace::quickstart();
    let template = "Parameters:\n  mgmt:\n    Type: String\n  copied:\n    Type: String\nResources:\n  Name:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Name: !Sub '${CurrentAccount.AccountId}-${CurrentAccount.Alias}-names'\n      Value: !Sub '${AWS::Region} ${!Literal} ${SecurityAccount.AccountName}'\nOutputs:\n  Named:\n    Value: !Sub '${CurrentAccount.AccountName}'\n";
    let file = custom_tasks(
        &ws,
        "Parameters:\n  management:\n    Type: String\n    Default: !Ref ManagementAccount\n  prefix:\n    Type: String\n    Default: producer\nProducers:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: producer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\nConsumers:\n  Type: update-stacks\n  DependsOn: Producers\n  Template: ./names.yml\n  StackName: names\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n  Parameters:\n    mgmt: !Ref management\n    copied: !CopyValue [!Sub '${prefix}-topic', !Ref SecurityAccount, eu-west-1]\n",
        &[("topic.yml", TOPIC), ("names.yml", template)],
    );
    run_file(&ws, &file, "apply", &[]).ok();
    let all = stacks(&ws);
    let org = ws.state();
    let prod = org.account("aws+production@example.com")["id"].as_str().unwrap().to_string();
    let names = all.iter().find(|s| s["name"] == "names").expect("the names stack");
    let properties = &names["template"]["Resources"]["Name"]["Properties"];
    assert_eq!(properties["Name"], Value::String(format!("{prod}-acme-production-names")), "{properties}");
    assert_eq!(properties["Value"]["Fn::Sub"], "${AWS::Region} ${!Literal} Security", "{properties}");
    assert_eq!(names["template"]["Outputs"]["Named"]["Value"], "Production");
    assert_eq!(names["parameters"]["mgmt"], "111111111111");
    let producer = all.iter().find(|s| s["name"] == "producer").expect("the producer stack");
    assert_eq!(names["parameters"]["copied"], producer["exports"]["producer-topic"]);
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
}

/// The task file's own functions, evaluated for each target: `!FindInMap` over the file's
/// Mappings keyed by the target account, `!Select`/`!Split`, `!MD5`, `!JsonString`, `!Cmd`, and
/// the pseudo references.
#[test]
fn task_file_functions_are_evaluated_for_each_target() {
    let ws = Workspace::quickstart();
    let template = "Parameters:\n  size: {Type: String}\n  third: {Type: String}\n  digest: {Type: String}\n  json: {Type: String}\n  who: {Type: String}\n  where: {Type: String}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
    let file = custom_tasks(
        &ws,
        "Mappings:\n  Sizes:\n    Production: {Size: large}\n    Development: {Size: small}\nTopics:\n  Type: update-stacks\n  Template: ./sized.yml\n  StackName: sized\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: [!Ref ProductionAccount, !Ref DevelopmentAccount]\n  Parameters:\n    size: !FindInMap [Sizes, !GetAtt CurrentAccount.AccountName, Size]\n    third: !Select [2, !Split [',', 'a,b,c']]\n    digest: !MD5 abc\n    json: !JsonString {a: [1, true]}\n    who: !Cmd 'echo deployed-by-$((40 + 2))'\n    where: !Sub '${AWS::Region}/${ORG::StateBucketName}'\n",
        &[("sized.yml", template)],
    );
    let run = run_file(&ws, &file, "apply", &[("ORGCTL_ALLOW_COMMANDS", "1")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let all = stacks(&ws);
    let sized = named(&all, "sized");
    assert_eq!(sized.len(), 2);
    let mut sizes: Vec<&str> = sized.iter().map(|s| s["parameters"]["size"].as_str().unwrap()).collect();
    sizes.sort();
    assert_eq!(sizes, ["large", "small"], "each target reads its own row of the mapping");
    let p = &sized[0]["parameters"];
    assert_eq!(p["third"], "c");
    assert_eq!(p["digest"], "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(p["json"], r#"{"a":[1,true]}"#);
    assert_eq!(p["who"], "deployed-by-42");
    assert_eq!(p["where"], "eu-west-1/organization-formation-111111111111");
    let again = run_file(&ws, &file, "plan", &[("ORGCTL_ALLOW_COMMANDS", "yes")]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// `!Cmd` runs shell code while a file is read: `validate` never runs one, `plan` and `apply`
/// only with `--allow-commands`, else they stop with an error naming the command. The plan says
/// which commands ran.
#[test]
fn commands_run_only_when_allowed_and_never_in_validate() {
    let ws = Workspace::quickstart();
    let template = "Parameters:\n  who: {Type: String}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
    let file = custom_tasks(
        &ws,
        "Topics:\n  Type: update-stacks\n  Template: ./who.yml\n  StackName: who\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n  Parameters:\n    who: !Cmd 'touch ran && echo me'\n",
        &[("who.yml", template)],
    );
    let ran = file.parent().unwrap().join("ran");
    let validate = ws.run(&["validate", file.to_str().unwrap(), "--allow-commands"]);
    assert_eq!(validate.code, Some(0), "{}", validate.stderr);
    assert!(!ran.exists(), "validate ran a command");
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.code, Some(1), "{}", plan.stdout);
    assert!(!ran.exists(), "plan ran a command it was not allowed to");
    assert!(
        plan.stderr.contains("!Cmd `touch ran && echo me` was not run") && plan.stderr.contains("--allow-commands"),
        "{}",
        plan.stderr
    );
    let allowed =
        ws.run(&["plan", file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--allow-commands"]);
    assert_eq!(allowed.code, Some(0), "{}", allowed.stderr);
    assert!(ran.exists());
    assert!(allowed.stdout.contains("Parameters.who:  me"), "{}", allowed.stdout);
    assert!(allowed.stdout.contains("ran !Cmd `touch ran && echo me` in"), "{}", allowed.stdout);

    // A value brought into a command (`Fn::Cmd: !Sub`) is quoted: it reaches the program as it is.
    let hostile = "x'\"$(touch pwned)`touch pwned`; touch pwned";
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("    who: !Cmd 'touch ran && echo me'\n", "    who:\n      Fn::Cmd: !Sub 'printf %s ${value}'\n")
            .replace("Topics:\n", "Parameters:\n  value:\n    Type: String\nTopics:\n"),
    )
    .unwrap();
    let parameter = format!("value={hostile}");
    let quoted = ws.run(&[
        "plan",
        file.to_str().unwrap(),
        "--sandbox",
        ws.sandbox.to_str().unwrap(),
        "--allow-commands",
        "-p",
        &parameter,
        "--json",
    ]);
    assert_eq!(quoted.code, Some(0), "{}", quoted.stderr);
    assert!(quoted.stdout.contains(&serde_json::to_string(hostile).unwrap()), "{}", quoted.stdout);
    assert!(!file.parent().unwrap().join("pwned").exists(), "a value ran as code");
}

/// What a template may say for itself (`Organization:`, `DefaultOrganizationBinding*`) is
/// consumed, never deployed; the task's own bindings reach the template's resources; the
/// stack options (StackPolicy / UpdateProtection, DisableStackRollbacks) reach the stack; a
/// `--parameter` sets a task file parameter.
#[test]
fn template_sections_task_bindings_and_stack_options_are_honoured() {
    let ws = Workspace::quickstart();
    let template = "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization: !Include ../examples/quickstart/organization.yml\nDefaultOrganizationBindingRegion: eu-central-1\nDefaultOrganizationBinding:\n  Account: !Ref SandboxAccount\nParameters:\n  suffix: {Type: String}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub 'topic-${suffix}'\n  Queue:\n    Type: AWS::SQS::Queue\n    OrganizationBinding: !Ref Workloads\n";
    let file = custom_tasks(
        &ws,
        "Parameters:\n  suffix:\n    Type: String\n    Default: one\nOptions:\n  Type: update-stacks\n  Template: ./annotated.yml\n  StackName: annotated\n  UpdateProtection: true\n  DisableStackRollbacks: true\n  Parameters:\n    suffix: !Ref suffix\n  OrganizationBindings:\n    Workloads:\n      Account: !Ref ProductionAccount\n      Region: us-east-1\n",
        &[("annotated.yml", template)],
    );
    let run = ws.run(&[
        "apply",
        file.to_str().unwrap(),
        "--sandbox",
        ws.sandbox.to_str().unwrap(),
        "--auto-approve",
        "-p",
        "suffix=two",
    ]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let all = stacks(&ws);
    let annotated = named(&all, "annotated");
    let places: Vec<(&str, &str)> = annotated
        .iter()
        .map(|s| {
            (
                s["region"].as_str().unwrap(),
                s["template"]["Resources"].as_object().unwrap().keys().next().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(annotated.len(), 2, "the template's default binding and the task's named binding: {places:?}");
    assert!(places.contains(&("eu-central-1", "Topic")) && places.contains(&("us-east-1", "Queue")), "{places:?}");
    for s in &annotated {
        let sections: Vec<&str> = s["template"].as_object().unwrap().keys().map(String::as_str).collect();
        assert!(!sections.iter().any(|k| k.starts_with("DefaultOrganization") || *k == "Organization"), "{sections:?}");
        assert_eq!(s["template"]["AWSTemplateFormatVersion"], "2010-09-09");
        assert!(s["stack_policy"].as_str().unwrap().contains("Update:*"), "{}", s["stack_policy"]);
    }
    let topic = annotated.iter().find(|s| s["region"] == "eu-central-1").unwrap();
    assert_eq!(topic["parameters"]["suffix"], "two", "--parameter reaches the task file");
}

/// Task attributes orgctl cannot honour are refused by name, never accepted and ignored.
#[test]
fn task_attributes_orgctl_cannot_honour_are_refused_by_name() {
    let ws = Workspace::quickstart();
    let cases = [
        ("Template: ./t.yml\n  StackPolicy: {Statement: []}\n  UpdateProtection: true", "conflicting-attributes"),
        ("Template: ./t.yml\n  OrganizationFile: ./other.yml", "organization-file-differs"),
    ];
    for (attributes, code) in cases {
        let file = custom_tasks(
            &ws,
            &format!("T:\n  Type: update-stacks\n  {attributes}\n  StackName: t\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n"),
            &[("t.yml", TOPIC), ("other.yml", "x: 1\n")],
        );
        let run = ws.run(&["validate", file.to_str().unwrap()]);
        assert_eq!(run.code, Some(1), "{attributes}: {}", run.stderr);
        assert!(run.stderr.contains(code), "{attributes}: {}", run.stderr);
    }
    let file = custom_tasks(
        &ws,
        "T:\n  Type: update-stacks\n  Template: ./t.yml\n  StackName: t\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n",
        &[("t.yml", TOPIC)],
    );
    let run = ws.run(&["validate", file.to_str().unwrap()]);
    assert!(
        run.stderr.contains("binding-without-region"),
        "a binding that deploys nowhere is an error: {}",
        run.stderr
    );
}

/// `TemplatingContext`: the template is a nunjucks template rendered before it is read.
#[test]
fn templating_context_renders_the_template_before_it_is_read() {
    let ws = Workspace::quickstart();
    let template = "Resources:\n{% for t in topics %}\n  Topic{{ t }}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {{ prefix }}-{{ t | lower }}\n{% endfor %}\n";
    let file = custom_tasks(
        &ws,
        "Topics:\n  Type: update-stacks\n  Template: ./topics.njk\n  StackName: templated\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n  TemplatingContext:\n    prefix: acme\n    topics: [Alpha, Beta]\n",
        &[("topics.njk", template)],
    );
    run_file(&ws, &file, "apply", &[]).ok();
    let all = stacks(&ws);
    let stack = named(&all, "templated")[0];
    let resources = &stack["template"]["Resources"];
    assert_eq!(resources["TopicAlpha"]["Properties"]["TopicName"], "acme-alpha");
    assert_eq!(resources["TopicBeta"]["Properties"]["TopicName"], "acme-beta");
    let broken = custom_tasks(
        &ws,
        "Topics:\n  Type: update-stacks\n  Template: ./topics.njk\n  StackName: templated\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n  TemplatingContext:\n    prefix: acme\n",
        &[("topics.njk", template)],
    );
    let run = ws.run(&["validate", broken.to_str().unwrap()]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("templating") && run.stderr.contains("topics.njk"), "{}", run.stderr);
}

/// Executable shell scripts named `tools` in `bin/` of the workspace, each `script(tool)`.
fn install_tools(ws: &Workspace, tools: &[&str], script: impl Fn(&str) -> String) -> std::path::PathBuf {
    let bin = ws.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        let path = bin.join(tool);
        std::fs::write(&path, format!("#!/bin/sh\n{}\n", script(tool))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Stand-ins for `npx` and `terraform` that append what they were given (arguments, directory,
/// credentials and region from the environment) to `calls.log`.
fn stand_in_tools(ws: &Workspace) -> (std::path::PathBuf, std::path::PathBuf) {
    let log = ws.dir.path().join("calls.log");
    let bin = install_tools(ws, &["npx", "terraform"], |tool| {
        format!(
            "echo \"{tool} $* | dir=$(basename \"$PWD\") key=$AWS_ACCESS_KEY_ID region=$AWS_REGION cdk=$CDK_DEFAULT_ACCOUNT\" >> {}",
            log.display()
        )
    });
    (bin, log)
}

fn calls(log: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    std::fs::remove_file(log).ok();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Workload tasks run the documented commands once per bound account and region, with that
/// target's credentials; unchanged targets are skipped; a target leaving the binding gets the
/// remove command.
#[test]
fn workload_tasks_run_per_target_skip_when_unchanged_and_remove_when_unbound() {
    let ws = Workspace::quickstart();
    ws.converge();
    let (bin, log) = stand_in_tools(&ws);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let env = [("PATH", path.as_str())];
    let dir = ws.dir.path().join("landing-zone");
    for app in ["cdk-app", "tf-app"] {
        std::fs::create_dir_all(dir.join(app)).unwrap();
        std::fs::write(dir.join(app).join("main.txt"), "v1").unwrap();
    }
    let tasks = |accounts: &str| {
        format!("Cdk:\n  Type: update-cdk\n  Path: ./cdk-app\n  OrganizationBinding:\n    Account: [{accounts}]\n    Region: eu-west-1\n  Parameters:\n    prefix: acme\n    owner: !GetAtt CurrentAccount.AccountName\nTf:\n  Type: apply-tf\n  DependsOn: Cdk\n  Path: ./tf-app\n  OrganizationBinding:\n    Account: !Ref SandboxAccount\n    Region: us-east-1\n  BackendConfig:\n    bucket: state\n  Parameters:\n    size: '2'\n")
    };
    let file = custom_tasks(&ws, &tasks("!Ref ProductionAccount, !Ref DevelopmentAccount"), &[]);
    let org = ws.state();
    let id = |email: &str| org.account(email)["id"].as_str().unwrap().to_string();
    let (prod, dev, sandbox) =
        (id("aws+production@example.com"), id("aws+development@example.com"), id("aws+sandbox@example.com"));
    let plan = run_file(&ws, &file, "plan", &env);
    assert!(plan.stdout.contains("update-cdk Cdk in Production/eu-west-1"), "{}", plan.stdout);
    assert!(!log.exists(), "planning runs nothing");
    let run = run_file(&ws, &file, "apply", &env);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        calls(&log),
        vec![
            format!("npx cdk deploy --all --require-approval=never -c owner=Development -c prefix=acme | dir=cdk-app key=ASIASANDBOX{dev} region=eu-west-1 cdk={dev}"),
            format!("npx cdk deploy --all --require-approval=never -c owner=Production -c prefix=acme | dir=cdk-app key=ASIASANDBOX{prod} region=eu-west-1 cdk={prod}"),
            format!("terraform apply -var size=2 -auto-approve | dir=tf-app key=ASIASANDBOX{sandbox} region=us-east-1 cdk="),
            format!("terraform init -reconfigure -backend-config=bucket=state | dir=tf-app key=ASIASANDBOX{sandbox} region=us-east-1 cdk="),
        ]
    );
    let again = run_file(&ws, &file, "plan", &env);
    assert!(again.stdout.contains("No changes."), "unchanged targets are skipped: {}", again.stdout);
    std::fs::write(dir.join("tf-app/main.txt"), "v2").unwrap();
    let changed = run_file(&ws, &file, "plan", &env);
    assert!(
        changed.stdout.contains("apply-tf Tf in Sandbox/us-east-1") && changed.stdout.contains("run again"),
        "{}",
        changed.stdout
    );
    assert!(!changed.stdout.contains("update-cdk Cdk"), "{}", changed.stdout);
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("!Ref ProductionAccount, !Ref DevelopmentAccount", "!Ref ProductionAccount"),
    )
    .unwrap();
    let run = run_file(&ws, &file, "apply", &env);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let made = calls(&log);
    assert!(made.contains(&format!("npx cdk destroy --all --force -c owner=Development -c prefix=acme | dir=cdk-app key=ASIASANDBOX{dev} region=eu-west-1 cdk={dev}")), "{made:#?}");
    assert!(!made.iter().any(|c| c.contains("cdk deploy")), "{made:#?}");
    let records: Vec<String> = stacks(&ws)
        .iter()
        .filter(|s| s["name"] == "orgctl-workload-Cdk")
        .map(|s| s["account_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(records, vec![prod.clone()], "the removed target's record is gone");
    assert!(run_file(&ws, &file, "plan", &env).stdout.contains("No changes."));
}

/// Conditions and `Fn::If` work in the sandbox as in CloudFormation; an output about a
/// resource a target does not have is left out of that target's stack.
#[test]
fn conditions_work_and_outputs_follow_their_resources() {
    let ws = Workspace::quickstart();
    let template = "OrganizationBindings:\n  Both:\n    Account: [!Ref SandboxAccount, !Ref SecurityAccount]\n  OnlySecurity:\n    Account: !Ref SecurityAccount\nParameters:\n  env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref env, prod]\n  NotProd: !Not [!Condition IsProd]\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    OrganizationBinding: !Ref Both\n  Queue:\n    Type: AWS::SQS::Queue\n    OrganizationBinding: !Ref OnlySecurity\nOutputs:\n  Size:\n    Value: !If [IsProd, large, small]\n  Debug:\n    Condition: NotProd\n    Value: yes\n  QueueUrl:\n    Value: !Ref Queue\n";
    let file = custom_tasks(
        &ws,
        "Conditional:\n  Type: update-stacks\n  Template: ./conditional.yml\n  StackName: conditional\n  DefaultOrganizationBindingRegion: eu-west-1\n",
        &[("conditional.yml", template)],
    );
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let all = stacks(&ws);
    let deployed = named(&all, "conditional");
    assert_eq!(deployed.len(), 2);
    for s in &deployed {
        assert_eq!(s["outputs"]["Size"], "large", "{}", s["outputs"]);
        assert!(s["outputs"].get("Debug").is_none(), "an output whose condition is false is not there");
        let has_queue = s["template"]["Resources"].get("Queue").is_some();
        assert_eq!(s["template"]["Outputs"].get("QueueUrl").is_some(), has_queue, "{}", s["template"]);
    }
}

/// A template parameter may stand for an account in the template's bindings (its default, or
/// the task's value); an Enum format may keep template parameters for CloudFormation; a
/// reference to a resource of the same stack through `Account.Resources` stays local; an empty
/// binding binds nothing.
#[test]
fn template_parameters_reach_bindings_and_enum_formats() {
    let ws = Workspace::quickstart();
    let template = "Parameters:\n  target:\n    Type: String\n    Default: !Ref SandboxAccount\n  roleName:\n    Type: String\n    Default: Reader\nOrganizationBindings:\n  TargetBinding:\n    Account: !Ref target\n  Everyone:\n    Account: '*'\n  Nobody:\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    OrganizationBinding: !Ref TargetBinding\n    Properties:\n      TopicName: !GetAtt SecurityAccount.Resources.Topic.TopicName\n  Unbound:\n    Type: AWS::SQS::Queue\n    OrganizationBinding: !Ref Nobody\nOutputs:\n  Readers:\n    Value: !Join\n      - ','\n      - Fn::EnumTargetAccounts Everyone 'arn:aws:iam::${account}:role/${roleName}'\n";
    let tasks = |target: &str| {
        format!("Targeted:\n  Type: update-stacks\n  Template: ./targeted.yml\n  StackName: targeted\n  DefaultOrganizationBindingRegion: eu-west-1\n  Parameters:\n    target: {target}\n")
    };
    let file = custom_tasks(&ws, &tasks("!Ref SecurityAccount"), &[("targeted.yml", template)]);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let org = ws.state();
    let security = org.account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    let all = stacks(&ws);
    let targeted = named(&all, "targeted");
    assert_eq!(targeted.len(), 1, "only the account the task's parameter names");
    assert_eq!(targeted[0]["account_id"], security.as_str());
    let template = &targeted[0]["template"];
    assert_eq!(
        template["Resources"]["Topic"]["Properties"]["TopicName"],
        serde_json::json!({"Fn::GetAtt": ["Topic", "TopicName"]})
    );
    assert!(template["Resources"].get("Unbound").is_none(), "an empty binding binds nothing");
    let readers = template["Outputs"]["Readers"]["Value"]["Fn::Join"][1].as_array().unwrap();
    assert_eq!(readers.len(), 6);
    assert!(
        readers.iter().all(|r| r["Fn::Sub"].as_str().is_some_and(|s| s.ends_with(":role/${roleName}"))),
        "{readers:?}"
    );
    assert_eq!(targeted[0]["outputs"]["Readers"].as_str().unwrap().matches(":role/Reader").count(), 6);
}

/// `register-type`: the type registered in every bound account and region, skipped while
/// unchanged, deregistered when a target leaves the binding.
#[test]
fn register_type_registers_per_target_and_deregisters_when_unbound() {
    let ws = Workspace::quickstart();
    ws.converge();
    let tasks = |accounts: &str| {
        format!("Delay:\n  Type: register-type\n  ResourceType: Community::CloudFormation::Delay\n  SchemaHandlerPackage: s3://catalog/community-cloudformation-delay-0.1.0.zip\n  OrganizationBinding:\n    Account: [{accounts}]\n    Region: [eu-west-1, us-east-1]\n")
    };
    let file = custom_tasks(&ws, &tasks("!Ref ProductionAccount, !Ref DevelopmentAccount"), &[]);
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.stdout.matches("register-type Delay in").count(), 4, "{}", plan.stdout);
    assert!(plan.stdout.contains("s3://catalog/community-cloudformation-delay-0.1.0.zip"), "{}", plan.stdout);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let types = |ws: &Workspace| -> Vec<String> {
        let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ws.sandbox).unwrap()).unwrap();
        data["types"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(types(&ws).len(), 4);
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("!Ref ProductionAccount, !Ref DevelopmentAccount", "!Ref ProductionAccount"),
    )
    .unwrap();
    run_file(&ws, &file, "apply", &[]).ok();
    assert_eq!(types(&ws).len(), 2, "the development account's registrations are gone");
    let bad = custom_tasks(&ws, "Bad:\n  Type: register-type\n  ResourceType: A::B::C\n  SchemaHandlerPackage: https://example.com/x.zip\n  OrganizationBinding:\n    Account: !Ref SandboxAccount\n    Region: eu-west-1\n", &[]);
    let run = ws.run(&["validate", bad.to_str().unwrap()]);
    assert!(run.stderr.contains("invalid-package"), "{}", run.stderr);
}

/// `!CopyValue` anywhere in a parameter (in a list, in a `!Sub`): its export is a value known
/// after apply, read when the stack deploys; once the export exists, the plan shows its value.
#[test]
fn copy_value_inside_lists_and_sub_is_read_when_the_stack_deploys() {
    let ws = Workspace::quickstart();
    let consumer = "Parameters:\n  arns:\n    Type: CommaDelimitedList\n  named:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n";
    let file = custom_tasks(
        &ws,
        "Producers:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: producer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\nConsumers:\n  Type: update-stacks\n  DependsOn: Producers\n  Template: ./consumer.yml\n  StackName: consumer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n  Parameters:\n    arns:\n    - arn:aws:iam::aws:policy/ReadOnlyAccess\n    - !CopyValue [producer-topic, !Ref SecurityAccount]\n    named: !Sub ['${topic}-alarm', {topic: !CopyValue [producer-topic, !Ref SecurityAccount]}]\n",
        &[("topic.yml", TOPIC), ("consumer.yml", consumer)],
    );
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let all = stacks(&ws);
    let export = all.iter().find(|s| s["name"] == "producer").unwrap()["exports"]["producer-topic"]
        .as_str()
        .unwrap()
        .to_string();
    let consumer = all.iter().find(|s| s["name"] == "consumer").unwrap();
    assert_eq!(
        consumer["parameters"]["arns"],
        Value::String(format!("arn:aws:iam::aws:policy/ReadOnlyAccess,{export}"))
    );
    assert_eq!(consumer["parameters"]["named"], Value::String(format!("{export}-alarm")));
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
}

/// `copy-to-s3`: the file (templated with `TemplatingContext`) put at each target's
/// `RemotePath`; skipped while unchanged; uploaded again when the file changes; the old object
/// deleted when `RemotePath` moves, and the object deleted when its target leaves the binding.
#[test]
fn copy_to_s3_uploads_per_target_and_cleans_up_what_it_wrote() {
    let ws = Workspace::quickstart();
    ws.converge();
    let task = "Upload:\n  Type: copy-to-s3\n  LocalPath: ./settings.json\n  RemotePath: !Sub s3://config-${AWS::AccountId}/settings/${AWS::Region}.json\n  ServerSideEncryption: AES256\n  TemplatingContext:\n    owner: platform\n  OrganizationBinding:\n    Account: [!Ref ProductionAccount, !Ref DevelopmentAccount]\n    Region: eu-west-1\n";
    let file = custom_tasks(&ws, task, &[("settings.json", "{\"owner\": \"{{ owner }}\"}\n")]);
    let objects = |ws: &Workspace| -> serde_json::Map<String, Value> {
        let data: Value = serde_json::from_str(&std::fs::read_to_string(&ws.sandbox).unwrap()).unwrap();
        data["objects"].as_object().cloned().unwrap_or_default()
    };
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.stdout.matches("copy-to-s3 Upload in").count(), 2, "{}", plan.stdout);
    assert!(plan.stdout.contains("/settings/eu-west-1.json"), "{}", plan.stdout);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let written = objects(&ws);
    assert_eq!(written.len(), 2, "{written:?}");
    for (location, object) in &written {
        assert!(location.starts_with("s3://config-") && location.ends_with("/settings/eu-west-1.json"), "{location}");
        assert_eq!(object["text"], "{\"owner\": \"platform\"}\n", "templated before the upload");
        assert_eq!(object["server_side_encryption"], "AES256");
        assert!(location.contains(object["account_id"].as_str().unwrap()), "written with the target's own account");
    }
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
    // The file changes: both targets again.
    std::fs::write(file.with_file_name("settings.json"), "{\"owner\": \"{{ owner }}\", \"v\": 2}\n").unwrap();
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.stdout.matches("copy-to-s3 Upload in").count(), 2, "{}", plan.stdout);
    // RemotePath moves: the new object is written and the old one deleted.
    let edit = |from: &str, to: &str| {
        std::fs::write(&file, std::fs::read_to_string(&file).unwrap().replace(from, to)).unwrap();
    };
    edit("/settings/", "/moved/");
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let written = objects(&ws);
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(written.keys().all(|k| k.contains("/moved/")), "{written:?}");
    // A target leaves the binding: its object goes.
    edit("[!Ref ProductionAccount, !Ref DevelopmentAccount]", "!Ref ProductionAccount");
    let plan = run_file(&ws, &file, "plan", &[]);
    ws.assert_snapshot("workload_removal_plan", &plan.stdout);
    run_file(&ws, &file, "apply", &[]).ok();
    assert_eq!(objects(&ws).len(), 1);
    // A directory is uploaded as one zip (ZipBeforePut), again only when a file in it changes.
    let code = ws.dir.path().join("landing-zone/code");
    std::fs::create_dir_all(code.join("lib")).unwrap();
    std::fs::write(code.join("index.js"), "exports.handler = async () => 1;\n").unwrap();
    std::fs::write(code.join("lib/util.js"), "module.exports = {};\n").unwrap();
    let zipped = custom_tasks(
        &ws,
        "Code:\n  Type: copy-to-s3\n  LocalPath: ./code\n  ZipBeforePut: true\n  RemotePath: !Sub s3://code-${AWS::AccountId}/lambda.zip\n  OrganizationBinding:\n    Account: !Ref ProductionAccount\n    Region: eu-west-1\n",
        &[],
    );
    let run = run_file(&ws, &zipped, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("zipped, "), "{}", run.stdout);
    let zip = objects(&ws).into_iter().find(|(k, _)| k.ends_with("/lambda.zip")).expect("the zip is uploaded").1;
    assert!(zip["size"].as_u64().unwrap() > 100 && zip["text"].is_null(), "{zip:?}");
    assert!(run_file(&ws, &zipped, "plan", &[]).stdout.contains("No changes."), "the same files make the same zip");
    std::fs::write(code.join("lib/util.js"), "module.exports = { v: 2 };\n").unwrap();
    assert!(run_file(&ws, &zipped, "plan", &[]).stdout.contains("copy-to-s3 Code in Production/eu-west-1"));
    // A directory without ZipBeforePut, or templating and zipping at once: refused.
    let flat = custom_tasks(&ws, "Code:\n  Type: copy-to-s3\n  LocalPath: ./code\n  RemotePath: s3://code-bucket/x.zip\n  OrganizationBinding:\n    Account: !Ref ProductionAccount\n    Region: eu-west-1\n", &[]);
    let run = ws.run(&["validate", flat.to_str().unwrap()]);
    assert!(run.stderr.contains("ZipBeforePut: true"), "{}", run.stderr);
    let both = custom_tasks(
        &ws,
        &task.replace("  ServerSideEncryption", "  ZipBeforePut: true\n  ServerSideEncryption"),
        &[("settings.json", "{}")],
    );
    let run = ws.run(&["validate", both.to_str().unwrap()]);
    assert!(run.stderr.contains("conflicting-attributes"), "{}", run.stderr);
    // A file outside the project is never uploaded (a hostile task file cannot exfiltrate it).
    let outside = custom_tasks(&ws, &task.replace("./settings.json", "/etc/passwd"), &[("settings.json", "{}")]);
    let run = ws.run(&["validate", outside.to_str().unwrap()]);
    assert!(run.stderr.contains("file-outside-project"), "{}", run.stderr);
    let bad = custom_tasks(&ws, &task.replace("s3://config-", "s3://Config_"), &[("settings.json", "{}")]);
    let run = run_file(&ws, &bad, "plan", &[]);
    assert!(run.stderr.contains("not an S3 bucket name"), "{}", run.stderr);
}

/// `annotate-organization`: no organization file; the accounts are the live organization's,
/// named by `AccountMapping` or by their names, `ExcludeAccounts` out of every binding, and the
/// organization itself never changed.
#[test]
fn annotate_organization_binds_the_live_accounts_and_leaves_the_organization_alone() {
    // (Its attributes may come from the task file's parameters, as in org-formation's own
    // security-hub landing zone.)
    let ws = Workspace::quickstart();
    ws.converge();
    let id_of = |email: &str| ws.state().account(email)["id"].as_str().unwrap().to_string();
    let (production, sandbox) = (id_of("aws+production@example.com"), id_of("aws+sandbox@example.com"));
    let dir = ws.dir.path().join("landing-zone");
    std::fs::write(dir.join("topic.yml"), TOPIC).unwrap();
    let file = dir.join("annotated-tasks.yml");
    std::fs::write(
        &file,
        format!("Parameters:\n  excluded:\n    Type: List<String>\n    Default: ['{sandbox}']\n  productionId:\n    Type: String\n    Default: '{production}'\nAnnotate:\n  Type: annotate-organization\n  ExcludeAccounts: !Ref excluded\n  AccountMapping:\n    Prod: !Ref productionId\nTopics:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: topics\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: '*'\nProdOnly:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: prod-topic\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: [!Ref Prod, !Ref Development]\n"),
    )
    .unwrap();
    let run = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("live organization"), "{}", run.stdout);
    // (orgctl's own bookkeeping, the regions it has stacks in, is a tag on the root.)
    let structure = |ws: &Workspace| {
        let org = ws.sandbox_json()["org"].clone();
        (org["ous"].clone(), org["accounts"].clone(), org["policies"].clone())
    };
    let before = structure(&ws);
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    // The accounts annotated in the file get the stack; Sandbox, excluded, is in no binding.
    ws.assert_snapshot("annotated_organization_plan", &plan.stdout);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(structure(&ws) == before, "the organization is not changed");
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
    let deployed: Vec<String> = stacks(&ws)
        .iter()
        .filter(|s| s["name"] == "topics")
        .map(|s| s["account_id"].as_str().unwrap().into())
        .collect();
    assert_eq!(deployed.len(), 5, "every member account but the excluded one: {deployed:?}");
    assert!(!deployed.contains(&sandbox));
    // Both kinds of organization task in one file: refused.
    std::fs::write(
        &file,
        format!(
            "{}OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\n",
            std::fs::read_to_string(&file).unwrap()
        ),
    )
    .unwrap();
    let run = ws.run(&["validate", file.to_str().unwrap()]);
    assert!(run.stderr.contains("annotate-and-update-organization"), "{}", run.stderr);
}

/// Serves `body` to every HTTP request on a free 127.0.0.1 port, counting requests.
fn serve(body: &'static str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let answer =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (address, served)
}

/// `Template: s3://…` and `Template: https://…`: fetched when planning (S3 as the management
/// account), checked and deployed like a file; `validate` says it cannot check them.
#[test]
fn templates_named_by_url_are_fetched_when_planning() {
    let ws = Workspace::quickstart();
    ws.converge();
    let (url, served) = serve(TOPIC);
    // A template put in S3 by a copy-to-s3 task of a first run.
    let upload = custom_tasks(
        &ws,
        "Upload:\n  Type: copy-to-s3\n  LocalPath: ./topic.yml\n  RemotePath: s3://acme-templates/topic.yml\n  OrganizationBinding:\n    IncludeMasterAccount: true\n    Region: eu-west-1\n",
        &[("topic.yml", TOPIC)],
    );
    assert_eq!(run_file(&ws, &upload, "apply", &[]).code, Some(0));
    let file = custom_tasks(
        &ws,
        &format!("FromS3:\n  Type: update-stacks\n  Template: s3://acme-templates/topic.yml\n  StackName: from-s3\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\nFromWeb:\n  Type: update-stacks\n  Template: {url}/templates/topic.yml\n  StackName: from-web\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n"),
        &[],
    );
    let run = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.matches("template-not-fetched").count(), 2, "{}", run.stderr);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let all = stacks(&ws);
    for name in ["from-s3", "from-web"] {
        let deployed = named(&all, name);
        assert_eq!(deployed.len(), 1, "{name}");
        assert!(
            deployed[0]["template"]["Resources"]["Topic"]["Type"] == "AWS::SNS::Topic",
            "{name}: {:?}",
            deployed[0]
        );
    }
    assert!(served.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert!(run_file(&ws, &file, "plan", &[]).stdout.contains("No changes."));
    // A missing object is an error naming it, before anything is sent.
    std::fs::write(
        &file,
        std::fs::read_to_string(&file).unwrap().replace("acme-templates/topic.yml", "acme-templates/none.yml"),
    )
    .unwrap();
    let run = run_file(&ws, &file, "plan", &[]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("s3://acme-templates/none.yml"), "{}", run.stderr);
}

/// A task file names the organization as org-formation's do: `!Ref` of the root or of an OU (one
/// this apply creates too) is its id; `TaskViaRoleArn` and `CloudFormationRoleName` are evaluated
/// per target; and a `!CopyValue` of an export another task creates orders the two stacks without
/// any `DependsOn` (the consumer comes first in the file).
#[test]
fn task_files_name_the_organization_and_copy_value_orders_the_stacks() {
    let ws = Workspace::quickstart();
    let consumer = "Parameters:\n  targets:\n    Type: CommaDelimitedList\n  topic:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n";
    let file = custom_tasks(
        &ws,
        "Consumer:\n  Type: update-stacks\n  Template: ./consumer.yml\n  StackName: consumer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\n  TaskViaRoleArn: !Sub 'arn:aws:iam::${ManagementAccount}:role/${ManagementAccount.BuildAccessRoleName}'\n  CloudFormationRoleName: !Sub '${CurrentAccount.Alias}-cfn'\n  Parameters:\n    targets: [!Ref OrganizationRoot, !Ref ProdOU]\n    topic: !CopyValue [producer-topic, !Ref SecurityAccount]\nProducer:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: producer\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\n",
        &[("topic.yml", TOPIC), ("consumer.yml", consumer)],
    );
    let validate = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}{}", validate.stdout, validate.stderr);
    let plan = ws.run(&["plan", file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let spec = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["operation"]["spec"].as_object().filter(|s| s["name"] == "consumer"))
        .cloned()
        .unwrap_or_else(|| panic!("no consumer stack in {plan:#}"));
    let management = ws.state().account("aws+management@example.com")["id"].as_str().unwrap().to_string();
    let via = spec["via_role_arn"].to_string();
    assert!(via.contains(&format!("arn:aws:iam::{management}:role/")) && !via.contains("known after"), "{via}");
    assert!(spec["role_arn"].to_string().contains(":role/acme-security-cfn"), "{}", spec["role_arn"]);

    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let done: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("done") && l.contains("+ stack")).collect();
    let position = |name: &str| done.iter().position(|l| l.contains(&format!("stack {name} "))).unwrap();
    assert!(position("producer") < position("consumer"), "{done:#?}");
    let org = ws.state();
    let all = stacks(&ws);
    let consumer = named(&all, "consumer")[0];
    let prod_ou = org.ou("Prod")["id"].as_str().unwrap().to_string();
    assert_eq!(consumer["parameters"]["targets"], Value::String(format!("{},{prod_ou}", org.root_id())));
    assert_eq!(consumer["parameters"]["topic"], named(&all, "producer")[0]["exports"]["producer-topic"]);
    let again = run_file(&ws, &file, "plan", &[]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// org-formation's looser forms: a binding written in place under `ForeachAccount`, a
/// `StackDescription` that names accounts (evaluated per target), and a `Skip` that is not a
/// boolean (a warning; the task runs, as org-formation runs it).
#[test]
fn inline_foreach_per_target_descriptions_and_a_non_boolean_skip() {
    let ws = Workspace::quickstart();
    let template = "Resources:\n  Grant:\n    Type: AWS::SNS::Topic\n    ForeachAccount:\n      Account: [!Ref ProductionAccount, !Ref DevelopmentAccount]\n";
    let file = custom_tasks(
        &ws,
        "Grants:\n  Type: update-stacks\n  Skip: SkipGrants\n  Template: ./grants.yml\n  StackName: grants\n  StackDescription: !Sub 'grants in ${CurrentAccount.Alias} for ${SecurityAccount}'\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\n",
        &[("grants.yml", template)],
    );
    let validate = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}{}", validate.stdout, validate.stderr);
    assert!(
        validate.stderr.contains("[skip-not-boolean]") && validate.stderr.contains("the task runs"),
        "{}",
        validate.stderr
    );
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let all = stacks(&ws);
    let grants = named(&all, "grants");
    assert_eq!(grants.len(), 1, "the task ran");
    let resources: Vec<&String> = grants[0]["template"]["Resources"].as_object().unwrap().keys().collect();
    assert_eq!(resources.len(), 2, "one copy per account of the inline binding: {resources:?}");
    let security = ws.state().account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    assert_eq!(grants[0]["template"]["Description"], format!("grants in acme-security for {security}"));
    let again = run_file(&ws, &file, "plan", &[]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// A change skipped through two paths at once (it needs a failed change directly and through a
/// change that is skipped too) is skipped once, and the progress count never passes the number
/// of changes. (The tasks come in the file before what they depend on.)
#[test]
fn a_change_skipped_through_two_paths_is_skipped_once() {
    let ws = Workspace::quickstart();
    ws.apply(&[]).ok();
    let security = ws.state().account("aws+security@example.com")["id"].as_str().unwrap().to_string();
    let fault = format!("CreateStack:fail:{security}");
    let stack = |name: &str, depends: &str, account: &str| {
        format!("{name}:\n  Type: update-stacks\n{depends}  Template: ./topic.yml\n  StackName: {}\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref {account}\n", name.to_lowercase())
    };
    let tasks = [
        stack("Last", "  DependsOn: [Keys, Middle]\n", "SandboxAccount"),
        stack("Middle", "  DependsOn: Keys\n", "ProductionAccount"),
        stack("Keys", "", "SecurityAccount"),
    ];
    let file = custom_tasks(&ws, &tasks.concat(), &[("topic.yml", TOPIC)]);
    let run = run_file(&ws, &file, "apply", &[("ORGCTL_SANDBOX_FAULTS", &fault)]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let skipped: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("skipped")).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(run.stderr.contains("1 failed, 2 skipped"), "{}", run.stderr);
    for line in run.stdout.lines() {
        let counted = line.split('[').nth(1).and_then(|r| r.split(']').next()).and_then(|c| c.split_once('/'));
        if let Some((k, n)) = counted.and_then(|(k, n)| Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?))) {
            assert!(k <= n, "{line}");
        }
    }
}

/// Forms org-formation's own test files use: the old names `OrganizationBinding` /
/// `OrganizationBindingRegion` on a task (a warning each), an `include` with a
/// `TemplatingContext` (the included file is rendered first), `DependsOnAccount` naming a
/// parameter that stands for an account, a binding without a region (a warning: it deploys
/// nothing), `DeletionProtection` (a warning: it does nothing); `TaskRoleName` on
/// update-organization is the role the organization is reached through.
#[test]
fn org_formation_older_forms_are_read_as_org_formation_reads_them() {
    let ws = Workspace::quickstart();
    let dir = ws.dir.path().join("landing-zone");
    let ordered = "Parameters:\n  first:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    DependsOnAccount: !Ref first\n";
    std::fs::write(dir.join("included.njk"), "{% for team in teams %}\nTopic{{ team }}:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: team-{{ team }}\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n{% endfor %}\n").unwrap();
    let file = custom_tasks(
        &ws,
        "Old:\n  Type: update-stacks\n  Template: ./ordered.yml\n  StackName: old\n  Parameters:\n    first: !Ref SecurityAccount\n  DeletionProtection: true\n  OrganizationBindingRegion: eu-west-1\n  OrganizationBinding:\n    Account: [!Ref SecurityAccount, !Ref ProductionAccount]\nTeams:\n  Type: include\n  Path: ./included.njk\n  TemplatingContext:\n    teams: [red, blue]\nUnplaced:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: unplaced\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n",
        &[("topic.yml", TOPIC), ("ordered.yml", ordered)],
    );
    let validate = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}{}", validate.stdout, validate.stderr);
    for expected in [
        "OrganizationBinding is the old name of DefaultOrganizationBinding",
        "OrganizationBindingRegion is the old name of DefaultOrganizationBindingRegion",
        "DefaultOrganizationBinding has no Region, and there is no DefaultOrganizationBindingRegion: it deploys nothing",
        "DeletionProtection does nothing",
    ] {
        assert!(validate.stderr.contains(expected), "{expected}:\n{}", validate.stderr);
    }
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let done: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("done") && l.contains("stack old ")).collect();
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done[0].contains("in Security/"), "DependsOnAccount through a parameter: {done:?}");
    let all = stacks(&ws);
    assert_eq!(named(&all, "team-red").len() + named(&all, "team-blue").len(), 2, "the rendered include");
    assert!(named(&all, "unplaced").is_empty());

    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("  Template: ../examples", "  TaskRoleName: OrgRole\n  Template: ../examples"),
    )
    .unwrap();
    let validate = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}", validate.stderr);
    let plan = run_file(&ws, &file, "plan", &[]);
    let json = ws.run(&["plan", file.to_str().unwrap(), "--sandbox", ws.sandbox.to_str().unwrap(), "--json"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["access_roles"]["organization_role"], "OrgRole", "the organization is reached through it");
}

/// Stand-ins for `npx` and `tool` that write the arguments they were given, NUL-separated, to
/// `calls-<tool>` in the workspace.
fn recording_tools(ws: &Workspace) -> std::path::PathBuf {
    let dir = ws.dir.path().to_path_buf();
    install_tools(ws, &["npx", "tool"], |tool| {
        format!("printf '%s\\0' \"$@\" > '{}'", dir.join(format!("calls-{tool}")).display())
    })
}

fn arguments_of(ws: &Workspace, tool: &str) -> Vec<String> {
    let bytes = std::fs::read(ws.dir.path().join(format!("calls-{tool}"))).unwrap_or_default();
    String::from_utf8_lossy(&bytes).split_terminator('\0').map(str::to_string).collect()
}

/// A value is data, never code: values with quotes, `$()`, backticks, `;`, newlines and spaces,
/// from a `-p`, another account's stack output (`!CopyValue`, read when the workload runs) and
/// an account's name, reach a workload's documented command and a `CustomDeployCommand` byte for
/// byte, and nothing in them runs.
#[test]
fn hostile_values_reach_workload_tools_byte_for_byte_and_never_run() {
    let ws = Workspace::quickstart();
    let name = "Sb' \"$(touch pwned)\" `touch pwned`; touch pwned";
    ws.edit("AccountName: Sandbox", &format!("AccountName: '{}'", name.replace('\'', "''")));
    ws.converge();
    let bin = recording_tools(&ws);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let env = [("PATH", path.as_str())];
    let dir = ws.dir.path().join("landing-zone");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/main.txt"), "v1").unwrap();
    let from_p = "p' \"$(touch pwned)\" `touch pwned`; touch pwned\nsecond line \\ end";
    let output = "o' \"$(touch pwned)\" `touch pwned`; touch pwned && touch pwned";
    let producer = "Parameters:\n  Value:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  Value:\n    Value: !Ref Value\n    Export:\n      Name: hostile-output\n";
    let binding = "  OrganizationBinding:\n    Account: !Ref SandboxAccount\n    Region: eu-west-1\n";
    let tasks = format!(
        "Parameters:\n  fromP:\n    Type: String\n    Default: plain\nProducer:\n  Type: update-stacks\n  Template: ./producer.yml\n  StackName: producer\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n    Region: eu-west-1\n  Parameters:\n    Value: '{}'\nDocumented:\n  Type: update-cdk\n  DependsOn: Producer\n  Path: ./app\n{binding}  Parameters:\n    fromP: !Ref fromP\n    output: !CopyValue hostile-output\n    name: !GetAtt CurrentAccount.AccountName\nCustom:\n  Type: update-cdk\n  DependsOn: Producer\n  Path: ./app\n{binding}  CustomDeployCommand: !Sub 'tool deploy ${{CurrentTask.Parameters}} --name \"${{CurrentAccount.AccountName}}\" --single ''${{fromP}}'' --bare ${{fromP}}'\n  Parameters:\n    fromP: !Ref fromP\n    output: !CopyValue hostile-output\n",
        output.replace('\'', "''")
    );
    let file = custom_tasks(&ws, &tasks, &[("producer.yml", producer)]);
    let parameter = format!("fromP={from_p}");
    let apply = ws.run_env(
        &[
            "apply",
            file.to_str().unwrap(),
            "--sandbox",
            ws.sandbox.to_str().unwrap(),
            "--auto-approve",
            "-p",
            &parameter,
        ],
        &env,
    );
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    let pwned: Vec<_> = walk(ws.dir.path()).into_iter().filter(|p| p.ends_with("pwned")).collect();
    assert!(pwned.is_empty(), "a value ran as code: {pwned:?}");
    assert_eq!(
        arguments_of(&ws, "npx"),
        [
            "cdk",
            "deploy",
            "--all",
            "--require-approval=never",
            "-c",
            &format!("fromP={from_p}"),
            "-c",
            &format!("name={name}"),
            "-c",
            &format!("output={output}"),
        ]
    );
    assert_eq!(
        arguments_of(&ws, "tool"),
        [
            "deploy",
            "-c",
            &format!("fromP={from_p}"),
            "-c",
            &format!("output={output}"),
            "--name",
            name,
            "--single",
            from_p,
            "--bare",
            from_p,
        ]
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// A `NoEcho` parameter is never shown: not in the plan's text or JSON, `show`, apply's output or
/// its `-v` log; a changed value says so without showing either; an unchanged one plans no
/// change (CloudFormation returns `****`, so the stack records a salted digest instead). Only
/// the saved plan holds the value, which apply sends.
#[test]
fn no_echo_parameters_are_never_shown_and_change_only_when_their_value_does() {
    let ws = Workspace::quickstart();
    let template = "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n  Name:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
    let file = custom_tasks(
        &ws,
        "Parameters:\n  password:\n    Type: String\nDatabase:\n  Type: update-stacks\n  Template: ./db.yml\n  StackName: db\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n  Parameters:\n    DbPassword: !Ref password\n    Name: visible-name\n",
        &[("db.yml", template)],
    );
    let sandbox = ws.sandbox.to_str().unwrap();
    let f = file.to_str().unwrap();
    let saved = ws.dir.path().join("plan.json");
    let first = "Tr0ub4dor&3-first-secret";
    let run = |args: &[&str], secret: &str| {
        let parameter = format!("password={secret}");
        let mut all = args.to_vec();
        all.extend(["-p", &parameter]);
        ws.run(&all)
    };
    let plan = run(&["plan", f, "--sandbox", sandbox, "--out", saved.to_str().unwrap()], first);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    ws.assert_snapshot("sensitive_parameter_plan", &plan.stdout);
    let json = run(&["plan", f, "--sandbox", sandbox, "--json"], first);
    let show = ws.run(&["show", saved.to_str().unwrap()]);
    let show_json = ws.run(&["show", saved.to_str().unwrap(), "--json"]);
    let apply = ws.run(&["-v", "apply", saved.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(apply.code, Some(0), "{}", apply.stderr);
    for (what, out) in
        [("plan", &plan), ("plan --json", &json), ("show", &show), ("show --json", &show_json), ("apply -v", &apply)]
    {
        assert!(
            !out.stdout.contains(first) && !out.stderr.contains(first),
            "{what} shows the secret:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
    assert!(json.stdout.contains("(sensitive value)"), "{}", json.stdout);
    assert!(std::fs::read_to_string(&saved).unwrap().contains(first), "the saved plan carries what apply sends");
    let deployed = stacks(&ws).into_iter().find(|s| s["name"] == "db").unwrap();
    assert_eq!(deployed["parameters"]["DbPassword"], first, "CloudFormation got the value");
    let record = deployed["tags"]["orgctl:sensitive:DbPassword"].as_str().unwrap().to_string();
    assert!(!record.contains(first));

    let again = run(&["plan", f, "--sandbox", sandbox, "--detailed-exitcode"], first);
    assert_eq!(again.code, Some(0), "an unchanged secret plans nothing: {}", again.stdout);
    let second = "correct-horse-battery-staple";
    let changed = run(&["plan", f, "--sandbox", sandbox], second);
    ws.assert_snapshot("sensitive_parameter_changed_plan", &changed.stdout);
    assert!(!changed.stdout.contains(second) && !changed.stdout.contains(first), "{}", changed.stdout);
    assert!(!changed.stdout.contains("orgctl:sensitive"), "the record is no tag change: {}", changed.stdout);
    let applied = run(&["apply", f, "--sandbox", sandbox, "--auto-approve"], second);
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    assert!(!applied.stdout.contains(second));
    let deployed = stacks(&ws).into_iter().find(|s| s["name"] == "db").unwrap();
    assert_eq!(deployed["parameters"]["DbPassword"], second);
    assert_eq!(run(&["plan", f, "--sandbox", sandbox, "--detailed-exitcode"], second).code, Some(0));
}

fn deployed_template(ws: &Workspace, name: &str, account_email: &str) -> Value {
    let id = ws.state().account(account_email)["id"].as_str().unwrap().to_string();
    let all = stacks(ws);
    let stack = all.iter().find(|s| s["name"] == name && s["account_id"] == id.as_str());
    stack.unwrap_or_else(|| panic!("no stack {name} in {account_email}"))["template"].clone()
}

/// What org-formation deploys, orgctl deploys: `Fn::EnumTargetAccounts` written as an item of a
/// list splices the accounts into it (its binding needs no region); a resource bound to fewer
/// targets is dropped elsewhere with the `DependsOn` on it; a list attribute read from another
/// account travels joined into a CommaDelimitedList, its output taking the resource's Condition.
#[test]
fn rendered_templates_are_what_org_formation_deploys() {
    let ws = Workspace::quickstart();
    let template = r#"OrganizationBindings:
  Everywhere:
    Account: [!Ref ProductionAccount, !Ref DevelopmentAccount]
    Region: eu-west-1
  ZoneOnly:
    Account: !Ref ProductionAccount
    Region: eu-west-1
  Readers:
    Account: [!Ref ProductionAccount, !Ref DevelopmentAccount]
Conditions:
  Always: !Equals [a, a]
Resources:
  Zone:
    Type: AWS::Route53::HostedZone
    OrganizationBinding: !Ref ZoneOnly
    Condition: Always
    Properties:
      Name: example.com
  Topic:
    Type: AWS::SNS::Topic
    OrganizationBinding: !Ref Everywhere
    DependsOn: [Zone]
  Policy:
    Type: AWS::SNS::TopicPolicy
    OrganizationBinding: !Ref Everywhere
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              AWS:
                - Fn::EnumTargetAccounts Readers 'arn:aws:iam::${account}:root'
                - arn:aws:iam::111111111111:root
            Action: sns:Publish
            Resource: '*'
  Record:
    Type: AWS::SSM::Parameter
    OrganizationBinding:
      Account: !Ref DevelopmentAccount
      Region: eu-west-1
    Properties:
      Type: StringList
      Value: !Join [',', !GetAtt ProductionAccount.Resources.Zone.NameServers]
"#;
    let file = custom_tasks(
        &ws,
        "Zones:\n  Type: update-stacks\n  Template: ./zones.yml\n  StackName: zones\n",
        &[("zones.yml", template)],
    );
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let org = ws.state();
    let id = |email: &str| org.account(email)["id"].as_str().unwrap().to_string();
    let (prod, dev) = (id("aws+production@example.com"), id("aws+development@example.com"));
    let in_dev = deployed_template(&ws, "zones", "aws+development@example.com");
    let principals = &in_dev["Resources"]["Policy"]["Properties"]["PolicyDocument"]["Statement"][0]["Principal"]["AWS"];
    // In the order of the accounts' logical ids (DevelopmentAccount, ProductionAccount).
    let expected = [
        format!("arn:aws:iam::{dev}:root"),
        format!("arn:aws:iam::{prod}:root"),
        "arn:aws:iam::111111111111:root".into(),
    ];
    assert_eq!(principals, &serde_json::json!(expected), "spliced into the list");
    assert!(in_dev["Resources"].get("Zone").is_none());
    assert!(in_dev["Resources"]["Topic"].get("DependsOn").is_none(), "{}", in_dev["Resources"]["Topic"]);
    let parameter = in_dev["Parameters"].as_object().unwrap().iter().find(|(k, _)| k.contains("NameServers")).unwrap();
    assert_eq!(parameter.1["Type"], "CommaDelimitedList");
    let in_prod = deployed_template(&ws, "zones", "aws+production@example.com");
    assert_eq!(in_prod["Resources"]["Topic"]["DependsOn"], "Zone");
    let output = in_prod["Outputs"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(output["Value"]["Fn::Join"][0], ",");
    assert_eq!(output["Condition"], "Always");
    let again = run_file(&ws, &file, "plan", &[]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// Every rendered template is checked as CloudFormation checks it before anything is sent: a
/// reference that names nothing in the template for that target is a located error naming the
/// task, the target and the resource, and the sandbox refuses the same template.
#[test]
fn a_template_cloudformation_would_refuse_is_an_error_before_anything_is_sent() {
    let ws = Workspace::quickstart();
    ws.converge();
    let template = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Queue:\n    Type: AWS::SQS::Queue\n    DependsOn: Topik\n    Properties:\n      QueueName: !Sub '${Topic.TopicName}-${Nothing}'\n";
    let file = custom_tasks(
        &ws,
        "Queues:\n  Type: update-stacks\n  Template: ./queue.yml\n  StackName: queues\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n",
        &[("queue.yml", template)],
    );
    let before = std::fs::read(&ws.sandbox).unwrap();
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.code, Some(1), "{}", plan.stdout);
    for part in [
        "stack queues in Production/eu-west-1 (Queues)",
        "Resources.Queue: DependsOn Topik, which is not a resource of this template",
        "Fn::Sub names the variable Nothing",
        "Queues.Template",
    ] {
        let unwrapped = plan.stderr.replace("\n  │ ", " ");
        assert!(unwrapped.contains(part), "{part} missing:\n{}", plan.stderr);
    }
    assert_eq!(std::fs::read(&ws.sandbox).unwrap(), before, "nothing was sent");
}

/// `Organization: !Include ./organization.yml` may include a whole org file (its Organization
/// section is meant); a template with `Resources: {}` deploys nothing and is a warning, not a
/// reason to refuse the other tasks.
#[test]
fn a_whole_org_file_included_and_an_empty_template_are_read_as_org_formation_reads_them() {
    let ws = Workspace::quickstart();
    let dir = ws.dir.path().join("examples/quickstart");
    std::fs::write(
        dir.join("wrapper.yml"),
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization: !Include ./organization.yml\n",
    )
    .unwrap();
    let validate = ws.run(&["validate", dir.join("wrapper.yml").to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}", validate.stderr);
    let file = custom_tasks(
        &ws,
        "Empty:\n  Type: update-stacks\n  Template: ./empty.yml\n  StackName: empty\n  Skip: true\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: '*'\nTopics:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: topics\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n",
        &[("empty.yml", "Resources: {}\n"), ("topic.yml", TOPIC)],
    );
    let apply = run_file(&ws, &file, "apply", &[]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    assert!(apply.stderr.contains("has no Resources: it deploys nothing"), "{}", apply.stderr);
    assert_eq!(named(&stacks(&ws), "topics").len(), 1);
}

/// What org-formation accepts without an AWS reason to refuse is accepted with a warning: two
/// `<<` merge keys in one mapping (js-yaml merges both), an included task file with no task, a
/// `-p` for a parameter no file declares.
#[test]
fn what_org_formation_accepts_is_accepted_with_a_warning() {
    let ws = Workspace::quickstart();
    ws.edit("  Baseline: &baseline\n", "  Named: &named {Alias: acme-sandbox-merged}\n  Baseline: &baseline\n");
    ws.edit(
        "      <<: *baseline\n      AccountName: Sandbox\n",
        "      <<: *baseline\n      <<: *named\n      AccountName: Sandbox\n",
    );
    let file = custom_tasks(
        &ws,
        "Nothing:\n  Type: include\n  Path: ./nothing.yml\n",
        &[("nothing.yml", "# tasks to come\n")],
    );
    let apply = ws.run(&[
        "apply",
        file.to_str().unwrap(),
        "--sandbox",
        ws.sandbox.to_str().unwrap(),
        "--auto-approve",
        "-p",
        "Undeclared=1",
    ]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    for warning in [
        "second `<<:` merge key",
        "the task file is empty: it has no task to run",
        "--parameter Undeclared is not declared",
    ] {
        assert!(apply.stderr.contains(warning), "{warning}:\n{}", apply.stderr);
    }
    let sandbox = ws.state().account("aws+sandbox@example.com").clone();
    assert_eq!(sandbox["alias"], "acme-sandbox-merged", "the second merge key is merged");
    assert!(sandbox["password_policy"].is_object(), "and so is the first: {sandbox}");
}

/// The rest of org-formation's forms real repositories use: a `copy-to-s3` whose RemotePath
/// reads an export converges; `Fn::Sub` over a computed template (`!JsonString`) deploys; an
/// account of the file that the skipped update-organization does not create is left out of the
/// bindings (noted), and a stack that needs its id is an error before anything is sent.
#[test]
fn org_formation_forms_of_real_repositories_deploy_and_converge() {
    let ws = Workspace::quickstart();
    let dir = ws.dir.path().join("landing-zone");
    std::fs::write(dir.join("a.txt"), "hello").unwrap();
    let bucket = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n  Policy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref B\n      PolicyDocument:\n        Fn::Sub:\n          - !JsonString\n              Version: '2012-10-17'\n              Statement:\n                - Effect: Allow\n                  Action: s3:GetObject\n                  Resource: 'arn:aws:s3:::${bucket}/*'\n                  Principal:\n                    AWS: '${AWS::AccountId}'\n          - bucket: !Ref B\nOutputs:\n  Name:\n    Value: !Ref B\n    Export:\n      Name: bucket-name\n";
    let file = custom_tasks(
        &ws,
        "Bucket:\n  Type: update-stacks\n  Template: ./bucket.yml\n  StackName: bucket\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\nCopy:\n  Type: copy-to-s3\n  DependsOn: Bucket\n  LocalPath: ./a.txt\n  RemotePath: !Sub ['s3://${b}/a.txt', {b: !CopyValue bucket-name}]\n  OrganizationBinding:\n    Account: !Ref SandboxAccount\n    Region: eu-west-1\n",
        &[("bucket.yml", bucket)],
    );
    converge(&ws, &[]);
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let again = run_file(&ws, &file, "plan", &[]);
    assert!(again.stdout.contains("No changes."), "the copy converges: {}", again.stdout);
    let deployed = deployed_template(&ws, "bucket", "aws+sandbox@example.com");
    let policy =
        deployed["Resources"]["Policy"]["Properties"]["PolicyDocument"]["Fn::Sub"].as_str().unwrap().to_string();
    assert!(policy.contains(r#""Resource":"arn:aws:s3:::${B}/*""#), "{policy}");

    // An account the skipped update-organization would create.
    ws.edit("  SandboxAccount:\n", "  LaterAccount:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Later\n      RootEmail: later@example.com\n\n  SandboxAccount:\n");
    let skipped = std::fs::read_to_string(&file).unwrap().replace(
        "  Template: ../examples/quickstart/organization.yml\n",
        "  Template: ../examples/quickstart/organization.yml\n  Skip: true\n",
    );
    let everywhere = skipped.replace("    Account: !Ref SandboxAccount\nCopy:", "    Account: '*'\nCopy:");
    std::fs::write(&file, &everywhere).unwrap();
    let plan = run_file(&ws, &file, "plan", &[]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(plan.stdout.contains("task Bucket: LaterAccount not in the organization"), "{}", plan.stdout);
    let needs = everywhere
        .replace("StackName: bucket\n", "StackName: bucket\n  StackDescription: !Sub 'for ${LaterAccount}'\n");
    std::fs::write(&file, needs).unwrap();
    let refused = run_file(&ws, &file, "plan", &[]);
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stderr.contains("needs the id of LaterAccount"), "{}", refused.stderr);
}

/// org-formation's `update-stacks TEMPLATE --stack-name NAME`, `validate-stacks` and
/// `print-stacks`: an annotated template with its own organization and bindings deploys as one
/// stack with no task file (`-p` sets its parameters), validates on its own, and its rendered
/// templates can be written out.
#[test]
fn a_template_deploys_on_its_own_with_stack_name() {
    let ws = Workspace::quickstart();
    ws.converge();
    let template = ws.dir.path().join("landing-zone/lone.yml");
    std::fs::write(
        &template,
        "AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization: !Include ../examples/quickstart/organization.yml\nDefaultOrganizationBindingRegion: eu-west-1\nDefaultOrganizationBinding:\n  Account: [!Ref SandboxAccount, !Ref DevelopmentAccount]\nParameters:\n  topicName:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref topicName\n",
    )
    .unwrap();
    let t = template.to_str().unwrap();
    let sandbox = ws.sandbox.to_str().unwrap();
    let validate = ws.run(&["validate", t, "-p", "topicName=alerts"]);
    assert_eq!(validate.code, Some(0), "{}", validate.stderr);
    let bare = ws.run(&["plan", t, "--sandbox", sandbox]);
    assert_eq!(bare.code, Some(1));
    assert!(bare.stderr.contains("pass --stack-name NAME"), "{}", bare.stderr);
    let out = ws.dir.path().join("printed");
    let plan = ws.run(&[
        "plan",
        t,
        "--stack-name",
        "lone",
        "--sandbox",
        sandbox,
        "-p",
        "topicName=alerts",
        "--show-templates",
        out.to_str().unwrap(),
    ]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    assert!(plan.stdout.contains("+ stack lone in Sandbox/eu-west-1"), "{}", plan.stdout);
    assert!(out.join("Lone/SandboxAccount-eu-west-1-lone.json").exists(), "{}", plan.stdout);
    let apply =
        ws.run(&["apply", t, "--stack-name", "lone", "--sandbox", sandbox, "-p", "topicName=alerts", "--auto-approve"]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    let lone = named(&stacks(&ws), "lone").into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(lone.len(), 2);
    assert!(lone.iter().all(|s| s["parameters"]["topicName"] == "alerts"));
    let again = ws.run(&[
        "plan",
        t,
        "--stack-name",
        "lone",
        "--sandbox",
        sandbox,
        "-p",
        "topicName=alerts",
        "--detailed-exitcode",
    ]);
    assert_eq!(again.code, Some(0), "{}", again.stdout);
}

/// Templating as org-formation does it: a TemplatingContext value known only per target stays
/// its expression, written where a stack parameter evaluates it (`{{ value | object }}`); a
/// templated template's `!Include` of a `.njk` file is rendered with the same context; block
/// tags leave no blank lines (nunjucks' trimBlocks and lstripBlocks).
#[test]
fn templating_contexts_hold_per_target_values_and_reach_included_templates() {
    let ws = Workspace::quickstart();
    let dir = ws.dir.path().join("landing-zone");
    std::fs::write(
        dir.join("teams.njk"),
        "{% for team in teams %}\nTopic{{ team }}:\n  Type: update-stacks\n  Template: ./named.njk\n  StackName: named-{{ team }}\n  TemplatingContext:\n    policyName: {{ team }}-policy\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: [!Ref SandboxAccount, !Ref DevelopmentAccount]\n  Parameters:\n    owner: {{ owner | object }}\n{% endfor %}\n",
    )
    .unwrap();
    std::fs::write(dir.join("named.njk"), "Parameters:\n  owner:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref owner\n  Policy: !Include ./policy.njk\n").unwrap();
    std::fs::write(dir.join("policy.njk"), "Type: AWS::IAM::ManagedPolicy\nProperties:\n  ManagedPolicyName: {{ policyName }}\n  PolicyDocument:\n    Version: '2012-10-17'\n    Statement:\n      - Effect: Allow\n        Action: sns:Publish\n        Resource: '*'\n").unwrap();
    let file = custom_tasks(
        &ws,
        "Teams:\n  Type: include\n  Path: ./teams.njk\n  TemplatingContext:\n    teams: [red]\n    owner: !Sub 'owned by ${CurrentAccount.AccountName}'\n",
        &[],
    );
    let run = run_file(&ws, &file, "apply", &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let mut owners: Vec<String> = named(&stacks(&ws), "named-red")
        .iter()
        .map(|s| s["parameters"]["owner"].as_str().unwrap().to_string())
        .collect();
    owners.sort();
    assert_eq!(owners, ["owned by Development", "owned by Sandbox"]);
    let policy = deployed_template(&ws, "named-red", "aws+sandbox@example.com");
    assert_eq!(policy["Resources"]["Policy"]["Properties"]["ManagedPolicyName"], "red-policy");
}

/// `Skip: true` skips the task and the tasks that depend on it (org-formation's docs), and a
/// skipped task's files are not read: a template that does not exist is only noted.
#[test]
fn a_skipped_task_skips_its_dependents_and_reads_nothing() {
    let ws = Workspace::quickstart();
    let file = custom_tasks(
        &ws,
        "Gone:\n  Type: update-stacks\n  Skip: true\n  Template: ./does-not-exist.yml\n  StackName: gone\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: '*'\nAfterGone:\n  Type: update-stacks\n  DependsOn: Gone\n  Template: ./topic.yml\n  StackName: after-gone\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: '*'\nKept:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: kept\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n",
        &[("topic.yml", TOPIC)],
    );
    let validate = ws.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{}", validate.stderr);
    assert!(validate.stderr.contains("the task is skipped, so nothing is read"), "{}", validate.stderr);
    let apply = run_file(&ws, &file, "apply", &[]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    let all = stacks(&ws);
    assert!(named(&all, "after-gone").is_empty(), "a dependent of a skipped task is skipped");
    assert_eq!(named(&all, "kept").len(), 1);
}
