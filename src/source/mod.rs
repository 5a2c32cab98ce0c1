//! The files orgctl reads, below every stage that interprets them: reading confined to the
//! project (`files`), the text of each file for diagnostics (`text`), YAML with the position
//! of every node (`yaml`) and YAML written back (`yaml_write`), the `${}` syntax of `!Sub`
//! (`sub`), nunjucks templating (`templating`), and whether `!Cmd` may run (`commands`).
//! Nothing here knows an org file's resource types or evaluates an expression: `expr`,
//! `org_file` and `tasks` build on it.

pub mod commands;
pub mod files;
pub mod sub;
pub mod templating;
pub mod text;
pub mod yaml;
pub mod yaml_write;
