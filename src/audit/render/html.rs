//! One self-contained HTML page (no network fetch): summary, the OU tree as an SVG picture,
//! and sortable, filterable tables of findings and accounts.

use crate::audit::model::{Report, Severity};
use std::collections::HashMap;
use std::fmt::Write;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn color(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "#7f1d1d",
        Some(Severity::High) => "#dc2626",
        Some(Severity::Medium) => "#f59e0b",
        Some(Severity::Low) => "#3b82f6",
        Some(Severity::Info) => "#6b7280",
        None => "#16a34a",
    }
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{background:#0f172a;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#cbd5e1}
main{padding:24px 32px;max-width:1400px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:24px}
.card{background:#fff;border-radius:10px;padding:14px 18px;min-width:110px;box-shadow:0 1px 3px #0002}
.card b{display:block;font-size:26px}.card span{color:#475569;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
section{background:#fff;border-radius:10px;padding:18px 20px;margin-bottom:24px;box-shadow:0 1px 3px #0002}
h2{margin:0 0 12px;font-size:18px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
th{cursor:pointer;background:#f1f5f9;user-select:none;white-space:nowrap}th:after{content:" \2195";color:#94a3b8}
input.filter{padding:6px 10px;border:1px solid #cbd5e1;border-radius:6px;margin-bottom:10px;width:320px}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
svg text{font-size:13px;font-family:system-ui,sans-serif}
.drift li{margin:4px 0}.mono{font-family:ui-monospace,monospace}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows), asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){var x=a.cells[i].dataset.key||a.cells[i].innerText,y=b.cells[i].dataset.key||b.cells[i].innerText;
        return (x.localeCompare(y,undefined,{numeric:true}))*(asc?1:-1)});
      rows.forEach(function(r){t.tBodies[0].appendChild(r)});th.dataset.asc=asc?'1':'0';
    });
  });
});
document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){
    var q=inp.value.toLowerCase(),t=document.getElementById(inp.dataset.table);
    Array.from(t.tBodies[0].rows).forEach(function(r){r.style.display=r.innerText.toLowerCase().indexOf(q)>=0?'':'none'});
  });
});
document.body.setAttribute('data-ready','1');
"#;

/// The OU tree, with each account as a leaf colored by its worst finding.
fn tree_svg(r: &Report, worst: &HashMap<String, Severity>) -> String {
    let inv = &r.inventory;
    let mut rows: Vec<(usize, String, String, Option<Severity>, bool)> =
        vec![(0, "Root".into(), inv.root_id.clone(), None, false)];
    fn walk(
        parent: &str,
        depth: usize,
        r: &Report,
        worst: &HashMap<String, Severity>,
        rows: &mut Vec<(usize, String, String, Option<Severity>, bool)>,
    ) {
        let inv = &r.inventory;
        let mut accounts: Vec<_> = inv.accounts.iter().filter(|a| a.parent_path == path_of(parent, r)).collect();
        accounts.sort_by(|a, b| crate::audit::order::natural(&a.name, &b.name));
        for a in accounts {
            let label = format!("{} · {}", a.name, a.id);
            rows.push((depth, label, a.id.clone(), worst.get(&a.id).copied(), true));
        }
        let mut ous: Vec<_> = inv.ous.iter().filter(|o| o.parent_id == parent).collect();
        ous.sort_by(|a, b| crate::audit::order::natural(&a.name, &b.name));
        for ou in ous {
            rows.push((depth, ou.name.clone(), ou.id.clone(), None, false));
            walk(&ou.id, depth + 1, r, worst, rows);
        }
    }
    walk(&inv.root_id, 1, r, worst, &mut rows);
    let height = rows.len() * 30 + 10;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" role="img" aria-label="OU tree">"#
    );
    for (i, (depth, label, _, sev, is_account)) in rows.iter().enumerate() {
        let x = 10 + depth * 28;
        let y = 10 + i * 30;
        if *depth > 0 {
            let px = x - 16;
            let _ = write!(svg, r##"<path d="M{px} {} V{} H{x}" fill="none" stroke="#94a3b8"/>"##, y - 14, y + 11);
        }
        let width = 16 + label.chars().count() * 8;
        let (fill, stroke) = if *is_account { ("#ffffff", color(*sev)) } else { ("#e0e7ff", "#6366f1") };
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="{width}" height="22" rx="5" fill="{fill}" stroke="{stroke}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            x + 8,
            y + 15,
            esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn path_of(id: &str, r: &Report) -> String {
    if id == r.inventory.root_id {
        return "Root".into();
    }
    r.inventory.ous.iter().find(|o| o.id == id).map_or_else(|| "Root".into(), |o| o.path.clone())
}

pub fn render(r: &Report) -> String {
    let mut worst: HashMap<String, Severity> = HashMap::new();
    for f in &r.findings {
        for a in &r.inventory.accounts {
            if f.resource.contains(&a.id) {
                let e = worst.entry(a.id.clone()).or_insert(f.severity);
                *e = (*e).max(f.severity);
            }
        }
    }
    let mut h = String::new();
    let _ = write!(h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>orgctl audit {}</title><style>{STYLE}</style></head><body>", esc(&r.organization_id));
    let _ = write!(
        h,
        "<header><h1>Organization audit · {}</h1><p>Management account {} · {} · orgctl {}</p></header><main>",
        esc(&r.organization_id),
        esc(&r.management_account_id),
        esc(&r.provider),
        esc(r.orgctl_version)
    );
    h.push_str("<div class=\"cards\" id=\"summary\">");
    for s in Severity::ALL {
        let n = r.summary.findings.get(s.name()).copied().unwrap_or(0);
        let _ = write!(
            h,
            "<div class=\"card\" data-severity=\"{0}\"><b style=\"color:{1}\">{n}</b><span>{0}</span></div>",
            s.name(),
            color(Some(s))
        );
    }
    for (n, what) in [
        (r.summary.accounts, "accounts"),
        (r.summary.ous, "OUs"),
        (r.summary.policies, "SCPs"),
        (r.summary.stacks, "stacks"),
    ] {
        let _ = write!(h, "<div class=\"card\"><b>{n}</b><span>{what}</span></div>");
    }
    h.push_str("</div>");
    let _ = write!(h, "<section><h2>Organizational units</h2>{}</section>", tree_svg(r, &worst));
    h.push_str("<section><h2>Findings</h2><input class=\"filter\" data-table=\"findings\" placeholder=\"Filter findings\"><table class=\"sortable\" id=\"findings\"><thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Finding</th><th>Fix</th></tr></thead><tbody>");
    for f in &r.findings {
        let _ = write!(
            h,
            "<tr><td data-key=\"{}\"><span class=\"sev\" style=\"background:{}\">{}</span></td><td class=\"mono\">{}</td><td>{}</td><td><b>{}</b><br>{}</td><td>{}</td></tr>",
            5 - f.severity as u8,
            color(Some(f.severity)),
            f.severity.name(),
            f.check,
            esc(&f.resource),
            esc(f.title),
            esc(&f.message),
            esc(&f.fix)
        );
    }
    h.push_str("</tbody></table></section>");
    if let Some(drift) = &r.drift {
        let _ = write!(
            h,
            "<section><h2>Drift from {}</h2><ul class=\"drift\" id=\"drift\">",
            esc(r.file.as_deref().unwrap_or("the file"))
        );
        if drift.is_empty() {
            h.push_str("<li>None: the organization matches the file.</li>");
        }
        for d in drift {
            let _ = write!(
                h,
                "<li><span class=\"mono\">{}</span> {}: {}",
                esc(&d.symbol),
                esc(&d.subject),
                esc(&d.summary)
            );
            if !d.details.is_empty() {
                h.push_str("<ul>");
                for detail in &d.details {
                    let _ = write!(h, "<li class=\"mono\">{}</li>", esc(detail));
                }
                h.push_str("</ul>");
            }
            h.push_str("</li>");
        }
        h.push_str("</ul></section>");
    }
    h.push_str("<section><h2>Accounts</h2><input class=\"filter\" data-table=\"accounts\" placeholder=\"Filter accounts\"><table class=\"sortable\" id=\"accounts\"><thead><tr><th>Id</th><th>Name</th><th>Email</th><th>Status</th><th>OU</th><th>Alias</th><th>Tags</th><th>Effective SCPs</th><th>Password policy</th></tr></thead><tbody>");
    for a in &r.inventory.accounts {
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.id),
            esc(&a.name),
            if a.is_management { " <i>(management)</i>" } else { "" },
            esc(&a.email),
            esc(&a.status),
            esc(&a.parent_path),
            esc(a.alias.as_deref().unwrap_or("-")),
            esc(&a.tags_summary()),
            esc(&a.effective_scps.join(", ")),
            esc(&a.password_summary())
        );
    }
    h.push_str("</tbody></table></section>");
    h.push_str("<section><h2>Service control policies</h2><table class=\"sortable\" id=\"policies\"><thead><tr><th>Id</th><th>Name</th><th>Size</th><th>Attached to</th></tr></thead><tbody>");
    for p in &r.inventory.policies {
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.id),
            esc(&p.name),
            if p.aws_managed { " <i>(AWS)</i>" } else { "" },
            p.size,
            esc(&p.attached_to.join(", "))
        );
    }
    h.push_str("</tbody></table></section>");
    if !r.inventory.stacks.is_empty() {
        h.push_str("<section><h2>Stacks</h2><table class=\"sortable\" id=\"stacks\"><thead><tr><th>Account</th><th>Region</th><th>Stack</th><th>Task</th><th>Status</th></tr></thead><tbody>");
        for s in &r.inventory.stacks {
            let _ = write!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.account_id),
                esc(&s.region),
                esc(&s.name),
                esc(s.task.as_deref().unwrap_or("-")),
                esc(&s.status)
            );
        }
        h.push_str("</tbody></table></section>");
    }
    let _ = write!(h, "</main><script>{SCRIPT}</script></body></html>");
    h
}
