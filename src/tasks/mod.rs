//! Task files (org-formation's `organization-tasks.yml`) — which templates go to which
//! accounts and regions. Loading checks the file and its organization bindings against the
//! organization file named by its `update-organization` task.

pub mod binding;
pub mod instantiate;
mod parse;
pub mod rc;
pub mod scope;
pub mod single;
pub mod task_file;
pub mod upload;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::org_file::declared::ResourceKind;
use crate::org_file::{self, LoadOptions, Loaded};
use crate::source::files::Confinement;
use crate::source::text::Sources;
use std::collections::HashMap;
use std::path::Path;
use task_file::TaskFile;

/// A task file with its organization file.
pub struct LoadedTasks {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    pub tasks: TaskFile,
    /// The organization file of the `update-organization` task, loaded and validated.
    pub organization: Option<Loaded>,
}

impl LoadedTasks {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors() || self.organization.as_ref().is_some_and(|o| o.diagnostics.has_errors())
    }
}

/// Whether `path` is a task file rather than an organization file, decided from the parsed
/// document (so JSON, a byte-order mark or a task named `Organization` do not mislead it): an org
/// file has `AWSTemplateFormatVersion`, or an `Organization` section that is not itself a task.
/// A file that does not parse is treated as an org file, whose loader reports the error.
pub fn is_task_file(path: &Path, options: &LoadOptions) -> bool {
    let mut sources =
        Sources::confined(Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands));
    let Ok(root) = org_file::load::read_tree(path, &mut sources) else { return false };
    let Some(entries) = root.as_map() else { return false };
    let is_org = entries.iter().any(|(key, value)| match key.as_str() {
        Some("AWSTemplateFormatVersion") => true,
        Some("Organization") => value.get("Type").is_none(),
        _ => false,
    });
    !is_org
}

/// What is read of a task file before the full parse: the parameters it declares (a
/// `--parameter` for one is not unknown to the organization file), and the organization file
/// named by an `update-organization` task (so that bindings can be checked against it).
struct Prescan {
    declared: std::collections::BTreeSet<String>,
    organization: Option<OrganizationSource>,
    /// `update-stacks` templates named by URL.
    urls: Vec<String>,
}

/// Where a task file's organization comes from.
enum OrganizationSource {
    /// An `update-organization` task's file, with its `TemplatingContext`.
    File(std::path::PathBuf, Option<serde_json::Value>),
    /// An `annotate-organization` task: the live organization.
    Live(task_file::Annotation),
}

fn prescan(path: &Path, sources: &mut Sources, options: &LoadOptions) -> Prescan {
    let Ok(root) = org_file::load::read_tree(path, sources) else {
        return Prescan { declared: Default::default(), organization: None, urls: Vec::new() };
    };
    let names = root.get("Parameters").and_then(|p| p.as_map()).unwrap_or_default();
    let mut tasks = Vec::new();
    every_task(&root, path, sources, 0, &mut tasks);
    let kind = |task: &crate::source::yaml::Node| task.get("Type").and_then(|t| t.as_str()).map(str::to_string);
    let of_kind = |wanted: &str| tasks.iter().find(|(t, _)| kind(t).as_deref() == Some(wanted));
    let organization = match (of_kind("update-organization"), of_kind("annotate-organization")) {
        (Some((task, file)), _) => task.get("Template").and_then(|t| t.as_str()).map(|template| {
            let context =
                task.get("TemplatingContext").and_then(|c| crate::expr::evaluate(c, &mut NoNames).ok()?.known());
            OrganizationSource::File(file.parent().unwrap_or(Path::new(".")).join(template), context)
        }),
        (None, Some((task, file))) => {
            let values = declared_values(&root, file, sources, options);
            let names = HashMap::new();
            Some(OrganizationSource::Live(task_file::Annotation::read(
                task,
                &mut scope::TaskScope::reading(&values, &names),
            )))
        }
        (None, None) => None,
    };
    let urls = tasks
        .iter()
        .filter(|(t, _)| kind(t).as_deref() == Some("update-stacks"))
        .filter_map(|(t, _)| {
            t.get("Template")?.as_str().filter(|u| crate::source::files::is_url(u)).map(str::to_string)
        })
        .collect();
    Prescan { declared: names.iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect(), organization, urls }
}

/// The parameters the task file `root` declares, with their values (given, else default), for
/// what must be evaluated before the full parse.
fn declared_values(
    root: &crate::source::yaml::Node,
    file: &Path,
    sources: &Sources,
    options: &LoadOptions,
) -> task_file::TaskValues {
    let declared = root.get("Parameters").and_then(|p| p.as_map()).unwrap_or_default();
    let parameters = declared
        .iter()
        .filter_map(|(name, decl)| {
            let name = name.as_str()?.to_string();
            let kind = decl.get("Type").and_then(|t| t.as_str()).unwrap_or("String");
            let value =
                task_file::TaskParameter::declared(kind, options.parameters.get(&name).cloned(), decl.get("Default"))?;
            Some((name, value))
        })
        .collect();
    task_file::TaskValues {
        parameters,
        mappings: root.get("Mappings").cloned(),
        dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        confinement: sources.confinement().clone(),
    }
}

/// Whether the task file at `path` takes its organization from the live one
/// (`annotate-organization`), so that the organization must be read before the file is loaded.
pub fn needs_live_organization(path: &Path, options: &LoadOptions) -> bool {
    let mut sources =
        Sources::confined(Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands));
    options.organization_file.is_none()
        && matches!(prescan(path, &mut sources, options).organization, Some(OrganizationSource::Live(_)))
}

/// The templates the task file at `path` (and the files it includes) names by URL, to be fetched
/// before it is loaded.
pub fn template_urls(path: &Path, options: &LoadOptions) -> Vec<String> {
    let mut sources =
        Sources::confined(Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands));
    prescan(path, &mut sources, options).urls
}

/// Every task of the file `root` (read from `path`) and of the files it includes, in order, each
/// with the file it is in. (Unreadable includes are skipped: the full parse reports them.)
fn every_task(
    root: &crate::source::yaml::Node,
    path: &Path,
    sources: &mut Sources,
    depth: usize,
    out: &mut Vec<(crate::source::yaml::Node, std::path::PathBuf)>,
) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tasks: Vec<&crate::source::yaml::Node> =
        root.as_map().unwrap_or_default().iter().map(|(_, task)| task).collect();
    out.extend(tasks.iter().map(|t| ((*t).clone(), path.to_path_buf())));
    if depth >= 8 {
        return;
    }
    for task in tasks.iter().filter(|t| t.get("Type").and_then(|k| k.as_str()) == Some("include")) {
        let Some(child) = task.get("Path").and_then(|p| p.as_str()).map(|p| dir.join(p)) else { continue };
        if let Ok(node) = org_file::load::read_tree(&child, sources) {
            every_task(&node, &child, sources, depth + 1, out);
        }
    }
}

/// A scope without names: plain values only.
struct NoNames;

impl crate::expr::Scope for NoNames {
    fn reference(
        &mut self,
        _name: &str,
        _attribute: Option<&str>,
    ) -> Option<Result<crate::expr::Value, crate::expr::EvalError>> {
        None
    }
}

pub fn load(path: &Path, options: &LoadOptions) -> LoadedTasks {
    let confinement = Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands);
    let mut scratch = Sources::confined(confinement.clone());
    let mut org_options = options.clone();
    let scan = prescan(path, &mut scratch, options);
    org_options.declared_elsewhere = scan.declared;
    // Where the organization file is, as org-formation looks: --organization-file, an
    // update-organization task (here or in an included file), then `.org-formationrc`.
    let rc = rc::find(path.parent().unwrap_or(Path::new(".")));
    let (file, annotation) = match scan.organization {
        _ if options.organization_file.is_some() => (options.organization_file.clone().map(|p| (p, None)), None),
        Some(OrganizationSource::File(p, context)) => (Some((p, context)), None),
        Some(OrganizationSource::Live(annotation)) => (None, Some(annotation)),
        None => (rc.organization_file.clone().map(|p| (p, None)), None),
    };
    let found = file.filter(|(p, _)| p.exists());
    org_options.templating_context = found.as_ref().and_then(|(_, c)| c.clone());
    let organization_file = found.map(|(p, _)| p);
    let organization = match (&organization_file, &annotation, &options.live_organization) {
        (Some(p), _, _) => Some(org_file::load_confined(p, &org_options, confinement.clone())),
        (None, Some(annotation), Some(live)) => Some(annotated_organization(annotation, live, &org_options)),
        _ => None,
    };
    let kinds: HashMap<String, ResourceKind> = organization.as_ref().map(|o| o.spec.kinds()).unwrap_or_default();
    let mut sources = Sources::confined(confinement);
    let mut diagnostics = Diagnostics::default();
    let tasks = parse::parse(path, &mut sources, &kinds, options, organization_file, &mut diagnostics);
    if organization.is_none() && annotation.is_some() {
        // Bindings name live accounts: they are checked when the organization is read (plan).
        diagnostics.0.retain(|d| d.code != "unknown-reference");
    } else if organization.is_none() {
        // Without the organization every binding reference is unknown: one error says why.
        diagnostics.0.retain(|d| d.code != "unknown-reference");
        diagnostics.push(
            Diagnostic::error("missing-update-organization", "no organization file: the task file has no update-organization task with an existing Template, and neither --organization-file nor .org-formationrc names one")
                .help("add `OrganizationUpdate: {Type: update-organization, Template: ./organization.yml}`, or pass --organization-file: bindings refer to its accounts and OUs"),
        );
    }
    if let Some(org) = organization.as_ref().and_then(|o| o.desired.as_ref()) {
        check_one_stack_per_target(&tasks, org, &sources, &mut diagnostics);
    }
    diagnostics.sort();
    let mut organization = organization;
    if let Some(desired) = organization.as_mut().and_then(|o| o.desired.as_mut()) {
        desired.organization_role = tasks.organization_role().map(str::to_string);
    }
    LoadedTasks { sources, diagnostics, tasks, organization }
}

/// The live organization as an organization file, for `annotate-organization`: accounts named
/// by `AccountMapping`, else by their name (as org-formation does, made a valid logical id),
/// `ExcludeAccounts` left out.
fn annotated_organization(
    annotation: &task_file::Annotation,
    live: &crate::model::OrgState,
    options: &LoadOptions,
) -> Loaded {
    let mut import = crate::import::ImportOptions {
        excluded: annotation.excluded.iter().cloned().collect(),
        access_role: annotation.access_role.clone(),
        ..Default::default()
    };
    for (lid, id) in &annotation.account_mapping {
        import.account_names.insert(id.clone(), lid.clone());
    }
    for account in live.accounts.values() {
        let plain = !account.name.is_empty() && account.name.chars().all(|c| c.is_ascii_alphanumeric());
        if plain && !import.account_names.values().any(|l| l == &account.name) {
            import.account_names.entry(account.id.to_string()).or_insert_with(|| account.name.clone());
        }
    }
    let imported = crate::import::import_with(live, &import);
    let name = format!("<organization {} (annotate-organization)>", live.organization_id);
    org_file::load_text(Path::new(&name), imported.yaml, options)
}

/// Two tasks deploying a stack of the same name to the same account and region would replace
/// each other on every run and never converge: refused, as org-formation does.
fn check_one_stack_per_target(
    tasks: &task_file::TaskFile,
    org: &org_file::desired::DesiredOrg,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) {
    let mut owner: std::collections::BTreeMap<(String, binding::Target), &str> = Default::default();
    for task in tasks.tasks.iter().filter(|t| !t.skip) {
        let task_file::TaskKind::UpdateStacks(stack) = &task.kind else { continue };
        for target in instantiate::stack_targets(stack, org) {
            let key = (stack.stack_name.clone(), target);
            match owner.get(&key) {
                Some(first) if *first != task.name => {
                    let (name, target) = &key;
                    diagnostics.push(
                        org_file::report::locate(
                            Diagnostic::error(
                                "duplicate-stack",
                                format!(
                                    "stack {name} in {} {} is also deployed by task {first}",
                                    target.account, target.region
                                ),
                            ),
                            sources,
                            task.span,
                            &task.name,
                            Some("StackName"),
                        )
                        .help("give one of the two tasks another StackName, or bind them to different accounts or regions"),
                    );
                    return;
                }
                _ => {
                    owner.insert(key, &task.name);
                }
            }
        }
    }
}
