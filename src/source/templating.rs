//! org-formation's templating: a file with a `TemplatingContext` (or named `*.njk`) is a
//! nunjucks template, rendered before it is read as YAML. minijinja reads nunjucks' syntax for
//! what org-formation's docs show (`{{ value }}`, `{% for %}`, `{% if %}`, filters).
//!
//! A template is input like any other: it sees only its context. The environment has no loader
//! (`{% include %}`, `{% import %}` and `{% extends %}` find nothing, so no file is read) and
//! minijinja has no function that reads files or the process environment; rendering is bounded
//! in work ([`FUEL`]), so a loop over a huge range ends with an error instead of hanging orgctl.

/// Instructions a template may execute: far beyond any real template (a 5,000-account loop with
/// a few lines each uses well under a million), small enough to stop a runaway one in seconds.
const FUEL: u64 = 5_000_000;

/// Why a template did not render, and where.
pub struct TemplatingError {
    pub message: String,
    pub line: usize,
}

/// Renders `text` with `context`.
pub fn render(text: &str, context: &serde_json::Value) -> Result<String, TemplatingError> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    // As org-formation configures nunjucks: a block tag's line leaves no blank line or indent
    // behind, and `| object` writes a value as JSON (YAML reads it back).
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("object", |v: minijinja::Value| serde_json::to_string(&v).unwrap_or_default());
    env.set_fuel(Some(FUEL));
    let failed = |e: minijinja::Error| TemplatingError { message: e.to_string(), line: e.line().unwrap_or(1) };
    let template = env.template_from_str(text).map_err(failed)?;
    template.render(context).map_err(failed)
}

/// Whether `path` is a template by its name (`*.njk`).
pub fn is_template(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "njk")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nunjucks_loops_conditions_and_filters_render() {
        let context = serde_json::json!({"accounts": [{"name": "dev"}, {"name": "prod"}], "prefix": "Acme"});
        let text =
            "{% for a in accounts %}{{ prefix | lower }}-{{ a.name }}{% if not loop.last %},{% endif %}{% endfor %}\n";
        // trim_blocks, as org-formation's nunjucks: the newline after a block tag goes.
        assert_eq!(super::render(text, &context).ok().as_deref(), Some("acme-dev,acme-prod"));
        let missing = super::render("{{ nothing.here }}", &context).err().map(|e| e.line);
        assert_eq!(missing, Some(1), "an undefined value is an error, not empty text");
    }

    /// A template sees its context and nothing else: no file, no environment variable, and a
    /// bounded amount of work.
    #[test]
    fn a_template_reaches_no_file_no_environment_and_ends() {
        let context = serde_json::json!({});
        for reach in [
            "{% include '/etc/passwd' %}",
            "{% import '/etc/passwd' as p %}",
            "{% extends '../../etc/passwd' %}",
            "{{ env.HOME }}",
            "{{ environ }}",
            "{{ lookup('env', 'HOME') }}",
            "{{ self._TemplateReference__context }}",
        ] {
            let rendered = super::render(reach, &context);
            assert!(rendered.is_err(), "{reach} rendered: {:?}", rendered.ok());
        }
        let runaway = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}";
        let stopped = super::render(runaway, &context).err().map(|e| e.message);
        assert!(stopped.is_some_and(|m| m.contains("fuel")), "a runaway template is stopped");
    }
}
