//! States as AWS writes them (`ACTIVE`, `ROLLBACK_COMPLETE`, `IN_PROGRESS`), as enums that keep
//! a state orgctl does not know in `Other` instead of failing on it.

/// An enum of AWS state names with an `Other` case, stored and shown as AWS writes them.
macro_rules! aws_states {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($text => $name::$variant,)+
                    _ => $name::Other(s),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(s: $name) -> Self {
                s.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_states! {
    /// An account's status.
    AccountStatus {
        Active = "ACTIVE",
        Suspended = "SUSPENDED",
        PendingClosure = "PENDING_CLOSURE",
    }
}

impl AccountStatus {
    /// Only active accounts can be reached (password policy, alias, stacks).
    pub fn is_active(&self) -> bool {
        *self == AccountStatus::Active
    }
}

aws_states! {
    /// A CloudFormation stack's status.
    StackStatus {
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateComplete = "CREATE_COMPLETE",
        CreateFailed = "CREATE_FAILED",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackComplete = "ROLLBACK_COMPLETE",
        RollbackFailed = "ROLLBACK_FAILED",
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateComplete = "UPDATE_COMPLETE",
        UpdateFailed = "UPDATE_FAILED",
        UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS",
        UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED",
        UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteComplete = "DELETE_COMPLETE",
        DeleteFailed = "DELETE_FAILED",
        ReviewInProgress = "REVIEW_IN_PROGRESS",
    }
}

impl StackStatus {
    /// Still changing: wait for it.
    pub fn is_in_progress(&self) -> bool {
        self.as_str().ends_with("_IN_PROGRESS")
    }

    /// Failed or rolled back: worth a look.
    pub fn is_failed(&self) -> bool {
        let s = self.as_str();
        s.contains("FAILED") || s.contains("ROLLBACK")
    }
}

aws_states! {
    /// A CreateAccount request's state.
    CreateRequestStatus {
        InProgress = "IN_PROGRESS",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
    }
}
