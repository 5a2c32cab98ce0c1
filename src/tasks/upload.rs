//! What a `copy-to-s3` task uploads and where: the file's bytes (rendered first when the task
//! has a `TemplatingContext`) and the `s3://bucket/key` it names. Planning and applying both
//! read the file through [`content`], so the apply can refuse a file changed since the plan.

use std::path::Path;

/// How a `copy-to-s3` task turns `LocalPath` into the object's bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Packing {
    /// The file as it is.
    AsIs,
    /// The file rendered as a nunjucks template with this context (`TemplatingContext`).
    Templated(serde_json::Value),
    /// The directory (or file) zipped (`ZipBeforePut`).
    Zipped,
}

/// Why a file could not be made into what is uploaded.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    #[error("{} is not a regular file", .0.display())]
    NotAFile(std::path::PathBuf),
    #[error("{} is not UTF-8 text, so it cannot be templated", .0.display())]
    NotText(std::path::PathBuf),
    #[error("{} line {line}: {message}", path.display())]
    Template { path: std::path::PathBuf, line: usize, message: String },
    #[error("cannot zip {}: {reason}", path.display())]
    Zip { path: std::path::PathBuf, reason: String },
}

/// Why a text is not an S3 location orgctl can put an object at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3LocationError {
    #[error("'{0}' is not an s3://bucket/key location")]
    NotS3(String),
    #[error("'{0}' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")]
    Bucket(String),
    #[error("'{0}' names no object key (s3://bucket/key, the key at most 1,024 bytes)")]
    Key(String),
}

/// The bytes to upload from `path`, packed as asked.
pub fn content(path: &Path, packing: &Packing) -> Result<Vec<u8>, UploadError> {
    match packing {
        Packing::AsIs => read(path, None),
        Packing::Templated(context) => read(path, Some(context)),
        Packing::Zipped => zip(path),
    }
}

/// A zip of `path` (a directory's files under their relative names, or one file), made the same
/// from the same files: sorted, with a fixed timestamp, so that its MD5 changes only when they do.
fn zip(path: &Path) -> Result<Vec<u8>, UploadError> {
    use std::io::Write;
    let failed = |e: &dyn std::fmt::Display| UploadError::Zip { path: path.to_path_buf(), reason: e.to_string() };
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    if path.is_dir() {
        let mut pending = vec![path.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).map_err(|e| failed(&e))? {
                let entry = entry.map_err(|e| failed(&e))?;
                let kind = entry.file_type().map_err(|e| failed(&e))?;
                let full = entry.path();
                if kind.is_dir() {
                    pending.push(full);
                } else if kind.is_file() {
                    let name = full.strip_prefix(path).unwrap_or(&full).to_string_lossy().replace('\\', "/");
                    files.push((name, full));
                }
            }
        }
    } else {
        let name = path.file_name().map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned());
        files.push((name, path.to_path_buf()));
    }
    files.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, full) in files {
        let executable = executable(&full);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        writer.start_file(name, options).map_err(|e| failed(&e))?;
        let bytes = std::fs::read(&full).map_err(|e| failed(&e))?;
        writer.write_all(&bytes).map_err(|e| failed(&e))?;
    }
    writer.finish().map(std::io::Cursor::into_inner).map_err(|e| failed(&e))
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(_path: &Path) -> bool {
    false
}

/// The file as it is, or rendered with `templating`.
fn read(file: &Path, templating: Option<&serde_json::Value>) -> Result<Vec<u8>, UploadError> {
    let unreadable = |source| UploadError::Read { path: file.to_path_buf(), source };
    // A FIFO or a device would block or never end: only regular files are read.
    let meta = std::fs::metadata(file).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(UploadError::NotAFile(file.to_path_buf()));
    }
    let bytes = std::fs::read(file).map_err(unreadable)?;
    let Some(context) = templating else { return Ok(bytes) };
    let text = String::from_utf8(bytes).map_err(|_| UploadError::NotText(file.to_path_buf()))?;
    crate::source::templating::render(&text, context).map(String::into_bytes).map_err(|e| UploadError::Template {
        path: file.to_path_buf(),
        line: e.line,
        message: e.message,
    })
}

/// An `s3://bucket/key` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    /// Reads `s3://bucket/key`; the bucket must be a valid S3 bucket name and the key not empty.
    pub fn parse(text: &str) -> Result<S3Location, S3LocationError> {
        let rest = text.strip_prefix("s3://").ok_or_else(|| S3LocationError::NotS3(text.to_string()))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(S3LocationError::Bucket(bucket.to_string()));
        }
        if key.is_empty() || key.len() > 1024 {
            return Err(S3LocationError::Key(text.to_string()));
        }
        Ok(S3Location { bucket: bucket.to_string(), key: key.to_string() })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::md5_hex;

    #[test]
    fn s3_locations_are_checked() {
        let at = S3Location::parse("s3://my-bucket/files/a.txt").unwrap();
        assert_eq!((at.bucket.as_str(), at.key.as_str()), ("my-bucket", "files/a.txt"));
        assert_eq!(S3Location::parse("s3://my-bucket"), Err(S3LocationError::Key("s3://my-bucket".into())));
        assert_eq!(S3Location::parse("s3://My_Bucket/a"), Err(S3LocationError::Bucket("My_Bucket".into())));
        assert_eq!(S3Location::parse("https://x/y"), Err(S3LocationError::NotS3("https://x/y".into())));
    }

    #[test]
    fn a_zip_is_the_same_for_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("index.js"), "exports.handler = 1;").unwrap();
        std::fs::write(dir.path().join("lib/util.js"), "module.exports = 2;").unwrap();
        let first = content(dir.path(), &Packing::Zipped).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("index.js"), "exports.handler = 1;").unwrap();
        assert_eq!(md5_hex(&first), md5_hex(&content(dir.path(), &Packing::Zipped).unwrap()), "rewritten, same bytes");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        assert_eq!(archive.len(), 2);
        assert!(archive.by_name("lib/util.js").is_ok());
        std::fs::write(dir.path().join("lib/util.js"), "module.exports = 3;").unwrap();
        assert_ne!(
            md5_hex(&content(dir.path(), &Packing::Zipped).unwrap()),
            md5_hex(&archive.into_inner().into_inner())
        );
    }
}
