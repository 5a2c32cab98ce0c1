//! Value formats AWS documents and enforces, checked before any API call so that a plan never
//! shows a change that AWS would refuse halfway through an apply.

use crate::model::Tags;

/// A root email AWS Organizations accepts: 6 to 64 ASCII characters, a dot-atom local part
/// (letters, digits and ``!#$%&'*+/=?^_`{|}~-``, dots only between them) and a domain name of
/// letters, digits and hyphens with at least two labels. No quoted local parts, no IP literals,
/// no internationalized addresses: AWS refuses them.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dot_atom = |s: &str, ok: &dyn Fn(char) -> bool| {
        !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.chars().all(ok))
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok =
        domain.rsplit('.').next().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    (6..=64).contains(&email.len())
        && dot_atom(local, &atext)
        && domain.contains('.')
        && domain.split('.').all(label)
        && tld_ok
}

/// An account name AWS accepts: 1 to 50 printable ASCII characters (CreateAccount's
/// `AccountName` pattern is `[\u0020-\u007E]+`).
pub fn valid_account_name(name: &str) -> bool {
    (1..=50).contains(&name.len()) && name.chars().all(|c| (' '..='~').contains(&c))
}

/// Tags AWS Organizations accepts on one resource, the ownership tag orgctl adds included.
pub const MAX_TAGS: usize = 50;

/// What is wrong with a set of tags, if anything: count, key and value lengths, characters, and
/// the reserved `aws:` prefix (AWS Organizations' TagResource rules).
pub fn tag_problem(tags: &Tags) -> Option<String> {
    let user = tags.keys().filter(|k| !k.starts_with("orgctl:")).count();
    if user >= MAX_TAGS {
        return Some(format!(
            "{user} tags: AWS allows {MAX_TAGS} per resource and orgctl adds its ownership tag, so at most {}",
            MAX_TAGS - 1
        ));
    }
    // `\p{L}\p{Z}\p{N}_.:/=+\-@`: letters, separators (spaces, not tabs or newlines), numbers.
    let allowed = |c: char| c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c);
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 {
            return Some(format!("tag key '{key}' must be 1 to 128 characters"));
        }
        if value.chars().count() > 256 {
            return Some(format!("the value of tag '{key}' is longer than 256 characters"));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Some(format!("tag key '{key}' uses the prefix 'aws:', which AWS reserves"));
        }
        if let Some(c) = key.chars().chain(value.chars()).find(|c| !allowed(*c)) {
            return Some(format!(
                "tag '{key}' has the character {c:?}; AWS allows letters, digits, spaces and _ . : / = + - @"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_what_aws_accepts() {
        for ok in ["a@example.com", "first.last+tag@sub.example.co", "o'neil@example.org", "x_y-z@e-x.io"] {
            assert!(valid_email(ok), "{ok} should be valid");
        }
        for bad in [
            "ünï@exämple.com",
            "<x>@example.com",
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a@[127.0.0.1]",
            "a@localhost",
            "a b@example.com",
            "a@-example.com",
            "a@example.c0m",
            "\"q\"@example.com",
            "a@b.c",
        ] {
            assert!(!valid_email(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn account_names_are_printable_ascii() {
        assert!(valid_account_name("Prod (eu) #1"));
        assert!(!valid_account_name(""));
        assert!(!valid_account_name("Prød"));
        assert!(!valid_account_name("a\u{1b}[2Jb"));
        assert!(!valid_account_name(&"x".repeat(51)));
    }

    #[test]
    fn tags_follow_aws_rules() {
        let tags = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Tags>();
        assert_eq!(tag_problem(&tags(&[("team", "platform"), ("cost:center", "a/b=c+d-e@f")])), None);
        assert!(tag_problem(&tags(&[("aws:x", "1")])).is_some());
        assert!(tag_problem(&tags(&[("k", "<script>")])).is_some());
        assert!(tag_problem(&tags(&[("k", "a\nb")])).is_some());
        assert!(tag_problem(&tags(&[("k", "${x}")])).is_some());
        assert!(tag_problem(&tags(&[(&"k".repeat(129), "1")])).is_some());
        assert!(tag_problem(&tags(&[("k", &"v".repeat(257))])).is_some());
        let many: Tags = (0..50).map(|i| (format!("k{i}"), "v".to_string())).collect();
        assert!(tag_problem(&many).unwrap().contains("at most 49"));
    }
}
