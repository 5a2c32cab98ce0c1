//! org-formation's own functions and `!FindInMap`'s lookup: pure apart from reading files and
//! running `!Cmd`.

use super::error::EvalError;
use super::text::{Text, Unknown};
use super::value::Value;
use crate::source::files::Confinement;
use crate::source::yaml::Node;
use md5::{Digest, Md5};
use std::path::Path;

/// `!MD5`: the hex digest of text, or of the compact JSON of anything else (as org-formation).
pub fn md5(value: &Value) -> Result<String, EvalError> {
    let input = match value {
        Value::Text(t) => t.as_known().map(str::to_string),
        other => other.known().map(|j| j.to_string()),
    }
    .ok_or_else(|| EvalError::new("unknown-at-plan", "!MD5 of a value known only after apply"))?;
    Ok(Md5::digest(input.as_bytes()).iter().map(|b| format!("{b:02x}")).collect())
}

/// `!JsonString`: JSON text of a value; text is read as JSON first (and so minified).
pub fn json_string(value: &Value, pretty: bool) -> Result<String, EvalError> {
    let json = match value {
        Value::Text(t) => {
            let text = t
                .as_known()
                .ok_or_else(|| EvalError::new("unknown-at-plan", "!JsonString of a value known only after apply"))?;
            serde_json::from_str(text)
                .map_err(|e| EvalError::new("bad-intrinsic", format!("!JsonString: the text is not JSON ({e})")))?
        }
        other => other
            .known()
            .ok_or_else(|| EvalError::new("unknown-at-plan", "!JsonString of a value known only after apply"))?,
    };
    let text = if pretty { serde_json::to_string_pretty(&json) } else { serde_json::to_string(&json) };
    text.map_err(|e| EvalError::new("bad-intrinsic", format!("!JsonString: {e}")))
}

/// `!ReadFile`: a file inside the project, relative to the file that names it.
pub fn read_file(dir: &Path, confinement: &Confinement, relative: &str) -> Result<String, EvalError> {
    let path = dir.join(relative);
    confinement.clone().read(&path).map_err(|e| {
        let (message, help) = e.describe(&path);
        EvalError::new(e.code(), format!("!ReadFile: {message}")).help(help)
    })
}

/// `!Cmd`: the standard output of a shell command run in the file's directory, without its
/// trailing whitespace (as org-formation), when the command line allowed commands
/// ([`crate::source::commands`]); unknown in `validate`, an error otherwise.
pub fn command(dir: &Path, confinement: &Confinement, command: &str) -> Result<Value, EvalError> {
    use crate::source::commands::CommandPolicy;
    let shown = crate::escape::for_terminal(command);
    match confinement.commands().policy {
        CommandPolicy::Refuse => {
            return Err(EvalError::new(
                "command-not-allowed",
                format!("!Cmd `{shown}` was not run: reading a file runs no command unless allowed"),
            )
            .help("review the command, then pass --allow-commands (or set ORGCTL_ALLOW_COMMANDS=1) to run it"))
        }
        CommandPolicy::Defer => return Ok(Value::Text(Text::unknown(Unknown::CommandOutput(command.to_string())))),
        CommandPolicy::Run => {}
    }
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| EvalError::new("command-failed", format!("!Cmd could not start sh: {e}")))?;
    confinement.commands().record(dir, command);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        return Err(EvalError::new(
            "command-failed",
            format!("!Cmd `{shown}` failed ({}): {}", output.status, crate::escape::for_terminal(last)),
        )
        .help("run the command in a shell to see why"));
    }
    Ok(Value::from(String::from_utf8_lossy(&output.stdout).trim_end().to_string()))
}

/// `!FindInMap [map, top, second]` in a `Mappings` section.
pub fn find_in_map<'a>(mappings: &'a Node, keys: &[String]) -> Result<&'a Node, EvalError> {
    let missing = |what: &str, name: &str, within: Option<&Node>| {
        let known: Vec<&str> =
            within.and_then(Node::as_map).unwrap_or_default().iter().filter_map(|(k, _)| k.as_str()).collect();
        EvalError::new("unknown-mapping", format!("!FindInMap: no {what} '{name}'"))
            .help(format!("known: {}", if known.is_empty() { "none".to_string() } else { known.join(", ") }))
    };
    let map = mappings.get(&keys[0]).ok_or_else(|| missing("map", &keys[0], Some(mappings)))?;
    let top = map.get(&keys[1]).ok_or_else(|| missing("key", &keys[1], Some(map)))?;
    top.get(&keys[2]).ok_or_else(|| missing("second-level key", &keys[2], Some(top)))
}

/// A hash of the directory's files (names and content), leaving out `ignored` names or `*`
/// patterns and what tools write there themselves (`node_modules`, `.terraform`, `cdk.out`,
/// `.serverless`, `.git`).
pub fn directory_hash(dir: &Path, ignored: &[String]) -> String {
    const GENERATED: [&str; 5] = ["node_modules", ".terraform", "cdk.out", ".serverless", ".git"];
    let skip = |name: &str| {
        GENERATED.contains(&name)
            || ignored.iter().any(|p| match p.split_once('*') {
                Some((start, end)) => {
                    name.starts_with(start) && name.ends_with(end) && name.len() >= start.len() + end.len()
                }
                None => p == name,
            })
    };
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if skip(&name) {
                continue;
            }
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                Ok(t) if t.is_file() => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    let mut hasher = Md5::new();
    for f in files {
        hasher.update(f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).unwrap_or_default());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
