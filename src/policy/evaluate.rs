//! AWS's evaluation of service control policies over the hierarchy
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>):
//! an explicit Deny in any SCP that applies wins; otherwise every level from the root down to
//! the account needs an SCP attached at that level that allows the action; else it is denied
//! implicitly. SCPs do not apply to the management account, nor to service-linked roles.
//!
//! Resource control policies are evaluated the same way over the hierarchy of the account that
//! owns the resource (RCPFullAWSAccess is the allow at every level), for the services RCPs cover
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>);
//! they do not apply to resources of the management account nor to service-linked roles. A
//! request is allowed only if both allow it.

use super::condition::{self, Context, Outcome};
use super::document::{Effect, Patterns, Statement};
use super::matching::wildcard;
use serde::Serialize;

/// An SCP attached at one level, read into statements.
#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub id: String,
    pub statements: Vec<Statement>,
    /// Where the file declares it (file, line), when a file is given.
    pub location: Option<(String, usize)>,
}

/// One level of the hierarchy (the root, an OU, the account) with the SCPs attached there.
#[derive(Debug, Clone)]
pub struct Level {
    /// `Root`, `OU Root/Workloads`, `account Production (111111111111)`.
    pub label: String,
    pub policies: Vec<Attached>,
}

/// What is asked: an action on a resource, with the request's context keys.
#[derive(Debug, Clone)]
pub struct Request {
    pub action: String,
    pub resource: String,
    pub context: Context,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    /// A Deny statement matched.
    ExplicitDeny,
    /// Some level has no SCP that allows the action.
    ImplicitDeny,
    /// SCPs do not apply (the management account, a service-linked role).
    NotRestricted,
}

/// A statement that decided, where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Decider {
    /// `SCP` or `RCP`.
    pub policy_type: &'static str,
    pub level: String,
    pub policy: String,
    pub policy_id: String,
    pub statement: String,
    pub effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// The decision and why.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub decision: Decision,
    /// Which policies decided a denial (`SCP` or `RCP`); `SCP` otherwise.
    pub decided_by: &'static str,
    /// The Deny statements that matched; or, when allowed, one allowing statement per level.
    pub deciding: Vec<Decider>,
    /// For an implicit deny: the first level where nothing allows the action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_allow_at: Option<String>,
    /// Why SCPs do not apply, for `NotRestricted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exempt: Option<String>,
    /// Condition operators orgctl does not evaluate (their statements were taken as not matching).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<String>,
}

/// The services whose resources RCPs govern (AWS's list when RCPs were launched, 2024-11).
pub const RCP_SERVICES: [&str; 10] =
    ["s3", "sts", "kms", "sqs", "secretsmanager", "cognito-identity", "ecr", "aoss", "logs", "dynamodb"];

/// Evaluates `request` against the SCPs of `levels` (root first), then, when the SCPs allow it,
/// against the RCPs of `rcp_levels` (empty when RCPs are not enabled). `exempt` says why the
/// policies do not apply (the management account, a service-linked role), if they do not.
pub fn evaluate_all(levels: &[Level], rcp_levels: &[Level], request: &Request, exempt: Option<&str>) -> Explanation {
    let scp = evaluate(levels, request, exempt);
    let service = request.action.split(':').next().unwrap_or_default().to_ascii_lowercase();
    let covered = RCP_SERVICES.contains(&service.as_str()) || request.action == "*";
    if rcp_levels.is_empty() || exempt.is_some() || !covered || !scp.is_allowed() {
        return scp;
    }
    let rcp = evaluate_levels(rcp_levels, request, None, "RCP");
    if !rcp.is_allowed() {
        return rcp;
    }
    let mut both = scp;
    both.deciding.extend(rcp.deciding.into_iter().filter(|d| d.effect == "Allow"));
    both.unsupported.extend(rcp.unsupported);
    both
}

/// Evaluates `request` against the SCPs of `levels` (root first). `exempt` says why SCPs do not
/// apply to the principal, if they do not.
pub fn evaluate(levels: &[Level], request: &Request, exempt: Option<&str>) -> Explanation {
    evaluate_levels(levels, request, exempt, "SCP")
}

impl Explanation {
    pub fn is_allowed(&self) -> bool {
        matches!(self.decision, Decision::Allowed | Decision::NotRestricted)
    }

    /// What decided, in a phrase: the level where nothing allows, the Deny statement that
    /// matched, or else the first statement that allows; `None` when no statement decided.
    pub fn reason(&self) -> Option<String> {
        if let Some(level) = &self.no_allow_at {
            return Some(format!("no {} at {level} allows it", self.decided_by));
        }
        let deny = self.deciding.iter().find(|d| d.effect == "Deny");
        deny.or(self.deciding.first()).map(Decider::describe)
    }
}

impl Decider {
    /// `statement DenyOutside of SCP Regions (org.yml:12)`.
    pub fn describe(&self) -> String {
        let place = match (&self.file, self.line) {
            (Some(f), Some(l)) => format!(" ({f}:{l})"),
            _ => String::new(),
        };
        format!("statement {} of {} {}{place}", self.statement, self.policy_type, self.policy)
    }
}

/// Actions no policy can deny: AWS answers them whatever the policies say.
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>
const NEVER_DENIED: [&str; 1] = ["sts:GetCallerIdentity"];

fn evaluate_levels(levels: &[Level], request: &Request, exempt: Option<&str>, kind: &'static str) -> Explanation {
    let mut unsupported = Vec::new();
    let never_denied = NEVER_DENIED.iter().any(|a| a.eq_ignore_ascii_case(&request.action));
    let exempt = exempt.or(never_denied.then_some("no policy can deny sts:GetCallerIdentity"));
    if let Some(why) = exempt {
        return Explanation {
            decision: Decision::NotRestricted,
            decided_by: kind,
            deciding: Vec::new(),
            no_allow_at: None,
            exempt: Some(why.to_string()),
            unsupported,
        };
    }
    let mut denies = Vec::new();
    let mut allows_per_level = Vec::new();
    for level in levels {
        let mut allow = None;
        for policy in &level.policies {
            for s in &policy.statements {
                if !applies(s, request, &mut unsupported) {
                    continue;
                }
                let decider = || Decider {
                    policy_type: kind,
                    level: level.label.clone(),
                    policy: policy.name.clone(),
                    policy_id: policy.id.clone(),
                    statement: s.sid.clone(),
                    effect: if s.effect == Effect::Allow { "Allow" } else { "Deny" },
                    file: policy.location.as_ref().map(|(f, _)| f.clone()),
                    line: policy.location.as_ref().map(|(_, l)| *l),
                };
                match s.effect {
                    Effect::Deny => denies.push(decider()),
                    Effect::Allow if allow.is_none() => allow = Some(decider()),
                    Effect::Allow => {}
                }
            }
        }
        allows_per_level.push((level.label.clone(), allow));
    }
    unsupported.sort();
    unsupported.dedup();
    if !denies.is_empty() {
        return Explanation {
            decision: Decision::ExplicitDeny,
            decided_by: kind,
            deciding: denies,
            no_allow_at: None,
            exempt: None,
            unsupported,
        };
    }
    if let Some((label, _)) = allows_per_level.iter().find(|(_, a)| a.is_none()) {
        return Explanation {
            decision: Decision::ImplicitDeny,
            decided_by: kind,
            deciding: Vec::new(),
            no_allow_at: Some(label.clone()),
            exempt: None,
            unsupported,
        };
    }
    Explanation {
        decision: Decision::Allowed,
        decided_by: kind,
        deciding: allows_per_level.into_iter().filter_map(|(_, a)| a).collect(),
        no_allow_at: None,
        exempt: None,
        unsupported,
    }
}

/// Whether the statement applies to the request: action, resource and every condition.
fn applies(s: &Statement, request: &Request, unsupported: &mut Vec<String>) -> bool {
    if !matches(&s.actions, &request.action, true) || !matches(&s.resources, &request.resource, false) {
        return false;
    }
    s.conditions.iter().all(|c| match condition::evaluate(c, &request.context) {
        Outcome::True => true,
        Outcome::False => false,
        Outcome::Unsupported(op) => {
            unsupported.push(op);
            false
        }
    })
}

fn matches(patterns: &Patterns, value: &str, ignore_case: bool) -> bool {
    let any = patterns.values.iter().any(|p| wildcard(p, value, ignore_case));
    any != patterns.not
}
