//! Turns the `Organization:` section into typed resources: types and properties checked,
//! references checked, values evaluated (account attributes in dependency order). Each type is
//! read in its own module (`account`, `structure` for the root, OUs and policies, `identity`),
//! with the property readers of `read`.

mod account;
mod identity;
mod read;
mod structure;

use account::account;
use structure::{organizational_unit, password_policy, policy, root};

use super::declared::*;
use super::eval::{account_attributes_read, Env};
use super::load::suggest;
use super::report::Reporter;
use crate::diagnostic::Diagnostics;
use crate::expr::EvalError;
use crate::graph::DependencyGraph;
use crate::source::text::{Sources, Span};
use crate::source::yaml::Node;
use std::collections::{BTreeMap, HashMap};

/// One entry of the `Organization:` section before typing.
struct RawResource<'a> {
    logical_id: String,
    kind: ResourceKind,
    properties: Option<&'a Node>,
    span: Span,
}

impl<'a> RawResource<'a> {
    fn prop(&self, name: &str) -> Option<&'a Node> {
        self.properties.and_then(|p| p.get(name)).filter(|n| !n.is_null())
    }
}

impl Reporter<'_> {
    fn eval_error(&mut self, e: EvalError, span: Span, id: &str, property: &str) {
        let d = self.error(e.code, span, id, Some(property), e.message);
        d.help = e.help;
    }
}

/// Parses the `Organization:` mapping. Problems go to `diags`; the result holds what could be read.
pub fn parse_organization(
    org: &Node,
    parameters: &BTreeMap<String, serde_json::Value>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> OrgSpec {
    let mut r = Reporter::new(sources);
    let raws = index_resources(org, &mut r);
    let kinds: HashMap<String, ResourceKind> = raws.iter().map(|raw| (raw.logical_id.clone(), raw.kind)).collect();
    let mut env = Env::new(parameters, &kinds);
    evaluate_account_attributes(&raws, &mut env, &mut r);

    let mut spec = OrgSpec::default();
    for raw in &raws {
        check_property_names(raw, &mut r);
        match raw.kind {
            ResourceKind::MasterAccount | ResourceKind::Account => spec.accounts.push(account(raw, &env, &mut r)),
            ResourceKind::OrganizationalUnit => spec.ous.push(organizational_unit(raw, &env, &mut r)),
            ResourceKind::OrganizationRoot => {
                let root = root(raw, &env, &kinds, &mut r);
                if let Some(first) = &spec.root {
                    r.error(
                        "duplicate-root",
                        raw.span,
                        &raw.logical_id,
                        None,
                        format!("a second OC::ORG::OrganizationRoot (the first is {})", first.logical_id),
                    )
                    .help = Some("an organization has one root: merge the two".into());
                } else {
                    spec.root = Some(root);
                }
            }
            ResourceKind::Policy(policy_type) => spec.policies.push(policy(raw, policy_type, &env, &mut r)),
            ResourceKind::PasswordPolicy => spec.password_policies.push(password_policy(raw, &env, &mut r)),
            ResourceKind::PermissionSet => spec.permission_sets.push(identity::permission_set(raw, &env, &mut r)),
            ResourceKind::AccountAssignment => spec.assignments.push(identity::assignment(raw, &env, &kinds, &mut r)),
        }
    }
    match spec.accounts.iter().filter(|a| a.is_management).count() {
        0 => {
            r.error(
                "missing-master-account",
                org.span,
                "Organization",
                None,
                "no OC::ORG::MasterAccount is declared",
            )
            .help = Some(
                "declare the management account with its AccountId: orgctl checks it is the account it runs in".into(),
            );
        }
        1 => {}
        _ => {
            for extra in spec.accounts.iter().filter(|a| a.is_management).skip(1) {
                r.error(
                    "duplicate-master-account",
                    extra.span,
                    &extra.logical_id,
                    None,
                    "a second OC::ORG::MasterAccount",
                )
                .help = Some("an organization has exactly one management account".into());
            }
        }
    }
    spec.pending = env.pending.into_inner();
    diags.extend(r.diags);
    spec
}

fn index_resources<'a>(org: &'a Node, r: &mut Reporter) -> Vec<RawResource<'a>> {
    let mut out = Vec::new();
    let Some(entries) = org.as_map() else {
        r.error(
            "not-a-mapping",
            org.span,
            "Organization",
            None,
            format!("`Organization:` must be a mapping of resources, found {}", org.describe()),
        );
        return out;
    };
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (key, value) in entries {
        let id = key.as_str().unwrap_or_default();
        if let Some(first) = seen.insert(id, key.span) {
            r.error(
                "duplicate-logical-id",
                key.span,
                id,
                None,
                format!("logical id declared twice (first at line {})", first.line),
            );
            continue;
        }
        // org-formation takes any key (real files use `Appx-dev`); a `.` would make
        // `!GetAtt X.Attr` and `${X.Attr}` ambiguous, so letters, digits, `-` and `_` only.
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || id.is_empty() {
            r.error(
                "invalid-logical-id",
                key.span,
                id,
                None,
                "logical ids are letters, digits, '-' and '_' (a '.' would read as an attribute)",
            );
        }
        let Some(type_node) = value.get("Type") else {
            r.broken.insert(id.to_string());
            r.error("missing-type", key.span, id, Some("Type"), "resource has no Type").help =
                Some(format!("one of: {}", type_names()));
            continue;
        };
        let type_name = type_node.as_str().unwrap_or_default();
        let Some(kind) = ResourceKind::from_type_name(type_name) else {
            r.broken.insert(id.to_string());
            let guess = suggest(type_name, ResourceKind::all().map(|k| k.type_name()));
            r.error("unknown-type", type_node.span, id, Some("Type"), format!("unknown resource type '{type_name}'"))
                .help = Some(match guess {
                Some(g) => format!("did you mean '{g}'?"),
                None => format!("one of: {}", type_names()),
            });
            continue;
        };
        for (k, _) in value.as_map().unwrap_or_default() {
            let name = k.as_str().unwrap_or_default();
            if !matches!(name, "Type" | "Properties") {
                r.error("unknown-key", k.span, id, Some(name), format!("unknown key '{name}' in a resource")).help =
                    Some("a resource has `Type:` and `Properties:`".into());
            }
        }
        out.push(RawResource { logical_id: id.to_string(), kind, properties: value.get("Properties"), span: key.span });
    }
    out
}

fn type_names() -> String {
    ResourceKind::all().map(|k| k.type_name()).collect::<Vec<_>>().join(", ")
}

fn check_property_names(raw: &RawResource, r: &mut Reporter) {
    let Some(props) = raw.properties else { return };
    let Some(entries) = props.as_map() else {
        if !props.is_null() {
            r.error(
                "not-a-mapping",
                props.span,
                &raw.logical_id,
                Some("Properties"),
                format!("Properties must be a mapping, found {}", props.describe()),
            );
        }
        return;
    };
    let known = raw.kind.properties();
    for (key, _) in entries {
        let name = key.as_str().unwrap_or_default();
        if !known.contains(&name) {
            let help = match suggest(name, known.iter().copied()) {
                Some(s) => format!("did you mean '{s}'?"),
                None => format!("{} accepts: {}", raw.kind.type_name(), known.join(", ")),
            };
            r.error(
                "unknown-property",
                key.span,
                &raw.logical_id,
                Some(name),
                format!("unknown property '{name}' for {}", raw.kind.type_name()),
            )
            .help = Some(help);
        }
    }
}

/// Names of the account attributes that have a value node, with the node.
fn account_slots<'a>(raw: &RawResource<'a>) -> Vec<(String, &'a Node)> {
    let mut slots: Vec<(String, &Node)> =
        ["AccountId", "AccountName", "RootEmail", "Alias", "OrganizationAccessRoleName", "BuildAccessRoleName"]
            .into_iter()
            .filter_map(|attr| raw.prop(attr).map(|n| (attr.to_string(), n)))
            .collect();
    if let Some(entries) = raw.prop("Tags").and_then(Node::as_map) {
        for (k, v) in entries {
            slots.push((format!("Tags.{}", k.as_str().unwrap_or_default()), v));
        }
    }
    slots
}

/// Evaluates account attributes in dependency order so that `!GetAtt`s between accounts work,
/// reporting reference cycles with every member named.
fn evaluate_account_attributes(raws: &[RawResource], env: &mut Env, r: &mut Reporter) {
    let mut graph: DependencyGraph<(String, String)> = DependencyGraph::default();
    let mut nodes: HashMap<(String, String), &Node> = HashMap::new();
    for raw in raws.iter().filter(|raw| raw.kind.is_account()) {
        for (attr, node) in account_slots(raw) {
            let slot = (raw.logical_id.clone(), attr);
            graph.add_node(slot.clone());
            for dep in account_attributes_read(node, env.kinds) {
                graph.add_edge(slot.clone(), dep);
            }
            nodes.insert(slot, node);
        }
    }
    let mut in_cycle = std::collections::HashSet::new();
    for cycle in graph.cycles() {
        let names: Vec<String> = cycle.iter().map(|(id, attr)| format!("{id}.{attr}")).collect();
        let (id, attr) = &cycle[0];
        let span = nodes.get(&cycle[0]).map(|n| n.span).unwrap_or(Span {
            file: crate::source::text::FileId(0),
            line: 1,
            column: 1,
            offset: 0,
            len: 1,
        });
        r.error("reference-cycle", span, id, Some(attr), format!("reference cycle: {}", names.join(" → "))).help = Some(
            "each of these values needs the next one first; break the loop by writing one of them as plain text".into(),
        );
        in_cycle.extend(cycle);
    }
    for slot in graph.order() {
        if in_cycle.contains(&slot) {
            continue;
        }
        let Some(node) = nodes.get(&slot) else { continue };
        match env.text(node) {
            Ok(value) => {
                env.account_values.insert(slot, value);
            }
            Err(e) => r.eval_error(e, node.span, &slot.0, &slot.1),
        }
    }
}
