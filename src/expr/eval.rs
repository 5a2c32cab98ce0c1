//! The expression evaluator: one walk over a YAML node for org files, task files, stack
//! parameters and templates. What a name means is the [`Scope`]'s business; what each function
//! does is decided here, once.
//!
//! Functions fall in three groups. org-formation's own (`!ReadFile`, `!Cmd`, `!MD5`,
//! `!JsonString`) are always evaluated. References (`!Ref`, `!GetAtt`, `!Sub` variables) are
//! evaluated when the scope knows the name. CloudFormation's (`!Join`, `!Select`, `!Split`,
//! `!FindInMap`, `!If`, ...) are evaluated where nothing else would (org and task files) and,
//! inside templates, folded when their arguments are known and otherwise left to CloudFormation.

use super::error::EvalError;
use super::functions;
use super::value::Value;
use crate::source::files::Confinement;
use crate::source::sub::SubPart;
use crate::source::yaml::{Node, NodeKind};
use std::path::Path;

/// What names mean where a value is evaluated.
pub trait Scope {
    /// `!Ref name` (attribute `None`), `!GetAtt name.attribute` or `${name.attribute}`: `None`
    /// when this scope does not know `name`.
    fn reference(&mut self, name: &str, attribute: Option<&str>) -> Option<Result<Value, EvalError>>;

    /// A function only this scope has (`Fn::EnumTargetAccounts`, `!CopyValue`): `None` when
    /// `name` is not one of them.
    fn function(&mut self, _name: &str, _arg: &Node) -> Option<Result<Value, EvalError>> {
        None
    }

    /// A plain string with a meaning of its own here (org-formation's `Fn::TargetCount Binding`).
    fn scalar(&mut self, _text: &str) -> Option<Result<Value, EvalError>> {
        None
    }

    /// Whether the list `node` evaluates to, as an item of a list, stands for its items
    /// (org-formation's `[Fn::EnumTargetAccounts Binding '${account}']`).
    fn splices(&self, _node: &Node) -> bool {
        false
    }

    /// Whether CloudFormation evaluates what orgctl leaves (templates) or nothing does.
    fn cloudformation(&self) -> bool {
        false
    }

    /// The `Mappings` section `!FindInMap` reads outside templates.
    fn mappings(&self) -> Option<&Node> {
        None
    }

    /// The directory of the file being evaluated and where files may be read from.
    fn files(&self) -> Option<(&Path, &Confinement)> {
        None
    }

    /// The error for a name this scope does not know (outside templates).
    fn unknown_reference(&self, name: &str) -> EvalError {
        EvalError::new("unknown-reference", format!("'{name}' is not defined here"))
    }

    /// Where this is evaluated, for messages: "a task file", "an organization file".
    fn context(&self) -> &'static str {
        "this file"
    }
}

/// A function's argument: the node itself for `!Sub x` (whose tag is the function, not part of
/// the argument), or the value of `{Fn::Sub: x}`.
#[derive(Clone, Copy)]
pub struct Arg<'n> {
    pub node: &'n Node,
    /// The node's tag named the function: evaluating the argument ignores it.
    tagged: bool,
}

impl std::ops::Deref for Arg<'_> {
    type Target = Node;
    fn deref(&self) -> &Node {
        self.node
    }
}

/// The function a node calls, in either form (`!Sub x` or `{Fn::Sub: x}`), with its argument.
pub fn intrinsic(node: &Node) -> Option<(&str, Arg<'_>)> {
    if let Some(tag) = node.tag.as_deref() {
        return Some((tag, Arg { node, tagged: true }));
    }
    match node.as_map()? {
        [(key, value)] => {
            let key = key.as_str()?;
            let name = if key == "Ref" || key == "Condition" { key } else { key.strip_prefix("Fn::")? };
            Some((name, Arg { node: value, tagged: false }))
        }
        _ => None,
    }
}

/// A name a value refers to: `!Ref X` (no attribute), `!GetAtt X.Attr`, `${X}` or `${X.Attr}`
/// in a `!Sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub name: String,
    pub attribute: Option<String>,
}

/// Every reference in `node`, in order, without evaluating anything (for dependency graphs).
pub fn references(node: &Node, out: &mut Vec<Reference>) {
    let Some((function, arg)) = intrinsic(node) else {
        return references_within(node, out);
    };
    match function {
        "Ref" => out.extend(arg.as_str().map(|name| Reference { name: name.to_string(), attribute: None })),
        "GetAtt" => out.extend(getatt_parts(&arg).map(|(name, a)| Reference { name, attribute: Some(a) })),
        "Sub" => {
            let template = match &arg.kind {
                NodeKind::Seq(items) => items.first().and_then(Node::as_str),
                _ => arg.as_str(),
            };
            for part in crate::source::sub::parse(template.unwrap_or_default()).unwrap_or_default() {
                if let SubPart::Var(var) = part {
                    let (name, attribute) = match var.split_once('.') {
                        Some((n, a)) => (n, Some(a.to_string())),
                        None => (var, None),
                    };
                    out.push(Reference { name: name.to_string(), attribute });
                }
            }
        }
        _ => {}
    }
    references_within(arg.node, out);
}

fn references_within(node: &Node, out: &mut Vec<Reference>) {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| references(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| references(v, out)),
        _ => {}
    }
}

/// Evaluates `node` in `scope`.
pub fn evaluate(node: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    if let Some((name, arg)) = intrinsic(node) {
        return call(name, arg, scope);
    }
    evaluate_body(node, scope)
}

/// Evaluates a function's argument as a value. A list argument is the function's own list of
/// arguments: nothing is spliced into it (`!Join [',', Fn::EnumTargetAccounts B]` keeps two).
fn evaluate_arg(arg: Arg, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    match &arg.node.kind {
        NodeKind::Seq(items) if arg.tagged || intrinsic(arg.node).is_none() => {
            Ok(Value::List(items.iter().map(|n| evaluate(n, scope)).collect::<Result<_, _>>()?))
        }
        _ if arg.tagged => evaluate_body(arg.node, scope),
        _ => evaluate(arg.node, scope),
    }
}

/// Evaluates what `node` holds, its tag aside.
fn evaluate_body(node: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    Ok(match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar { text, quoted } => {
            if let Some(v) = scope.scalar(text) {
                return v;
            }
            if *quoted {
                Value::from(text.as_str())
            } else {
                Value::from(crate::source::yaml::typed_scalar(text))
            }
        }
        NodeKind::Seq(items) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match (scope.splices(item), evaluate(item, scope)?) {
                    (true, Value::List(spliced)) => list.extend(spliced),
                    (_, value) => list.push(value),
                }
            }
            Value::List(list)
        }
        NodeKind::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.as_str().unwrap_or_default().to_string(), evaluate(v, scope)?)))
                .collect::<Result<_, EvalError>>()?,
        ),
    })
}

/// Evaluates `node` into text (numbers and booleans as written).
pub fn evaluate_text(node: &Node, scope: &mut dyn Scope) -> Result<super::Text, EvalError> {
    let value = evaluate(node, scope)?;
    value
        .as_text()
        .ok_or_else(|| EvalError::new("expected-string", format!("expected text, found {}", value.describe())))
}

/// The items of a function's list argument.
fn args(arg: &Node) -> Vec<&Node> {
    match &arg.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![arg],
    }
}

fn bad(function: &str, usage: &str) -> EvalError {
    EvalError::new("bad-intrinsic", format!("!{function} takes {usage}"))
}

/// The (name, attribute) of a `!GetAtt` argument: `X.Attr.Sub` or `[X, Attr.Sub]`.
pub fn getatt_parts(arg: &Node) -> Option<(String, String)> {
    match &arg.kind {
        NodeKind::Scalar { text, .. } => text.split_once('.').map(|(a, b)| (a.to_string(), b.to_string())),
        NodeKind::Seq(items) if items.len() == 2 => {
            Some((items[0].as_str()?.to_string(), items[1].as_str()?.to_string()))
        }
        _ => None,
    }
}

fn call(name: &str, arg: Arg, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    if let Some(v) = scope.function(name, arg.node) {
        return v;
    }
    match name {
        "Ref" => {
            let target = arg.as_str().ok_or_else(|| bad("Ref", "a name"))?;
            match scope.reference(target, None) {
                Some(v) => v,
                None if scope.cloudformation() => Ok(Value::call("Ref", target.into())),
                None => Err(scope.unknown_reference(target)),
            }
        }
        "GetAtt" => {
            let (target, attribute) = getatt_parts(&arg).ok_or_else(|| bad("GetAtt", "`Name.Attribute`"))?;
            match scope.reference(&target, Some(&attribute)) {
                Some(v) => v,
                None if scope.cloudformation() => {
                    Ok(Value::call("Fn::GetAtt", Value::List(vec![target.into(), attribute.into()])))
                }
                None => Err(scope.unknown_reference(&target)),
            }
        }
        "Sub" => sub(&arg, scope),
        "Join" => join(&arg, scope),
        "Select" => select(&arg, scope),
        "Split" => split(&arg, scope),
        "FindInMap" => find_in_map(&arg, scope),
        "MD5" => functions::md5(&evaluate_arg(arg, scope)?).map(Value::from),
        "JsonString" => {
            let items = args(&arg);
            let pretty = items.get(1).and_then(|n| n.as_str()) == Some("pretty-print");
            let value = if items.len() == 2 && pretty { evaluate(items[0], scope)? } else { evaluate_arg(arg, scope)? };
            functions::json_string(&value, pretty).map(Value::from)
        }
        // `Fn::Cmd: !Sub 'echo ${Name}'`: the template is code, each value quoted where it stands
        // (a value must never run as shell code); `!Cmd text` is the author's code alone.
        "Cmd" if !arg.tagged => {
            let pieces = super::shell::shell_pieces(arg.node, scope, &Default::default())?;
            let line = super::shell::quoted_line(&pieces, |t| t.as_known().map(str::to_string).ok_or(()))
                .map_err(|_| EvalError::new("unknown-at-plan", "!Cmd needs a value known before apply"))?;
            let (dir, confinement) = scope
                .files()
                .ok_or_else(|| EvalError::new("unsupported-intrinsic", "!Cmd is not available here"))?;
            functions::command(dir, confinement, &line)
        }
        "ReadFile" | "Cmd" | "MD5File" | "MD5Dir" => {
            let argument = evaluate_arg(arg, scope)?;
            let argument = argument.as_text().ok_or_else(|| {
                EvalError::new("expected-string", format!("!{name} takes text, found {}", argument.describe()))
            })?;
            let argument = argument
                .as_known()
                .ok_or_else(|| EvalError::new("unknown-at-plan", format!("!{name} needs a value known before apply")))?
                .to_string();
            let (dir, confinement) = scope
                .files()
                .ok_or_else(|| EvalError::new("unsupported-intrinsic", format!("!{name} is not available here")))?;
            match name {
                "ReadFile" => functions::read_file(dir, confinement, &argument).map(Value::from),
                "MD5File" => functions::read_file(dir, confinement, &argument)
                    .and_then(|content| functions::md5(&Value::from(content)))
                    .map(Value::from),
                "MD5Dir" => {
                    let path = dir.join(&argument);
                    if !confinement.contains(&path) || !path.is_dir() {
                        return Err(EvalError::new(
                            "file-outside-project",
                            format!("!MD5Dir: {} is not a directory inside the project", path.display()),
                        ));
                    }
                    Ok(Value::from(functions::directory_hash(&path, &[])))
                }
                _ => functions::command(dir, confinement, &argument),
            }
        }
        "Include" => Err(EvalError::new("bad-intrinsic", "!Include takes a file path and is read with the file")),
        other if scope.cloudformation() => Ok(Value::call(cloudformation_key(other), evaluate_arg(arg, scope)?)),
        other => Err(EvalError::new(
            "unsupported-intrinsic",
            format!("!{other} is evaluated by CloudFormation and cannot be used in {}", scope.context()),
        )
        .help("in org and task files: !Ref, !GetAtt, !Sub, !Join, !Select, !Split, !FindInMap, !MD5, !JsonString, !ReadFile, !Cmd")),
    }
}

/// `Fn::Name`, or `Ref` / `Condition` as they are.
fn cloudformation_key(name: &str) -> String {
    match name {
        "Ref" | "Condition" => name.to_string(),
        other => format!("Fn::{other}"),
    }
}

/// Left to CloudFormation inside templates, an error elsewhere.
fn unevaluated(name: &str, evaluated: Value, scope: &dyn Scope, why: &str) -> Result<Value, EvalError> {
    if scope.cloudformation() {
        Ok(Value::call(cloudformation_key(name), evaluated))
    } else {
        Err(EvalError::new("bad-intrinsic", format!("!{name}: {why}")))
    }
}

/// How a `${var}` of a `!Sub` ends up.
enum Part {
    Text(super::Text),
    /// `${!x}`: a literal `${x}`.
    Escaped(String),
    /// Left to CloudFormation's own `Fn::Sub`.
    Kept(String),
}

fn sub(arg: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    let items = args(arg);
    let (template, variables) = match (&arg.kind, items.as_slice()) {
        (NodeKind::Seq(_), [t]) => (*t, None),
        (NodeKind::Seq(_), [t, v]) => (*t, Some(*v)),
        (NodeKind::Seq(_), _) => return Err(bad("Sub", "a string or [string, {variables}]")),
        _ => (arg, None),
    };
    // The template may itself be computed (`Fn::Sub: [!JsonString {...}, {...}]`, `!ReadFile`),
    // as org-formation evaluates it first.
    let computed;
    let template = match template.as_str() {
        Some(text) => text,
        None => {
            let value = evaluate(template, scope)?;
            computed = value
                .as_text()
                .and_then(|t| t.as_known().map(str::to_string))
                .ok_or_else(|| bad("Sub", "a string or [string, {variables}]"))?;
            computed.as_str()
        }
    };
    let mut locals: Vec<(String, Value)> = Vec::new();
    if let Some(v) = variables {
        for (k, node) in v.as_map().ok_or_else(|| bad("Sub", "[string, {variables}]"))? {
            locals.push((k.as_str().unwrap_or_default().to_string(), evaluate(node, scope)?));
        }
    }
    let parsed = crate::source::sub::parse(template)
        .map_err(|_| EvalError::new("bad-intrinsic", "!Sub has a `${` without its closing `}`"))?;
    let mut parts = Vec::new();
    let mut kept_locals: Vec<(String, Value)> = Vec::new();
    for part in parsed {
        match part {
            SubPart::Text(t) => parts.push(Part::Text(t.into())),
            SubPart::Escaped(e) => parts.push(Part::Escaped(e.to_string())),
            SubPart::Var(var) => {
                let value = match locals.iter().find(|(k, _)| k == var) {
                    Some((_, v)) => Some(Ok(v.clone())),
                    None => {
                        let (head, rest) = match var.split_once('.') {
                            Some((h, r)) => (h, Some(r)),
                            None => (var, None),
                        };
                        scope.reference(head, rest)
                    }
                };
                match value {
                    Some(v) => {
                        let v = v?;
                        match (v.as_text(), v.as_call()) {
                            (Some(t), _) => parts.push(Part::Text(t)),
                            (None, Some(("Ref", Value::Text(name)))) if name.is_known() => {
                                parts.push(Part::Kept(name.shown()))
                            }
                            (None, Some(_)) if scope.cloudformation() => {
                                kept_locals.push((var.to_string(), v.clone()));
                                parts.push(Part::Kept(var.to_string()));
                            }
                            _ => {
                                return Err(EvalError::new(
                                    "expected-string",
                                    format!("${{{var}}} is {}, which !Sub cannot put in text", v.describe()),
                                ))
                            }
                        }
                    }
                    None if scope.cloudformation() => parts.push(Part::Kept(var.to_string())),
                    None => return Err(scope.unknown_reference(var)),
                }
            }
        }
    }
    let kept = parts.iter().any(|p| matches!(p, Part::Kept(_)));
    let mut text = super::Text::default();
    for part in parts {
        match part {
            // Inside a Fn::Sub that CloudFormation evaluates, substituted text must not start
            // a variable of its own.
            Part::Text(t) if kept => text.push_text(&t.map_known(|s| s.replace("${", "${!"))),
            Part::Text(t) => text.push_text(&t),
            Part::Escaped(e) if kept => text.push_str(&format!("${{!{e}}}")),
            Part::Escaped(e) => text.push_str(&format!("${{{e}}}")),
            Part::Kept(var) => text.push_str(&format!("${{{var}}}")),
        }
    }
    Ok(match (kept, kept_locals.is_empty()) {
        (false, _) => Value::Text(text),
        (true, true) => Value::call("Fn::Sub", Value::Text(text)),
        (true, false) => Value::call("Fn::Sub", Value::List(vec![Value::Text(text), Value::Map(kept_locals)])),
    })
}

fn join(arg: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    let [delimiter, values] = args(arg)[..] else { return Err(bad("Join", "[delimiter, [values...]]")) };
    let delimiter = evaluate_text(delimiter, scope)?;
    let values = evaluate(values, scope)?;
    let items = match &values {
        Value::List(items) => items.clone(),
        other if other.as_text().is_some() => vec![other.clone()],
        _ => return unevaluated("Join", Value::List(vec![delimiter.into(), values]), scope, "expects a list"),
    };
    let texts: Option<Vec<super::Text>> = items.iter().map(Value::as_text).collect();
    match texts {
        Some(texts) => {
            let mut out = super::Text::default();
            for (i, t) in texts.iter().enumerate() {
                if i > 0 {
                    out.push_text(&delimiter);
                }
                out.push_text(t);
            }
            Ok(Value::Text(out))
        }
        None => unevaluated(
            "Join",
            Value::List(vec![delimiter.into(), Value::List(items)]),
            scope,
            "a value in the list is not text",
        ),
    }
}

fn select(arg: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    let [index, list] = args(arg)[..] else { return Err(bad("Select", "[index, [values...]]")) };
    let index = evaluate(index, scope)?;
    let list = evaluate(list, scope)?;
    let position = index.as_text().and_then(|t| t.as_known().and_then(|s| s.trim().parse::<usize>().ok()));
    match (position, &list) {
        (Some(i), Value::List(items)) => items.get(i).cloned().ok_or_else(|| {
            EvalError::new("bad-intrinsic", format!("!Select index {i} is past the end of a list of {}", items.len()))
        }),
        _ => unevaluated("Select", Value::List(vec![index, list]), scope, "expects a whole-number index and a list"),
    }
}

fn split(arg: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    let [delimiter, source] = args(arg)[..] else { return Err(bad("Split", "[delimiter, text]")) };
    let delimiter = evaluate_text(delimiter, scope)?;
    let source = evaluate(source, scope)?;
    let known = (delimiter.as_known(), source.as_text());
    match known {
        (Some(d), Some(text)) if !d.is_empty() && text.is_known() => {
            Ok(Value::List(text.as_known().unwrap_or_default().split(d).map(Value::from).collect()))
        }
        _ => unevaluated("Split", Value::List(vec![delimiter.into(), source]), scope, "expects a delimiter and text"),
    }
}

fn find_in_map(arg: &Node, scope: &mut dyn Scope) -> Result<Value, EvalError> {
    let items = args(arg);
    if !(3..=4).contains(&items.len()) {
        return Err(bad("FindInMap", "[MapName, TopLevelKey, SecondLevelKey]"));
    }
    let keys: Vec<Value> = items.iter().map(|n| evaluate(n, scope)).collect::<Result<_, _>>()?;
    if scope.cloudformation() {
        return Ok(Value::call("Fn::FindInMap", Value::List(keys)));
    }
    let texts: Vec<String> = keys[..3]
        .iter()
        .map(|k| k.as_text().and_then(|t| t.as_known().map(str::to_string)))
        .collect::<Option<_>>()
        .ok_or_else(|| EvalError::new("unknown-at-plan", "!FindInMap keys must be text known before apply"))?;
    let found = scope
        .mappings()
        .ok_or_else(|| EvalError::new("unknown-mapping", "!FindInMap: this file has no Mappings section"))
        .and_then(|m| functions::find_in_map(m, &texts).cloned());
    match found {
        Ok(node) => evaluate(&node, scope),
        Err(e) => match keys.get(3) {
            // CloudFormation's `{DefaultValue: x}` fourth argument.
            Some(Value::Map(entries)) => match entries.as_slice() {
                [(k, v)] if k == "DefaultValue" => Ok(v.clone()),
                _ => Err(e),
            },
            _ => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Text, Unknown};
    use crate::source::text::FileId;

    /// Names for the tests: `Region` is a parameter, `Prod` an account without an id yet,
    /// `Dev` one with an id; `Mappings` has `Cidr.Dev.Block`.
    struct TestScope {
        cloudformation: bool,
        mappings: Node,
    }

    impl Scope for TestScope {
        fn reference(&mut self, name: &str, attribute: Option<&str>) -> Option<Result<Value, EvalError>> {
            Some(Ok(match (name, attribute) {
                ("Region", None) => Value::from("eu-west-1"),
                ("Dev", None) => Value::from("222222222222"),
                ("Dev", Some("Alias")) => Value::from("acme-dev"),
                ("Prod", None) => Value::Text(Text::unknown(Unknown::Id("Prod".into()))),
                _ => return None,
            }))
        }

        fn cloudformation(&self) -> bool {
            self.cloudformation
        }

        fn mappings(&self) -> Option<&Node> {
            Some(&self.mappings)
        }
    }

    fn node(yaml: &str) -> Node {
        crate::source::yaml::parse(yaml, FileId(0), Path::new("t.yml")).expect("test YAML parses")
    }

    fn eval(yaml: &str, cloudformation: bool) -> Result<serde_json::Value, EvalError> {
        let mut scope = TestScope { cloudformation, mappings: node("Cidr:\n  Dev:\n    Block: 10.1.0.0/16\n") };
        evaluate(&node(yaml), &mut scope).map(|v| v.shown())
    }

    #[test]
    fn functions_of_known_values_are_folded_in_every_context() {
        for cloudformation in [false, true] {
            assert_eq!(eval("!Join ['-', [a, !Ref Region]]", cloudformation).unwrap(), "a-eu-west-1");
            assert_eq!(eval("!Select [1, !Split [',', 'x,y,z']]", cloudformation).unwrap(), "y");
            assert_eq!(eval("!Sub '${Dev.Alias}/${!Literal}'", cloudformation).unwrap(), "acme-dev/${Literal}");
            assert_eq!(
                eval("!Sub ['${a}-${Region}', {a: !Ref Dev}]", cloudformation).unwrap(),
                "222222222222-eu-west-1"
            );
            assert_eq!(eval("!MD5 abc", cloudformation).unwrap(), "900150983cd24fb0d6963f7d28e17f72");
            assert_eq!(eval("!JsonString {a: [1, true]}", cloudformation).unwrap(), r#"{"a":[1,true]}"#);
            assert_eq!(
                eval("!JsonString ['{ \"a\" : 1 }', pretty-print]", cloudformation).unwrap(),
                "{\n  \"a\": 1\n}"
            );
        }
    }

    #[test]
    fn cloudformation_keeps_what_it_evaluates_and_files_refuse_it() {
        assert_eq!(
            eval("!Sub '${AWS::Region}-${Dev.Alias}-${!x}'", true).unwrap(),
            serde_json::json!({"Fn::Sub": "${AWS::Region}-acme-dev-${!x}"})
        );
        assert_eq!(eval("!GetAtt Bucket.Arn", true).unwrap(), serde_json::json!({"Fn::GetAtt": ["Bucket", "Arn"]}));
        assert_eq!(eval("!If [IsProd, a, b]", true).unwrap(), serde_json::json!({"Fn::If": ["IsProd", "a", "b"]}));
        assert_eq!(
            eval("!FindInMap [Cidr, !Ref Region, Block]", true).unwrap(),
            serde_json::json!({"Fn::FindInMap": ["Cidr", "eu-west-1", "Block"]})
        );
        assert_eq!(eval("!FindInMap [Cidr, Dev, Block]", false).unwrap(), "10.1.0.0/16");
        assert_eq!(eval("!If [IsProd, a, b]", false).unwrap_err().code, "unsupported-intrinsic");
        assert_eq!(eval("!Ref Nothing", false).unwrap_err().code, "unknown-reference");
        let missing = eval("!FindInMap [Cidr, Prod, Block]", false).unwrap_err();
        assert_eq!((missing.code, missing.help.as_deref()), ("unknown-mapping", Some("known: Dev")));
        assert_eq!(eval("!Select [3, [a]]", false).unwrap_err().code, "bad-intrinsic");
    }

    #[test]
    fn unknowns_flow_through_text_and_stop_functions_that_need_the_value() {
        let value = eval("!Sub 'arn:aws:iam::${Prod}:root'", false).unwrap();
        assert_eq!(value, "arn:aws:iam::<id of Prod, (known after apply)>:root");
        let joined = eval("!Join [',', [!Ref Prod, !Ref Dev]]", false).unwrap();
        assert_eq!(joined, "<id of Prod, (known after apply)>,222222222222");
        assert_eq!(eval("!MD5 [!Ref Prod]", false).unwrap_err().code, "unknown-at-plan");
    }
}
