//! The HTML audit report in a real browser (headless Chromium, installed by scripts/test.sh):
//! its script runs, the tree and the tables are there, and it renders to a picture.

use crate::common;
use common::Workspace;
use std::path::PathBuf;
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("ORGCTL_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists())
}

fn headless(browser: &PathBuf, profile: &std::path::Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn the_html_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("ORGCTL_SKIP_BROWSER_TESTS").is_ok(),
            "Chromium is needed (scripts/test.sh installs Debian's chromium); set ORGCTL_SKIP_BROWSER_TESTS=1 to skip"
        );
        return;
    };
    let ws = Workspace::quickstart();
    ws.converge();
    let report = ws.dir.path().join("audit.html");
    let org = ws.org.to_str().unwrap();
    ws.run(&[
        "audit",
        org,
        "--sandbox",
        ws.sandbox.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ])
    .ok();
    let url = format!("file://{}", report.display());
    let profile = tempfile::tempdir().unwrap();

    let dom = headless(&browser, profile.path()).arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<body data-ready=\"1\">"), "the page's script did not run to the end");
    assert!(
        dom.contains("<svg") && dom.matches("<rect").count() >= 13,
        "the OU tree has the root, 5 OUs and 7 accounts"
    );
    let findings_table =
        dom.split("id=\"findings\"").nth(1).unwrap_or_default().split("</table>").next().unwrap_or_default();
    assert_eq!(findings_table.matches("<tr>").count(), 1 + 3, "header and the quickstart's 3 findings");
    assert!(dom.contains("Workloads") && dom.contains("Production"));

    let shot = ws.dir.path().join("audit.png");
    let out = headless(&browser, profile.path())
        .arg("--window-size=1400,1500")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real picture, not a blank page ({} bytes)",
        png.len()
    );
}
