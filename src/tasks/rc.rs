//! org-formation's runtime configuration, `.org-formationrc`: found in the directory of the
//! task file or one above it (as the `rc` package finds it), `key = value` lines or JSON.
//! orgctl reads `organizationFile` (relative to the rc file) and `profile`.

use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// Where it was found.
    pub path: Option<PathBuf>,
    pub organization_file: Option<PathBuf>,
    pub profile: Option<String>,
}

/// The nearest `.org-formationrc` at or above `start`.
pub fn find(start: &Path) -> RuntimeConfig {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(".org-formationrc");
        if candidate.is_file() {
            let text = std::fs::read_to_string(&candidate).unwrap_or_default();
            return parse(&text, &candidate);
        }
        dir = d.parent();
    }
    RuntimeConfig::default()
}

fn parse(text: &str, path: &Path) -> RuntimeConfig {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut values: Vec<(String, String)> = Vec::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) {
        values.extend(map.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))));
    } else {
        for line in text.lines().map(str::trim) {
            if line.starts_with(['#', ';', '[']) {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                values.push((k.trim().to_string(), v.trim().trim_matches('"').trim_matches('\'').to_string()));
            }
        }
    }
    let get = |key: &str| values.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    RuntimeConfig {
        path: Some(path.to_path_buf()),
        organization_file: get("organizationFile").filter(|f| !f.starts_with("s3://")).map(|f| base.join(f)),
        profile: get("profile"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ini_and_json_forms_name_the_organization_file_relative_to_the_rc_file() {
        let at = std::path::Path::new("/repo/.org-formationrc");
        let ini = super::parse("# comment\norganizationFile = ./org/organization.yml\nprofile = org-master\n", at);
        assert_eq!(ini.organization_file.as_deref(), Some(std::path::Path::new("/repo/./org/organization.yml")));
        assert_eq!(ini.profile.as_deref(), Some("org-master"));
        let json = super::parse(r#"{"organizationFile": "organization.yml"}"#, at);
        assert_eq!(json.organization_file.as_deref(), Some(std::path::Path::new("/repo/organization.yml")));
    }
}
