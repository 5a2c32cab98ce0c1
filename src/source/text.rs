//! The source files an org file was read from (the file itself and everything it `!Include`s),
//! kept in memory so that diagnostics can show the offending lines.

use super::files::{Confinement, FileError};
use crate::diagnostic::Location;
use std::path::{Path, PathBuf};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub u32);

/// A position inside one of the [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub len: u32,
}

#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Every file read while loading an org file, and where files may be read from.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    confinement: Confinement,
}

impl Sources {
    /// Sources whose files are read through `confinement`.
    pub fn confined(confinement: Confinement) -> Self {
        Sources { files: Vec::new(), confinement }
    }

    /// Reads a file through the confinement (the first file read is the entry file).
    pub fn read(&mut self, path: &Path) -> Result<FileId, FileError> {
        let text = self.confinement.read(path)?;
        Ok(self.add(path.to_path_buf(), text))
    }

    /// Where files may be read from, for readers outside the loader (`!ReadFile`).
    pub fn confinement(&self) -> &Confinement {
        &self.confinement
    }

    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile { path, text });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn location(&self, span: Span) -> Location {
        Location {
            file: self.get(span.file).path.clone(),
            line: span.line as usize,
            column: span.column as usize,
            offset: span.offset as usize,
            len: span.len as usize,
        }
    }
}
