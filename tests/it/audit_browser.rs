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

/// `orgctl audit --format html` of the workspace's sandbox (compared with `file` when given).
fn html_report(ws: &Workspace, file: Option<&str>) -> PathBuf {
    let report = ws.dir.path().join("audit.html");
    let mut args = vec!["audit"];
    args.extend(file);
    args.extend(["--sandbox", ws.sandbox.to_str().unwrap(), "--format", "html", "-o", report.to_str().unwrap()]);
    let run = ws.run(&args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    report
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
    let report = html_report(&ws, Some(ws.org.to_str().unwrap()));
    let url = format!("file://{}", report.display());
    let profile = tempfile::tempdir().unwrap();

    let dom = headless(&browser, profile.path()).arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not run to the end");
    assert_eq!(dom.matches("<span class=\"ou\">").count(), 6, "the OU tree has the root and 5 OUs");
    assert_eq!(dom.matches("<li class=\"acct\">").count(), 7, "and 7 accounts");
    assert!(dom.contains("(management: SCPs do not apply)"), "the management account is marked");
    let findings_table =
        dom.split("id=\"findings\"").nth(1).unwrap_or_default().split("</table>").next().unwrap_or_default();
    assert_eq!(
        findings_table.matches("<tr>").count(),
        1 + 4,
        "header and the quickstart's four failing checks (deny-leave, no tag policy, no AI opt-out, no organization trail)"
    );
    assert_eq!(
        findings_table.matches("<li class=\"finding\">").count(),
        3 + 3,
        "on 3 accounts, and the organization three times"
    );
    assert!(dom.contains("Workloads") && dom.contains("Production"));

    screenshot(&browser, profile.path(), &url, &ws.dir.path().join("audit.png"), "1400,1300", "audit-report.png");
}

/// A picture of the page at `size`, checked to be a real picture; kept in docs/ as `docs_name`
/// when ORGCTL_UPDATE_DOCS is set.
fn screenshot(
    browser: &PathBuf,
    profile: &std::path::Path,
    url: &str,
    shot: &std::path::Path,
    size: &str,
    docs_name: &str,
) {
    let out = headless(browser, profile)
        .arg(format!("--window-size={size}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real picture, not a blank page ({} bytes)",
        png.len()
    );
    if std::env::var_os("ORGCTL_UPDATE_DOCS").is_some() {
        std::fs::write(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(docs_name), &png).unwrap();
    }
}

/// A sandbox organization of `accounts` accounts spread over 40 OUs under 4 top-level OUs, made
/// by writing the sandbox file directly (applying 2,000 accounts one by one takes minutes).
fn large_sandbox(ws: &Workspace, accounts: usize) {
    let mut data = ws.sandbox_json();
    let org = &mut data["org"];
    let root = org["root"]["id"].as_str().unwrap().to_string();
    let deny_leave = org["policies"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, p)| p["name"] == "DenyLeaveOrganization")
        .map(|(id, _)| id.clone())
        .unwrap();
    let mut ous = Vec::new();
    for top in 1..=4 {
        let id = format!("ou-{}-top{top:04}", &root[2..]);
        org["ous"][&id] =
            serde_json::json!({"id": id, "name": format!("Division {top}"), "parent_id": root, "tags": {}});
        for team in 1..=10 {
            let child = format!("ou-{}-t{top}{team:03}", &root[2..]);
            org["ous"][&child] =
                serde_json::json!({"id": child, "name": format!("team-{team}"), "parent_id": id, "tags": {}});
            ous.push(child);
        }
        if top % 2 == 0 {
            org["policies"][&deny_leave]["targets"].as_array_mut().unwrap().push(id.clone().into());
        }
    }
    let policy = org["accounts"].as_object().unwrap().values().next().unwrap()["password_policy"].clone();
    for n in 1..=accounts {
        let id = format!("{:012}", 500_000_000_000u64 + n as u64);
        org["accounts"][&id] = serde_json::json!({
            "id": id, "name": format!("acc-{n}"), "email": format!("acc-{n}@example.com"),
            "parent_id": ous[n % ous.len()], "status": "ACTIVE",
            "tags": {"team": format!("team-{}", n % 10), "cost-center": format!("cc-{}", n % 7)},
            "alias": null, "password_policy": if n % 3 == 0 { serde_json::Value::Null } else { policy.clone() }
        });
    }
    std::fs::write(&ws.sandbox, serde_json::to_string(&data).unwrap()).unwrap();
}

/// The report for 2,000 accounts in Chromium at 1,400 px: no horizontal overflow, the tree
/// collapsed below the root with its SCPs shown, accounts in natural order (acc-2 before
/// acc-10), a legend, and the findings before the tree. The picture is kept as
/// docs/audit-report-2000.png (written there when ORGCTL_UPDATE_DOCS is set).
#[test]
fn the_html_report_for_2000_accounts_fits_1400_pixels_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(std::env::var("ORGCTL_SKIP_BROWSER_TESTS").is_ok(), "Chromium is needed");
        return;
    };
    let ws = Workspace::quickstart();
    ws.converge();
    large_sandbox(&ws, 2000);
    let report = html_report(&ws, None);
    let html = std::fs::read_to_string(&report).unwrap();
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} is not in the report"));
    assert!(at("id=\"findings-section\"") < at("id=\"tree\""), "findings come before the tree");
    assert!(at(">acc-2<") < at(">acc-10<") && at(">acc-10<") < at(">acc-100<"), "natural order");
    assert!(html.contains("id=\"legend\""));
    assert!(html.contains("<span class=\"scp\" title=\"SCP attached here\">DenyLeaveOrganization</span>"));
    assert!(!html.contains("<details open><summary><span class=\"ou\">Division"), "OUs start collapsed");

    let url = format!("file://{}", report.display());
    let profile = tempfile::tempdir().unwrap();
    let dom =
        headless(&browser, profile.path()).arg("--window-size=1400,1000").arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("data-ready=\"1\""), "the page's script ran");
    let width: usize = dom
        .split("data-width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("the page reports its width");
    assert!(width <= 1400, "the page is {width} px wide at a 1,400 px window");

    screenshot(
        &browser,
        profile.path(),
        &url,
        &ws.dir.path().join("audit-2000.png"),
        "1400,1400",
        "audit-report-2000.png",
    );
}
