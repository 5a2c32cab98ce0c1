//! Templates named by URL (`Template: s3://bucket/key.yml` or `https://…`), fetched before the
//! task file is read, into a private folder the loader may read. A saved plan holds the
//! templates it deploys, so applying it never fetches them again.

use crate::provider::{Provider, ProviderError};
use crate::tasks::upload::S3Location;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The most a fetched template may hold: CloudFormation's limit for a template in S3.
const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// How long an HTTPS fetch may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The local copies of fetched templates; the folder goes when this is dropped.
pub struct Fetched {
    pub dir: tempfile::TempDir,
    /// URL → local copy.
    pub files: BTreeMap<String, PathBuf>,
}

/// Fetches each of `urls` (S3 through `provider`, as the management account).
pub async fn fetch(urls: &[String], provider: &dyn Provider) -> Result<Fetched, ProviderError> {
    let dir = tempfile::tempdir()
        .map_err(|e| ProviderError::new("FetchFailed", format!("cannot make a folder for fetched templates: {e}")))?;
    let mut files = BTreeMap::new();
    for (n, url) in urls.iter().enumerate() {
        if files.contains_key(url) {
            continue;
        }
        let body = match url.strip_prefix("s3://") {
            Some(_) => {
                let at = S3Location::parse(url).map_err(|e| ProviderError::new("InvalidTemplateUrl", e.to_string()))?;
                provider.get_object(&at.bucket, &at.key).await?
            }
            None => http_get(url).await?,
        };
        if body.len() > MAX_TEMPLATE_BYTES {
            return Err(ProviderError::new(
                "TemplateTooLarge",
                format!("{url} holds {} bytes; CloudFormation takes templates of at most 1 MB", body.len()),
            ));
        }
        // The file keeps the URL's name, so that `.njk`, `.json` and `.yml` read as they should.
        let name = url.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("template.yml");
        let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
        let local = dir.path().join(format!("{n}-{clean}"));
        std::fs::write(&local, &body)
            .map_err(|e| ProviderError::new("FetchFailed", format!("cannot keep {url}: {e}")))?;
        files.insert(url.clone(), local);
    }
    Ok(Fetched { dir, files })
}

/// GET over HTTPS (plain HTTP only to this machine, for tests and local mirrors).
async fn http_get(url: &str) -> Result<Vec<u8>, ProviderError> {
    use http_body_util::{BodyExt, Empty, Limited};
    let failed = |why: String| ProviderError::new("FetchFailed", format!("cannot fetch {url}: {why}"));
    let uri: hyper::Uri = url.parse().map_err(|e| failed(format!("{e}")))?;
    let local = matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if uri.scheme_str() != Some("https") && !local {
        return Err(ProviderError::new(
            "InsecureTemplateUrl",
            format!("{url} is not HTTPS; orgctl fetches templates over HTTPS only"),
        ));
    }
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| failed(format!("no TLS root certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Empty<bytes::Bytes>>(connector);
    let response = tokio::time::timeout(HTTP_TIMEOUT, client.get(uri))
        .await
        .map_err(|_| failed(format!("no answer within {} s", HTTP_TIMEOUT.as_secs())))?
        .map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("the server answered {}", response.status())));
    }
    let body = Limited::new(response.into_body(), MAX_TEMPLATE_BYTES + 1)
        .collect()
        .await
        .map_err(|e| failed(e.to_string()))?;
    Ok(body.to_bytes().to_vec())
}
