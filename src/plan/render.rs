//! Plan output for people, as Terraform shows it: one block per resource with `+ ~ > -` (a new
//! account's creation, move, alias and password policy together), the property-level diff (an
//! SCP document as a line diff), and the summary counting resources, then operations. Colors come from `console`, which the CLI
//! turns off when the output is not a terminal.

use super::change::{Action, Plan, PropertyDiff, ResourceChanges};
use crate::escape::{for_terminal, lines_for_terminal};
use console::style;
use similar::{ChangeTag, TextDiff};
use std::fmt::Write;

fn colored(action: Action, text: &str) -> String {
    let s = style(text);
    match action {
        Action::Add => s.green(),
        Action::Change => s.yellow(),
        Action::Move => s.cyan(),
        Action::Remove => s.red(),
    }
    .to_string()
}

/// The whole plan as text.
pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(out, "{}", style("No changes. The organization matches the file.").green().bold());
    } else {
        let _ = writeln!(out, "orgctl will make these changes to {}:\n", plan.provider);
        for resource in plan.by_resource() {
            render_resource(&mut out, &resource);
        }
    }
    if let Some(effect) = &plan.policy_effect {
        render_effect(&mut out, effect);
    }
    if !plan.notes.is_empty() || plan.unchanged_stacks > 0 {
        let _ = writeln!(out);
        for note in &plan.notes {
            let _ = writeln!(out, "{} {}", style("note:").bold(), for_terminal(&note.message));
        }
        if plan.unchanged_stacks > 0 {
            let _ = writeln!(out, "{} {} stack(s) unchanged", style("note:").bold(), plan.unchanged_stacks);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", summary_line(plan));
    out
}

/// The Policy effect section: per group of accounts, what the SCP changes deny and allow.
fn render_effect(out: &mut String, effect: &crate::policy::effect::PolicyEffect) {
    use crate::policy::effect::{regions_shown, Direction};
    let _ = writeln!(out, "{}", style("Policy effect (SCPs and RCPs, the live organization → the file):").bold());
    if effect.groups.is_empty() {
        let _ = writeln!(out, "  No account may do more or less than before: the SCP changes have no effect.");
    }
    for group in &effect.groups {
        let shown: Vec<String> = group.accounts.iter().take(5).map(|a| for_terminal(a).into_owned()).collect();
        let more = group.accounts.len().saturating_sub(5);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        let _ = writeln!(
            out,
            "  {} account(s) under {}: {}{more}",
            group.accounts.len(),
            for_terminal(&group.under),
            shown.join(", ")
        );
        for flip in &group.flips {
            let (marker, what) = match flip.direction {
                Direction::NewlyDenied => (colored(Action::Remove, "-"), "denied from now on"),
                Direction::NewlyAllowed => (colored(Action::Add, "+"), "allowed from now on"),
            };
            let _ = writeln!(
                out,
                "    {marker} {what}: {} in {}",
                for_terminal(&flip.actions.join(", ")),
                regions_shown(&flip.regions)
            );
            let _ = writeln!(out, "        by {}", for_terminal(&flip.decided_by));
            for used in flip.in_use.iter().take(5) {
                let place = used.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "        {} {}{place} by {}, last {}",
                    style("in use:").yellow().bold(),
                    for_terminal(&used.service),
                    for_terminal(&used.account),
                    for_terminal(&used.last_used)
                );
            }
            if flip.in_use.len() > 5 {
                let _ = writeln!(out, "        and {} more uses (plan --json lists them)", flip.in_use.len() - 5);
            }
        }
        for c in &group.conditional {
            let _ = writeln!(
                out,
                "    ? conditional: {} depends on {} (not evaluated)",
                for_terminal(&c.statement),
                c.depends_on.join(", ")
            );
        }
    }
    let _ = writeln!(out);
}

/// `Plan: N to add, N to change, N to move, N to remove.` (resources), then the operations.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    let mut line = format!(
        "{} {} to add, {} to change, {} to move, {} to remove.",
        style("Plan:").bold(),
        s.add,
        s.change,
        s.moves,
        s.remove
    );
    if s.operations > 0 {
        let _ = write!(line, "\n{} in dependency order.", count(s.operations, "operation", "operations"));
    }
    line
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One resource's block: its name, what happens to it, and every property that changes. What a
/// new resource's creation already shows (its parent) is not repeated by the steps after it.
fn render_resource(out: &mut String, resource: &ResourceChanges<'_>) {
    let Some(first) = resource.changes.first() else { return };
    let mut steps: Vec<&str> = Vec::new();
    for change in &resource.changes {
        if !steps.contains(&change.summary.as_str()) && (resource.action != Action::Add || change.action == Action::Add)
        {
            steps.push(&change.summary);
        }
    }
    let head = format!("{} {}", resource.action.symbol(), for_terminal(&first.subject));
    let _ = writeln!(out, "  {}: {}", colored(resource.action, &head), for_terminal(&steps.join(", ")));
    let created: Vec<&str> = resource
        .changes
        .iter()
        .filter(|c| c.action == Action::Add)
        .flat_map(|c| c.diff.iter().map(|d| d.property.as_str()))
        .collect();
    let shown: Vec<(Action, &PropertyDiff)> = resource
        .changes
        .iter()
        .flat_map(|c| c.diff.iter().map(move |d| (c.action, d)))
        .filter(|(action, d)| *action == Action::Add || !created.contains(&d.property.as_str()))
        .collect();
    let width = shown.iter().filter(|(_, d)| !is_multiline(d)).map(|(_, d)| d.property.len()).max().unwrap_or(0);
    for (action, diff) in shown {
        render_property(out, action, diff, width);
    }
    let _ = writeln!(out);
}

fn is_multiline(d: &PropertyDiff) -> bool {
    d.old.as_deref().is_some_and(|v| v.contains('\n')) || d.new.as_deref().is_some_and(|v| v.contains('\n'))
}

fn render_property(out: &mut String, action: Action, d: &PropertyDiff, width: usize) {
    if is_multiline(d) {
        let _ = writeln!(out, "      {}:", for_terminal(&d.property));
        let old = lines_for_terminal(d.old.as_deref().unwrap_or(""));
        let new = lines_for_terminal(d.new.as_deref().unwrap_or(""));
        let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            for line in hunk.iter_changes() {
                let text = line.value().trim_end_matches('\n');
                let rendered = match line.tag() {
                    ChangeTag::Insert => style(format!("+ {text}")).green().to_string(),
                    ChangeTag::Delete => style(format!("- {text}")).red().to_string(),
                    ChangeTag::Equal => format!("  {text}"),
                };
                let _ = writeln!(out, "        {rendered}");
            }
        }
        return;
    }
    let old = d.old.as_deref().map(for_terminal);
    let new = d.new.as_deref().map(for_terminal);
    let value = match (&old, &new) {
        (Some(_), Some(new)) if new == crate::plan::sensitive::CHANGED => new.to_string(),
        (Some(old), Some(new)) => format!("{old} {} {new}", style("→").bold()),
        (None, Some(new)) => new.to_string(),
        (Some(old), None) => colored(Action::Remove, &format!("{old} (removed)")),
        (None, None) => "(none)".into(),
    };
    let marker = match (&d.old, &d.new, action) {
        (None, Some(_), _) => "+",
        (Some(_), None, _) => "-",
        _ => "~",
    };
    let _ = writeln!(
        out,
        "      {} {:width$}  {value}",
        colored(action, marker),
        format!("{}:", for_terminal(&d.property)),
        width = width + 1
    );
}
