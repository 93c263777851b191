//! The checker's output in its three formats, written as the input is checked: `human`
//! (grouped by object), `json` (JSON Lines, one record a finding) and `github` (workflow
//! commands that GitHub Actions turns into annotations).
//!
//! It also keeps the counts behind the summary line and the exit code. What a finding says
//! is decided elsewhere ([`super::schema`], [`crate::policy`]); nothing here sees Secret data.

use std::io::{self, Write};

use serde::Serialize;

use crate::config::OutputFormat;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The API server or the webhook would refuse the object, or silently change it.
    Error,
    /// The object is accepted but is risky or will probably misbehave.
    Warning,
    /// What the API server or the webhook would add; nothing to fix.
    Info,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// One finding about one field of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The dotted path of the field, e.g. `spec.authMethod`.
    pub field: String,
    /// The source line of the field, or of the store when the field is not written.
    pub line: usize,
    /// How much it matters.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
}

/// Everything found about one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreReport {
    /// The source line the store starts on.
    pub line: usize,
    /// `BucketStateStore/<name>`.
    pub object: String,
    /// The findings, in line order.
    pub entries: Vec<Entry>,
}

impl StoreReport {
    fn has(&self, severity: Severity) -> bool {
        self.entries.iter().any(|entry| entry.severity == severity)
    }
}

/// The counts of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Stores checked.
    pub stores: usize,
    /// Stores with at least one error.
    pub denied: usize,
    /// Stores with at least one warning.
    pub warned: usize,
    /// Inputs or documents that could not be read.
    pub unreadable: usize,
}

impl Summary {
    /// The summary line, without a newline.
    pub fn line(&self) -> String {
        let noun = if self.stores == 1 { "store" } else { "stores" };
        let mut line = format!(
            "{} {noun} checked: {} denied, {} with warnings",
            self.stores, self.denied, self.warned
        );
        if self.unreadable > 0 {
            let noun = if self.unreadable == 1 {
                "input"
            } else {
                "inputs"
            };
            line.push_str(&format!("; {} {noun} could not be read", self.unreadable));
        }
        line
    }
}

/// One line of `--output json`.
#[derive(Serialize)]
struct Record<'a> {
    file: &'a str,
    line: Option<usize>,
    object: Option<&'a str>,
    field: Option<&'a str>,
    severity: Severity,
    message: &'a str,
}

/// Writes reports in one format and counts them.
pub struct Reporter<W> {
    format: OutputFormat,
    out: W,
    summary: Summary,
}

impl<W: Write> Reporter<W> {
    /// A reporter writing `format` to `out`.
    pub fn new(format: OutputFormat, out: W) -> Self {
        Self {
            format,
            out,
            summary: Summary::default(),
        }
    }

    /// Reports one store of `file`.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn store(&mut self, file: &str, report: &StoreReport) -> io::Result<()> {
        self.summary.stores += 1;
        self.summary.denied += usize::from(report.has(Severity::Error));
        self.summary.warned += usize::from(report.has(Severity::Warning));

        match self.format {
            OutputFormat::Human => {
                writeln!(self.out, "{file}:{} {}", report.line, report.object)?;
                if report.entries.is_empty() {
                    writeln!(self.out, "  ok")?;
                }
                for entry in &report.entries {
                    writeln!(
                        self.out,
                        "  line {:<4} {:<7}  {}: {}",
                        entry.line,
                        entry.severity.as_str(),
                        entry.field,
                        entry.message
                    )?;
                }
            }
            OutputFormat::Json => {
                for entry in &report.entries {
                    self.record(&Record {
                        file,
                        line: Some(entry.line),
                        object: Some(&report.object),
                        field: Some(&entry.field),
                        severity: entry.severity,
                        message: &entry.message,
                    })?;
                }
            }
            OutputFormat::Github => {
                for entry in &report.entries {
                    let command = match entry.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        // Annotations are for what needs a look; defaults would bury them.
                        Severity::Info => continue,
                    };
                    let title = format!("{} {}", report.object, entry.field);
                    let message = format!("{}: {}", entry.field, entry.message);
                    self.command(command, file, Some(entry.line), &title, &message)?;
                }
            }
        }
        Ok(())
    }

    /// Reports an input, or a document of it, that could not be read.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn unreadable(&mut self, file: &str, line: Option<usize>, message: &str) -> io::Result<()> {
        self.summary.unreadable += 1;
        match self.format {
            OutputFormat::Human => match line {
                Some(line) => writeln!(self.out, "{file}:{line} error: {message}"),
                None => writeln!(self.out, "{file} error: {message}"),
            },
            OutputFormat::Json => self.record(&Record {
                file,
                line,
                object: None,
                field: None,
                severity: Severity::Error,
                message,
            }),
            OutputFormat::Github => self.command("error", file, line, "unreadable input", message),
        }
    }

    /// Writes the summary (to the output for `human`, to `summary` otherwise, so that JSON
    /// Lines and workflow commands stay clean) and returns the counts.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn finish(mut self, summary: &mut dyn Write) -> io::Result<Summary> {
        let line = self.summary.line();
        match self.format {
            OutputFormat::Human => writeln!(self.out, "{line}")?,
            OutputFormat::Json | OutputFormat::Github => writeln!(summary, "{line}")?,
        }
        self.out.flush()?;
        Ok(self.summary)
    }

    fn record(&mut self, record: &Record<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }

    /// Writes `::command file=…,line=…,title=…::message`; standard input has no file to
    /// annotate, so its findings carry only the title.
    fn command(
        &mut self,
        command: &str,
        file: &str,
        line: Option<usize>,
        title: &str,
        message: &str,
    ) -> io::Result<()> {
        let mut properties = Vec::new();
        if file != "-" {
            properties.push(format!("file={}", escape_property(file)));
            if let Some(line) = line {
                properties.push(format!("line={line}"));
            }
        }
        properties.push(format!("title={}", escape_property(title)));
        writeln!(
            self.out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(message)
        )
    }
}

/// Escapes the message of a workflow command: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> StoreReport {
        StoreReport {
            line: 3,
            object: "BucketStateStore/s".to_owned(),
            entries: vec![Entry {
                field: "spec.authmethod".to_owned(),
                line: 8,
                severity: Severity::Error,
                message: "is not a field; did you mean authMethod?".to_owned(),
            }],
        }
    }

    fn render(format: OutputFormat, file: &str) -> (String, Summary) {
        let mut out = Vec::new();
        let mut summary_out = Vec::new();
        let mut reporter = Reporter::new(format, &mut out);
        reporter.store(file, &report()).expect("write");
        let summary = reporter.finish(&mut summary_out).expect("write");
        (String::from_utf8(out).expect("utf-8"), summary)
    }

    #[test]
    fn escapes_github_data_and_properties() {
        assert_eq!(escape_data("100%\r\nok: a,b"), "100%25%0D%0Aok: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn writes_github_commands_with_file_and_line() {
        let (text, summary) = render(OutputFormat::Github, "dir/a,b.yaml");
        assert_eq!(
            text,
            "::error file=dir/a%2Cb.yaml,line=8,title=BucketStateStore/s spec.authmethod::\
             spec.authmethod: is not a field; did you mean authMethod?\n"
        );
        assert_eq!(summary.denied, 1);
    }

    #[test]
    fn leaves_out_the_file_for_standard_input_on_github() {
        let (text, _) = render(OutputFormat::Github, "-");
        assert!(text.starts_with("::error title=BucketStateStore/s spec.authmethod::"));
    }

    #[test]
    fn writes_one_json_record_a_finding() {
        let (text, _) = render(OutputFormat::Json, "a.yaml");
        let record: serde_json::Value = serde_json::from_str(&text).expect("one JSON line");
        assert_eq!(record["line"], 8);
        assert_eq!(record["severity"], "error");
        assert_eq!(record["object"], "BucketStateStore/s");
    }

    #[test]
    fn counts_stores_in_the_summary() {
        let summary = Summary {
            stores: 1,
            denied: 1,
            warned: 0,
            unreadable: 2,
        };
        assert_eq!(
            summary.line(),
            "1 store checked: 1 denied, 0 with warnings; 2 inputs could not be read"
        );
    }
}
