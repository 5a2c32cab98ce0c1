//! Instantiating an annotated template for each of its targets: the CloudFormation template
//! that goes to one (account, region), and the values it takes from other stacks.
//!
//! A resource goes to the targets of its binding. References to a resource that lives in
//! another target (`!GetAtt Account.Resources.Bucket.Arn`, or `!Ref Bucket` / `!GetAtt
//! Bucket.Arn` when Bucket has a single target) become a stack parameter of the consumer, fed at
//! apply time from an output added to the producer: no CloudFormation exports involved.
//! Everything else is evaluated by [`crate::expr`] with the template's names in scope.

use super::binding::{targets, Target};
use super::task_file::{Binding, ResourceBinding, StackTask, TemplateResource};
use crate::expr::{account_attribute, evaluate, AccountFacts, EvalError, Scope, Text, Value};
use crate::org_file::desired::{AccountsOf, DesiredOrg};
use crate::source::files::Confinement;
use crate::source::sub::SubPart;
use crate::source::yaml::{Node, NodeKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A stack parameter whose value is another stack's output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    pub parameter: String,
    pub producer: Target,
    pub output: String,
    /// The value is a list (joined with commas on the producer's side): the parameter is a
    /// CommaDelimitedList.
    pub list: bool,
}

/// An output a producer adds for another target: its value, and the Condition of the resource
/// it reads.
#[derive(Debug, Clone)]
struct Export {
    value: Value,
    condition: Option<String>,
}

/// Attributes CloudFormation's `Fn::GetAtt` returns as a list (Route 53's NameServers, VPC
/// endpoints' DnsEntries, ...), by their name.
fn is_list_attribute(attribute: &str) -> bool {
    const LISTS: [&str; 7] = [
        "NameServers",
        "DnsEntries",
        "NetworkInterfaceIds",
        "Ipv6CidrBlocks",
        "CidrBlockAssociations",
        "DnsIpAddresses",
        "SecurityGroups",
    ];
    LISTS.iter().any(|l| attribute.ends_with(l))
}

/// The template for one target.
#[derive(Debug, Clone)]
pub struct StackInstance {
    pub target: Target,
    pub template: Value,
    pub imports: Vec<Import>,
    /// Targets of the same task to deploy first (`DependsOnAccount`, `DependsOnRegion`).
    pub depends_on: Vec<Target>,
}

/// A template problem, with the resource it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub resource: String,
    pub error: EvalError,
    /// Where in the template: the resource (or section) being instantiated.
    pub location: crate::diagnostic::Location,
}

struct Instantiator<'a> {
    task: &'a StackTask,
    accounts: AccountsOf<'a>,
    bindings: BTreeMap<String, Vec<Target>>,
    /// Targets of each resource.
    placement: BTreeMap<String, Vec<Target>>,
    errors: Vec<TemplateError>,
    /// Outputs each producer target must declare: output name → value.
    exports: BTreeMap<Target, BTreeMap<String, Export>>,
    /// The template's directory, where `!ReadFile` starts.
    dir: PathBuf,
}

/// Instantiates `task`'s template for every target. `account_id` gives the AccountId of an
/// account by logical id when it exists.
pub fn instantiate(
    task: &StackTask,
    org: &DesiredOrg,
    account_id: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<StackInstance>, Vec<TemplateError>> {
    let (bindings, placement) = placement(task, org);
    let mut it = Instantiator {
        task,
        accounts: AccountsOf { org, ids: account_id },
        bindings,
        placement,
        errors: Vec::new(),
        exports: BTreeMap::new(),
        dir: task.template.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let all: BTreeSet<Target> = it.placement.values().flatten().cloned().collect();
    let mut stacks: Vec<StackInstance> = all.into_iter().map(|t| it.stack(t)).collect();
    for stack in &mut stacks {
        let Some(outputs) = it.exports.get(&stack.target) else { continue };
        let outputs = outputs.iter().map(|(name, export)| {
            let mut output = vec![("Value".to_string(), export.value.clone())];
            output.extend(export.condition.iter().map(|c| ("Condition".to_string(), Value::from(c.as_str()))));
            (name.clone(), Value::Map(output))
        });
        if let Value::Map(entries) = &mut stack.template {
            add_to_section(entries, "Outputs", outputs);
        }
    }
    if it.errors.is_empty() {
        Ok(stacks)
    } else {
        it.errors.sort_by(|a, b| (&a.resource, &a.error.message).cmp(&(&b.resource, &b.error.message)));
        it.errors.dedup();
        Err(it.errors)
    }
}

/// Every (account, region) the task's stacks go to.
pub fn stack_targets(task: &StackTask, org: &DesiredOrg) -> BTreeSet<Target> {
    placement(task, org).1.into_values().flatten().collect()
}

/// The targets of each named binding (the task's lead over the template's), and of each resource.
type Placement = (BTreeMap<String, Vec<Target>>, BTreeMap<String, Vec<Target>>);

fn placement(task: &StackTask, org: &DesiredOrg) -> Placement {
    let default_regions = &task.default_regions;
    let with_regions = |b: &Binding| {
        let mut b = b.clone();
        if b.regions.is_empty() {
            b.regions = default_regions.clone();
        }
        targets(&b, org)
    };
    let mut named: BTreeMap<&String, &Binding> = task.document.bindings.iter().collect();
    named.extend(task.bindings.iter());
    let bindings: BTreeMap<String, Vec<Target>> =
        named.into_iter().map(|(n, b)| (n.clone(), with_regions(b))).collect();
    let default_targets = task.default_binding.as_ref().map(|b| targets(b, org)).unwrap_or_default();
    let placement: BTreeMap<String, Vec<Target>> = task
        .document
        .resources
        .iter()
        .map(|res| {
            let t = match &res.binding {
                ResourceBinding::Default => default_targets.clone(),
                ResourceBinding::Named(n) => bindings.get(n).cloned().unwrap_or_default(),
                ResourceBinding::Inline(b) => with_regions(b),
            };
            (res.logical_id.clone(), t)
        })
        .collect();
    (bindings, placement)
}

/// Adds `items` to the top-level `name` section of a template's entries (created when missing).
fn add_to_section(entries: &mut Vec<(String, Value)>, name: &str, items: impl IntoIterator<Item = (String, Value)>) {
    let at = entries.iter().position(|(k, _)| k == name);
    let mut section = match at.map(|i| std::mem::replace(&mut entries[i].1, Value::Null)) {
        Some(Value::Map(existing)) => existing,
        _ => Vec::new(),
    };
    section.extend(items);
    match at {
        Some(i) => entries[i].1 = Value::Map(section),
        None => entries.push((name.to_string(), Value::Map(section))),
    }
}

fn alnum(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

impl Instantiator<'_> {
    /// The accounts a `ForeachAccount` binding selects (its regions do not matter).
    fn foreach_accounts(&self, foreach: &ResourceBinding) -> BTreeSet<String> {
        let binding = match foreach {
            ResourceBinding::Named(n) => self.binding(n),
            ResourceBinding::Inline(b) => Some(b),
            ResourceBinding::Default => self.task.default_binding.as_ref(),
        };
        binding.map(|b| super::binding::accounts(b, self.accounts.org)).unwrap_or_default()
    }

    fn stack(&mut self, target: Target) -> StackInstance {
        let mut imports = BTreeSet::new();
        let here: Vec<&TemplateResource> = self
            .task
            .document
            .resources
            .iter()
            .filter(|r| self.placement.get(&r.logical_id).is_some_and(|t| t.contains(&target)))
            .collect();
        let local: BTreeSet<String> = here.iter().map(|r| r.logical_id.clone()).collect();
        let depends_on = self.depends_on(&here, &target);
        let mut resources = Vec::new();
        // The ids each resource of the template has in this stack (a ForeachAccount resource
        // has one copy per account); a resource placed elsewhere has none.
        let mut emitted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for res in here {
            let copies: Vec<(String, String)> = match &res.foreach {
                Some(b) => self
                    .foreach_accounts(b)
                    .into_iter()
                    .map(|a| (format!("{}{}", res.logical_id, alnum(&a)), a))
                    .collect(),
                None => vec![(res.logical_id.clone(), target.account.clone())],
            };
            for (id, current) in copies {
                let value = self.value(&res.body, &target, &current, &local, &res.logical_id, &mut imports);
                emitted.entry(res.logical_id.as_str()).or_default().push(id.clone());
                resources.push((id, value));
            }
        }
        for (_, resource) in &mut resources {
            self.depends_on_here(resource, &emitted);
        }
        let mut template = vec![("AWSTemplateFormatVersion".to_string(), Value::from("2010-09-09"))];
        for (name, node) in &self.task.document.sections {
            if name == "AWSTemplateFormatVersion" {
                continue;
            }
            // An output about a resource this target does not have is left out here (as
            // org-formation does), not turned into a reference to another target.
            let node = match (name.as_str(), node.as_map()) {
                ("Outputs", Some(entries)) => {
                    let elsewhere = |n: &Node| {
                        let mut refs = Vec::new();
                        crate::expr::references(n, &mut refs);
                        refs.iter().any(|r| self.placement.contains_key(&r.name) && !local.contains(&r.name))
                    };
                    let kept = entries.iter().filter(|(_, v)| !elsewhere(v)).cloned().collect();
                    &Node { kind: NodeKind::Map(kept), ..node.clone() }
                }
                _ => node,
            };
            let value = self.value(node, &target, &target.account, &local, name, &mut imports);
            template.push((name.clone(), value));
        }
        let declarations = imports.iter().map(|i| {
            let declaration = serde_json::json!({
                "Type": if i.list { "CommaDelimitedList" } else { "String" },
                "Description": format!("{} of {}/{}", i.output, i.producer.account, i.producer.region),
            });
            (i.parameter.clone(), Value::from(declaration))
        });
        if !imports.is_empty() {
            add_to_section(&mut template, "Parameters", declarations);
        }
        template.push(("Resources".into(), Value::Map(resources)));
        StackInstance { target, template: Value::Map(template), imports: imports.into_iter().collect(), depends_on }
    }

    /// A resource's `DependsOn` as this stack can have it, as org-formation writes it: a
    /// resource of the template placed in other targets only is dropped from it (CloudFormation
    /// refuses a dependency on what the template does not hold), a ForeachAccount resource
    /// stands for all its copies; any other name is left for the template check to refuse.
    fn depends_on_here(&self, resource: &mut Value, emitted: &BTreeMap<&str, Vec<String>>) {
        let Value::Map(entries) = resource else { return };
        let Some(at) = entries.iter().position(|(k, _)| k == "DependsOn") else { return };
        let written: Vec<Value> = match &entries[at].1 {
            Value::List(items) => items.clone(),
            one => vec![one.clone()],
        };
        let mut kept = Vec::new();
        for name in written {
            let Some(text) = name.as_text().and_then(|t| t.as_known().map(str::to_string)) else {
                kept.push(name);
                continue;
            };
            match emitted.get(text.as_str()) {
                Some(ids) => kept.extend(ids.iter().map(|id| Value::from(id.as_str()))),
                None if self.placement.contains_key(&text) => {
                    tracing::debug!("DependsOn {text} dropped: it is not deployed to this target");
                }
                None => kept.push(name),
            }
        }
        match kept.len() {
            0 => {
                entries.remove(at);
            }
            1 => entries[at].1 = kept.remove(0),
            _ => entries[at].1 = Value::List(kept),
        }
    }

    /// `DependsOnAccount` / `DependsOnRegion` of the resources placed in `target`.
    fn depends_on(&self, here: &[&TemplateResource], target: &Target) -> Vec<Target> {
        let all: BTreeSet<&Target> = self.placement.values().flatten().collect();
        let mut depends_on: BTreeSet<Target> = BTreeSet::new();
        for res in here {
            for account in &res.depends_on_accounts {
                let theirs: Vec<&&Target> = all.iter().filter(|t| &t.account == account).collect();
                let same_region: Vec<&&Target> = theirs.iter().copied().filter(|t| t.region == target.region).collect();
                let chosen = if same_region.is_empty() { theirs } else { same_region };
                depends_on.extend(chosen.into_iter().map(|t| (*t).clone()));
            }
            for region in &res.depends_on_regions {
                depends_on.extend(
                    all.iter().filter(|t| t.account == target.account && &t.region == region).map(|t| (*t).clone()),
                );
            }
        }
        depends_on.remove(target);
        depends_on.into_iter().collect()
    }

    fn value(
        &mut self,
        node: &Node,
        target: &Target,
        current: &str,
        local: &BTreeSet<String>,
        resource: &str,
        imports: &mut BTreeSet<Import>,
    ) -> Value {
        let mut scope = TemplateScope { it: self, target, current, local, imports };
        match evaluate(node, &mut scope) {
            Ok(v) => v,
            Err(error) => {
                let location = crate::diagnostic::Location {
                    file: self.task.template.clone(),
                    line: node.span.line as usize,
                    column: node.span.column as usize,
                    offset: node.span.offset as usize,
                    len: node.span.len as usize,
                };
                self.errors.push(TemplateError { resource: resource.to_string(), error, location });
                Value::Null
            }
        }
    }

    /// A reference to `resource`'s `attribute` (None: `Ref`) living in another target.
    fn cross(
        &mut self,
        target: &Target,
        account: Option<&str>,
        resource: &str,
        attribute: Option<&str>,
        imports: &mut BTreeSet<Import>,
    ) -> Result<Value, EvalError> {
        let placed = self.placement.get(resource).cloned().unwrap_or_default();
        let candidates: Vec<&Target> = placed.iter().filter(|t| account.is_none_or(|a| t.account == a)).collect();
        let producer = match candidates.as_slice() {
            [one] => (*one).clone(),
            [] => {
                return Err(EvalError::new(
                    "not-deployed",
                    format!("{resource} is not deployed to {}", account.unwrap_or("any target")),
                ))
            }
            many => match many.iter().find(|t| t.region == target.region) {
                Some(same_region) => (*same_region).clone(),
                None => {
                    return Err(EvalError::new(
                        "ambiguous-reference",
                        format!("{resource} is deployed to {} targets", many.len()),
                    )
                    .help(format!("say which with !GetAtt <Account>.Resources.{resource}.<Attribute>")))
                }
            },
        };
        let value = match attribute {
            Some(a) => Value::call("Fn::GetAtt", Value::List(vec![resource.into(), a.into()])),
            None => Value::call("Ref", resource.into()),
        };
        // `!GetAtt ThisAccount.Resources.X.Arn` for an X in this very stack: a plain reference.
        if producer == *target {
            return Ok(value);
        }
        // An output is text: a list attribute travels joined, into a CommaDelimitedList.
        let list = attribute.is_some_and(is_list_attribute);
        let value = if list { Value::call("Fn::Join", Value::List(vec![",".into(), value])) } else { value };
        let output = format!("Orgctl{}{}", alnum(resource), alnum(attribute.unwrap_or("Ref")));
        let parameter = format!("{output}{}{}", alnum(&producer.account), alnum(&producer.region));
        // The output exists where its resource does: it takes the resource's Condition.
        let condition = self
            .task
            .document
            .resources
            .iter()
            .find(|r| r.logical_id == resource)
            .and_then(|r| r.body.get("Condition").and_then(Node::as_str).map(str::to_string));
        let exported = Export { value, condition };
        self.exports.entry(producer.clone()).or_default().insert(output.clone(), exported);
        imports.insert(Import { parameter: parameter.clone(), producer, output, list });
        Ok(Value::call("Ref", parameter.into()))
    }

    /// The binding named `name`, the task's lead over the template's.
    fn binding(&self, name: &str) -> Option<&Binding> {
        self.task.bindings.get(name).or_else(|| self.task.document.bindings.get(name))
    }

    /// The targets of the binding an Enum function names (`Binding` or `!Ref Binding`).
    fn binding_targets(&self, arg: Option<&Node>, function: &str) -> Result<Vec<Target>, EvalError> {
        let name = arg.and_then(Node::as_str).unwrap_or_default();
        self.bindings.get(name).cloned().ok_or_else(|| {
            EvalError::new("unknown-binding", format!("{function} names binding '{name}', which is not declared"))
        })
    }

    /// `Fn::EnumTargetAccounts`, `Fn::EnumTargetRegions`, `Fn::TargetCount`.
    fn enum_function(&self, name: &str, arg: &Node) -> Option<Result<Value, EvalError>> {
        let items: Vec<&Node> = match &arg.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![arg],
        };
        let format = items.get(1).and_then(|n| n.as_str());
        let function = format!("Fn::{name}");
        let targets = match name {
            "EnumTargetAccounts" | "EnumTargetRegions" | "TargetCount" => {
                self.binding_targets(items.first().copied(), &function)
            }
            _ => return None,
        };
        let targets = match targets {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        Some(match name {
            "EnumTargetAccounts" => {
                // Enumerating accounts needs no region: the binding's accounts, whatever its regions.
                let name = items.first().and_then(|n| n.as_str()).unwrap_or_default();
                let accounts = match self.binding(name) {
                    Some(b) => super::binding::accounts(b, self.accounts.org),
                    None => targets.into_iter().map(|t| t.account).collect(),
                };
                let format = format.unwrap_or("${AccountId}");
                accounts.iter().map(|a| self.format_account(format, a)).collect::<Result<_, _>>().map(Value::List)
            }
            "EnumTargetRegions" => {
                let regions: BTreeSet<String> = targets.into_iter().map(|t| t.region).collect();
                let format = format.unwrap_or("${Region}");
                Ok(Value::List(
                    regions
                        .iter()
                        .map(|r| {
                            let text = crate::source::sub::substitute_known(format, |v| {
                                matches!(v, "Region" | "region").then(|| r.clone())
                            });
                            Value::from(text)
                        })
                        .collect(),
                ))
            }
            _ => Ok(Value::from(serde_json::json!(targets.len()))),
        })
    }

    /// An Enum format (`arn:aws:iam::${account}:role/${roleName}`) for one account: account
    /// attributes filled in; anything else (a template parameter) left to CloudFormation, in
    /// which case the item is a `Fn::Sub`.
    fn format_account(&self, format: &str, account: &str) -> Result<Value, EvalError> {
        let parts = crate::source::sub::parse(format)
            .map_err(|_| EvalError::new("bad-intrinsic", "the format has a `${` without its closing `}`"))?;
        let mut out = Text::default();
        let mut kept = false;
        for part in parts {
            match part {
                SubPart::Text(t) => out.push_str(t),
                SubPart::Escaped(e) => out.push_str(&format!("${{!{e}}}")),
                SubPart::Var("account") => out.push_text(&account_attribute(&self.accounts, account, None)?),
                SubPart::Var(var @ ("AccountName" | "Alias" | "RootEmail")) => {
                    // An account without an alias formats as empty text, as in org-formation.
                    out.push_text(&account_attribute(&self.accounts, account, Some(var)).unwrap_or_default())
                }
                SubPart::Var(var) if crate::expr::AccountAttribute::parse(var).is_some() => {
                    out.push_text(&account_attribute(&self.accounts, account, Some(var))?)
                }
                SubPart::Var(var) => {
                    kept = true;
                    out.push_str(&format!("${{{var}}}"));
                }
            }
        }
        Ok(if kept { Value::call("Fn::Sub", Value::Text(out)) } else { Value::Text(out) })
    }

    /// org-formation's string form: `Fn::EnumTargetAccounts Binding 'format'`.
    fn enum_string(&self, text: &str) -> Option<Result<Value, EvalError>> {
        let (name, args) = text.strip_prefix("Fn::")?.split_once(' ')?;
        let mut parts = args.trim().splitn(2, ' ');
        let binding = parts.next().unwrap_or_default().to_string();
        let format = parts.next().map(|f| f.trim().trim_matches('\'').trim_matches('"').to_string());
        let span =
            crate::source::text::Span { file: crate::source::text::FileId(0), line: 0, column: 0, offset: 0, len: 0 };
        let scalar = |t: String| Node { kind: NodeKind::Scalar { text: t, quoted: true }, tag: None, span };
        let mut items = vec![scalar(binding)];
        items.extend(format.map(scalar));
        self.enum_function(name, &Node { kind: NodeKind::Seq(items), tag: None, span })
    }
}

/// Where a template value is evaluated: one target, the account `CurrentAccount` means there
/// (the target's, or the one a `ForeachAccount` visits), the resources present in the target.
struct TemplateScope<'s, 'a> {
    it: &'s mut Instantiator<'a>,
    target: &'s Target,
    current: &'s str,
    local: &'s BTreeSet<String>,
    imports: &'s mut BTreeSet<Import>,
}

impl Scope for TemplateScope<'_, '_> {
    fn reference(&mut self, name: &str, attribute: Option<&str>) -> Option<Result<Value, EvalError>> {
        let current_alias = matches!(name, "CurrentAccount" | "AWSAccount");
        let account =
            if current_alias { Some(self.current) } else { self.it.accounts.is_account(name).then_some(name) };
        if let Some(account) = account {
            return Some(match attribute {
                // The target's own account: CloudFormation knows it.
                None if current_alias && self.current == self.target.account => {
                    Ok(Value::call("Ref", "AWS::AccountId".into()))
                }
                Some(a) if a.starts_with("Resources.") => {
                    let mut parts = a["Resources.".len()..].splitn(2, '.');
                    let resource = parts.next().unwrap_or_default().to_string();
                    let attr = parts.next().map(str::to_string);
                    self.it.cross(self.target, Some(account), &resource, attr.as_deref(), self.imports)
                }
                _ => account_attribute(&self.it.accounts, account, attribute).map(Value::Text),
            });
        }
        if self.it.placement.contains_key(name) && !self.local.contains(name) {
            return Some(self.it.cross(self.target, None, name, attribute, self.imports));
        }
        None
    }

    fn function(&mut self, name: &str, arg: &Node) -> Option<Result<Value, EvalError>> {
        self.it.enum_function(name, arg)
    }

    fn scalar(&mut self, text: &str) -> Option<Result<Value, EvalError>> {
        self.it.enum_string(text)
    }

    /// An Enum function written as an item of a list splices its values into the list, as in
    /// org-formation.
    fn splices(&self, node: &Node) -> bool {
        let enumerates = |name: &str| matches!(name, "EnumTargetAccounts" | "EnumTargetRegions");
        match crate::expr::intrinsic(node) {
            Some((name, _)) => enumerates(name),
            None => node
                .as_str()
                .and_then(|t| t.strip_prefix("Fn::"))
                .is_some_and(|t| t.split_once(' ').is_some_and(|(name, _)| enumerates(name))),
        }
    }

    fn cloudformation(&self) -> bool {
        true
    }

    fn files(&self) -> Option<(&Path, &Confinement)> {
        Some((&self.it.dir, &self.it.task.document.confinement))
    }
}
