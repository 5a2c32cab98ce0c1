//! What a `copy-to-s3` task uploads and where: the file's bytes (rendered first when the task
//! has a `TemplatingContext`) and the `s3://bucket/key` it names. Planning and applying both
//! read the file through [`content`], so the apply can refuse a file changed since the plan.

use md5::{Digest, Md5};
use std::path::Path;

/// The bytes to upload: the file as it is, or rendered with `templating`.
pub fn content(file: &Path, templating: Option<&serde_json::Value>) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let Some(context) = templating else { return Ok(bytes) };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{} is not UTF-8 text, so it cannot be templated", file.display()))?;
    crate::spec::templating::render(&text, context)
        .map(String::into_bytes)
        .map_err(|e| format!("{} line {}: {}", file.display(), e.line, e.message))
}

/// The MD5 of `bytes` in hex: what the plan shows and the apply checks.
pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An `s3://bucket/key` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    /// Reads `s3://bucket/key`; the bucket must be a valid S3 bucket name and the key not empty.
    pub fn parse(text: &str) -> Result<S3Location, String> {
        let rest = text.strip_prefix("s3://").ok_or_else(|| format!("'{text}' is not an s3://bucket/key location"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(format!(
                "'{bucket}' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
            ));
        }
        if key.is_empty() || key.len() > 1024 {
            return Err(format!("'{text}' names no object key (s3://bucket/key, the key at most 1,024 bytes)"));
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

    #[test]
    fn s3_locations_are_checked() {
        let at = S3Location::parse("s3://my-bucket/files/a.txt").unwrap();
        assert_eq!((at.bucket.as_str(), at.key.as_str()), ("my-bucket", "files/a.txt"));
        assert!(S3Location::parse("s3://my-bucket").unwrap_err().contains("no object key"));
        assert!(S3Location::parse("s3://My_Bucket/a").unwrap_err().contains("not an S3 bucket name"));
        assert!(S3Location::parse("https://x/y").is_err());
    }
}
