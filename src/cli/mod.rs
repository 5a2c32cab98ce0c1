//! The `orgctl` command line: parses arguments, runs the stages, renders results, and maps
//! outcomes to exit codes (0 success / no changes, 1 error, 2 changes with --detailed-exitcode).

mod args;
mod diagnostics;
mod output;
mod progress;

pub use args::Cli;
use args::*;
use output::{err, errln, out, outln};

use crate::apply::{self, ApplyOptions, Outcome};
use crate::diagnostic::Diagnostics;
use crate::escape::for_terminal;
use crate::plan::{self as planning, Plan};
use crate::provider::aws::{AwsOptions, AwsProvider};
use crate::provider::lock::{self, OrgLock};
use crate::provider::sandbox::{MasterSeed, SandboxProvider};
use crate::provider::{Provider, ProviderError};
use crate::spec::desired::{AccessRoles, DesiredOrg};
use crate::spec::{self, LoadOptions, Loaded};
use clap::Parser;
use console::style;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// A failure the CLI reports: what went wrong and what to do about it.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub help: Option<String>,
}

impl CliError {
    fn new(message: impl Into<String>) -> Self {
        CliError { message: message.into(), help: None }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Already reported (diagnostics were printed): exit 1 with nothing more to say.
    fn reported() -> Self {
        CliError::new("")
    }
}

impl From<ProviderError> for CliError {
    fn from(e: ProviderError) -> Self {
        CliError::new(e.to_string())
    }
}

type CliResult = Result<ExitCode, CliError>;

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.color {
        ColorChoice::Always => console::set_colors_enabled(true),
        ColorChoice::Never => console::set_colors_enabled(false),
        ColorChoice::Auto => {}
    }
    if cli.color != ColorChoice::Auto {
        console::set_colors_enabled_stderr(cli.color == ColorChoice::Always);
    }
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Validate(a) => validate(a),
            Command::Plan(a) => plan(a, cli.stats).await,
            Command::Apply(a) => apply_command(a, cli.stats).await,
            Command::Import(a) => import(a, cli.stats).await,
            Command::Audit(a) => audit(a, cli.stats).await,
            Command::Unlock(a) => unlock(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                errln!("{} {}", style("error:").red().bold(), for_terminal(&e.message));
                if let Some(help) = e.help {
                    errln!("  {} {}", style("help:").cyan(), for_terminal(&help));
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "orgctl=debug",
        _ => "orgctl=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORGCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).without_time().try_init();
}

fn load_options(args: &FileArgs) -> Result<LoadOptions, CliError> {
    let mut options = LoadOptions::default();
    for p in &args.parameters {
        let (k, v) = p.split_once('=').ok_or_else(|| CliError::new(format!("--parameter '{p}' is not NAME=VALUE")))?;
        options.parameters.insert(k.trim().to_string(), v.to_string());
    }
    options.allowed_paths = args.allow_paths.clone();
    for l in &args.limits {
        options.limits.set(l).map_err(|e| CliError::new(format!("--limit: {e}")))?;
    }
    Ok(options)
}

/// Loads and validates a file, printing diagnostics; errors stop here.
/// An org file, or a task file with its org file, loaded and valid.
struct Input {
    org: Loaded,
    desired: DesiredOrg,
    tasks: Option<crate::tasks::model::TaskFile>,
}

fn load_valid(file: &Path, args: &FileArgs) -> Result<Input, CliError> {
    let options = load_options(args)?;
    let (org, tasks) = if crate::tasks::is_task_file(file, &options) {
        let loaded = crate::tasks::load(file, &options);
        if let Some(org) = &loaded.organization {
            err!("{}", diagnostics::render(&org.diagnostics, &org.sources));
        }
        err!("{}", diagnostics::render(&loaded.diagnostics, &loaded.sources));
        match (loaded.organization, loaded.diagnostics.has_errors()) {
            (Some(org), false) => (org, Some(loaded.tasks)),
            _ => {
                errln!(
                    "{} {} has errors; nothing was sent to the organization",
                    style("error:").red().bold(),
                    file.display()
                );
                return Err(CliError::reported());
            }
        }
    } else {
        let org = spec::load(file, &options);
        err!("{}", diagnostics::render(&org.diagnostics, &org.sources));
        (org, None)
    };
    match org.desired.clone() {
        Some(desired) => Ok(Input { org, desired, tasks }),
        None => {
            errln!(
                "{} {} has {} error(s); nothing was sent to the organization",
                style("error:").red().bold(),
                file.display(),
                org.diagnostics.error_count()
            );
            Err(CliError::reported())
        }
    }
}

fn validate(a: ValidateArgs) -> CliResult {
    let options = load_options(&a.file_args)?;
    // A task file brings its organization file along: both are checked.
    let (reports, summary) = if crate::tasks::is_task_file(&a.file, &options) {
        let loaded = crate::tasks::load(&a.file, &options);
        let stacks = loaded
            .tasks
            .tasks
            .iter()
            .filter(|t| matches!(t.kind, crate::tasks::model::TaskKind::UpdateStacks(_)))
            .count();
        let summary = format!(
            "{} is valid: {} ({} update-stacks), organization file included.",
            a.file.display(),
            count(loaded.tasks.tasks.len(), "task", "tasks"),
            stacks
        );
        let mut reports = vec![(loaded.diagnostics, loaded.sources)];
        if let Some(org) = loaded.organization {
            reports.insert(0, (org.diagnostics, org.sources));
        }
        (reports, summary)
    } else {
        let loaded = spec::load(&a.file, &options);
        let s = &loaded.spec;
        let summary = format!(
            "{} is valid: {}, {}, {}, {}.",
            a.file.display(),
            count(s.ous.len(), "OU", "OUs"),
            count(s.accounts.len(), "account", "accounts"),
            count(s.policies.len(), "SCP", "SCPs"),
            count(s.password_policies.len(), "password policy", "password policies")
        );
        (vec![(loaded.diagnostics, loaded.sources)], summary)
    };
    let errors: usize = reports.iter().map(|(d, _)| d.error_count()).sum();
    if a.json {
        let all: Vec<serde_json::Value> =
            reports.iter().flat_map(|(d, _)| diagnostics::to_json(d).as_array().cloned().unwrap_or_default()).collect();
        let out = serde_json::json!({ "file": a.file, "valid": errors == 0, "diagnostics": all });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for (d, sources) in &reports {
            err!("{}", diagnostics::render(d, sources));
        }
    }
    if errors > 0 {
        if !a.json {
            errln!("{} {} has {} error(s)", style("error:").red().bold(), a.file.display(), errors);
        }
        return Ok(ExitCode::FAILURE);
    }
    if !a.json {
        outln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Opens the organization the command works on. `desired` (the file being planned) seeds a new
/// sandbox and names the roles that reach member accounts; a saved plan brings its own `roles`.
async fn open_provider(
    target: &TargetArgs,
    desired: Option<&DesiredOrg>,
    loaded: Option<&Loaded>,
    roles: Option<AccessRoles>,
) -> Result<Arc<dyn Provider>, CliError> {
    let Some(path) = &target.sandbox else {
        let roles = roles.or_else(|| desired.map(DesiredOrg::access_roles)).unwrap_or_default();
        let options = AwsOptions { profile: target.profile.clone(), roles };
        let provider = AwsProvider::connect(options).await.map_err(|e| {
            let help = match e.code.as_str() {
                "NoCredentials" => {
                    "configure AWS credentials, or pass --sandbox PATH to work on a local sandbox organization"
                }
                _ => "check the credentials and the organization, or pass --sandbox PATH for a local sandbox",
            };
            CliError::from(e).help(help)
        })?;
        return Ok(Arc::new(provider));
    };
    let provider = match (desired, loaded.and_then(|l| l.spec.master())) {
        (Some(d), Some(master)) => {
            let seed = MasterSeed {
                account_id: d.master_account_id.clone(),
                name: master.name.as_ref().map_or_else(|| "Management Account".to_string(), |n| n.value.clone()),
                email: master
                    .email
                    .as_ref()
                    .map_or_else(|| format!("root+{}@sandbox.invalid", d.master_account_id), |e| e.value.clone()),
            };
            SandboxProvider::open_or_create(path, &seed, target.lock_timeout)?
        }
        _ => SandboxProvider::open(path, target.lock_timeout)
            .map_err(|e| CliError::from(e).help("a saved plan is applied to an existing sandbox: check --sandbox"))?,
    };
    Ok(Arc::new(provider))
}

/// `--stats`: the API requests the command sent.
fn print_stats(stats: bool, provider: &dyn Provider) {
    if let (true, Some(n)) = (stats, provider.request_count()) {
        errln!("orgctl: {n} API requests");
    }
}

fn plan_errors(diags: Diagnostics) -> CliError {
    let sources = spec::source::Sources::default();
    err!("{}", diagnostics::render(&diags, &sources));
    CliError::reported()
}

/// A plan with what it was made from.
struct Planned {
    plan: Plan,
    provider: Arc<dyn Provider>,
    state: crate::model::OrgState,
    desired: DesiredOrg,
    /// The stacks read for a task file's plan.
    stacks: Option<Vec<crate::model::StackState>>,
}

async fn make_plan(
    file: &Path,
    file_args: &FileArgs,
    target: &TargetArgs,
    prune: bool,
) -> Result<(Plan, Arc<dyn Provider>), CliError> {
    let planned = plan_with_state(file, file_args, target, prune).await?;
    Ok((planned.plan, planned.provider))
}

async fn plan_with_state(
    file: &Path,
    file_args: &FileArgs,
    target: &TargetArgs,
    prune: bool,
) -> Result<Planned, CliError> {
    let input = load_valid(file, file_args)?;
    let provider = open_provider(target, Some(&input.desired), Some(&input.org), None).await?;
    plan_on(input, file_args, provider, prune).await
}

/// Plans a loaded file against the organization `provider` opens.
async fn plan_on(
    input: Input,
    file_args: &FileArgs,
    provider: Arc<dyn Provider>,
    prune: bool,
) -> Result<Planned, CliError> {
    let options = load_options(file_args)?;
    let actual = provider.read().await?;
    let mut plan =
        planning::plan(&input.desired, &actual, &options.limits, &provider.describe()).map_err(plan_errors)?;
    let mut stacks = None;
    if let Some(tasks) = &input.tasks {
        let org_skipped = tasks
            .tasks
            .iter()
            .any(|t| t.skip && matches!(t.kind, crate::tasks::model::TaskKind::UpdateOrganization { .. }));
        if org_skipped && !plan.changes.is_empty() {
            plan.notes.push(planning::Note {
                message: format!(
                    "the update-organization task is skipped: {} organization change(s) left out",
                    plan.changes.len()
                ),
            });
            plan.changes.clear();
        }
        stacks = Some(
            planning::stacks::plan_stacks(tasks, &input.desired, &actual, &mut plan, provider.as_ref(), prune)
                .await
                .map_err(plan_errors)?,
        );
    }
    Ok(Planned { plan, provider, state: actual, desired: input.desired, stacks })
}

async fn plan(a: PlanArgs, stats: bool) -> CliResult {
    let (plan, provider) = make_plan(&a.file, &a.file_args, &a.target, a.prune).await?;
    print_stats(stats, provider.as_ref());
    if a.json {
        let mut value = serde_json::to_value(&plan).unwrap_or_default();
        value["summary"] = serde_json::to_value(plan.summary()).unwrap_or_default();
        outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        out!("{}", planning::render::render_plan(&plan));
    }
    if let Some(out) = &a.out {
        let text = planning::saved::to_json(&plan).map_err(|e| CliError::new(e.to_string()))?;
        std::fs::write(out, text).map_err(|e| CliError::new(format!("cannot write {}: {e}", out.display())))?;
        if !a.json {
            outln!(
                "\nSaved the plan to {}. Apply exactly these changes with: orgctl apply {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if a.detailed_exitcode && !plan.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// A saved plan, if `path` is one (JSON with orgctl's plan format), its digest checked.
fn read_saved_plan(path: &Path) -> Result<Option<Plan>, CliError> {
    let Ok(text) = crate::spec::files::read_regular(path) else { return Ok(None) };
    if !planning::saved::looks_like_plan(&text) {
        return Ok(None);
    }
    planning::saved::from_json(&text).map(Some).map_err(|e| {
        CliError::new(format!("{} is not a plan orgctl can apply: {e}", path.display()))
            .help("nothing was changed; make the plan again with `orgctl plan --out`, review it, and apply that file")
    })
}

/// Refuses a plan that cannot be carried out as it stands (see `plan::check`).
fn refuse_defects(defects: Vec<crate::plan::check::Defect>) -> Result<(), CliError> {
    if defects.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = defects.iter().take(20).map(|d| format!("  - {d}")).collect();
    Err(CliError::new(format!(
        "the plan cannot be applied as it stands; nothing was changed:\n{}{}",
        list.join("\n"),
        if defects.len() > 20 { format!("\n  ... and {} more", defects.len() - 20) } else { String::new() }
    ))
    .help("a saved plan must be applied as `orgctl plan --out` wrote it: make the plan again and review it"))
}

async fn apply_command(a: ApplyArgs, stats: bool) -> CliResult {
    // Open the organization, take its apply lock, and only then read it: the plan is made from a
    // state no other apply is changing. The lock is released whatever happens next.
    let (provider, source) = match read_saved_plan(&a.file)? {
        Some(plan) => {
            let provider = open_provider(&a.target, None, None, Some(plan.access_roles.clone())).await?;
            (provider, ApplySource::Saved(Box::new(plan)))
        }
        None => {
            let input = load_valid(&a.file, &a.file_args)?;
            let provider = open_provider(&a.target, Some(&input.desired), Some(&input.org), None).await?;
            (provider, ApplySource::File(Box::new(input)))
        }
    };
    let lock = OrgLock::acquire(provider.clone(), &lock::this_run(), a.target.lock_timeout).await?;
    let result = apply_locked(&a, stats, source, provider.clone()).await;
    lock.release(provider.as_ref()).await;
    result
}

/// What `orgctl apply` was given.
enum ApplySource {
    /// A plan saved with `plan --out`.
    Saved(Box<Plan>),
    /// An org or task file, planned now.
    File(Box<Input>),
}

async fn apply_locked(a: &ApplyArgs, stats: bool, source: ApplySource, provider: Arc<dyn Provider>) -> CliResult {
    let plan = match source {
        ApplySource::Saved(saved) => {
            let mut saved = *saved;
            let (state, stacks) = check_saved_plan(&saved, provider.as_ref()).await?;
            refuse_defects(planning::check::check(&saved, &state, &stacks))?;
            // Shown from the operations that will run, never from text stored in the file.
            planning::describe_from_operations(&mut saved, &state, &stacks);
            out!("{}", planning::render::render_plan(&saved));
            if !saved.is_empty() && !a.auto_approve {
                confirm()?;
            }
            saved
        }
        ApplySource::File(input) => {
            let planned = plan_on(*input, &a.file_args, provider.clone(), a.prune).await?;
            let stacks = planned.stacks.clone().unwrap_or_default();
            refuse_defects(planning::check::check(&planned.plan, &planned.state, &stacks))?;
            out!("{}", planning::render::render_plan(&planned.plan));
            if !planned.plan.is_empty() && !a.auto_approve {
                confirm()?;
            }
            planned.plan
        }
    };
    if plan.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    outln!();
    let options = ApplyOptions::for_provider(provider.as_ref(), usize::from(a.concurrency));
    let progress = Arc::new(progress::ConsoleProgress::new(plan.changes.len()));
    let report = apply::apply(&plan, provider.clone(), &options, progress.clone()).await;
    let report = match report {
        Ok(report) => report,
        Err(defects) => {
            progress.finish();
            return refuse_defects(defects).map(|_| ExitCode::FAILURE);
        }
    };
    progress.finish();
    print_stats(stats, provider.as_ref());
    let done = report.count(|o| matches!(o, Outcome::Done(_)));
    if report.succeeded() {
        outln!("\n{} {done} change(s) made.", style("Apply complete!").green().bold());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(tolerated) = report.tolerated(&plan) {
        outln!(
            "\n{} {done} change(s) made; {} stack(s) failed or were skipped within their task's FailedStackTolerance:",
            style("Apply complete.").yellow().bold(),
            tolerated.len()
        );
        for id in tolerated {
            let c = &plan.changes[id];
            outln!("  {} {}: {}", style("tolerated").yellow(), for_terminal(&c.subject), for_terminal(&c.summary));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let failed = report.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    errln!("\n{} {done} done, {failed} failed, {skipped} skipped.", style("Apply failed:").red().bold());
    for (change, outcome) in plan.changes.iter().zip(&report.outcomes) {
        if let Outcome::Failed(e) = outcome {
            errln!(
                "  {} #{} {} {}: {}",
                style("failed").red(),
                change.id,
                change.action.symbol(),
                for_terminal(&change.subject),
                change.summary
            );
            errln!("      {}", for_terminal(&e.to_string()));
        }
    }
    Err(CliError::new("some changes failed; the rest were made")
        .help("fix the cause and run `orgctl apply` again: it plans from the live organization and finishes the job"))
}

async fn import(a: ImportArgs, stats: bool) -> CliResult {
    if let Some(out) = a.output.as_ref().filter(|o| o.exists() && !a.force) {
        return Err(CliError::new(format!("{} exists", out.display()))
            .help("pass --force to overwrite it, or choose another -o"));
    }
    let provider = open_provider(&a.target, None, None, None).await?;
    let state = provider.read().await?;
    let imported = crate::import::import(&state);
    match &a.output {
        Some(out) => {
            std::fs::write(out, &imported.yaml)
                .map_err(|e| CliError::new(format!("cannot write {}: {e}", out.display())))?;
            errln!(
                "Wrote {} ({} OUs, {} accounts, {} SCPs).",
                out.display(),
                state.ous.len(),
                state.accounts.len(),
                state.policies.values().filter(|p| !p.aws_managed).count()
            );
        }
        None => out!("{}", imported.yaml),
    }
    let untagged = crate::import::untagged(&state, &imported);
    if a.no_tag || untagged.is_empty() {
        print_stats(stats, provider.as_ref());
        return Ok(ExitCode::SUCCESS);
    }
    for (id, lid) in &untagged {
        let tags = crate::model::Tags::from([(crate::model::OWNER_TAG.to_string(), lid.to_string())]);
        provider.tag_resource(id, &tags).await?;
    }
    errln!(
        "Tagged {} resource(s) with {}=<logical id>, so that renames in the file are updates.",
        untagged.len(),
        crate::model::OWNER_TAG
    );
    print_stats(stats, provider.as_ref());
    Ok(ExitCode::SUCCESS)
}

async fn audit(a: AuditArgs, stats: bool) -> CliResult {
    use crate::audit::{self as au, model::Severity};
    let thresholds = match &a.config {
        Some(path) => au::thresholds::Thresholds::load(path)
            .map_err(|e| CliError::new(e).help("see README for the keys of the audit config"))?,
        None => au::thresholds::Thresholds::default(),
    };
    let fail_on = a
        .fail_on
        .as_deref()
        .map(|s| {
            Severity::parse(s)
                .ok_or_else(|| CliError::new(format!("--fail-on {s}: use info, low, medium, high or critical")))
        })
        .transpose()?;
    let (state, provider, planned) = match &a.file {
        Some(file) => {
            let p = plan_with_state(file, &a.file_args, &a.target, false).await?;
            (p.state.clone(), p.provider.clone(), Some((file.display().to_string(), p)))
        }
        None => {
            let provider = open_provider(&a.target, None, None, None).await?;
            let state = provider.read().await?;
            (state, provider, None)
        }
    };
    // Stacks: those the plan read for a task file, else every region orgctl recorded on the root,
    // read the same way (one parallel read either way).
    let stacks = match planned.as_ref().and_then(|(_, p)| p.stacks.clone()) {
        Some(stacks) => stacks,
        None => {
            let regions: Vec<String> = state
                .root
                .tags
                .get(crate::model::STACK_REGIONS_TAG)
                .map(|r| r.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            let places: Vec<(String, String)> = state
                .accounts
                .values()
                .filter(|a| a.status == "ACTIVE")
                .flat_map(|a| regions.iter().map(move |r| (a.id.clone(), r.clone())))
                .collect();
            planning::stacks::read_stacks_in(provider.as_ref(), &places).await?
        }
    };
    let file = planned.as_ref().map(|(name, p)| {
        let managed: std::collections::HashSet<String> =
            planning::account_ids(&p.desired, &state).into_values().collect();
        let unmanaged: Vec<String> = state.accounts.keys().filter(|id| !managed.contains(*id)).cloned().collect();
        (name.clone(), &p.plan, unmanaged)
    });
    let input = au::AuditInput { state: &state, stacks: &stacks, provider: provider.describe(), file };
    let report = au::audit(&input, &thresholds);
    let text = au::render::render(&report, a.format);
    match &a.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display())))?;
            let counts: Vec<String> = report
                .summary
                .findings
                .iter()
                .rev()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            let detail = if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) };
            errln!("Wrote {} ({} findings{detail}).", path.display(), report.findings.len());
        }
        // On a terminal, Markdown shows names as they are: escape what could rewrite the screen.
        None if a.format == au::render::Format::Md => out!("{}", crate::escape::lines_for_terminal(&text)),
        None => out!("{text}"),
    }
    print_stats(stats, provider.as_ref());
    if let (Some(threshold), Some(worst)) = (fail_on, report.worst()) {
        if worst >= threshold {
            errln!("{} findings at or above {} (--fail-on)", style("audit failed:").red().bold(), threshold.name());
            return Ok(ExitCode::from(3));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks that a saved plan belongs to this organization as it is now; returns the organization
/// and the stacks read to check it.
async fn check_saved_plan(
    plan: &Plan,
    provider: &dyn Provider,
) -> Result<(crate::model::OrgState, Vec<crate::model::StackState>), CliError> {
    if plan.orgctl_version != env!("CARGO_PKG_VERSION") {
        return Err(CliError::new(format!(
            "this plan was made by orgctl {}, this is {}",
            plan.orgctl_version,
            env!("CARGO_PKG_VERSION")
        ))
        .help("make the plan again with this version"));
    }
    if plan.provider != provider.describe() {
        return Err(CliError::new(format!("this plan was made for {}, not {}", plan.provider, provider.describe()))
            .help("apply it to the organization it was made for"));
    }
    let actual = provider.read().await?;
    let mut live = Vec::new();
    for (account, region) in &plan.stack_places {
        live.extend(provider.read_stacks(account, region).await?);
    }
    let stacks_changed =
        plan.stacks_fingerprint.as_ref().is_some_and(|expected| &planning::stacks_fingerprint(&live) != expected);
    if actual.fingerprint() != plan.state_fingerprint || stacks_changed {
        return Err(CliError::new(
            "the organization changed since this plan was made; the saved plan is stale and was not applied",
        )
        .help("run `orgctl plan --out PLAN` again, review it, and apply the new plan"));
    }
    Ok((actual, live))
}

/// `orgctl unlock`: deletes the organization's apply lock left by a run that died.
async fn unlock(a: UnlockArgs) -> CliResult {
    let provider = open_provider(&a.target, None, None, None).await?;
    let removed = lock::force_unlock(provider.as_ref()).await?;
    if removed.is_empty() {
        outln!("The organization ({}) has no apply lock.", provider.describe());
    }
    for l in removed {
        outln!("Removed the apply lock held by {}.", for_terminal(&l.describe()));
    }
    Ok(ExitCode::SUCCESS)
}

fn confirm() -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new("refusing to apply without confirmation: there is no terminal to ask")
            .help("review the plan above and pass --auto-approve, or save it with `plan --out` and apply the file"));
    }
    out!("\nDo you want to make these changes? Only 'yes' will be accepted: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() != "yes" {
        return Err(CliError::new("apply cancelled; nothing was changed"));
    }
    Ok(())
}
