//! Apply against an unreliable AWS (moto behind a fault-injecting proxy, and processes killed
//! mid-apply) still converges, and never creates a second account for one email.

use crate::common;
use common::fault_proxy::FaultProxy;
use common::moto::Moto;
use common::{Run, Workspace};
use std::collections::HashMap;

fn env_for(endpoint: &str, moto: &Moto) -> Vec<(&'static str, String)> {
    moto.env()
        .into_iter()
        .map(|(k, v)| if k == "AWS_ENDPOINT_URL" { (k, endpoint.to_string()) } else { (k, v) })
        .collect()
}

async fn run(ws: &Workspace, args: Vec<String>, env: Vec<(&'static str, String)>) -> Run {
    let org = ws.org.to_str().unwrap().to_string();
    let dir = ws.dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut cmd = assert_cmd::Command::cargo_bin("orgctl").unwrap();
        cmd.current_dir(dir).env_remove("ORGCTL_SANDBOX");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let args: Vec<String> = args.into_iter().map(|a| if a == "ORG" { org.clone() } else { a }).collect();
        let out = cmd.args(&args).output().unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    })
    .await
    .unwrap()
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

async fn emails(moto: &Moto) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let accounts = moto.organizations().await.list_accounts().send().await.unwrap();
    for a in accounts.accounts() {
        *counts.entry(a.email().unwrap().to_lowercase()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_through_throttling_500s_and_a_lost_create_account_response() {
    let moto = Moto::start().await;
    let proxy = FaultProxy::start(&moto.endpoint, 5).await;
    let ws = Workspace::quickstart_for_moto();
    let env = env_for(&proxy.endpoint, &moto);
    let apply = run(&ws, args(&["apply", "ORG", "--auto-approve"]), env.clone()).await;
    assert_eq!(apply.code, Some(0), "apply did not ride out the faults:\n{}\n{}", apply.stdout, apply.stderr);
    let plan = run(&ws, args(&["plan", "ORG", "--detailed-exitcode"]), env).await;
    assert_eq!(plan.code, Some(0), "not converged:\n{}\n{}", plan.stdout, plan.stderr);

    use std::sync::atomic::Ordering::SeqCst;
    assert!(proxy.stats.injected.load(SeqCst) >= 10, "{:?}", proxy.stats);
    assert!(proxy.stats.lost_create_account_responses.load(SeqCst) > 0, "a CreateAccount response was lost");
    let emails = emails(&moto).await;
    assert_eq!(emails.len(), 7, "{emails:?}");
    assert!(emails.values().all(|n| *n == 1), "a duplicate account was created: {emails:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_apply_at_any_moment_then_rerunning_never_duplicates_an_account() {
    let moto = Moto::start().await;
    // A whole apply takes a fraction of a second on moto: through a proxy that adds latency,
    // one change at a time, it lasts long enough to be killed in the middle of account creation.
    let proxy = FaultProxy::slow(&moto.endpoint, std::time::Duration::from_millis(25)).await;
    let ws = Workspace::quickstart_for_moto();
    let env = moto.env();
    let slow_env = env_for(&proxy.endpoint, &moto);
    let mut interrupted_mid_apply = 0;
    for delay_ms in (300u64..=4000).step_by(50) {
        moto.reset().await;
        let org = ws.org.to_str().unwrap().to_string();
        let dir = ws.dir.path().to_path_buf();
        let child_env = slow_env.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("orgctl"));
            cmd.current_dir(dir).args(["apply", &org, "--auto-approve", "--concurrency", "1"]);
            cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
            for (k, v) in &child_env {
                cmd.env(k, v);
            }
            let mut child = cmd.spawn().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            let _ = child.kill();
            let _ = child.wait();
        })
        .await
        .unwrap();
        let after_kill = emails(&moto).await;
        assert!(after_kill.values().all(|n| *n == 1), "duplicate after a kill at {delay_ms} ms: {after_kill:?}");
        if (2..7).contains(&after_kill.len()) {
            interrupted_mid_apply += 1;
            let rerun = run(&ws, args(&["apply", "ORG", "--auto-approve"]), env.clone()).await;
            assert_eq!(
                rerun.code,
                Some(0),
                "re-run after a kill at {delay_ms} ms:\n{}\n{}",
                rerun.stdout,
                rerun.stderr
            );
            let plan = run(&ws, args(&["plan", "ORG", "--detailed-exitcode"]), env.clone()).await;
            assert_eq!(plan.code, Some(0), "not converged after a kill at {delay_ms} ms:\n{}", plan.stdout);
            let emails = emails(&moto).await;
            assert_eq!(emails.len(), 7, "{emails:?}");
            assert!(emails.values().all(|n| *n == 1), "duplicate after re-run: {emails:?}");
        }
        if interrupted_mid_apply >= 2 {
            break;
        }
    }
    assert!(interrupted_mid_apply > 0, "no kill landed while accounts were being created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_cannot_be_assumed_is_a_clear_error_naming_account_and_role() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let applied = run(&ws, args(&["apply", "ORG", "--auto-approve"]), moto.env()).await;
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    let proxy = FaultProxy::denying_assume_role(&moto.endpoint).await;
    let plan = run(&ws, args(&["plan", "ORG"]), env_for(&proxy.endpoint, &moto)).await;
    assert_eq!(plan.code, Some(1));
    assert!(!plan.stderr.contains("panicked"), "{}", plan.stderr);
    assert!(plan.stderr.contains("cannot reach account"), "{}", plan.stderr);
    assert!(plan.stderr.contains("role/OrganizationAccountAccessRole"), "names the role: {}", plan.stderr);
    assert!(plan.stderr.contains("OrganizationAccessRoleName"), "says what to do: {}", plan.stderr);
}

/// One retry layer: a write the endpoint always throttles is tried by the SDK's standard retry
/// (6 attempts) and then reported, not retried again by orgctl on top (which made 48 attempts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_is_always_throttled_is_tried_six_times_then_reported() {
    let moto = Moto::start().await;
    let ws = Workspace::quickstart_for_moto();
    let proxy = FaultProxy::throttling(&moto.endpoint, "CreateOrganizationalUnit").await;
    let applied = run(&ws, args(&["apply", "ORG", "--auto-approve"]), env_for(&proxy.endpoint, &moto)).await;
    assert_eq!(applied.code, Some(1), "{}", applied.stdout);
    assert!(applied.stderr.contains("TooManyRequestsException"), "{}", applied.stderr);
    // The quickstart's three top-level OUs are attempted (the nested ones wait for their parent).
    let attempts = proxy.stats.injected.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(attempts, 3 * 6, "{attempts} throttled CreateOrganizationalUnit requests");
}
