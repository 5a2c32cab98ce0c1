//! Why a value could not be computed.

/// An evaluation error; the caller adds the location (file, line, resource, property).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl EvalError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        EvalError { code, message: message.into(), help: None }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}
