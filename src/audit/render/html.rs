//! One self-contained HTML page (no network fetch) that reads the same for 5 accounts and for
//! 2,000: a navigation bar to each part, the findings first, a legend that says what each
//! severity colour means (and every badge says it in words too), the OU tree as nested,
//! collapsible lists with the SCPs attached at each level, and sortable, filterable tables that
//! wrap instead of overflowing.

use crate::audit::order::natural;
use crate::audit::report::{Inventory, Report, Severity};
use crate::policy::effect::regions_shown;
use std::collections::HashMap;
use std::fmt::Write;

/// Above this many accounts the tree starts collapsed below the root (the page stays short).
const OPEN_TREE_UP_TO: usize = 200;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn color(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "#7f1d1d",
        Some(Severity::High) => "#dc2626",
        Some(Severity::Medium) => "#b45309",
        Some(Severity::Low) => "#2563eb",
        Some(Severity::Info) => "#4b5563",
        None => "#15803d",
    }
}

/// A severity badge: colour and word.
fn badge(s: Option<Severity>) -> String {
    let word = s.map_or("no findings", Severity::name);
    format!("<span class=\"sev\" style=\"background:{}\">{word}</span>", color(s))
}

fn count(accounts: usize) -> String {
    format!("{accounts} account{}", if accounts == 1 { "" } else { "s" })
}

fn chips(scps: &[String]) -> String {
    scps.iter().map(|s| format!("<span class=\"scp\" title=\"SCP attached here\">{}</span>", esc(s))).collect()
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header{background:#0f172a;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#cbd5e1;overflow-wrap:anywhere}
nav{position:sticky;top:0;z-index:2;background:#1e293b;padding:8px 32px;display:flex;gap:18px;flex-wrap:wrap}
nav a{color:#e2e8f0;text-decoration:none;font-size:14px}nav a:hover{text-decoration:underline}
main{padding:24px 32px;max-width:1400px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.card{background:#fff;border-radius:10px;padding:12px 16px;min-width:104px;box-shadow:0 1px 3px #0002}
.card b{display:block;font-size:24px}.card span{color:#475569;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.legend{display:flex;gap:10px;flex-wrap:wrap;align-items:center;font-size:13px;color:#334155;margin-bottom:20px}
section{background:#fff;border-radius:10px;padding:16px 20px;margin-bottom:24px;box-shadow:0 1px 3px #0002;scroll-margin-top:48px}
h2{margin:0 0 12px;font-size:18px}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top;overflow-wrap:anywhere}
th{cursor:pointer;background:#f1f5f9;user-select:none;white-space:nowrap}th:after{content:" \2195";color:#94a3b8}
input.filter{padding:6px 10px;border:1px solid #cbd5e1;border-radius:6px;margin-bottom:10px;width:320px;max-width:100%}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.scp{display:inline-block;margin-left:6px;padding:0 6px;border:1px solid #a5b4fc;border-radius:4px;background:#eef2ff;color:#3730a3;font-size:12px}
.mono{font-family:ui-monospace,monospace}.nowrap{white-space:nowrap;overflow-wrap:normal}
.tree ul{list-style:none;margin:0;padding-left:22px;border-left:1px solid #cbd5e1}
.tree>ul{padding-left:0;border-left:0}.tree li{margin:3px 0}
.tree summary{cursor:pointer}.tree .ou{font-weight:600}.tree .count{color:#64748b;font-size:12px;margin-left:6px}
.tree .acct{font-size:13px}.tree .acct .id{color:#64748b}
.tools button{font-size:12px;margin:0 6px 10px 0;padding:3px 8px;border:1px solid #cbd5e1;background:#fff;border-radius:5px;cursor:pointer}
.drift li{margin:4px 0;overflow-wrap:anywhere}.muted{color:#64748b}
"#;

const SCRIPT: &str = r#"
function natural(x,y){return x.localeCompare(y,undefined,{numeric:true,sensitivity:'base'})}
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows), asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){return natural(a.cells[i].dataset.key||a.cells[i].innerText,b.cells[i].dataset.key||b.cells[i].innerText)*(asc?1:-1)});
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
document.querySelectorAll('.tools button').forEach(function(b){
  b.addEventListener('click',function(){var open=b.dataset.open==='1';
    document.querySelectorAll('.tree details').forEach(function(d){d.open=open})});
});
document.body.setAttribute('data-width',String(document.documentElement.scrollWidth));
document.body.setAttribute('data-ready','1');
"#;

/// The OU tree as nested lists: each OU collapsible, with its SCPs and how many accounts it holds
/// (all levels), each account with its name, id and worst finding (in words and colour).
fn tree(inv: &Inventory, worst: &HashMap<&str, Severity>) -> String {
    let open = inv.accounts.len() <= OPEN_TREE_UP_TO;
    let mut out = String::from("<div class=\"tree\" id=\"tree-root\"><ul><li><details open><summary>");
    let _ = write!(
        out,
        "<span class=\"ou\">Root</span> <span class=\"mono id\">{}</span>{}<span class=\"count\">{}</span></summary>",
        esc(&inv.root_id),
        chips(&inv.root_scps),
        count(inv.accounts.len())
    );
    level(inv, worst, &inv.root_id, "Root", open, &mut out);
    out.push_str("</details></li></ul></div>");
    out
}

fn level(inv: &Inventory, worst: &HashMap<&str, Severity>, parent_id: &str, path: &str, open: bool, out: &mut String) {
    out.push_str("<ul>");
    let mut accounts: Vec<_> = inv.accounts.iter().filter(|a| a.parent_path == path).collect();
    accounts.sort_by(|a, b| natural(&a.name, &b.name));
    for a in accounts {
        let note = if a.is_management { " <span class=\"muted\">(management: SCPs do not apply)</span>" } else { "" };
        let _ = write!(
            out,
            "<li class=\"acct\">{} {} <span class=\"mono id\">{}</span>{note}</li>",
            badge(worst.get(a.id.as_str()).copied()),
            esc(&a.name),
            esc(&a.id)
        );
    }
    let mut ous: Vec<_> = inv.ous.iter().filter(|o| o.parent_id == parent_id).collect();
    ous.sort_by(|a, b| natural(&a.name, &b.name));
    for ou in ous {
        let below = inv
            .accounts
            .iter()
            .filter(|a| a.parent_path == ou.path || a.parent_path.starts_with(&format!("{}/", ou.path)))
            .count();
        let _ = write!(
            out,
            "<li><details{}><summary><span class=\"ou\">{}</span> <span class=\"mono id\">{}</span>{}<span class=\"count\">{}</span></summary>",
            if open { " open" } else { "" },
            esc(&ou.name),
            esc(&ou.id),
            chips(&ou.scps),
            count(below)
        );
        level(inv, worst, &ou.id, &ou.path, open, out);
        out.push_str("</details></li>");
    }
    out.push_str("</ul>");
}

/// One row per check (2,000 accounts without a password policy are one row, not 2,000), with
/// the resources it fires on in a list that starts open when it is short.
fn findings(r: &Report, h: &mut String) {
    h.push_str("<section id=\"findings-section\"><h2>Findings</h2><input class=\"filter\" data-table=\"findings\" placeholder=\"Filter findings\"><div class=\"wrap\"><table class=\"sortable\" id=\"findings\"><thead><tr><th>Severity</th><th>Check</th><th>Finding</th><th>Resources</th><th>Fix</th></tr></thead><tbody>");
    let mut checks: Vec<(&str, Vec<&crate::audit::report::Finding>)> = Vec::new();
    for f in &r.findings {
        match checks.iter_mut().find(|(c, _)| *c == f.check) {
            Some((_, list)) => list.push(f),
            None => checks.push((f.check, vec![f])),
        }
    }
    for (check, list) in &checks {
        let Some(first) = list.first() else { continue };
        let same_fix = list.iter().all(|f| f.fix == first.fix);
        let _ = write!(
            h,
            "<tr><td data-key=\"{}\">{}</td><td class=\"mono nowrap\">{}</td><td><b>{}</b></td><td><details{}><summary>{} resource{}</summary><ul>",
            5 - first.severity as u8,
            badge(Some(first.severity)),
            check,
            esc(first.title),
            if list.len() <= 5 { " open" } else { "" },
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        for f in list {
            let fix = if same_fix { String::new() } else { format!(" <i>Fix: {}</i>", esc(&f.fix)) };
            let _ = write!(h, "<li class=\"finding\">{}: {}{fix}</li>", esc(&f.resource), esc(&f.message));
        }
        let _ = write!(
            h,
            "</ul></details></td><td>{}</td></tr>",
            if same_fix { esc(&first.fix) } else { "see each resource".into() }
        );
    }
    if r.findings.is_empty() {
        h.push_str("<tr><td colspan=\"5\">No findings.</td></tr>");
    }
    h.push_str("</tbody></table></div></section>");
}

pub fn render(r: &Report) -> String {
    let inv = &r.inventory;
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for f in &r.findings {
        let e = worst.entry(f.resource_id.as_str()).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    let mut h = String::new();
    let _ = write!(h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>orgctl audit {}</title><style>{STYLE}</style></head><body>", esc(&r.organization_id));
    let _ = write!(
        h,
        "<header><h1>Organization audit · {}</h1><p>Management account {} · {} · orgctl {}</p></header>",
        esc(&r.organization_id),
        esc(&inv.account_label(&r.management_account_id)),
        esc(&r.provider),
        esc(r.orgctl_version)
    );
    h.push_str("<nav>");
    let _ = write!(h, "<a href=\"#findings-section\">Findings ({})</a>", r.findings.len());
    if let Some(drift) = &r.drift {
        let _ = write!(h, "<a href=\"#drift-section\">Drift ({})</a>", drift.len());
    }
    let _ = write!(h, "<a href=\"#tree\">Organization ({} OUs)</a>", inv.ous.len());
    let _ = write!(h, "<a href=\"#accounts-section\">Accounts ({})</a>", inv.accounts.len());
    let _ = write!(h, "<a href=\"#policies-section\">SCPs ({})</a>", inv.policies.len());
    h.push_str("<a href=\"#delegation-section\">Delegation</a>");
    if !r.effective_access.is_empty() {
        h.push_str("<a href=\"#access-section\">Effective access</a>");
    }
    if !inv.stacks.is_empty() {
        let _ = write!(h, "<a href=\"#stacks-section\">Stacks ({})</a>", inv.stacks.len());
    }
    h.push_str("</nav><main>");
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
    h.push_str("</div><div class=\"legend\" id=\"legend\"><b>Severity:</b>");
    for s in Severity::ALL.into_iter().map(Some).chain([None]) {
        h.push_str(&badge(s));
    }
    h.push_str(
        "<span>· in the tree, each account shows its worst finding · <span class=\"scp\">SCP</span> marks an SCP attached at that level</span></div>",
    );

    findings(r, &mut h);

    if let Some(drift) = &r.drift {
        let _ = write!(
            h,
            "<section id=\"drift-section\"><h2>Drift from {}</h2><ul class=\"drift\" id=\"drift\">",
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

    let _ = write!(
        h,
        "<section id=\"tree\"><h2>Organizational units</h2><div class=\"tools\"><button data-open=\"1\">Expand all</button><button data-open=\"0\">Collapse all</button></div>{}</section>",
        tree(inv, &worst)
    );

    h.push_str("<section id=\"accounts-section\"><h2>Accounts</h2><input class=\"filter\" data-table=\"accounts\" placeholder=\"Filter accounts\"><div class=\"wrap\"><table class=\"sortable\" id=\"accounts\"><thead><tr><th>Name</th><th>Id</th><th>Email</th><th>Status</th><th>OU</th><th>Alias</th><th>Tags</th><th>Effective SCPs</th><th>Password policy</th><th>Worst finding</th></tr></thead><tbody>");
    for a in &inv.accounts {
        let sev = worst.get(a.id.as_str()).copied();
        let _ = write!(
            h,
            "<tr><td>{}{}</td><td class=\"mono nowrap\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td data-key=\"{}\">{}</td></tr>",
            esc(&a.name),
            if a.is_management { " <i>(management)</i>" } else { "" },
            esc(&a.id),
            esc(&a.email),
            esc(&a.status),
            esc(&a.parent_path),
            esc(a.alias.as_deref().unwrap_or("-")),
            esc(&a.tags_summary()),
            esc(&a.scps_summary()),
            esc(&a.password_summary()),
            sev.map_or(9, |s| 5 - s as u8),
            badge(sev)
        );
    }
    h.push_str("</tbody></table></div></section>");

    h.push_str("<section id=\"policies-section\"><h2>Organization policies</h2><div class=\"wrap\"><table class=\"sortable\" id=\"policies\"><thead><tr><th>Type</th><th>Name</th><th>Id</th><th>Size</th><th>Attached to</th></tr></thead><tbody>");
    for p in &inv.policies {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}{}</td><td class=\"mono nowrap\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.policy_type),
            esc(&p.name),
            if p.aws_managed { " <i>(AWS)</i>" } else { "" },
            esc(&p.id),
            p.size,
            esc(&p.attached_to.join(", "))
        );
    }
    h.push_str("</tbody></table></div></section>");
    let g = &r.governance;
    let list = |items: &[String]| if items.is_empty() { "none".to_string() } else { esc(&items.join(", ")) };
    let _ = write!(
        h,
        "<section id=\"delegation-section\"><h2>Delegation</h2><p>Trusted service access: {}</p><p>Policy types enabled: {}</p><ul>",
        list(&g.trusted_services),
        list(&inv.policy_types_enabled)
    );
    for d in &g.delegated_administrators {
        let _ = write!(
            h,
            "<li>Delegated administrator: {} for {}</li>",
            esc(&inv.account_label(&d.account_id)),
            esc(&d.service)
        );
    }
    h.push_str("</ul></section>");
    if !r.effective_access.is_empty() {
        h.push_str("<section id=\"access-section\"><h2>Effective access</h2><p>What the SCPs let a role of an account directly in each OU do, by region.</p><div class=\"wrap\"><table class=\"sortable\" id=\"access\"><thead><tr><th>OU</th><th>Actions</th><th>Count</th><th>Regions</th></tr></thead><tbody>");
        for ou in &r.effective_access {
            for row in &ou.access {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&ou.path),
                    esc(&row.actions.join(", ")),
                    row.action_count,
                    esc(&regions_shown(&row.regions))
                );
            }
        }
        h.push_str("</tbody></table></div></section>");
    }
    if !inv.stacks.is_empty() {
        h.push_str("<section id=\"stacks-section\"><h2>Stacks</h2><input class=\"filter\" data-table=\"stacks\" placeholder=\"Filter stacks\"><div class=\"wrap\"><table class=\"sortable\" id=\"stacks\"><thead><tr><th>Account</th><th>Region</th><th>Stack</th><th>Task</th><th>Status</th></tr></thead><tbody>");
        for s in &inv.stacks {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&inv.account_label(&s.account_id)),
                esc(&s.region),
                esc(&s.name),
                esc(s.task.as_deref().unwrap_or("-")),
                esc(&s.status)
            );
        }
        h.push_str("</tbody></table></div></section>");
    }
    let _ = write!(h, "</main><script>{SCRIPT}</script></body></html>");
    h
}
