//! Apply progress: a bar on a terminal, one line per finished change either way.

use super::output::outln;
use crate::apply::{Outcome, Progress};
use crate::escape::for_terminal;
use crate::plan::Change;
use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bar orgctl draws on a terminal: `[=====>    ] 12/40 message`.
fn bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    if let Ok(s) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(s.progress_chars("=> "));
    }
    bar
}

/// A bar counting finished reads on a terminal (nothing elsewhere).
pub struct Counter {
    message: &'static str,
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl Counter {
    /// The bar of the access reports a plan reads (`--access-report`).
    pub fn access_reports() -> Self {
        Counter { message: "reading IAM's organization access reports", bar: std::sync::Mutex::new(None) }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut bar) = self.bar.lock() {
            f(&mut bar);
        }
    }
}

impl crate::ops::ReadProgress for Counter {
    fn begin(&self, total: usize) {
        if !console::Term::stderr().is_term() {
            return;
        }
        let bar = bar(total).with_message(self.message);
        self.with_bar(|slot| *slot = Some(bar));
    }

    fn one_done(&self) {
        self.with_bar(|bar| bar.iter().for_each(|b| b.inc(1)));
    }

    fn end(&self) {
        self.with_bar(|bar| bar.iter().for_each(ProgressBar::finish_and_clear));
    }
}

pub struct ConsoleProgress {
    bar: Option<ProgressBar>,
    total: usize,
    finished: AtomicUsize,
}

impl ConsoleProgress {
    pub fn new(total: usize) -> Self {
        let bar = console::Term::stderr().is_term().then(|| bar(total));
        ConsoleProgress { bar, total, finished: AtomicUsize::new(0) }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => outln!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for ConsoleProgress {
    fn started(&self, change: &Change) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {}", for_terminal(&change.subject), for_terminal(&change.summary)));
        }
    }

    fn finished(&self, change: &Change, outcome: &Outcome) {
        let n = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(bar) = &self.bar {
            bar.set_position(n as u64);
        }
        let what =
            format!("{} {}: {}", change.action.symbol(), for_terminal(&change.subject), for_terminal(&change.summary));
        let text = match outcome {
            Outcome::Done(Some(id)) => format!("{} [{n}/{}] {what} ({id})", style("done").green(), self.total),
            Outcome::Done(None) => format!("{} [{n}/{}] {what}", style("done").green(), self.total),
            Outcome::Failed(e) => {
                format!(
                    "{} [{n}/{}] {what}: {}",
                    style("FAILED").red().bold(),
                    self.total,
                    for_terminal(&e.to_string())
                )
            }
            Outcome::Skipped { because } => format!(
                "{} [{n}/{}] {what} (needs change #{because}, which failed)",
                style("skipped").yellow(),
                self.total
            ),
        };
        self.line(text);
    }
}

/// `apply --json`: one JSON object per line and per event, for CI logs.
pub struct JsonProgress;

fn event(kind: &str, change: &Change) -> serde_json::Value {
    serde_json::json!({
        "event": kind,
        "change": change.id,
        "action": change.action,
        "subject": change.subject,
        "summary": change.summary,
    })
}

impl Progress for JsonProgress {
    fn started(&self, change: &Change) {
        outln!("{}", event("started", change));
    }

    fn finished(&self, change: &Change, outcome: &Outcome) {
        let mut e = match outcome {
            Outcome::Done(_) => event("done", change),
            Outcome::Failed(_) => event("failed", change),
            Outcome::Skipped { .. } => event("skipped", change),
        };
        match outcome {
            Outcome::Done(Some(id)) => e["created"] = serde_json::json!(id),
            Outcome::Failed(err) => e["error"] = serde_json::json!(err.to_string()),
            Outcome::Skipped { because } => e["because"] = serde_json::json!(because),
            Outcome::Done(None) => {}
        }
        outln!("{e}");
    }
}
