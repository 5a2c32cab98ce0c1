//! Benchmark: orgs of 50, 300 and 1,000 accounts applied from scratch on a moto server, then
//! planned again, then audited (JSON report against the file); wall time and API requests of
//! each step (`--stats`).
//!
//! Run with `cargo bench --bench aws_moto` (installs moto into .venv if needed). Targets on the
//! 2-core reference machine: plan of 1,000 accounts under 10 s, apply of 300 under 15 s, at
//! most 8 requests per account for a from-scratch apply.

#[allow(dead_code)]
#[path = "../tests/it/common/moto.rs"]
mod moto;

mod common;
use common::{generated_org, orgctl};

const SIZES: [usize; 3] = [50, 300, 1000];

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "| accounts | apply from scratch | requests | requests/account | plan again | requests | audit | requests |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in SIZES {
        let server = moto::Moto::start().await;
        let file = dir.path().join(format!("org-{n}.yml"));
        std::fs::write(&file, generated_org(n)).expect("write org");
        let file = file.to_str().expect("utf-8");
        let env = server.env();
        let (apply_s, apply_r) = orgctl(&["apply", file, "--auto-approve"], &env);
        let (plan_s, plan_r) = orgctl(&["plan", file, "--detailed-exitcode"], &env);
        let report = dir.path().join(format!("audit-{n}.json"));
        let (audit_s, audit_r) =
            orgctl(&["audit", file, "--format", "json", "-o", report.to_str().expect("utf-8")], &env);
        println!(
            "| {n} | {apply_s:.1} s | {apply_r} | {:.1} | {plan_s:.1} s | {plan_r} | {audit_s:.1} s | {audit_r} |",
            apply_r as f64 / n as f64
        );
    }
}
