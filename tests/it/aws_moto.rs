//! The AWS provider end to end against a moto server: orgctl applies, direct SDK reads verify.

use crate::common;
use common::moto::Moto;
use common::{Run, Workspace};

const MASTER: &str = "123456789012";

/// orgctl against this moto server, on the quickstart pointed at moto's management account.
struct AwsWorkspace {
    ws: Workspace,
    moto: Moto,
}

impl AwsWorkspace {
    async fn new() -> Self {
        AwsWorkspace { ws: Workspace::quickstart_for_moto(), moto: Moto::start().await }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.ws.run_on(&self.moto, args)
    }

    fn org(&self) -> &str {
        self.ws.org.to_str().expect("utf-8 path")
    }

    fn plan(&self, extra: &[&str]) -> Run {
        let mut args = vec!["plan", self.org()];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn apply(&self) -> Run {
        self.run(&["apply", self.org(), "--auto-approve"])
    }

    fn converge(&self) {
        self.apply().ok();
        let again = self.plan(&["--detailed-exitcode"]);
        assert_eq!(again.code, Some(0), "plan after apply is not empty:\n{}{}", again.stdout, again.stderr);
    }
}

/// The live organization through direct SDK calls.
struct Live {
    orgs: aws_sdk_organizations::Client,
}

impl Live {
    async fn new(moto: &Moto) -> Self {
        Live { orgs: moto.organizations().await }
    }

    async fn root(&self) -> String {
        self.orgs.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string()
    }

    async fn ous_under(&self, parent: &str) -> Vec<(String, String)> {
        let out = self.orgs.list_organizational_units_for_parent().parent_id(parent).send().await.unwrap();
        out.organizational_units()
            .iter()
            .map(|o| (o.name().unwrap().to_string(), o.id().unwrap().to_string()))
            .collect()
    }

    async fn ou(&self, parent: &str, name: &str) -> String {
        self.ous_under(parent).await.into_iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no OU {name}")).1
    }

    async fn accounts(&self) -> Vec<aws_sdk_organizations::types::Account> {
        self.orgs.list_accounts().send().await.unwrap().accounts().to_vec()
    }

    async fn account_id(&self, email: &str) -> String {
        let found: Vec<_> = self.accounts().await.into_iter().filter(|a| a.email() == Some(email)).collect();
        assert_eq!(found.len(), 1, "accounts with {email}");
        found[0].id().unwrap().to_string()
    }

    async fn parent(&self, account_id: &str) -> String {
        self.orgs.list_parents().child_id(account_id).send().await.unwrap().parents()[0].id().unwrap().to_string()
    }

    async fn scps_on(&self, target: &str) -> Vec<String> {
        let out = self
            .orgs
            .list_policies_for_target()
            .target_id(target)
            .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
            .await
            .unwrap();
        let mut names: Vec<String> = out.policies().iter().map(|p| p.name().unwrap().to_string()).collect();
        names.sort();
        names
    }

    async fn tag(&self, id: &str, key: &str) -> Option<String> {
        let out = self.orgs.list_tags_for_resource().resource_id(id).send().await.unwrap();
        out.tags().iter().find(|t| t.key() == key).map(|t| t.value().to_string())
    }
}

#[tokio::test]
async fn the_quickstart_applies_on_moto_and_every_account_is_configured() {
    let w = AwsWorkspace::new().await;
    let plan = w.plan(&[]);
    assert!(plan.stdout.contains("Plan: 13 to add"), "{}\n{}", plan.stdout, plan.stderr);
    w.converge();

    let live = Live::new(&w.moto).await;
    let root = live.root().await;
    let workloads = live.ou(&root, "Workloads").await;
    let prod = live.ou(&workloads, "Prod").await;
    let security = live.ou(&root, "Security").await;
    let mut top: Vec<String> = live.ous_under(&root).await.into_iter().map(|(n, _)| n).collect();
    top.sort();
    assert_eq!(top, vec!["Sandbox", "Security", "Workloads"]);
    let production = live.account_id("aws+production@example.com").await;
    assert_eq!(live.parent(&production).await, prod);
    assert_eq!(live.parent(&live.account_id("aws+log-archive@example.com").await).await, security);
    assert_eq!(live.parent(&live.account_id("aws+shared-services@example.com").await).await, workloads);
    assert_eq!(live.scps_on(&root).await, vec!["DenyUnapprovedRegions", "FullAWSAccess"]);
    assert_eq!(live.scps_on(&workloads).await, vec!["DenyLeaveOrganization", "FullAWSAccess"]);
    assert_eq!(live.tag(&production, "team").await.as_deref(), Some("platform"));
    assert_eq!(live.tag(&workloads, "orgctl:logical-id").await.as_deref(), Some("WorkloadsOU"));

    // The CIS password policy in EVERY account, the management account included, each read
    // inside its own account.
    let accounts = live.accounts().await;
    assert_eq!(accounts.len(), 7);
    for a in accounts {
        let id = a.id().unwrap();
        let iam = w.moto.iam_in(id).await;
        let policy = iam.get_account_password_policy().send().await.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let p = policy.password_policy().unwrap();
        assert_eq!(p.minimum_password_length(), Some(14), "{id}");
        assert_eq!(p.password_reuse_prevention(), Some(24), "{id}");
        assert_eq!(p.max_password_age(), Some(90), "{id}");
        assert!(p.require_symbols() && p.require_numbers() && p.require_uppercase_characters(), "{id}");
    }
    let prod_iam = w.moto.iam_in(&production).await;
    assert_eq!(prod_iam.list_account_aliases().send().await.unwrap().account_aliases(), ["acme-production"]);
}

#[tokio::test]
async fn renames_moves_scp_swaps_and_password_changes_reach_aws() {
    let w = AwsWorkspace::new().await;
    w.ws.edit(
        "  DenyLeaveOrganizationSCP: !Include",
        "  DenyRootUserSCP: !Include ../../org-templates/scp/deny-root-user.yml\n  DenyLeaveOrganizationSCP: !Include",
    );
    w.converge();
    let live = Live::new(&w.moto).await;
    let root = live.root().await;
    let workloads = live.ou(&root, "Workloads").await;
    let prod_before = live.ou(&workloads, "Prod").await;

    w.ws.edit("OrganizationalUnitName: Prod", "OrganizationalUnitName: Production");
    w.ws.edit("      Accounts: !Ref DevelopmentAccount\n", "");
    w.ws.edit("      Accounts: !Ref SandboxAccount", "      Accounts: [!Ref SandboxAccount, !Ref DevelopmentAccount]");
    w.ws.edit("ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP", "ServiceControlPolicies: !Ref DenyRootUserSCP");
    let policy = w.ws.dir.path().join("org-templates/password-policy/cis.yml");
    let text =
        std::fs::read_to_string(&policy).unwrap().replace("MinimumPasswordLength: 14", "MinimumPasswordLength: 16");
    std::fs::write(&policy, text).unwrap();
    let plan = w.plan(&[]);
    assert!(plan.stdout.contains("Plan: 0 to add, 8 to change, 1 to move, 0 to remove."), "{}", plan.stdout);
    assert!(plan.stdout.contains("11 operations in dependency order."), "{}", plan.stdout);
    w.converge();

    assert_eq!(live.ou(&workloads, "Production").await, prod_before, "renamed in place");
    let sandbox = live.ou(&root, "Sandbox").await;
    assert_eq!(live.parent(&live.account_id("aws+development@example.com").await).await, sandbox);
    assert_eq!(live.scps_on(&workloads).await, vec!["DenyRootUser", "FullAWSAccess"]);
    for a in live.accounts().await {
        let iam = w.moto.iam_in(a.id().unwrap()).await;
        let p = iam.get_account_password_policy().send().await.unwrap();
        assert_eq!(p.password_policy().unwrap().minimum_password_length(), Some(16));
        assert_eq!(p.password_policy().unwrap().password_reuse_prevention(), Some(24), "sent whole");
    }
}

#[tokio::test]
async fn changes_made_behind_orgctls_back_show_up_in_the_plan() {
    let w = AwsWorkspace::new().await;
    w.converge();
    let live = Live::new(&w.moto).await;
    let root = live.root().await;
    let sandbox = live.ou(&root, "Sandbox").await;
    live.orgs.update_organizational_unit().organizational_unit_id(&sandbox).name("Playground").send().await.unwrap();
    let dev = live.account_id("aws+development@example.com").await;
    let dev_ou = live.ou(&live.ou(&root, "Workloads").await, "Dev").await;
    live.orgs
        .move_account()
        .account_id(&dev)
        .source_parent_id(&dev_ou)
        .destination_parent_id(&root)
        .send()
        .await
        .unwrap();
    let iam = w.moto.iam_in(&dev).await;
    iam.update_account_password_policy().minimum_password_length(8).send().await.unwrap();

    let plan = w.plan(&["--detailed-exitcode", "-v"]);
    assert_eq!(plan.code, Some(2), "{}", plan.stderr);
    // -v logs every AWS call: service, operation, the account it acts in, outcome, duration;
    // never the credentials (moto's key id and secret are both "testing").
    assert!(plan.stderr.contains("Organizations.ListRoots in management: ok (HTTP 200)"), "{}", plan.stderr);
    assert!(plan.stderr.contains(&format!("IAM.GetAccountPasswordPolicy in {dev}: ok")), "{}", plan.stderr);
    assert!(!plan.stderr.contains("testing"), "{}", plan.stderr);
    assert!(plan.stdout.contains("\"Playground\" → \"Sandbox\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("Root → Root/Workloads/Dev"), "{}", plan.stdout);
    assert!(plan.stdout.contains("PasswordPolicy.MinimumPasswordLength:       8 → 14"), "{}", plan.stdout);
    w.converge();
}

#[tokio::test]
async fn import_writes_a_file_whose_plan_shows_no_changes() {
    let w = AwsWorkspace::new().await;
    w.converge();
    let imported = w.ws.dir.path().join("imported.yml");
    let run = w.run(&["import", "-o", imported.to_str().unwrap()]);
    run.ok();
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(text.contains("Type: OC::ORG::MasterAccount"), "{text}");
    assert!(text.contains("WorkloadsOU:"), "{text}");
    assert!(text.contains("- !Ref DenyLeaveOrganizationSCP"), "{text}");
    let plan = w.run(&["plan", imported.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
}

#[tokio::test]
async fn a_file_for_another_management_account_is_refused_before_any_change() {
    let w = AwsWorkspace::new().await;
    w.ws.edit(&format!("AccountId: '{MASTER}'"), "AccountId: '999999999999'");
    let run = w.apply();
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("this organization's management account is 123456789012"), "{}", run.stderr);
    let live = Live::new(&w.moto).await;
    assert!(live.ous_under(&live.root().await).await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn without_an_organization_the_error_says_what_to_do() {
    let moto = Moto::start().await;
    let orgs = moto.organizations().await;
    // Leave the organization empty-handed: delete it.
    orgs.delete_organization().send().await.unwrap();
    let ws = Workspace::quickstart();
    let env: Vec<(&str, String)> = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = ws.run_env(&["plan", ws.org.to_str().unwrap()], &env);
    assert_eq!(run.code, Some(1));
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("account 123456789012 is not in an organization"), "{}", run.stderr);
    assert!(run.stderr.contains("aws organizations create-organization"), "{}", run.stderr);
}

/// `TrustedServiceAccess` and `DelegatedAdministratorFor` on the AWS provider: enabled and
/// registered through the Organizations API, read back with it, and a second plan is empty.
/// (moto knows a fixed list of delegable services; Security Hub is not on it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_access_and_delegated_administrators_reach_aws() {
    let w = AwsWorkspace::new().await;
    w.ws.edit(
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole\n",
        "      DefaultOrganizationAccessRoleName: OrganizationAccountAccessRole\n      TrustedServiceAccess: [guardduty.amazonaws.com, access-analyzer.amazonaws.com]\n",
    );
    w.ws.edit(
        "      AccountName: Security\n",
        "      AccountName: Security\n      DelegatedAdministratorFor: [guardduty.amazonaws.com, access-analyzer.amazonaws.com]\n",
    );
    w.converge();
    let live = Live::new(&w.moto).await;
    let access = live.orgs.list_aws_service_access_for_organization().send().await.unwrap();
    let mut trusted: Vec<&str> =
        access.enabled_service_principals().iter().filter_map(|s| s.service_principal()).collect();
    trusted.sort();
    assert_eq!(trusted, ["access-analyzer.amazonaws.com", "guardduty.amazonaws.com"]);
    let security = live.account_id("aws+security@example.com").await;
    let admins = live.orgs.list_delegated_administrators().send().await.unwrap();
    let ids: Vec<&str> = admins.delegated_administrators().iter().filter_map(|a| a.id()).collect();
    assert_eq!(ids, [security.as_str()]);
    let services = live.orgs.list_delegated_services_for_account().account_id(&security).send().await.unwrap();
    assert_eq!(services.delegated_services().len(), 2);
    assert_eq!(w.plan(&["--detailed-exitcode"]).code, Some(0), "converged");
}

/// `AlternateContacts` through the Account Management API on moto: set in a member account,
/// read back, and a second plan is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alternate_contacts_reach_aws() {
    let w = AwsWorkspace::new().await;
    w.ws.edit(
        "      AccountName: Security\n",
        "      AccountName: Security\n      AlternateContacts:\n        Security:\n          Name: Sec Team\n          Title: CISO office\n          EmailAddress: security@example.com\n          PhoneNumber: '+1 555 0100'\n",
    );
    w.converge();
    assert_eq!(w.plan(&["--detailed-exitcode"]).code, Some(0), "converged");
}

/// `TaskRoleName` on update-organization: the organization is read and changed through that
/// role of the management account (one AssumeRole more than without it), and a saved plan
/// applies through it too.
#[tokio::test]
async fn task_role_name_on_update_organization_goes_through_that_role() {
    let w = AwsWorkspace::new().await;
    let tasks = w.ws.dir.path().join("landing-zone/org-only.yml");
    let write = |role: &str| {
        std::fs::write(
            &tasks,
            format!("OrganizationUpdate:\n  Type: update-organization\n  Template: ../examples/quickstart/organization.yml\n{role}"),
        )
        .unwrap()
    };
    let assumed = |run: &Run| run.stderr.lines().filter(|l| l.contains("STS.AssumeRole")).count();
    write("");
    let without = w.run(&["-v", "plan", tasks.to_str().unwrap()]);
    assert_eq!(without.code, Some(0), "{}", without.stderr);
    write("  TaskRoleName: OrganizationFormationBuildAccessRole\n");
    let saved = w.ws.dir.path().join("plan.json");
    let with = w.run(&["-v", "plan", tasks.to_str().unwrap(), "--out", saved.to_str().unwrap()]);
    assert_eq!(with.code, Some(0), "{}", with.stderr);
    assert_eq!(assumed(&with), assumed(&without) + 1, "{}", with.stderr);
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(plan["access_roles"]["organization_role"], "OrganizationFormationBuildAccessRole");
    let apply = w.run(&["apply", saved.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
}

/// `plan --access-report` where the endpoint has no IAM organization access reports (moto):
/// the Policy effect is still shown, and the report that could not be read is a note.
#[tokio::test]
async fn an_access_report_the_endpoint_cannot_build_is_a_note() {
    let w = AwsWorkspace::new().await;
    w.converge();
    let plan = w.plan(&["-p", "AllowedRegions=eu-west-1,us-east-1", "--access-report"]);
    assert_eq!(plan.code, Some(0), "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("denied from now on:"), "{}", plan.stdout);
    assert!(plan.stdout.contains("note: IAM's organization access report could not be read"), "{}", plan.stdout);
}
