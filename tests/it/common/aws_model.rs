//! An AWS latency and quota model for the benchmarks, applied by the proxy in front of moto
//! (moto answers in ~4 ms from one core and never throttles; AWS is slower per call and
//! throttles): each request waits a latency drawn per service, passes a token bucket per
//! (service, calling account[, region]) or gets that service's real throttling error,
//! CreateAccount is limited to a few requests in progress that take seconds to finish, and
//! CloudFormation stack operations take seconds. The parameters live in `benches/aws-model.yml`.
//!
//! The model also says what the least time is for the requests it saw (the floor): the busiest
//! quota's requests at its rate, the account creations at the in-progress limit, a stack
//! operation's duration, plus one latency.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    /// Multiplies every duration and divides every rate, so that a run takes less time with the
    /// same proportions (the ratio of a run to its floor does not change).
    pub time_scale: f64,
    pub management_account: String,
    pub services: BTreeMap<String, ServiceParams>,
    pub create_account: CreateAccountParams,
    pub cloudformation: StackParams,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceParams {
    /// Median latency (lognormal).
    pub latency_ms: f64,
    /// The lognormal's sigma: 0.5 puts the 90th percentile at 1.9× the median.
    pub latency_sigma: f64,
    /// Sustained requests per second per bucket, and the bucket's size.
    pub rate: f64,
    pub burst: f64,
    /// Whose bucket a request takes from: the calling account's, or its region's in that account.
    pub per_region: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CreateAccountParams {
    pub max_in_progress: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StackParams {
    pub seconds: f64,
}

impl Params {
    pub fn load(path: &std::path::Path) -> Params {
        let text = std::fs::read_to_string(path).expect("read the model file");
        serde_yaml::from_str(&text).expect("a valid model file")
    }
}

/// One request as the model sees it.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: String,
    pub region: String,
    pub access_key: String,
    pub operation: String,
}

impl Call {
    /// From the SigV4 credential scope (`Credential=AKID/date/region/service/aws4_request`), the
    /// JSON target header or the query `Action`.
    pub fn of(headers: &hyper::HeaderMap, body: &[u8]) -> Call {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let scope: Vec<&str> = auth
            .split("Credential=")
            .nth(1)
            .unwrap_or_default()
            .split(',')
            .next()
            .unwrap_or_default()
            .split('/')
            .collect();
        let field = |i: usize| scope.get(i).copied().unwrap_or_default().to_string();
        let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let body = String::from_utf8_lossy(body);
        let operation = match target.rsplit_once('.') {
            Some((_, op)) => op.to_string(),
            None => query_value(&body, "Action").unwrap_or_default(),
        };
        Call { service: field(3), region: field(2), access_key: field(0), operation }
    }
}

/// A parameter of a form-encoded body, decoded.
fn query_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Default)]
struct State {
    buckets: HashMap<String, Bucket>,
    /// Access key id → account, learnt from AssumeRole.
    accounts: HashMap<String, String>,
    /// CreateAccount request id → when it finishes.
    creating: HashMap<String, Instant>,
    /// account/region/stack → when its current operation finishes.
    stacks: HashMap<String, Instant>,
    /// Requests let through, per quota bucket; throttled ones; account creations.
    admitted: HashMap<String, usize>,
    throttled: usize,
    creations: usize,
    stack_operations: usize,
}

/// What to do with a request.
pub enum Verdict {
    /// Wait this long, then forward it.
    Forward(Duration),
    /// Answer this instead (throttled, or a service moto lacks), after this long.
    Answer(Duration, hyper::Response<http_body_util::Full<bytes::Bytes>>),
}

pub struct Model {
    params: Params,
    state: Mutex<State>,
    replay: Option<std::sync::Arc<Replay>>,
}

/// Answers to read requests, recorded once and replayed: moto serves about 80 requests a second
/// on this machine, far fewer than AWS, so a benchmark of reads would measure moto. With a
/// replay, a no-change plan is answered from memory (after the model's latency and quotas),
/// and the run measures orgctl under the model. Only reads are recorded (`List*`, `Describe*`,
/// `Get*`, AssumeRole), so nothing that changes moto is skipped.
#[derive(Default)]
pub struct Replay {
    answers: Mutex<HashMap<String, Answer>>,
}

/// A recorded answer: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

impl Replay {
    fn replays(operation: &str) -> bool {
        ["List", "Describe", "Get"].iter().any(|p| operation.starts_with(p)) || operation == "AssumeRole"
    }

    /// The recorded answer to a request, if any.
    pub fn answer(&self, key: &str) -> Option<Answer> {
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    pub fn record(&self, key: String, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) {
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (status, headers, body));
    }
}

/// The floor of a run and what it is made of.
#[derive(Debug, Clone)]
pub struct Floor {
    pub seconds: f64,
    /// The quota that bounds the run, and its requests.
    pub bound_by: String,
    pub requests: usize,
    pub throttled: usize,
}

impl Model {
    pub fn new(params: Params) -> Model {
        Model { params, state: Mutex::new(State::default()), replay: None }
    }

    /// A model whose read answers come from (and go to) `replay`.
    pub fn replaying(params: Params, replay: std::sync::Arc<Replay>) -> Model {
        Model { params, state: Mutex::new(State::default()), replay: Some(replay) }
    }

    /// The replay and the key of this request in it, when the request is a read to replay.
    pub fn replay_key(&self, call: &Call, path: &str, body: &[u8]) -> Option<(&Replay, String)> {
        let replay = self.replay.as_deref()?;
        if !Replay::replays(&call.operation) {
            return None;
        }
        let account = {
            let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.accounts.get(&call.access_key).cloned().unwrap_or_else(|| self.params.management_account.clone())
        };
        let key = format!(
            "{}|{}|{}|{account}|{path}|{}",
            call.service,
            call.operation,
            call.region,
            String::from_utf8_lossy(body)
        );
        Some((replay, key))
    }

    fn scaled(&self, seconds: f64) -> Duration {
        Duration::from_secs_f64((seconds * self.params.time_scale).max(0.0))
    }

    fn service(&self, name: &str) -> Option<&ServiceParams> {
        self.params.services.get(name)
    }

    fn latency(&self, service: &ServiceParams) -> Duration {
        // Box–Muller: a standard normal from two uniforms.
        let (u1, u2) = (fastrand::f64().max(1e-12), fastrand::f64());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        self.scaled(service.latency_ms / 1000.0 * (service.latency_sigma * z).exp())
    }

    fn bucket_key(&self, call: &Call, account: &str, service: &ServiceParams) -> String {
        if service.per_region {
            format!("{}/{account}/{}", call.service, call.region)
        } else {
            format!("{}/{account}", call.service)
        }
    }

    /// Decides on a request before it is forwarded.
    pub fn admit(&self, call: &Call) -> Verdict {
        let Some(service) = self.service(&call.service).cloned() else { return Verdict::Forward(Duration::ZERO) };
        let latency = self.latency(&service);
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let account =
            s.accounts.get(&call.access_key).cloned().unwrap_or_else(|| self.params.management_account.clone());
        let key = self.bucket_key(call, &account, &service);
        let now = Instant::now();
        let rate = service.rate / self.params.time_scale;
        let bucket = s.buckets.entry(key.clone()).or_insert(Bucket { tokens: service.burst, last: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(service.burst);
        bucket.last = now;
        let mut throttle = bucket.tokens < 1.0;
        if !throttle {
            bucket.tokens -= 1.0;
        }
        if !throttle && call.operation == "CreateAccount" {
            s.creating.retain(|_, done| *done > now);
            throttle = s.creating.len() >= self.params.create_account.max_in_progress;
        }
        if throttle {
            s.throttled += 1;
            return Verdict::Answer(latency, throttled(&call.service));
        }
        *s.admitted.entry(key).or_default() += 1;
        if call.service == "support" {
            return Verdict::Answer(latency, basic_support_plan());
        }
        Verdict::Forward(latency)
    }

    /// Learns from a request and its answer, and makes the answer say what AWS would at this
    /// moment: an account creation or a stack operation still in progress.
    pub fn observe(&self, call: &Call, request: &[u8], response: &mut Vec<u8>) {
        let request = String::from_utf8_lossy(request).into_owned();
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let account =
            s.accounts.get(&call.access_key).cloned().unwrap_or_else(|| self.params.management_account.clone());
        match call.operation.as_str() {
            "AssumeRole" => {
                let role = query_value(&request, "RoleArn").unwrap_or_default();
                let assumed = role.split(':').nth(4).unwrap_or_default().to_string();
                let text = String::from_utf8_lossy(response);
                let key = text.split("<AccessKeyId>").nth(1).and_then(|t| t.split('<').next()).unwrap_or_default();
                if !key.is_empty() && !assumed.is_empty() {
                    s.accounts.insert(key.to_string(), assumed);
                }
            }
            "CreateAccount" | "DescribeCreateAccountStatus" | "ListCreateAccountStatus" => {
                let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(response) else { return };
                if call.operation == "CreateAccount" {
                    if let Some(id) = value.pointer("/CreateAccountStatus/Id").and_then(|v| v.as_str()) {
                        s.creating.insert(id.to_string(), now + self.scaled(self.params.create_account.seconds));
                        s.creations += 1;
                    }
                }
                let in_progress = |status: &mut serde_json::Value, s: &State| {
                    let id = status.get("Id").and_then(|v| v.as_str()).unwrap_or_default();
                    if s.creating.get(id).is_some_and(|done| *done > now) {
                        if let Some(o) = status.as_object_mut() {
                            o.insert("State".into(), "IN_PROGRESS".into());
                            o.remove("AccountId");
                            o.remove("CompletedTimestamp");
                        }
                    }
                };
                if let Some(status) = value.get_mut("CreateAccountStatus") {
                    in_progress(status, &s);
                }
                if let Some(list) = value.get_mut("CreateAccountStatuses").and_then(|v| v.as_array_mut()) {
                    list.iter_mut().for_each(|status| in_progress(status, &s));
                }
                *response = serde_json::to_vec(&value).unwrap_or_default();
            }
            "CreateStack" | "UpdateStack" => {
                let stack = query_value(&request, "StackName").unwrap_or_default();
                s.stacks.insert(
                    format!("{account}/{}/{stack}", call.region),
                    now + self.scaled(self.params.cloudformation.seconds),
                );
                s.stack_operations += 1;
            }
            "DescribeStacks" => {
                let stack = query_value(&request, "StackName").unwrap_or_default();
                let key = format!("{account}/{}/{stack}", call.region);
                if s.stacks.get(&key).is_some_and(|done| *done > now) {
                    let text = String::from_utf8_lossy(response)
                        .replace("_COMPLETE</StackStatus>", "_IN_PROGRESS</StackStatus>");
                    *response = text.into_bytes();
                }
            }
            _ => {}
        }
    }

    /// The least time the model allows for the requests it let through.
    pub fn floor(&self) -> Floor {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let scale = self.params.time_scale;
        let mut seconds = 0.0;
        let mut bound_by = String::from("latency");
        let mut requests = 0;
        for (key, n) in &s.admitted {
            requests += n;
            let service = key.split('/').next().unwrap_or_default();
            let Some(p) = self.service(service) else { continue };
            let t = (*n as f64 - p.burst).max(0.0) / p.rate * scale;
            if t > seconds {
                seconds = t;
                bound_by = format!("{key}: {n} requests at {}/s", p.rate / scale);
            }
        }
        let c = &self.params.create_account;
        let creating = (s.creations as f64 / c.max_in_progress as f64).ceil() * c.seconds * scale;
        if creating > seconds {
            seconds = creating;
            bound_by = format!(
                "{} account creations, {} at a time, {:.1} s each",
                s.creations,
                c.max_in_progress,
                c.seconds * scale
            );
        }
        let stacks = if s.stack_operations > 0 { self.params.cloudformation.seconds * scale } else { 0.0 };
        if stacks > seconds {
            seconds = stacks;
            bound_by = "one stack operation".into();
        }
        let one_latency = self.service("organizations").map_or(0.0, |p| p.latency_ms / 1000.0 * scale);
        Floor { seconds: seconds + one_latency, bound_by, requests, throttled: s.throttled }
    }
}

/// What the Support API answers an account on the Basic plan (every new account is): moto has
/// no Support API, and org-formation asks each account for its plan.
fn basic_support_plan() -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let body = r#"{"__type":"SubscriptionRequiredException","message":"AWS Premium Support Subscription is required to use this service."}"#;
    let mut r = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::BAD_REQUEST;
    if let Ok(v) = "application/x-amz-json-1.1".parse() {
        r.headers_mut().insert("content-type", v);
    }
    r
}

/// The throttling error each service answers with, in its protocol.
fn throttled(service: &str) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let (status, content_type, extra, body) = match service {
        "organizations" => (
            400,
            "application/x-amz-json-1.1",
            None,
            r#"{"__type":"TooManyRequestsException","Message":"Rate exceeded"}"#.to_string(),
        ),
        "account" => (
            429,
            "application/json",
            Some("TooManyRequestsException"),
            r#"{"message":"Rate exceeded"}"#.to_string(),
        ),
        "s3" => (503, "application/xml", None, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".to_string()),
        _ => (
            400,
            "text/xml",
            None,
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>model</RequestId></ErrorResponse>".to_string(),
        ),
    };
    let mut r = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert("content-type", v);
    }
    if let Some(kind) = extra.and_then(|k| k.parse().ok()) {
        r.headers_mut().insert("x-amzn-errortype", kind);
    }
    r
}
