//! Task files: parsing, includes, dependencies, and organization bindings resolved against the
//! quickstart organization.

use orgctl::org_file::{self, LoadOptions};
use orgctl::tasks::binding::{accounts, targets, Target};
use orgctl::tasks::task_file::{AccountSelector, Binding, TaskKind};
use std::path::{Path, PathBuf};

fn quickstart() -> orgctl::org_file::desired::DesiredOrg {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/organization.yml");
    org_file::load(&path, &LoadOptions::default()).desired.expect("the quickstart is valid")
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn selected(binding: Binding) -> Vec<String> {
    accounts(&binding, &quickstart()).into_iter().collect()
}

#[test]
fn star_selects_every_account_but_the_management_account() {
    let got = selected(Binding { accounts: AccountSelector::All, ..Default::default() });
    assert_eq!(got.len(), 6);
    assert!(!got.contains(&"ManagementAccount".to_string()));
    let with_master = selected(Binding { accounts: AccountSelector::All, include_master: true, ..Default::default() });
    assert_eq!(with_master.len(), 7);
}

#[test]
fn an_ou_includes_its_nested_ous_and_exclusions_apply_after() {
    let workloads = selected(Binding { ous: ids(&["WorkloadsOU"]), ..Default::default() });
    assert_eq!(workloads, ids(&["DevelopmentAccount", "ProductionAccount", "SharedServicesAccount"]));
    let without_dev =
        selected(Binding { ous: ids(&["WorkloadsOU"]), exclude_ous: ids(&["DevOU"]), ..Default::default() });
    assert_eq!(without_dev, ids(&["ProductionAccount", "SharedServicesAccount"]));
    let without_prod = selected(Binding {
        accounts: AccountSelector::All,
        exclude_accounts: ids(&["ProductionAccount"]),
        ..Default::default()
    });
    assert_eq!(without_prod.len(), 5);
    assert!(!without_prod.contains(&"ProductionAccount".to_string()));
}

#[test]
fn accounts_by_reference_and_by_tag() {
    let one = selected(Binding { accounts: AccountSelector::Some(ids(&["SecurityAccount"])), ..Default::default() });
    assert_eq!(one, ids(&["SecurityAccount"]));
    let budgeted = selected(Binding { accounts_with_tag: Some("budget-alarm-threshold".into()), ..Default::default() });
    assert_eq!(budgeted, ids(&["DevelopmentAccount", "ProductionAccount", "SandboxAccount"]));
    assert!(selected(Binding::default()).is_empty(), "an empty binding selects nothing");
}

#[test]
fn targets_cross_accounts_with_regions() {
    let binding = Binding {
        accounts: AccountSelector::Some(ids(&["SecurityAccount", "LogArchiveAccount"])),
        regions: ids(&["eu-west-1", "us-east-1"]),
        ..Default::default()
    };
    let got = targets(&binding, &quickstart());
    assert_eq!(got.len(), 4);
    assert!(got.contains(&Target { account: "SecurityAccount".into(), region: "us-east-1".into() }));
}

/// A task file in a temp dir next to a copy of the quickstart org (and the org-templates it includes).
fn task_dir(tasks: &str) -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let qs = dir.path().join("examples/quickstart");
    std::fs::create_dir_all(&qs).unwrap();
    std::fs::copy(root.join("examples/quickstart/organization.yml"), qs.join("organization.yml")).unwrap();
    for sub in ["scp", "password-policy"] {
        let to = dir.path().join("org-templates").join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(root.join("org-templates").join(sub)).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    std::fs::write(qs.join("template.yml"), "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n").unwrap();
    std::fs::write(qs.join("more-tasks.yml"), "Child:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: child\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n").unwrap();
    let path = qs.join("tasks.yml");
    std::fs::write(&path, tasks).unwrap();
    (dir, path)
}

const ORG: &str = "OrganizationUpdate:\n  Type: update-organization\n  Template: ./organization.yml\n";

fn codes(loaded: &orgctl::tasks::LoadedTasks) -> Vec<&'static str> {
    loaded.diagnostics.0.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
}

#[test]
fn a_task_file_with_includes_parameters_and_bindings() {
    let tasks = format!(
        "Parameters:\n  prefix:\n    Type: String\n    Default: acme\n  regions:\n    Type: List<String>\n    Default: [eu-west-1, eu-central-1]\n{ORG}Topics:\n  Type: update-stacks\n  DependsOn: OrganizationUpdate\n  Template: ./template.yml\n  StackName: !Sub '${{prefix}}-topics'\n  DefaultOrganizationBindingRegion: !Ref regions\n  DefaultOrganizationBinding:\n    OrganizationalUnit: !Ref WorkloadsOU\n    ExcludeAccount: !Ref DevelopmentAccount\n  MaxConcurrentStacks: 4\nMore:\n  Type: include\n  DependsOn: Topics\n  Path: ./more-tasks.yml\nAfter:\n  Type: update-stacks\n  DependsOn: More\n  Template: ./template.yml\n  StackName: after\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n"
    );
    let (_dir, path) = task_dir(&tasks);
    assert!(orgctl::tasks::is_task_file(&path, &Default::default()));
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), "{:?}", loaded.diagnostics);
    let names: Vec<&str> = loaded.tasks.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["OrganizationUpdate", "Topics", "More/Child", "After"]);
    let child = &loaded.tasks.tasks[2];
    assert_eq!(child.depends_on, vec!["Topics"], "an include's DependsOn applies to its tasks");
    assert_eq!(loaded.tasks.tasks[3].depends_on, vec!["More/Child"], "DependsOn an include: every task it includes");
    let TaskKind::UpdateStacks(topics) = &loaded.tasks.tasks[1].kind else { panic!() };
    assert_eq!(topics.stack_name, "acme-topics");
    assert_eq!(topics.max_concurrent_stacks, Some(4));
    let binding = topics.default_binding.clone().unwrap();
    let org = loaded.organization.as_ref().unwrap().desired.clone().unwrap();
    let got = targets(&binding, &org);
    assert_eq!(got.len(), 4, "Production and Shared Services in two regions: {got:?}");
}

#[test]
fn task_file_mistakes_are_reported_with_their_task() {
    let cases = [
        (format!("{ORG}A:\n  Type: update-stack\n"), "unknown-task-type"),
        (format!("{ORG}A:\n  Type: update-scps\n"), "unsupported-task-type"),
        (format!("{ORG}A:\n  Type: include\n  Path: https://example.com/tasks.yml\n"), "url-not-allowed"),
        (format!("{ORG}A:\n  Type: copy-to-s3\n  LocalPath: ./template.yml\n"), "missing-attribute"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n"), "missing-attribute"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./missing.yml\n  StackName: a\n"), "file-not-found"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DependsOn: B\nB:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: b\n  DependsOn: A\n"), "task-cycle"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBinding:\n    Account: !Ref NoSuchAccount\n"), "unknown-reference"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBinding:\n    OrganizationalUnit: !Ref ProductionAccount\n"), "wrong-reference-type"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBinding:\n    Acount: '*'\n"), "unknown-binding-key"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBindingRegion: Ireland\n  DefaultOrganizationBinding:\n    Account: '*'\n"), "invalid-region"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: 1-bad_name\n"), "invalid-stack-name"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  Stackname: b\n"), "unknown-attribute"),
        ("A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n".to_string(), "missing-update-organization"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  Parameters:\n    x: !CopyValue []\n"), "invalid-copy-value"),
        (format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: same\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    OrganizationalUnit: !Ref WorkloadsOU\nB:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: same\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref ProductionAccount\n"), "duplicate-stack"),
    ];
    for (text, code) in cases {
        let (_dir, path) = task_dir(&text);
        let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
        assert_eq!(codes(&loaded), vec![code], "for:\n{text}");
        let d = loaded.diagnostics.0.iter().find(|d| d.code == code).unwrap();
        if code != "missing-update-organization" {
            assert!(d.location.is_some(), "{code} lost its location");
            assert!(d.logical_id.is_some(), "{code} does not name its task");
        }
    }
}

#[test]
fn orgctl_validate_checks_a_task_file_and_its_organization() {
    let (_dir, path) = task_dir(&format!(
        "{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DependsOn: Organisation\n"
    ));
    let out = assert_cmd::Command::cargo_bin("orgctl")
        .unwrap()
        .args(["validate", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    // As in org-formation, an unknown DependsOn is a warning, not an error.
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DependsOn names 'Organisation'") && stderr.contains("did you mean 'OrganizationUpdate'?"),
        "{stderr}"
    );
    let good = path.with_file_name("good.yml");
    std::fs::write(&good, format!("{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n"))
        .unwrap();
    let out = assert_cmd::Command::cargo_bin("orgctl").unwrap().args(["validate"]).arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid: 2 tasks (1 update-stacks)"));
}

mod landing_zone {
    use orgctl::org_file::LoadOptions;
    use orgctl::tasks::binding::Target;
    use orgctl::tasks::instantiate::{instantiate, Import};
    use orgctl::tasks::task_file::{StackTask, TaskKind};
    use std::path::Path;

    /// A stack instance with its template as plain JSON (every account here has an id).
    struct RenderedStack {
        target: Target,
        template: serde_json::Value,
        imports: Vec<Import>,
    }

    fn loaded() -> orgctl::tasks::LoadedTasks {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("landing-zone/organization-tasks.yml");
        let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded
    }

    /// Renders one task of the landing zone, every account having an id.
    fn rendered(task: &str) -> Vec<RenderedStack> {
        let loaded = loaded();
        let org = loaded.organization.as_ref().unwrap().desired.clone().unwrap();
        let ids: Vec<(String, String)> = org
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.logical_id.clone(), format!("{:012}", 200000000000u64 + i as u64)))
            .collect();
        let lookup = move |lid: &str| ids.iter().find(|(l, _)| l == lid).map(|(_, id)| id.clone());
        let stack: &StackTask = loaded
            .tasks
            .tasks
            .iter()
            .find_map(|t| match &t.kind {
                TaskKind::UpdateStacks(s) if t.name == task => Some(s.as_ref()),
                _ => None,
            })
            .expect("task");
        instantiate(stack, &org, &lookup)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .into_iter()
            .map(|s| RenderedStack {
                template: s.template.known().expect("every account has an id"),
                target: s.target,
                imports: s.imports,
            })
            .collect()
    }

    fn of<'a>(stacks: &'a [RenderedStack], account: &str) -> &'a RenderedStack {
        stacks.iter().find(|s| s.target.account == account).unwrap_or_else(|| panic!("no stack for {account}"))
    }

    #[test]
    fn the_log_archive_bucket_policy_lists_every_account() {
        let stacks = rendered("Logging/LogArchive");
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].target.account, "LogArchiveAccount");
        assert_eq!(stacks[0].target.region, "eu-west-1");
        let principal = &stacks[0].template["Resources"]["LogArchiveBucketPolicy"]["Properties"]["PolicyDocument"]
            ["Statement"][0]["Principal"]["AWS"];
        let arns = principal.as_array().expect("a list of ARNs");
        assert_eq!(arns.len(), 7);
        assert!(arns.iter().all(|a| a.as_str().unwrap().starts_with("arn:aws:iam::2000000000")), "{arns:?}");
        // Short-form CloudFormation functions are written in their JSON form.
        assert_eq!(
            stacks[0].template["Resources"]["LogArchiveBucketPolicy"]["Properties"]["Bucket"],
            serde_json::json!({"Ref": "LogArchiveBucket"})
        );
    }

    #[test]
    fn the_audit_role_in_every_account_imports_the_auditor_role_of_the_security_account() {
        let stacks = rendered("Security/AuditRoles");
        assert_eq!(stacks.len(), 7);
        let security = of(&stacks, "SecurityAccount");
        assert!(security.template["Resources"].get("AuditorRole").is_some());
        assert!(security.imports.is_empty(), "the Security account uses its own auditor role directly");
        assert_eq!(
            security.template["Outputs"]["OrgctlAuditorRoleArn"]["Value"],
            serde_json::json!({"Fn::GetAtt": ["AuditorRole", "Arn"]})
        );
        let prod = of(&stacks, "ProductionAccount");
        assert!(prod.template["Resources"].get("AuditorRole").is_none());
        assert_eq!(prod.imports.len(), 1);
        let import = &prod.imports[0];
        assert_eq!(import.producer.account, "SecurityAccount");
        assert_eq!(import.output, "OrgctlAuditorRoleArn");
        assert_eq!(prod.template["Parameters"][&import.parameter]["Type"], "String");
        let principal = &prod.template["Resources"]["AuditRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            [0]["Principal"]["AWS"];
        assert_eq!(principal, &serde_json::json!({"Ref": import.parameter}));
        let auditor_may_assume = &security.template["Resources"]["AuditorRole"]["Properties"]["Policies"][0]
            ["PolicyDocument"]["Statement"][0]["Resource"];
        assert_eq!(auditor_may_assume.as_array().unwrap().len(), 7);
    }

    #[test]
    fn kms_keys_go_to_every_account_and_region_and_budgets_follow_the_tag() {
        assert_eq!(rendered("Encryption/KmsKeys").len(), 14);
        let budgets = rendered("Cost/BudgetAlarms");
        let accounts: Vec<&str> = budgets.iter().map(|s| s.target.account.as_str()).collect();
        assert_eq!(accounts, vec!["DevelopmentAccount", "ProductionAccount", "SandboxAccount"]);
        assert!(budgets.iter().all(|s| s.target.region == "us-east-1"));
        let name = &of(&budgets, "ProductionAccount").template["Resources"]["MonthlyBudget"]["Properties"]["Budget"]
            ["BudgetName"];
        assert_eq!(name, "monthly-Production", "CurrentAccount is the target account, substituted by orgctl");
    }
}

#[test]
fn target_count_and_enum_target_regions_follow_their_binding() {
    let (_dir, path) = task_dir(&format!(
        "{ORG}Counted:\n  Type: update-stacks\n  Template: ./counted.yml\n  StackName: counted\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SecurityAccount\n"
    ));
    std::fs::write(
        path.with_file_name("counted.yml"),
        "OrganizationBindings:\n  Everywhere:\n    OrganizationalUnit: !Ref WorkloadsOU\n    Region: [eu-west-1, us-east-1]\nMetadata:\n  Targets: Fn::TargetCount Everywhere\n  Regions: Fn::EnumTargetRegions Everywhere 'logs-${region}'\n  Accounts:\n    Fn::EnumTargetAccounts: [Everywhere, '${AccountName}']\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), "{:?}", loaded.diagnostics);
    let org = loaded.organization.as_ref().unwrap().desired.clone().unwrap();
    let none = |_: &str| None;
    let TaskKind::UpdateStacks(task) = &loaded.tasks.tasks[1].kind else { panic!() };
    let stacks = orgctl::tasks::instantiate::instantiate(task, &org, &none).unwrap();
    assert_eq!(stacks.len(), 1, "only the Security account gets the (default-bound) topic");
    let template = stacks[0].template.known().expect("names no AccountId");
    let meta = &template["Metadata"];
    assert_eq!(meta["Targets"], 6, "3 Workloads accounts × 2 regions");
    assert_eq!(meta["Regions"], serde_json::json!(["logs-eu-west-1", "logs-us-east-1"]));
    assert_eq!(meta["Accounts"], serde_json::json!(["Development", "Production", "Shared Services"]));
}

#[test]
fn a_task_named_organization_does_not_make_a_task_file_an_org_file() {
    let tasks = "Organization:\n  Type: update-organization\n  Template: ./organization.yml\nTopics:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: topics\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n";
    let (_dir, path) = task_dir(tasks);
    assert!(orgctl::tasks::is_task_file(&path, &LoadOptions::default()));
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.tasks.tasks.len(), 2);
}

/// The organization file is found as org-formation finds it: `--organization-file`, an
/// update-organization task in an included file, or `organizationFile` in `.org-formationrc`.
#[test]
fn the_organization_file_is_found_like_org_formation_finds_it() {
    let body = "A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref SandboxAccount\n";
    let (dir, path) = task_dir(body);
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert_eq!(codes(&loaded), vec!["missing-update-organization"]);

    let options =
        LoadOptions { organization_file: Some(path.with_file_name("organization.yml")), ..Default::default() };
    assert!(codes(&orgctl::tasks::load(&path, &options)).is_empty(), "--organization-file");

    std::fs::write(dir.path().join(".org-formationrc"), "organizationFile = ./examples/quickstart/organization.yml\n")
        .unwrap();
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), ".org-formationrc: {:?}", loaded.diagnostics);
    std::fs::remove_file(dir.path().join(".org-formationrc")).unwrap();

    std::fs::write(path.with_file_name("org-tasks.yml"), ORG).unwrap();
    std::fs::write(&path, format!("Org:\n  Type: include\n  Path: ./org-tasks.yml\n{body}")).unwrap();
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), "an update-organization task in an included file: {:?}", loaded.diagnostics);
}

/// A task file parameter can stand for an account in a binding: by default `!Ref Account`, or
/// by value (a logical id, or a list of them given with --parameter).
#[test]
fn a_parameter_can_stand_for_an_account_in_a_binding() {
    let tasks = format!("Parameters:\n  target:\n    Type: String\n    Default: !Ref SandboxAccount\n  others:\n    Type: CommaDelimitedList\n    Default: [ProductionAccount]\n{ORG}A:\n  Type: update-stacks\n  Template: ./template.yml\n  StackName: a\n  DefaultOrganizationBindingRegion: eu-west-1\n  DefaultOrganizationBinding:\n    Account: !Ref target\n    ExcludeAccount: !Ref others\n");
    let (_dir, path) = task_dir(&tasks);
    let loaded = orgctl::tasks::load(&path, &LoadOptions::default());
    assert!(codes(&loaded).is_empty(), "{:?}", loaded.diagnostics);
    let TaskKind::UpdateStacks(task) = &loaded.tasks.tasks[1].kind else { panic!() };
    let binding = task.default_binding.clone().unwrap();
    assert_eq!(binding.accounts, orgctl::tasks::task_file::AccountSelector::Some(vec!["SandboxAccount".into()]));
    assert_eq!(binding.exclude_accounts, vec!["ProductionAccount".to_string()]);
    let mut options = LoadOptions::default();
    options.parameters.insert("target".into(), "DevelopmentAccount".into());
    let loaded = orgctl::tasks::load(&path, &options);
    let TaskKind::UpdateStacks(task) = &loaded.tasks.tasks[1].kind else { panic!() };
    assert_eq!(
        task.default_binding.clone().unwrap().accounts,
        orgctl::tasks::task_file::AccountSelector::Some(vec!["DevelopmentAccount".into()])
    );
}
