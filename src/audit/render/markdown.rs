//! The report as Markdown (for a pull request or a wiki). Every name comes from the
//! organization, so it is escaped: a `|` cannot break a table, HTML cannot reach the page.

use crate::audit::report::Report;
use crate::policy::effect::regions_shown;
use std::fmt::Write;

/// Text from the organization, safe in a table cell and in running text.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '*' | '_' | '`' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for section in [
        summary,
        findings,
        drift,
        organizational_units,
        accounts,
        policies,
        delegation,
        effective_access,
        identity_center,
        stacks,
    ] {
        section(&mut out, r);
    }
    out
}

/// The title, where the report comes from, and the counts.
fn summary(out: &mut String, r: &Report) {
    let _ = writeln!(out, "# Organization audit: {}\n", r.organization_id);
    let _ = writeln!(
        out,
        "Management account {} · {} · orgctl {}\n",
        r.management_account_id, r.provider, r.orgctl_version
    );
    let s = &r.summary;
    let _ = writeln!(out, "{} accounts, {} OUs, {} SCPs, {} stacks.\n", s.accounts, s.ous, s.policies, s.stacks);
    let _ = writeln!(out, "| severity | findings |\n|---|---:|");
    for sev in crate::audit::report::Severity::ALL {
        let _ = writeln!(out, "| {} | {} |", sev.name(), s.findings.get(sev.name()).copied().unwrap_or(0));
    }
}

/// Every finding with its fix.
fn findings(out: &mut String, r: &Report) {
    let _ = writeln!(out, "\n## Findings\n");
    if r.findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(out, "| severity | check | resource | finding | fix |\n|---|---|---|---|---|");
        for f in &r.findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}: {} | {} |",
                f.severity.name(),
                f.check,
                cell(&f.resource),
                f.title,
                cell(&f.message),
                cell(&f.fix)
            );
        }
    }
}

/// What differs from the file, when the audit was given one.
fn drift(out: &mut String, r: &Report) {
    if let Some(drift) = &r.drift {
        let _ = writeln!(out, "\n## Drift from {}\n", cell(r.file.as_deref().unwrap_or("the file")));
        if drift.is_empty() {
            let _ = writeln!(out, "None: the organization matches the file.");
        }
        for d in drift {
            let _ = writeln!(out, "- `{}` {}: {}", d.symbol, cell(&d.subject), cell(&d.summary));
            for detail in &d.details {
                let _ = writeln!(out, "  - {}", cell(detail));
            }
        }
    }
}

/// The OU tree with the SCPs on each level.
fn organizational_units(out: &mut String, r: &Report) {
    let inv = &r.inventory;
    let _ = writeln!(out, "\n## Organizational units\n");
    let mut ous: Vec<_> = inv.ous.iter().collect();
    ous.sort_by(|a, b| crate::audit::order::natural(&a.path, &b.path));
    let root_scps =
        if inv.root_scps.is_empty() { String::new() } else { format!(" · SCPs: {}", cell(&inv.root_scps.join(", "))) };
    let _ = writeln!(out, "- Root (`{}`){root_scps}", inv.root_id);
    for ou in ous {
        let scps = if ou.scps.is_empty() { String::new() } else { format!(" · SCPs: {}", cell(&ou.scps.join(", "))) };
        let _ = writeln!(out, "{}- {} (`{}`){scps}", "  ".repeat(ou.depth), cell(&ou.name), ou.id);
    }
}

/// One row per account.
fn accounts(out: &mut String, r: &Report) {
    let inv = &r.inventory;
    let _ = writeln!(out, "\n## Accounts\n\n| id | name | email | status | OU | alias | tags | effective SCPs | password policy |\n|---|---|---|---|---|---|---|---|---|");
    for a in &inv.accounts {
        let _ = writeln!(
            out,
            "| {} | {}{} | {} | {} | {} | {} | {} | {} | {} |",
            a.id,
            cell(&a.name),
            if a.is_management { " (management)" } else { "" },
            cell(&a.email),
            a.status,
            cell(&a.parent_path),
            cell(a.alias.as_deref().unwrap_or("-")),
            cell(&a.tags_summary()),
            cell(&a.scps_summary()),
            a.password_summary()
        );
    }
}

/// One row per organization policy.
fn policies(out: &mut String, r: &Report) {
    let inv = &r.inventory;
    let _ = writeln!(
        out,
        "\n## Organization policies\n\n| type | id | name | size | attached to |\n|---|---|---|---:|---|"
    );
    for p in &inv.policies {
        let _ = writeln!(
            out,
            "| {} | {} | {}{} | {} | {} |",
            p.policy_type,
            p.id,
            cell(&p.name),
            if p.aws_managed { " (AWS)" } else { "" },
            p.size,
            cell(&p.attached_to.join(", "))
        );
    }
}

/// Trusted services, policy types and delegated administrators.
fn delegation(out: &mut String, r: &Report) {
    let inv = &r.inventory;
    let g = &r.governance;
    let _ = writeln!(out, "\n## Delegation\n");
    let list = |items: &[String]| if items.is_empty() { "none".to_string() } else { cell(&items.join(", ")) };
    let _ = writeln!(out, "- Trusted service access: {}", list(&g.trusted_services));
    let _ = writeln!(out, "- Policy types enabled: {}", list(&inv.policy_types_enabled));
    for d in &g.delegated_administrators {
        let _ = writeln!(
            out,
            "- Delegated administrator: {} for {}",
            cell(&inv.account_label(&d.account_id)),
            cell(&d.service)
        );
    }
}

/// What the SCPs let each OU do, by region.
fn effective_access(out: &mut String, r: &Report) {
    if !r.effective_access.is_empty() {
        let _ = writeln!(out, "\n## Effective access\n\nWhat the SCPs let a role of an account directly in each OU do, by region (statements that depend on other condition keys or on resources not counted).\n\n| OU | actions | regions |\n|---|---|---|");
        for ou in &r.effective_access {
            for row in &ou.access {
                let _ = writeln!(
                    out,
                    "| {} | {} ({}) | {} |",
                    cell(&ou.path),
                    cell(&row.actions.join(", ")),
                    row.action_count,
                    cell(&regions_shown(&row.regions))
                );
            }
        }
    }
}

/// Who can sign in where, and the permission sets.
fn identity_center(out: &mut String, r: &Report) {
    if let Some(identity) = &r.identity_center {
        let _ = writeln!(
            out,
            "\n## Who can sign in where\n\nIAM Identity Center {}: each principal, the accounts it can sign in to, and with which permission set.\n\n| principal | type | account | permission set |\n|---|---|---|---|",
            cell(&identity.instance_arn)
        );
        for a in &identity.access {
            let account = format!("{} ({})", a.account_name, a.account_id);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&a.principal),
                a.principal_type,
                cell(&account),
                cell(&a.permission_set)
            );
        }
        if identity.access.is_empty() {
            let _ = writeln!(out, "| no assignments | | | |");
        }
        let _ = writeln!(out, "\n| permission set | session | managed policies | inline | administrator | accounts | managed by orgctl |\n|---|---|---|---|---|---:|---|");
        let yes = |b: bool| if b { "yes" } else { "no" };
        for p in &identity.permission_sets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&p.name),
                cell(&p.session_duration),
                cell(&p.managed_policies.join(", ")),
                yes(p.has_inline_policy),
                yes(p.administrator),
                p.accounts,
                yes(p.managed_by_orgctl)
            );
        }
        if identity.permission_sets.is_empty() {
            let _ = writeln!(out, "| no permission sets | | | | | | |");
        }
    }
}

/// orgctl's stacks.
fn stacks(out: &mut String, r: &Report) {
    let inv = &r.inventory;
    if !inv.stacks.is_empty() {
        let _ = writeln!(out, "\n## Stacks\n\n| account | region | stack | task | status |\n|---|---|---|---|---|");
        for s in &inv.stacks {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&inv.account_label(&s.account_id)),
                s.region,
                cell(&s.name),
                cell(s.task.as_deref().unwrap_or("-")),
                s.status
            );
        }
    }
}
