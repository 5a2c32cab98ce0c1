//! Text from files and from the organization, made safe to print on a terminal. An account named
//! `"Prod\e[2K\r+ account ..."` could otherwise erase or forge lines of a plan that a reviewer
//! approves, so every name and value a human output shows passes through here.

use std::borrow::Cow;

/// Characters that can change what a terminal shows: C0 and C1 controls, DEL, and the Unicode
/// bidirectional overrides and isolates ("Trojan Source").
fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every dangerous character written as a visible escape (`\u{1b}`, `\n`).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars().map(|c| if is_dangerous(c) { c.escape_default().to_string() } else { c.to_string() }).collect(),
    )
}

/// Like [`for_terminal`] but keeps line breaks and tabs: for multi-line text that orgctl lays out
/// itself (a policy document, a report).
pub fn lines_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_dangerous(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    text.split('\n').map(|line| for_terminal(line).replace("\\t", "\t")).collect::<Vec<_>>().join("\n").into()
}

/// `text` with every dangerous character replaced by as many `?` as it has bytes, so that byte
/// offsets into it stay valid (for source snippets, whose highlights are byte ranges).
pub fn same_length(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_dangerous(c) && c != '\n' && c != '\t' && c != '\r') {
        return Cow::Borrowed(text);
    }
    text.chars()
        .map(
            |c| {
                if is_dangerous(c) && !matches!(c, '\n' | '\t' | '\r') {
                    "?".repeat(c.len_utf8())
                } else {
                    c.to_string()
                }
            },
        )
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_become_visible() {
        assert_eq!(for_terminal("Prod"), "Prod");
        assert_eq!(for_terminal("a\u{1b}[2Kb\r\n"), "a\\u{1b}[2Kb\\r\\n");
        assert_eq!(for_terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(lines_for_terminal("{\n\t\"a\u{1b}\"\n}"), "{\n\t\"a\\u{1b}\"\n}");
        let s = same_length("é\u{1b}[1m\u{9b}z");
        assert_eq!(s.len(), "é\u{1b}[1m\u{9b}z".len());
        assert!(!s.contains('\u{1b}'));
    }
}
