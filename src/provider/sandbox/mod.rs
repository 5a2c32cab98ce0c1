//! The sandbox provider: an organization in a JSON file that behaves like AWS Organizations.
//!
//! It follows AWS semantics and enforces the rules that moto lets through (AWS-FACTS.md):
//! unique emails, OU depth, SCPs per target, policy size, the last SCP on a target, empty OUs
//! before delete, the real source parent on a move, and asynchronous CreateAccount. Every write
//! is saved at once, atomically, so a killed apply leaves a consistent organization behind.

mod account_settings;
mod deployments;
pub mod faults;
mod identity_center;
mod lock;
mod organizations;
mod rules;
mod stacks;
mod store;

pub use store::ManagementSeed;

use super::{
    AccountSettings, At, CreateAccountStatus, Deployments, ExistingAccount, IdentityCenter, NewPolicy, Organizations,
    Provider, ProviderError, ProviderResult,
};
use crate::model::{
    CreateRequestStatus, OrgState, OuState, PasswordPolicy, PolicyState, PolicyType, StackSpec, StackState, Tags,
};
use async_trait::async_trait;
use faults::{Faults, Mode};
use lock::SandboxLock;
use rules::check_password_policy;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use store::{CreateRequest, SandboxData};

pub struct SandboxProvider {
    path: PathBuf,
    data: Mutex<SandboxData>,
    faults: Faults,
    /// Held for the provider's life: one run at a time works on the file.
    _lock: SandboxLock,
}

fn err(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::new(code, message)
}

fn constraint(reason: &str, message: impl Into<String>) -> ProviderError {
    err("ConstraintViolationException", format!("{reason}: {}", message.into()))
}

/// The sandbox's path as a saved plan records it: the same file whatever the working directory.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

impl SandboxProvider {
    /// Opens the sandbox at `path`, creating a fresh organization there on first use. Waits up
    /// to `lock_timeout` while another run holds the sandbox.
    pub fn open_or_create(path: &Path, seed: &ManagementSeed, lock_timeout: Duration) -> ProviderResult<Self> {
        let lock = SandboxLock::acquire(path, lock_timeout)?;
        let data = if path.exists() {
            SandboxData::load(path)?
        } else {
            let data = SandboxData::new(seed);
            data.save(path)?;
            data
        };
        Ok(SandboxProvider { path: canonical(path), data: Mutex::new(data), faults: Faults::from_env()?, _lock: lock })
    }

    /// Writes a sandbox that holds `state` as it is, without going through the API. Benchmarks
    /// use it to start from an organization of thousands of accounts in one step.
    pub fn seed(path: &Path, state: OrgState) -> ProviderResult<()> {
        SandboxData::from_state(state).save(path)
    }

    /// Opens an existing sandbox, waiting up to `lock_timeout` while another run holds it.
    pub fn open(path: &Path, lock_timeout: Duration) -> ProviderResult<Self> {
        if !path.is_file() {
            return Err(err("SandboxMissing", format!("there is no sandbox organization at {}", path.display())));
        }
        let lock = SandboxLock::acquire(path, lock_timeout)?;
        let data = SandboxData::load(path)?;
        Ok(SandboxProvider { path: canonical(path), data: Mutex::new(data), faults: Faults::from_env()?, _lock: lock })
    }

    /// The data, for one read; logged with `-v` as writes are, so that a sandbox run shows what
    /// it asked.
    fn reading(&self, operation: &str, args: &[&str]) -> std::sync::MutexGuard<'_, SandboxData> {
        let args: String = args.iter().map(|a| format!(" {a}")).collect();
        tracing::debug!(target: "orgctl::sandbox", "{operation}{args}: read");
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs one write: injected faults first, then the change, then an atomic save.
    fn write<T>(
        &self,
        operation: &str,
        args: &[&str],
        change: impl FnOnce(&mut SandboxData) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        let fault = self.faults.check(operation, args);
        let started = std::time::Instant::now();
        let logged = |outcome: &str| {
            let millis = started.elapsed().as_millis();
            tracing::debug!(target: "orgctl::sandbox", "{operation} {}: {outcome}, {millis} ms", args.join(" "));
        };
        match fault {
            Some(Mode::Fail) => {
                return Err(err("InjectedFault", format!("{operation} failed (injected by {})", faults::ENV)))
            }
            Some(Mode::Throttle) => return Err(ProviderError::retryable("TooManyRequestsException", "Rate exceeded")),
            Some(Mode::Slow) => std::thread::sleep(std::time::Duration::from_millis(500)),
            _ => {}
        }
        let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        let out = change(&mut data).inspect_err(|e| logged(&format!("failed ({})", e.code)))?;
        data.save(&self.path)?;
        logged("ok");
        if fault == Some(Mode::Exit) {
            eprintln!("orgctl: process killed after {operation} (injected by {})", faults::ENV);
            std::process::exit(137);
        }
        Ok(out)
    }
}

#[async_trait]
impl Provider for SandboxProvider {
    fn describe(&self) -> String {
        format!("sandbox {}", self.path.display())
    }

    fn create_account_poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(1)
    }
}
