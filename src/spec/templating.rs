//! org-formation's templating: a file with a `TemplatingContext` (or named `*.njk`) is a
//! nunjucks template, rendered before it is read as YAML. minijinja reads nunjucks' syntax for
//! what org-formation's docs show (`{{ value }}`, `{% for %}`, `{% if %}`, filters).

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
        assert_eq!(super::render(text, &context).ok().as_deref(), Some("acme-dev,acme-prod\n"));
        let missing = super::render("{{ nothing.here }}", &context).err().map(|e| e.line);
        assert_eq!(missing, Some(1), "an undefined value is an error, not empty text");
    }
}
