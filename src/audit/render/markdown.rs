use crate::audit::model::Report;
use std::fmt::Write;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Organization audit: {}\n", r.organization_id);
    let _ = writeln!(
        out,
        "Management account {} · {} · orgctl {}\n",
        r.management_account_id, r.provider, r.orgctl_version
    );
    let s = &r.summary;
    let _ = writeln!(out, "{} accounts, {} OUs, {} SCPs, {} stacks.\n", s.accounts, s.ous, s.policies, s.stacks);
    let _ = writeln!(out, "| severity | findings |\n|---|---:|");
    for sev in crate::audit::model::Severity::ALL {
        let _ = writeln!(out, "| {} | {} |", sev.name(), s.findings.get(sev.name()).copied().unwrap_or(0));
    }
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
    if let Some(drift) = &r.drift {
        let _ = writeln!(out, "\n## Drift from {}\n", r.file.as_deref().unwrap_or("the file"));
        if drift.is_empty() {
            let _ = writeln!(out, "None: the organization matches the file.");
        }
        for d in drift {
            let _ = writeln!(out, "- `{}` {}: {}", d.symbol, d.subject, d.summary);
            for detail in &d.details {
                let _ = writeln!(out, "  - {detail}");
            }
        }
    }
    let inv = &r.inventory;
    let _ = writeln!(out, "\n## Organizational units\n");
    let mut ous: Vec<_> = inv.ous.iter().collect();
    ous.sort_by(|a, b| a.path.cmp(&b.path));
    let _ = writeln!(out, "- Root (`{}`)", inv.root_id);
    for ou in ous {
        let _ = writeln!(out, "{}- {} (`{}`)", "  ".repeat(ou.depth), ou.name, ou.id);
    }
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
            a.alias.as_deref().unwrap_or("-"),
            cell(
                &crate::model::user_tags(&a.tags)
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            cell(&a.effective_scps.join(", ")),
            a.password_summary()
        );
    }
    let _ = writeln!(out, "\n## Service control policies\n\n| id | name | size | attached to |\n|---|---|---:|---|");
    for p in &inv.policies {
        let _ = writeln!(
            out,
            "| {} | {}{} | {} | {} |",
            p.id,
            cell(&p.name),
            if p.aws_managed { " (AWS)" } else { "" },
            p.size,
            cell(&p.attached_to.join(", "))
        );
    }
    if !inv.stacks.is_empty() {
        let _ = writeln!(out, "\n## Stacks\n\n| account | region | stack | task | status |\n|---|---|---|---|---|");
        for s in &inv.stacks {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                s.account_id,
                s.region,
                s.name,
                s.task.as_deref().unwrap_or("-"),
                s.status
            );
        }
    }
    out
}
