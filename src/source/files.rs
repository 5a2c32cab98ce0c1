//! Reading input files as hostile input: only regular files, only inside the project, bounded in
//! size. An org file that could `!Include /proc/self/environ` would print the process's secrets in
//! a plan, and one that includes a FIFO would hang orgctl, so every file orgctl reads on behalf of
//! an org file, a task file or a template comes through here.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest input file orgctl reads (a 5,000-account org file is about 1 MB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Files that mark the top of a project: an org file may include anything below it.
const PROJECT_MARKERS: [&str; 2] = [".git", ".org-formationrc"];

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    Unreadable(String),
    OutsideProject { roots: Vec<PathBuf> },
    NotRegular,
    TooLarge,
    NotUtf8,
}

impl FileError {
    /// The diagnostic code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Unreadable(_) => "file-unreadable",
            FileError::OutsideProject { .. } => "file-outside-project",
            FileError::NotRegular => "file-not-regular",
            FileError::TooLarge => "file-too-large",
            FileError::NotUtf8 => "file-not-utf8",
        }
    }

    /// The message and the hint a diagnostic shows for this error on `path`.
    pub fn describe(&self, path: &Path) -> (String, String) {
        let shown = path.display();
        match self {
            FileError::Unreadable(e) => (format!("cannot read {shown}: {e}"), "check the path".into()),
            FileError::OutsideProject { roots } => {
                let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
                (
                    format!("{shown} is outside the project"),
                    format!(
                        "orgctl reads files only inside the project of the file given on the command line \
                         (the repository around it, else the current directory, else its own directory): \
                         here {}; pass --allow-path DIR to read from DIR too",
                        roots.join(", ")
                    ),
                )
            }
            FileError::NotRegular => (
                format!("{shown} is not a regular file"),
                "only regular files are read (no FIFOs, devices or directories)".into(),
            ),
            FileError::TooLarge => (
                format!("{shown} is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024),
                "split it with !Include, or check that the path names the file you meant".into(),
            ),
            FileError::NotUtf8 => (format!("{shown} is not UTF-8 text"), "save the file as UTF-8".into()),
        }
    }
}

/// The directories input files may be read from.
#[derive(Debug, Clone, Default)]
pub struct Confinement {
    /// Canonical directories; empty until the first (entry) file is read.
    roots: Vec<PathBuf>,
    /// Directories the user allowed on the command line, added to the entry file's project.
    extra: Vec<PathBuf>,
    /// Whether `!Cmd` may run while these files are read.
    commands: super::commands::Commands,
}

impl Confinement {
    /// A confinement that will also allow `extra` directories (`--allow-path`).
    pub fn allowing(extra: &[PathBuf]) -> Self {
        Confinement { roots: Vec::new(), extra: extra.to_vec(), commands: Default::default() }
    }

    /// The same confinement, with `commands` deciding what a `!Cmd` does.
    pub fn with_commands(mut self, commands: &super::commands::Commands) -> Self {
        self.commands = commands.clone();
        self
    }

    /// What a `!Cmd` may do here.
    pub fn commands(&self) -> &super::commands::Commands {
        &self.commands
    }

    /// The confinement of a command whose entry file is `entry`: its project and `extra`.
    pub fn for_entry(entry: &Path, extra: &[PathBuf]) -> Self {
        let mut c = Confinement::allowing(extra);
        if let Ok(canonical) = entry.canonicalize() {
            c.enter(&canonical);
        }
        c
    }

    /// The directories files may be read from.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether the project is known (an entry file was read).
    pub fn is_set(&self) -> bool {
        !self.roots.is_empty()
    }

    /// Sets the project from the entry file: the nearest directory above it that holds `.git` or
    /// `.org-formationrc`; else the current directory when it holds the file (never `/` or the
    /// home directory, which would open every file of the user); else the file's own directory.
    fn enter(&mut self, canonical_file: &Path) {
        let dir = canonical_file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let too_wide = |p: &Path| p.parent().is_none() || std::env::var_os("HOME").is_some_and(|h| Path::new(&h) == p);
        let marked = dir
            .ancestors()
            .filter(|a| !too_wide(a))
            .find(|a| PROJECT_MARKERS.iter().any(|m| a.join(m).exists()))
            .map(Path::to_path_buf);
        let cwd = || {
            std::env::current_dir().and_then(|c| c.canonicalize()).ok().filter(|c| dir.starts_with(c) && !too_wide(c))
        };
        self.roots.push(marked.or_else(cwd).unwrap_or(dir));
        for extra in &self.extra {
            if let Ok(c) = extra.canonicalize() {
                self.roots.push(c);
            }
        }
    }

    /// Whether `path` (which must exist) is inside the project.
    pub fn contains(&self, path: &Path) -> bool {
        path.canonicalize().is_ok_and(|c| self.roots.iter().any(|r| c.starts_with(r)))
    }

    /// Reads `path` as text. The first file read sets the project; every later one must be inside it.
    /// Whether `path` (which must exist) may be used: inside the project once it is known.
    pub fn check(&self, path: &Path) -> Result<(), FileError> {
        let canonical = path.canonicalize().map_err(|e| FileError::Unreadable(e.to_string()))?;
        if self.is_set() && !self.roots.iter().any(|r| canonical.starts_with(r)) {
            return Err(FileError::OutsideProject { roots: self.roots.clone() });
        }
        Ok(())
    }

    pub fn read(&mut self, path: &Path) -> Result<String, FileError> {
        let canonical = path.canonicalize().map_err(|e| FileError::Unreadable(e.to_string()))?;
        if !self.is_set() {
            self.enter(&canonical);
        } else if !self.roots.iter().any(|r| canonical.starts_with(r)) {
            return Err(FileError::OutsideProject { roots: self.roots.clone() });
        }
        read_regular(&canonical)
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8, without a byte-order mark.
/// The type is checked before the file is opened, so a FIFO is never opened (opening one blocks).
pub fn read_regular(path: &Path) -> Result<String, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| FileError::Unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    let file = std::fs::File::open(path).map_err(|e| FileError::Unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| FileError::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    let text = String::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// `target` (as written in a file) relative to the folder `base`, without `./` steps and with
/// `folder/..` steps taken, so that the same file always has the same path in messages and
/// comparisons (`examples/quickstart/../../landing-zone/x.yml` is `landing-zone/x.yml`). A `..`
/// that climbs above where the path starts stays: confinement decides about it.
pub fn beside(base: &Path, target: &str) -> PathBuf {
    use std::path::Component;
    let joined = base.join(target);
    let mut out: Vec<Component> = Vec::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.into_iter().collect()
}

/// Whether a task file's value names a URL rather than a file.
pub fn is_url(text: &str) -> bool {
    ["s3://", "https://", "http://"].iter().any(|p| text.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_beside_a_file_take_their_dot_steps() {
        assert_eq!(
            beside(Path::new("examples/quickstart"), "../../landing-zone/x.yml"),
            Path::new("landing-zone/x.yml")
        );
        assert_eq!(beside(Path::new("a"), "./b/../c.yml"), Path::new("a/c.yml"));
        assert_eq!(beside(Path::new("a"), "../../outside.yml"), Path::new("../outside.yml"));
        assert_eq!(beside(Path::new("/abs/dir"), "x.yml"), Path::new("/abs/dir/x.yml"));
        assert_eq!(beside(Path::new("a"), ".."), Path::new("."));
    }

    #[test]
    fn a_file_outside_the_entry_files_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        std::fs::create_dir(&project).unwrap();
        std::fs::write(project.join("org.yml"), "a: 1").unwrap();
        std::fs::write(dir.path().join("secret.yml"), "b: 2").unwrap();
        let mut c = Confinement::default();
        assert_eq!(c.read(&project.join("org.yml")).unwrap(), "a: 1");
        let err = c.read(&project.join("../secret.yml")).unwrap_err();
        assert!(matches!(err, FileError::OutsideProject { .. }), "{err:?}");
        assert!(matches!(c.read(Path::new("/etc/hostname")), Err(FileError::OutsideProject { .. })));
    }

    #[test]
    fn allow_path_widens_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("org.yml"), "a: 1").unwrap();
        std::fs::write(b.join("scp.yml"), "b: 2").unwrap();
        let mut c = Confinement::allowing(std::slice::from_ref(&b));
        c.read(&a.join("org.yml")).unwrap();
        assert_eq!(c.read(&b.join("scp.yml")).unwrap(), "b: 2");
    }

    #[test]
    fn a_repository_is_one_project() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let sub = dir.path().join("examples");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("org.yml"), "a: 1").unwrap();
        std::fs::write(dir.path().join("scp.yml"), "b: 2").unwrap();
        let mut c = Confinement::default();
        c.read(&sub.join("org.yml")).unwrap();
        assert_eq!(c.read(&sub.join("../scp.yml")).unwrap(), "b: 2");
    }

    #[test]
    fn fifos_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        if made {
            assert_eq!(read_regular(&fifo), Err(FileError::NotRegular));
        }
        assert_eq!(read_regular(dir.path()), Err(FileError::NotRegular));
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bom.yml");
        std::fs::write(&f, "\u{feff}a: 1").unwrap();
        assert_eq!(read_regular(&f).unwrap(), "a: 1");
    }
}
