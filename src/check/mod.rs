//! `bucketstatestore-webhook check`: the offline checker for manifests in Git or CI.
//!
//! Every BucketStateStore in the input goes through what the cluster would do with it, in
//! the cluster's order: the CRD schema prunes unknown fields and checks types
//! ([`schema`]), the mutating webhook adds its defaults ([`crate::policy::defaults`]), and
//! the validating webhook judges it ([`crate::policy::Policy::judge`]) with the Secrets of
//! the same input (and, with `--cluster`, of the cluster). Findings are written as they are
//! made ([`report`]).
//!
//! # Memory
//!
//! A store can only be judged once every Secret of the input is known, and a Secret may come
//! after its store. The input is therefore read twice, one document at a time
//! ([`input::Documents`]): the first pass parses every document, reduces each Secret to its
//! key names ([`SecretKeys`](crate::secrets::SecretKeys)) and notes which documents are
//! stores by position; the second pass reads the files again and parses only those. Memory
//! grows with the largest document plus the Secret index, not with the input.
//!
//! Standard input cannot be read twice. Rather than spooling it to a temporary file (which
//! would put Secret values on disk), the first pass keeps the text of the store documents
//! only; for stdin, memory therefore grows with the total size of the stores, which are a
//! few hundred bytes each, and never with Secrets or other objects.
//!
//! # Limitations
//!
//! Field lines come from a text scan ([`lines`]); for flow-style YAML or one-line JSON the
//! store's line is used. Inputs are YAML streams or single JSON documents, not JSON streams.

pub mod input;
pub mod lines;
pub mod report;
pub mod schema;

use std::{
    collections::HashSet,
    io::{self, Write},
    ops::Range,
    process::ExitCode,
    sync::Arc,
    time::Duration,
};

use serde_json::Value;

use self::{
    input::{Documents, InputError, Piece, Source},
    lines::Layout,
    report::{Entry, Reporter, Severity, StoreReport, Summary},
    schema::Schema,
};
use crate::{
    config::CheckArgs,
    policy::{API_VERSION, Finding, KIND, Policy, Verdict, defaults},
    secrets::{SecretIndex, SecretStore},
};

/// Runs the checker and returns its exit code: 0 when every store would be admitted, 1 when
/// one would be denied (or has warnings, with `--strict`), 2 when an input could not be
/// read or the check could not run at all.
pub async fn run(args: CheckArgs) -> ExitCode {
    match check(args).await {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let _ = writeln!(io::stderr(), "error: {}", crate::error_chain(&error));
            ExitCode::from(2)
        }
    }
}

/// Why the check could not run (unreadable inputs are findings, not this).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The embedded schema cannot be compiled.
    #[error("the schema cannot be used")]
    Schema(#[from] schema::SchemaError),
    /// `--cluster` was given but no Kubernetes client could be built.
    #[error(
        "--cluster: no Kubernetes configuration found (KUBECONFIG, ~/.kube/config or in-cluster)"
    )]
    Kubernetes(#[source] kube::Error),
    /// The report could not be written.
    #[error("cannot write the report")]
    Output(#[from] io::Error),
}

async fn check(args: CheckArgs) -> Result<u8, CheckError> {
    let schema = Schema::new()?;
    let (sources, missing) = input::sources(&args.paths);

    // First pass: every Secret of the input, and where the stores are.
    let mut index = SecretIndex::default();
    let scans: Vec<Scan> = sources
        .iter()
        .map(|source| scan(source, &mut index))
        .collect();

    let index = Arc::new(index);
    let secrets = if args.cluster {
        let client = kube::Client::try_default()
            .await
            .map_err(CheckError::Kubernetes)?;
        SecretStore::ManifestsThenCluster(index, client)
    } else {
        SecretStore::Manifests(index)
    };
    let checker = Checker {
        schema,
        policy: Policy::new(secrets, args.missing_secret, args.secret_lookup_timeout),
        budget: args.secret_lookup_timeout,
    };

    // Second pass: judge the stores, file by file, in document order.
    let stdout = io::stdout().lock();
    let mut reporter = Reporter::new(args.output, io::BufWriter::with_capacity(1 << 16, stdout));
    for (source, error) in &missing {
        reporter.unreadable(&source.name(), None, &describe(error))?;
    }
    for (source, scan) in sources.iter().zip(scans) {
        checker.review(source, scan, &mut reporter).await?;
    }
    let summary = reporter.finish(&mut io::stderr())?;
    Ok(exit_code(&summary, args.strict))
}

fn exit_code(summary: &Summary, strict: bool) -> u8 {
    if summary.unreadable > 0 {
        2
    } else if summary.denied > 0 || (strict && summary.warned > 0) {
        1
    } else {
        0
    }
}

/// What the first pass keeps of one source.
struct Scan {
    /// The stores to judge in the second pass.
    stores: Stores,
    /// What could not be read, by line (`None`: the whole source).
    unreadable: Vec<(Option<usize>, String)>,
}

enum Stores {
    /// The positions of the documents holding stores, to read again from the file.
    Positions(HashSet<usize>),
    /// The documents themselves, from standard input.
    Kept(Vec<Piece>),
}

/// Reads every document of `source`, adds its Secrets to `index` and notes its stores.
fn scan(source: &Source, index: &mut SecretIndex) -> Scan {
    let mut scan = Scan {
        stores: match source {
            Source::Stdin => Stores::Kept(Vec::new()),
            Source::File(_) => Stores::Positions(HashSet::new()),
        },
        unreadable: Vec::new(),
    };
    let reader = match input::open(source) {
        Ok(reader) => reader,
        Err(error) => {
            scan.unreadable.push((None, describe(&error)));
            return scan;
        }
    };
    let json = source.is_json();
    for piece in Documents::new(reader, json) {
        let piece = match piece {
            Ok(piece) => piece,
            Err((line, error)) => {
                scan.unreadable.push((Some(line), describe(&error)));
                break;
            }
        };
        let document = match input::parse(&piece, json) {
            Ok(document) => document,
            Err((line, error)) => {
                scan.unreadable.push((Some(line), describe(&error)));
                continue;
            }
        };
        let mut holds_store = false;
        for object in objects(&document) {
            index.insert(object);
            holds_store |= is_store(object);
        }
        if holds_store {
            match &mut scan.stores {
                Stores::Positions(positions) => {
                    positions.insert(piece.ordinal);
                }
                Stores::Kept(pieces) => pieces.push(piece),
            }
        }
    }
    scan
}

/// The objects of a document: the items of a `List` (`kind: List` or any `…List` with
/// `items`), or the document itself.
fn objects(document: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match list_items(document) {
        Some(items) => Box::new(items.iter()),
        None => Box::new(std::iter::once(document)),
    }
}

fn list_items(document: &Value) -> Option<&Vec<Value>> {
    let kind = document.get("kind")?.as_str()?;
    if !kind.ends_with("List") {
        return None;
    }
    document.get("items")?.as_array()
}

fn is_store(object: &Value) -> bool {
    object.get("apiVersion").and_then(Value::as_str) == Some(API_VERSION)
        && object.get("kind").and_then(Value::as_str) == Some(KIND)
}

/// An error with its causes, in one line.
fn describe(error: &InputError) -> String {
    crate::error_chain(error)
}

/// The schema and the policy, built once.
struct Checker {
    schema: Schema,
    policy: Policy,
    budget: Duration,
}

impl Checker {
    /// Judges the stores of one source and reports them in line order, with what could
    /// not be read in between.
    async fn review<W: Write>(
        &self,
        source: &Source,
        scan: Scan,
        reporter: &mut Reporter<W>,
    ) -> io::Result<()> {
        let file = source.name();
        let json = source.is_json();
        let mut unreadable = scan.unreadable.into_iter().peekable();

        let pieces: Box<dyn Iterator<Item = Piece>> = match scan.stores {
            Stores::Kept(pieces) => Box::new(pieces.into_iter()),
            Stores::Positions(positions) if positions.is_empty() => Box::new(std::iter::empty()),
            Stores::Positions(positions) => match input::open(source) {
                Ok(reader) => Box::new(
                    Documents::new(reader, json)
                        .map_while(Result::ok)
                        .filter(move |piece| positions.contains(&piece.ordinal)),
                ),
                Err(error) => {
                    reporter.unreadable(&file, None, &describe(&error))?;
                    Box::new(std::iter::empty())
                }
            },
        };

        for piece in pieces {
            while let Some((line, message)) =
                unreadable.next_if(|(line, _)| line.is_none_or(|line| line < piece.line))
            {
                reporter.unreadable(&file, line, &message)?;
            }
            let document = match input::parse(&piece, json) {
                Ok(document) => document,
                Err((line, error)) => {
                    reporter.unreadable(&file, Some(line), &describe(&error))?;
                    continue;
                }
            };
            for report in self.judge_document(&piece, document).await {
                reporter.store(&file, &report)?;
            }
        }
        for (line, message) in unreadable {
            reporter.unreadable(&file, line, &message)?;
        }
        Ok(())
    }

    /// Judges every store in one document.
    async fn judge_document(&self, piece: &Piece, mut document: Value) -> Vec<StoreReport> {
        let layout = Layout::new(&piece.text, piece.first_line);
        let items: Vec<(Value, Option<Range<usize>>)> = if list_items(&document).is_some() {
            let Some(Value::Array(items)) = document.get_mut("items").map(Value::take) else {
                return Vec::new();
            };
            let mut ranges = layout.items();
            if ranges.len() != items.len() {
                // Flow style: there is no line for each item, so all point at the list.
                ranges.clear();
            }
            let ranges = ranges.into_iter().map(Some).chain(std::iter::repeat(None));
            items.into_iter().zip(ranges).collect()
        } else {
            vec![(document, Some(layout.whole()))]
        };

        let mut reports = Vec::new();
        for (object, range) in items {
            if !is_store(&object) {
                continue;
            }
            let at = Place {
                layout: &layout,
                start: range
                    .as_ref()
                    .and_then(|range| layout.start(range))
                    .unwrap_or(piece.line),
                range,
            };
            reports.push(self.judge_store(object, &at).await);
        }
        reports
    }

    /// Runs one store through the schema, the defaults and the policy.
    async fn judge_store(&self, mut object: Value, at: &Place<'_>) -> StoreReport {
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        let label = format!("{KIND}/{name}");
        let mut entries = Vec::new();
        let mut add = |path: &[String], severity, message: String| {
            entries.push(Entry {
                field: path.join("."),
                line: at.line_of(path),
                severity,
                message,
            });
        };

        // The API server drops these without a word, so the store in the cluster differs
        // from the one in Git: a misspelt `authmethod: IAM` quietly becomes accessKey. That
        // is never what the author meant, and a GitOps tool shows endless drift, so it is
        // an error rather than a warning.
        let schema = self.schema.apply(&mut object);
        for finding in schema.pruned {
            add(&finding.path, Severity::Error, finding.message);
        }

        let patch = defaults::patch(&object);
        let mut defaulted = Vec::new();
        if let Some(patch) = patch {
            for operation in &patch.0 {
                if let json_patch::PatchOperation::Add(add) = operation {
                    defaulted.extend(default_entries(&add.path.to_string(), &add.value));
                }
            }
            // Only `add` on a parent that exists; should it fail, the store is judged as is.
            let _ = json_patch::patch(&mut object, &patch);
        }

        let (violations, warnings) = match self.policy.judge(&object, None, self.budget).await {
            Verdict::Allow { warnings } => (Vec::new(), warnings),
            Verdict::Deny {
                violations,
                warnings,
                ..
            } => (violations, warnings),
        };
        let covered = |path: &str| {
            violations.iter().chain(&warnings).any(|finding: &Finding| {
                path == finding.path
                    || path
                        .strip_prefix(finding.path.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        // The policy says what to change; the schema's message for the same field only
        // repeats it less helpfully.
        for finding in schema.invalid {
            if !covered(&finding.path.join(".")) {
                add(&finding.path, Severity::Error, finding.message);
            }
        }
        for (findings, severity) in [(violations, Severity::Error), (warnings, Severity::Warning)] {
            for finding in findings {
                let path: Vec<String> = finding.path.split('.').map(str::to_owned).collect();
                add(&path, severity, finding.message);
            }
        }
        for (path, message) in defaulted {
            add(&path, Severity::Info, message);
        }

        entries.sort_by_key(|entry| entry.line);
        StoreReport {
            line: at.start,
            object: label,
            entries,
        }
    }
}

/// Where a store is in its document, to find the lines of its fields.
struct Place<'a> {
    layout: &'a Layout<'a>,
    range: Option<Range<usize>>,
    start: usize,
}

impl Place<'_> {
    fn line_of(&self, path: &[String]) -> usize {
        self.range
            .clone()
            .and_then(|range| self.layout.line_of(range, path))
            .unwrap_or(self.start)
    }
}

/// The info entries for one `add` of the defaults patch: one a field, also when the whole
/// `spec` is added.
fn default_entries(pointer: &str, value: &Value) -> Vec<(Vec<String>, String)> {
    let path = schema::segments(pointer);
    let said = |value: &Value| match value {
        Value::String(text) => format!("would be defaulted to {text}"),
        other => format!("would be defaulted to {other}"),
    };
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(key, value)| {
                let mut path = path.clone();
                path.push(key.clone());
                (path, said(value))
            })
            .collect(),
        other => vec![(path, said(other))],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn recognises_lists_of_any_kind() {
        let list = json!({"kind": "BucketStateStoreList", "items": [{"kind": "A"}, {"kind": "B"}]});
        assert_eq!(objects(&list).count(), 2);
        let not_a_list = json!({"kind": "ConfigMap", "items": [1]});
        assert_eq!(objects(&not_a_list).count(), 1);
    }

    #[test]
    fn lists_each_default_of_a_whole_spec() {
        let entries = default_entries("/spec", &json!({"authMethod": "accessKey"}));
        assert_eq!(
            entries,
            [(
                vec!["spec".to_owned(), "authMethod".to_owned()],
                "would be defaulted to accessKey".to_owned()
            )]
        );
    }

    #[test]
    fn exits_two_over_one_over_zero() {
        let summary = |denied, warned, unreadable| Summary {
            stores: 3,
            denied,
            warned,
            unreadable,
        };
        assert_eq!(exit_code(&summary(1, 1, 1), false), 2);
        assert_eq!(exit_code(&summary(1, 0, 0), false), 1);
        assert_eq!(exit_code(&summary(0, 1, 0), false), 0);
        assert_eq!(exit_code(&summary(0, 1, 0), true), 1);
        assert_eq!(exit_code(&summary(0, 0, 0), true), 0);
    }
}
