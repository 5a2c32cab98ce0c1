//! The kinds of AWS Organizations policy, with what differs between them: the file's resource
//! type and attachment property, AWS's API name, and the limits AWS enforces for each.
//!
//! Its limits are in the one table of AWS's quotas, [`super::quotas`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PolicyType {
    #[default]
    #[serde(rename = "SERVICE_CONTROL_POLICY")]
    ServiceControl,
    #[serde(rename = "RESOURCE_CONTROL_POLICY")]
    ResourceControl,
    #[serde(rename = "TAG_POLICY")]
    Tag,
    #[serde(rename = "BACKUP_POLICY")]
    Backup,
    #[serde(rename = "AISERVICES_OPT_OUT_POLICY")]
    AiServicesOptOut,
    #[serde(rename = "DECLARATIVE_POLICY_EC2")]
    DeclarativeEc2,
    #[serde(rename = "CHATBOT_POLICY")]
    Chatbot,
}

/// The policy AWS attaches to every root, OU and account when a type is enabled, which orgctl
/// never detaches: its name, its id (as on AWS) and its document.
pub struct AwsManagedDefault {
    pub name: &'static str,
    pub id: &'static str,
    pub content: &'static str,
}

impl PolicyType {
    pub const ALL: [PolicyType; 7] = [
        PolicyType::ServiceControl,
        PolicyType::ResourceControl,
        PolicyType::Tag,
        PolicyType::Backup,
        PolicyType::AiServicesOptOut,
        PolicyType::DeclarativeEc2,
        PolicyType::Chatbot,
    ];

    /// The name the Organizations API uses (`SERVICE_CONTROL_POLICY`, ...).
    pub fn api_name(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "SERVICE_CONTROL_POLICY",
            PolicyType::ResourceControl => "RESOURCE_CONTROL_POLICY",
            PolicyType::Tag => "TAG_POLICY",
            PolicyType::Backup => "BACKUP_POLICY",
            PolicyType::AiServicesOptOut => "AISERVICES_OPT_OUT_POLICY",
            PolicyType::DeclarativeEc2 => "DECLARATIVE_POLICY_EC2",
            PolicyType::Chatbot => "CHATBOT_POLICY",
        }
    }

    pub fn from_api_name(name: &str) -> Option<PolicyType> {
        Self::ALL.into_iter().find(|t| t.api_name() == name)
    }

    /// The org file's resource type. Only `OC::ORG::ServiceControlPolicy` is org-formation's;
    /// the others are orgctl extensions named the same way.
    pub fn resource_type(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "OC::ORG::ServiceControlPolicy",
            PolicyType::ResourceControl => "OC::ORG::ResourceControlPolicy",
            PolicyType::Tag => "OC::ORG::TagPolicy",
            PolicyType::Backup => "OC::ORG::BackupPolicy",
            PolicyType::AiServicesOptOut => "OC::ORG::AiServicesOptOutPolicy",
            PolicyType::DeclarativeEc2 => "OC::ORG::DeclarativePolicy",
            PolicyType::Chatbot => "OC::ORG::ChatbotPolicy",
        }
    }

    /// The property of a root, OU or account that attaches policies of this type.
    pub fn attachment_property(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "ServiceControlPolicies",
            PolicyType::ResourceControl => "ResourceControlPolicies",
            PolicyType::Tag => "TagPolicies",
            PolicyType::Backup => "BackupPolicies",
            PolicyType::AiServicesOptOut => "AiServicesOptOutPolicies",
            PolicyType::DeclarativeEc2 => "DeclarativePolicies",
            PolicyType::Chatbot => "ChatbotPolicies",
        }
    }

    /// How messages name the type, as in "tag policy Required-tags".
    pub fn noun(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "service control policy",
            PolicyType::ResourceControl => "resource control policy",
            PolicyType::Tag => "tag policy",
            PolicyType::Backup => "backup policy",
            PolicyType::AiServicesOptOut => "AI services opt-out policy",
            PolicyType::DeclarativeEc2 => "declarative policy",
            PolicyType::Chatbot => "chatbot policy",
        }
    }

    /// A short prefix for a policy's name in plans ("SCP Deny-regions", "RCP Data-perimeter").
    pub fn short(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "SCP",
            PolicyType::ResourceControl => "RCP",
            PolicyType::Tag => "tag policy",
            PolicyType::Backup => "backup policy",
            PolicyType::AiServicesOptOut => "AI opt-out policy",
            PolicyType::DeclarativeEc2 => "declarative policy",
            PolicyType::Chatbot => "chatbot policy",
        }
    }

    /// [`noun`](Self::noun) in the plural ("tag policies").
    pub fn noun_plural(self) -> String {
        plural(self.noun())
    }

    /// [`short`](Self::short) in the plural ("SCPs", "tag policies").
    pub fn short_plural(self) -> String {
        plural(self.short())
    }

    /// AWS's quotas for this type ([`super::quotas`]).
    pub const fn quota(self) -> super::quotas::PolicyQuota {
        super::quotas::policy_quota(self)
    }

    /// The AWS-managed policy attached everywhere when the type is enabled, if the type has one.
    pub fn aws_managed_default(self) -> Option<AwsManagedDefault> {
        match self {
            PolicyType::ServiceControl => Some(AwsManagedDefault {
                name: super::FULL_AWS_ACCESS_NAME,
                id: super::FULL_AWS_ACCESS_ID,
                content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            }),
            PolicyType::ResourceControl => Some(AwsManagedDefault {
                name: "RCPFullAWSAccess",
                id: "p-RCPFullAWSAccess",
                content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            }),
            _ => None,
        }
    }

    /// SCPs and RCPs are written in the IAM policy language; the others are management policies
    /// (JSON with inheritance operators such as `@@assign`).
    pub fn is_authorization_policy(self) -> bool {
        matches!(self, PolicyType::ServiceControl | PolicyType::ResourceControl)
    }

    /// The top-level key a management policy document must have (AWS's syntax pages for each
    /// type); `None` for SCPs and RCPs.
    pub fn document_key(self) -> Option<&'static str> {
        match self {
            PolicyType::ServiceControl | PolicyType::ResourceControl => None,
            PolicyType::Tag => Some("tags"),
            PolicyType::Backup => Some("plans"),
            PolicyType::AiServicesOptOut => Some("services"),
            PolicyType::DeclarativeEc2 => Some("ec2_attributes"),
            PolicyType::Chatbot => Some("chatbot"),
        }
    }
}

fn plural(noun: &str) -> String {
    match noun.strip_suffix("policy") {
        Some(stem) => format!("{stem}policies"),
        None => format!("{noun}s"),
    }
}

impl std::fmt::Display for PolicyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.api_name())
    }
}
