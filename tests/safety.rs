//! What a hostile file, a hostile plan or a hostile environment cannot make orgctl do.

mod common;
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
    let (code, stderr) = run_with_closed_stdout(&ws, &["plan", org, "--sandbox", sandbox]);
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
