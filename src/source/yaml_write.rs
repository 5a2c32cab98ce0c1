//! The YAML orgctl writes (`orgctl import`): serde_yaml's output, with every plain scalar that a
//! YAML 1.1 reader would take for something other than a string quoted.
//!
//! serde_yaml follows YAML 1.2, where `2012-10-17`, `yes`, `on`, `0777` or `1:30` are strings and
//! need no quotes. org-formation reads files with js-yaml, and PyYAML and cfn-lint follow YAML
//! 1.1, where they are a date, booleans and numbers: an SCP's `Version: 2012-10-17` would become
//! `2012-10-17T00:00:00.000Z`. Quoting more than needed is harmless; quoting less is not.

/// `value` as YAML that YAML 1.1 and 1.2 readers read alike.
pub fn to_string(value: &serde_yaml::Value) -> Result<String, serde_yaml::Error> {
    let text = serde_yaml::to_string(value)?;
    Ok(text.lines().map(quote_line).collect::<Vec<_>>().join("\n") + "\n")
}

/// One line of serde_yaml's block output with its plain key and value quoted where YAML 1.1
/// would type them.
fn quote_line(line: &str) -> String {
    let body = line.trim_start();
    let mut out = line[..line.len() - body.len()].to_string();
    let mut rest = body;
    while let Some(after) = rest.strip_prefix("- ") {
        out.push_str("- ");
        rest = after;
    }
    let (key, value) = match split_key(rest) {
        Some((k, v)) => (Some(k), v),
        None => (None, rest),
    };
    if let Some(k) = key {
        out.push_str(&quoted(k));
        out.push(':');
        if !value.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(&quoted(value));
    out
}

/// `key: value` or `key:` of a plain key (not quoted, not a flow collection).
fn split_key(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(['\'', '"', '[', '{', '!', '&', '*', '|', '>']) {
        return None;
    }
    if let Some(key) = text.strip_suffix(':') {
        return (!key.contains(": ")).then_some((key, ""));
    }
    text.split_once(": ")
}

fn quoted(scalar: &str) -> String {
    if is_plain(scalar) && !typed_by_yaml_1_2(scalar) && typed_by_yaml_1_1(scalar) {
        format!("'{scalar}'")
    } else {
        scalar.to_string()
    }
}

/// A plain scalar as serde_yaml writes one: nothing that starts a quoted or block value.
fn is_plain(scalar: &str) -> bool {
    !scalar.is_empty() && !scalar.starts_with(['\'', '"', '|', '>', '!', '&', '*', '[', '{', '#'])
}

/// Whether YAML 1.2's core schema types `s`: serde_yaml writes a string that it would type
/// quoted, so such a plain scalar is a number, a boolean or null, and stays as it is.
fn typed_by_yaml_1_2(s: &str) -> bool {
    const CORE: [&str; 10] = ["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~"];
    CORE.contains(&s) || s.parse::<i64>().is_ok() || s.parse::<f64>().is_ok()
}

/// Whether YAML 1.1's implicit types (bool, null, int, float, timestamp) could take `s`.
fn typed_by_yaml_1_1(s: &str) -> bool {
    const WORDS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true",
        "True", "TRUE", "false", "False", "FALSE",
    ];
    const NULLS: [&str; 4] = ["~", "null", "Null", "NULL"];
    let special = [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"];
    if WORDS.contains(&s) || NULLS.contains(&s) || special.iter().any(|x| s.trim_start_matches(['+', '-']) == *x) {
        return true;
    }
    // Numbers in every base and the sexagesimal form, and timestamps, all start with a digit, a
    // sign or a dot and hold only these characters: quote all such strings.
    let starts = s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    let numberish = |c: char| {
        c.is_ascii_hexdigit()
            || matches!(c, '_' | '.' | ':' | '+' | '-' | 'x' | 'X' | 'o' | 'T' | 't' | 'Z' | 'z' | ' ')
    };
    starts && s.chars().any(|c| c.is_ascii_digit()) && s.chars().all(numberish)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_yaml_1_1_would_type_are_quoted_and_others_left_alone() {
        let value: serde_yaml::Value = serde_yaml::from_str(
            "Version: '2012-10-17'\nflag: 'on'\nmode: '0777'\ntime: '1:30'\nname: Production\nid: '111111111111'\nlist: ['yes', plain]\n'no': 1\ncount: 14\n",
        )
        .unwrap();
        let text = to_string(&value).unwrap();
        for expected in [
            "Version: '2012-10-17'",
            "flag: 'on'",
            "mode: '0777'",
            "time: '1:30'",
            "name: Production",
            "- 'yes'",
            "- plain",
            "'no': 1",
            "count: 14",
        ] {
            assert!(text.contains(expected), "{expected} not in\n{text}");
        }
        let back: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, value, "the same document for a YAML 1.2 reader");
    }
}
