//! Where the checker's documents come from: the paths to read, the files in a folder, and the
//! split of a YAML stream into documents that each remember the line they start on.
//!
//! Text is read one line at a time and handed out one document at a time, so memory follows
//! the largest document rather than the whole input. Parsing a document into JSON is also
//! here; what a document means (Secret, store, List) is decided by the caller.

use std::{
    fs,
    io::{self, BufRead},
    path::{Path, PathBuf},
};

use serde_json::Value;

/// One input named on the command line or found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file, read as one JSON document when its name ends in `.json`, as YAML otherwise.
    File(PathBuf),
}

impl Source {
    /// The name shown in reports: the path as found, or `-` for standard input.
    pub fn name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(path) => path.display().to_string(),
        }
    }

    /// True when the text is JSON rather than YAML.
    pub fn is_json(&self) -> bool {
        matches!(self, Self::File(path) if has_extension(path, &["json"]))
    }
}

/// Why an input, or one document of it, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The path does not exist or cannot be opened or listed.
    #[error("cannot open or list it")]
    Open {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Reading failed part-way.
    #[error("reading failed")]
    Read(#[source] io::Error),
    /// The bytes are not text.
    #[error("not a text file (binary data or not UTF-8); only YAML and JSON can be checked")]
    Binary,
    /// A document is not valid YAML or JSON. The message quotes positions, never values.
    #[error("invalid {format}: {message}")]
    Syntax {
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's message without a source snippet.
        message: String,
    },
}

/// Expands `paths` into sources in a stable order: files as given, folders recursively
/// (`*.yaml`, `*.yml`, `*.json`, sorted by path). Paths that cannot be listed are returned
/// as errors with the path, so the others are still checked.
pub fn sources(paths: &[PathBuf]) -> (Vec<Source>, Vec<(Source, InputError)>) {
    let mut found = Vec::new();
    let mut failed = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.push(Source::Stdin);
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found, &mut failed),
            Ok(_) => found.push(Source::File(path.clone())),
            Err(source) => failed.push(open_error(path, source)),
        }
    }
    (found, failed)
}

/// Adds the manifest files under `dir` to `found`, sorted, descending into sub-folders but
/// not into symbolic links to folders (which could loop).
fn walk(dir: &Path, found: &mut Vec<Source>, failed: &mut Vec<(Source, InputError)>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => return failed.push(open_error(dir, source)),
    };
    let mut entries: Vec<(PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .map(|entry| {
            let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
            (entry.path(), is_dir)
        })
        .collect();
    entries.sort();
    for (path, is_dir) in entries {
        if is_dir {
            walk(&path, found, failed);
        } else if has_extension(&path, &["yaml", "yml", "json"]) {
            found.push(Source::File(path));
        }
    }
}

fn open_error(path: &Path, source: io::Error) -> (Source, InputError) {
    let error = InputError::Open {
        path: path.to_owned(),
        source,
    };
    (Source::File(path.to_owned()), error)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extensions.contains(&extension))
}

/// Opens a source for reading line by line.
///
/// # Errors
/// When the file cannot be opened.
pub fn open(source: &Source) -> Result<Box<dyn BufRead>, InputError> {
    match source {
        Source::Stdin => Ok(Box::new(io::BufReader::with_capacity(1 << 16, io::stdin()))),
        Source::File(path) => {
            let file = fs::File::open(path).map_err(|source| InputError::Open {
                path: path.clone(),
                source,
            })?;
            Ok(Box::new(io::BufReader::with_capacity(1 << 16, file)))
        }
    }
}

/// One document of a stream: its text and the line (1-based) of its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The document's text, without its `---` marker.
    pub text: String,
    /// The line in the source on which `text` begins.
    pub first_line: usize,
    /// The line of the document itself: its first line that is neither blank nor a comment.
    pub line: usize,
    /// The position of the document in the source, counting from 0 (empty ones included).
    pub ordinal: usize,
}

/// Hands out the documents of a stream one at a time.
///
/// YAML files are split on `---` at the start of a line and ended by `...`; JSON files are
/// one document. Documents that hold nothing but blank lines and comments are skipped.
pub struct Documents<R> {
    reader: R,
    json: bool,
    line: usize,
    ordinal: usize,
    buffer: Vec<u8>,
    current: Option<Piece>,
    done: bool,
}

impl<R: BufRead> Documents<R> {
    /// Reads documents from `reader`; `json` makes the whole text one document.
    pub fn new(reader: R, json: bool) -> Self {
        Self {
            reader,
            json,
            line: 0,
            ordinal: 0,
            buffer: Vec::with_capacity(256),
            current: None,
            done: false,
        }
    }

    /// Reads the next line into `buffer`; `Ok(false)` at the end.
    fn next_line(&mut self) -> Result<bool, InputError> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(InputError::Read)?;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.line == 1 && self.buffer.starts_with(b"\xEF\xBB\xBF") {
            self.buffer.drain(..3);
        }
        if self.buffer.contains(&0) {
            return Err(InputError::Binary);
        }
        Ok(true)
    }

    /// Ends the current document and returns it if it has content.
    fn close(&mut self) -> Option<Piece> {
        let piece = self.current.take()?;
        self.ordinal += 1;
        (piece.line != 0).then_some(piece)
    }

    fn start(&mut self, first_line: usize) {
        self.current = Some(Piece {
            text: String::new(),
            first_line,
            line: 0,
            ordinal: self.ordinal,
        });
    }

    fn push(&mut self, text: &str, line: usize) {
        if self.current.is_none() {
            self.start(line);
        }
        if let Some(piece) = self.current.as_mut() {
            let trimmed = text.trim_start();
            if piece.line == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
                piece.line = line;
            }
            piece.text.push_str(text);
        }
    }
}

impl<R: BufRead> Iterator for Documents<R> {
    type Item = Result<Piece, (usize, InputError)>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.next_line() {
                Err(error) => {
                    self.done = true;
                    return Some(Err((self.line, error)));
                }
                Ok(false) => {
                    self.done = true;
                    return self.close().map(Ok);
                }
                Ok(true) => {}
            }
            let Ok(text) = String::from_utf8(std::mem::take(&mut self.buffer)) else {
                self.done = true;
                return Some(Err((self.line, InputError::Binary)));
            };
            let line = self.line;
            let marker = if self.json { None } else { marker(&text) };
            let finished = match marker {
                None => {
                    self.push(&text, line);
                    None
                }
                Some(Marker::End) => self.close(),
                Some(Marker::Start(rest)) => {
                    let finished = self.close();
                    self.start(line + 1);
                    if !rest.trim().is_empty() {
                        // `--- {inline: content}` or `--- !tag`: the content starts here.
                        if let Some(piece) = self.current.as_mut() {
                            piece.first_line = line;
                        }
                        self.push(&format!("{rest}\n"), line);
                    }
                    finished
                }
            };
            self.buffer = text.into_bytes();
            if let Some(piece) = finished {
                return Some(Ok(piece));
            }
        }
        None
    }
}

enum Marker<'a> {
    /// `---`, with what follows it on the line.
    Start(&'a str),
    /// `...`
    End,
}

fn marker(line: &str) -> Option<Marker<'_>> {
    let line = line.trim_end_matches(['\n', '\r']);
    let separated = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t']);
    if let Some(rest) = line.strip_prefix("---").filter(|rest| separated(rest)) {
        let rest = rest.trim_start();
        return Some(Marker::Start(if rest.starts_with('#') { "" } else { rest }));
    }
    line.strip_prefix("...")
        .filter(|rest| separated(rest))
        .map(|_| Marker::End)
}

/// Parses one document into JSON, with the position of a syntax error counted from the
/// start of the source.
///
/// # Errors
/// When the text is not valid YAML (or JSON for `json`); the message carries no snippet of
/// the text, which could hold a Secret's value.
pub fn parse(piece: &Piece, json: bool) -> Result<Value, (usize, InputError)> {
    if json {
        return serde_json::from_str(&piece.text).map_err(|error| {
            let line = piece.first_line + error.line().saturating_sub(1);
            let message = format!("{} at column {}", json_reason(&error), error.column());
            let format = "JSON";
            (line, InputError::Syntax { format, message })
        });
    }
    serde_saphyr::from_str::<Value>(&piece.text).map_err(|error| {
        let offset = piece.first_line.saturating_sub(1) as u64;
        let line = error
            .location()
            .map_or(piece.line, |at| (at.line() + offset) as usize);
        let options = serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
            line_offset: offset,
        };
        let message = error.without_snippet().render_with_options(options);
        let format = "YAML";
        (line, InputError::Syntax { format, message })
    })
}

/// The kind of a JSON error in words; serde_json's Display would repeat the position.
fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<(usize, usize, String)> {
        Documents::new(text.as_bytes(), false)
            .map(|piece| piece.expect("text input"))
            .map(|piece| (piece.ordinal, piece.line, piece.text))
            .collect()
    }

    #[test]
    fn splits_documents_keeping_their_lines() {
        let text = "a: 1\n---\n# comment\n\nb: 2\n--- # note\nc: 3\n";
        assert_eq!(
            split(text),
            [
                (0, 1, "a: 1\n".to_owned()),
                (1, 5, "# comment\n\nb: 2\n".to_owned()),
                (2, 7, "c: 3\n".to_owned()),
            ]
        );
    }

    #[test]
    fn skips_empty_documents_but_counts_them() {
        let text = "---\n---\n# only a comment\n---\nkind: A\n...\n";
        assert_eq!(split(text), [(2, 5, "kind: A\n".to_owned())]);
    }

    #[test]
    fn keeps_content_after_the_marker_on_its_line() {
        let pieces: Vec<Piece> = Documents::new("--- {a: 1}\n".as_bytes(), false)
            .map(|piece| piece.expect("text input"))
            .collect();
        assert_eq!(pieces[0].text, "{a: 1}\n");
        assert_eq!((pieces[0].first_line, pieces[0].line), (1, 1));
    }

    #[test]
    fn treats_dashes_inside_text_as_content() {
        let text = "a: |\n  ---\n----\nb: ---\n";
        assert_eq!(split(text).len(), 1);
    }

    #[test]
    fn reads_json_as_one_document() {
        let pieces: Vec<Piece> = Documents::new("{\n\"a\": 1\n}\n".as_bytes(), true)
            .map(|piece| piece.expect("text input"))
            .collect();
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].line, 1);
    }

    #[test]
    fn rejects_binary_data_with_its_line() {
        let mut documents = Documents::new(&b"a: 1\n\x00\x01\n"[..], false);
        match documents.next() {
            Some(Err((2, InputError::Binary))) => {}
            other => panic!("expected a binary error on line 2, got {other:?}"),
        }
    }

    #[test]
    fn reports_yaml_errors_at_the_line_in_the_source() {
        let piece = Piece {
            text: "a: 1\nb: [\n".to_owned(),
            first_line: 10,
            line: 10,
            ordinal: 0,
        };
        let (line, error) = parse(&piece, false).expect_err("unclosed flow sequence");
        assert!((10..=12).contains(&line), "line {line}");
        assert!(error.to_string().starts_with("invalid YAML"));
    }
}
