//! orgctl's SCP evaluator against an independent one: `@cloud-copilot/iam-simulate` (npm,
//! installed into `tests/crosscheck/node_modules` by `scripts/test.sh`) decides the same
//! generated cases — policy sets over one to three levels, with wildcards, NotAction,
//! NotResource, condition operators of every family, policy variables and multivalued keys,
//! and requests in several regions by several principals — and every decision must agree.
//!
//! Where AWS's documentation and the other evaluator part, the simulator is given the case in
//! a form AWS decides alike ([`for_the_simulator`]), each rule naming the page that decides:
//! - epoch dates: AWS takes epoch (UNIX) time in seconds
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>);
//!   iam-simulate 0.1.173 compares an epoch value in seconds with ISO dates in milliseconds,
//!   so the simulator gets the same instant in ISO 8601;
//! - policy variables under ARN operators: AWS substitutes them in ARN condition values
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>);
//!   iam-simulate 0.1.173 splits the ARN at `:` first, inside `${aws:PrincipalAccount}`, so the
//!   simulator gets the value substituted.
//!
//! KMS keys are not asked about: KMS needs a key policy besides the SCPs, which the cases
//! do not model.

use orgctl::policy::document::statements;
use orgctl::policy::{evaluate, Attached, Decision, Level, Request};
use serde_json::{json, Value};
use std::path::Path;

/// How many cases are generated (some the simulator refuses as invalid requests).
const CASES: usize = 1500;

/// A small deterministic generator (xorshift64*): the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ACCOUNT: &str = "222222222222";
const REGIONS: [&str; 5] = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1", "sa-east-1"];
const PRINCIPALS: [&str; 4] = [
    "arn:aws:iam::222222222222:role/Dev",
    "arn:aws:iam::222222222222:role/Admin-ops",
    "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
    "arn:aws:iam::222222222222:user/alice",
];

/// Actions asked about, each with a resource of a type it takes (`{r}`: the region).
const REQUESTS: [(&str, &str); 13] = [
    ("s3:GetObject", "arn:aws:s3:::bucket/key"),
    ("s3:PutObject", "arn:aws:s3:::bucket/key"),
    ("s3:ListBucket", "arn:aws:s3:::bucket"),
    ("ec2:TerminateInstances", "arn:aws:ec2:{r}:222222222222:instance/i-0123456789"),
    ("ec2:StartInstances", "arn:aws:ec2:{r}:222222222222:instance/i-0123456789"),
    ("iam:CreateUser", "arn:aws:iam::222222222222:user/bob"),
    ("iam:DeleteRole", "arn:aws:iam::222222222222:role/Admin-ops"),
    ("organizations:LeaveOrganization", "*"),
    ("sts:AssumeRole", "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"),
    ("cloudformation:CreateStack", "arn:aws:cloudformation:{r}:222222222222:stack/base/1"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:{r}:222222222222:table/orders"),
    ("sqs:SendMessage", "arn:aws:sqs:{r}:222222222222:queue"),
    ("lambda:InvokeFunction", "arn:aws:lambda:{r}:222222222222:function:f"),
];

const ACTION_PATTERNS: [&str; 16] = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:*Object",
    "S3:getobject",
    "ec2:*",
    "ec2:*Instances",
    "iam:*",
    "iam:Create*",
    "organizations:LeaveOrganization",
    "sts:AssumeRole",
    "sts:*",
    "cloudformation:*",
    "kms:*",
    "lambda:Invoke?unction",
    "sqs:Send*",
];

const RESOURCE_PATTERNS: [&str; 6] = [
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::other/*",
    "arn:aws:iam::*:role/Admin*",
    "arn:aws:iam::*:role/OrganizationAccountAccessRole",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:*:eu-*:*:*",
];

/// Conditions (operator, key, values), one family each: strings, ARNs with policy variables,
/// booleans, Null, dates in three forms, numbers, IP addresses, multivalued keys.
fn condition(rng: &mut Rng) -> (String, String, Value) {
    let c: (&str, &str, Value) = match rng.below(22) {
        0 => ("StringNotEquals", "aws:RequestedRegion", json!(["eu-west-1", "us-east-1"])),
        1 => ("StringEquals", "aws:RequestedRegion", json!("ap-south-1")),
        2 => ("StringLike", "aws:RequestedRegion", json!("eu-*")),
        3 => ("StringNotEqualsIgnoreCase", "aws:RequestedRegion", json!(["EU-WEST-1"])),
        4 => (
            "ArnNotLike",
            "aws:PrincipalArn",
            json!(["arn:aws:iam::*:role/Admin*", "arn:aws:iam::*:role/OrganizationAccountAccessRole"]),
        ),
        5 => ("ArnLike", "aws:PrincipalArn", json!("arn:aws:iam::${aws:PrincipalAccount}:role/Admin-*")),
        6 => ("StringEquals", "aws:PrincipalAccount", json!(ACCOUNT)),
        7 => ("StringNotEquals", "aws:PrincipalTag/team", json!("platform")),
        8 => ("StringEquals", "aws:PrincipalTag/team", json!("${aws:PrincipalTag/owner}")),
        9 => ("Bool", "aws:SecureTransport", json!("false")),
        10 => ("BoolIfExists", "aws:SecureTransport", json!("false")),
        11 => ("Null", "aws:PrincipalTag/team", json!("true")),
        12 => ("DateGreaterThan", "aws:CurrentTime", json!("2026-01-01")),
        13 => ("DateLessThan", "aws:CurrentTime", json!("2026-06-01T00:00:00Z")),
        14 => ("DateGreaterThanEquals", "aws:CurrentTime", json!("1767225600")),
        15 => ("NumericGreaterThan", "aws:MultiFactorAuthAge", json!("3600")),
        16 => ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", json!("600")),
        17 => ("IpAddress", "aws:SourceIp", json!("10.0.0.0/8")),
        18 => ("NotIpAddress", "aws:SourceIp", json!(["10.0.0.0/8", "192.168.0.0/16"])),
        19 => ("ForAnyValue:StringEquals", "aws:TagKeys", json!(["secret", "owner"])),
        20 => ("ForAllValues:StringLike", "aws:TagKeys", json!(["team*", "owner"])),
        _ => ("StringLike", "aws:PrincipalArn", json!("arn:aws:iam::*:user/*")),
    };
    (c.0.to_string(), c.1.to_string(), c.2)
}

fn one_or_list(rng: &mut Rng, pool: &[&str]) -> Value {
    match rng.below(3) {
        0 => json!(rng.pick(pool)),
        n => Value::Array((0..=n).map(|_| json!(rng.pick(pool))).collect()),
    }
}

fn statement(rng: &mut Rng) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(if rng.chance(60) { "Deny" } else { "Allow" }));
    let actions = one_or_list(rng, &ACTION_PATTERNS);
    s.insert(if rng.chance(20) { "NotAction" } else { "Action" }.into(), actions);
    if rng.chance(35) {
        let resources = one_or_list(rng, &RESOURCE_PATTERNS);
        s.insert(if rng.chance(25) { "NotResource" } else { "Resource" }.into(), resources);
    } else {
        s.insert("Resource".into(), json!("*"));
    }
    if rng.chance(65) {
        let mut block = serde_json::Map::new();
        for _ in 0..=rng.below(2) {
            let (operator, key, values) = condition(rng);
            let entry = block.entry(operator).or_insert_with(|| json!({}));
            entry[key] = values;
        }
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One to three levels, root first; most hold FullAWSAccess, some an allow-list instead.
fn levels(rng: &mut Rng) -> Vec<Vec<Value>> {
    let full = policy(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]);
    (0..1 + rng.below(3))
        .map(|_| {
            let mut level = Vec::new();
            if rng.chance(80) {
                level.push(full.clone());
            }
            for _ in 0..rng.below(3) {
                level.push(policy((0..1 + rng.below(2)).map(|_| statement(rng)).collect()));
            }
            level
        })
        .collect()
}

/// The request's context: the keys a request always carries, and others present or not.
fn context(rng: &mut Rng, principal: &str, region: &str) -> serde_json::Map<String, Value> {
    let mut c = serde_json::Map::new();
    c.insert("aws:RequestedRegion".into(), json!(region));
    c.insert("aws:PrincipalArn".into(), json!(principal));
    c.insert("aws:PrincipalAccount".into(), json!(ACCOUNT));
    c.insert("aws:CurrentTime".into(), json!(rng.pick(&["2026-03-15T12:00:00Z", "2025-12-01T00:00:00Z"])));
    if rng.chance(70) {
        c.insert("aws:SecureTransport".into(), json!(rng.pick(&["true", "false"])));
    }
    if rng.chance(70) {
        c.insert("aws:SourceIp".into(), json!(rng.pick(&["10.1.2.3", "192.168.1.1", "203.0.113.9"])));
    }
    if rng.chance(50) {
        c.insert("aws:MultiFactorAuthAge".into(), json!(rng.pick(&["100", "7200"])));
    }
    if rng.chance(60) {
        c.insert("aws:PrincipalTag/team".into(), json!(rng.pick(&["platform", "dev"])));
    }
    if rng.chance(40) {
        c.insert("aws:PrincipalTag/owner".into(), json!(rng.pick(&["platform", "ops"])));
    }
    if rng.chance(40) {
        let keys = [["owner"].as_slice(), &["team-a", "owner"], &["secret", "team-b"]];
        c.insert("aws:TagKeys".into(), json!(rng.pick(&keys)));
    }
    c
}

fn case(rng: &mut Rng) -> Value {
    let (action, resource) = *rng.pick(&REQUESTS);
    let region = *rng.pick(&REGIONS);
    let principal = *rng.pick(&PRINCIPALS);
    json!({
        "scps": levels(rng),
        "action": action,
        "resource": resource.replace("{r}", region),
        "principal": principal,
        "context": context(rng, principal, region),
    })
}

/// orgctl's decision for a generated case.
fn orgctl_decides(case: &Value) -> &'static str {
    let levels: Vec<Level> = case["scps"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, level)| Level {
            label: format!("level {i}"),
            policies: level
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(j, document)| Attached {
                    name: format!("scp-{i}-{j}"),
                    id: format!("p-{i}{j}"),
                    statements: statements(&document.to_string()).expect("a generated policy reads"),
                    location: None,
                })
                .collect(),
        })
        .collect();
    let context = case["context"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let values = match value {
                Value::Array(list) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                other => vec![other.as_str().unwrap_or_default().to_string()],
            };
            (key.to_lowercase(), values)
        })
        .collect();
    let request = Request {
        action: case["action"].as_str().unwrap_or_default().to_string(),
        resource: case["resource"].as_str().unwrap_or_default().to_string(),
        context,
    };
    match evaluate(&levels, &request, None).decision {
        Decision::Allowed | Decision::NotRestricted => "Allowed",
        Decision::ExplicitDeny => "ExplicitlyDenied",
        Decision::ImplicitDeny => "ImplicitlyDenied",
    }
}

/// An epoch date value (seconds) as the same instant in ISO 8601.
fn epoch_as_iso(value: &str) -> Option<String> {
    let seconds: i64 = value.parse().ok()?;
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60))
}

/// The case as the simulator is given it: the same decision on AWS, in the forms the module
/// doc lists (epoch dates in ISO 8601; variables under ARN operators substituted).
fn for_the_simulator(case: &Value) -> Value {
    let mut case = case.clone();
    let account = case["context"]["aws:PrincipalAccount"].as_str().unwrap_or_default().to_string();
    let conditions = case["scps"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array_mut)
        .flatten()
        .filter_map(|policy| policy["Statement"].as_array_mut())
        .flatten()
        .filter_map(|statement| statement.get_mut("Condition").and_then(Value::as_object_mut));
    for block in conditions {
        for (operator, keys) in block.iter_mut() {
            let values = keys.as_object_mut().into_iter().flat_map(|k| k.values_mut()).flat_map(|v| match v {
                Value::Array(list) => list.iter_mut().collect::<Vec<_>>(),
                one => vec![one],
            });
            for value in values {
                let Some(text) = value.as_str() else { continue };
                if operator.starts_with("Date") {
                    if let Some(iso) = epoch_as_iso(text) {
                        *value = json!(iso);
                    }
                } else if operator.starts_with("Arn") {
                    *value = json!(text.replace("${aws:PrincipalAccount}", &account));
                }
            }
        }
    }
    case
}

#[test]
fn the_simulator_gets_epoch_dates_as_the_same_instant() {
    assert_eq!(epoch_as_iso("1767225600").as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(epoch_as_iso("951782400").as_deref(), Some("2000-02-29T00:00:00Z"));
    assert_eq!(epoch_as_iso("2026-01-01"), None);
}

#[test]
fn orgctl_decides_as_an_independent_evaluator_on_generated_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crosscheck");
    assert!(
        dir.join("node_modules/@cloud-copilot/iam-simulate").is_dir(),
        "@cloud-copilot/iam-simulate is not installed: run scripts/test.sh (npm ci --prefix tests/crosscheck)"
    );
    let mut rng = Rng(0x5eed_2026_1202_0001);
    let cases: Vec<Value> = (0..CASES).map(|_| case(&mut rng)).collect();
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let given: Vec<Value> = cases.iter().map(for_the_simulator).collect();
    std::fs::write(file.path(), serde_json::to_vec(&given).expect("cases as JSON")).expect("write cases");
    let out = std::process::Command::new("node")
        .arg(dir.join("simulate.mjs"))
        .arg(file.path())
        .current_dir(&dir)
        .output()
        .expect("node runs (scripts/test.sh needs Node.js for this test)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: Vec<String> = serde_json::from_slice(&out.stdout).expect("the simulator's decisions");
    assert_eq!(theirs.len(), cases.len());

    let mut compared = 0;
    let mut refused = Vec::new();
    let mut disagreements = Vec::new();
    for (case, their) in cases.iter().zip(&theirs) {
        if their.starts_with("error") {
            refused.push(their.clone());
            continue;
        }
        compared += 1;
        let ours = orgctl_decides(case);
        if ours != their {
            disagreements.push(format!("orgctl {ours}, iam-simulate {their}: {case}"));
        }
    }
    let count = |decision: &str| theirs.iter().filter(|t| *t == decision).count();
    let (allowed, explicit, implicit) = (count("Allowed"), count("ExplicitlyDenied"), count("ImplicitlyDenied"));
    println!(
        "{compared} of {CASES} cases compared ({} refused by the simulator as invalid): \
         {allowed} allowed, {explicit} denied explicitly, {implicit} implicitly",
        refused.len()
    );
    // Cases that all go one way would test little.
    assert!(allowed.min(explicit).min(implicit) > CASES / 10, "{allowed} / {explicit} / {implicit}");
    assert!(
        compared >= CASES * 9 / 10,
        "the simulator refused {} of {CASES} cases, e.g. {:?}",
        refused.len(),
        refused.first()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {compared} decisions differ:\n{}",
        disagreements.len(),
        disagreements.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}
