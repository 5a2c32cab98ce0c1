//! Interactive flows as a user meets them: orgctl in a real terminal, the confirmation prompt
//! answered by typing.
//!
//! The terminal is a tmux pane on a private server. tmux's server can die while it starts on some
//! machines ("server exited unexpectedly"), so a start is retried, and where the server never
//! comes up the pane is `script(1)` instead: also a real pseudo-terminal, read and typed into the
//! same way. Either way orgctl sees a terminal on stdin and stdout.

use crate::common::Workspace;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One command running in a 200×50 terminal, stopped when dropped.
enum Terminal {
    Tmux { socket: String },
    Script { child: Child, input: ChildStdin, output: Arc<Mutex<Vec<u8>>> },
}

impl Terminal {
    fn start(command: &str) -> Terminal {
        let socket = format!("orgctl-test-{}-{}", std::process::id(), fastrand::u32(..));
        let tries = if std::env::var_os("ORGCTL_TERMINAL_WITHOUT_TMUX").is_some() { 0 } else { 3 };
        for attempt in 0..tries {
            let started =
                tmux(&socket).args(["new-session", "-d", "-s", "t", "-x", "200", "-y", "50", command]).output();
            match started {
                Ok(out) if out.status.success() => return Terminal::Tmux { socket },
                Ok(out) => eprintln!("tmux attempt {attempt}: {}", String::from_utf8_lossy(&out.stderr).trim()),
                Err(e) => eprintln!("tmux attempt {attempt}: {e}"),
            }
            let _ = tmux(&socket).arg("kill-server").output();
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("the terminal is script(1): tmux's server did not start, or ORGCTL_TERMINAL_WITHOUT_TMUX is set");
        Terminal::script(command)
    }

    fn script(command: &str) -> Terminal {
        let spawned = Command::new("script")
            .args(["-qfec", &format!("stty cols 200 rows 50; {command}"), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = spawned else { panic!("neither tmux nor script(1) can run a terminal here") };
        let (Some(input), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            panic!("script(1) started without its pipes")
        };
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&buf[..n]);
            }
        });
        Terminal::Script { child, input, output }
    }

    fn screen(&self) -> String {
        match self {
            Terminal::Tmux { socket } => {
                let out = tmux(socket).args(["capture-pane", "-p", "-S", "-", "-t", "t"]).output();
                out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
            }
            Terminal::Script { output, .. } => {
                without_escapes(&String::from_utf8_lossy(&output.lock().unwrap_or_else(|e| e.into_inner())))
            }
        }
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

    /// Types `text` and Enter, as a user at the keyboard would.
    fn type_line(&mut self, text: &str) {
        match self {
            Terminal::Tmux { socket } => {
                let _ = tmux(socket).args(["send-keys", "-t", "t", text, "Enter"]).status();
            }
            Terminal::Script { input, .. } => {
                let _ = input.write_all(format!("{text}\r").as_bytes()).and_then(|()| input.flush());
            }
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        match self {
            Terminal::Tmux { socket } => {
                let _ = tmux(socket).arg("kill-server").output();
            }
            Terminal::Script { child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The text of a terminal's output stream without its control sequences (colours, cursor moves),
/// as a screen shows it.
fn without_escapes(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.next() == Some('[') {
                    // A control sequence ends at its first byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c => text.push(c),
        }
    }
    text
}

/// tmux on this test's own server, without the user's configuration.
fn tmux(socket: &str) -> Command {
    let mut command = Command::new("tmux");
    command.args(["-L", socket, "-f", "/dev/null"]).env_remove("TMUX");
    command
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

/// Whether this machine can make a pseudo-terminal (a container without /dev/pts cannot). A
/// test that cannot run fails, unless skipping it was asked for (`ORGCTL_SKIP_TERMINAL_TESTS=1`):
/// a missing precondition must not read as a pass.
fn pseudo_terminals_available() -> bool {
    let opened = std::fs::OpenOptions::new().read(true).write(true).open("/dev/ptmx");
    if let Err(e) = &opened {
        assert!(
            std::env::var_os("ORGCTL_SKIP_TERMINAL_TESTS").is_some(),
            "no pseudo-terminal on this machine (/dev/ptmx: {e}): the terminal test cannot run; set ORGCTL_SKIP_TERMINAL_TESTS=1 to skip it"
        );
        eprintln!("SKIPPED: no pseudo-terminal (/dev/ptmx: {e}), as ORGCTL_SKIP_TERMINAL_TESTS asks");
    }
    opened.is_ok()
}

#[test]
fn apply_asks_in_a_terminal_and_only_yes_applies() {
    if !pseudo_terminals_available() {
        return;
    }
    // "no" (or anything but "yes"): nothing is made.
    let ws = Workspace::quickstart();
    let mut term = Terminal::start(&apply_command(&ws));
    let screen = term.wait_for("Only 'yes' will be accepted:");
    assert!(screen.contains("Plan: 13 to add"), "the plan is shown before the question:\n{screen}");
    term.type_line("no");
    let screen = term.wait_for("[exit ");
    assert!(screen.contains("apply cancelled; nothing was changed") && screen.contains("[exit 1]"), "{screen}");
    assert_eq!(ws.state().accounts().len(), 1, "only the management account the sandbox started with");
    drop(term);

    // "yes": applied.
    let mut term = Terminal::start(&apply_command(&ws));
    term.wait_for("Only 'yes' will be accepted:");
    term.type_line("yes");
    let screen = term.wait_for("[exit ");
    assert!(screen.contains("Apply complete!") && screen.contains("[exit 0]"), "{screen}");
    assert_eq!(ws.state().accounts().len(), 7);
}
