//! A mutation fuzzer on the stable toolchain over what reads hostile input: the YAML loader, the
//! evaluator and validator (org files and task files), and the saved-plan reader with its checks
//! and description. Seeds are the shipped examples, the invalid corpus and a real saved plan;
//! each round mutates one and feeds it in. Any panic, or a round that takes too long, fails the
//! test and leaves the input in `target/fuzz-crashes/`.
//!
//! CI runs a short bounded round; `ORGCTL_FUZZ_SECONDS=1800 cargo test --test it fuzz -- --nocapture`
//! runs longer (`ORGCTL_FUZZ_SEED` replays a run).

use crate::common;

use orgctl::model::{OrgState, StackState};
use orgctl::org_file::{self, LoadOptions};
use orgctl::plan::{check, describe_from_operations, render, saved, Plan};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Text that often matters to the parsers: YAML structure, tags, references, odd characters.
const TOKENS: &[&str] = &[
    "!Ref ",
    "!GetAtt ",
    "!Sub ",
    "!Join ",
    "!Include ",
    "!ReadFile ",
    "!CopyValue ",
    "Fn::Sub: ",
    "${",
    "}",
    "${!",
    "&a ",
    "*a",
    "<<: ",
    ": ",
    "- ",
    "\n  ",
    "\n    - ",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "\u{feff}",
    "é",
    "東京",
    "\u{1b}[2K",
    "\u{202e}",
    "~",
    "null",
    "True",
    "0x1F",
    "1e400",
    "-1",
    "99999999999999999999",
    "Type: OC::ORG::Account\n",
    "OrganizationalUnit",
    "Properties:",
    "AccountId",
    "\"depends_on\": [0]",
    "\"id\": 0",
    "\"new\": \"X\"",
    "\"existing\": \"\"",
    "Organization:",
    "AWSTemplateFormatVersion:",
];

struct Seeds {
    org_files: Vec<String>,
    plan: String,
    state: OrgState,
    stacks: Vec<StackState>,
}

fn seeds() -> Seeds {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut org_files = Vec::new();
    for dir in ["examples/quickstart", "org-templates/starter", "tests/corpus/invalid", "landing-zone"] {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
        entries.sort();
        for p in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yml")) {
            org_files.push(std::fs::read_to_string(p).unwrap());
        }
    }
    // A real saved plan (one of every common operation) and the organization it was made against.
    let ws = common::Workspace::quickstart();
    let file = ws.dir.path().join("plan.json");
    ws.plan(&["--out", file.to_str().unwrap()]).ok();
    let plan = std::fs::read_to_string(&file).unwrap();
    let sandbox: serde_json::Value = ws.sandbox_json();
    let state: OrgState = serde_json::from_value(sandbox["org"].clone()).unwrap();
    Seeds { org_files, plan, state, stacks: Vec::new() }
}

/// One random edit of `input` (byte-level, token insertion, or a splice from another seed).
fn mutate(rng: &mut fastrand::Rng, input: &str, others: &[String]) -> String {
    let mut bytes = input.as_bytes().to_vec();
    for _ in 0..rng.usize(1..=4) {
        let at = rng.usize(0..=bytes.len());
        match rng.u8(0..6) {
            0 if !bytes.is_empty() => {
                let i = rng.usize(0..bytes.len());
                bytes[i] ^= 1 << rng.u8(0..8);
            }
            1 if at < bytes.len() => {
                let end = (at + rng.usize(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 if at < bytes.len() => {
                let end = (at + rng.usize(1..128)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.usize(0..=bytes.len());
                bytes.splice(to..to, copy);
            }
            3 if !others.is_empty() => {
                let other = others[rng.usize(0..others.len())].as_bytes();
                let from = rng.usize(0..=other.len());
                let end = (from + rng.usize(1..256)).min(other.len());
                bytes.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let token = TOKENS[rng.usize(0..TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Feeds one org-file or task-file input to the loaders.
fn load_file(dir: &Path, text: &str) {
    let path = dir.join("organization.yml");
    std::fs::write(&path, text).unwrap();
    let options = LoadOptions::default();
    if orgctl::tasks::is_task_file(&path, &options) {
        let _ = orgctl::tasks::load(&path, &options);
    } else {
        let _ = org_file::load(&path, &options);
    }
}

/// Feeds one saved-plan input to the reader, the checks and the description, resealed so that
/// the checks behind the digest are reached too.
fn load_plan(text: &str, state: &OrgState, stacks: &[StackState]) {
    let _ = saved::from_json(text);
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let Ok(mut plan) = serde_json::from_value::<Plan>(value) else { return };
    plan.digest = Some(saved::digest(&plan));
    let Ok(text) = saved::to_json(&plan) else { return };
    let Ok(mut plan) = saved::from_json(&text) else { return };
    if check::check(&plan, state, stacks).is_empty() {
        describe_from_operations(&mut plan, state, stacks);
        let _ = render::render_plan(&plan);
    }
}

#[test]
fn hostile_inputs_never_panic_or_hang() {
    let seconds: u64 = std::env::var("ORGCTL_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8);
    let seed: u64 =
        std::env::var("ORGCTL_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    let seeds = seeds();
    let crashes = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
    let (progress, heartbeat) = mpsc::channel::<(usize, String)>();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let worker = std::thread::spawn(move || {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut runs = 0usize;
        let mut panics = Vec::new();
        while Instant::now() < deadline {
            let plan_round = rng.u8(0..4) == 0;
            let input = if plan_round {
                mutate(&mut rng, &seeds.plan, &[])
            } else {
                let base = &seeds.org_files[rng.usize(0..seeds.org_files.len())];
                mutate(&mut rng, base, &seeds.org_files)
            };
            let _ = progress.send((runs, input.clone()));
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if plan_round {
                    load_plan(&input, &seeds.state, &seeds.stacks);
                } else {
                    load_file(dir.path(), &input);
                }
            }));
            if outcome.is_err() {
                panics.push(input);
            }
            runs += 1;
        }
        (runs, panics)
    });
    // Watchdog: a round that makes no progress for 20 s is a hang.
    let mut last = (0, String::new());
    loop {
        match heartbeat.recv_timeout(Duration::from_secs(20)) {
            Ok(beat) => last = beat,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                std::fs::create_dir_all(&crashes).unwrap();
                std::fs::write(crashes.join(format!("hang-{seed}")), &last.1).unwrap();
                panic!("round {} (seed {seed}) hung for 20 s; input saved in {}", last.0, crashes.display());
            }
        }
    }
    let (runs, panics) = worker.join().expect("the fuzz worker itself");
    println!("fuzz: seed {seed}, {seconds} s, {runs} executions, {} crashes", panics.len());
    if !panics.is_empty() {
        std::fs::create_dir_all(&crashes).unwrap();
        for (i, input) in panics.iter().enumerate() {
            std::fs::write(crashes.join(format!("crash-{seed}-{i}")), input).unwrap();
        }
        panic!("{} inputs panicked (seed {seed}); saved in {}", panics.len(), crashes.display());
    }
    assert!(runs > 0, "the fuzzer ran no input");
}
