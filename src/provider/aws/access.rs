//! IAM's organization access report for one account: GenerateOrganizationsAccessReport starts a
//! job from the management account, GetOrganizationsAccessReport is polled until it completes
//! (seconds, as IAM builds it) and then read page by page.

use super::errors::{api_error, required};
use super::AwsProvider;
use crate::model::{EntityPath, ServiceLastUsed};
use crate::provider::{ProviderError, ProviderResult};
use aws_sdk_iam::types::JobStatusType;
use std::time::Duration;

/// How long IAM gets to build one report before orgctl gives up on it.
const REPORT_TIMEOUT: Duration = Duration::from_secs(120);

impl AwsProvider {
    pub(super) async fn organizations_access_report(
        &self,
        entity: &EntityPath,
    ) -> ProviderResult<Vec<ServiceLastUsed>> {
        let iam = &self.clients.iam;
        let job = iam
            .generate_organizations_access_report()
            .entity_path(entity.as_str())
            .send()
            .await
            .map_err(|e| api_error("GenerateOrganizationsAccessReport", e))?;
        let job_id = required(job.job_id(), "access report job id")?;
        let started = std::time::Instant::now();
        let mut wait = Duration::from_millis(200);
        let mut marker: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let page = iam
                .get_organizations_access_report()
                .job_id(&job_id)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| api_error("GetOrganizationsAccessReport", e))?;
            match page.job_status() {
                JobStatusType::Completed => {}
                JobStatusType::Failed => {
                    let why = page.error_details().map(|e| e.message().to_string()).unwrap_or_default();
                    return Err(ProviderError::new("AccessReportFailed", format!("{}: {why}", entity.as_str())));
                }
                _ if started.elapsed() > REPORT_TIMEOUT => {
                    return Err(ProviderError::new(
                        "AccessReportTimeout",
                        format!(
                            "IAM had not finished the access report of {} after {REPORT_TIMEOUT:?}",
                            entity.as_str()
                        ),
                    ));
                }
                _ => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                    continue;
                }
            }
            out.extend(page.access_details().iter().filter_map(|detail| {
                let last = detail.last_authenticated_time()?;
                Some(ServiceLastUsed {
                    service: detail.service_namespace().to_string(),
                    region: detail.region().map(str::to_string),
                    last_used: last.fmt(aws_smithy_types::date_time::Format::DateTime).ok()?,
                })
            }));
            match page.marker().filter(|_| page.is_truncated()) {
                Some(next) => marker = Some(next.to_string()),
                None => return Ok(out),
            }
        }
    }
}
