//! One writer at a time on a sandbox file: an OS file lock on `<sandbox>.lock`, held for as long
//! as the provider lives (a whole plan, apply, import or audit). Without it, two applies would
//! each load the file, write their own copy, and one run's work would be lost. The OS releases the
//! lock when a process dies, so a killed run never leaves the sandbox locked.

use crate::provider::{ProviderError, ProviderResult};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Prefix of the temporary files a save of `sandbox` writes before renaming them over it.
pub fn temp_prefix(sandbox: &Path) -> String {
    format!(".{}.orgctl-tmp-", sandbox.file_name().unwrap_or_default().to_string_lossy())
}

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct SandboxLock {
    _file: File,
}

fn lock_path(sandbox: &Path) -> PathBuf {
    let mut name = sandbox.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    sandbox.with_file_name(name)
}

impl SandboxLock {
    /// Takes the lock of `sandbox`, waiting up to `timeout` (saying so once) while another run
    /// holds it. Then removes temporary files that a killed run left next to the sandbox.
    pub fn acquire(sandbox: &Path, timeout: Duration) -> ProviderResult<Self> {
        let path = lock_path(sandbox);
        let io =
            |e: std::io::Error| ProviderError::new("SandboxLockFailed", format!("cannot lock {}: {e}", path.display()));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        let start = Instant::now();
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let holder = if holder.is_empty() { "another orgctl run" } else { holder };
                    if start.elapsed() >= timeout {
                        return Err(ProviderError::new(
                            "SandboxLocked",
                            format!(
                                "the sandbox {} is locked by {holder}; gave up after {} (--lock-timeout)",
                                sandbox.display(),
                                humantime::format_duration(timeout)
                            ),
                        ));
                    }
                    if !said {
                        eprintln!(
                            "orgctl: waiting for the lock on {} (held by {holder}), up to {}",
                            sandbox.display(),
                            humantime::format_duration(timeout)
                        );
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let holder = format!(
            "orgctl pid {} since {}",
            std::process::id(),
            humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        );
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(holder.as_bytes()));
        remove_stale_temp_files(sandbox);
        Ok(SandboxLock { _file: file })
    }
}

/// Temporary files of saves that never finished (the run was killed between write and rename).
/// Only called with the lock held, so no other run is writing one.
fn remove_stale_temp_files(sandbox: &Path) {
    let dir = match sandbox.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = temp_prefix(sandbox);
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
