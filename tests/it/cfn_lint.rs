//! The templates orgctl renders are templates CloudFormation accepts: cfn-lint (installed into
//! `.venv` by `scripts/test.sh`) reads every template the landing zone and the test corpus's
//! annotated templates render, per target, and finds no error.

use crate::common::Workspace;
use std::path::{Path, PathBuf};

fn cfn_lint() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/cfn-lint");
    assert!(bin.exists(), "cfn-lint is needed: scripts/test.sh installs it into .venv");
    bin
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Applies `tasks` to the sandbox (so every account has its id), renders its templates with
/// `plan --show-templates` and returns cfn-lint's errors.
fn lint_errors(ws: &Workspace, tasks: &Path) -> (usize, Vec<String>) {
    let sandbox = ws.sandbox.to_str().unwrap();
    let apply = ws.run(&["apply", tasks.to_str().unwrap(), "--sandbox", sandbox, "--auto-approve"]);
    assert_eq!(apply.code, Some(0), "{}{}", apply.stdout, apply.stderr);
    let dir = ws.dir.path().join("rendered");
    let plan =
        ws.run(&["plan", tasks.to_str().unwrap(), "--sandbox", sandbox, "--show-templates", dir.to_str().unwrap()]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    let files = json_files(&dir);
    let out = std::process::Command::new(cfn_lint())
        .args(["--format", "json", "--"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cfn-lint's JSON");
    let errors = findings
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["Level"] == "Error")
        .map(|f| format!("{} {}: {}", f["Filename"], f["Rule"]["Id"], f["Message"]))
        .collect();
    (files.len(), errors)
}

#[test]
fn every_template_the_landing_zone_renders_passes_cfn_lint() {
    let ws = Workspace::quickstart();
    let (files, errors) = lint_errors(&ws, &ws.dir.path().join("landing-zone/organization-tasks.yml"));
    assert!(files >= 40, "only {files} templates rendered");
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_template_the_annotated_corpus_renders_passes_cfn_lint() {
    let ws = Workspace::quickstart();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/templates");
    let into = ws.dir.path().join("landing-zone");
    for entry in std::fs::read_dir(&corpus).unwrap().flatten() {
        std::fs::copy(entry.path(), into.join(entry.file_name())).unwrap();
    }
    let (files, errors) = lint_errors(&ws, &into.join("tasks.yml"));
    assert!(files >= 5, "only {files} templates rendered");
    assert!(errors.is_empty(), "{errors:#?}");
}
