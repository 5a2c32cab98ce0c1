//! Every malformed org file of the corpus gives exactly its expected diagnostic, with its
//! location, exit code 1, and no panic.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the crate").display().to_string()
}

fn one_line(d: &serde_json::Value) -> String {
    let loc = &d["location"];
    let or_dash = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    format!(
        "{}:{} {}[{}] {}.{}: {}",
        loc["line"],
        loc["column"],
        d["severity"].as_str().unwrap_or_default(),
        d["code"].as_str().unwrap_or_default(),
        or_dash(&d["logical_id"]),
        or_dash(&d["property"]),
        d["message"].as_str().unwrap_or_default()
    )
}

#[test]
fn the_corpus_has_at_least_25_files_each_with_an_expectation() {
    let files = corpus();
    assert!(files.len() >= 25, "only {} malformed files", files.len());
    for f in files {
        assert!(f.with_extension("expected").exists(), "{} has no .expected file", f.display());
    }
}

#[test]
fn every_malformed_file_gives_exactly_its_expected_error() {
    let mut failures = Vec::new();
    for file in corpus() {
        let rel = relative(&file);
        let expected = std::fs::read_to_string(file.with_extension("expected")).expect("expected file");
        let out = Command::cargo_bin("orgctl")
            .expect("binary")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["validate", "--json", &rel])
            .output()
            .expect("run orgctl");
        if out.status.code() != Some(1) {
            failures.push(format!("{rel}: exit code {:?}, expected 1", out.status.code()));
            continue;
        }
        let json: serde_json::Value = match serde_json::from_slice(&out.stdout) {
            Ok(j) => j,
            Err(e) => {
                failures.push(format!("{rel}: --json output does not parse: {e}"));
                continue;
            }
        };
        let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
        let errors: Vec<String> = diagnostics.iter().filter(|d| d["severity"] == "error").map(one_line).collect();
        let got = errors.join("\n");
        if got.trim() != expected.trim() {
            failures.push(format!("{rel}:\n  expected: {}\n  got:      {}", expected.trim(), got));
        }
        for d in &diagnostics {
            if d["location"]["file"].as_str().is_none_or(|f| f.is_empty()) {
                failures.push(format!("{rel}: a diagnostic lost its file"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_human_output_shows_the_location_and_never_panics() {
    for file in corpus() {
        let rel = relative(&file);
        let expected = std::fs::read_to_string(file.with_extension("expected")).expect("expected file");
        let line_col = expected.split_whitespace().next().expect("line:col").to_string();
        let out = Command::cargo_bin("orgctl")
            .expect("binary")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["validate", "--color", "never", &rel])
            .output()
            .expect("run orgctl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{rel}: {stderr}");
        assert!(!stderr.contains("panicked"), "{rel} panicked: {stderr}");
        let location = format!("{rel}:{line_col}");
        assert!(stderr.contains(&location), "{rel}: no {location} in:\n{stderr}");
    }
}
