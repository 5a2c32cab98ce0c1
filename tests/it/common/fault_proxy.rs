//! A small HTTP proxy in front of moto that misbehaves like a stressed AWS endpoint: every
//! `every`-th request gets a throttling error or a 500 instead of being forwarded, and the first
//! CreateAccount is forwarded but its response is replaced by a 500 (the account exists, the
//! caller does not know). It can also add latency, to make a run last long enough to be killed
//! in the middle. For the benchmarks it applies an AWS latency and quota model instead
//! ([`super::aws_model`]). Loopback only; it stops when dropped.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Default, Debug)]
pub struct Stats {
    pub requests: AtomicUsize,
    pub injected: AtomicUsize,
    pub lost_create_account_responses: AtomicUsize,
}

pub struct FaultProxy {
    pub endpoint: String,
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    upstream: String,
    /// Inject a fault into every n-th request (`None`: never, and no lost response either).
    every: Option<usize>,
    latency: std::time::Duration,
    /// Answer every STS AssumeRole with AccessDenied.
    deny_assume_role: bool,
    /// Throttle every request for this Organizations operation (`CreateOrganizationalUnit`).
    always_throttle: Option<&'static str>,
    model: Option<Arc<super::aws_model::Model>>,
    stats: Arc<Stats>,
    client: Client<HttpConnector, Full<Bytes>>,
}

fn response(status: StatusCode, content_type: &str, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert("content-type", v);
    }
    r
}

/// Throttling in the caller's protocol: JSON for Organizations, XML (query) for IAM and STS.
fn throttled(json_protocol: bool) -> Response<Full<Bytes>> {
    if json_protocol {
        response(
            StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.1",
            r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#,
        )
    } else {
        response(
            StatusCode::BAD_REQUEST,
            "text/xml",
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>",
        )
    }
}

fn server_error() -> Response<Full<Bytes>> {
    response(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "injected by the fault proxy")
}

async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<Full<Bytes>>, Infallible> {
    let n = shared.stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let call = shared.model.as_ref().map(|_| super::aws_model::Call::of(&parts.headers, &body));
    if let (Some(model), Some(call)) = (&shared.model, &call) {
        match model.admit(call) {
            super::aws_model::Verdict::Forward(latency) => tokio::time::sleep(latency).await,
            super::aws_model::Verdict::Answer(latency, answer) => {
                tokio::time::sleep(latency).await;
                return Ok(answer);
            }
        }
    }
    tokio::time::sleep(shared.latency).await;
    if shared.deny_assume_role && String::from_utf8_lossy(&body).contains("Action=AssumeRole") {
        return Ok(response(
            StatusCode::FORBIDDEN,
            "text/xml",
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>",
        ));
    }
    if shared.always_throttle.is_some_and(|op| target.ends_with(&format!(".{op}"))) {
        shared.stats.injected.fetch_add(1, Ordering::SeqCst);
        return Ok(throttled(true));
    }
    if let Some(every) = shared.every.filter(|every| n.is_multiple_of(*every)) {
        shared.stats.injected.fetch_add(1, Ordering::SeqCst);
        return Ok(if (n / every).is_multiple_of(2) { throttled(!target.is_empty()) } else { server_error() });
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let replay = match (&shared.model, &call) {
        (Some(model), Some(call)) => model.replay_key(call, &path, &body),
        _ => None,
    };
    if let (Some((replay, key)), Some(model), Some(call)) = (&replay, &shared.model, &call) {
        if let Some((status, headers, answer)) = replay.answer(key) {
            let mut answer = answer;
            model.observe(call, &body, &mut answer);
            let mut r = Response::new(Full::new(Bytes::from(answer)));
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) =
                    (hyper::header::HeaderName::try_from(k), hyper::header::HeaderValue::try_from(v))
                {
                    r.headers_mut().insert(k, v);
                }
            }
            return Ok(r);
        }
    }
    let uri = format!("{}{}", shared.upstream, path);
    let mut forward = Request::builder().method(parts.method.clone()).uri(uri);
    for (k, v) in &parts.headers {
        forward = forward.header(k, v);
    }
    let Ok(forward) = forward.body(Full::new(body.clone())) else { return Ok(server_error()) };
    let Ok(upstream) = shared.client.request(forward).await else {
        return Ok(response(StatusCode::BAD_GATEWAY, "text/plain", "moto did not answer"));
    };
    let (mut rp, rb) = upstream.into_parts();
    let mut bytes = rb.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    if let (Some(model), Some(call)) = (&shared.model, &call) {
        rp.headers.remove("content-length");
        if let Some((replay, key)) = replay.filter(|_| rp.status.is_success()) {
            let headers = rp
                .headers
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "transfer-encoding" | "connection" | "date"))
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            replay.record(key, rp.status.as_u16(), headers, bytes.to_vec());
        }
        let mut answer = bytes.to_vec();
        model.observe(call, &body, &mut answer);
        bytes = Bytes::from(answer);
    }
    if shared.every.is_some()
        && target.ends_with(".CreateAccount")
        && shared.stats.lost_create_account_responses.fetch_add(1, Ordering::SeqCst) == 0
    {
        return Ok(server_error());
    }
    Ok(Response::from_parts(rp, Full::new(bytes)))
}

/// How the proxy misbehaves.
#[derive(Default)]
struct Behaviour {
    every: Option<usize>,
    latency: std::time::Duration,
    deny_assume_role: bool,
    always_throttle: Option<&'static str>,
    model: Option<Arc<super::aws_model::Model>>,
}

impl FaultProxy {
    /// No faults: AWS's latencies and quotas as `model` describes them.
    pub async fn modelled(upstream: &str, model: Arc<super::aws_model::Model>) -> Self {
        Self::start_with(upstream, Behaviour { model: Some(model), ..Default::default() }).await
    }

    /// Faults on every `every`-th request, and one lost CreateAccount response.
    pub async fn start(upstream: &str, every: usize) -> Self {
        Self::start_with(upstream, Behaviour { every: Some(every), ..Default::default() }).await
    }

    /// No faults, only `latency` before each request is forwarded.
    pub async fn slow(upstream: &str, latency: std::time::Duration) -> Self {
        Self::start_with(upstream, Behaviour { latency, ..Default::default() }).await
    }

    /// Every AssumeRole is denied, as when a member account's role is missing or does not trust us.
    pub async fn denying_assume_role(upstream: &str) -> Self {
        Self::start_with(upstream, Behaviour { deny_assume_role: true, ..Default::default() }).await
    }

    /// Every request for one Organizations operation is throttled, forever.
    pub async fn throttling(upstream: &str, operation: &'static str) -> Self {
        Self::start_with(upstream, Behaviour { always_throttle: Some(operation), ..Default::default() }).await
    }

    async fn start_with(upstream: &str, behaviour: Behaviour) -> Self {
        let Behaviour { every, latency, deny_assume_role, always_throttle, model } = behaviour;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().expect("address").port();
        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            every,
            latency,
            deny_assume_role,
            always_throttle,
            model,
            stats: stats.clone(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, shared.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy { endpoint: format!("http://127.0.0.1:{port}"), stats, task }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
