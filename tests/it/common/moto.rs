//! A moto server for one test: installed into `.venv` when missing, started on a free
//! 127.0.0.1 port, with an organization created, and stopped when dropped (also on panic).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MOTO: &str = "moto[server]==5.2.5";

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

/// The moto_server binary, installing it into the repository's `.venv` first if needed.
/// Test binaries run in parallel, so installation is serialized by a lock directory.
fn moto_server() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join(".venv/bin/moto_server");
    if bin.exists() {
        return bin;
    }
    let lock = root.join(".venv.lock");
    let started = Instant::now();
    while std::fs::create_dir(&lock).is_err() {
        assert!(started.elapsed() < Duration::from_secs(600), "waited 10 minutes for {}", lock.display());
        std::thread::sleep(Duration::from_millis(500));
        if bin.exists() {
            return bin;
        }
    }
    let venv = root.join(".venv");
    let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip")).args(["install", "--quiet", MOTO]).status().is_ok_and(|s| s.success());
    let _ = std::fs::remove_dir(&lock);
    assert!(ok && bin.exists(), "could not install {MOTO} into {}", venv.display());
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut buf = [0u8; 12];
    s.write_all(request.as_bytes()).is_ok() && s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

impl Moto {
    /// A fresh moto server with an organization (management account 123456789012).
    pub async fn start() -> Moto {
        let bin = moto_server();
        let moto = Moto::serve(|port| {
            let mut command = Command::new(&bin);
            command.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null());
            command
        });
        moto.create_organization().await;
        moto
    }

    /// Runs the moto server that `command` starts on the port it is given (with the `.venv`
    /// installed first), once it answers.
    pub fn serve(command: impl Fn(u16) -> Command) -> Moto {
        moto_server();
        for _ in 0..5 {
            let port = free_port();
            let child = command(port).spawn().expect("start moto_server");
            let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(180) {
                if answers(port) {
                    return moto;
                }
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // the port was taken after all: try another
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("moto_server did not start");
    }

    /// The Python of the `.venv` moto is installed in.
    pub fn python() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
    }

    /// Clears all state (`POST /moto-api/reset`) and creates a fresh organization.
    pub async fn reset(&self) {
        use std::io::{Read, Write};
        let port = self.endpoint.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
        let request = format!(
            "POST /moto-api/reset HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        s.write_all(request.as_bytes()).expect("reset");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        assert!(out.starts_with(b"HTTP/1.1 200"), "moto reset failed");
        self.create_organization().await;
    }

    async fn create_organization(&self) {
        self.organizations()
            .await
            .create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .expect("CreateOrganization");
    }

    /// Environment that points orgctl (and the SDK) at this server with dummy credentials.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_with(&self.endpoint, "testing", "testing", None).await
    }

    pub async fn sdk_config_with(
        &self,
        endpoint: &str,
        key: &str,
        secret: &str,
        token: Option<String>,
    ) -> aws_config::SdkConfig {
        let creds = aws_sdk_organizations::config::Credentials::new(key, secret, token, None, "test");
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(orgctl::provider::aws::http_client())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .load()
            .await
    }

    pub async fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.sdk_config().await)
    }

    /// IAM Identity Center's admin API and identity store, as the management account.
    pub async fn identity_center(&self) -> (aws_sdk_ssoadmin::Client, aws_sdk_identitystore::Client) {
        let config = self.sdk_config().await;
        (aws_sdk_ssoadmin::Client::new(&config), aws_sdk_identitystore::Client::new(&config))
    }

    /// IAM inside `account_id`, through its OrganizationAccountAccessRole (as orgctl does).
    pub async fn iam_in(&self, account_id: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config_in(account_id, "us-east-1").await)
    }

    /// CloudFormation inside `account_id` and `region`.
    pub async fn cloudformation_in(&self, account_id: &str, region: &str) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config_in(account_id, region).await)
    }

    pub async fn s3_in(&self, account_id: &str, region: &str) -> aws_sdk_s3::Client {
        let config =
            aws_sdk_s3::config::Builder::from(&self.config_in(account_id, region).await).force_path_style(true);
        aws_sdk_s3::Client::from_conf(config.build())
    }

    /// SDK configuration acting inside `account_id` (the management account's own, else assumed).
    async fn config_in(&self, account_id: &str, region: &str) -> aws_config::SdkConfig {
        let sts = aws_sdk_sts::Client::new(&self.sdk_config().await);
        if account_id == "123456789012" {
            return self.sdk_config().await.into_builder().region(aws_config::Region::new(region.to_string())).build();
        }
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"))
            .role_session_name("test")
            .send()
            .await
            .expect("AssumeRole");
        let c = out.credentials().expect("credentials");
        let config = self
            .sdk_config_with(
                &self.endpoint,
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
            )
            .await;
        config.into_builder().region(aws_config::Region::new(region.to_string())).build()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
