//! The SCP evaluator against AWS's documented evaluation, case by case. Each case cites the page
//! that justifies its expected decision (the `doc` field names it; the constants below are the
//! pages). A case is (the SCPs attached at each level, root first; the request; the decision).

use orgctl::policy::condition::Context;
use orgctl::policy::document::statements;
use orgctl::policy::{evaluate, Attached, Decision, Level, Request};
use Decision::{Allowed, ExplicitDeny, ImplicitDeny, NotRestricted};

/// SCP evaluation: explicit deny wins; an allow is needed at every level from the root to the
/// account; inheritance of denies; FullAWSAccess.
const EVAL: &str =
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html";
/// SCP syntax: Action/NotAction, Resource (optional in SCPs), Condition.
const SYNTAX: &str = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html";
/// SCPs do not affect the management account nor service-linked roles.
const SCOPE: &str = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html";
/// IAM Action element: wildcards, case-insensitive.
const ACTION: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
/// NotAction.
const NOTACTION: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
/// Resource element: wildcards, case-sensitive.
const RESOURCE: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
/// NotResource.
const NOTRESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
/// Condition operators, including "...IfExists", Null, and the rule for missing keys.
const OPS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
/// Several keys (AND) and several values (OR) in a condition.
const LOGIC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html";
/// Single- and multivalued keys: ForAnyValue and ForAllValues.
const MULTI: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
/// The region-deny SCP example (aws:RequestedRegion with StringNotEquals and exempt roles).
const REGION: &str =
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html";

/// GetCallerIdentity: "even if explicitly denied, you can still perform this operation".
const CALLER: &str = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html";
/// Policy variables in condition values, with defaults and the `${*}` escapes.
const VARIABLES: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
/// Date condition operators: ISO 8601 dates and times, or epoch (UNIX) time.
const DATES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date";

const FULL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

struct Case {
    name: &'static str,
    doc: &'static str,
    /// Statements of the SCPs at each level (root, OUs..., account); each inner string is one
    /// SCP's statement list (comma-separated statements).
    levels: Vec<Vec<String>>,
    exempt: Option<&'static str>,
    action: &'static str,
    resource: &'static str,
    context: Vec<(&'static str, &'static str)>,
    expect: Decision,
}

/// Three levels (root, OU, account) with FullAWSAccess each, and `extra` added at `at`.
fn full_with(at: usize, extra: &str) -> Vec<Vec<String>> {
    let mut levels = vec![vec![FULL.to_string()], vec![FULL.to_string()], vec![FULL.to_string()]];
    levels[at].push(extra.to_string());
    levels
}

fn case(
    name: &'static str,
    doc: &'static str,
    levels: Vec<Vec<String>>,
    action: &'static str,
    resource: &'static str,
    context: &[(&'static str, &'static str)],
    expect: Decision,
) -> Case {
    Case { name, doc, levels, exempt: None, action, resource, context: context.to_vec(), expect }
}

/// A Deny at the root with `condition`, for the condition-operator cases.
fn deny_if(condition: &str) -> Vec<Vec<String>> {
    full_with(0, &format!(r#"{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{condition}}}"#))
}

// The cases are pushed in groups, each under the comment that names its page.
#[allow(clippy::vec_init_then_push)]
fn cases() -> Vec<Case> {
    let mut c = Vec::new();
    // --- Hierarchy (EVAL) ---------------------------------------------------------------
    c.push(case("FullAWSAccess everywhere allows", EVAL, full_with(0, FULL), "s3:GetObject", "*", &[], Allowed));
    c.push(case(
        "deny at the root applies to the account",
        EVAL,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
        "s3:PutObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "deny at the OU applies below it",
        EVAL,
        full_with(1, r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
        "s3:PutObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "deny on the account itself applies",
        EVAL,
        full_with(2, r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
        "s3:PutObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a deny of another service does not apply",
        EVAL,
        full_with(1, r#"{"Effect":"Deny","Action":"ec2:*","Resource":"*"}"#),
        "s3:PutObject",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "no allow at the root: implicit deny",
        EVAL,
        vec![
            vec![r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#.into()],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "s3:GetObject",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "no allow at the OU: implicit deny",
        EVAL,
        vec![
            vec![FULL.into()],
            vec![r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#.into()],
            vec![FULL.into()],
        ],
        "s3:GetObject",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "no allow at the account: implicit deny",
        EVAL,
        vec![
            vec![FULL.into()],
            vec![FULL.into()],
            vec![r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#.into()],
        ],
        "s3:GetObject",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "allow-list at every level allows what it lists",
        EVAL,
        vec![vec![r#"{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}"#.into()]; 3],
        "ec2:RunInstances",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "allow-list at every level denies the rest",
        EVAL,
        vec![vec![r#"{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}"#.into()]; 3],
        "iam:CreateUser",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "an allow below does not widen a narrower level above",
        EVAL,
        vec![vec![r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#.into()], vec![FULL.into()], vec![FULL.into()]],
        "ec2:RunInstances",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case("an explicit allow does not beat a deny", EVAL, full_with(2, r#"{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}"#), "s3:PutObject", "*", &[], ExplicitDeny));
    c.push(case(
        "deep hierarchy: allow needed at all five levels",
        EVAL,
        vec![
            vec![FULL.into()],
            vec![FULL.into()],
            vec![FULL.into()],
            vec![r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#.into()],
            vec![FULL.into()],
        ],
        "ec2:RunInstances",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "deep hierarchy: allowed when each level allows",
        EVAL,
        vec![vec![FULL.into()]; 5],
        "ec2:RunInstances",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "a level with no SCP at all allows nothing",
        EVAL,
        vec![vec![FULL.into()], vec![], vec![FULL.into()]],
        "s3:GetObject",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "allow split over two SCPs at one level",
        EVAL,
        vec![
            vec![
                r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#.into(),
                r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#.into(),
            ],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "ec2:StartInstances",
        "*",
        &[],
        Allowed,
    ));
    // --- Actions (ACTION, NOTACTION, SYNTAX) -------------------------------------------------
    c.push(case(
        "action wildcard prefix",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"iam:Create*","Resource":"*"}"#),
        "iam:CreateUser",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "action wildcard does not match another verb",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"iam:Create*","Resource":"*"}"#),
        "iam:DeleteUser",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "actions are case-insensitive",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"IAM:createuser","Resource":"*"}"#),
        "iam:CreateUser",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "? matches one character",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:Get?bject","Resource":"*"}"#),
        "s3:GetObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "? does not match two characters",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:Get?ject","Resource":"*"}"#),
        "s3:GetObject",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "wildcard in the middle",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*Object*","Resource":"*"}"#),
        "s3:PutObjectAcl",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a list of actions: any of them",
        ACTION,
        full_with(1, r#"{"Effect":"Deny","Action":["ec2:RunInstances","ec2:StartInstances"],"Resource":"*"}"#),
        "ec2:StartInstances",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a list of actions: not another",
        ACTION,
        full_with(1, r#"{"Effect":"Deny","Action":["ec2:RunInstances","ec2:StartInstances"],"Resource":"*"}"#),
        "ec2:StopInstances",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "service prefix must match whole",
        ACTION,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
        "s3express:CreateSession",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotAction deny covers everything else",
        NOTACTION,
        full_with(0, r#"{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*"}"#),
        "ec2:RunInstances",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "NotAction deny leaves the listed actions",
        NOTACTION,
        full_with(0, r#"{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*"}"#),
        "iam:CreateRole",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotAction allow-list allows the rest",
        NOTACTION,
        vec![
            vec![r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.into()],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "s3:GetObject",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotAction allow does not allow what it names",
        NOTACTION,
        vec![
            vec![r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.into()],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "iam:CreateUser",
        "*",
        &[],
        ImplicitDeny,
    ));
    c.push(case(
        "NotAction with wildcard verbs",
        NOTACTION,
        full_with(0, r#"{"Effect":"Deny","NotAction":"s3:Get*","Resource":"*"}"#),
        "s3:GetObject",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotAction with wildcard verbs denies others",
        NOTACTION,
        full_with(0, r#"{"Effect":"Deny","NotAction":"s3:Get*","Resource":"*"}"#),
        "s3:PutObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "an SCP statement without Resource means every resource",
        SYNTAX,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*"}"#),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a statement with an unknown effect matches nothing",
        SYNTAX,
        full_with(0, r#"{"Effect":"Maybe","Action":"*","Resource":"*"}"#),
        "s3:GetObject",
        "*",
        &[],
        Allowed,
    ));
    // --- Resources (RESOURCE, NOTRESOURCE) ----------------------------------------------------
    c.push(case(
        "resource wildcard",
        RESOURCE,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::logs-*"}"#),
        "s3:DeleteBucket",
        "arn:aws:s3:::logs-archive",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "resource outside the pattern",
        RESOURCE,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::logs-*"}"#),
        "s3:DeleteBucket",
        "arn:aws:s3:::data",
        &[],
        Allowed,
    ));
    c.push(case(
        "resources are case-sensitive",
        RESOURCE,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::Logs"}"#),
        "s3:DeleteBucket",
        "arn:aws:s3:::logs",
        &[],
        Allowed,
    ));
    c.push(case("resource list: any", RESOURCE, full_with(1, r#"{"Effect":"Deny","Action":"iam:*","Resource":["arn:aws:iam::*:role/Admin","arn:aws:iam::*:role/Break*"]}"#), "iam:DeleteRole", "arn:aws:iam::111111111111:role/BreakGlass", &[], ExplicitDeny));
    c.push(case(
        "resource wildcard across the account field",
        RESOURCE,
        full_with(1, r#"{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::*:role/Admin"}"#),
        "iam:DeleteRole",
        "arn:aws:iam::222222222222:role/Admin",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "path after the role name is part of the resource",
        RESOURCE,
        full_with(1, r#"{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::*:role/Admin"}"#),
        "iam:DeleteRole",
        "arn:aws:iam::222222222222:role/Admins",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotResource deny spares the listed",
        NOTRESOURCE,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::approved/*"}"#),
        "s3:PutObject",
        "arn:aws:s3:::approved/x",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotResource deny hits the rest",
        NOTRESOURCE,
        full_with(0, r#"{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::approved/*"}"#),
        "s3:PutObject",
        "arn:aws:s3:::other/x",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "NotResource allow allows the rest",
        NOTRESOURCE,
        vec![
            vec![r#"{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::secret/*"}"#.into()],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "s3:GetObject",
        "arn:aws:s3:::public/x",
        &[],
        Allowed,
    ));
    c.push(case(
        "NotResource allow does not allow the listed",
        NOTRESOURCE,
        vec![
            vec![r#"{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::secret/*"}"#.into()],
            vec![FULL.into()],
            vec![FULL.into()],
        ],
        "s3:GetObject",
        "arn:aws:s3:::secret/x",
        &[],
        ImplicitDeny,
    ));
    // --- String operators (OPS) -----------------------------------------------------------
    c.push(case(
        "StringEquals matches",
        OPS,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-west-2"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-west-2")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringEquals does not match",
        OPS,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-west-2"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "eu-west-1")],
        Allowed,
    ));
    c.push(case(
        "StringEquals is case-sensitive",
        OPS,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"US-WEST-2"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-west-2")],
        Allowed,
    ));
    c.push(case(
        "StringEqualsIgnoreCase ignores case",
        OPS,
        deny_if(r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"PLATFORM"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:PrincipalTag/team", "platform")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringNotEquals with a value not listed",
        OPS,
        deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-2")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringNotEquals with a listed value",
        OPS,
        deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "eu-central-1")],
        Allowed,
    ));
    c.push(case(
        "StringNotEqualsIgnoreCase",
        OPS,
        deny_if(r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"Platform"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:PrincipalTag/team", "PLATFORM")],
        Allowed,
    ));
    c.push(case(
        "StringLike with *",
        OPS,
        deny_if(r#"{"StringLike":{"aws:RequestedRegion":"us-*"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-1")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringLike not matching",
        OPS,
        deny_if(r#"{"StringLike":{"aws:RequestedRegion":"us-*"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "eu-west-1")],
        Allowed,
    ));
    c.push(case(
        "StringLike with ?",
        OPS,
        deny_if(r#"{"StringLike":{"aws:RequestedRegion":"eu-west-?"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "eu-west-3")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringNotLike denies outside the pattern",
        OPS,
        deny_if(r#"{"StringNotLike":{"aws:RequestedRegion":"eu-*"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "ap-south-1")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringNotLike spares the pattern",
        OPS,
        deny_if(r#"{"StringNotLike":{"aws:RequestedRegion":"eu-*"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "eu-north-1")],
        Allowed,
    ));
    c.push(case(
        "condition keys are case-insensitive",
        OPS,
        deny_if(r#"{"StringEquals":{"AWS:requestedregion":"us-west-2"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-west-2")],
        ExplicitDeny,
    ));
    c.push(case(
        "a missing key makes StringEquals false",
        OPS,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-west-2"}}"#),
        "iam:CreateUser",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "a missing key makes StringNotEquals true",
        OPS,
        deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":"us-west-2"}}"#),
        "iam:CreateUser",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a missing key makes StringNotLike true",
        OPS,
        deny_if(r#"{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}"#),
        "iam:CreateUser",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "a missing key makes StringLike false",
        OPS,
        deny_if(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#),
        "iam:CreateUser",
        "*",
        &[],
        Allowed,
    ));
    // --- ARN operators (OPS, REGION) ----------------------------------------------------------
    c.push(case(
        "ArnLike matches a role in any account",
        OPS,
        deny_if(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Dev*"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:role/DevOps")],
        ExplicitDeny,
    ));
    c.push(case(
        "ArnLike not matching",
        OPS,
        deny_if(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Dev*"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Ops")],
        Allowed,
    ));
    c.push(case(
        "ArnNotLike spares the named role",
        OPS,
        deny_if(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Admin")],
        Allowed,
    ));
    c.push(case(
        "ArnNotLike denies others",
        OPS,
        deny_if(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Dev")],
        ExplicitDeny,
    ));
    c.push(case(
        "ArnEquals with wildcards behaves as ArnLike",
        OPS,
        deny_if(r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::1:role/Admin")],
        ExplicitDeny,
    ));
    c.push(case(
        "ArnNotEquals missing key is true",
        OPS,
        deny_if(r#"{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}"#),
        "s3:GetObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "ArnLike * stays within its ARN field",
        OPS,
        deny_if(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SourceArn", "arn:aws:sns:us-east-1:1:topic")],
        Allowed,
    ));
    c.push(case("region deny exempting a role: other roles denied", REGION, deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]},"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/Role1AllowedToBypassThisSCP"]}}"#), "ec2:RunInstances", "*", &[("aws:RequestedRegion", "us-east-1"), ("aws:PrincipalArn", "arn:aws:iam::1:role/Dev")], ExplicitDeny));
    c.push(case("region deny exempting a role: the role passes", REGION, deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]},"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/Role1AllowedToBypassThisSCP"]}}"#), "ec2:RunInstances", "*", &[("aws:RequestedRegion", "us-east-1"), ("aws:PrincipalArn", "arn:aws:iam::1:role/Role1AllowedToBypassThisSCP")], Allowed));
    c.push(case("region deny: approved region passes", REGION, deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]},"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/Exempt"]}}"#), "ec2:RunInstances", "*", &[("aws:RequestedRegion", "eu-west-1"), ("aws:PrincipalArn", "arn:aws:iam::1:role/Dev")], Allowed));
    c.push(case("region deny with NotAction: global service passes", REGION, full_with(0, r#"{"Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}"#), "iam:CreateRole", "*", &[("aws:RequestedRegion", "us-east-1")], Allowed));
    c.push(case("region deny with NotAction: regional service denied", REGION, full_with(0, r#"{"Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}"#), "ec2:RunInstances", "*", &[("aws:RequestedRegion", "us-east-1")], ExplicitDeny));
    c.push(case("region deny written with StringNotLike", REGION, full_with(0, r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-*"]}}}"#), "ec2:RunInstances", "*", &[("aws:RequestedRegion", "us-east-1")], ExplicitDeny));
    c.push(case("region allow-list without FullAWSAccess: approved region allowed", EVAL, vec![vec![r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1"]}}}"#.into()], vec![FULL.into()], vec![FULL.into()]], "ec2:RunInstances", "*", &[("aws:RequestedRegion", "eu-west-1")], Allowed));
    c.push(case("region allow-list without FullAWSAccess: other region denied", EVAL, vec![vec![r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1"]}}}"#.into()], vec![FULL.into()], vec![FULL.into()]], "ec2:RunInstances", "*", &[("aws:RequestedRegion", "us-east-1")], ImplicitDeny));
    // --- IfExists and Null (OPS) ------------------------------------------------------------
    c.push(case(
        "StringEqualsIfExists: missing key is true",
        OPS,
        deny_if(r#"{"StringEqualsIfExists":{"ec2:InstanceType":"p4d.24xlarge"}}"#),
        "ec2:RunInstances",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "StringEqualsIfExists: present and equal",
        OPS,
        deny_if(r#"{"StringEqualsIfExists":{"ec2:InstanceType":"p4d.24xlarge"}}"#),
        "ec2:RunInstances",
        "*",
        &[("ec2:InstanceType", "p4d.24xlarge")],
        ExplicitDeny,
    ));
    c.push(case(
        "StringEqualsIfExists: present and different",
        OPS,
        deny_if(r#"{"StringEqualsIfExists":{"ec2:InstanceType":"p4d.24xlarge"}}"#),
        "ec2:RunInstances",
        "*",
        &[("ec2:InstanceType", "t3.micro")],
        Allowed,
    ));
    c.push(case(
        "StringNotEqualsIfExists: missing key is true",
        OPS,
        deny_if(r#"{"StringNotEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}"#),
        "ec2:RunInstances",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "StringNotEqualsIfExists: present and allowed type",
        OPS,
        deny_if(r#"{"StringNotEqualsIfExists":{"ec2:InstanceType":["t3.micro","t3.small"]}}"#),
        "ec2:RunInstances",
        "*",
        &[("ec2:InstanceType", "t3.small")],
        Allowed,
    ));
    c.push(case(
        "ArnLikeIfExists: missing key is true",
        OPS,
        deny_if(r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::x"}}"#),
        "s3:GetObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "Null true: key absent",
        OPS,
        deny_if(r#"{"Null":{"aws:MultiFactorAuthAge":"true"}}"#),
        "iam:DeleteUser",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "Null true: key present",
        OPS,
        deny_if(r#"{"Null":{"aws:MultiFactorAuthAge":"true"}}"#),
        "iam:DeleteUser",
        "*",
        &[("aws:MultiFactorAuthAge", "30")],
        Allowed,
    ));
    c.push(case(
        "Null false: key present",
        OPS,
        deny_if(r#"{"Null":{"aws:ResourceTag/owner":"false"}}"#),
        "ec2:TerminateInstances",
        "*",
        &[("aws:ResourceTag/owner", "alice")],
        ExplicitDeny,
    ));
    c.push(case(
        "Null false: key absent",
        OPS,
        deny_if(r#"{"Null":{"aws:ResourceTag/owner":"false"}}"#),
        "ec2:TerminateInstances",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "Null as a JSON boolean",
        OPS,
        deny_if(r#"{"Null":{"aws:RequestTag/cost-center":true}}"#),
        "ec2:CreateVolume",
        "*",
        &[],
        ExplicitDeny,
    ));
    // --- Several keys and values (LOGIC) ------------------------------------------------------
    c.push(case(
        "two keys: both must hold (both)",
        LOGIC,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"dev"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-1"), ("aws:PrincipalTag/team", "dev")],
        ExplicitDeny,
    ));
    c.push(case(
        "two keys: both must hold (one)",
        LOGIC,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"dev"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-1"), ("aws:PrincipalTag/team", "ops")],
        Allowed,
    ));
    c.push(case(
        "two operators: both must hold",
        LOGIC,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"false"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:RequestedRegion", "us-east-1"), ("aws:SecureTransport", "true")],
        Allowed,
    ));
    c.push(case(
        "values of one key: any of them",
        LOGIC,
        deny_if(r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","us-east-2"]}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-2")],
        ExplicitDeny,
    ));
    c.push(case(
        "negated operator with values: none of them",
        LOGIC,
        deny_if(r#"{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-east-2"]}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:RequestedRegion", "us-east-2")],
        Allowed,
    ));
    c.push(case("two statements: one deny enough", LOGIC, full_with(0, r#"{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"x"}}},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#), "s3:GetObject", "*", &[("aws:RequestedRegion", "eu-west-1")], ExplicitDeny));
    c.push(case("condition on an allow: not met, no allow at that level", LOGIC, vec![vec![FULL.into()], vec![r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"platform"}}}"#.into()], vec![FULL.into()]], "s3:GetObject", "*", &[("aws:PrincipalTag/team", "dev")], ImplicitDeny));
    c.push(case("condition on an allow: met", LOGIC, vec![vec![FULL.into()], vec![r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"platform"}}}"#.into()], vec![FULL.into()]], "s3:GetObject", "*", &[("aws:PrincipalTag/team", "platform")], Allowed));
    // --- Multivalued keys (MULTI) -------------------------------------------------------------
    c.push(case(
        "ForAnyValue: one tag key matches",
        MULTI,
        deny_if(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["secret"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name"), ("aws:TagKeys", "secret")],
        ExplicitDeny,
    ));
    c.push(case(
        "ForAnyValue: none matches",
        MULTI,
        deny_if(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["secret"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name")],
        Allowed,
    ));
    c.push(case(
        "ForAnyValue: missing key is false",
        MULTI,
        deny_if(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["secret"]}}"#),
        "ec2:CreateTags",
        "*",
        &[],
        Allowed,
    ));
    c.push(case(
        "ForAllValues: every value allowed",
        MULTI,
        deny_if(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["name","owner"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name"), ("aws:TagKeys", "owner")],
        ExplicitDeny,
    ));
    c.push(case(
        "ForAllValues: one value outside",
        MULTI,
        deny_if(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["name","owner"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name"), ("aws:TagKeys", "cost")],
        Allowed,
    ));
    c.push(case(
        "ForAllValues: missing key is true",
        MULTI,
        deny_if(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["name"]}}"#),
        "ec2:CreateTags",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "ForAnyValue:StringNotEquals: one value outside the list",
        MULTI,
        deny_if(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["name","owner"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name"), ("aws:TagKeys", "cost")],
        ExplicitDeny,
    ));
    c.push(case(
        "ForAnyValue:StringNotEquals: all inside the list",
        MULTI,
        deny_if(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["name","owner"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "name")],
        Allowed,
    ));
    c.push(case(
        "ForAllValues:StringLike with patterns",
        MULTI,
        deny_if(r#"{"ForAllValues:StringLike":{"aws:TagKeys":["team-*"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "team-a"), ("aws:TagKeys", "team-b")],
        ExplicitDeny,
    ));
    c.push(case(
        "ForAllValues:StringNotEquals: none in the list",
        MULTI,
        deny_if(r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#),
        "ec2:CreateTags",
        "*",
        &[("aws:TagKeys", "a"), ("aws:TagKeys", "b")],
        ExplicitDeny,
    ));
    // --- Numeric, Bool, Date, IP (OPS) ---------------------------------------------------------
    c.push(case(
        "NumericGreaterThan true",
        OPS,
        deny_if(r#"{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}"#),
        "iam:DeleteUser",
        "*",
        &[("aws:MultiFactorAuthAge", "7200")],
        ExplicitDeny,
    ));
    c.push(case(
        "NumericGreaterThan false",
        OPS,
        deny_if(r#"{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}"#),
        "iam:DeleteUser",
        "*",
        &[("aws:MultiFactorAuthAge", "60")],
        Allowed,
    ));
    c.push(case(
        "NumericLessThanEquals at the bound",
        OPS,
        deny_if(r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#),
        "s3:ListBucket",
        "*",
        &[("s3:max-keys", "10")],
        ExplicitDeny,
    ));
    c.push(case(
        "NumericEquals with a JSON number",
        OPS,
        deny_if(r#"{"NumericEquals":{"s3:max-keys":10}}"#),
        "s3:ListBucket",
        "*",
        &[("s3:max-keys", "10")],
        ExplicitDeny,
    ));
    c.push(case(
        "NumericNotEquals",
        OPS,
        deny_if(r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#),
        "s3:ListBucket",
        "*",
        &[("s3:max-keys", "10")],
        Allowed,
    ));
    c.push(case(
        "Bool false over plain HTTP",
        OPS,
        deny_if(r#"{"Bool":{"aws:SecureTransport":"false"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SecureTransport", "false")],
        ExplicitDeny,
    ));
    c.push(case(
        "Bool false over HTTPS",
        OPS,
        deny_if(r#"{"Bool":{"aws:SecureTransport":"false"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SecureTransport", "true")],
        Allowed,
    ));
    c.push(case(
        "Bool with a JSON boolean",
        OPS,
        deny_if(r#"{"Bool":{"aws:ViaAWSService":false}}"#),
        "kms:Decrypt",
        "*",
        &[("aws:ViaAWSService", "false")],
        ExplicitDeny,
    ));
    c.push(case(
        "DateGreaterThan after the date",
        OPS,
        deny_if(r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:CurrentTime", "2026-11-22T00:00:00Z")],
        ExplicitDeny,
    ));
    c.push(case(
        "DateLessThan after the date",
        OPS,
        deny_if(r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:CurrentTime", "2026-11-22T00:00:00Z")],
        Allowed,
    ));
    c.push(case(
        "NotIpAddress outside the network",
        OPS,
        deny_if(r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SourceIp", "198.51.100.7")],
        ExplicitDeny,
    ));
    c.push(case(
        "NotIpAddress inside the network",
        OPS,
        deny_if(r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SourceIp", "203.0.113.77")],
        Allowed,
    ));
    c.push(case(
        "IpAddress with a single address",
        OPS,
        deny_if(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.5"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SourceIp", "203.0.113.5")],
        ExplicitDeny,
    ));
    c.push(case(
        "IpAddress with IPv6",
        OPS,
        deny_if(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:SourceIp", "2001:db8:1::5")],
        ExplicitDeny,
    ));
    c.push(case(
        "NotIpAddress with a missing key is true",
        OPS,
        deny_if(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#),
        "s3:GetObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    // --- Organization keys (OPS, EVAL) ---------------------------------------------------------
    c.push(case(
        "aws:PrincipalOrgID equals",
        OPS,
        deny_if(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalOrgID", "o-abc123")],
        Allowed,
    ));
    c.push(case(
        "aws:PrincipalOrgID from outside",
        OPS,
        deny_if(r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalOrgID", "o-other")],
        ExplicitDeny,
    ));
    c.push(case(
        "aws:ResourceOrgID equals",
        OPS,
        deny_if(r#"{"StringNotEqualsIfExists":{"aws:ResourceOrgID":"o-abc123"}}"#),
        "s3:PutObject",
        "*",
        &[("aws:ResourceOrgID", "o-abc123")],
        Allowed,
    ));
    // "If the key is not present, evaluate the condition element as true": the deny applies.
    c.push(case(
        "aws:ResourceOrgID absent: ...IfExists is true, so the deny applies",
        OPS,
        deny_if(r#"{"StringNotEqualsIfExists":{"aws:ResourceOrgID":"o-abc123"}}"#),
        "s3:PutObject",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "deny leaving the organization",
        EVAL,
        full_with(1, r#"{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}"#),
        "organizations:LeaveOrganization",
        "*",
        &[],
        ExplicitDeny,
    ));
    c.push(case(
        "deny root user by principal ARN",
        OPS,
        deny_if(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:root")],
        ExplicitDeny,
    ));
    c.push(case(
        "deny root user does not hit a role",
        OPS,
        deny_if(r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Dev")],
        Allowed,
    ));
    // --- Who SCPs apply to (SCOPE) --------------------------------------------------------------
    let mut management = case(
        "management account is not restricted",
        SCOPE,
        full_with(0, r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#),
        "ec2:RunInstances",
        "*",
        &[],
        NotRestricted,
    );
    management.exempt = Some("SCPs do not apply to the management account");
    c.push(management);
    let mut linked = case(
        "service-linked role is not restricted",
        SCOPE,
        full_with(0, r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#),
        "ec2:CreateNetworkInterface",
        "*",
        &[],
        NotRestricted,
    );
    linked.exempt = Some("SCPs do not apply to service-linked roles");
    c.push(linked);
    c.push(case(
        "a member account's role is restricted",
        SCOPE,
        full_with(0, r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#),
        "ec2:RunInstances",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::1:role/Admin")],
        ExplicitDeny,
    ));
    c.push(case(
        "deny all at the account itself",
        SCOPE,
        full_with(2, r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#),
        "sts:AssumeRole",
        "*",
        &[],
        ExplicitDeny,
    ));
    // --- Actions no policy can deny (CALLER) ------------------------------------------------
    c.push(case(
        "sts:GetCallerIdentity answers even under an explicit deny",
        CALLER,
        full_with(2, r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#),
        "sts:GetCallerIdentity",
        "*",
        &[],
        NotRestricted,
    ));
    // --- Policy variables (VARIABLES) -------------------------------------------------------
    let own_admin = r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:role/Admin"}}}"#;
    c.push(case(
        "a variable in an ARN operator stands for the request's value",
        VARIABLES,
        full_with(0, own_admin),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::111122223333:role/Admin"), ("aws:PrincipalAccount", "111122223333")],
        Allowed,
    ));
    c.push(case(
        "a variable for another account's role does not exempt",
        VARIABLES,
        full_with(0, own_admin),
        "s3:GetObject",
        "*",
        &[("aws:PrincipalArn", "arn:aws:iam::444455556666:role/Admin"), ("aws:PrincipalAccount", "111122223333")],
        ExplicitDeny,
    ));
    c.push(case(
        "a tag variable in a string operator",
        VARIABLES,
        deny_if(r#"{"StringNotEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}"#),
        "ec2:StopInstances",
        "*",
        &[("aws:ResourceTag/team", "red"), ("aws:PrincipalTag/team", "red")],
        Allowed,
    ));
    c.push(case(
        "a variable with a default when the key is missing",
        VARIABLES,
        deny_if(r#"{"StringNotEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team, 'shared'}"}}"#),
        "ec2:StopInstances",
        "*",
        &[("aws:ResourceTag/team", "shared")],
        Allowed,
    ));
    // --- Dates compared as instants (DATES) -------------------------------------------------
    c.push(case(
        "a date without a time equals midnight UTC",
        DATES,
        deny_if(r#"{"DateEquals":{"aws:CurrentTime":"2026-01-01"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:CurrentTime", "2026-01-01T00:00:00Z")],
        ExplicitDeny,
    ));
    c.push(case(
        "epoch seconds compare with ISO 8601",
        DATES,
        deny_if(r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:CurrentTime", "1798761600")],
        ExplicitDeny,
    ));
    c.push(case(
        "an offset is an instant too",
        DATES,
        deny_if(r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01T01:00:00+02:00"}}"#),
        "s3:GetObject",
        "*",
        &[("aws:CurrentTime", "2025-12-31T23:30:00Z")],
        Allowed,
    ));
    c
}

fn levels(c: &Case) -> Vec<Level> {
    c.levels
        .iter()
        .enumerate()
        .map(|(i, policies)| Level {
            label: format!("level {i}"),
            policies: policies
                .iter()
                .enumerate()
                .map(|(j, s)| Attached {
                    name: format!("scp-{i}-{j}"),
                    id: format!("p-{i}{j}"),
                    statements: statements(&format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#))
                        .unwrap_or_else(|e| panic!("{}: {e}", c.name)),
                    location: None,
                })
                .collect(),
        })
        .collect()
}

#[test]
fn the_evaluator_decides_as_aws_documents() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let mut context = Context::new();
        for (k, v) in &c.context {
            context.entry(k.to_lowercase()).or_default().push(v.to_string());
        }
        let request = Request { action: c.action.into(), resource: c.resource.into(), context };
        let got = evaluate(&levels(c), &request, c.exempt);
        if got.decision != c.expect {
            failures.push(format!("{}: expected {:?}, got {:?} (see {})", c.name, c.expect, got.decision, c.doc));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn deciding_statements_are_named_with_their_level() {
    let c = case(
        "x",
        EVAL,
        full_with(1, r#"{"Sid":"NoS3","Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
        "s3:GetObject",
        "*",
        &[],
        ExplicitDeny,
    );
    let e = evaluate(
        &levels(&c),
        &Request { action: c.action.into(), resource: "*".into(), context: Context::new() },
        None,
    );
    assert_eq!(e.deciding.len(), 1);
    assert_eq!((e.deciding[0].level.as_str(), e.deciding[0].statement.as_str()), ("level 1", "NoS3"));
    let c = case("y", EVAL, vec![vec![FULL.into()], vec![], vec![FULL.into()]], "s3:GetObject", "*", &[], ImplicitDeny);
    let e = evaluate(
        &levels(&c),
        &Request { action: c.action.into(), resource: "*".into(), context: Context::new() },
        None,
    );
    assert_eq!(e.no_allow_at.as_deref(), Some("level 1"));
}
