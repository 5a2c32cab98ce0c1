//! Rendering an annotated template for each of its targets: the CloudFormation template that
//! goes to one (account, region), and the values it takes from other stacks.
//!
//! A resource goes to the targets of its binding. References to a resource that lives in
//! another target (`!GetAtt Account.Resources.Bucket.Arn`, or `!Ref Bucket` / `!GetAtt
//! Bucket.Arn` when Bucket has a single target) become a stack parameter of the consumer, fed at
//! apply time from an output added to the producer: no CloudFormation exports involved.

use super::binding::{targets, Target};
use super::model::{Binding, ResourceBinding, StackTask, TemplateResource};
use crate::spec::desired::{DesiredAccount, DesiredOrg};
use crate::spec::eval::deferred_account_id;
use crate::spec::sub::substitute_known;
use crate::spec::yaml::{Node, NodeKind};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A stack parameter whose value is another stack's output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    pub parameter: String,
    pub producer: Target,
    pub output: String,
}

/// The template for one target.
#[derive(Debug, Clone)]
pub struct RenderedStack {
    pub target: Target,
    pub template: Value,
    pub imports: Vec<Import>,
    /// Targets of the same task to deploy first (`DependsOnAccount`, `DependsOnRegion`).
    pub depends_on: Vec<Target>,
}

pub struct RenderContext<'a> {
    pub org: &'a DesiredOrg,
    /// AccountId of an account by logical id, when it exists.
    pub account_id: &'a dyn Fn(&str) -> Option<String>,
}

struct Renderer<'a> {
    task: &'a StackTask,
    ctx: &'a RenderContext<'a>,
    bindings: BTreeMap<String, Vec<Target>>,
    /// Targets of each resource.
    placement: BTreeMap<String, Vec<Target>>,
    errors: Vec<String>,
    /// Outputs each producer target must declare: output name → value.
    exports: BTreeMap<Target, BTreeMap<String, Value>>,
}

/// Renders `task`'s template for every target; errors name the resource and the problem.
pub fn render(task: &StackTask, ctx: &RenderContext) -> Result<Vec<RenderedStack>, Vec<String>> {
    let default_regions = &task.default_regions;
    let mut bindings = BTreeMap::new();
    let mut named: BTreeMap<&String, &Binding> = task.document.bindings.iter().collect();
    named.extend(task.bindings.iter());
    for (name, binding) in named {
        let mut b = binding.clone();
        if b.regions.is_empty() {
            b.regions = default_regions.clone();
        }
        bindings.insert(name.clone(), targets(&b, ctx.org));
    }
    let default_targets = task.default_binding.as_ref().map(|b| targets(b, ctx.org)).unwrap_or_default();
    let mut r =
        Renderer { task, ctx, bindings, placement: BTreeMap::new(), errors: Vec::new(), exports: BTreeMap::new() };
    for res in &task.document.resources {
        let t = match &res.binding {
            ResourceBinding::Default => default_targets.clone(),
            ResourceBinding::Named(n) => r.bindings.get(n).cloned().unwrap_or_default(),
            ResourceBinding::Inline(b) => {
                let mut b = b.clone();
                if b.regions.is_empty() {
                    b.regions = default_regions.clone();
                }
                targets(&b, ctx.org)
            }
        };
        r.placement.insert(res.logical_id.clone(), t);
    }
    let all: BTreeSet<Target> = r.placement.values().flatten().cloned().collect();
    let mut stacks: Vec<RenderedStack> = all.into_iter().map(|t| r.stack(t)).collect();
    for stack in &mut stacks {
        let Some(outputs) = r.exports.get(&stack.target) else { continue };
        let section = stack.template.as_object_mut().map(|t| t.entry("Outputs").or_insert_with(|| json!({})));
        if let Some(out) = section.and_then(Value::as_object_mut) {
            for (name, value) in outputs {
                out.insert(name.clone(), json!({ "Value": value }));
            }
        }
    }
    if r.errors.is_empty() {
        Ok(stacks)
    } else {
        r.errors.sort();
        r.errors.dedup();
        Err(r.errors)
    }
}

fn alnum(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

impl Renderer<'_> {
    fn account(&self, logical_id: &str) -> Option<&DesiredAccount> {
        self.ctx.org.accounts.iter().find(|a| a.logical_id == logical_id)
    }

    fn account_id(&self, logical_id: &str) -> String {
        (self.ctx.account_id)(logical_id)
            .or_else(|| self.account(logical_id).and_then(|a| a.account_id.clone()))
            .unwrap_or_else(|| deferred_account_id(logical_id))
    }

    /// An account attribute: AccountId, AccountName, Alias, RootEmail or Tags.<key>.
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<String> {
        let a = self.account(logical_id)?;
        match attribute {
            "AccountId" => Some(self.account_id(logical_id)),
            "AccountName" => a.name.clone(),
            "Alias" => a.alias.clone(),
            "RootEmail" => a.email.clone(),
            _ => attribute.strip_prefix("Tags.").and_then(|k| a.tags.as_ref()?.get(k).cloned()),
        }
    }

    fn stack(&mut self, target: Target) -> RenderedStack {
        let mut resources = Map::new();
        let mut imports = BTreeSet::new();
        let here: Vec<&TemplateResource> = self
            .task
            .document
            .resources
            .iter()
            .filter(|r| self.placement.get(&r.logical_id).is_some_and(|t| t.contains(&target)))
            .collect();
        let local: BTreeSet<String> = here.iter().map(|r| r.logical_id.clone()).collect();
        let all: BTreeSet<&Target> = self.placement.values().flatten().collect();
        let mut depends_on: BTreeSet<Target> = BTreeSet::new();
        for res in &here {
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
        depends_on.remove(&target);
        for res in here {
            let copies: Vec<(String, String)> = match &res.foreach {
                Some(b) => {
                    let accounts: BTreeSet<String> =
                        self.bindings.get(b).into_iter().flatten().map(|t| t.account.clone()).collect();
                    accounts.into_iter().map(|a| (format!("{}{}", res.logical_id, alnum(&a)), a)).collect()
                }
                None => vec![(res.logical_id.clone(), target.account.clone())],
            };
            for (id, current) in copies {
                let scope = Scope { target: &target, current: &current, local: &local, resource: &res.logical_id };
                let value = self.value(&res.body, &scope, &mut imports);
                resources.insert(id, value);
            }
        }
        let mut template = Map::new();
        template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        let scope = Scope { target: &target, current: &target.account, local: &local, resource: "" };
        for (section, node) in &self.task.document.sections {
            if section == "AWSTemplateFormatVersion" {
                continue;
            }
            let value = self.value(node, &scope, &mut imports);
            template.insert(section.clone(), value);
        }
        if let Some(d) = &self.task.stack_description {
            template.insert("Description".into(), json!(d));
        }
        if !imports.is_empty() {
            let params = template.entry("Parameters").or_insert_with(|| json!({}));
            if let Some(p) = params.as_object_mut() {
                for i in &imports {
                    p.insert(i.parameter.clone(), json!({ "Type": "String", "Description": format!("{} of {}/{}", i.output, i.producer.account, i.producer.region) }));
                }
            }
        }
        template.insert("Resources".into(), Value::Object(resources));
        RenderedStack {
            target,
            template: Value::Object(template),
            imports: imports.into_iter().collect(),
            depends_on: depends_on.into_iter().collect(),
        }
    }

    /// A reference from this target to `resource`'s `attribute` (None: `Ref`) living elsewhere.
    fn cross(
        &mut self,
        scope: &Scope,
        account: Option<&str>,
        resource: &str,
        attribute: Option<&str>,
        imports: &mut BTreeSet<Import>,
    ) -> Value {
        let placed = self.placement.get(resource).cloned().unwrap_or_default();
        let candidates: Vec<&Target> = placed.iter().filter(|t| account.is_none_or(|a| t.account == a)).collect();
        let producer = match candidates.as_slice() {
            [one] => (*one).clone(),
            [] => {
                self.errors.push(format!(
                    "{}: {resource} is not deployed to {}",
                    scope.resource,
                    account.unwrap_or("any target")
                ));
                return Value::Null;
            }
            many => match many.iter().find(|t| t.region == scope.target.region) {
                Some(same_region) => (*same_region).clone(),
                None => {
                    self.errors.push(format!(
                        "{}: {resource} is deployed to {} targets; say which with !GetAtt <Account>.Resources.{resource}.<Attribute>",
                        scope.resource,
                        many.len()
                    ));
                    return Value::Null;
                }
            },
        };
        let output = format!("Orgctl{}{}", alnum(resource), alnum(attribute.unwrap_or("Ref")));
        let parameter = format!("{output}{}{}", alnum(&producer.account), alnum(&producer.region));
        let value = match attribute {
            Some(a) => json!({ "Fn::GetAtt": [resource, a] }),
            None => json!({ "Ref": resource }),
        };
        self.exports.entry(producer.clone()).or_default().insert(output.clone(), value);
        imports.insert(Import { parameter: parameter.clone(), producer, output });
        json!({ "Ref": parameter })
    }

    /// `binding` argument of the Enum functions: `BindingName` or `!Ref BindingName`.
    fn binding_targets(&mut self, arg: Option<&Node>, scope: &Scope, function: &str) -> Vec<Target> {
        let name = arg.and_then(Node::as_str).unwrap_or_default();
        match self.bindings.get(name) {
            Some(t) => t.clone(),
            None => {
                self.errors
                    .push(format!("{}: {function} names binding '{name}', which is not declared", scope.resource));
                Vec::new()
            }
        }
    }

    fn enum_function(&mut self, name: &str, arg: &Node, scope: &Scope) -> Option<Value> {
        let items: Vec<&Node> = match &arg.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![arg],
        };
        let format = items.get(1).and_then(|n| n.as_str());
        match name {
            "EnumTargetAccounts" => {
                let t = self.binding_targets(items.first().copied(), scope, "Fn::EnumTargetAccounts");
                let accounts: BTreeSet<String> = t.into_iter().map(|t| t.account).collect();
                let format = format.unwrap_or("${AccountId}");
                Some(Value::Array(
                    accounts
                        .iter()
                        .map(|a| {
                            json!(substitute_known(format, |var| match var {
                                "AccountId" | "account" => Some(self.account_id(a)),
                                "AccountName" | "Alias" | "RootEmail" => self.attribute(a, var).or(Some(String::new())),
                                _ => None,
                            }))
                        })
                        .collect(),
                ))
            }
            "EnumTargetRegions" => {
                let t = self.binding_targets(items.first().copied(), scope, "Fn::EnumTargetRegions");
                let regions: BTreeSet<String> = t.into_iter().map(|t| t.region).collect();
                let format = format.unwrap_or("${Region}");
                Some(Value::Array(
                    regions
                        .iter()
                        .map(|r| {
                            json!(substitute_known(format, |v| matches!(v, "Region" | "region").then(|| r.clone())))
                        })
                        .collect(),
                ))
            }
            "TargetCount" => Some(json!(self.binding_targets(items.first().copied(), scope, "Fn::TargetCount").len())),
            _ => None,
        }
    }

    /// org-formation's string form: `Fn::EnumTargetAccounts Binding 'format'`.
    fn enum_string(&mut self, text: &str, scope: &Scope) -> Option<Value> {
        let rest = text.strip_prefix("Fn::")?;
        let (name, args) = rest.split_once(' ')?;
        if !matches!(name, "EnumTargetAccounts" | "EnumTargetRegions" | "TargetCount") {
            return None;
        }
        let mut parts = args.trim().splitn(2, ' ');
        let binding = parts.next().unwrap_or_default().to_string();
        let format = parts.next().map(|f| f.trim().trim_matches('\'').trim_matches('"').to_string());
        let span =
            crate::spec::source::Span { file: crate::spec::source::FileId(0), line: 0, column: 0, offset: 0, len: 0 };
        let scalar = |t: String| Node { kind: NodeKind::Scalar { text: t, quoted: true }, tag: None, span };
        let mut items = vec![scalar(binding)];
        items.extend(format.map(scalar));
        self.enum_function(name, &Node { kind: NodeKind::Seq(items), tag: None, span }, scope)
    }

    /// `!Ref X` and `!GetAtt X.Y`, where orgctl has something to say about X.
    fn reference(
        &mut self,
        function: &str,
        arg: &Node,
        scope: &Scope,
        imports: &mut BTreeSet<Import>,
    ) -> Option<Value> {
        let text = match &arg.kind {
            NodeKind::Scalar { text, .. } => text.clone(),
            NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join("."),
            _ => return None,
        };
        let (head, rest) = match text.split_once('.') {
            Some((h, r)) => (h.to_string(), Some(r.to_string())),
            None => (text.clone(), None),
        };
        let current_alias = matches!(head.as_str(), "CurrentAccount" | "AWSAccount");
        let account = if current_alias {
            Some(scope.current.to_string())
        } else {
            self.account(&head).map(|a| a.logical_id.clone())
        };
        if let Some(account) = account {
            return Some(match (function, rest.as_deref()) {
                ("Ref", None) => {
                    if current_alias && scope.current == scope.target.account {
                        json!({ "Ref": "AWS::AccountId" })
                    } else {
                        json!(self.account_id(&account))
                    }
                }
                (_, Some(r)) if r.starts_with("Resources.") => {
                    let mut parts = r["Resources.".len()..].splitn(2, '.');
                    let resource = parts.next().unwrap_or_default().to_string();
                    let attribute = parts.next().map(str::to_string);
                    self.cross(scope, Some(&account), &resource, attribute.as_deref(), imports)
                }
                (_, Some(attribute)) => match self.attribute(&account, attribute) {
                    Some(v) => json!(v),
                    None => {
                        self.errors.push(format!("{}: account {account} has no {attribute}", scope.resource));
                        Value::Null
                    }
                },
                _ => return None,
            });
        }
        let is_resource = self.placement.contains_key(&head);
        if is_resource && !scope.local.contains(&head) {
            return Some(self.cross(scope, None, &head, rest.as_deref(), imports));
        }
        None
    }

    fn value(&mut self, node: &Node, scope: &Scope, imports: &mut BTreeSet<Import>) -> Value {
        if let Some(tag) = node.tag.as_deref() {
            let arg = Node { tag: None, ..node.clone() };
            return self.function(tag, &arg, scope, imports);
        }
        match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Scalar { text, quoted } => {
                if let Some(v) = self.enum_string(text, scope) {
                    return v;
                }
                if *quoted {
                    json!(text)
                } else {
                    crate::spec::yaml::typed_scalar(text)
                }
            }
            NodeKind::Seq(items) => Value::Array(items.iter().map(|i| self.value(i, scope, imports)).collect()),
            NodeKind::Map(entries) => {
                if let [(k, v)] = entries.as_slice() {
                    let key = k.as_str().unwrap_or_default();
                    let function = key.strip_prefix("Fn::").or(if key == "Ref" { Some("Ref") } else { None });
                    if let Some(f) = function {
                        return self.function(f, v, scope, imports);
                    }
                }
                Value::Object(
                    entries
                        .iter()
                        .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), self.value(v, scope, imports)))
                        .collect(),
                )
            }
        }
    }

    /// An intrinsic function, short (`!Sub`) or long (`Fn::Sub`) form, in CloudFormation JSON.
    fn function(&mut self, name: &str, arg: &Node, scope: &Scope, imports: &mut BTreeSet<Import>) -> Value {
        if let Some(v) = self.enum_function(name, arg, scope) {
            return v;
        }
        if matches!(name, "Ref" | "GetAtt") {
            if let Some(v) = self.reference(name, arg, scope, imports) {
                return v;
            }
        }
        match name {
            "ReadFile" => {
                let base = self.task.template.parent().map(|p| p.to_path_buf()).unwrap_or_default();
                let path = base.join(arg.as_str().unwrap_or_default());
                match self.task.document.confinement.clone().read(&path) {
                    Ok(text) => json!(text),
                    Err(e) => {
                        let (message, help) = e.describe(&path);
                        self.errors.push(format!("{}: !ReadFile: {message} ({help})", scope.resource));
                        Value::Null
                    }
                }
            }
            "Ref" => json!({ "Ref": arg.as_str().unwrap_or_default() }),
            "GetAtt" => match arg.as_str() {
                Some(text) => {
                    let (a, b) = text.split_once('.').unwrap_or((text, ""));
                    json!({ "Fn::GetAtt": [a, b] })
                }
                None => json!({ "Fn::GetAtt": self.value(arg, scope, imports) }),
            },
            "Condition" => json!({ "Condition": arg.as_str().unwrap_or_default() }),
            "Sub" => self.sub(arg, scope, imports),
            other => json!({ format!("Fn::{other}"): self.value(arg, scope, imports) }),
        }
    }
}

impl Renderer<'_> {
    /// `!Sub`: the variables orgctl knows (`${CurrentAccount.AccountId}`, `${OtherAccount.Alias}`,
    /// `${OtherAccount.Resources.X.Arn}`) are evaluated here; the rest (parameters, resources,
    /// pseudo parameters, `${!escapes}`) is left to CloudFormation. A template with nothing left
    /// to substitute becomes plain text.
    fn sub(&mut self, arg: &Node, scope: &Scope, imports: &mut BTreeSet<Import>) -> Value {
        let (template, vars) = match &arg.kind {
            NodeKind::Seq(items) => (items.first().and_then(Node::as_str), items.get(1)),
            _ => (arg.as_str(), None),
        };
        let Some(template) = template else {
            return json!({ "Fn::Sub": self.value(arg, scope, imports) });
        };
        let local: BTreeSet<&str> =
            vars.and_then(Node::as_map).into_iter().flatten().filter_map(|(k, _)| k.as_str()).collect();
        let span = arg.span;
        let text = substitute_known(template, |var| {
            if local.contains(var) {
                return None;
            }
            let function = if var.contains('.') { "GetAtt" } else { "Ref" };
            let name = Node { kind: NodeKind::Scalar { text: var.to_string(), quoted: true }, tag: None, span };
            match self.reference(function, &name, scope, imports)? {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                // A value read at apply time or a pseudo parameter: CloudFormation substitutes it.
                Value::Object(o) => o.get("Ref").and_then(Value::as_str).map(|parameter| format!("${{{parameter}}}")),
                _ => None,
            }
        });
        match vars {
            Some(v) => json!({ "Fn::Sub": [text, self.value(v, scope, imports)] }),
            None if text.contains("${") => json!({ "Fn::Sub": text }),
            None => json!(text),
        }
    }
}

/// Where a value is being rendered.
struct Scope<'a> {
    target: &'a Target,
    /// The account `CurrentAccount` means: the target's, or the one a `ForeachAccount` visits.
    current: &'a str,
    /// Resources present in this target.
    local: &'a BTreeSet<String>,
    /// The resource being rendered, for error messages.
    resource: &'a str,
}
