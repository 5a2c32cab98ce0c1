//! Readable, unique logical ids for imported resources: the ownership tag when there is one,
//! else the name in CamelCase with the kind as suffix (`Production` → `ProductionAccount`).

use crate::model::{Tags, OWNER_TAG};
use std::collections::{BTreeMap, HashSet};

#[derive(Default)]
pub struct LogicalIds {
    by_aws_id: BTreeMap<String, String>,
    taken: HashSet<String>,
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

impl LogicalIds {
    /// A logical id not used yet, built from `name` and `suffix`.
    pub fn fresh(&mut self, name: &str, suffix: &str) -> String {
        let mut base = camel(name);
        if base.is_empty() {
            base = "Resource".into();
        }
        if !base.ends_with(suffix) {
            base.push_str(suffix);
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// Gives `aws_id` its logical id: the ownership tag if valid and free, else a fresh one.
    pub fn assign(&mut self, aws_id: &str, tags: Option<&Tags>, name: &str, suffix: &str) -> String {
        if let Some(lid) = self.by_aws_id.get(aws_id) {
            return lid.clone();
        }
        let owned = tags.and_then(|t| t.get(OWNER_TAG)).filter(|lid| {
            !lid.is_empty() && lid.chars().all(|c| c.is_ascii_alphanumeric()) && !self.taken.contains(*lid)
        });
        let lid = match owned {
            Some(lid) => {
                self.taken.insert(lid.clone());
                lid.clone()
            }
            None => self.fresh(name, suffix),
        };
        self.by_aws_id.insert(aws_id.to_string(), lid.clone());
        lid
    }

    /// Gives `aws_id` the logical id `lid` (chosen by the user), unless `lid` is taken.
    pub fn reserve(&mut self, aws_id: &str, lid: &str) -> bool {
        if self.taken.contains(lid) || self.by_aws_id.contains_key(aws_id) {
            return false;
        }
        self.taken.insert(lid.to_string());
        self.by_aws_id.insert(aws_id.to_string(), lid.to_string());
        true
    }

    pub fn get(&self, aws_id: &str) -> String {
        self.by_aws_id.get(aws_id).cloned().unwrap_or_default()
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.by_aws_id
    }
}
