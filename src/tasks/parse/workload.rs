//! The workload tasks (`update-cdk`, `update-serverless.com`, `apply-tf`, `register-type`) and
//! `copy-to-s3`: their directory or file, commands, parameters and binding.

use super::Parser;
use crate::source::text::Span;
use crate::source::yaml::Node;
use crate::tasks::task_file::*;
use crate::tasks::upload::Packing;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

impl Parser<'_> {
    /// A workload task: its directory, binding, parameters and commands (checked now, evaluated
    /// per target when planning).
    pub(super) fn workload_task(
        &mut self,
        kind: &str,
        name: &str,
        span: Span,
        node: &Node,
        path: PathBuf,
        params: &TaskValues,
    ) -> Option<WorkloadTask> {
        if kind != "copy-to-s3" && !path.is_dir() {
            let at = node.get("Path").map_or(span, |n| n.span);
            self.error("not-a-directory", at, name, Some("Path"), format!("{} is not a directory", path.display()))
                .help = Some("Path names the workload's directory, relative to the task file".into());
            return None;
        }
        let flag = |this: &mut Self, attribute: &str| {
            node.get(attribute).is_some_and(|n| this.flag(n, name, attribute, params))
        };
        let text =
            |this: &mut Self, attribute: &str| node.get(attribute).and_then(|n| this.text(n, name, attribute, params));
        let number = |this: &mut Self, attribute: &str| {
            let n = node.get(attribute)?;
            let t = this.text(n, name, attribute, params)?;
            t.parse::<u32>().ok().or_else(|| {
                this.error(
                    "expected-number",
                    n.span,
                    name,
                    Some(attribute),
                    format!("{attribute} must be a whole number, found '{t}'"),
                );
                None
            })
        };
        let tool = match kind {
            "update-cdk" => WorkloadTool::Cdk { run_npm_build: flag(self, "RunNpmBuild") },
            "update-serverless.com" => WorkloadTool::Serverless {
                version: number(self, "SLSVersion").unwrap_or(2),
                stage: text(self, "Stage"),
                config: text(self, "Config"),
            },
            "register-type" => {
                let required = |this: &mut Self, attribute: &str| {
                    let value = text(this, attribute);
                    if value.is_none() && node.get(attribute).is_none() {
                        this.error(
                            "missing-attribute",
                            span,
                            name,
                            Some(attribute),
                            format!("a register-type task needs {attribute}"),
                        );
                    }
                    value
                };
                let type_name = required(self, "ResourceType")?;
                let package = required(self, "SchemaHandlerPackage")?;
                if !package.starts_with("s3://") {
                    let at = node.get("SchemaHandlerPackage").map_or(span, |n| n.span);
                    self.error(
                        "invalid-package",
                        at,
                        name,
                        Some("SchemaHandlerPackage"),
                        format!("{package} is not an s3:// URL"),
                    )
                    .help = Some(
                        "CloudFormation registers a type from its handler package in S3: s3://bucket/type.zip".into(),
                    );
                    return None;
                }
                WorkloadTool::RegisterType { type_name, package }
            }
            "copy-to-s3" => self.copy_to_s3(name, span, node, &path, params)?,
            _ => WorkloadTool::Terraform,
        };
        let Some(binding_node) = node.get("OrganizationBinding") else {
            self.error(
                "missing-attribute",
                span,
                name,
                Some("OrganizationBinding"),
                format!("a {kind} task needs OrganizationBinding"),
            )
            .help = Some("say which accounts and regions the workload goes to".into());
            return None;
        };
        let binding = self.binding(binding_node, name, "OrganizationBinding", params);
        if binding.regions.is_empty() {
            self.error(
                "binding-without-region",
                binding_node.span,
                name,
                Some("OrganizationBinding"),
                "the OrganizationBinding has no Region",
            )
            .help = Some("a workload runs once per account and region: give the binding a Region".into());
        }
        let map_of = |this: &mut Self, attribute: &str| {
            let mut out = BTreeMap::new();
            for (k, v) in node.get(attribute).and_then(Node::as_map).unwrap_or_default() {
                let key = k.as_str().unwrap_or_default().to_string();
                if let Some(value) = this.stack_param(v, name, &format!("{attribute}.{key}"), params) {
                    out.insert(key, value);
                }
            }
            out
        };
        let parameters = map_of(self, "Parameters");
        let backend_config = map_of(self, "BackendConfig");
        let ignore_file_changes = node
            .get("IgnoreFileChanges")
            .map(|n| self.strings(n, name, "IgnoreFileChanges", params))
            .unwrap_or_default();
        // An upload has no directory of its own: its file's folder stands in (nothing runs there).
        let path = match &tool {
            WorkloadTool::CopyToS3 { file, .. } => file.parent().map_or(path.clone(), Path::to_path_buf),
            _ => path,
        };
        Some(WorkloadTask {
            tool,
            path,
            binding,
            parameters,
            backend_config,
            deploy_command: node.get("CustomDeployCommand").cloned(),
            remove_command: node.get("CustomRemoveCommand").cloned(),
            init_command: node.get("CustomInitCommand").cloned(),
            run_npm_install: flag(self, "RunNpmInstall"),
            ignore_file_changes,
            task_role_name: node.get("TaskRoleName").and_then(|n| self.stack_param(n, name, "TaskRoleName", params)),
            values: params.clone(),
            max_concurrent: number(self, "MaxConcurrentTasks"),
            failed_tolerance: number(self, "FailedTaskTolerance").unwrap_or(0),
        })
    }

    /// A `copy-to-s3` task's upload: the file (or zipped directory), where it goes, how it is
    /// encrypted and packed.
    pub(super) fn copy_to_s3(
        &mut self,
        name: &str,
        span: Span,
        node: &Node,
        path: &Path,
        params: &TaskValues,
    ) -> Option<WorkloadTool> {
        let zipped = node.get("ZipBeforePut").is_some_and(|n| self.flag(n, name, "ZipBeforePut", params));
        let Some(remote) = node.get("RemotePath") else {
            self.error("missing-attribute", span, name, Some("RemotePath"), "a copy-to-s3 task needs RemotePath")
                .help = Some("the object to write: s3://bucket/key".into());
            return None;
        };
        let remote_path = self.stack_param(remote, name, "RemotePath", params)?;
        let server_side_encryption =
            node.get("ServerSideEncryption").and_then(|n| self.text(n, name, "ServerSideEncryption", params));
        if let Some(sse) = &server_side_encryption {
            const KNOWN: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];
            if !KNOWN.contains(&sse.as_str()) {
                let at = node.get("ServerSideEncryption").map_or(span, |n| n.span);
                self.error(
                    "invalid-value",
                    at,
                    name,
                    Some("ServerSideEncryption"),
                    format!("'{sse}' is not an S3 server-side encryption"),
                )
                .help = Some(format!("one of: {}", KNOWN.join(", ")));
                return None;
            }
        }
        let templating = node.get("TemplatingContext").map(|n| self.templating_context(n, params));
        let at = node.get("LocalPath").map_or(span, |n| n.span);
        let packing = match (templating, zipped) {
            (Some(_), true) => {
                self.error(
                    "conflicting-attributes",
                    at,
                    name,
                    Some("ZipBeforePut"),
                    "a copy-to-s3 task cannot both template and zip",
                )
                .help = Some("drop TemplatingContext or ZipBeforePut".into());
                return None;
            }
            (Some(context), false) => Packing::Templated(context),
            (None, true) => Packing::Zipped,
            (None, false) => Packing::AsIs,
        };
        if path.is_dir() && !zipped {
            self.error("not-a-file", at, name, Some("LocalPath"), format!("{} is a directory", path.display())).help =
                Some("set ZipBeforePut: true to upload the directory as one zip, or name one file".into());
            return None;
        }
        let bytes = match crate::tasks::upload::content(path, &packing) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.error("unreadable-file", at, name, Some("LocalPath"), e.to_string());
                return None;
            }
        };
        Some(WorkloadTool::CopyToS3 {
            file: path.to_path_buf(),
            remote_path,
            server_side_encryption,
            packing,
            md5: crate::model::md5_hex(&bytes),
            size: bytes.len() as u64,
        })
    }
}
