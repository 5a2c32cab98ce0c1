//! Diagnostics: every problem orgctl finds in its input is one of these, with the file, line,
//! logical id and property it concerns, so that a user can go straight to the offending YAML.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How bad a diagnostic is. Errors stop the command; warnings are printed and the command goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file (1-based line and column, byte offset and length for highlighting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub offset: usize,
    #[serde(skip)]
    pub len: usize,
}

/// One problem found in the input, rendered by the CLI as a source snippet with a hint.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, kebab-case identifier of the rule (used by tests and `--json` consumers).
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    pub logical_id: Option<String>,
    pub property: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            logical_id: None,
            property: None,
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn resource(mut self, logical_id: impl Into<String>) -> Self {
        self.logical_id = Some(logical_id.into());
        self
    }

    pub fn property(mut self, property: impl Into<String>) -> Self {
        self.property = Some(property.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `Logical.Property: ` prefix that names the resource in a one-line rendering.
    pub fn subject(&self) -> Option<String> {
        match (&self.logical_id, &self.property) {
            (Some(id), Some(p)) => Some(format!("{id}.{p}")),
            (Some(id), None) => Some(id.clone()),
            (None, Some(p)) => Some(p.clone()),
            (None, None) => None,
        }
    }
}

/// One-line form: `file:line:col: error[code]: Logical.Property: message`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{}:{}:{}: ", loc.file.display(), loc.line, loc.column)?;
        }
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}]: ", self.code)?;
        if let Some(subject) = self.subject() {
            write!(f, "{subject}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// A set of diagnostics; the input is rejected when any of them is an error.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Sorts by file and line so that the output reads top to bottom.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |d: &Diagnostic| d.location.as_ref().map(|l| (l.file.clone(), l.line, l.column));
            key(a).cmp(&key(b))
        });
    }
}
