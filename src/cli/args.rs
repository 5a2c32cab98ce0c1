//! The command line, as clap parses it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "orgctl", version, about = "Manage a whole AWS Organization as code (org-formation's file format).", long_about = None)]
pub struct Cli {
    /// When to use colors.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// More logging (-v debug, -vv trace). Credentials are never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print how many API requests the command sent (to stderr).
    #[arg(long, global = true)]
    pub stats: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl Command {
    /// Which organization the command talks to, for the commands that talk to one.
    pub fn target_mut(&mut self) -> Option<&mut TargetArgs> {
        match self {
            Command::Plan(a) => Some(&mut a.target),
            Command::Apply(a) => Some(&mut a.target),
            Command::Import(a) => Some(&mut a.target),
            Command::Audit(a) => Some(&mut a.target),
            Command::Unlock(a) => Some(&mut a.target),
            Command::Explain(a) => Some(&mut a.target),
            Command::Validate(_) | Command::Show(_) | Command::Completions(_) | Command::Man => None,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check an org file without touching any organization.
    Validate(ValidateArgs),
    /// Show what apply would change, reading the live organization.
    Plan(PlanArgs),
    /// Make the organization match the file (or carry out a saved plan).
    Apply(ApplyArgs),
    /// Write an org file that describes the live organization, and take ownership of it.
    Import(ImportArgs),
    /// Report on the organization: inventory, drift from the file, good-practice findings.
    Audit(AuditArgs),
    /// Remove the organization's apply lock left by a run that died (check that none is running).
    Unlock(UnlockArgs),
    /// Show a plan saved with `plan --out` (its digest checked), as plan printed it or as JSON.
    Show(ShowArgs),
    /// Say whether the SCPs let an account do an action, and which statements decide.
    Explain(ExplainArgs),
    /// Print a shell completion script: `orgctl completions bash > /etc/bash_completion.d/orgctl`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `orgctl man > /usr/local/share/man/man1/orgctl.1`.
    Man,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The account: its id, its name, or its logical id in the file.
    pub account: String,
    /// The action, as IAM names it: `ec2:RunInstances`; wildcards (`s3:*`, `*`) ask about
    /// every action of IAM's catalog they match.
    pub action: String,
    /// The region asked for (`aws:RequestedRegion`).
    #[arg(long)]
    pub region: Option<String>,
    /// The resource's ARN.
    #[arg(long, default_value = "*", value_name = "ARN")]
    pub resource: String,
    /// The principal asking (`aws:PrincipalArn`): a role or user in the account.
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// Another condition key of the request, `aws:SourceIp=203.0.113.7` (repeatable; a key given
    /// twice is multivalued).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// The org file: the deciding statements are shown with their line in it.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Evaluate the file alone, reading no organization: what will be allowed once it is applied.
    #[arg(long, requires = "file")]
    pub offline: bool,
    /// Compare the live organization with the file: the actions whose decision the file changes.
    #[arg(long, requires = "file", conflicts_with = "offline")]
    pub diff: bool,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub file_args: FileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The plan file.
    pub plan: PathBuf,
    /// Print the plan as JSON (its operations included).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// How an org file is read.
#[derive(Args, Debug, Clone)]
pub struct FileArgs {
    /// Override a parameter of the file (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Override an AWS limit (repeatable): ou-depth, scps-per-target, scp-size, ous, scps.
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// Also read included files, templates and `!ReadFile` paths from DIR (repeatable). By default
    /// only files inside the project of FILE are read: its repository, else its directory.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_paths: Vec<PathBuf>,
    /// The organization file of a task file (else its update-organization task, else
    /// `organizationFile` in `.org-formationrc`).
    #[arg(long = "organization-file", value_name = "FILE")]
    pub organization_file: Option<PathBuf>,
    /// Let plan and apply run the `!Cmd` functions of the files (a shell command each, in the
    /// file's directory). Off by default: a file under review must not run code when planned.
    /// `validate` never runs them.
    #[arg(long, env = "ORGCTL_ALLOW_COMMANDS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_commands: bool,
    /// FILE is an annotated template with its own bindings and `Organization`: deploy it as one
    /// stack named NAME, with no task file (org-formation's `update-stacks TEMPLATE
    /// --stack-name NAME`); `-p` values for its parameters become the stack's.
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
}

/// Which organization to talk to: AWS (the default), or a sandbox file.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// Use the sandbox organization stored in this JSON file instead of AWS.
    #[arg(long, env = "ORGCTL_SANDBOX", value_name = "PATH")]
    pub sandbox: Option<PathBuf>,
    /// Create the --sandbox file when it does not exist yet, with the file's MasterAccount (a
    /// missing sandbox is otherwise an error: a mistyped path must not plan against an empty
    /// organization).
    #[arg(long, env = "ORGCTL_CREATE_SANDBOX", value_parser = clap::builder::BoolishValueParser::new())]
    pub create_sandbox: bool,
    /// The AWS profile to use (else aws-config's standard chain: environment, SSO, roles...).
    #[arg(long, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// How long to wait while another run holds the sandbox, or (apply on AWS) the
    /// organization's apply lock: 30s, 5m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = humantime::parse_duration)]
    pub lock_timeout: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The org file.
    #[arg(default_value = "organization.yml")]
    pub file: PathBuf,
    #[command(flatten)]
    pub file_args: FileArgs,
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The org file, or a task file (organization-tasks.yml) for the organization and its stacks.
    #[arg(default_value = "organization.yml")]
    pub file: PathBuf,
    #[command(flatten)]
    pub file_args: FileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Save the plan, for `orgctl apply PLAN`.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there is nothing to change, 2 when there is, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Write the CloudFormation template of every stack, per target, into DIR (one file each:
    /// `<task>/<account>-<region>-<stack>.json`), changed or not, to read, diff or lint them.
    #[arg(long, value_name = "DIR")]
    pub show_templates: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// What a plan covers.
#[derive(Args, Debug, Clone, Default)]
pub struct ScopeArgs {
    /// Delete stacks (owned by orgctl) that no task targets any more.
    #[arg(long)]
    pub prune: bool,
    /// Plan only this resource (a logical id of the organization file, or a task name) and what
    /// it needs; repeatable. The rest waits for a full plan.
    #[arg(long = "target", value_name = "LOGICAL_ID")]
    pub targets: Vec<String>,
    /// Plan even though the new SCPs would deny what orgctl itself needs afterwards in the
    /// accounts it manages (assuming their access role, CloudFormation where tasks deploy).
    #[arg(long)]
    pub allow_lockout: bool,
    /// Read IAM's organization access report for the accounts a policy change newly denies
    /// something, and mark each denied service they used in the reporting period (one report
    /// an account, built by IAM in seconds: off by default).
    #[arg(long, env = "ORGCTL_ACCESS_REPORT", value_parser = clap::builder::BoolishValueParser::new())]
    pub access_report: bool,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The org file, a task file, or a plan saved with `plan --out`.
    #[arg(default_value = "organization.yml")]
    pub file: PathBuf,
    #[command(flatten)]
    pub file_args: FileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// How many changes may run at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Print one JSON object per line instead of text: the plan, then an event per change
    /// started, done, failed or skipped, then a summary (for CI logs). Needs --auto-approve.
    #[arg(long, requires = "auto_approve")]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Where to write the org file (standard output when absent).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Do not tag the organization's OUs, policies and accounts with their logical ids. The
    /// first plan then shows those tags as changes.
    #[arg(long)]
    pub no_tag: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The org file or task file to compare with (drift); without it, no drift section.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub file_args: FileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Report format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: crate::audit::render::Format,
    /// Where to write the report (standard output when absent).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Exit 3 when a finding at or above this severity exists: info, low, medium, high, critical.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// A YAML file overriding the checks' thresholds.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}
