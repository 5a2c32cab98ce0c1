//! Test workspace: a temp folder with a copy of the quickstart (and org-templates, which it
//! includes), a sandbox organization file, and helpers to run orgctl and read the sandbox.
#![allow(dead_code)]

pub mod aws_model;
pub mod fault_proxy;
pub mod moto;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "orgctl failed:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub org: PathBuf,
    pub sandbox: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

impl Workspace {
    /// Compares `text` with the snapshot `tests/it/snapshots/{name}.snap` (a change shows up as
    /// a diff to review with `cargo insta review`), with what varies between runs replaced: the
    /// workspace's path, and the account, OU, root, policy and organization ids the sandbox
    /// makes up.
    pub fn assert_snapshot(&self, name: &str, text: &str) {
        let dir = self.dir.path().to_string_lossy().to_string();
        let text = text.replace(&dir, "[WORKSPACE]");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.add_filter(r"\b[0-9]{12}\b", "[ACCOUNT-ID]");
        settings.add_filter(r"\b(ou|r|p)-[0-9a-z]{4,}(-[0-9a-z]{8,})?\b", "[$1-ID]");
        settings.add_filter(r"\bo-[0-9a-z]{10}\b", "[ORG-ID]");
        settings.bind(|| insta::assert_snapshot!(name, text));
    }

    /// A copy of examples/quickstart and org-templates, with an empty sandbox path.
    pub fn quickstart() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&root.join("examples/quickstart"), &dir.path().join("examples/quickstart"));
        copy_dir(&root.join("org-templates"), &dir.path().join("org-templates"));
        copy_dir(&root.join("landing-zone"), &dir.path().join("landing-zone"));
        let org = dir.path().join("examples/quickstart/organization.yml");
        let sandbox = dir.path().join("sandbox.json");
        Workspace { dir, org, sandbox }
    }

    /// The quickstart pointed at moto's organization: its management account is 123456789012,
    /// named "master" (moto has no PutAccountName to change that).
    pub fn quickstart_for_moto() -> Self {
        let ws = Workspace::quickstart();
        ws.edit("AccountId: '111111111111'", "AccountId: '123456789012'");
        ws.edit("AccountName: Acme Management", "AccountName: master");
        ws.edit("RootEmail: !Sub 'aws+management@${EmailDomain}'", "RootEmail: master@example.com");
        ws
    }

    /// A workspace whose org file is `text` (written as organization.yml).
    pub fn with_file(text: &str) -> Self {
        let ws = Workspace::quickstart();
        std::fs::write(&ws.org, text).expect("write org file");
        ws
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::cargo_bin("orgctl").expect("orgctl binary");
        cmd.current_dir(self.dir.path()).env_remove("ORGCTL_SANDBOX_FAULTS").env_remove("ORGCTL_SANDBOX");
        // Tests start from an empty sandbox; the test of a missing sandbox turns this off.
        if args.contains(&"--sandbox") {
            cmd.env("ORGCTL_CREATE_SANDBOX", "true");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).output().expect("run orgctl");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// orgctl against a moto server.
    pub fn run_on(&self, moto: &moto::Moto, args: &[&str]) -> Run {
        let env = moto.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.run_env(args, &env)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    fn with_target<'a>(&'a self, command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args =
            vec![command, self.org.to_str().expect("utf-8 path"), "--sandbox", self.sandbox.to_str().expect("utf-8")];
        args.extend_from_slice(extra);
        args
    }

    pub fn plan(&self, extra: &[&str]) -> Run {
        self.plan_env(extra, &[])
    }

    pub fn plan_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_env(&self.with_target("plan", extra), env)
    }

    pub fn apply(&self, extra: &[&str]) -> Run {
        let mut extra = extra.to_vec();
        extra.push("--auto-approve");
        self.run(&self.with_target("apply", &extra))
    }

    pub fn apply_env(&self, env: &[(&str, &str)]) -> Run {
        self.run_env(&self.with_target("apply", &["--auto-approve"]), env)
    }

    /// Applies and checks that the next plan is empty.
    pub fn converge(&self) {
        self.apply(&[]).ok();
        let again = self.plan(&["--detailed-exitcode"]);
        assert_eq!(again.code, Some(0), "plan after apply is not empty:\n{}{}", again.stdout, again.stderr);
        assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    }

    /// Replaces `from` by `to` in the org file (once; the text must be there).
    pub fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.org).expect("read org file");
        assert!(text.contains(from), "'{from}' is not in the org file");
        std::fs::write(&self.org, text.replacen(from, to, 1)).expect("write org file");
    }

    /// The quickstart as a well-run organization has it: both SCPs on the root, a tag policy
    /// and an AI services opt-out policy attached there too, CloudTrail's trusted access on.
    pub fn with_every_guard_rail_on_the_root(&self) {
        self.edit(
            "        - !Ref RegionDenySCP\n",
            "        - !Ref RegionDenySCP\n        - !Ref DenyLeaveOrganizationSCP\n      TagPolicies: !Ref CostCenterTags\n      AiServicesOptOutPolicies: [!Ref OptOutOfAiTraining]\n      TrustedServiceAccess: [cloudtrail.amazonaws.com]\n",
        );
        self.edit("      ServiceControlPolicies: !Ref DenyLeaveOrganizationSCP\n", "");
        self.edit(
            "  SecurityOU:\n",
            r#"  CostCenterTags:
    Type: OC::ORG::TagPolicy
    Properties:
      PolicyName: cost-center-tags
      PolicyDocument:
        tags:
          costcenter:
            tag_key: {"@@assign": CostCenter}
  OptOutOfAiTraining:
    Type: OC::ORG::AiServicesOptOutPolicy
    Properties:
      PolicyName: opt-out-of-ai-training
      PolicyDocument:
        services:
          default:
            opt_out_policy: {"@@assign": optOut}
  SecurityOU:
"#,
        );
    }

    /// Removes a whole resource (its block up to the next blank line) from the org file.
    pub fn remove_resource(&self, logical_id: &str) {
        let text = std::fs::read_to_string(&self.org).expect("read org file");
        let start = text.find(&format!("  {logical_id}:\n")).expect("resource in the org file");
        let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e + 2);
        std::fs::write(&self.org, format!("{}{}", &text[..start], &text[end..])).expect("write org file");
    }

    /// The landing zone's task file in this workspace.
    pub fn tasks(&self) -> PathBuf {
        self.dir.path().join("landing-zone/organization-tasks.yml")
    }

    /// The sandbox file as JSON.
    pub fn sandbox_json(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(&self.sandbox).expect("read sandbox")).expect("sandbox JSON")
    }

    /// The sandbox organization, as saved on disk.
    pub fn state(&self) -> Org {
        let text = std::fs::read_to_string(&self.sandbox).expect("read sandbox");
        let v: Value = serde_json::from_str(&text).expect("sandbox JSON");
        Org(v["org"].clone(), v)
    }
}

/// Reading the sandbox organization in the terms a test asserts on.
pub struct Org(pub Value, pub Value);

impl Org {
    pub fn root_id(&self) -> String {
        self.0["root"]["id"].as_str().expect("root id").to_string()
    }

    pub fn ou(&self, name: &str) -> Value {
        let ous: Vec<&Value> = self.0["ous"].as_object().expect("ous").values().filter(|o| o["name"] == name).collect();
        assert_eq!(ous.len(), 1, "expected one OU named {name}, found {}", ous.len());
        ous[0].clone()
    }

    pub fn ou_count(&self) -> usize {
        self.0["ous"].as_object().expect("ous").len()
    }

    pub fn accounts_with_email(&self, email: &str) -> Vec<Value> {
        self.0["accounts"].as_object().expect("accounts").values().filter(|a| a["email"] == email).cloned().collect()
    }

    pub fn account(&self, email: &str) -> Value {
        let found = self.accounts_with_email(email);
        assert_eq!(found.len(), 1, "expected one account with {email}");
        found[0].clone()
    }

    pub fn accounts(&self) -> Vec<Value> {
        self.0["accounts"].as_object().expect("accounts").values().cloned().collect()
    }

    /// Path of a parent id such as `Root/Workloads/Prod`.
    pub fn path(&self, parent_id: &str) -> String {
        let mut names = Vec::new();
        let mut current = parent_id.to_string();
        while let Some(ou) = self.0["ous"].get(&current) {
            names.push(ou["name"].as_str().expect("name").to_string());
            current = ou["parent_id"].as_str().expect("parent").to_string();
        }
        names.push("Root".into());
        names.reverse();
        names.join("/")
    }

    pub fn parent_path_of_account(&self, email: &str) -> String {
        self.path(self.account(email)["parent_id"].as_str().expect("parent"))
    }

    /// Names of the SCPs attached to a root, OU or account id, sorted.
    pub fn scps_on(&self, target: &str) -> Vec<String> {
        let mut names: Vec<String> = self.0["policies"]
            .as_object()
            .expect("policies")
            .values()
            .filter(|p| p["policy_type"] == "SERVICE_CONTROL_POLICY")
            .filter(|p| p["targets"].as_array().expect("targets").iter().any(|t| t == target))
            .map(|p| p["name"].as_str().expect("name").to_string())
            .collect();
        names.sort();
        names
    }

    pub fn policy_id(&self, name: &str) -> String {
        let policies = self.0["policies"].as_object().expect("policies");
        let found = policies.values().find(|p| p["name"] == name).expect("a policy of that name");
        found["id"].as_str().expect("id").to_string()
    }

    pub fn policy_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0["policies"]
            .as_object()
            .expect("policies")
            .values()
            .map(|p| p["name"].as_str().expect("n").to_string())
            .collect();
        names.sort();
        names
    }
}

/// (check, resource) of every finding of an audit report in JSON.
pub fn findings(report: &Value) -> std::collections::BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (f["check"].as_str().expect("check").to_string(), f["resource"].as_str().expect("resource").to_string())
        })
        .collect()
}

/// CreatePolicy's input for a service control policy.
pub fn scp_of<'a>(
    name: &'a str,
    description: &'a str,
    content: &'a str,
    tags: &'a orgctl::model::Tags,
) -> orgctl::provider::NewPolicy<'a> {
    orgctl::provider::NewPolicy {
        policy_type: orgctl::model::PolicyType::ServiceControl,
        name,
        description,
        content,
        tags,
    }
}
