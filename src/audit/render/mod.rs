//! The report's formats: Markdown for people in a repository, self-contained HTML for people in
//! a browser, JSON for programs, SARIF 2.1.0 for code-scanning tools.

mod html;
mod markdown;
mod sarif;

use super::report::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Html,
    Json,
    Sarif,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Md => markdown::render(report),
        Format::Html => html::render(report),
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        Format::Sarif => serde_json::to_string_pretty(&sarif::render(report)).unwrap_or_default(),
    }
}
