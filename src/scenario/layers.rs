//! A scenario's layers: the file, the files it `extends`, and overrides set by a sweep, merged
//! into one document that still knows which file and line each key came from.
//!
//! Merging follows one rule: tables merge key by key, at any depth; any other value (a number,
//! a string, an array) replaces the parent's whole. Where a scenario offers alternatives, the
//! child's choice replaces the parent's instead of adding to it: a stage's `shifts` replace its
//! `servers` and the reverse; a law (`service`, a `travel` table) with another `dist` replaces
//! the parent's law whole; `arrivals.process` set to another process drops the keys only the
//! parent's process used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml_edit::{DocumentMut, ImDocument, Item, TableLike};

use super::locate::{self, KeyPath, Locator, Segment};
use super::Problem;

/// The key that names a parent scenario.
pub(crate) const EXTENDS: &str = "extends";

/// One file, parsed. A file that is only a part of a merge lets its parsed document go once
/// merged (parsed TOML takes some hundred bytes a value, a list of 100,000 numbers tens of
/// megabytes) and parses its text again if a key has to be found in it.
pub(crate) struct Layer {
    pub(crate) file: PathBuf,
    text: String,
    document: std::sync::OnceLock<ImDocument<String>>,
}

/// Parses TOML text; a syntax error is a problem at its line and column of `file`.
pub(crate) fn parse_document(text: &str, file: &Path) -> Result<ImDocument<String>, Problem> {
    ImDocument::parse(text.to_string()).map_err(|error| {
        let (line, column) = error
            .span()
            .map_or((0, 0), |span| locate::line_column(text, span.start));
        Problem {
            file: file.to_path_buf(),
            line,
            column,
            key: String::new(),
            message: format!("invalid TOML: {}", error.message().trim()),
        }
    })
}

impl Clone for Layer {
    /// The same file; its document is parsed again when needed.
    fn clone(&self) -> Layer {
        Layer {
            file: self.file.clone(),
            text: self.text.clone(),
            document: std::sync::OnceLock::new(),
        }
    }
}

impl Layer {
    /// A reform of a ledger: a part of a scenario, merged onto the ledger's base as a file that
    /// extends it would be. It may not extend a scenario itself.
    pub(crate) fn overlay(text: String, file: &Path) -> Result<Layer, Problem> {
        let layer = Layer::parse(text, file)?;
        if layer.document().get(EXTENDS).is_some() {
            let offset = layer
                .locator()
                .offset_of(&KeyPath::default().key(EXTENDS))
                .unwrap_or(0);
            let location = layer.location(offset);
            return Err(Problem {
                file: location.file,
                line: location.line,
                column: location.column,
                key: EXTENDS.to_string(),
                message: "a reform is merged onto the ledger's base scenario: it may not extend \
another"
                    .into(),
            });
        }
        Ok(layer)
    }

    /// Where `path` is written in this file, if it is.
    pub(crate) fn location_of(&self, path: &KeyPath) -> Option<Location> {
        self.locator()
            .find(path)
            .filter(|&(depth, _)| depth == path.0.len())
            .map(|(_, offset)| self.location(offset))
    }

    fn parse(text: String, file: &Path) -> Result<Layer, Problem> {
        let document = parse_document(&text, file)?.into();
        Ok(Layer {
            file: file.to_path_buf(),
            text,
            document,
        })
    }

    pub(crate) fn document(&self) -> &ImDocument<String> {
        self.document.get_or_init(|| {
            parse_document(&self.text, &self.file).expect("the text parsed when it was read")
        })
    }

    /// Lets the parsed document go; [`Layer::document`] parses the text again when needed.
    fn forget_document(&mut self) {
        self.document.take();
    }

    /// The parsed document, to edit: taken, so that the next [`Layer::document`] parses again.
    fn take_document(&mut self) -> DocumentMut {
        self.document();
        self.document.take().expect("parsed just above").into_mut()
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn locator(&self) -> Locator<'_> {
        Locator::new(self.document())
    }

    fn location(&self, offset: usize) -> Location {
        let (line, column) = locate::line_column(&self.text, offset);
        Location {
            file: self.file.clone(),
            line,
            column,
        }
    }
}

/// Where something is written: file, 1-based line and column (0, 0 when nowhere in particular).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// A value set from outside the scenario files (a sweep point), and where it was written.
#[derive(Debug, Clone)]
pub struct Override {
    /// Dotted key path into the scenario, such as `stages.xray.servers`.
    pub key: String,
    pub value: toml_edit::Value,
    pub origin: Location,
}

/// The layers of a scenario, child first, and their merge. Cloning shares the files and their
/// merge (a sweep point clones them to set its values), and the inputs read once for all clones.
#[derive(Clone)]
pub(crate) struct Layers {
    files: Arc<[Layer]>,
    /// Values set over the files, each with its parsed key path.
    overrides: Vec<(KeyPath, Override)>,
    /// The files merged; `None` when there is only one file, which is then its own merge (and
    /// keeps its exact positions).
    merged: Option<Arc<Layer>>,
    /// The merge with the overrides set over it; `None` without overrides.
    overridden: Option<DocumentMut>,
    /// Traces and empirical values, read once and shared by every clone.
    pub(crate) shared: Arc<super::Shared>,
}

impl Layers {
    /// Parses `text` (the contents of `file`) and every file it extends.
    pub(crate) fn read(text: &str, file: &Path) -> Result<Layers, Problem> {
        let mut files = vec![Layer::parse(text.to_string(), file)?];
        let mut seen = vec![canonical(file)];
        loop {
            let child = files.last().expect("at least the file itself");
            let Some(item) = child.document().get(EXTENDS) else {
                break;
            };
            let at = |message: String| {
                let offset = child
                    .locator()
                    .offset_of(&KeyPath::default().key(EXTENDS))
                    .unwrap_or(0);
                let location = child.location(offset);
                Problem {
                    file: location.file,
                    line: location.line,
                    column: location.column,
                    key: EXTENDS.to_string(),
                    message,
                }
            };
            let Some(parent_name) = item.as_str() else {
                return Err(at(format!(
                    "expected a string, the path of the parent scenario, got {}",
                    item.type_name()
                )));
            };
            let parent = child
                .file
                .parent()
                .unwrap_or(Path::new(""))
                .join(parent_name);
            let canonical_parent = canonical(&parent);
            if let Some(start) = seen.iter().position(|known| *known == canonical_parent) {
                let chain: Vec<String> = files[start..]
                    .iter()
                    .map(|layer| layer.file.display().to_string())
                    .chain([parent.display().to_string()])
                    .collect();
                return Err(at(format!("extends loop: {}", chain.join(" -> "))));
            }
            let text = super::read_text(&parent).map_err(|error| match error {
                super::TextError::Io(error) => at(format!(
                    "cannot read parent scenario {}{}: {error} (`extends` is relative to the \
folder of the file that names it: a copy of a scenario that extends another needs its parent \
beside it, or make a standalone copy with `landport show`)",
                    parent.display(),
                    resolved(&parent)
                        .map(|path| format!(" (resolved: {})", path.display()))
                        .unwrap_or_default()
                )),
                // Too large or not UTF-8: said at the `extends` line that names the file.
                super::TextError::Invalid(problem) => {
                    at(format!("cannot read parent scenario: {problem}"))
                }
            })?;
            // Only its `extends` is needed until the merge parses it again.
            files.last_mut().map(Layer::forget_document);
            files.push(Layer::parse(text, &parent)?);
            seen.push(canonical_parent);
        }
        let merged = if files.len() > 1 {
            Some(Arc::new(merge(&mut files)?))
        } else {
            None
        };
        Ok(Layers {
            files: files.into(),
            overrides: Vec::new(),
            merged,
            overridden: None,
            shared: Arc::default(),
        })
    }

    /// These layers with `overlays` merged over them in order, each as a file extending the one
    /// before would be.
    pub(crate) fn stacked(&self, overlays: &[&Layer]) -> Result<Layers, Problem> {
        if overlays.is_empty() {
            return Ok(self.clone());
        }
        let mut files: Vec<Layer> = overlays
            .iter()
            .rev()
            .map(|layer| (*layer).clone())
            .collect();
        files.extend(self.files.iter().cloned());
        let merged = merge(&mut files)?;
        Ok(Layers {
            files: files.into(),
            overrides: Vec::new(),
            merged: Some(Arc::new(merged)),
            overridden: None,
            shared: self.shared.clone(),
        })
    }

    /// Sets values over the merged files (replacing any set before).
    pub(crate) fn override_with(&mut self, overrides: &[Override]) {
        self.overrides = overrides
            .iter()
            .map(|o| (parse_key(&o.key), o.clone()))
            .collect();
        let mut document = self.merged().document().clone().into_mut();
        for (key, o) in &self.overrides {
            set(document.as_table_mut(), &key.0, o.value.clone());
        }
        self.overridden = Some(document);
    }

    /// What the scenario says: the merged files with the overrides set over them.
    pub(crate) fn document(&self) -> &toml_edit::Table {
        match &self.overridden {
            Some(document) => document.as_table(),
            None => self.merged().document().as_table(),
        }
    }

    /// Each file with the FNV-1a hash of its text, the scenario's own first.
    pub(crate) fn inputs(&self) -> Vec<(PathBuf, u64)> {
        self.files
            .iter()
            .map(|layer| {
                let hash = crate::engine::fnv1a(layer.text.bytes());
                (layer.file.clone(), hash)
            })
            .collect()
    }

    /// The files, the scenario's own first, then each file it extends in turn.
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        self.files.iter().map(|layer| layer.file.clone()).collect()
    }

    /// The merged document (of one file, that file).
    pub(crate) fn merged(&self) -> &Layer {
        self.merged.as_deref().unwrap_or(&self.files[0])
    }

    /// Where the value at `path` was written: by the override that set it, or by the most
    /// derived file that writes the deepest part of the path.
    pub(crate) fn locate(&self, path: &KeyPath) -> Location {
        self.locate_at(path, false)
    }

    /// Where the key at the end of `path` was written (for a key that should not be there).
    pub(crate) fn locate_key(&self, path: &KeyPath) -> Location {
        self.locate_at(path, true)
    }

    fn locate_at(&self, path: &KeyPath, at_key: bool) -> Location {
        if let Some((_, set_by)) = self
            .overrides
            .iter()
            .rev()
            .find(|(key, _)| path.0.starts_with(&key.0))
        {
            return set_by.origin.clone();
        }
        let mut best: Option<(usize, &Layer, usize)> = None;
        for layer in self.files.iter() {
            let found = if at_key {
                layer.locator().find_key(path)
            } else {
                layer.locator().find(path)
            };
            if let Some((depth, offset)) = found {
                if best.is_none_or(|(best_depth, _, _)| depth > best_depth) {
                    best = Some((depth, layer, offset));
                }
            }
        }
        match best {
            Some((_, layer, offset)) => layer.location(offset),
            None => self.files[0].location(0),
        }
    }
    /// For a problem at `location` in a file the scenario extends (not in the scenario's own
    /// file, nor set by an override): where the scenario's own file comes in, so that the
    /// message names the variant's line too and says how to change the value.
    pub(crate) fn inherited_note(&self, location: &Location, path: &KeyPath) -> Option<String> {
        let own = &self.files[0];
        let overridden = self
            .overrides
            .iter()
            .any(|(key, _)| path.0.starts_with(&key.0));
        if self.files.len() < 2 || location.file == own.file || overridden {
            return None;
        }
        let parent = location.file.display();
        // An array is replaced whole: the key to set is the array's.
        let whole = path
            .0
            .iter()
            .position(|segment| matches!(segment, Segment::Index(_)))
            .unwrap_or(path.0.len());
        let path = KeyPath(path.0[..whole].to_vec());
        // The variant's line when it writes the table that holds the key.
        let holder = own
            .locator()
            .find(&path)
            .filter(|&(depth, _)| depth + 1 >= path.0.len());
        Some(match holder {
            Some((depth, offset)) => {
                let at = own.location(offset);
                let table = KeyPath(path.0[..depth].to_vec());
                format!(
                    " (the value comes from {parent}, merged into `{table}` of {}:{}:{}: set `{path}` there to change it)",
                    at.file.display(),
                    at.line,
                    at.column
                )
            }
            None => format!(
                " (the value comes from {parent}, which {} extends: set `{path}` in {} to change it)",
                own.file.display(),
                own.file.display()
            ),
        })
    }

    /// The file that sets the value at `path`: file names in it are relative to its folder.
    pub(crate) fn file_of(&self, path: &KeyPath) -> PathBuf {
        self.locate(path).file
    }
}

/// Merges the files (child first) into one layer named after the child.
/// Each file's parsed document is let go once merged in.
fn merge(layers: &mut [Layer]) -> Result<Layer, Problem> {
    let (root, children) = layers.split_last_mut().expect("at least the file itself");
    let mut merged = root.take_document();
    for layer in children.iter_mut().rev() {
        check_removals(&merged, layer)?;
        merge_tables(merged.as_table_mut(), layer.take_document().as_table(), &[]);
    }
    merged.remove(EXTENDS);
    // The stages removed (`stages.<name> = false`) are gone from the merge.
    if let Some(stages) = merged.get_mut("stages").and_then(Item::as_table_like_mut) {
        let removed: Vec<String> = stages
            .iter()
            .filter(|(_, item)| item.as_bool() == Some(false))
            .map(|(name, _)| name.to_string())
            .collect();
        for name in removed {
            stages.remove(&name);
        }
    }
    Layer::parse(merged.to_string(), &layers[0].file)
}

/// `path` made absolute and without `.` and `..` (lexically: it need not exist), when it has
/// any: where `../x.toml` really points.
fn resolved(path: &Path) -> Option<PathBuf> {
    let relative_parts = path.components().any(|part| {
        matches!(
            part,
            std::path::Component::CurDir | std::path::Component::ParentDir
        )
    });
    if !relative_parts {
        return None;
    }
    let absolute = std::env::current_dir().ok()?.join(path);
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    (clean != path).then_some(clean)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `stages.<name> = false` removes a stage the files it extends define: removing one they do not
/// is a mistake (a misspelt name, a stage removed twice), refused at its line. (In a file that
/// extends none, the checker refuses it.)
fn check_removals(parents: &DocumentMut, layer: &Layer) -> Result<(), Problem> {
    let Some(stages) = layer
        .document()
        .get("stages")
        .and_then(toml_edit::Item::as_table_like)
    else {
        return Ok(());
    };
    let defined = parents
        .get("stages")
        .and_then(toml_edit::Item::as_table_like);
    for (name, item) in stages.iter() {
        if item.as_bool() != Some(false) {
            continue;
        }
        let has = defined
            .and_then(|stages| stages.get(name))
            .is_some_and(|stage| stage.as_bool() != Some(false));
        if !has {
            let path = KeyPath::default().key("stages").key(name);
            let offset = layer.locator().find(&path).map_or(0, |(_, offset)| offset);
            let location = layer.location(offset);
            return Err(Problem {
                file: location.file,
                line: location.line,
                column: location.column,
                key: path.to_string(),
                message: format!(
                    "removes stage \"{name}\", which the scenarios it extends do not define"
                ),
            });
        }
    }
    Ok(())
}

/// Merges `from` into `into`, the table at `path` (its keys from the top): tables key by key,
/// anything else replaced whole, after the child's choices among alternatives cleared the
/// parent's (see the module's documentation).
fn merge_tables(into: &mut dyn TableLike, from: &dyn TableLike, path: &[&str]) {
    clear_replaced_alternatives(into, from, path);
    for (key, item) in from.iter() {
        let existing = into.get_mut(key);
        match (existing, item.as_table_like()) {
            (Some(existing), Some(from_table)) if existing.is_table_like() => {
                let into_table = existing
                    .as_table_like_mut()
                    .expect("checked to be table-like");
                let path: Vec<&str> = path.iter().copied().chain([key]).collect();
                merge_tables(into_table, from_table, &path);
            }
            _ => {
                into.insert(key, item.clone());
            }
        }
    }
}

/// Removes from the parent's table `into` what the child's table `from` replaces by choosing
/// another alternative.
fn clear_replaced_alternatives(into: &mut dyn TableLike, from: &dyn TableLike, path: &[&str]) {
    let text = |table: &dyn TableLike, key: &str| {
        table.get(key).and_then(Item::as_str).map(str::to_string)
    };
    // A law: another distribution keeps none of the parent's parameters.
    if let (Some(dist), Some(parent_dist)) = (text(from, "dist"), text(into, "dist")) {
        if dist != parent_dist {
            into.clear();
            return;
        }
    }
    match path {
        ["stages", _] => {
            for (chosen, replaced) in [("shifts", "servers"), ("servers", "shifts")] {
                if from.contains_key(chosen) && !from.contains_key(replaced) {
                    into.remove(replaced);
                }
            }
        }
        ["arrivals"] => {
            if let (Some(process), Some(parent_process)) =
                (text(from, "process"), text(into, "process"))
            {
                if process != parent_process {
                    let keeps = super::arrivals::process_keys(&process).unwrap_or(&[]);
                    let dropped: Vec<String> = into
                        .iter()
                        .map(|(key, _)| key.to_string())
                        .filter(|key| {
                            !["process", "to"].contains(&key.as_str())
                                && !keeps.contains(&key.as_str())
                        })
                        .collect();
                    for key in dropped {
                        into.remove(&key);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Sets the value at `path`, creating tables on the way; an array index must exist.
fn set(table: &mut dyn TableLike, path: &[Segment], value: toml_edit::Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Segment::Key(key) = first else {
        return;
    };
    if rest.is_empty() {
        table.insert(key, Item::Value(value));
        return;
    }
    if table.get(key).is_none() {
        table.insert(key, Item::Table(toml_edit::Table::new()));
    }
    let Some(child) = table.get_mut(key) else {
        return;
    };
    set_in_item(child, rest, value);
}

fn set_in_item(item: &mut Item, path: &[Segment], value: toml_edit::Value) {
    match (item, path.first()) {
        (Item::Value(toml_edit::Value::Array(array)), Some(Segment::Index(index))) => {
            if let Some(element) = array.get_mut(*index) {
                if path.len() == 1 {
                    *element = value;
                } else if let Some(table) = element.as_inline_table_mut() {
                    set(table, &path[1..], value);
                }
            }
        }
        (Item::ArrayOfTables(array), Some(Segment::Index(index))) => {
            if let Some(table) = array.get_mut(*index) {
                set(table, &path[1..], value);
            }
        }
        (item, Some(Segment::Key(_))) => {
            if let Some(table) = item.as_table_like_mut() {
                set(table, path, value);
            }
        }
        _ => {}
    }
}

/// Parses a dotted key path with optional indices: `stages.xray.routes[0].p`; a key with dots
/// or spaces in it is quoted: `stages."x ray".servers`.
pub(crate) fn parse_key(key: &str) -> KeyPath {
    let mut segments = Vec::new();
    let mut rest = key.trim();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            segments.push(Segment::Key(quoted[..end].to_string()));
            rest = quoted.get(end + 1..).unwrap_or("");
        } else if let Some(indexed) = rest.strip_prefix('[') {
            let end = indexed.find(']').unwrap_or(indexed.len());
            match indexed[..end].trim().parse() {
                Ok(index) => segments.push(Segment::Index(index)),
                Err(_) => segments.push(Segment::Key(indexed[..end].to_string())),
            }
            rest = indexed.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            segments.push(Segment::Key(rest[..end].trim().to_string()));
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    KeyPath(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_parse_dots_indices_and_quotes() {
        assert_eq!(
            parse_key("stages.xray.routes[1].p").to_string(),
            "stages.xray.routes[1].p"
        );
        let quoted = parse_key("stages.\"x.ray\".servers");
        assert_eq!(
            quoted.0,
            [
                Segment::Key("stages".into()),
                Segment::Key("x.ray".into()),
                Segment::Key("servers".into())
            ]
        );
        assert_eq!(
            parse_key("routes[0]").0,
            [Segment::Key("routes".into()), Segment::Index(0)]
        );
    }

    #[test]
    fn overrides_set_values_inside_arrays_and_new_tables() {
        let mut document: DocumentMut = "a = [{ p = 0.1 }, { q = 2 }]\n".parse().unwrap();
        set(
            document.as_table_mut(),
            &parse_key("a[0].p").0,
            toml_edit::Value::from(0.5),
        );
        set(
            document.as_table_mut(),
            &parse_key("b.c").0,
            toml_edit::Value::from(3),
        );
        let text = document.to_string();
        let reparsed: DocumentMut = text.parse().unwrap();
        assert_eq!(reparsed["a"][0]["p"].as_float(), Some(0.5), "{text}");
        assert_eq!(reparsed["b"]["c"].as_integer(), Some(3), "{text}");
    }
}
