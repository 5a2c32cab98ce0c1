//! What the benchmarks share: running orgctl and reading its `--stats`.

use std::process::Command;
use std::time::Instant;

/// Runs orgctl with `--stats`; returns (seconds, API requests). Panics on failure: a benchmark
/// whose run fails has nothing to report.
pub fn orgctl(args: &[&str], env: &[(&'static str, String)]) -> (f64, u64) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_orgctl"))
        .args(args)
        .arg("--stats")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run orgctl");
    let secs = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "orgctl {args:?} failed:\n{stderr}");
    let requests = stderr
        .lines()
        .find_map(|l| l.strip_prefix("orgctl: ")?.strip_suffix(" API requests")?.parse().ok())
        .unwrap_or(0);
    (secs, requests)
}
