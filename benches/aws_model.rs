//! Benchmark under an AWS latency and quota model (`benches/aws-model.yml`, applied by a proxy
//! in front of moto): each scenario run 3 times, its median wall time next to the model's floor
//! for the requests it saw (the least time the quotas and latencies allow).
//!
//! `cargo bench --bench aws_model -- SCENARIO [N]`, SCENARIO one of:
//! - `plan N`: a no-change plan of an organization of N accounts (full, drift-aware read);
//! - `create N`: an apply creating N accounts from scratch;
//! - `stacks`: 200 stacks (100 accounts × 2 regions) at `--concurrency 1` and `16`;
//! - `org-formation N`: org-formation and orgctl side by side, creating N accounts and then
//!   running again with nothing to change;
//! - `moto-create N`: org-formation and orgctl side by side creating N accounts on moto with
//!   nothing modelled: what an emulator's instant answers show (how soon each tool looks at a
//!   CreateAccount request that is already done).
//!
//! Without arguments: `plan 1000`, `create 300`, `stacks`.

#[allow(dead_code)]
#[path = "../tests/it/common/moto.rs"]
mod moto;

#[allow(dead_code)]
#[path = "../tests/it/common/aws_model.rs"]
mod aws_model;

#[allow(dead_code)]
#[path = "../tests/it/common/fault_proxy.rs"]
mod fault_proxy;

mod common;
use common::{generated_org, measured, median, Measured};

use std::sync::Arc;

/// Runs per scenario (`BENCH_RUNS` overrides it).
fn run_count() -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3)
}

/// The model, at `time_scale` when given; BENCH_TIME_SCALE overrides either (a larger scale
/// leaves moto a smaller share of each run, a tiny one measures the proxy and moto alone).
fn model_params(time_scale: Option<f64>) -> aws_model::Params {
    let from_env = std::env::var("BENCH_TIME_SCALE").ok().and_then(|s| s.parse().ok());
    let time_scale = from_env.or(time_scale);
    let mut params =
        aws_model::Params::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/aws-model.yml"));
    if let Some(scale) = time_scale {
        params.time_scale = scale;
    }
    params
}

/// The environment that sends orgctl through `proxy` to `moto`.
fn through(proxy: &fault_proxy::FaultProxy, moto: &moto::Moto) -> Vec<(&'static str, String)> {
    moto.env()
        .into_iter()
        .map(|(k, v)| if k == "AWS_ENDPOINT_URL" { (k, proxy.endpoint.clone()) } else { (k, v) })
        .collect()
}

/// One run of orgctl with `args` under a fresh model (answering reads from `replay` when
/// given); the run and the model's floor.
async fn modelled_run(
    moto: &moto::Moto,
    params: &aws_model::Params,
    replay: Option<&Arc<aws_model::Replay>>,
    args: &[&str],
) -> (Measured, aws_model::Floor) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Tool::Orgctl.run(moto, params, replay, &args).await
}

/// One run of `run` (given the environment that sends it through the model to moto) under a
/// fresh model; the run, with the requests the model saw, and the model's floor.
async fn modelled(
    moto: &moto::Moto,
    params: &aws_model::Params,
    replay: Option<&Arc<aws_model::Replay>>,
    run: impl FnOnce(Vec<(&'static str, String)>) -> Measured + Send + 'static,
) -> (Measured, aws_model::Floor) {
    let model = Arc::new(match replay {
        Some(replay) => aws_model::Model::replaying(params.clone(), replay.clone()),
        None => aws_model::Model::new(params.clone()),
    });
    let proxy = fault_proxy::FaultProxy::modelled(&moto.endpoint, model.clone()).await;
    let env = through(&proxy, moto);
    let mut run = tokio::task::spawn_blocking(move || run(env)).await.expect("run");
    let floor = model.floor();
    run.requests = floor.requests as u64 + floor.throttled as u64;
    (run, floor)
}

/// The two tools compared.
#[derive(Clone, Copy)]
enum Tool {
    OrgFormation,
    Orgctl,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::OrgFormation => "org-formation",
            Tool::Orgctl => "orgctl",
        }
    }

    /// The command that makes the organization match `file`.
    fn deploy(self, file: &str) -> Vec<String> {
        let args: &[&str] = match self {
            Tool::OrgFormation => &["update", file],
            Tool::Orgctl => &["apply", file, "--auto-approve"],
        };
        args.iter().map(|a| a.to_string()).collect()
    }

    /// The runs with nothing to change, each with what it does.
    fn again(self, file: &str) -> Vec<(&'static str, Vec<String>)> {
        let args = |a: &[&str]| a.iter().map(|a| a.to_string()).collect();
        match self {
            // `update` compares the file's hash with the one in its state and stops there;
            // `create-change-set` reads the organization and compares, as orgctl always does.
            Tool::OrgFormation => vec![
                ("update (file unchanged: AWS not read)", self.deploy(file)),
                ("create-change-set (AWS read)", args(&["create-change-set", file])),
            ],
            Tool::Orgctl => vec![("apply (AWS read, drift-aware)", self.deploy(file))],
        }
    }

    /// One run of `args` under a fresh model.
    async fn run(
        self,
        moto: &moto::Moto,
        params: &aws_model::Params,
        replay: Option<&Arc<aws_model::Replay>>,
        args: &[String],
    ) -> (Measured, aws_model::Floor) {
        let args = args.to_vec();
        let cli = match self {
            Tool::OrgFormation => common::org_formation::cli(),
            Tool::Orgctl => std::path::PathBuf::from(env!("CARGO_BIN_EXE_orgctl")),
        };
        // The model counts the requests of both tools (`modelled`).
        modelled(moto, params, replay, move |env| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (seconds, _, peak_mb) = common::timed(&cli, &args, &env);
            Measured { seconds, requests: 0, peak_mb }
        })
        .await
    }
}

/// org-formation next to orgctl under the same model, each on its own moto: creating `n`
/// accounts (time scale 0.02; beyond 300 accounts the creation is set-up, not measured), then
/// runs with nothing to change (the model's default scale; moto's answers to reads recorded by a
/// first run and replayed, as in `plan`). Requests are counted by the model for both tools.
async fn side_by_side(n: usize, dir: &std::path::Path) {
    let file = dir.join(format!("org-{n}.yml"));
    std::fs::write(&file, generated_org(n)).expect("write org");
    let file = file.to_str().expect("utf-8").to_string();
    let create = model_params(Some(0.02));
    let again = model_params(None);
    // Set-up only: no latency to speak of, no throttling.
    let mut instant = again.clone();
    instant.time_scale = 1e-6;
    for tool in [Tool::OrgFormation, Tool::Orgctl] {
        let deploy = tool.deploy(&file);
        let moto = if n <= 300 {
            let mut runs = Vec::new();
            let mut last = None;
            // BENCH_CREATE_RUNS: org-formation creates one account at a time (minutes a run).
            let create_runs = std::env::var("BENCH_CREATE_RUNS").ok().and_then(|r| r.parse().ok());
            for _ in 0..create_runs.unwrap_or_else(run_count) {
                let moto = moto::Moto::start().await;
                runs.push(tool.run(&moto, &create, None, &deploy).await);
                last = Some(moto);
            }
            report(
                &format!("{} {}, create {n} accounts (time scale {})", tool.name(), deploy[0], create.time_scale),
                &runs,
            );
            last.expect("one run at least")
        } else {
            let moto = moto::Moto::start().await;
            tool.run(&moto, &instant, None, &deploy).await;
            moto
        };
        for (label, args) in tool.again(&file) {
            let replay = Arc::new(aws_model::Replay::default());
            tool.run(&moto, &again, Some(&replay), &args).await;
            let mut runs = Vec::new();
            for _ in 0..run_count() {
                runs.push(tool.run(&moto, &again, Some(&replay), &args).await);
            }
            report(&format!("{} {label}, nothing to change, {n} accounts", tool.name()), &runs);
        }
    }
}

/// Each tool creating `n` accounts on its own fresh moto with nothing modelled (the proxy at a
/// time scale of a millionth, which still answers the Support API that moto lacks and that
/// org-formation asks): the median wall time of the runs.
async fn create_on_moto(n: usize, dir: &std::path::Path) {
    let file = dir.join(format!("org-{n}.yml"));
    std::fs::write(&file, generated_org(n)).expect("write org");
    let file = file.to_str().expect("utf-8").to_string();
    let mut instant = model_params(None);
    instant.time_scale = 1e-6;
    // BENCH_TOOLS=orgctl measures orgctl alone (org-formation takes minutes a run here).
    let only = std::env::var("BENCH_TOOLS").ok();
    let tools =
        [Tool::OrgFormation, Tool::Orgctl].into_iter().filter(|t| only.as_deref().is_none_or(|o| o == t.name()));
    for tool in tools {
        let mut runs = Vec::new();
        for _ in 0..run_count() {
            let moto = moto::Moto::start().await;
            runs.push(tool.run(&moto, &instant, None, &tool.deploy(&file)).await.0.seconds);
        }
        let shown: Vec<String> = runs.iter().map(|s| format!("{s:.1}")).collect();
        println!(
            "| {} create {n} accounts on moto, nothing modelled (runs: {} s) | {:.1} s | | | | | | |",
            tool.name(),
            shown.join(" / "),
            median(runs.clone())
        );
    }
}

fn report(label: &str, runs: &[(Measured, aws_model::Floor)]) {
    let secs = median(runs.iter().map(|(m, _)| m.seconds).collect());
    let floor = median(runs.iter().map(|(_, f)| f.seconds).collect());
    let requests = median(runs.iter().map(|(m, _)| m.requests as f64).collect());
    let throttled = median(runs.iter().map(|(_, f)| f.throttled as f64).collect());
    let peak = runs.iter().filter_map(|(m, _)| m.peak_mb).fold(0.0, f64::max);
    let bound = runs.last().map(|(_, f)| f.bound_by.clone()).unwrap_or_default();
    println!(
        "| {label} | {secs:.1} s | {floor:.1} s | {:.2}× | {requests:.0} | {throttled:.0} | {peak:.0} MB | {bound} |",
        secs / floor
    );
}

/// A moto server holding the organization `org_file` describes, built inside moto in seconds
/// (`benches/moto_seeded.py`, from a sandbox organization that matches the file) rather than
/// through moto's HTTP API, which takes over 17 minutes for 5,000 accounts.
fn seeded_moto(org_file: &str, dir: &std::path::Path) -> moto::Moto {
    let desired = orgctl::org_file::load(std::path::Path::new(org_file), &Default::default())
        .desired
        .expect("the generated org is valid");
    let sandbox = dir.join("seed.json");
    orgctl::provider::sandbox::SandboxProvider::seed(&sandbox, common::matching_state(&desired)).expect("seed");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/moto_seeded.py");
    moto::Moto::serve(|port| {
        let mut command = std::process::Command::new(moto::Moto::python());
        command.arg(&script).arg(&sandbox).arg(port.to_string()).stdout(std::process::Stdio::null());
        command
    })
}

async fn plan(n: usize, dir: &std::path::Path) {
    let file = dir.join(format!("org-{n}.yml"));
    std::fs::write(&file, generated_org(n)).expect("write org");
    let file = file.to_str().expect("utf-8").to_string();
    let started = std::time::Instant::now();
    let moto = seeded_moto(&file, dir);
    eprintln!("moto holds the {n}-account organization after {:.1} s", started.elapsed().as_secs_f64());
    // The same plan straight to moto, no proxy and no model: what the emulator itself costs
    // (up to 1,000 accounts; beyond, it only takes long).
    if n <= 1000 {
        let env = moto.env();
        let direct = tokio::task::spawn_blocking({
            let file = file.clone();
            move || measured(&["plan", &file, "--detailed-exitcode"], &env)
        })
        .await
        .expect("direct");
        println!("| (straight to moto, no model) | {:.1} s | | | {} | | | |", direct.seconds, direct.requests);
    }
    let params = model_params(None);
    let mut runs = Vec::new();
    // The first run through the proxy records moto's answers; the measured runs replay them.
    let replay = Arc::new(aws_model::Replay::default());
    let recording = modelled_run(&moto, &params, Some(&replay), &["plan", &file, "--detailed-exitcode"]).await;
    report(&format!("plan, no changes, {n} accounts, recording moto's answers"), &[recording]);
    for _ in 0..run_count() {
        runs.push(modelled_run(&moto, &params, Some(&replay), &["plan", &file, "--detailed-exitcode"]).await);
    }
    report(&format!("plan, no changes, {n} accounts"), &runs);
}

async fn create(n: usize, dir: &std::path::Path) {
    let file = dir.join(format!("org-{n}.yml"));
    std::fs::write(&file, generated_org(n)).expect("write org");
    let file = file.to_str().expect("utf-8").to_string();
    // Account creation dominates: a finer time scale keeps a run to minutes (see the model file).
    let params = model_params(Some(0.02));
    let mut runs = Vec::new();
    for _ in 0..run_count() {
        let moto = moto::Moto::start().await;
        runs.push(modelled_run(&moto, &params, None, &["apply", &file, "--auto-approve"]).await);
    }
    report(&format!("apply, create {n} accounts (time scale {})", params.time_scale), &runs);
    let per_account = median(runs.iter().map(|(m, _)| m.requests as f64 / n as f64).collect());
    println!("\nrequests per created account: {per_account:.1}");
}

async fn stacks(dir: &std::path::Path) {
    const ACCOUNTS: usize = 100;
    let mut org = String::from("AWSTemplateFormatVersion: '2010-09-09-OC'\nOrganization:\n  Master:\n    Type: OC::ORG::MasterAccount\n    Properties:\n      AccountName: master\n      AccountId: '123456789012'\n  Workloads:\n    Type: OC::ORG::OrganizationalUnit\n    Properties:\n      OrganizationalUnitName: Workloads\n      Accounts: [");
    org.push_str(&(0..ACCOUNTS).map(|a| format!("!Ref Account{a}")).collect::<Vec<_>>().join(", "));
    org.push_str("]\n");
    for a in 0..ACCOUNTS {
        org.push_str(&format!("  Account{a}:\n    Type: OC::ORG::Account\n    Properties:\n      AccountName: Account {a}\n      RootEmail: aws+stack{a}@example.com\n"));
    }
    std::fs::write(dir.join("organization.yml"), org).expect("org");
    std::fs::write(
        dir.join("topic.yml"),
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: orgctl-bench\n",
    )
    .expect("template");
    let tasks = dir.join("tasks.yml");
    std::fs::write(&tasks, "OrganizationUpdate:\n  Type: update-organization\n  Template: ./organization.yml\nTopics:\n  Type: update-stacks\n  Template: ./topic.yml\n  StackName: orgctl-bench\n  DefaultOrganizationBinding:\n    OrganizationalUnit: !Ref Workloads\n    Region: [eu-west-1, eu-central-1]\n").expect("tasks");
    let org_file = dir.join("organization.yml").to_str().expect("utf-8").to_string();
    let tasks = tasks.to_str().expect("utf-8").to_string();
    // 200 stack operations one at a time take 200 × 20 s on AWS: a finer time scale keeps the
    // run to minutes (the ratio between the two concurrencies is what is measured). Below 0.05,
    // a stack operation takes less time than moto needs for the requests around it.
    let params = model_params(Some(0.05));
    for concurrency in ["1", "16"] {
        let mut runs = Vec::new();
        for _ in 0..run_count() {
            let moto = moto::Moto::start().await;
            let env = moto.env();
            let org_file = org_file.clone();
            tokio::task::spawn_blocking(move || measured(&["apply", &org_file, "--auto-approve"], &env))
                .await
                .expect("org");
            // A plan first records moto's answers to the reads (the organization, the accounts,
            // the empty stack lists), replayed by the measured apply as in `plan`; the stack
            // writes and the waits for them always go to moto and the model.
            let replay = Arc::new(aws_model::Replay::default());
            modelled_run(&moto, &params, Some(&replay), &["plan", &tasks]).await;
            let apply = ["apply", &tasks, "--auto-approve", "--concurrency", concurrency];
            runs.push(modelled_run(&moto, &params, Some(&replay), &apply).await);
        }
        report(
            &format!("apply, {} stacks, --concurrency {concurrency} (time scale {})", ACCOUNTS * 2, params.time_scale),
            &runs,
        );
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let dir = tempfile::tempdir().expect("tempdir");
    println!("| scenario (median of {}) | wall time | model floor | ratio | requests | throttled | peak memory | floor bound by |", run_count());
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let n = |default: usize| args.get(1).and_then(|a| a.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("plan") => plan(n(1000), dir.path()).await,
        Some("create") => create(n(300), dir.path()).await,
        Some("stacks") => stacks(dir.path()).await,
        Some("org-formation") => side_by_side(n(300), dir.path()).await,
        Some("moto-create") => create_on_moto(n(300), dir.path()).await,
        _ => {
            plan(1000, dir.path()).await;
            create(300, dir.path()).await;
            stacks(dir.path()).await;
        }
    }
}
