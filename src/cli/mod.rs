//! The `orgctl` command line: parses arguments, calls one operation of [`crate::ops`] (or of the
//! stages directly), renders results, and maps outcomes to exit codes (0 success / no changes,
//! 1 error, 2 changes with --detailed-exitcode, 3 audit findings at or above --fail-on). One file
//! per command.

mod apply;
mod args;
mod audit;
mod diagnostics;
mod explain;
mod import;
mod output;
mod plan;
mod progress;
mod shell;
mod unlock;
mod validate;

pub use args::Cli;
use args::*;
use output::{err, errln, out};

use crate::escape::for_terminal;
use crate::ops::{self, PlanError, Planned};
use crate::org_file::desired::{AccessRoles, DesiredOrg};
use crate::org_file::{self, LoadOptions, Loaded};
use crate::provider::aws::{AwsOptions, AwsProvider};
use crate::provider::sandbox::{ManagementSeed, SandboxProvider};
use crate::provider::{Provider, ProviderError};
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

impl From<PlanError> for CliError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Provider(e) => CliError::from(e),
            PlanError::Defects(defects) => {
                let list: Vec<String> = defects.iter().map(|d| format!("\n  - {d}")).collect();
                CliError::new(format!("orgctl made a plan it cannot apply; nothing was changed:{}", list.concat()))
                    .help("this is a bug in orgctl: please report it with the file that caused it")
            }
            PlanError::Lockout(lockouts) => {
                let list: Vec<String> = lockouts
                    .iter()
                    .map(|l| {
                        let (account, by) = (for_terminal(&l.account), for_terminal(&l.decided_by));
                        format!("\n  - {} in {account} ({}): denied by {by}", l.action, l.region)
                    })
                    .collect();
                CliError::new(format!(
                    "the plan's SCPs would lock orgctl out of the accounts it manages; nothing was planned:{}",
                    list.concat()
                ))
                .help("exempt orgctl's access role from the statement (ArnNotLike aws:PrincipalArn), or pass --allow-lockout if this is meant")
            }
            PlanError::Invalid(diags) => {
                err!("{}", diagnostics::render(&diags, &crate::source::text::Sources::default()));
                CliError::reported()
            }
        }
    }
}

impl From<ops::apply::NotApplied> for CliError {
    fn from(e: ops::apply::NotApplied) -> Self {
        match e {
            ops::apply::NotApplied::Saved(e) => CliError::from(e),
            ops::apply::NotApplied::Plan(e) => CliError::from(e),
        }
    }
}

impl From<ops::saved::Refusal> for CliError {
    fn from(e: ops::saved::Refusal) -> Self {
        let help = e.help();
        CliError::new(e.to_string()).help(help)
    }
}

type CliResult = Result<ExitCode, CliError>;

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let mut cli = Cli::parse();
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
    let settled = cli.command.target_mut().map_or(Ok(()), |t| settle(t, &|name| std::env::var(name).ok()));
    let result = runtime.block_on(async {
        settled?;
        match cli.command {
            Command::Validate(a) => validate::run(a),
            Command::Plan(a) => plan::run(a, cli.stats).await,
            Command::Apply(a) => apply::run(a, cli.stats).await,
            Command::Import(a) => import::run(a, cli.stats).await,
            Command::Audit(a) => audit::run(a, cli.stats).await,
            Command::Unlock(a) => unlock::run(a).await,
            Command::Show(a) => plan::show(a),
            Command::Explain(a) => explain::run(a).await,
            Command::Completions(a) => shell::completions(a.shell),
            Command::Man => shell::man(),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                // orgctl lays its messages out on lines; what they quote is escaped where it is put.
                errln!("{} {}", style("error:").red().bold(), crate::escape::lines_for_terminal(&e.message));
                if let Some(help) = e.help {
                    errln!("  {} {}", style("help:").cyan(), for_terminal(&help));
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Settles the target options that only mean something together. Written on the command line,
/// `--create-sandbox` without `--sandbox`, or `--profile` with it, is an error; the same options
/// set in the environment (`ORGCTL_CREATE_SANDBOX` or `AWS_PROFILE` in a shell profile) are
/// defaults, and a default never makes a command invalid where it does not apply: it is dropped.
/// An explicit `--profile` wins over an `ORGCTL_SANDBOX` default.
fn settle(target: &mut TargetArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let from_env = |name: &str, value: &str| env(name).is_some_and(|v| v == value);
    let truthy = |name: &str| {
        env(name).is_some_and(|v| {
            clap::builder::TypedValueParser::parse_ref(
                &clap::builder::BoolishValueParser::new(),
                &clap::Command::new("orgctl"),
                None,
                std::ffi::OsStr::new(&v),
            )
            .unwrap_or(false)
        })
    };
    if let (Some(profile), Some(sandbox)) = (&target.profile, &target.sandbox) {
        let sandbox_by_default = from_env("ORGCTL_SANDBOX", &sandbox.to_string_lossy());
        if from_env("AWS_PROFILE", profile) {
            target.profile = None;
        } else if sandbox_by_default {
            target.sandbox = None;
        } else {
            return Err(CliError::new("--profile and --sandbox choose two different organizations")
                .help("pass --sandbox PATH for the local sandbox, or --profile NAME for AWS"));
        }
    }
    if target.create_sandbox && target.sandbox.is_none() {
        if !truthy("ORGCTL_CREATE_SANDBOX") {
            return Err(CliError::new("--create-sandbox needs --sandbox PATH: the sandbox file to create")
                .help("pass --sandbox PATH as well, or leave --create-sandbox out to work on AWS"));
        }
        target.create_sandbox = false;
    }
    Ok(())
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        // orgctl's own warnings; the SDK's chatter (a region looked up from instance metadata)
        // only with -v or ORGCTL_LOG.
        0 => "orgctl=warn",
        1 => "orgctl=debug",
        _ => "orgctl=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORGCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .try_init();
}

pub(super) fn load_options(args: &FileArgs) -> Result<LoadOptions, CliError> {
    let mut options = LoadOptions::default();
    for p in &args.parameters {
        let (k, v) = p.split_once('=').ok_or_else(|| CliError::new(format!("--parameter '{p}' is not NAME=VALUE")))?;
        options.parameters.insert(k.trim().to_string(), v.to_string());
    }
    options.allowed_paths = args.allow_paths.clone();
    options.organization_file = args.organization_file.clone();
    options.commands = crate::source::commands::Commands::new(if args.allow_commands {
        crate::source::commands::CommandPolicy::Run
    } else {
        crate::source::commands::CommandPolicy::Refuse
    });
    for l in &args.limits {
        options.limits.set(l).map_err(|e| CliError::new(format!("--limit: {e}")))?;
    }
    Ok(options)
}

/// Loads a file and opens the organization it describes. A task file with an
/// `annotate-organization` task needs the organization first: it is read, the file loaded
/// against it, and the organization opened again with the roles the file names.
pub(super) async fn load_and_open(
    file: &Path,
    args: &FileArgs,
    target: &TargetArgs,
) -> Result<(ops::Project, Arc<dyn Provider>), CliError> {
    let mut options = load_options(args)?;
    let single = lone_template(file, args.stack_name.as_deref(), None, &mut options)?;
    let file = single.as_ref().map_or(file, |s| s.tasks.as_path());
    let mut fetched = None;
    if crate::tasks::is_task_file(file, &options) {
        let live = crate::tasks::needs_live_organization(file, &options);
        let urls = crate::tasks::template_urls(file, &options);
        if live || !urls.is_empty() {
            let provider = open_provider(target, None, None, None).await?;
            if live {
                options.live_organization = Some(Arc::new(provider.read().await?));
            }
            if !urls.is_empty() {
                let got = crate::ops::fetch::fetch(&urls, provider.as_ref()).await?;
                options.allowed_paths.push(got.dir.path().to_path_buf());
                options.fetched_templates = got.files.clone();
                fetched = Some(got);
            }
        }
    }
    let mut input = load_valid(file, options)?;
    input.fetched = fetched;
    input.single = single;
    let provider = open_provider(target, Some(&input.desired), Some(&input.org), None).await?;
    Ok((input, provider))
}

/// The task file an annotated template deployed on its own stands for (`--stack-name NAME`,
/// org-formation's `update-stacks`); `None` for an org or task file. A template without
/// `--stack-name` is refused: there is no stack name to deploy it as.
/// `default_name` is the stack name a template gets without `--stack-name` (validate's).
pub(super) fn lone_template(
    file: &Path,
    stack_name: Option<&str>,
    default_name: Option<&str>,
    options: &mut LoadOptions,
) -> Result<Option<crate::tasks::single::SingleTemplate>, CliError> {
    let is_template = crate::tasks::single::is_annotated_template(file, options);
    match (stack_name.or(default_name.filter(|_| is_template)), is_template) {
        (None, false) => Ok(None),
        (None, true) => Err(CliError::new(format!(
            "{} is a template (Resources, its own bindings and organization), not an org or task file",
            for_terminal(&file.display().to_string())
        ))
        .help("pass --stack-name NAME to deploy it as one stack, as org-formation's update-stacks does")),
        (Some(_), false) => Err(CliError::new(format!(
            "--stack-name deploys an annotated template, and {} is not one",
            for_terminal(&file.display().to_string())
        ))
        .help("name a template with Resources and its own OrganizationBindings, or leave --stack-name out")),
        (Some(name), true) => crate::tasks::single::task_file_for(file, name, options)
            .map(Some)
            .map_err(|e| CliError::new(format!("cannot prepare the template's task file: {e}"))),
    }
}

fn load_valid(file: &Path, options: LoadOptions) -> Result<ops::Project, CliError> {
    let commands = options.commands.clone();
    let limits = options.limits;
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
        let org = org_file::load(file, &options);
        err!("{}", diagnostics::render(&org.diagnostics, &org.sources));
        (org, None)
    };
    match org.desired.clone() {
        Some(desired) => Ok(ops::Project { org, desired, tasks, fetched: None, commands, single: None, limits }),
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

pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Opens the organization the command works on. `desired` (the file being planned) seeds a new
/// sandbox and names the roles that reach member accounts; a saved plan brings its own `roles`.
pub(super) async fn open_provider(
    target: &TargetArgs,
    desired: Option<&DesiredOrg>,
    loaded: Option<&Loaded>,
    roles: Option<AccessRoles>,
) -> Result<Arc<dyn Provider>, CliError> {
    let Some(path) = &target.sandbox else {
        let roles = roles.or_else(|| desired.map(DesiredOrg::access_roles)).unwrap_or_default();
        let options = AwsOptions { profile: target.profile.clone(), roles };
        let provider = AwsProvider::connect(options).await.map_err(|e| {
            let help = match e.kind() {
                crate::provider::ErrorKind::Credentials => {
                    "or pass --sandbox PATH to work on a local sandbox organization"
                }
                _ => "check the credentials and the organization, or pass --sandbox PATH for a local sandbox",
            };
            CliError::from(e).help(help)
        })?;
        return Ok(Arc::new(provider));
    };
    if !path.exists() && !target.create_sandbox {
        return Err(CliError::new(format!("the sandbox {} does not exist", crate::escape::for_terminal(&path.display().to_string())))
            .help("check the path for a typo, or pass --create-sandbox to create a new sandbox organization from the file's MasterAccount"));
    }
    let provider = match (desired, loaded.and_then(|l| l.spec.management())) {
        (Some(d), Some(management)) if target.create_sandbox => {
            let seed = ManagementSeed {
                account_id: d.management_account_id.clone(),
                name: management.name.as_ref().map_or_else(|| "Management Account".to_string(), |n| n.value.clone()),
                email: management
                    .email
                    .as_ref()
                    .map_or_else(|| format!("root+{}@sandbox.invalid", d.management_account_id), |e| e.value.clone()),
                support_level: management.support_level,
            };
            SandboxProvider::open_or_create(path, &seed, target.lock_timeout)?
        }
        _ => SandboxProvider::open(path, target.lock_timeout)
            .map_err(|e| CliError::from(e).help("a saved plan is applied to an existing sandbox: check --sandbox"))?,
    };
    Ok(Arc::new(provider))
}

/// `--stats`: the API requests the command sent.
pub(super) fn print_stats(stats: bool, provider: &dyn Provider) {
    if let (true, Some(n)) = (stats, provider.request_count()) {
        errln!("orgctl: {n} API requests");
    }
}

/// Loads a file, opens the organization it describes, and plans it (organization and stacks).
pub(super) async fn plan_file(
    file: &Path,
    file_args: &FileArgs,
    target: &TargetArgs,
    scope: &ScopeArgs,
) -> Result<(ops::Project, Arc<dyn Provider>, Planned), CliError> {
    let (input, provider) = load_and_open(file, file_args, target).await?;
    let planned =
        ops::plan_project(&input, provider.as_ref(), &plan_options(scope), &progress::Counter::access_reports())
            .await?;
    Ok((input, provider, planned))
}

/// How the command line's file arguments and scope plan a project.
pub(super) fn plan_options(scope: &ScopeArgs) -> ops::PlanOptions {
    ops::PlanOptions {
        prune: scope.prune,
        targets: scope.targets.clone(),
        allow_lockout: scope.allow_lockout,
        access_report: scope.access_report,
    }
}

pub(super) fn confirm() -> Result<(), CliError> {
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
