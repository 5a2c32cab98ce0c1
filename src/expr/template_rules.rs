//! What CloudFormation refuses in a template before it creates anything, checked on the
//! template orgctl renders for each target (so a plan never sends one) and by the sandbox (so
//! converging on the sandbox means CloudFormation accepts the same templates).
//!
//! Every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `DependsOn`, `Condition` and `Fn::If` must name
//! something the rendered template holds (a parameter, a pseudo parameter, a resource, a
//! condition, a mapping); an output must not be a list; each parameter value must fit its
//! declared type. An annotated template's resource bound to fewer targets than the rest is the
//! usual cause: the references that stay behind name a resource that target does not have.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Why CloudFormation would refuse a template, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `Resources.Queue`, `Outputs.Arn`, `Parameters.Size`, `Conditions.IsProd`.
    pub place: String,
    pub message: String,
}

/// Pseudo parameters every template may `Ref`.
const PSEUDO: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// Types a parameter may be declared with, besides the AWS-specific ones (`AWS::EC2::...`,
/// `List<AWS::...>`, `AWS::SSM::Parameter::Value<...>`), which CloudFormation checks itself.
/// `List<String>` is not in CloudFormation's documentation but is accepted (and cfn-lint knows
/// it); org-formation's reference landing zone uses it.
const PARAMETER_TYPES: [&str; 5] = ["String", "Number", "List<Number>", "List<String>", "CommaDelimitedList"];

/// The names a template holds, by kind.
struct Names<'a> {
    parameters: BTreeSet<&'a str>,
    resources: BTreeSet<&'a str>,
    conditions: BTreeSet<&'a str>,
    mappings: BTreeSet<&'a str>,
}

fn keys<'a>(template: &'a Value, section: &str) -> BTreeSet<&'a str> {
    template.get(section).and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k.as_str()).collect()
}

/// What CloudFormation would refuse in `template` given `parameters` (name → value sent; a value
/// not known yet is `None`).
pub fn refusals(template: &Value, parameters: &BTreeMap<String, Option<String>>) -> Vec<Refusal> {
    let names = Names {
        parameters: keys(template, "Parameters"),
        resources: keys(template, "Resources"),
        conditions: keys(template, "Conditions"),
        mappings: keys(template, "Mappings"),
    };
    let mut out = Vec::new();
    let mut refuse = |place: String, message: String| out.push(Refusal { place, message });
    if template.get("Resources").and_then(Value::as_object).is_none_or(|r| r.is_empty()) {
        refuse(
            "Resources".into(),
            "the template has no resource: at least one Resources member must be defined".into(),
        );
    }
    for (name, declaration) in template.get("Parameters").and_then(Value::as_object).into_iter().flatten() {
        let kind = declaration.get("Type").and_then(Value::as_str).unwrap_or_default();
        let aws_specific = kind.starts_with("AWS::") || kind.starts_with("List<AWS::");
        if kind.is_empty() {
            refuse(format!("Parameters.{name}"), "the parameter has no Type (every parameter needs one)".into());
        } else if !aws_specific && !PARAMETER_TYPES.contains(&kind) {
            refuse(format!("Parameters.{name}"), format!("the type '{kind}' is not a CloudFormation parameter type"));
        }
        let value = match parameters.get(name) {
            Some(Some(v)) => Some(v.clone()),
            Some(None) => None,
            None => declaration.get("Default").map(|d| d.as_str().map_or_else(|| d.to_string(), str::to_string)),
        };
        if let Some(problem) = value.and_then(|v| misfit(kind, declaration, &v)) {
            refuse(format!("Parameters.{name}"), problem);
        }
    }
    for name in parameters.keys().filter(|n| !names.parameters.contains(n.as_str())) {
        refuse(
            format!("Parameters.{name}"),
            format!("a value is given for {name}, which the template does not declare"),
        );
    }
    // A macro (`Transform: AWS::Serverless-2016-10-31`) makes resources CloudFormation checks
    // the names against only once it has run.
    if template.get("Transform").is_some() {
        return out;
    }
    for (name, condition) in template.get("Conditions").and_then(Value::as_object).into_iter().flatten() {
        names.visit(condition, &format!("Conditions.{name}"), &mut refuse);
    }
    for (id, resource) in template.get("Resources").and_then(Value::as_object).into_iter().flatten() {
        let place = format!("Resources.{id}");
        let depends: Vec<&str> = match resource.get("DependsOn") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for d in depends.into_iter().filter(|d| !names.resources.contains(d)) {
            refuse(place.clone(), format!("DependsOn {d}, which is not a resource of this template"));
        }
        names.condition_key(resource, &place, &mut refuse);
        for key in ["Properties", "UpdatePolicy", "CreationPolicy"] {
            if let Some(v) = resource.get(key) {
                names.visit(v, &place, &mut refuse);
            }
        }
    }
    for (name, output) in template.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
        let place = format!("Outputs.{name}");
        names.condition_key(output, &place, &mut refuse);
        names.visit(output, &place, &mut refuse);
        if matches!(output.get("Value"), Some(Value::Array(_))) {
            refuse(place, "an output's value must be text, not a list (join it with Fn::Join)".into());
        }
    }
    out
}

/// Why `value` does not fit a parameter declared `kind` (with its constraints), if it does not.
fn misfit(kind: &str, declaration: &Value, value: &str) -> Option<String> {
    let number = |v: &str| v.trim().parse::<f64>().is_ok();
    match kind {
        "Number" if !number(value) => return Some(format!("'{value}' is not a Number")),
        "List<Number>" if !value.split(',').all(number) => return Some(format!("'{value}' is not a List<Number>")),
        _ => {}
    }
    let allowed: Vec<String> = declaration
        .get("AllowedValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    let items: Vec<&str> = if kind == "CommaDelimitedList" || kind.starts_with("List<") {
        value.split(',').collect()
    } else {
        vec![value]
    };
    if !allowed.is_empty() && !items.iter().all(|i| allowed.iter().any(|a| a == i)) {
        return Some(format!("'{value}' is not one of the AllowedValues ({})", allowed.join(", ")));
    }
    let length = value.chars().count() as u64;
    let bound = |key: &str| declaration.get(key).and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
    if bound("MinLength").is_some_and(|min| length < min) || bound("MaxLength").is_some_and(|max| length > max) {
        return Some(format!("a value of {length} characters is outside its MinLength/MaxLength"));
    }
    None
}

impl Names<'_> {
    fn referable(&self, name: &str) -> bool {
        PSEUDO.contains(&name) || self.parameters.contains(name) || self.resources.contains(name)
    }

    fn condition_key(&self, holder: &Value, place: &str, refuse: &mut impl FnMut(String, String)) {
        if let Some(c) = holder.get("Condition").and_then(Value::as_str) {
            if !self.conditions.contains(c) {
                refuse(place.to_string(), format!("Condition {c}, which is not in the Conditions section"));
            }
        }
    }

    /// Checks every intrinsic function in `v`.
    fn visit(&self, v: &Value, place: &str, refuse: &mut impl FnMut(String, String)) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.visit(i, place, refuse)),
            Value::Object(map) => {
                if map.len() == 1 {
                    if let Some((function, arg)) = map.iter().next() {
                        self.function(function, arg, place, refuse);
                    }
                }
                map.values().for_each(|i| self.visit(i, place, refuse));
            }
            _ => {}
        }
    }

    fn function(&self, function: &str, arg: &Value, place: &str, refuse: &mut impl FnMut(String, String)) {
        let mut missing = |named: String| {
            refuse(place.to_string(), format!("{function} names {named}, which this template does not hold"))
        };
        match function {
            "Ref" => {
                if let Some(name) = arg.as_str().filter(|n| !self.referable(n)) {
                    missing(name.to_string());
                }
            }
            "Fn::GetAtt" => {
                let resource = match arg {
                    Value::Array(a) => a.first().and_then(Value::as_str),
                    Value::String(s) => s.split('.').next(),
                    _ => None,
                };
                if let Some(r) = resource.filter(|r| !self.resources.contains(r)) {
                    missing(format!("resource {r}"));
                }
            }
            "Fn::Sub" => {
                let (text, locals) = match arg {
                    Value::Array(a) => (a.first().and_then(Value::as_str), a.get(1).and_then(Value::as_object)),
                    Value::String(s) => (Some(s.as_str()), None),
                    _ => (None, None),
                };
                let parts = text.map(crate::source::sub::parse).and_then(Result::ok).unwrap_or_default();
                for part in parts {
                    let crate::source::sub::SubPart::Var(var) = part else { continue };
                    if locals.is_some_and(|l| l.contains_key(var)) || PSEUDO.contains(&var) {
                        continue;
                    }
                    let known = match var.split_once('.') {
                        Some((resource, _)) => self.resources.contains(resource),
                        None => self.referable(var),
                    };
                    if !known {
                        missing(format!("the variable {var}"));
                    }
                }
            }
            "Fn::If" => {
                if let Some(c) = arg.as_array().and_then(|a| a.first()).and_then(Value::as_str) {
                    if !self.conditions.contains(c) {
                        missing(format!("condition {c}"));
                    }
                }
            }
            "Condition" => {
                if let Some(c) = arg.as_str().filter(|c| !self.conditions.contains(c)) {
                    missing(format!("condition {c}"));
                }
            }
            "Fn::FindInMap" => {
                if let Some(m) = arg.as_array().and_then(|a| a.first()).and_then(Value::as_str) {
                    if !self.mappings.contains(m) {
                        missing(format!("mapping {m}"));
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn places(template: Value, parameters: &[(&str, &str)]) -> Vec<String> {
        let parameters = parameters.iter().map(|(k, v)| (k.to_string(), Some(v.to_string()))).collect();
        refusals(&template, &parameters).into_iter().map(|r| format!("{}: {}", r.place, r.message)).collect()
    }

    #[test]
    fn every_reference_names_what_the_template_holds() {
        let template = json!({
            "Parameters": {"Size": {"Type": "Number"}},
            "Conditions": {"Big": {"Fn::Equals": [{"Ref": "Size"}, "2"]}},
            "Resources": {
                "Topic": {"Type": "AWS::SNS::Topic", "Condition": "Big"},
                "Queue": {"Type": "AWS::SQS::Queue", "DependsOn": ["Topic", "Gone"],
                    "Properties": {"A": {"Ref": "Gone"}, "B": {"Fn::GetAtt": ["Gone", "Arn"]},
                        "C": {"Fn::Sub": "${Gone.Arn}/${AWS::Region}/${Size}/${Topic}"},
                        "D": {"Fn::If": ["Small", "a", "b"]}}},
            },
            "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Condition": "Missing"},
                "List": {"Value": ["a", "b"]}},
        });
        assert_eq!(
            places(template, &[("Size", "x")]),
            vec![
                "Parameters.Size: 'x' is not a Number",
                "Resources.Queue: DependsOn Gone, which is not a resource of this template",
                "Resources.Queue: Ref names Gone, which this template does not hold",
                "Resources.Queue: Fn::GetAtt names resource Gone, which this template does not hold",
                "Resources.Queue: Fn::Sub names the variable Gone.Arn, which this template does not hold",
                "Resources.Queue: Fn::If names condition Small, which this template does not hold",
                "Outputs.Arn: Condition Missing, which is not in the Conditions section",
                "Outputs.List: an output's value must be text, not a list (join it with Fn::Join)",
            ]
        );
    }

    #[test]
    fn a_whole_template_passes() {
        let template = json!({
            "Parameters": {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}, "Ids": {"Type": "CommaDelimitedList"}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": ["${Env}-${X}", {"X": "y"}]}}}},
            "Outputs": {"Arn": {"Value": {"Ref": "Topic"}}},
        });
        assert_eq!(places(template.clone(), &[("Env", "dev"), ("Ids", "a,b")]), Vec::<String>::new());
        assert_eq!(places(template, &[("Env", "test"), ("Ids", "a")]).len(), 1);
    }
}
