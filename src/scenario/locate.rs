//! Maps key paths to positions in the scenario text and back, for error messages.

use std::fmt;
use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A key path such as `stages.inspection.routes[1].p`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(pub(crate) Vec<Segment>);

impl KeyPath {
    pub(crate) fn key(&self, key: &str) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        KeyPath(segments)
    }

    pub(crate) fn index(&self, index: usize) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        KeyPath(segments)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                // Quoted where TOML needs it: `stages."x.ray"` is one key, not two.
                Segment::Key(key) if i == 0 => write!(f, "{}", toml_edit::Key::new(key.as_str()))?,
                Segment::Key(key) => write!(f, ".{}", toml_edit::Key::new(key.as_str()))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A node of the parsed document, whatever TOML syntax wrote it.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Item(item) => item.span(),
            Node::Table(table) => table.span(),
            Node::Value(value) => value.span(),
        }
    }

    fn is_table(self) -> bool {
        matches!(self, Node::Table(_) | Node::Item(Item::Table(_)))
    }

    /// The child at `segment`, with the span of its key when it has one.
    fn child(self, segment: &Segment) -> Option<(Option<Range<usize>>, Node<'a>)> {
        match (self, segment) {
            (Node::Item(Item::Table(table)) | Node::Table(table), Segment::Key(key)) => table
                .get_key_value(key)
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (Node::Item(Item::Value(value)) | Node::Value(value), segment) => {
                match (value, segment) {
                    (Value::InlineTable(table), Segment::Key(key)) => table
                        .get_key_value(key)
                        .map(|(key, item)| (key.span(), Node::Item(item))),
                    (Value::Array(array), Segment::Index(index)) => {
                        array.get(*index).map(|v| (None, Node::Value(v)))
                    }
                    _ => None,
                }
            }
            (Node::Item(Item::ArrayOfTables(array)), Segment::Index(index)) => {
                array.get(*index).map(|table| (None, Node::Table(table)))
            }
            _ => None,
        }
    }
}

/// The parsed scenario text, able to say where a key path is written.
pub(crate) struct Locator<'a> {
    document: &'a ImDocument<String>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(document: &'a ImDocument<String>) -> Self {
        Locator { document }
    }

    /// The byte offset of the value at `path`, or of the nearest written key above it.
    pub(crate) fn offset_of(&self, path: &KeyPath) -> Option<usize> {
        self.find(path).map(|(_, offset)| offset)
    }

    /// How many leading segments of `path` the document has, and the byte offset of the value
    /// at the deepest of them (or of the nearest written key above it).
    pub(crate) fn find(&self, path: &KeyPath) -> Option<(usize, usize)> {
        self.find_at(path, false)
    }

    /// As [`Locator::find`], but pointing at the last key itself rather than its value.
    pub(crate) fn find_key(&self, path: &KeyPath) -> Option<(usize, usize)> {
        self.find_at(path, true)
    }

    fn find_at(&self, path: &KeyPath, at_key: bool) -> Option<(usize, usize)> {
        let mut node = Node::Table(self.document.as_table());
        let mut best = None;
        let mut depth = 0;
        for (k, segment) in path.0.iter().enumerate() {
            let Some((key_span, child)) = node.child(segment) else {
                break;
            };
            depth += 1;
            let child_span = if child.is_table() { None } else { child.span() };
            let last_key = at_key && k + 1 == path.0.len();
            let span = if last_key {
                key_span.or(child_span)
            } else {
                child_span.or(key_span)
            };
            best = span.map(|span| span.start).or(best);
            node = child;
        }
        best.map(|offset| (depth, offset))
    }

    /// The TOML type of the value at `path` ("integer", "float", "string", "array", "table",
    /// ...), or `None` when the document has no such key.
    pub(crate) fn type_at(&self, path: &KeyPath) -> Option<&'static str> {
        let mut node = Node::Table(self.document.as_table());
        for segment in &path.0 {
            node = node.child(segment)?.1;
        }
        Some(match node {
            Node::Item(Item::Value(value)) | Node::Value(value) => value.type_name(),
            Node::Item(Item::ArrayOfTables(_)) => "array",
            Node::Item(Item::None) => return None,
            Node::Item(Item::Table(_)) | Node::Table(_) => "table",
        })
    }
}

pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        while index > 0 && !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}
