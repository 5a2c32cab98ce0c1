//! The source files an org file was read from (the file itself and everything it `!Include`s),
//! kept in memory so that diagnostics can show the offending lines.

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

/// Every file read while loading an org file.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
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
