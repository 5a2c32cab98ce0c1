//! What a change of SCPs does: for each account, which actions in which regions go from allowed
//! to denied, or from denied to allowed, evaluated with the live organization before and the
//! file after — over every IAM action (the catalog, [`catalog`]) and every commercial region.
//!
//! Brute force would be 22,000 actions × 34 regions × two evaluations per account. Instead:
//! - accounts are grouped by the policies on their path (before and after): one evaluation per
//!   group, however many accounts share it;
//! - actions are grouped by which statements' `Action`/`NotAction` patterns match them: actions
//!   no pattern tells apart are decided alike, so one stands for its class.
//!
//! Conditions on the region (`aws:RequestedRegion`) and the principal (`aws:PrincipalArn`, taken
//! as an ordinary role of the account) are evaluated; a statement whose decision depends on
//! other condition keys, or on a resource other than `*`, is not guessed: it is reported as a
//! conditional effect with what it depends on.

use super::condition::Context;
use super::document::Statement;
use super::evaluate::{evaluate, evaluate_all, Level, Request};
use super::matching::wildcard;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The AWS commercial regions (the partition `aws`).
pub const COMMERCIAL_REGIONS: [&str; 34] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Condition keys the effect evaluates; any other makes a statement conditional.
const EVALUATED_KEYS: [&str; 2] = ["aws:requestedregion", "aws:principalarn"];

/// Every IAM action (`service:Action`), from `iam-actions.txt` (`scripts/iam-catalog.py`).
pub fn catalog() -> &'static [&'static str] {
    static CATALOG: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        include_str!("iam-actions.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// One account's policies before and after the change.
pub struct Subject {
    /// `Production (111111111111)`.
    pub account: String,
    pub account_id: String,
    pub before: Vec<Level>,
    pub after: Vec<Level>,
    /// RCP levels before and after (empty where RCPs are not used): a request is allowed only
    /// if both the SCPs and the RCPs allow it, for the services RCPs cover.
    pub rcp_before: Vec<Level>,
    pub rcp_after: Vec<Level>,
    /// Where the account is now (`Root/Workloads/Prod`).
    pub place: String,
}

/// Which way a decision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    NewlyDenied,
    NewlyAllowed,
}

/// Actions, regions and the statement that decides, for one way of changing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flip {
    pub direction: Direction,
    /// The actions, summarised: `s3:*`, `ec2:RunInstances`, `every action but iam:*, sts:*`.
    pub actions: Vec<String>,
    /// How many actions of the catalog the change covers.
    pub action_count: usize,
    /// The services the actions belong to (what IAM's access report is read by).
    #[serde(default)]
    pub services: Vec<String>,
    /// The regions, every one listed (rendered with [`regions_shown`]).
    pub regions: Vec<String>,
    /// Where a newly denied service was used in IAM's reporting period (`--access-report`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_use: Vec<ServiceInUse>,
    /// The statement that decides after the change (a Deny newly denying; the Allow newly
    /// allowing), or, for an implicit deny, the level where nothing allows.
    pub decided_by: String,
}

/// A newly denied service that an account used, from IAM's organization access report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServiceInUse {
    pub service: String,
    /// `Production (111111111111)`.
    pub account: String,
    /// Where it was last used, when the report says.
    pub region: Option<String>,
    /// When it was last used (`2026-11-28`).
    pub last_used: String,
}

/// A statement the effect does not decide, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Conditional {
    pub statement: String,
    /// The condition keys it depends on (or `a resource`).
    pub depends_on: Vec<String>,
}

/// What the plan's policy changes do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyEffect {
    /// Groups of accounts with the same effect (an empty list: the change has no effect).
    #[serde(default)]
    pub groups: Vec<GroupEffect>,
    /// What orgctl itself would be denied after the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lockouts: Vec<Lockout>,
}

/// An action orgctl needs in an account, newly denied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lockout {
    pub account: String,
    pub action: String,
    pub region: String,
    pub decided_by: String,
}

/// The effect for the accounts that share it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEffect {
    /// The deepest OU every account of the group is under (`Root/Workloads`).
    #[serde(default)]
    pub under: String,
    pub accounts: Vec<String>,
    pub account_ids: Vec<String>,
    pub flips: Vec<Flip>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<Conditional>,
}

/// The deepest OU path every one of `places` is under (`Root` at least).
fn common_place(places: &[&str]) -> String {
    let mut common: Vec<&str> = places.first().map(|p| p.split('/').collect()).unwrap_or_default();
    for place in places.iter().skip(1) {
        let parts: Vec<&str> = place.split('/').collect();
        let shared = common.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        common.truncate(shared);
    }
    if common.is_empty() {
        "Root".to_string()
    } else {
        common.join("/")
    }
}

/// A principal in the account: an ordinary role, not one an SCP might exempt by name.
fn principal(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:role/orgctl-effect-probe")
}

/// The request the effect asks about: `action` on any resource, in `region`, by `principal`.
fn probe(action: &str, region: &str, principal: &str) -> Request {
    let context: Context = [
        ("aws:requestedregion".to_string(), vec![region.to_string()]),
        ("aws:principalarn".to_string(), vec![principal.to_string()]),
    ]
    .into();
    Request { action: action.to_string(), resource: "*".into(), context }
}

/// Regions as a reader takes them: `every region`, `no region`, or the list.
pub fn regions_shown(regions: &[String]) -> String {
    match regions.len() {
        0 => "no region".to_string(),
        n if n == COMMERCIAL_REGIONS.len() => "every region".to_string(),
        _ => regions.join(", "),
    }
}

/// The services (`ec2`, `s3`) `actions` belong to, each once.
fn services_of(actions: &[&str]) -> Vec<String> {
    let services: BTreeSet<&str> = actions.iter().map(|a| a.split(':').next().unwrap_or_default()).collect();
    services.into_iter().map(str::to_string).collect()
}

/// Whether a statement's decision rests on what the effect evaluates, else what it needs.
fn undecided(s: &Statement) -> Option<Vec<String>> {
    let mut keys: BTreeSet<String> =
        s.conditions.iter().map(|c| c.key.to_lowercase()).filter(|k| !EVALUATED_KEYS.contains(&k.as_str())).collect();
    if s.resources.not || s.resources.values.iter().any(|r| r != "*") {
        keys.insert("a resource".into());
    }
    (!keys.is_empty()).then(|| keys.into_iter().collect())
}

/// The levels with the statements the effect cannot decide taken out (reported instead).
fn decidable(levels: &[Level], conditional: &mut BTreeSet<Conditional>) -> Vec<Level> {
    levels
        .iter()
        .map(|level| Level {
            label: level.label.clone(),
            policies: level
                .policies
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    p.statements.retain(|s| match undecided(s) {
                        Some(depends_on) => {
                            conditional
                                .insert(Conditional { statement: format!("{} of SCP {}", s.sid, p.name), depends_on });
                            false
                        }
                        None => true,
                    });
                    p
                })
                .collect(),
        })
        .collect()
}

/// A fingerprint of the policies on a path: per level, each policy's id (on one side of the
/// change an id names one document: AWS's policy id live, the logical id in the file).
type PathKey = Vec<Vec<String>>;

/// A fingerprint of the policies on a path: what decides, whatever the labels.
fn path_key(levels: &[Level]) -> PathKey {
    levels.iter().map(|l| l.policies.iter().map(|p| p.id.clone()).collect()).collect()
}

/// Whether two paths hold the same statements level by level (then nothing changes).
fn same_statements(a: &[Level], b: &[Level]) -> bool {
    fn statements(l: &Level) -> Vec<&Vec<Statement>> {
        l.policies.iter().map(|p| &p.statements).collect()
    }
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| statements(x) == statements(y))
}

/// The classes of actions the statements of `levels` tell apart: actions no `Action` or
/// `NotAction` pattern distinguishes share a class. Returns the classes, each a list of actions.
fn action_classes<'a>(statements: &[&Statement], actions: &[&'a str]) -> Vec<Vec<&'a str>> {
    // Each distinct pattern once: the same policy on many paths tells nothing more apart.
    let patterns: BTreeSet<&str> = statements.iter().flat_map(|s| &s.actions.values).map(String::as_str).collect();
    let mut classes: HashMap<Vec<bool>, Vec<&'a str>> = HashMap::new();
    for action in actions {
        let signature: Vec<bool> = patterns.iter().map(|p| wildcard(p, action, true)).collect();
        classes.entry(signature).or_default().push(action);
    }
    let mut out: Vec<Vec<&str>> = classes.into_values().collect();
    out.sort();
    out
}

/// How a class of actions reads: whole services as `s3:*`, a few actions by name, or, for a
/// class holding most of the catalog, every action but the services it leaves out.
fn summary(class: &[&str], catalog: &[&str]) -> Vec<String> {
    let mut by_service: BTreeMap<&str, usize> = BTreeMap::new();
    for a in catalog {
        *by_service.entry(a.split(':').next().unwrap_or_default()).or_default() += 1;
    }
    let mut in_class: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in class {
        in_class.entry(a.split(':').next().unwrap_or_default()).or_default().push(a);
    }
    if class.len() * 2 > catalog.len() {
        let left_out: Vec<String> = by_service
            .iter()
            .filter(|(s, n)| in_class.get(*s).map_or(0, Vec::len) < **n)
            .map(|(s, _)| if in_class.contains_key(s) { format!("some of {s}:*") } else { format!("{s}:*") })
            .collect();
        return match left_out.len() {
            0 => vec!["every action".to_string()],
            n if n > 6 => vec![format!("every action but {} and {} more services", left_out[..6].join(", "), n - 6)],
            _ => vec![format!("every action but {}", left_out.join(", "))],
        };
    }
    let mut items: Vec<String> = in_class
        .iter()
        .flat_map(|(service, actions)| {
            if actions.len() == by_service.get(service).copied().unwrap_or(0) {
                vec![format!("{service}:*")]
            } else if actions.len() > 3 {
                vec![format!("{} and {} more {service} actions", actions[..2].join(", "), actions.len() - 2)]
            } else {
                actions.iter().map(|a| a.to_string()).collect()
            }
        })
        .collect();
    if items.len() > 8 {
        let more = items.len() - 8;
        items.truncate(8);
        items.push(format!("and {more} more"));
    }
    items
}

/// The effect of the change on each group of accounts that shares one; groups without any
/// change are left out.
pub fn effect(subjects: &[Subject]) -> Vec<GroupEffect> {
    let catalog = catalog();
    // Accounts with the same policies before and after share one evaluation.
    let mut groups: BTreeMap<(PathKey, PathKey), Vec<&Subject>> = BTreeMap::new();
    for s in subjects {
        let key = |scps: &[Level], rcps: &[Level]| [path_key(scps), path_key(rcps)].concat();
        groups.entry((key(&s.before, &s.rcp_before), key(&s.after, &s.rcp_after))).or_default().push(s);
    }
    // One partition of the catalog for every group: by the patterns of all the statements.
    let all_statements: Vec<&Statement> = subjects
        .iter()
        .flat_map(|s| s.before.iter().chain(&s.after).chain(&s.rcp_before).chain(&s.rcp_after))
        .flat_map(|l| &l.policies)
        .flat_map(|p| &p.statements)
        .collect();
    let classes = action_classes(&all_statements, catalog);
    let mut out: Vec<GroupEffect> = Vec::new();
    for members in groups.into_values() {
        let first = members[0];
        if same_statements(&first.before, &first.after) && same_statements(&first.rcp_before, &first.rcp_after) {
            continue;
        }
        let mut conditional = BTreeSet::new();
        let before = decidable(&first.before, &mut conditional);
        let mut after_conditional = BTreeSet::new();
        let after = decidable(&first.after, &mut after_conditional);
        let rcp_before = decidable(&first.rcp_before, &mut conditional);
        let rcp_after = decidable(&first.rcp_after, &mut after_conditional);
        // Only conditional statements that the change adds, removes or edits concern it.
        let changed_conditional: Vec<Conditional> =
            conditional.symmetric_difference(&after_conditional).cloned().collect();
        let principal = principal(&first.account_id);
        let mut flips: BTreeMap<(Direction, usize, String), BTreeSet<&str>> = BTreeMap::new();
        for (index, class) in classes.iter().enumerate() {
            let Some(action) = class.first() else { continue };
            for region in COMMERCIAL_REGIONS {
                let request = probe(action, region, &principal);
                let was = evaluate_all(&before, &rcp_before, &request, None);
                let now = evaluate_all(&after, &rcp_after, &request, None);
                if was.is_allowed() == now.is_allowed() {
                    continue;
                }
                let direction = if now.is_allowed() { Direction::NewlyAllowed } else { Direction::NewlyDenied };
                let decided_by = now.reason().unwrap_or_else(|| "the policies as they are".to_string());
                flips.entry((direction, index, decided_by)).or_default().insert(region);
            }
        }
        // Classes with the same regions and decider read as one line.
        let mut merged: BTreeMap<(Direction, String, Vec<&str>), Vec<&str>> = BTreeMap::new();
        for ((direction, index, decided_by), regions) in flips {
            let regions: Vec<&str> = regions.into_iter().collect();
            merged.entry((direction, decided_by, regions)).or_default().extend(classes[index].iter().copied());
        }
        let flips: Vec<Flip> = merged
            .into_iter()
            .map(|((direction, decided_by, regions), actions)| Flip {
                direction,
                action_count: actions.len(),
                services: services_of(&actions),
                actions: summary(&actions, catalog),
                regions: regions.iter().map(|r| r.to_string()).collect(),
                in_use: Vec::new(),
                decided_by,
            })
            .collect();
        if flips.is_empty() && changed_conditional.is_empty() {
            continue;
        }
        // Groups with the same effect read as one.
        let places: Vec<&str> = members.iter().map(|m| m.place.as_str()).collect();
        if let Some(same) = out.iter_mut().find(|g| g.flips == flips && g.conditional == changed_conditional) {
            same.accounts.extend(members.iter().map(|m| m.account.clone()));
            same.account_ids.extend(members.iter().map(|m| m.account_id.clone()));
            same.under = common_place(&[same.under.as_str()].into_iter().chain(places).collect::<Vec<_>>());
            continue;
        }
        out.push(GroupEffect {
            under: common_place(&places),
            accounts: members.iter().map(|m| m.account.clone()).collect(),
            account_ids: members.iter().map(|m| m.account_id.clone()).collect(),
            flips,
            conditional: changed_conditional,
        });
    }
    // Accounts by name, whatever order the groups met them in.
    for group in &mut out {
        let mut members: Vec<(String, String)> = group.accounts.drain(..).zip(group.account_ids.drain(..)).collect();
        members.sort();
        (group.accounts, group.account_ids) = members.into_iter().unzip();
    }
    out
}

/// Actions and the regions the policies let an account use them in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRow {
    /// The actions, summarised as in [`Flip::actions`].
    pub actions: Vec<String>,
    pub action_count: usize,
    /// The regions, every one listed (rendered with [`regions_shown`]).
    pub regions: Vec<String>,
}

/// What the SCPs on each path of levels let an ordinary role of an account there do: the
/// catalog's actions by the regions they are allowed in (actions allowed alike read as one row).
/// Statements the effect cannot decide (other condition keys, resources) are left out, as in
/// [`effect`].
pub fn access(paths: &[Vec<Level>], account_id: &str) -> Vec<Vec<AccessRow>> {
    let catalog = catalog();
    let mut ignored = BTreeSet::new();
    let paths: Vec<Vec<Level>> = paths.iter().map(|levels| decidable(levels, &mut ignored)).collect();
    // One partition of the catalog for every path, by the patterns of all their statements.
    let statements: Vec<&Statement> =
        paths.iter().flatten().flat_map(|l| &l.policies).flat_map(|p| &p.statements).collect();
    let classes = action_classes(&statements, catalog);
    let principal = principal(account_id);
    paths.iter().map(|levels| access_on(levels, &classes, &principal, catalog)).collect()
}

fn access_on(levels: &[Level], classes: &[Vec<&str>], principal: &str, catalog: &[&str]) -> Vec<AccessRow> {
    let mut rows: BTreeMap<Vec<&str>, Vec<&str>> = BTreeMap::new();
    for class in classes {
        let Some(action) = class.first() else { continue };
        let allowed: Vec<&str> = COMMERCIAL_REGIONS
            .iter()
            .copied()
            .filter(|region| evaluate(levels, &probe(action, region, principal), None).is_allowed())
            .collect();
        rows.entry(allowed).or_default().extend(class.iter().copied());
    }
    let mut out: Vec<AccessRow> = rows
        .into_iter()
        .map(|(regions, actions)| AccessRow {
            action_count: actions.len(),
            actions: summary(&actions, catalog),
            regions: regions.iter().map(|r| r.to_string()).collect(),
        })
        .collect();
    out.sort_by_key(|row| std::cmp::Reverse(row.action_count));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::evaluate::Attached;

    fn level(label: &str, documents: &[(&str, &str)]) -> Level {
        Level {
            label: label.into(),
            policies: documents
                .iter()
                .map(|(name, doc)| Attached {
                    name: name.to_string(),
                    id: name.to_string(),
                    statements: crate::policy::document::statements(doc).unwrap(),
                    location: None,
                })
                .collect(),
        }
    }

    const FULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn region_deny(regions: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyOutside","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{{"StringNotEquals":{{"aws:RequestedRegion":{regions}}}}}}}]}}"#
        )
    }

    #[test]
    fn narrowing_a_region_allow_list_denies_exactly_the_removed_regions() {
        let before = region_deny(r#"["eu-west-1","eu-central-1","us-east-1"]"#);
        let after = region_deny(r#"["eu-west-1","us-east-1"]"#);
        let subject = Subject {
            account: "Prod".into(),
            account_id: "222222222222".into(),
            before: vec![level("Root", &[("FullAWSAccess", FULL), ("Regions", &before)])],
            after: vec![level("Root", &[("FullAWSAccess", FULL), ("Regions", &after)])],
            rcp_before: Vec::new(),
            rcp_after: Vec::new(),
            place: "Root/Workloads".into(),
        };
        let effect = effect(&[subject]);
        assert_eq!(effect.len(), 1);
        assert_eq!(effect[0].flips.len(), 1, "{:#?}", effect[0].flips);
        let flip = &effect[0].flips[0];
        assert_eq!(flip.direction, Direction::NewlyDenied);
        assert_eq!(flip.regions, ["eu-central-1"]);
        assert!(flip.actions[0].starts_with("every action but"), "{:?}", flip.actions);
        assert!(flip.decided_by.contains("DenyOutside"), "{}", flip.decided_by);
    }

    #[test]
    fn a_reformatted_policy_has_no_effect() {
        let compact = region_deny(r#"["eu-west-1"]"#);
        let split = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;
        let subject = Subject {
            account: "Prod".into(),
            account_id: "222222222222".into(),
            before: vec![level("Root", &[("FullAWSAccess", FULL), ("Regions", &compact)])],
            after: vec![level("Root", &[("FullAWSAccess", FULL), ("Regions", split)])],
            rcp_before: Vec::new(),
            rcp_after: Vec::new(),
            place: "Root/Workloads".into(),
        };
        assert_eq!(effect(&[subject]), Vec::new());
    }

    #[test]
    fn an_rcp_change_shows_what_it_denies_on_the_services_rcps_cover() {
        const RCP_FULL: &str =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let deny_s3 = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoS3Outside","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;
        let scps = vec![level("Root", &[("FullAWSAccess", FULL)])];
        let subject = Subject {
            account: "Prod".into(),
            account_id: "222222222222".into(),
            before: scps.clone(),
            after: scps,
            rcp_before: vec![level("Root", &[("RCPFullAWSAccess", RCP_FULL)])],
            rcp_after: vec![level("Root", &[("RCPFullAWSAccess", RCP_FULL), ("DenyS3", deny_s3)])],
            place: "Root".into(),
        };
        let effect = effect(&[subject]);
        assert_eq!(effect.len(), 1, "{effect:#?}");
        let flip = &effect[0].flips[0];
        assert_eq!((flip.direction, flip.actions.clone()), (Direction::NewlyDenied, vec!["s3:*".to_string()]));
        assert!(!flip.regions.contains(&"eu-west-1".to_string()) && flip.regions.len() == COMMERCIAL_REGIONS.len() - 1);
        assert!(flip.decided_by.contains("NoS3Outside") && flip.decided_by.contains("RCP"), "{}", flip.decided_by);
    }

    #[test]
    fn access_reads_as_the_regions_each_class_of_actions_is_allowed_in() {
        let deny = region_deny(r#"["eu-west-1","us-east-1"]"#);
        let rows =
            access(&[vec![level("Root", &[("FullAWSAccess", FULL), ("Regions", &deny)])]], "222222222222").remove(0);
        assert_eq!(rows[0].regions, ["eu-west-1", "us-east-1"], "{rows:#?}");
        assert!(rows
            .iter()
            .any(|r| r.regions.len() == COMMERCIAL_REGIONS.len() && r.actions.iter().any(|a| a == "iam:*")));
    }

    #[test]
    fn the_catalog_holds_every_service() {
        let catalog = catalog();
        assert!(catalog.len() > 20_000, "{}", catalog.len());
        for action in ["ec2:RunInstances", "s3:GetObject", "sts:AssumeRole", "organizations:LeaveOrganization"] {
            assert!(catalog.contains(&action), "{action}");
        }
    }
}
