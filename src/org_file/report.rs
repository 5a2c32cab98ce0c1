//! Collects the diagnostics of the resource-level stages (typing and validation), each located
//! at a span and naming its logical id and property.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::text::{Sources, Span};
use std::collections::HashSet;

pub(super) struct Reporter<'s> {
    pub sources: &'s Sources,
    pub diags: Diagnostics,
    /// Logical ids already reported as broken (an unknown type): references to them are not
    /// reported again, so one mistake gives one error.
    pub broken: HashSet<String>,
}

impl<'s> Reporter<'s> {
    pub fn new(sources: &'s Sources) -> Self {
        Reporter { sources, diags: Diagnostics::default(), broken: HashSet::new() }
    }

    /// Records `d` at `span` for resource `id` (and `property`); returns it to add a hint.
    pub fn report(&mut self, d: Diagnostic, span: Span, id: &str, property: Option<&str>) -> &mut Diagnostic {
        self.diags.push(locate(d, self.sources, span, id, property));
        let last = self.diags.0.len() - 1;
        &mut self.diags.0[last]
    }

    pub fn error(
        &mut self,
        code: &'static str,
        span: Span,
        id: &str,
        property: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.report(Diagnostic::error(code, message), span, id, property)
    }
}

/// `d`, placed at `span` and naming resource (or task) `id` and its `property`.
pub fn locate(d: Diagnostic, sources: &Sources, span: Span, id: &str, property: Option<&str>) -> Diagnostic {
    let d = d.at(Some(sources.location(span))).resource(id);
    match property {
        Some(p) => d.property(p),
        None => d,
    }
}
