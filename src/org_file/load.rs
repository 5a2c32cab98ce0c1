//! Reading an org file from disk: the YAML itself, every `!Include`, and the top-level sections.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::files::FileError;
use crate::source::text::Sources;
use crate::source::yaml::{self, Node, NodeKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TOP_LEVEL_KEYS: [&str; 6] =
    ["AWSTemplateFormatVersion", "Description", "Parameters", "Definitions", "Organization", "Metadata"];
const FORMAT_VERSIONS: [&str; 2] = ["2010-09-09-OC", "2010-09-09"];

/// The top-level sections of an org file, includes already expanded.
pub struct Document {
    pub description: Option<String>,
    /// Parameter values: text, or a list for `List<...>` and `CommaDelimitedList` parameters.
    pub parameters: BTreeMap<String, serde_json::Value>,
    pub organization: Option<Node>,
}

/// Reads `path` and every file it includes into `sources` and returns the expanded tree.
/// Top-level sections of an annotated template that an organization file does not have: an
/// organization read from such a template skips them.
pub const TEMPLATE_SECTIONS: [&str; 11] = [
    "Resources",
    "Outputs",
    "Conditions",
    "Mappings",
    "Transform",
    "OrganizationBindings",
    "OrganizationBinding",
    "OrganizationBindingRegion",
    "DefaultOrganizationBinding",
    "DefaultOrganizationBindingRegion",
    "Rules",
];

/// Options that change how a file is read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub parameters: BTreeMap<String, String>,
    pub limits: super::limits::Limits,
    /// Directories files may be read from besides the entry file's project (`--allow-path`).
    pub allowed_paths: Vec<PathBuf>,
    /// Parameters another file declares (the task file around this org file): a `--parameter`
    /// for one of them is not an unknown parameter here.
    pub declared_elsewhere: std::collections::BTreeSet<String>,
    /// The update-organization task's `TemplatingContext`: the org file is a nunjucks template.
    pub templating_context: Option<serde_json::Value>,
    /// `--organization-file`: the organization file of a task file that names none.
    pub organization_file: Option<PathBuf>,
    /// The organization as read, for a task file whose `annotate-organization` task takes its
    /// accounts from the live organization instead of a file.
    pub live_organization: Option<std::sync::Arc<crate::model::OrgState>>,
    /// Templates a task file names by URL (`s3://`, `https://`), fetched before it is read:
    /// URL → local copy.
    pub fetched_templates: BTreeMap<String, PathBuf>,
    /// Whether `!Cmd` runs while the files are read, and which ran.
    pub commands: crate::source::commands::Commands,
    /// The organization file is an annotated template deployed on its own
    /// ([`crate::tasks::single`]): its template sections are not the organization's.
    pub organization_of_template: bool,
}

pub fn read_tree(path: &Path, sources: &mut Sources) -> Result<Node, Box<Diagnostic>> {
    read_file(path, sources, &mut Walk::default())
}

/// Where an expansion of includes is: the files being included (to find loops), and the
/// templating context of a templated file, with which an included `.njk` file is rendered too
/// (as org-formation renders it).
#[derive(Default)]
struct Walk<'c> {
    stack: Vec<PathBuf>,
    context: Option<&'c serde_json::Value>,
}

/// Like [`read_tree`], the file first rendered as a nunjucks template (org-formation's
/// `TemplatingContext`, or a `.njk` file) with `context`.
pub fn read_tree_templated(
    path: &Path,
    sources: &mut Sources,
    context: &serde_json::Value,
) -> Result<Node, Box<Diagnostic>> {
    let mut walk = Walk { stack: Vec::new(), context: Some(context) };
    read_templated(path, sources, &mut walk, false)
}

/// Reads `path` rendered with the walk's templating context (none: an empty one).
fn read_templated(
    path: &Path,
    sources: &mut Sources,
    walk: &mut Walk,
    included: bool,
) -> Result<Node, Box<Diagnostic>> {
    let empty = serde_json::json!({});
    let context = walk.context.unwrap_or(&empty);
    let text = sources.confinement().clone().read(path).map_err(|e| file_error(&e, path, included))?;
    let rendered = crate::source::templating::render(&text, context).map_err(|e| {
        // The snippet shows the template as written, at the line that failed.
        let offset: usize = text.split_inclusive('\n').take(e.line.saturating_sub(1)).map(str::len).sum();
        let len = text[offset..].find('\n').unwrap_or(text.len() - offset).max(1);
        sources.add(path.to_path_buf(), text.clone());
        let location = crate::diagnostic::Location { file: path.to_path_buf(), line: e.line, column: 1, offset, len };
        Box::new(
            Diagnostic::error("templating", format!("the template does not render: {}", e.message))
                .at(Some(location))
                .help("TemplatingContext templates use nunjucks syntax: {{ name }}, {% for x in list %}...{% endfor %}, {% if %}"),
        )
    })?;
    let file = sources.add(path.to_path_buf(), rendered);
    parse_and_expand(file, path, sources, walk)
}

fn file_error(e: &FileError, path: &Path, included: bool) -> Box<Diagnostic> {
    let (message, mut help) = e.describe(path);
    if included && matches!(e, FileError::Unreadable(_)) {
        help.push_str("; included paths are relative to the file that includes them");
    }
    Box::new(Diagnostic::error(e.code(), message).help(help))
}

/// Like [`read_tree`], for a document orgctl wrote itself (`path` names it in messages).
pub fn read_text(path: &Path, text: String, sources: &mut Sources) -> Result<Node, Box<Diagnostic>> {
    let file = sources.add(path.to_path_buf(), text);
    parse_and_expand(file, path, sources, &mut Walk::default())
}

fn read_file(path: &Path, sources: &mut Sources, walk: &mut Walk) -> Result<Node, Box<Diagnostic>> {
    let file = sources.read(path).map_err(|e| file_error(&e, path, !walk.stack.is_empty()))?;
    parse_and_expand(file, path, sources, walk)
}

fn parse_and_expand(
    file: crate::source::text::FileId,
    path: &Path,
    sources: &mut Sources,
    walk: &mut Walk,
) -> Result<Node, Box<Diagnostic>> {
    let text = sources.get(file).text.clone();
    let tree = yaml::parse(&text, file, path)?;
    walk.stack.push(path.to_path_buf());
    let expanded = expand_includes(tree, path, sources, walk);
    walk.stack.pop();
    expanded
}

/// Replaces every `!Include path` node by the content of that file.
fn expand_includes(node: Node, path: &Path, sources: &mut Sources, walk: &mut Walk) -> Result<Node, Box<Diagnostic>> {
    if node.tag.as_deref() == Some("Include") {
        let Some(target) = node.as_str() else {
            return Err(Box::new(
                Diagnostic::error("include-invalid", "!Include takes a file path")
                    .at(Some(sources.location(node.span))),
            ));
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let included = crate::source::files::beside(base, target);
        if walk.stack.iter().any(|p| p == &included) {
            let chain: Vec<String> = walk.stack.iter().chain([&included]).map(|p| p.display().to_string()).collect();
            return Err(Box::new(
                Diagnostic::error("include-cycle", format!("!Include loop: {}", chain.join(" → ")))
                    .at(Some(sources.location(node.span)))
                    .help("a file cannot include itself, directly or through other files"),
            ));
        }
        let read = if crate::source::templating::is_template(&included) {
            read_templated(&included, sources, walk, true)
        } else {
            read_file(&included, sources, walk)
        };
        return read.map_err(
            |d| {
                if d.location.is_none() {
                    Box::new(d.at(Some(sources.location(node.span))))
                } else {
                    d
                }
            },
        );
    }
    let Node { kind, tag, span } = node;
    let kind = match kind {
        NodeKind::Seq(items) => {
            NodeKind::Seq(items.into_iter().map(|n| expand_includes(n, path, sources, walk)).collect::<Result<_, _>>()?)
        }
        NodeKind::Map(entries) => {
            let entries: Vec<(Node, Node)> = entries
                .into_iter()
                .map(|(k, v)| Ok((k, expand_includes(v, path, sources, walk)?)))
                .collect::<Result<_, Box<Diagnostic>>>()?;
            let entries = yaml::apply_merges(entries);
            // A merge that is still there has nothing to merge: refused, never dropped.
            if let Some((key, value)) = entries.iter().find(|(k, _)| yaml::is_merge_key(k)) {
                return Err(Box::new(
                    Diagnostic::error(
                        "invalid-merge",
                        format!("`<<:` merges a mapping into this one, but its value is {}", value.describe()),
                    )
                    .at(Some(sources.location(key.span)))
                    .help("write `<<: *anchor`, `<<: [*a, *b]` or `<<: !Include file.yml` of a file holding a mapping"),
                ));
            }
            NodeKind::Map(entries)
        }
        other => other,
    };
    Ok(Node { kind, tag, span })
}

/// Checks the top-level keys and resolves parameter values (defaults, then `overrides`).
pub fn read_document(root: Node, options: &LoadOptions, sources: &Sources, diags: &mut Diagnostics) -> Document {
    let mut doc = Document { description: None, parameters: BTreeMap::new(), organization: None };
    let Some(entries) = root.as_map() else {
        if root.is_null() {
            diags.push(
                Diagnostic::error("empty-file", "the org file is empty (nothing but comments or blank lines)")
                    .at(Some(sources.location(root.span)))
                    .help("an org file starts with `AWSTemplateFormatVersion: '2010-09-09-OC'` and an `Organization:` section"),
            );
            return doc;
        }
        diags.push(
            Diagnostic::error("not-a-mapping", format!("the org file must be a mapping, found {}", root.describe()))
                .at(Some(sources.location(root.span)))
                .help("an org file starts with `AWSTemplateFormatVersion: '2010-09-09-OC'` and an `Organization:` section"),
        );
        return doc;
    };
    let mut included_parameters = None;
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        match name {
            "AWSTemplateFormatVersion" => {
                let v = value.as_str().unwrap_or_default();
                if !FORMAT_VERSIONS.contains(&v) {
                    diags.push(
                        Diagnostic::error("format-version", format!("unsupported AWSTemplateFormatVersion '{v}'"))
                            .at(Some(sources.location(value.span)))
                            .property("AWSTemplateFormatVersion")
                            .help("use '2010-09-09-OC' (org-formation's format)"),
                    );
                }
            }
            "Description" => doc.description = value.as_str().map(str::to_string),
            "Parameters" => doc.parameters = read_parameters(value, &options.parameters, sources, diags),
            "Organization" => {
                doc.organization = Some(organization_section(value).clone());
                included_parameters = value.get("AWSTemplateFormatVersion").and(value.get("Parameters"));
            }
            "Definitions" | "Metadata" => {}
            other if options.organization_of_template && TEMPLATE_SECTIONS.contains(&other) => {}
            other => diags.push(
                Diagnostic::error("unknown-section", format!("unknown top-level section '{other}'"))
                    .at(Some(sources.location(key.span)))
                    .property(other)
                    .help(
                        suggest(other, TOP_LEVEL_KEYS.iter().copied())
                            .map(|s| format!("did you mean '{s}'?"))
                            .unwrap_or_else(|| format!("known sections: {}", TOP_LEVEL_KEYS.join(", "))),
                    ),
            ),
        }
    }
    // A whole org file included as the Organization brings the parameters its resources use;
    // the including file's own lead.
    if let Some(parameters) = included_parameters {
        for (name, parameter) in read_parameters(parameters, &options.parameters, sources, diags) {
            doc.parameters.entry(name).or_insert(parameter);
        }
    }
    for name in options.parameters.keys() {
        if !doc.parameters.contains_key(name) && !options.declared_elsewhere.contains(name) {
            // org-formation ignores a parameter the files do not declare; so does orgctl, saying so.
            diags.push(
                Diagnostic::warning(
                    "unknown-parameter",
                    format!("--parameter {name} is not declared in the file's Parameters: it is ignored"),
                )
                .help("declare it under `Parameters:`, or check its spelling"),
            );
        }
    }
    if doc.organization.is_none() {
        diags.push(
            Diagnostic::error("missing-organization", "the file has no `Organization:` section")
                .at(Some(sources.location(root.span)))
                .help("add an `Organization:` mapping with at least the OC::ORG::MasterAccount"),
        );
    }
    doc
}

fn read_parameters(
    node: &Node,
    overrides: &BTreeMap<String, String>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> BTreeMap<String, serde_json::Value> {
    use serde_json::Value;
    let mut out = BTreeMap::new();
    let Some(entries) = node.as_map() else { return out };
    for (key, decl) in entries {
        let name = key.as_str().unwrap_or_default().to_string();
        let is_list = decl.get("Type").and_then(Node::as_str).is_some_and(|t| t.contains("List"));
        let default = decl.get("Default").and_then(|d| match &d.kind {
            NodeKind::Scalar { text, .. } => Some(text.clone()),
            NodeKind::Seq(items) => Some(items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(",")),
            _ => None,
        });
        let Some(text) = overrides.get(&name).cloned().or(default) else {
            diags.push(
                Diagnostic::error(
                    "parameter-missing",
                    format!("parameter {name} has no Default and no value was given"),
                )
                .at(Some(sources.location(key.span)))
                .property(format!("Parameters.{name}"))
                .help(format!("pass --parameter {name}=VALUE or give it a Default")),
            );
            continue;
        };
        let allowed: Option<Vec<&str>> = decl.get("AllowedValues").and_then(|a| match &a.kind {
            NodeKind::Seq(items) => Some(items.iter().filter_map(Node::as_str).collect()),
            _ => None,
        });
        let values: Vec<&str> = if is_list {
            text.split(',').map(str::trim).filter(|v| !v.is_empty()).collect()
        } else {
            vec![text.as_str()]
        };
        if let Some(bad) = allowed.as_ref().and_then(|a| values.iter().find(|v| !a.contains(v))) {
            diags.push(
                Diagnostic::error(
                    "parameter-value",
                    format!("parameter {name} is '{bad}', not one of {}", allowed.unwrap_or_default().join(", ")),
                )
                .at(Some(sources.location(key.span)))
                .property(format!("Parameters.{name}")),
            );
        }
        let value = if is_list {
            Value::Array(values.into_iter().map(|v| Value::String(v.to_string())).collect())
        } else {
            Value::String(text.clone())
        };
        out.insert(name, value);
    }
    out
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The resources of an `Organization:` section. `Organization: !Include ./organization.yml`
/// may include a whole org file: its own `Organization` section is meant, as org-formation
/// reads it.
pub fn organization_section(value: &Node) -> &Node {
    let whole_file = value.get("AWSTemplateFormatVersion").is_some();
    match value.get("Organization") {
        Some(inner) if whole_file => inner,
        _ => value,
    }
}

/// For a diagnostic found before resources were typed (a YAML syntax error, a missing include),
/// finds the logical id and property from the text: the nearest resource key above the line,
/// and the key on the line itself.
pub fn context_from_text(text: &str, line: usize) -> (Option<String>, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let key_of = |l: &str| -> Option<(usize, String)> {
        let indent = l.len() - l.trim_start().len();
        let trimmed = l.trim_start().trim_start_matches("- ");
        let (key, _) = trimmed.split_once(':')?;
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then(|| (indent, key.to_string()))
    };
    let here = lines.get(line.saturating_sub(1)).and_then(|l| key_of(l));
    let mut in_org = false;
    let mut resource = None;
    for l in lines.iter().take(line) {
        match key_of(l) {
            Some((0, key)) => {
                in_org = key == "Organization";
                resource = None;
            }
            Some((2, key)) if in_org => resource = Some(key),
            _ => {}
        }
    }
    let property = here.clone().filter(|(indent, _)| *indent > 2).map(|(_, k)| k);
    match (resource, here) {
        (Some(id), _) => (Some(id), property),
        (None, Some((0, section))) => (None, Some(section)),
        (None, _) => (None, None),
    }
}
