//! A template deployed on its own, as org-formation's `update-stacks TEMPLATE --stack-name NAME`
//! and `validate-stacks TEMPLATE` do it: an annotated template that names its organization
//! (`Organization: !Include ./organization.yml`) and its own bindings, with no task file.
//!
//! orgctl reads it as the task file it stands for: the organization from the template itself
//! (read-only, as org-formation's `update-stacks` leaves the organization alone) and one
//! update-stacks task deploying the template as stack NAME, with the `--parameter`s the template
//! declares as its stack parameters. That task file is written into a temporary directory that
//! lives as long as the command.

use crate::org_file::LoadOptions;
use crate::source::files::Confinement;
use std::path::{Path, PathBuf};

/// The task file a lone template stands for, and the directory that holds it.
pub struct SingleTemplate {
    pub tasks: PathBuf,
    _dir: tempfile::TempDir,
}

/// Whether `path` is an annotated template rather than an org or task file: it has `Resources`
/// and names its organization or bindings.
pub fn is_annotated_template(path: &Path, options: &LoadOptions) -> bool {
    let mut sources = crate::source::text::Sources::confined(
        Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands),
    );
    let Ok(root) = crate::org_file::load::read_tree(path, &mut sources) else { return false };
    let has = |key: &str| root.get(key).is_some();
    has("Resources")
        && ["Organization", "OrganizationBindings", "DefaultOrganizationBinding", "OrganizationBinding"]
            .iter()
            .any(|k| has(k))
}

/// Writes the task file for `template` deployed as `stack_name`, and widens `options` so that
/// the template's project may be read from it.
pub fn task_file_for(
    template: &Path,
    stack_name: &str,
    options: &mut LoadOptions,
) -> Result<SingleTemplate, std::io::Error> {
    let template = template.canonicalize()?;
    let declared = declared_parameters(&template, options);
    let dir = tempfile::tempdir()?;
    let path = |p: &Path| serde_yaml::Value::String(p.display().to_string());
    let mut stack = serde_yaml::Mapping::new();
    stack.insert("Type".into(), "update-stacks".into());
    stack.insert("Template".into(), path(&template));
    stack.insert("StackName".into(), stack_name.into());
    let parameters: serde_yaml::Mapping = options
        .parameters
        .iter()
        .filter(|(k, _)| declared.contains(*k))
        .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
        .collect();
    if !parameters.is_empty() {
        stack.insert("Parameters".into(), parameters.into());
    }
    let mut organization = serde_yaml::Mapping::new();
    organization.insert("Type".into(), "update-organization".into());
    organization.insert("Template".into(), path(&template));
    organization.insert("Skip".into(), true.into());
    let mut tasks = serde_yaml::Mapping::new();
    tasks.insert("OrganizationUpdate".into(), organization.into());
    tasks.insert(task_name(stack_name).into(), stack.into());
    let text = crate::source::yaml_write::to_string(&tasks.into()).map_err(std::io::Error::other)?;
    let tasks = dir.path().join("organization-tasks.yml");
    std::fs::write(&tasks, text)?;
    options.allowed_paths.extend(Confinement::for_entry(&template, &[]).roots().iter().cloned());
    options.organization_of_template = true;
    Ok(SingleTemplate { tasks, _dir: dir })
}

/// The parameters the template's `Parameters` section declares.
fn declared_parameters(template: &Path, options: &LoadOptions) -> Vec<String> {
    let mut sources = crate::source::text::Sources::confined(Confinement::for_entry(template, &options.allowed_paths));
    let Ok(root) = crate::org_file::load::read_tree(template, &mut sources) else { return Vec::new() };
    let declared = root.get("Parameters").and_then(|p| p.as_map()).unwrap_or_default();
    declared.iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect()
}

/// A task name made of the stack name's letters and digits (`my-stack` → `MyStack`).
fn task_name(stack_name: &str) -> String {
    let name: String = stack_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect();
    if name.is_empty() {
        "Stack".to_string()
    } else {
        name
    }
}
