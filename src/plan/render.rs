//! Plan output for people: one block per change with `+ ~ > -`, the property-level diff (an
//! SCP document as a line diff) and the summary line. Colors come from `console`, which the CLI
//! turns off when the output is not a terminal.

use super::change::{Action, Change, Plan, PropertyDiff};
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
        for change in &plan.changes {
            render_change(&mut out, change);
        }
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

/// `Plan: N to add, N to change, N to move, N to remove.`
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "{} {} to add, {} to change, {} to move, {} to remove.",
        style("Plan:").bold(),
        s.add,
        s.change,
        s.moves,
        s.remove
    )
}

fn render_change(out: &mut String, change: &Change) {
    let head = format!("{} {}", change.action.symbol(), for_terminal(&change.subject));
    let _ = writeln!(out, "  {}: {}", colored(change.action, &head), for_terminal(&change.summary));
    let width = change.diff.iter().filter(|d| !is_multiline(d)).map(|d| d.property.len()).max().unwrap_or(0);
    for diff in &change.diff {
        render_property(out, change.action, diff, width);
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
