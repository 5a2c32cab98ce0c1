//! A YAML tree that remembers where every node came from.
//!
//! serde-style YAML values lose positions, and orgctl promises file:line for every error, so the
//! loader builds its own tree from the parser's marked events. It keeps custom tags (`!Ref`,
//! `!Sub`, ...), resolves anchors and aliases, and applies `<<:` merge keys.

use super::text::{FileId, Span};
use crate::diagnostic::{Diagnostic, Location};
use std::collections::HashMap;
use std::path::Path;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The content of a node.
#[derive(Debug, Clone)]
pub enum NodeKind {
    Null,
    /// A scalar, always kept as text; `quoted` tells `'123'` from `123`.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its custom tag (without the `!`) and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub tag: Option<String>,
    pub span: Span,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// What the node is, in words, for error messages.
    pub fn describe(&self) -> &'static str {
        if self.tag.is_some() {
            return "an intrinsic function";
        }
        match self.kind {
            NodeKind::Null => "empty",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// The value of an unquoted scalar, the one way orgctl types them (YAML 1.2's core schema for
/// booleans, decimal integers without a leading zero); everything else is text.
pub fn typed_scalar(text: &str) -> serde_json::Value {
    match text {
        "true" | "True" | "TRUE" => serde_json::Value::Bool(true),
        "false" | "False" | "FALSE" => serde_json::Value::Bool(false),
        _ => match text.parse::<i64>() {
            Ok(n) if !text.starts_with('0') || text == "0" => serde_json::Value::from(n),
            _ => serde_json::Value::String(text.to_string()),
        },
    }
}

/// Parses `text` (the content of the file `file`) into a located tree.
/// Returns `Null` for an empty document.
pub fn parse(text: &str, file: FileId, path: &Path) -> Result<Node, Box<Diagnostic>> {
    let offsets = ByteOffsets::of(text);
    let mut builder = Builder {
        file,
        offsets: offsets.clone(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        error: None,
        nodes: 0,
        bytes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    let at = |m: &Marker| Location {
        file: path.to_path_buf(),
        line: m.line(),
        column: m.col() + 1,
        offset: offsets.byte(m.index()),
        len: 1,
    };
    if let Err(e) = parser.load(&mut builder, false) {
        return Err(Box::new(
            Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", e.info()))
                .at(Some(at(e.marker())))
                .help("fix the YAML syntax at this position (indentation, quoting, a missing ':')"),
        ));
    }
    if let Some((err, span)) = builder.error {
        let location = Location {
            file: path.to_path_buf(),
            line: span.line as usize,
            column: span.column as usize,
            offset: span.offset as usize,
            len: span.len as usize,
        };
        return Err(Box::new(err.at(Some(location))));
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Null,
        tag: None,
        span: Span { file, line: 1, column: 1, offset: 0, len: 0 },
    }))
}

enum Frame {
    Seq { items: Vec<Node>, tag: Option<String>, anchor: usize, span: Span },
    Map { entries: Vec<(Node, Node)>, pending_key: Option<Node>, tag: Option<String>, anchor: usize, span: Span },
}

/// Nodes a document may expand to once aliases are resolved: far above any real org file
/// (a 5,000-account org is about 200,000), far below what would exhaust memory ("billion laughs").
const MAX_NODES: usize = 1_000_000;
/// Bytes of text a document may expand to once aliases are resolved: a 1 MB anchor referenced
/// 20,000 times must be refused, not allocated.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Nesting depth a document may reach; later stages walk the tree recursively.
const MAX_DEPTH: usize = 128;

/// The parser counts positions in characters; spans (and miette, which highlights them) need
/// bytes. Identity for ASCII text, else a table from character index to byte offset.
#[derive(Clone)]
struct ByteOffsets(Option<std::rc::Rc<Vec<usize>>>);

impl ByteOffsets {
    fn of(text: &str) -> Self {
        if text.is_ascii() {
            return ByteOffsets(None);
        }
        let mut table: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        table.push(text.len());
        ByteOffsets(Some(std::rc::Rc::new(table)))
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.0 {
            None => char_index,
            Some(table) => table.get(char_index).or(table.last()).copied().unwrap_or(0),
        }
    }
}

struct Builder {
    file: FileId,
    offsets: ByteOffsets,
    stack: Vec<Frame>,
    /// Anchored nodes with their size in nodes and in bytes of text.
    anchors: HashMap<usize, (Node, Size)>,
    root: Option<Node>,
    /// The first problem the parser itself does not see, and where it is.
    error: Option<(Diagnostic, Span)>,
    nodes: usize,
    bytes: usize,
}

/// How much a node expands to: nodes, and bytes of scalar text.
#[derive(Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

fn size(node: &Node) -> Size {
    let mut total = Size { nodes: 1, bytes: 0 };
    let mut add = |s: Size| {
        total.nodes += s.nodes;
        total.bytes += s.bytes;
    };
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| add(size(i))),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            add(size(k));
            add(size(v));
        }),
        NodeKind::Scalar { text, .. } => add(Size { nodes: 0, bytes: text.len() }),
        NodeKind::Null => {}
    }
    total
}

impl Builder {
    fn span(&self, mark: Marker, len: usize) -> Span {
        Span {
            file: self.file,
            line: mark.line() as u32,
            column: mark.col() as u32 + 1,
            offset: self.offsets.byte(mark.index()) as u32,
            len: len as u32,
        }
    }

    fn fail(&mut self, message: &str, mark: Marker) {
        let span = self.span(mark, 1);
        self.error.get_or_insert_with(|| {
            let d = Diagnostic::error("yaml-too-large", message.to_string())
                .help("org files are plain mappings; this looks like an alias bomb or generated nesting");
            (d, span)
        });
    }

    /// Refuses a mapping that names a key twice: YAML parsers disagree on which one wins, and
    /// `Effect: Deny` followed by `Effect: Allow` must not quietly become an Allow.
    fn check_duplicate_keys(&mut self, entries: &[(Node, Node)]) {
        let mut seen: HashMap<&str, &Node> = HashMap::new();
        for (key, _) in entries {
            let Some(name) = key.as_str() else { continue };
            if is_merge_key(key) {
                // Several `<<:` merge keys: js-yaml (org-formation's reader) merges each in turn,
                // and so does apply_merges (the first to name a key wins, written keys first).
                if seen.contains_key(name) {
                    tracing::warn!(
                        "line {}: a second `<<:` merge key in one mapping; both are merged, as js-yaml does (YAML's own form is `<<: [*a, *b]`)",
                        key.span.line
                    );
                }
                seen.insert(name, key);
                continue;
            }
            if let Some(first) = seen.insert(name, key) {
                let message = format!(
                    "duplicate key '{name}' in this mapping (first at line {}, column {})",
                    first.span.line, first.span.column
                );
                let d = Diagnostic::error("yaml-duplicate-key", message)
                    .help("a key may appear once in a mapping: remove one of them or merge their values");
                self.error.get_or_insert((d, key.span));
                return;
            }
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        self.nodes += 1;
        if let NodeKind::Scalar { text, .. } = &node.kind {
            self.bytes += text.len();
        }
        if anchor > 0 {
            let n = size(&node);
            self.anchors.insert(anchor, (node.clone(), n));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, pending_key, .. }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

fn tag_name(tag: Option<Tag>) -> Option<String> {
    let tag = tag?;
    // `!!str`, `!!int` ... are core schema tags, not intrinsic functions.
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        return None;
    }
    Some(tag.suffix)
}

/// Applies `<<:` merge keys: keys written in the mapping win over merged ones. A merge whose
/// value is not a mapping yet (`<<: !Include defaults.yml`) stays for the loader to apply once
/// the file is included.
pub fn apply_merges(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mergeable = |(k, v): &(Node, Node)| {
        is_merge_key(k)
            && match &v.kind {
                NodeKind::Map(_) => v.tag.is_none(),
                NodeKind::Seq(items) => {
                    v.tag.is_none() && items.iter().all(|i| i.tag.is_none() && i.as_map().is_some())
                }
                _ => false,
            }
    };
    if !entries.iter().any(mergeable) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(mergeable);
    for (_, value) in merges {
        let sources = match value.kind {
            NodeKind::Seq(items) => items,
            _ => vec![value],
        };
        for source in sources {
            if let NodeKind::Map(merged) = source.kind {
                for (k, v) in merged {
                    if !own.iter().any(|(o, _)| o.as_str() == k.as_str()) {
                        own.push((k, v));
                    }
                }
            }
        }
    }
    own
}

pub fn is_merge_key(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Scalar { text, quoted: false } if text == "<<")
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                let tag = tag_name(tag);
                let len = text.len().max(1) + if quoted { 2 } else { 0 };
                let span = self.span(mark, len);
                let kind = if !quoted && tag.is_none() && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar { text, quoted }
                };
                self.finish(Node { kind, tag, span }, anchor);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.fail(&format!("the document nests deeper than {MAX_DEPTH} levels"), mark);
                self.stack.push(Frame::Seq { items: Vec::new(), tag: None, anchor: 0, span: self.span(mark, 1) });
            }
            Event::SequenceStart(anchor, tag) => {
                let span = self.span(mark, 1);
                self.stack.push(Frame::Seq { items: Vec::new(), tag: tag_name(tag), anchor, span });
            }
            Event::MappingStart(anchor, tag) => {
                let span = self.span(mark, 1);
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    tag: tag_name(tag),
                    anchor,
                    span,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, tag, anchor, span }) = self.stack.pop() {
                    self.finish(Node { kind: NodeKind::Seq(items), tag, span }, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, tag, anchor, span, .. }) = self.stack.pop() {
                    self.check_duplicate_keys(&entries);
                    let kind = NodeKind::Map(apply_merges(entries));
                    self.finish(Node { kind, tag, span }, anchor);
                }
            }
            Event::Alias(_) if self.error.is_some() => {}
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some((_, n)) if self.nodes + n.nodes > MAX_NODES => {
                    self.fail(&format!("aliases expand the document past {MAX_NODES} nodes"), mark);
                }
                Some((_, n)) if self.bytes + n.bytes > MAX_BYTES => {
                    self.fail(&format!("aliases expand the document past {} MiB of text", MAX_BYTES >> 20), mark);
                }
                Some((node, n)) => {
                    self.nodes += n.nodes - 1;
                    self.bytes += n.bytes;
                    if let NodeKind::Scalar { text, .. } = &node.kind {
                        self.bytes -= text.len();
                    }
                    self.finish(node, 0);
                }
                None => {
                    let span = self.span(mark, 1);
                    self.error.get_or_insert_with(|| {
                        (Diagnostic::error("yaml-syntax", "an alias refers to an unknown anchor"), span)
                    });
                }
            },
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::typed_scalar;
    use serde_json::json;

    #[test]
    fn one_typer_for_every_stage() {
        assert_eq!(typed_scalar("True"), json!(true));
        assert_eq!(typed_scalar("false"), json!(false));
        assert_eq!(typed_scalar("42"), json!(42));
        assert_eq!(typed_scalar("012345678901"), json!("012345678901"), "account ids keep their zeros");
        assert_eq!(typed_scalar("yes"), json!("yes"), "YAML 1.1 words are text");
    }
}
