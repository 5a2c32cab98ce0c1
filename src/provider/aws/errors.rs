//! SDK errors as provider errors: the AWS exception name, a readable message, and whether a
//! retry can help (throttling, concurrent modification, 5xx, network trouble).

use crate::provider::ProviderError;
use aws_sdk_organizations::config::http::HttpResponse;
use aws_sdk_organizations::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Exception names that mean "try again later".
const RETRYABLE_CODES: [&str; 8] = [
    // A new account can take minutes before CloudFormation answers.
    "OptInRequired",
    "SubscriptionRequiredException",
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "ConcurrentModificationException",
    "ServiceException",
    "RequestLimitExceeded",
];

/// Maps any SDK error of operation `operation`.
pub fn api_error<E>(operation: &str, error: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let status = service.raw().status();
            let code = err.code().map_or_else(|| format!("Http{}", status.as_u16()), str::to_string);
            let message = err.message().unwrap_or("no message").to_string();
            let retryable = RETRYABLE_CODES.contains(&code.as_str()) || status.is_server_error();
            ProviderError { code, message: format!("{operation}: {message}"), retryable }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            let mut e =
                ProviderError::retryable("NetworkError", format!("{operation}: {}", DisplayErrorContext(&error)));
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
