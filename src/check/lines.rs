//! Points a finding at the line of its field, by scanning a document's text.
//!
//! The parser does not keep positions, so the text is read again: a key is found at the
//! indentation of its mapping, and its children in the lines indented below it. This is a
//! small indentation-aware scan for block-style YAML and pretty-printed JSON, not a parser;
//! when a key cannot be found (flow style, one-line JSON) the nearest found parent is used,
//! and the caller falls back to the document's line.

use std::ops::Range;

/// The lines of one document, with the source line its text begins on.
pub struct Layout<'a> {
    lines: Vec<&'a str>,
    first_line: usize,
}

impl<'a> Layout<'a> {
    /// Splits `text`, which begins on source line `first_line`.
    pub fn new(text: &'a str, first_line: usize) -> Self {
        Self {
            lines: text.lines().collect(),
            first_line,
        }
    }

    /// All lines of the document.
    pub fn whole(&self) -> Range<usize> {
        0..self.lines.len()
    }

    /// The source line of the first line in `range` that holds content.
    pub fn start(&self, range: &Range<usize>) -> Option<usize> {
        range
            .clone()
            .find(|&index| content(self.lines[index]).is_some())
            .map(|index| self.first_line + index)
    }

    /// The source line of the field at `path` within `range`; when only a parent is found,
    /// the line of the deepest parent; `None` when not even the first key is there.
    pub fn line_of<S: AsRef<str>>(&self, range: Range<usize>, path: &[S]) -> Option<usize> {
        let mut range = range;
        let mut found = None;
        for segment in path {
            let Some((index, column)) = self.find_key(range.clone(), segment.as_ref()) else {
                break;
            };
            found = Some(index);
            range = index + 1..self.block_end(index + 1..range.end, column);
        }
        found.map(|index| self.first_line + index)
    }

    /// The ranges of the entries of the top-level `items` list (of a `List` document).
    pub fn items(&self) -> Vec<Range<usize>> {
        let whole = self.whole();
        let Some((index, column)) = self.find_key(whole.clone(), "items") else {
            return Vec::new();
        };
        let body = index + 1..self.block_end(index + 1..whole.end, column);
        let mut starts = Vec::new();
        let mut item_indent = None;
        for line in body.clone() {
            let Some((indent, rest)) = content(self.lines[line]) else {
                continue;
            };
            let entry = rest.starts_with('-') || rest.starts_with('{');
            match item_indent {
                None if entry => {
                    item_indent = Some(indent);
                    starts.push(line);
                }
                Some(at) if at == indent && entry => starts.push(line),
                _ => {}
            }
        }
        let ends = starts.iter().skip(1).copied().chain([body.end]);
        starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| start..end)
            .collect()
    }

    /// The line index and column of `key` among the keys of the mapping in `range`.
    fn find_key(&self, range: Range<usize>, key: &str) -> Option<(usize, usize)> {
        let mut keys = range.filter_map(|index| key_at(self.lines[index]).map(|k| (index, k)));
        let (first, (column, first_key)) = keys.next()?;
        if first_key == key {
            return Some((first, column));
        }
        keys.find(|(_, (at, name))| *at == column && *name == key)
            .map(|(index, _)| (index, column))
    }

    /// Where the block of a key at `column` ends: at the first line indented less, or at the
    /// same indentation unless it continues a sequence written at the key's indentation.
    fn block_end(&self, range: Range<usize>, column: usize) -> usize {
        range
            .clone()
            .find(|&index| match content(self.lines[index]) {
                None => false,
                Some((indent, rest)) => {
                    indent < column || (indent == column && !rest.starts_with('-'))
                }
            })
            .unwrap_or(range.end)
    }
}

/// The indentation and the rest of a line that holds content (not blank, not a comment).
fn content(line: &str) -> Option<(usize, &str)> {
    let rest = line.trim_start_matches(' ');
    let rest_trimmed = rest.trim_end();
    if rest_trimmed.is_empty() || rest_trimmed.starts_with('#') {
        return None;
    }
    Some((line.len() - rest.len(), rest_trimmed))
}

/// The column and name of the mapping key a line starts with, after any `- ` entries.
pub fn key_at(line: &str) -> Option<(usize, &str)> {
    let (mut column, mut rest) = content(line)?;
    while let Some(after) = rest
        .strip_prefix('-')
        .filter(|after| after.starts_with(' '))
    {
        let trimmed = after.trim_start_matches(' ');
        column += 1 + after.len() - trimmed.len();
        rest = trimmed;
    }
    let (key, after) = match rest.chars().next()? {
        quote @ ('"' | '\'') => {
            let end = rest[1..].find(quote)? + 1;
            (&rest[1..end], &rest[end + 1..])
        }
        _ => {
            let end = rest
                .match_indices(':')
                .map(|(at, _)| at)
                .find(|&at| rest[at + 1..].is_empty() || rest[at + 1..].starts_with([' ', '\t']))?;
            (rest[..end].trim_end(), &rest[end..])
        }
    };
    let after = after.trim_start();
    (after.starts_with(':') && !key.is_empty()).then_some((column, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: &str = "\
apiVersion: platform.kratix.io/v1alpha1
kind: BucketStateStore
metadata:
  name: typo
spec:
  bucketName: kratix
  # a comment
  authmethod: IAM
  secretRef:
    name: creds
    namespace: store
status:
  name: not-this-one
";

    #[test]
    fn finds_nested_fields_under_their_parent() {
        let layout = Layout::new(STORE, 10);
        let whole = layout.whole();
        assert_eq!(
            layout.line_of(whole.clone(), &["spec", "authmethod"]),
            Some(17)
        );
        assert_eq!(
            layout.line_of(whole.clone(), &["spec", "secretRef", "name"]),
            Some(19)
        );
        assert_eq!(
            layout.line_of(whole.clone(), &["metadata", "name"]),
            Some(13)
        );
        assert_eq!(layout.line_of(whole, &["kind"]), Some(11));
    }

    #[test]
    fn falls_back_to_the_deepest_parent_found() {
        let layout = Layout::new(STORE, 1);
        assert_eq!(
            layout.line_of(layout.whole(), &["spec", "endpoint"]),
            Some(5)
        );
        assert_eq!(
            layout.line_of(layout.whole(), &["spec", "secretRef", "x"]),
            Some(9)
        );
        assert_eq!(layout.line_of(layout.whole(), &["nothing"]), None);
    }

    #[test]
    fn does_not_match_a_key_of_another_mapping() {
        let layout = Layout::new("a:\n  name: x\nname: y\n", 1);
        assert_eq!(layout.line_of(layout.whole(), &["name"]), Some(3));
        assert_eq!(layout.line_of(layout.whole(), &["a", "name"]), Some(2));
    }

    #[test]
    fn finds_keys_in_pretty_printed_json() {
        let text =
            "{\n  \"spec\": {\n    \"bucketName\": \"b\",\n    \"endpoint\": \"e\"\n  }\n}\n";
        let layout = Layout::new(text, 1);
        assert_eq!(
            layout.line_of(layout.whole(), &["spec", "endpoint"]),
            Some(4)
        );
    }

    #[test]
    fn finds_the_entries_of_a_list() {
        let text =
            "kind: List\nitems:\n- kind: A\n  spec:\n    x: 1\n- kind: B\n  spec:\n    x: 2\n";
        let layout = Layout::new(text, 1);
        let items = layout.items();
        assert_eq!(items, [2..5, 5..8]);
        assert_eq!(layout.start(&items[1]), Some(6));
        assert_eq!(layout.line_of(items[1].clone(), &["spec", "x"]), Some(8));
        assert_eq!(layout.line_of(items[0].clone(), &["spec", "x"]), Some(5));
    }

    #[test]
    fn reads_keys_with_quotes_and_entries() {
        assert_eq!(key_at("  - - name: x"), Some((6, "name")));
        assert_eq!(key_at("  \"a:b\": 1"), Some((2, "a:b")));
        assert_eq!(key_at("url: http://x"), Some((0, "url")));
        assert_eq!(key_at("- plain"), None);
        assert_eq!(key_at("# key: no"), None);
    }
}
