//! IAM's pattern matching: `*` (any run of characters, none included) and `?` (one character),
//! case-insensitive for actions and case-sensitive for resources and most condition values.

/// Whether `text` matches `pattern` with `*` and `?`.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // Actions and most values are ASCII: matched byte by byte, without allocating (the policy
    // effect matches every action of the catalog against every pattern).
    if pattern.is_ascii() && text.is_ascii() {
        let same = |a: u8, b: u8| if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b };
        return glob(pattern.as_bytes(), text.as_bytes(), |p, t| p == b'?' || same(p, t), b'*');
    }
    let fold = |s: &str| if ignore_case { s.to_lowercase() } else { s.to_string() };
    let (p, t): (Vec<char>, Vec<char>) = (fold(pattern).chars().collect(), fold(text).chars().collect());
    glob(&p, &t, |p, t| p == '?' || p == t, '*')
}

/// Glob matching of `t` by `p` with one backtrack point (linear in practice, no recursion):
/// `matches` says whether a pattern item takes a text item; `star` is the run wildcard.
fn glob<T: Copy + PartialEq>(p: &[T], t: &[T], matches: impl Fn(T, T) -> bool, star_item: T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_item && matches(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_item {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_item {
        pi += 1;
    }
    pi == p.len()
}

/// ARN matching (`ArnLike`): each of the six colon-separated parts matched on its own, so that
/// a `*` does not run across parts; the resource part keeps its colons and slashes.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    let parts = |s: &str| -> Option<Vec<String>> {
        let v: Vec<&str> = s.splitn(6, ':').collect();
        (v.len() == 6).then(|| v.into_iter().map(str::to_string).collect())
    };
    match (parts(pattern), parts(arn)) {
        (Some(p), Some(a)) => p.iter().zip(&a).all(|(p, a)| wildcard(p, a, false)),
        _ => wildcard(pattern, arn, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_iam_does() {
        assert!(wildcard("ec2:*", "ec2:RunInstances", true));
        assert!(wildcard("EC2:run*", "ec2:RunInstances", true));
        assert!(!wildcard("ec2:Run?", "ec2:RunInstances", true));
        assert!(wildcard("s3:Get*Acl", "s3:GetObjectAcl", true));
        assert!(!wildcard("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false));
        assert!(wildcard("*", "", false));
        assert!(arn_like("arn:aws:iam::*:role/Admin*", "arn:aws:iam::111111111111:role/AdminOps"));
        assert!(!arn_like("arn:aws:iam::*:role/Admin", "arn:aws:iam::111111111111:role/Admin/x"));
    }
}
