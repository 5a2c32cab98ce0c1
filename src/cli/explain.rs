//! `orgctl explain ACCOUNT ACTION`: whether the SCPs (and RCPs, for the account's own resources)
//! let the account do the action, and the statements that decide, with the level they are
//! attached at and their line in the file.

use super::args::*;
use super::output::{out, outln};
use super::{CliError, CliResult};
use crate::plan::hierarchy;
use crate::policy::{self, Decision, Explanation};
use console::style;
use std::process::ExitCode;

pub(super) async fn run(a: ExplainArgs) -> CliResult {
    let mut context = policy::condition::Context::new();
    let mut add = |key: &str, value: String| context.entry(key.to_lowercase()).or_default().push(value);
    for kv in &a.context {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            CliError::new(format!("--context '{kv}' is not KEY=VALUE"))
                .help("for example --context aws:SourceIp=203.0.113.7")
        })?;
        add(k.trim(), v.to_string());
    }
    if let Some(region) = &a.region {
        add("aws:RequestedRegion", region.clone());
    }
    if let Some(principal) = &a.principal {
        add("aws:PrincipalArn", principal.clone());
    }
    // The file, when given: the SCPs' lines, and the organization it describes (offline).
    let input = match &a.file {
        Some(file) => Some(super::load_valid(file, super::load_options(&a.file_args)?)?),
        None => None,
    };
    let scp_lines = |by_name: bool| -> hierarchy::Locations {
        input.as_ref().map(|i| hierarchy::file_locations(&i.org, &i.desired, by_name)).unwrap_or_default()
    };
    if a.action.contains(['*', '?']) || a.diff {
        return many(&a, input.as_ref(), context, &scp_lines).await;
    }
    let placed = match (&input, a.offline) {
        (Some(input), true) => hierarchy::planned(&input.desired, &a.account, &scp_lines(false)),
        _ => {
            let provider = super::open_provider(&a.target, input.as_ref().map(|i| &i.desired), None, None).await?;
            let state = provider.read().await?;
            context.entry("aws:principalorgid".into()).or_insert_with(|| vec![state.organization_id.clone()]);
            hierarchy::live(&state, &a.account, &scp_lines(true))
        }
    }
    .map_err(|e| CliError::new(e.to_string()).help("list the accounts with `orgctl audit` or see the file"))?;
    let explanation = crate::ops::explain::explain(&placed, &a.action, &a.resource, a.principal.as_deref(), context);
    if a.json {
        let value = serde_json::json!({
            "account": placed.label,
            "action": a.action,
            "resource": a.resource,
            "region": a.region,
            "principal": a.principal,
            "basis": if a.offline { "file" } else { "organization" },
            "allowed": matches!(explanation.decision, Decision::Allowed | Decision::NotRestricted),
            "explanation": explanation,
        });
        outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        out!("{}", render(&a, &placed.label, &explanation));
    }
    Ok(ExitCode::SUCCESS)
}

/// `explain` over several actions (a wildcard) or two states (`--diff`): the actions grouped by
/// decision and deciding statement, or, with `--diff`, those the file decides otherwise.
async fn many(
    a: &ExplainArgs,
    input: Option<&crate::ops::Project>,
    mut context: policy::condition::Context,
    lines: &dyn Fn(bool) -> hierarchy::Locations,
) -> CliResult {
    let actions = crate::ops::explain::matching_actions(&a.action);
    if actions.is_empty() {
        return Err(CliError::new(format!("no IAM action matches {}", a.action))
            .help("write the action as IAM names it: service:Action, with * and ? as wildcards"));
    }
    let live = if a.offline {
        None
    } else {
        let provider = super::open_provider(&a.target, input.map(|i| &i.desired), None, None).await?;
        let state = provider.read().await?;
        context.entry("aws:principalorgid".into()).or_insert_with(|| vec![state.organization_id.clone()]);
        Some(hierarchy::live(&state, &a.account, &lines(true)).map_err(|e| CliError::new(e.to_string()))?)
    };
    let file = match input {
        Some(i) if a.offline || a.diff => {
            Some(hierarchy::planned(&i.desired, &a.account, &lines(false)).map_err(|e| CliError::new(e.to_string()))?)
        }
        _ => None,
    };
    let (first, second) = match (live, file) {
        (Some(l), Some(f)) if a.diff => (l, Some(f)),
        (Some(l), _) => (l, None),
        (None, Some(f)) => (f, None),
        (None, None) => return Err(CliError::new("nothing to evaluate: give --file with --offline or --diff")),
    };
    let groups = crate::ops::explain::grouped(&first, second.as_ref(), &actions, &a.resource, &context);
    if a.json {
        let list: Vec<serde_json::Value> = groups
            .iter()
            .map(|((decision, why), actions)| serde_json::json!({"decision": decision, "because": why, "actions": actions}))
            .collect();
        let value =
            serde_json::json!({"account": first.label, "pattern": a.action, "matched": actions.len(), "groups": list});
        outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let scope = if a.diff {
        "the live organization → the file"
    } else if a.offline {
        "the file, once applied"
    } else {
        "the organization"
    };
    outln!(
        "{} {} action(s) by {} ({scope}):",
        crate::escape::for_terminal(&a.action),
        actions.len(),
        crate::escape::for_terminal(&first.label)
    );
    if groups.is_empty() {
        outln!("  the file decides every one of them as the organization does");
    }
    for ((decision, why), list) in &groups {
        let shown: Vec<&str> = list.iter().take(8).copied().collect();
        let more = if list.len() > 8 { format!(" and {} more", list.len() - 8) } else { String::new() };
        outln!(
            "  {decision} {} action(s), by {}: {}{more}",
            list.len(),
            crate::escape::for_terminal(why),
            shown.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The decision as a sentence, then each deciding statement with its level and line.
fn render(a: &ExplainArgs, account: &str, e: &Explanation) -> String {
    let mut out = String::new();
    let what = format!(
        "{} on {}{} by {account}",
        a.action,
        a.resource,
        a.region.as_ref().map_or_else(String::new, |r| format!(" in {r}"))
    );
    let basis = if a.offline { " (the file, once applied)" } else { "" };
    let kind = e.decided_by;
    let (word, why) = match e.decision {
        Decision::Allowed => {
            (style("ALLOWED").green().bold(), "an SCP at every level allows it and none denies it".into())
        }
        Decision::NotRestricted => (style("ALLOWED").green().bold(), e.exempt.clone().unwrap_or_default()),
        Decision::ExplicitDeny => (style("DENIED").red().bold(), format!("an {kind} denies it explicitly")),
        Decision::ImplicitDeny => {
            (style("DENIED").red().bold(), format!("not every level has an {kind} that allows it"))
        }
    };
    out.push_str(&format!("{word} {}{basis}: {why}\n", crate::escape::for_terminal(&what)));
    if let Some(level) = &e.no_allow_at {
        out.push_str(&format!("  no {kind} attached at {} allows {}\n", crate::escape::for_terminal(level), a.action));
    }
    for d in &e.deciding {
        let at = match (&d.file, d.line) {
            (Some(file), Some(line)) => format!("  ({file}:{line})"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} by statement {} of {} {} attached at {}{at}\n",
            if d.effect == "Deny" { style("deny ").red().to_string() } else { style("allow").green().to_string() },
            crate::escape::for_terminal(&d.statement),
            d.policy_type,
            crate::escape::for_terminal(&d.policy),
            crate::escape::for_terminal(&d.level)
        ));
    }
    for op in &e.unsupported {
        out.push_str(&format!(
            "  note: the condition operator {op} is not evaluated; its statements were taken as not applying\n"
        ));
    }
    out
}
