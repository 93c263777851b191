//! What a check reports: violations that deny a store and warnings that only inform.
//!
//! Every finding names the field it is about with its JSON path as users write it
//! (`spec.endpoint`), so the server can put it into one denial message and the offline
//! checker can point at the line of that field.

use std::fmt;

/// One problem with one field: the path and a sentence that says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Dotted path of the field, e.g. `spec.secretRef.namespace`.
    pub path: String,
    /// What is wrong and what to do, without the path and without a trailing period.
    pub message: String,
}

impl Finding {
    /// A finding about the field at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// All findings of one object: violations deny it, warnings are passed to the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Problems that make the store unusable; any one of them denies the request.
    pub violations: Vec<Finding>,
    /// Problems with a store that works but is risky or will probably misbehave.
    pub warnings: Vec<Finding>,
}

/// Characters of a user's value quoted in a message; keeps a message near one line.
pub(crate) const QUOTE_LIMIT: usize = 40;

/// The user's value in Rust debug form (quotes, control characters escaped), cut once the
/// escaped text passes [`QUOTE_LIMIT`] characters so that one huge value cannot swamp the
/// message. Linear in the length of the cut: it runs for every accepted store too.
pub(crate) fn quote(value: &str) -> String {
    let mut width = 0;
    for (at, c) in value.char_indices() {
        // `str`'s Debug escapes like `char::escape_debug`, except that it keeps `'` as is.
        width += if c == '\'' {
            1
        } else {
            c.escape_debug().count()
        };
        if width > QUOTE_LIMIT {
            return format!("{:?}...", &value[..at]);
        }
    }
    format!("{value:?}")
}

impl Findings {
    /// Records a violation of the field at `path`.
    pub fn deny(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.violations.push(Finding::new(path, message));
    }

    /// Records a warning about the field at `path`.
    pub fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Finding::new(path, message));
    }

    /// True when nothing denies the object.
    pub fn is_allowed(&self) -> bool {
        self.violations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_short_values_whole_in_debug_form() {
        assert_eq!(quote("it's \"x\"\n"), r#""it's \"x\"\n""#);
    }

    #[test]
    fn cuts_long_values_after_the_limit_of_escaped_characters() {
        let quoted = quote(&"\t".repeat(100));
        assert_eq!(quoted, format!("\"{}\"...", "\\t".repeat(QUOTE_LIMIT / 2)));
        assert_eq!(
            quote(&"a".repeat(QUOTE_LIMIT)),
            format!("\"{}\"", "a".repeat(QUOTE_LIMIT))
        );
    }
}
