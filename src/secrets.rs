//! Where the Secret that `spec.secretRef` names is read from, and what is kept of it.
//!
//! Only the key names survive a read, each with whether its value is empty: the values are
//! dropped as soon as the Secret is decoded, so they cannot reach a log line, an error or a
//! response. The server reads through the Kubernetes API with one GET per review (no list,
//! no watch, no cache of Secret data); local runs and the offline checker read Secret
//! manifests instead.

use std::{
    collections::{BTreeMap, HashMap},
    fmt, fs, io,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use serde_json::Value;

/// The keys of one Secret, each with whether its value is non-empty.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretKeys(BTreeMap<String, bool>);

impl SecretKeys {
    /// Keeps the keys of a Secret read from the API. Only `data` counts: the API server
    /// never stores `stringData`.
    pub fn from_secret(secret: &Secret) -> Self {
        let data = secret.data.iter().flatten();
        Self(
            data.map(|(key, value)| (key.clone(), !value.0.is_empty()))
                .collect(),
        )
    }

    /// Keeps the keys of a Secret manifest, from both `data` (base64) and `stringData`
    /// (plain text), as the API server would merge them on create.
    pub fn from_manifest(secret: &Value) -> Self {
        let mut keys = BTreeMap::new();
        for field in ["data", "stringData"] {
            let Some(Value::Object(map)) = secret.get(field) else {
                continue;
            };
            for (key, value) in map {
                let filled = value.as_str().is_some_and(|text| !text.is_empty());
                keys.insert(key.clone(), filled);
            }
        }
        Self(keys)
    }

    /// Whether `key` is present, and present with a non-empty value.
    pub fn state(&self, key: &str) -> KeyState {
        match self.0.get(key) {
            None => KeyState::Missing,
            Some(false) => KeyState::Empty,
            Some(true) => KeyState::Filled,
        }
    }

    /// The key names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What a Secret holds for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// The key is not in the Secret.
    Missing,
    /// The key is there with an empty value.
    Empty,
    /// The key has a value.
    Filled,
}

/// Secrets read from manifests, by namespace and name.
#[derive(Debug, Clone, Default)]
pub struct SecretIndex(HashMap<(String, String), SecretKeys>);

impl SecretIndex {
    /// Adds `document` when it is a Secret manifest with a name; returns whether it was one.
    /// A Secret without a namespace is taken to be in `default`, as `kubectl apply` would.
    pub fn insert(&mut self, document: &Value) -> bool {
        if document.get("kind").and_then(Value::as_str) != Some("Secret") {
            return false;
        }
        let metadata = document.get("metadata");
        let field = |key| metadata.and_then(|m| m.get(key)).and_then(Value::as_str);
        let Some(name) = field("name") else {
            return false;
        };
        let namespace = field("namespace").unwrap_or("default");
        let key = (namespace.to_owned(), name.to_owned());
        self.0.insert(key, SecretKeys::from_manifest(document));
        true
    }

    /// Reads every `*.yaml`, `*.yml` and `*.json` file directly inside `dir` and keeps the
    /// Secrets among their documents.
    ///
    /// # Errors
    /// When the folder or one of its files cannot be read or parsed.
    pub fn load_dir(dir: &Path) -> Result<Self, SecretsDirError> {
        let read_dir = |source| SecretsDirError::Read {
            path: dir.to_owned(),
            source,
        };
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(read_dir)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                matches!(extension, "yaml" | "yml" | "json")
            })
            .collect();
        paths.sort();

        let mut index = Self::default();
        for path in paths {
            let text = fs::read_to_string(&path).map_err(|source| SecretsDirError::Read {
                path: path.clone(),
                source,
            })?;
            let documents: Vec<Value> =
                serde_saphyr::from_multiple(&text).map_err(|error| SecretsDirError::Parse {
                    path: path.clone(),
                    message: error.to_string(),
                })?;
            for document in &documents {
                index.insert(document);
            }
        }
        Ok(index)
    }

    /// The Secret `namespace/name`, if the manifests hold it.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&SecretKeys> {
        self.0.get(&(namespace.to_owned(), name.to_owned()))
    }

    /// How many Secrets the index holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the index holds no Secret.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a folder of Secret manifests could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretsDirError {
    /// The folder or a file in it could not be read.
    #[error("failed to read {}", .path.display())]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A file is not valid YAML or JSON.
    #[error("failed to parse {}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (it quotes positions, not values).
        message: String,
    },
}

/// Where Secrets come from.
#[derive(Clone)]
pub enum SecretStore {
    /// One GET a lookup through the Kubernetes API.
    Cluster(kube::Client),
    /// Secret manifests read at startup.
    Manifests(Arc<SecretIndex>),
    /// Manifests first, then the cluster for what they do not hold (offline checker).
    ManifestsThenCluster(Arc<SecretIndex>, kube::Client),
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cluster(_) => f.write_str("Cluster"),
            Self::Manifests(index) => write!(f, "Manifests({} Secrets)", index.len()),
            Self::ManifestsThenCluster(index, _) => {
                write!(f, "ManifestsThenCluster({} Secrets)", index.len())
            }
        }
    }
}

impl SecretStore {
    /// Reads the keys of Secret `namespace/name`, giving up after `budget`.
    ///
    /// Returns `Ok(None)` when the Secret does not exist.
    ///
    /// # Errors
    /// When the lookup is forbidden, times out or fails otherwise.
    pub async fn keys(
        &self,
        namespace: &str,
        name: &str,
        budget: Duration,
    ) -> Result<Option<SecretKeys>, LookupError> {
        match self {
            Self::Manifests(index) => Ok(index.get(namespace, name).cloned()),
            Self::Cluster(client) => fetch(client, namespace, name, budget).await,
            Self::ManifestsThenCluster(index, client) => match index.get(namespace, name) {
                Some(keys) => Ok(Some(keys.clone())),
                None => fetch(client, namespace, name, budget).await,
            },
        }
    }
}

async fn fetch(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    budget: Duration,
) -> Result<Option<SecretKeys>, LookupError> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let secret = match tokio::time::timeout(budget, api.get_opt(name)).await {
        Err(_elapsed) => return Err(LookupError::TimedOut(budget)),
        Ok(Err(kube::Error::Api(status))) if status.is_forbidden() => {
            return Err(LookupError::Forbidden);
        }
        // The error text of the client names the URL and the cause, never Secret data.
        Ok(Err(error)) => return Err(LookupError::Failed(error.to_string())),
        Ok(Ok(secret)) => secret,
    };
    Ok(secret.as_ref().map(SecretKeys::from_secret))
}

/// Why a Secret could not be read (a Secret that does not exist is not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The API server refused the read: the service account lacks `get` on `secrets`.
    #[error("the API server forbade reading it")]
    Forbidden,
    /// No answer within the budget.
    #[error("the lookup timed out after {:.1}s", .0.as_secs_f64())]
    TimedOut(Duration),
    /// Any other failure (connection refused, TLS, bad answer).
    #[error("the lookup failed: {0}")]
    Failed(String),
}

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_key_names_and_emptiness_from_api_secret() {
        let secret = Secret {
            data: Some(BTreeMap::from([
                ("accessKeyID".to_owned(), ByteString(b"AKIA".to_vec())),
                ("secretAccessKey".to_owned(), ByteString(Vec::new())),
            ])),
            ..Secret::default()
        };
        let keys = SecretKeys::from_secret(&secret);
        assert_eq!(keys.state("accessKeyID"), KeyState::Filled);
        assert_eq!(keys.state("secretAccessKey"), KeyState::Empty);
        assert_eq!(keys.state("other"), KeyState::Missing);
        assert_eq!(format!("{keys:?}"), r#"{"accessKeyID", "secretAccessKey"}"#);
    }

    #[test]
    fn reads_data_and_string_data_from_manifests() {
        let mut index = SecretIndex::default();
        assert!(index.insert(&json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "creds", "namespace": "store"},
            "data": {"accessKeyID": "QUtJQQ=="},
            "stringData": {"secretAccessKey": "plain", "empty": ""}
        })));
        assert!(!index.insert(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}})));
        let keys = index.get("store", "creds").expect("indexed");
        assert_eq!(
            keys.names().collect::<Vec<_>>(),
            ["accessKeyID", "empty", "secretAccessKey"]
        );
        assert_eq!(keys.state("empty"), KeyState::Empty);
        assert_eq!(index.get("default", "creds"), None);
    }

    #[test]
    fn indexes_secret_without_namespace_under_default() {
        let mut index = SecretIndex::default();
        index.insert(&json!({"kind": "Secret", "metadata": {"name": "creds"}}));
        assert!(index.get("default", "creds").is_some());
    }
}
