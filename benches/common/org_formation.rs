//! org-formation's CLI, for side-by-side runs under the same model: installed from npm into
//! `target/org-formation` when missing (benchmarks only; the test suite never needs it).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The org-formation release compared against.
const PACKAGE: &str = "aws-organization-formation@1.0.17";

/// The `org-formation` command, installed first if needed (needs node and npm).
pub fn cli() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/org-formation");
    let bin = dir.join("node_modules/.bin/org-formation");
    if !bin.exists() {
        eprintln!("installing {PACKAGE} into {}", dir.display());
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(PACKAGE)
            .status()
            .is_ok_and(|s| s.success());
        assert!(installed && bin.exists(), "could not install {PACKAGE} with npm");
    }
    bin
}
