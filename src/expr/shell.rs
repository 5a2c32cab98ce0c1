//! Shell command lines built from code and values, so that a value never runs as code: the
//! text a file's author wrote is shell code, and every value a `${}` or a function brings into
//! it is quoted for the shell where it stands (outside quotes, inside `"..."`, inside `'...'`),
//! so the shell hands the program the value byte for byte. Workload tasks' `Custom*Command`s
//! ([`crate::plan::command`]) and `!Cmd` are built with it.

use super::{evaluate, getatt_parts, intrinsic, EvalError, Scope, Text, Value};
use crate::source::sub::SubPart;
use crate::source::yaml::{Node, NodeKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A piece of a command line the file's author wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShellPiece {
    /// Text as written in the file: shell code.
    Code(String),
    /// A value: data, quoted where it stands.
    Value(Text),
}

/// The pieces orgctl makes for a `Custom*Command`'s `CurrentTask.*` (`CurrentTask.Parameters`:
/// ` -c 'k=v'`), by their full name.
pub type CurrentTask = BTreeMap<String, Vec<ShellPiece>>;

/// A `Custom*Command` as written, in pieces: a plain string, and the literal text of a `!Sub`
/// template or of a `!Join`'s strings, are code; every value a `${}` or a function brings in is
/// a value; a `CurrentTask.*` is what orgctl made for it.
pub fn shell_pieces(node: &Node, scope: &mut dyn Scope, current: &CurrentTask) -> Result<Vec<ShellPiece>, EvalError> {
    let value = |v: Value| {
        v.as_text()
            .map(ShellPiece::Value)
            .ok_or_else(|| EvalError::new("expected-string", format!("a command holds text, found {}", v.describe())))
    };
    let Some((function, arg)) = intrinsic(node) else {
        return match &node.kind {
            NodeKind::Scalar { text, .. } => Ok(vec![ShellPiece::Code(text.clone())]),
            _ => Err(EvalError::new("expected-string", "a command is text: a string, a !Sub or a !Join")),
        };
    };
    let named = |name: &str| current.get(name).cloned();
    match function {
        "Sub" => sub_pieces(arg.node, scope, current),
        "Join" => {
            if let NodeKind::Seq(items) = &arg.node.kind {
                if let [delimiter, list] = items.as_slice() {
                    if let (Some(delimiter), NodeKind::Seq(parts)) = (delimiter.as_str(), &list.kind) {
                        let mut pieces = Vec::new();
                        for (i, part) in parts.iter().enumerate() {
                            if i > 0 {
                                pieces.push(ShellPiece::Code(delimiter.to_string()));
                            }
                            pieces.extend(shell_pieces(part, scope, current)?);
                        }
                        return Ok(pieces);
                    }
                }
            }
            Ok(vec![value(evaluate(node, scope)?)?])
        }
        "Ref" => match arg.as_str().and_then(named) {
            Some(pieces) => Ok(pieces),
            None => Ok(vec![value(evaluate(node, scope)?)?]),
        },
        "GetAtt" => match getatt_parts(&arg).and_then(|(n, a)| named(&format!("{n}.{a}"))) {
            Some(pieces) => Ok(pieces),
            None => Ok(vec![value(evaluate(node, scope)?)?]),
        },
        _ => Ok(vec![value(evaluate(node, scope)?)?]),
    }
}

/// `!Sub` in a command: the template's text is code, each `${}` a value.
fn sub_pieces(arg: &Node, scope: &mut dyn Scope, current: &CurrentTask) -> Result<Vec<ShellPiece>, EvalError> {
    let usage = || EvalError::new("bad-intrinsic", "!Sub takes a string or [string, {variables}]");
    let (template, variables) = match &arg.kind {
        NodeKind::Seq(items) if items.len() == 1 => (&items[0], None),
        NodeKind::Seq(items) if items.len() == 2 => (&items[0], Some(&items[1])),
        NodeKind::Seq(_) => return Err(usage()),
        _ => (arg, None),
    };
    let template = template.as_str().ok_or_else(usage)?;
    let mut locals: BTreeMap<String, Text> = BTreeMap::new();
    for (k, node) in variables.map(|v| v.as_map().ok_or_else(usage)).transpose()?.unwrap_or_default() {
        let v = evaluate(node, scope)?;
        let text = v
            .as_text()
            .ok_or_else(|| EvalError::new("expected-string", format!("!Sub variable is {}, not text", v.describe())))?;
        locals.insert(k.as_str().unwrap_or_default().to_string(), text);
    }
    let parts = crate::source::sub::parse(template)
        .map_err(|_| EvalError::new("bad-intrinsic", "!Sub has a `${` without its closing `}`"))?;
    let mut pieces = Vec::new();
    for part in parts {
        match part {
            SubPart::Text(t) => pieces.push(ShellPiece::Code(t.to_string())),
            SubPart::Escaped(e) => pieces.push(ShellPiece::Code(format!("${{{e}}}"))),
            SubPart::Var(var) => {
                if let Some(text) = locals.get(var) {
                    pieces.push(ShellPiece::Value(text.clone()));
                } else if let Some(made) = current.get(var) {
                    pieces.extend(made.iter().cloned());
                } else {
                    let (head, rest) = var.split_once('.').map_or((var, None), |(h, r)| (h, Some(r)));
                    let v = scope.reference(head, rest).ok_or_else(|| scope.unknown_reference(var))??;
                    let text = v.as_text().ok_or_else(|| {
                        EvalError::new(
                            "expected-string",
                            format!("${{{var}}} is {}, which !Sub cannot put in text", v.describe()),
                        )
                    })?;
                    pieces.push(ShellPiece::Value(text));
                }
            }
        }
    }
    Ok(pieces)
}

/// Where a shell is, reading code: outside quotes, inside `'...'`, inside `"..."`; and whether
/// a backslash waits for the character after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Bare,
    Single,
    Double,
}

/// The command line of `pieces`: code as written, each value quoted for where it stands.
pub fn quoted_line<E>(pieces: &[ShellPiece], fill: impl Fn(&Text) -> Result<String, E>) -> Result<String, E> {
    let mut line = String::new();
    let mut quoting = Quoting::Bare;
    let mut escaped = false;
    // Whether the line ends with a `$` the shell would expand with what follows it, or with an
    // unquoted `~` that would make the value a user's home directory.
    let mut open_dollar = false;
    let mut open_tilde = false;
    for piece in pieces {
        match piece {
            ShellPiece::Code(code) => {
                for c in code.chars() {
                    line.push(c);
                    open_dollar = c == '$' && !escaped && quoting != Quoting::Single;
                    open_tilde = c == '~' && !escaped && quoting == Quoting::Bare;
                    if escaped {
                        escaped = false;
                        continue;
                    }
                    quoting = match (quoting, c) {
                        (Quoting::Bare | Quoting::Double, '\\') => {
                            escaped = true;
                            quoting
                        }
                        (Quoting::Bare, '\'') => Quoting::Single,
                        (Quoting::Bare, '"') => Quoting::Double,
                        (Quoting::Single, '\'') | (Quoting::Double, '"') => Quoting::Bare,
                        (q, _) => q,
                    };
                }
            }
            ShellPiece::Value(value) => {
                let value = fill(value)?;
                let after_tilde = std::mem::take(&mut open_tilde);
                if open_dollar {
                    // `$` then the value would be an expansion (`$(...)`, `${...}`, `$NAME`):
                    // the author's `$` is made literal, so the value stays data.
                    line.pop();
                    line.push_str("\\$");
                    open_dollar = false;
                }
                if escaped {
                    // The author's backslash stands before the value: make it a backslash of
                    // its own, so that it cannot escape the quoting the value needs.
                    line.push('\\');
                    escaped = false;
                }
                match quoting {
                    // Quoted in full after a `~`: a quoted character ends the tilde prefix.
                    Quoting::Bare if after_tilde => {
                        line.push_str(&format!("'{}'", value.replace('\0', "").replace('\'', r"'\''")));
                    }
                    Quoting::Bare => line.push_str(&quote_word(&value)),
                    Quoting::Single => line.push_str(&value.replace('\'', r"'\''")),
                    Quoting::Double => {
                        for c in value.chars() {
                            if matches!(c, '$' | '`' | '"' | '\\') {
                                line.push('\\');
                            }
                            line.push(c);
                        }
                    }
                }
            }
        }
    }
    Ok(line)
}

/// One shell word standing for `value` exactly (quoted only when it needs to be). A NUL, which
/// no argument can hold, is dropped: the run then fails on the value the tool did not get
/// rather than on a shell that cuts the line.
pub fn quote_word(value: &str) -> String {
    if value.is_empty() {
        return "''".to_string();
    }
    match shlex::try_quote(value) {
        Ok(q) => q.into_owned(),
        Err(_) => quote_word(&value.replace('\0', "")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const HOSTILE: &str = "a'b\"c $(touch pwned) `touch pwned`; touch pwned\nnext line \\ end";

    fn shell(pieces: Vec<ShellPiece>) -> String {
        quoted_line(&pieces, |t| Ok::<_, ()>(t.shown())).unwrap_or_default()
    }

    /// What `sh` gives `printf '%s\0'` for a line: the arguments the program would receive.
    pub(crate) fn arguments(line: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {line}"))
            .current_dir(std::env::temp_dir())
            .output()
            .expect("sh runs");
        String::from_utf8_lossy(&out.stdout).split('\0').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    #[test]
    fn a_value_is_one_argument_byte_for_byte_wherever_it_stands() {
        let code = |s: &str| ShellPiece::Code(s.to_string());
        let value = || ShellPiece::Value(Text::known(HOSTILE));
        assert_eq!(arguments(&shell(vec![value()])), vec![HOSTILE]);
        assert_eq!(arguments(&shell(vec![code("\"x="), value(), code("\"")])), vec![format!("x={HOSTILE}")]);
        assert_eq!(arguments(&shell(vec![code("'x="), value(), code("'")])), vec![format!("x={HOSTILE}")]);
        assert_eq!(arguments(&shell(vec![code("-c k="), value()])), vec!["-c".to_string(), format!("k={HOSTILE}")]);
        assert_eq!(arguments(&shell(vec![code("\\"), value()])), vec![format!("\\{HOSTILE}")]);
        assert_eq!(arguments(&shell(vec![value(), code(" "), ShellPiece::Value(Text::known(""))])), vec![HOSTILE]);
    }

    /// An author's `$` just before a value does not join it into an expansion: `"$${Cmd}"` with
    /// `(touch pwned)`, or `$${Name}` with `HOME`, hand the tool a `$` and the value as they are.
    #[test]
    fn a_dollar_before_a_value_stays_a_dollar() {
        let code = |s: &str| ShellPiece::Code(s.to_string());
        let known = |s: &str| ShellPiece::Value(Text::known(s));
        let inside = shell(vec![code("\"$"), known("(touch pwned)"), code("\"")]);
        assert_eq!(arguments(&inside), vec!["$(touch pwned)"]);
        assert_eq!(arguments(&shell(vec![code("$"), known("HOME")])), vec!["$HOME"]);
        assert_eq!(arguments(&shell(vec![code("\"$"), known("{HOME}"), code("\"")])), vec!["${HOME}"]);
        // An escaped `$` is already literal, and a `$` inside '...' is never special.
        assert_eq!(arguments(&shell(vec![code("\\$"), known("HOME")])), vec!["$HOME"]);
        assert_eq!(arguments(&shell(vec![code("'$"), known("HOME"), code("'")])), vec!["$HOME"]);
        // Nor does a `~` before a value make it a home directory.
        assert_eq!(arguments(&shell(vec![code("~"), known("root")])), vec!["~root"]);
    }
}
