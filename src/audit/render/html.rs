//! One self-contained HTML page (no network fetch) that reads the same for 5 accounts and for
//! 2,000: a navigation bar to each part, the findings first, a legend that says what each
//! severity colour means (and every badge says it in words too), the OU tree as nested,
//! collapsible lists with the SCPs attached at each level, and sortable, filterable tables that
//! wrap instead of overflowing.
//!
//! The page is the template `report.html` (with `report.css` and `report.js`), rendered by
//! minijinja, which escapes every value as HTML; this file only builds what it shows.

use crate::audit::order::natural;
use crate::audit::report::{Finding, Inventory, Report, Severity};
use crate::policy::effect::regions_shown;
use serde::Serialize;
use std::collections::HashMap;

/// Above this many accounts the tree starts collapsed below the root (the page stays short).
const OPEN_TREE_UP_TO: usize = 200;

const TEMPLATE: &str = include_str!("report.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// A severity badge: colour and word.
#[derive(Serialize)]
struct Badge {
    word: &'static str,
    color: &'static str,
}

fn badge(s: Option<Severity>) -> Badge {
    let color = match s {
        Some(Severity::Critical) => "#7f1d1d",
        Some(Severity::High) => "#dc2626",
        Some(Severity::Medium) => "#b45309",
        Some(Severity::Low) => "#2563eb",
        Some(Severity::Info) => "#4b5563",
        None => "#15803d",
    };
    Badge { word: s.map_or("no findings", Severity::name), color }
}

fn count(accounts: usize) -> String {
    format!("{accounts} account{}", if accounts == 1 { "" } else { "s" })
}

#[derive(Serialize)]
struct Card {
    badge: Badge,
    count: usize,
}

#[derive(Serialize)]
struct Total {
    count: usize,
    what: &'static str,
}

/// One row per check (2,000 accounts without a password policy are one row, not 2,000).
#[derive(Serialize)]
struct Check<'a> {
    sort_key: u8,
    badge: Badge,
    check: &'a str,
    title: &'a str,
    resources: Vec<Fired<'a>>,
    /// The fix, when every resource has the same one.
    fix: String,
}

#[derive(Serialize)]
struct Fired<'a> {
    resource: &'a str,
    message: &'a str,
    fix: Option<&'a str>,
}

#[derive(Serialize)]
struct TreeAccount<'a> {
    badge: Badge,
    name: &'a str,
    id: &'a str,
    management: bool,
}

/// A level of the OU tree: its accounts, then its OUs.
#[derive(Serialize)]
struct Node<'a> {
    name: &'a str,
    id: &'a str,
    scps: &'a [String],
    /// How many accounts it holds, all levels.
    count: String,
    accounts: Vec<TreeAccount<'a>>,
    children: Vec<Node<'a>>,
}

#[derive(Serialize)]
struct Tree<'a> {
    root: Node<'a>,
    ou_count: usize,
    open: bool,
}

#[derive(Serialize)]
struct AccountRow<'a> {
    name: &'a str,
    management: bool,
    id: &'a str,
    email: &'a str,
    status: &'a str,
    ou: &'a str,
    alias: &'a str,
    tags: String,
    scps: String,
    password_policy: String,
    sort_key: u8,
    badge: Badge,
}

#[derive(Serialize)]
struct PolicyRow<'a> {
    policy_type: &'a str,
    name: &'a str,
    aws_managed: bool,
    id: &'a str,
    size: usize,
    attached_to: String,
}

#[derive(Serialize)]
struct Delegated<'a> {
    account: String,
    service: &'a str,
}

#[derive(Serialize)]
struct AccessLine<'a> {
    ou: &'a str,
    actions: String,
    count: usize,
    regions: String,
}

#[derive(Serialize)]
struct StackRow<'a> {
    account: String,
    region: &'a str,
    name: &'a str,
    task: &'a str,
    status: &'a str,
}

#[derive(Serialize)]
struct Page<'a> {
    organization_id: &'a str,
    management: String,
    provider: &'a str,
    version: &'a str,
    finding_count: usize,
    cards: Vec<Card>,
    totals: Vec<Total>,
    legend: Vec<Badge>,
    checks: Vec<Check<'a>>,
    drift: Option<&'a [crate::audit::report::DriftItem]>,
    drift_file: &'a str,
    tree: Tree<'a>,
    accounts: Vec<AccountRow<'a>>,
    policies: Vec<PolicyRow<'a>>,
    trusted_services: String,
    policy_types: String,
    delegated: Vec<Delegated<'a>>,
    access: Vec<AccessLine<'a>>,
    /// Who can sign in where (IAM Identity Center), when the organization has it.
    identity: Option<&'a crate::audit::identity::IdentityReport>,
    stacks: Vec<StackRow<'a>>,
    style: &'static str,
    script: &'static str,
}

/// The checks that fired, in the order of the report, each with the resources it fires on.
fn checks(findings: &[Finding]) -> Vec<Check<'_>> {
    let mut grouped: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match grouped.iter_mut().find(|(c, _)| *c == f.check) {
            Some((_, list)) => list.push(f),
            None => grouped.push((f.check, vec![f])),
        }
    }
    grouped
        .into_iter()
        .filter_map(|(check, list)| {
            let first = *list.first()?;
            let same_fix = list.iter().all(|f| f.fix == first.fix);
            let resources = list
                .iter()
                .map(|f| Fired { resource: &f.resource, message: &f.message, fix: (!same_fix).then_some(&*f.fix) })
                .collect();
            Some(Check {
                sort_key: 5 - first.severity as u8,
                badge: badge(Some(first.severity)),
                check,
                title: first.title,
                resources,
                fix: if same_fix { first.fix.clone() } else { "see each resource".into() },
            })
        })
        .collect()
}

/// The OUs under `parent_id` by name, each with its accounts and OUs.
fn ous_under<'a>(inv: &'a Inventory, worst: &HashMap<&str, Severity>, parent_id: &str) -> Vec<Node<'a>> {
    let mut ous: Vec<_> = inv.ous.iter().filter(|o| o.parent_id == parent_id).collect();
    ous.sort_by(|a, b| natural(&a.name, &b.name));
    ous.into_iter()
        .map(|ou| {
            let within = format!("{}/", ou.path);
            let below =
                inv.accounts.iter().filter(|a| a.parent_path == ou.path || a.parent_path.starts_with(&within)).count();
            Node {
                name: &ou.name,
                id: &ou.id,
                scps: &ou.scps,
                count: count(below),
                accounts: accounts_at(inv, worst, &ou.path),
                children: ous_under(inv, worst, &ou.id),
            }
        })
        .collect()
}

/// The accounts directly at `path`, by name.
fn accounts_at<'a>(inv: &'a Inventory, worst: &HashMap<&str, Severity>, path: &str) -> Vec<TreeAccount<'a>> {
    let mut accounts: Vec<_> = inv.accounts.iter().filter(|a| a.parent_path == path).collect();
    accounts.sort_by(|a, b| natural(&a.name, &b.name));
    accounts
        .into_iter()
        .map(|a| TreeAccount {
            badge: badge(worst.get(a.id.as_str()).copied()),
            name: &a.name,
            id: &a.id,
            management: a.is_management,
        })
        .collect()
}

pub fn render(r: &Report) -> String {
    let inv = &r.inventory;
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for f in &r.findings {
        let e = worst.entry(f.resource_id.as_str()).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    let joined = |items: &[String]| items.join(", ");
    let page = Page {
        organization_id: &r.organization_id,
        management: inv.account_label(&r.management_account_id),
        provider: &r.provider,
        version: r.orgctl_version,
        finding_count: r.findings.len(),
        cards: Severity::ALL
            .into_iter()
            .map(|s| Card { badge: badge(Some(s)), count: r.summary.findings.get(s.name()).copied().unwrap_or(0) })
            .collect(),
        totals: vec![
            Total { count: r.summary.accounts, what: "accounts" },
            Total { count: r.summary.ous, what: "OUs" },
            Total { count: r.summary.policies, what: "SCPs" },
            Total { count: r.summary.stacks, what: "stacks" },
        ],
        legend: Severity::ALL.into_iter().map(Some).chain([None]).map(badge).collect(),
        checks: checks(&r.findings),
        drift: r.drift.as_deref(),
        drift_file: r.file.as_deref().unwrap_or("the file"),
        tree: Tree {
            root: Node {
                name: "Root",
                id: &inv.root_id,
                scps: &inv.root_scps,
                count: count(inv.accounts.len()),
                accounts: accounts_at(inv, &worst, "Root"),
                children: ous_under(inv, &worst, &inv.root_id),
            },
            ou_count: inv.ous.len(),
            open: inv.accounts.len() <= OPEN_TREE_UP_TO,
        },
        accounts: inv
            .accounts
            .iter()
            .map(|a| {
                let sev = worst.get(a.id.as_str()).copied();
                AccountRow {
                    name: &a.name,
                    management: a.is_management,
                    id: &a.id,
                    email: &a.email,
                    status: &a.status,
                    ou: &a.parent_path,
                    alias: a.alias.as_deref().unwrap_or("-"),
                    tags: a.tags_summary(),
                    scps: a.scps_summary(),
                    password_policy: a.password_summary(),
                    sort_key: sev.map_or(9, |s| 5 - s as u8),
                    badge: badge(sev),
                }
            })
            .collect(),
        policies: inv
            .policies
            .iter()
            .map(|p| PolicyRow {
                policy_type: &p.policy_type,
                name: &p.name,
                aws_managed: p.aws_managed,
                id: &p.id,
                size: p.size,
                attached_to: joined(&p.attached_to),
            })
            .collect(),
        trusted_services: joined(&r.governance.trusted_services),
        policy_types: joined(&inv.policy_types_enabled),
        delegated: r
            .governance
            .delegated_administrators
            .iter()
            .map(|d| Delegated { account: inv.account_label(&d.account_id), service: &d.service })
            .collect(),
        access: r
            .effective_access
            .iter()
            .flat_map(|ou| {
                ou.access.iter().map(|row| AccessLine {
                    ou: &ou.path,
                    actions: joined(&row.actions),
                    count: row.action_count,
                    regions: regions_shown(&row.regions),
                })
            })
            .collect(),
        identity: r.identity_center.as_ref(),
        stacks: inv
            .stacks
            .iter()
            .map(|s| StackRow {
                account: inv.account_label(&s.account_id),
                region: &s.region,
                name: &s.name,
                task: s.task.as_deref().unwrap_or("-"),
                status: &s.status,
            })
            .collect(),
        style: STYLE,
        script: SCRIPT,
    };
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    let rendered = env
        .add_template("report.html", TEMPLATE)
        .and_then(|()| env.get_template("report.html").and_then(|t| t.render(minijinja::context! { page => page })));
    // The template is orgctl's own and fixed: a failure here is a bug, said on the page.
    rendered.unwrap_or_else(|e| format!("<!DOCTYPE html><p>the report could not be rendered: {e}</p>"))
}
