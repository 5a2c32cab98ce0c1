//! SDK errors as provider errors: the AWS exception name, a readable message, and whether
//! orgctl's own retry loop should try again.
//!
//! One retry layer each: the SDK's standard retry already handles throttling, 5xx and network
//! trouble (6 attempts with backoff), so when it gives up the error is final. orgctl retries only
//! what the SDK cannot know is transient: concurrent modification, and a new account's services
//! not ready yet. CreateAccount is sent without SDK retries (a retried CreateAccount can create a
//! second account), so its transient errors go to orgctl's loop, which looks before it resends.

use crate::provider::{ErrorKind, ProviderError};
use aws_sdk_organizations::config::http::HttpResponse;
use aws_sdk_organizations::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Exception names that mean "try again later" and that the SDK does not retry.
const RETRYABLE_BY_ORGCTL: [&str; 3] = [
    "ConcurrentModificationException",
    // A new account can take minutes before CloudFormation answers.
    "OptInRequired",
    "SubscriptionRequiredException",
];

/// Transient exception names the SDK's standard retry handles itself.
const RETRIED_BY_SDK: [&str; 5] =
    ["TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded", "ServiceException"];

/// Maps an SDK error of `operation`, sent with the SDK's retries on.
pub fn api_error<E>(operation: &str, error: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_error(operation, error, true)
}

/// Maps an SDK error of `operation`, sent with the SDK's retries off (CreateAccount).
pub fn api_error_unretried<E>(operation: &str, error: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    map_error(operation, error, false)
}

fn map_error<E>(operation: &str, error: SdkError<E, HttpResponse>, sdk_retried: bool) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let status = service.raw().status();
            let code = err.code().map_or_else(|| format!("Http{}", status.as_u16()), str::to_string);
            let message = match err.message() {
                Some(m) => m.to_string(),
                None if status.is_server_error() => {
                    format!(
                        "the endpoint failed with an internal error (HTTP {}) and said nothing more",
                        status.as_u16()
                    )
                }
                None => format!("refused with HTTP {} and no message", status.as_u16()),
            };
            if let Some(sentence) = setup_problem(operation, &code, status.as_u16(), &message) {
                return sentence;
            }
            let transient = RETRIED_BY_SDK.contains(&code.as_str()) || status.is_server_error();
            let retryable = RETRYABLE_BY_ORGCTL.contains(&code.as_str()) || (transient && !sdk_retried);
            let mut e = ProviderError::new(code, format!("{operation}: {message}"));
            e.retryable = retryable;
            if e.kind == ErrorKind::Other {
                e.kind = ErrorKind::of_status(status.as_u16());
            }
            e
        }
        SdkError::DispatchFailure(_) if unreachable_or_unauthenticated(&error).is_some() => {
            let (code, message) = unreachable_or_unauthenticated(&error).unwrap_or_default();
            ProviderError::new(code, format!("{operation}: {message}"))
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            let mut e = ProviderError::new("NetworkError", format!("{operation}: {}", without_debug(&error)));
            e.retryable = !sdk_retried;
            // A 5xx without a modelled error lands here too.
            if let SdkError::ResponseError(_) = &error {
                e.code = "ResponseError".into();
            }
            e
        }
        SdkError::ConstructionFailure(_) => {
            let text = DisplayErrorContext(&error).to_string();
            let (code, hint) = if text.contains("credentials") || text.contains("Credentials") {
                (
                    "NoCredentials",
                    " (configure credentials: AWS_PROFILE / --profile, environment variables, SSO or an instance role)",
                )
            } else {
                ("RequestNotSent", "")
            };
            ProviderError::new(code, format!("{operation}: {text}{hint}"))
        }
        _ => ProviderError::new("UnknownError", format!("{operation}: {}", DisplayErrorContext(&error))),
    }
}

/// Service errors that are the setup's, not the request's: said as a sentence with the fix.
/// Access denied names the action and who was refused (from AWS's own message when it says);
/// an operation the endpoint does not implement (an emulator) says so instead of "HTTP 500".
fn setup_problem(operation: &str, code: &str, status: u16, message: &str) -> Option<ProviderError> {
    const DENIED: [&str; 4] = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"];
    if DENIED.contains(&code) {
        let action = message
            .split("perform: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map_or_else(|| operation.to_string(), str::to_string);
        let who = message
            .split("User: ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map_or_else(|| "the caller".to_string(), str::to_string);
        return Some(ProviderError::new(
            "AccessDenied",
            format!(
                "{operation}: access denied: {who} may not {action}. Allow {action} in that role's IAM policy (an SCP or permission boundary can also deny it). AWS said: {message}"
            ),
        ));
    }
    let lower = message.to_lowercase();
    let unimplemented = status == 501
        || code == "NotImplemented"
        || lower.contains("not yet implemented")
        || lower.contains("has not been implemented");
    if unimplemented {
        return Some(ProviderError::new(
            "UnsupportedOperation",
            format!("{operation} is not supported by this endpoint (an emulator may not implement it): {message}"),
        ));
    }
    None
}

/// A field AWS always sends (an id, an ARN): missing, it is an error here, at the SDK boundary,
/// never an empty string further in.
pub fn required(value: Option<&str>, what: &str) -> Result<String, ProviderError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(ProviderError::new("IncompleteResponse", format!("AWS's answer has no {what}"))),
    }
}

/// The SDK's error chain as a sentence, without the debug dump it appends.
fn without_debug<E, R>(error: &SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(error).to_string();
    match text
        .find(" (DispatchFailure(")
        .or_else(|| text.find(" (TimeoutError("))
        .or_else(|| text.find(" (ResponseError("))
    {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// Failures that are not the network's fault but the setup's, said plainly with what to do:
/// no credentials, an expired SSO session, an endpoint that cannot be reached.
fn unreachable_or_unauthenticated<E, R>(error: &SdkError<E, R>) -> Option<(&'static str, String)>
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = without_debug(error);
    let lower = text.to_lowercase();
    if lower.contains("no credentials found")
        || lower.contains("credentialsnotloaded")
        || lower.contains("no credentials")
        || lower.contains("while loading credentials")
    {
        return Some((
            "NoCredentials",
            "no AWS credentials were found (environment, profile, SSO, web identity, container and instance roles were tried): pass --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
        ));
    }
    if lower.contains("expired") || lower.contains("sso session") {
        return Some((
            "NoCredentials",
            "the AWS session has expired: run `aws sso login` (or refresh the credentials) and try again".into(),
        ));
    }
    if lower.contains("profile") && (lower.contains("not found") || lower.contains("could not find")) {
        return Some(("NoCredentials", format!("the AWS profile is not configured: {text}")));
    }
    let reason = ["connection refused", "dns error", "timed out", "tcp connect error", "no route to host"]
        .into_iter()
        .find(|r| lower.contains(r))?;
    Some((
        "EndpointUnreachable",
        format!("cannot reach the AWS endpoint ({reason}): check the network, a proxy, or AWS_ENDPOINT_URL"),
    ))
}

#[cfg(test)]
mod tests {
    use super::setup_problem;

    #[test]
    fn access_denied_names_the_action_and_the_role() {
        let aws = "User: arn:aws:sts::111111111111:assumed-role/ReadOnly/orgctl is not authorized to perform: organizations:CreateOrganizationalUnit on resource: arn:aws:organizations::111111111111:root/o-x/r-x";
        let e = setup_problem("CreateOrganizationalUnit", "AccessDeniedException", 400, aws).unwrap();
        assert_eq!(e.code, "AccessDenied");
        assert!(
            e.message.contains(
                "arn:aws:sts::111111111111:assumed-role/ReadOnly/orgctl may not organizations:CreateOrganizationalUnit"
            ),
            "{}",
            e.message
        );
        let bare = setup_problem("ListAccounts", "AccessDenied", 403, "Access Denied").unwrap();
        assert!(bare.message.contains("the caller may not ListAccounts"), "{}", bare.message);
        let missing = setup_problem("PutAccountName", "Http500", 501, "no message").unwrap();
        assert_eq!(missing.code, "UnsupportedOperation");
        assert!(setup_problem("ListAccounts", "TooManyRequestsException", 400, "slow down").is_none());
    }
}
