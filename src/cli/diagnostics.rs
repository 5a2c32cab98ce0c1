//! Renders diagnostics for people (source snippet, label, hint, via miette) or as JSON.

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::escape::{for_terminal, same_length};
use crate::source::text::Sources;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;

/// A diagnostic with its source text, in the shape miette renders.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diagnostic)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code in brackets on the message line (as cargo's `error[E0308]`), not on a line of
        // its own above it.
        let message = for_terminal(&self.diagnostic.message);
        let code = self.diagnostic.code;
        match self.diagnostic.subject() {
            Some(subject) => write!(f, "[{code}] {}: {message}", for_terminal(&subject)),
            None => write!(f, "[{code}] {message}"),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help.as_ref().map(|h| Box::new(for_terminal(h)) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.diagnostic.location.as_ref()?;
        self.source.as_ref()?;
        let label = self
            .diagnostic
            .property
            .clone()
            .or_else(|| self.diagnostic.logical_id.clone())
            .map(|l| for_terminal(&l).into_owned());
        Some(Box::new(std::iter::once(LabeledSpan::new(label, loc.offset, loc.len.max(1)))))
    }
}

/// Renders every diagnostic for a terminal (or plain text when colors are off).
pub fn render(diags: &Diagnostics, sources: &Sources) -> String {
    let theme =
        if console::colors_enabled_stderr() { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Names (regions, ARNs, policy names) are never split at their hyphens when a line wraps.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for d in &diags.0 {
        // A diagnostic of a later stage (a template while planning) names a file that was read
        // when the input was loaded; it is read again to show the snippet.
        let source = d.location.as_ref().and_then(|loc| {
            let (path, text) = match sources.find(&loc.file) {
                Some(f) => (f.path.clone(), f.text.clone()),
                None => (loc.file.clone(), crate::source::files::read_regular(&loc.file).ok()?),
            };
            let name = for_terminal(&path.display().to_string()).into_owned();
            Some(NamedSource::new(name, same_length(&text).into_owned()).with_language("yaml"))
        });
        let report = Report { diagnostic: d, source };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}\n", for_terminal(&report.diagnostic.to_string())));
        }
        out.push('\n');
    }
    out
}

/// Diagnostics as JSON, for `--json`.
pub fn to_json(diags: &Diagnostics) -> serde_json::Value {
    serde_json::to_value(&diags.0).unwrap_or_default()
}
