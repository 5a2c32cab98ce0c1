//! Standard output that survives a closed pipe. `orgctl plan | head -1` closes the pipe after one
//! line; Rust's `print!` would then panic. Like other Unix tools orgctl stops writing and exits
//! quietly, but it never stops working halfway: an `apply` whose reader went away still finishes.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's (or stderr's) reader has gone: nothing more is written there.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn write_to(mut stream: impl Write, closed: &AtomicBool, text: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if stream.write_all(text.as_bytes()).and_then(|_| stream.flush()).is_err() {
        closed.store(true, Ordering::Relaxed);
    }
}

/// Writes `text` to stdout; an error (a closed pipe, a full disk) stops further output there.
pub fn write(text: &str) {
    write_to(std::io::stdout().lock(), &STDOUT_CLOSED, text);
}

/// Writes `text` to stderr, likewise.
pub fn write_err(text: &str) {
    write_to(std::io::stderr().lock(), &STDERR_CLOSED, text);
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write(&format!($($arg)*)) };
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::cli::output::write("\n") };
    ($($arg:tt)*) => { $crate::cli::output::write(&format!("{}\n", format!($($arg)*))) };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::output::write_err(&format!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::cli::output::write_err("\n") };
    ($($arg:tt)*) => { $crate::cli::output::write_err(&format!("{}\n", format!($($arg)*))) };
}

pub(crate) use {err, errln, out, outln};
