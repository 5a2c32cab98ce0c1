//! The one parser of `${...}` in `!Sub` templates, used by every evaluator: org files, task
//! files, templates, and the sandbox's emulation of CloudFormation.

/// A piece of a `!Sub` template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubPart<'a> {
    /// Literal text.
    Text(&'a str),
    /// `${name}` (trimmed): a variable.
    Var(&'a str),
    /// `${!text}`: stands for the literal `${text}`.
    Escaped(&'a str),
}

/// A `${` without its `}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated;

/// Splits a template into text, variables and escapes.
pub fn parse(template: &str) -> Result<Vec<SubPart<'_>>, Unterminated> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(SubPart::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or(Unterminated)?;
        let inner = &after[..end];
        parts.push(match inner.strip_prefix('!') {
            Some(literal) => SubPart::Escaped(literal),
            None => SubPart::Var(inner.trim()),
        });
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(SubPart::Text(rest));
    }
    Ok(parts)
}

/// `template` with every variable `lookup` knows replaced by its value, and everything else
/// (unknown variables, escapes, an unterminated `${`) left as written: for text that
/// CloudFormation substitutes next.
pub fn substitute_known(template: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
    let Ok(parts) = parse(template) else { return template.to_string() };
    let mut out = String::with_capacity(template.len());
    for part in parts {
        match part {
            SubPart::Text(t) => out.push_str(t),
            SubPart::Escaped(e) => {
                out.push_str("${!");
                out.push_str(e);
                out.push('}');
            }
            SubPart::Var(v) => match lookup(v) {
                Some(value) => out.push_str(&value),
                None => {
                    out.push_str("${");
                    out.push_str(v);
                    out.push('}');
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_variables_and_escapes() {
        assert_eq!(
            parse("a ${B} ${ C.D } ${!E}f").unwrap(),
            vec![
                SubPart::Text("a "),
                SubPart::Var("B"),
                SubPart::Text(" "),
                SubPart::Var("C.D"),
                SubPart::Text(" "),
                SubPart::Escaped("E"),
                SubPart::Text("f")
            ]
        );
        assert_eq!(parse("x ${open"), Err(Unterminated));
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn only_known_variables_are_replaced() {
        let s = substitute_known("${A}-${B}-${!C}", |v| (v == "A").then(|| "1".to_string()));
        assert_eq!(s, "1-${B}-${!C}");
    }
}
