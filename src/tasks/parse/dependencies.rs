//! `DependsOn` and `Skip`: names resolved against the file's tasks (an include's prefixed),
//! loops refused, and the tasks a skipped task takes with it.

use super::as_bool;
use super::Parser;
use crate::diagnostic::Diagnostic;
use crate::graph::DependencyGraph;
use crate::org_file::load::suggest;
use crate::org_file::report::locate;
use crate::source::yaml::{Node, NodeKind};
use crate::tasks::scope::TaskScope;
use crate::tasks::task_file::*;
use std::collections::{BTreeSet, HashMap};

impl Parser<'_> {
    /// `Skip`: org-formation skips a task only for a boolean `true`, and runs it for any other
    /// value (`Skip: SkipAlternateContacts`, a parameter's name without `!Ref`); so does orgctl,
    /// with a warning.
    /// Records the tasks of one file that depend, directly or not, on a skipped task of it.
    pub(super) fn note_skipped_dependents(&mut self, entries: &[(Node, Node)], prefix: &str, params: &TaskValues) {
        let full = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let mut skipped: BTreeSet<String> = BTreeSet::new();
        let mut depends: Vec<(String, Vec<String>)> = Vec::new();
        for (key, node) in entries {
            let Some(name) = key.as_str() else { continue };
            let own = node.get("Skip").is_some_and(|n| {
                let mut scope = TaskScope::reading(params, self.org_kinds);
                crate::expr::evaluate_text(n, &mut scope)
                    .ok()
                    .and_then(|t| t.as_known().and_then(as_bool))
                    .unwrap_or(false)
            });
            if own {
                skipped.insert(name.to_string());
            }
            let on: Vec<String> = match node.get("DependsOn").map(|d| &d.kind) {
                Some(NodeKind::Scalar { text, .. }) => vec![text.clone()],
                Some(NodeKind::Seq(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            };
            depends.push((name.to_string(), on));
        }
        let own = skipped.clone();
        loop {
            let before = skipped.len();
            for (name, on) in &depends {
                if on.iter().any(|d| skipped.contains(d)) {
                    skipped.insert(name.clone());
                }
            }
            if skipped.len() == before {
                break;
            }
        }
        self.skipped_by_dependency.extend(skipped.difference(&own).map(|n| full(n)));
    }

    pub(super) fn skip(&mut self, node: &Node, task: &str, params: &TaskValues) -> bool {
        let text = self.text(node, task, "Skip", params).unwrap_or_default();
        as_bool(&text).unwrap_or_else(|| {
            let d = Diagnostic::warning(
                "skip-not-boolean",
                format!("Skip is '{text}', not true or false: the task runs (as org-formation runs it)"),
            )
            .help("write Skip: true, or Skip: !Ref PARAMETER to take it from a parameter");
            self.diags.push(locate(d, self.sources, node.span, task, Some("Skip")));
            false
        })
    }

    /// Unknown `DependsOn` names and dependency loops.
    /// Resolves each `DependsOn` name to tasks: the task itself; every task of an `include` of
    /// that name; for a task of an included file, a task of an enclosing file. A name that is
    /// none of these is a warning, as in org-formation, and is dropped.
    pub(super) fn resolve_dependencies(&mut self, file: &mut TaskFile) {
        let names: Vec<String> = file.tasks.iter().map(|t| t.name.clone()).collect();
        let resolve = |name: &str| -> Vec<String> {
            let mut candidate = name.to_string();
            loop {
                if names.contains(&candidate) {
                    return vec![candidate];
                }
                let inside: Vec<String> =
                    names.iter().filter(|n| n.starts_with(&format!("{candidate}/"))).cloned().collect();
                if !inside.is_empty() {
                    return inside;
                }
                // `Include/Task` naming `Other`: try `Other` one level up.
                let Some((prefix, last)) = candidate.rsplit_once('/') else { return Vec::new() };
                candidate = match prefix.rsplit_once('/') {
                    Some((outer, _)) => format!("{outer}/{last}"),
                    None => last.to_string(),
                };
            }
        };
        for t in &mut file.tasks {
            let mut resolved = Vec::new();
            for d in std::mem::take(&mut t.depends_on) {
                let found = resolve(&d);
                if found.is_empty() {
                    let shown = d.rsplit('/').next().unwrap_or(&d).to_string();
                    let guess = suggest(&shown, names.iter().map(|n| n.rsplit('/').next().unwrap_or(n)));
                    let d = Diagnostic::warning(
                        "unknown-task",
                        format!(
                            "DependsOn names '{shown}', which is not a task of this file; the dependency is ignored"
                        ),
                    )
                    .help(
                        guess
                            .map_or_else(|| "name a task of this file".to_string(), |g| format!("did you mean '{g}'?")),
                    );
                    self.diags.push(locate(d, self.sources, t.span, &t.name, Some("DependsOn")));
                }
                resolved.extend(found.into_iter().filter(|f| f != &t.name));
            }
            resolved.sort();
            resolved.dedup();
            t.depends_on = resolved;
        }
    }

    pub(super) fn check_dependencies(&mut self, file: &TaskFile) {
        let mut seen = HashMap::new();
        for t in &file.tasks {
            if let Some(first) = seen.insert(t.name.as_str(), t.span) {
                self.error(
                    "duplicate-task",
                    t.span,
                    &t.name,
                    None,
                    format!("task name used twice (first at line {})", first.line),
                );
            }
        }
        let mut graph: DependencyGraph<String> = DependencyGraph::default();
        for t in &file.tasks {
            graph.add_node(t.name.clone());
            for d in &t.depends_on {
                graph.add_edge(t.name.clone(), d.clone());
            }
        }
        for cycle in graph.cycles() {
            if let Some(t) = file.tasks.iter().find(|t| t.name == cycle[0]) {
                self.error(
                    "task-cycle",
                    t.span,
                    &t.name,
                    Some("DependsOn"),
                    format!("tasks depend on each other in a loop: {}", cycle.join(" → ")),
                );
            }
        }
        let count = |annotate: bool| {
            file.tasks
                .iter()
                .filter(|t| match t.kind {
                    TaskKind::UpdateOrganization { .. } => !annotate,
                    TaskKind::AnnotateOrganization(_) => annotate,
                    _ => false,
                })
                .count()
        };
        if count(false) > 1 {
            self.diags
                .push(Diagnostic::error("duplicate-update-organization", "more than one update-organization task"));
        }
        if count(true) > 1 || (count(true) == 1 && count(false) > 0) {
            self.diags.push(
                Diagnostic::error(
                    "annotate-and-update-organization",
                    "annotate-organization goes instead of update-organization, and only once",
                )
                .help("annotate-organization takes the accounts from the live organization, which another account factory manages; update-organization manages it from a file: keep one"),
            );
        }
    }
}
