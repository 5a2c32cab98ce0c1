//! Interactive flows as a user meets them: orgctl in a real terminal (a tmux pane), the
//! confirmation prompt answered by typing.

use crate::common::Workspace;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux session running one command in an 200×50 terminal, killed when dropped.
struct Terminal {
    name: String,
}

impl Terminal {
    fn start(command: &str) -> Option<Terminal> {
        let name = format!("orgctl-test-{}-{}", std::process::id(), fastrand::u32(..));
        let started = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "200", "-y", "50", command])
            .status()
            .ok()?;
        started.success().then_some(Terminal { name })
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-S", "-", "-t", &self.name]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
    }

    /// Waits until the screen shows `text` (30 s at most) and returns the screen.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) || Instant::now() > deadline {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn type_line(&self, text: &str) {
        let _ = Command::new("tmux").args(["send-keys", "-t", &self.name, text, "Enter"]).status();
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

/// The command line that runs orgctl on the workspace, keeping the pane open after it exits.
fn apply_command(ws: &Workspace) -> String {
    format!(
        "cd {} && {} apply {} --sandbox {} --create-sandbox; echo \"[exit $?]\"; sleep 30",
        ws.dir.path().display(),
        env!("CARGO_BIN_EXE_orgctl"),
        ws.org.display(),
        ws.sandbox.display()
    )
}

fn tmux_available() -> bool {
    let found = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("ORGCTL_SKIP_TERMINAL_TESTS").is_ok(),
        "tmux is needed (scripts/test.sh installs it)"
    );
    found
}

#[test]
fn apply_asks_in_a_terminal_and_only_yes_applies() {
    if !tmux_available() {
        return;
    }
    // "no" (or anything but "yes"): nothing is made.
    let ws = Workspace::quickstart();
    let Some(term) = Terminal::start(&apply_command(&ws)) else { panic!("tmux could not start a session") };
    let screen = term.wait_for("Only 'yes' will be accepted:");
    assert!(screen.contains("Plan: 13 to add"), "the plan is shown before the question:\n{screen}");
    term.type_line("no");
    let screen = term.wait_for("[exit ");
    assert!(screen.contains("apply cancelled; nothing was changed") && screen.contains("[exit 1]"), "{screen}");
    assert_eq!(ws.state().accounts().len(), 1, "only the management account the sandbox started with");
    drop(term);

    // "yes": applied.
    let Some(term) = Terminal::start(&apply_command(&ws)) else { panic!("tmux could not start a session") };
    term.wait_for("Only 'yes' will be accepted:");
    term.type_line("yes");
    let screen = term.wait_for("[exit ");
    assert!(screen.contains("Apply complete!") && screen.contains("[exit 0]"), "{screen}");
    assert_eq!(ws.state().accounts().len(), 7);
}
