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

impl Findings {
    /// Records a violation of the field at `path`.
    pub fn deny(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.violations.push(Finding::new(path, message));
    }

    /// Records a warning about the field at `path`.
    pub fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Finding::new(path, message));
    }

    /// Appends everything `other` found.
    pub fn extend(&mut self, other: Findings) {
        self.violations.extend(other.violations);
        self.warnings.extend(other.warnings);
    }

    /// True when nothing denies the object.
    pub fn is_allowed(&self) -> bool {
        self.violations.is_empty()
    }
}
