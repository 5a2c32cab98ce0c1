//! Reading an org file: org file → validated, typed spec → desired organization.
//!
//! Everything here runs before any provider call: a file that does not validate never reaches
//! the organization.

pub mod declared;
pub mod desired;
pub mod eval;
pub mod formats;
pub mod limits;
pub mod load;
pub(crate) mod policy_document;
pub(crate) mod report;
mod resources;
mod validate;

use crate::diagnostic::Diagnostics;
use crate::source::files::Confinement;
use crate::source::text::Sources;
use desired::DesiredOrg;
pub use load::LoadOptions;
pub use policy_document::{check_document, check_policy_document};
use std::path::Path;

/// What loading an org file gives: the desired organization (when the file is valid), every
/// diagnostic, and the sources to render them with.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    pub spec: declared::OrgSpec,
    pub desired: Option<DesiredOrg>,
}

/// Reads, validates and resolves an org file given on the command line.
pub fn load(path: &Path, options: &LoadOptions) -> Loaded {
    load_confined(path, options, Confinement::for_entry(path, &options.allowed_paths).with_commands(&options.commands))
}

/// Reads, validates and resolves an org file, reading files only through `confinement` (a task
/// file's organization file is confined to the task file's project).
pub fn load_confined(path: &Path, options: &LoadOptions, confinement: Confinement) -> Loaded {
    let mut sources = Sources::confined(confinement);
    let read = match &options.templating_context {
        Some(context) => load::read_tree_templated(path, &mut sources, context),
        None if crate::source::templating::is_template(path) => {
            load::read_tree_templated(path, &mut sources, &serde_json::json!({}))
        }
        None => load::read_tree(path, &mut sources),
    };
    resolve(read, sources, options)
}

/// Validates and resolves an org file orgctl wrote itself (the live organization described for
/// `annotate-organization`); `path` names it in messages.
pub fn load_text(path: &Path, text: String, options: &LoadOptions) -> Loaded {
    let mut sources = Sources::confined(Confinement::allowing(&[]));
    let read = load::read_text(path, text, &mut sources);
    resolve(read, sources, options)
}

fn resolve(
    read: Result<crate::source::yaml::Node, Box<crate::diagnostic::Diagnostic>>,
    sources: Sources,
    options: &LoadOptions,
) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    let mut spec = declared::OrgSpec::default();
    match read {
        Err(d) => diagnostics.push(*d),
        Ok(tree) => {
            let doc = load::read_document(tree, options, &sources, &mut diagnostics);
            if let Some(org) = &doc.organization {
                spec = resources::parse_organization(org, &doc.parameters, &sources, &mut diagnostics);
                spec.description = doc.description;
            }
        }
    }
    let placement = validate::validate(&spec, &options.limits, &sources, &mut diagnostics);
    for d in diagnostics.0.iter_mut().filter(|d| d.logical_id.is_none() && d.property.is_none()) {
        let Some(loc) = &d.location else { continue };
        let text = sources.find(&loc.file).map(|f| f.text.as_str()).unwrap_or_default();
        let (id, property) = load::context_from_text(text, loc.line);
        d.logical_id = id;
        d.property = property;
    }
    diagnostics.sort();
    let desired = (!diagnostics.has_errors()).then(|| desired::build(&spec, &placement));
    Loaded { sources, diagnostics, spec, desired }
}
