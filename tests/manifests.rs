//! Checks the deployment manifests under `manifests/`.
//!
//! Every YAML document must parse; every Kubernetes object of a kind k8s-openapi knows must
//! survive a round trip through its typed struct unchanged, so a misspelt or misplaced key
//! fails here instead of being pruned by the apiserver; kustomizations and cert-manager objects
//! must carry the keys they need. When `kubectl` is on PATH, the base and both overlays are
//! rendered with `kubectl kustomize` and the rendered objects are held to the facts the service
//! and `docs/deploy.md` rely on. The static overlay is rendered from a temporary copy with a
//! fresh certificate, so the test needs no earlier `make certs` and writes nothing into the
//! repository.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use std::{env, fs};

use base64::Engine as _;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Service, ServiceAccount};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const APP: &str = "bucketstatestore-webhook";
const TLS_SECRET: &str = "bucketstatestore-webhook-tls";
const SERVICE_HOST: &str = "bucketstatestore-webhook.bucketstatestore-webhook.svc";
const MUTATE: &str = "mutate.bucketstatestore-webhook.kratix.io";
const VALIDATE: &str = "validate.bucketstatestore-webhook.kratix.io";

#[test]
fn parses_every_yaml_document() {
    let files = yaml_files(&manifests_dir());
    assert!(
        files.len() >= 10,
        "expected the base and two overlays, found {files:?}"
    );

    for file in &files {
        let documents = documents(file);
        assert!(
            !documents.is_empty(),
            "{}: no YAML document",
            file.display()
        );
        for (index, document) in documents.iter().enumerate() {
            for key in ["apiVersion", "kind"] {
                assert!(
                    document.get(key).and_then(Value::as_str).is_some(),
                    "{} document {index}: no string `{key}`",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn round_trips_typed_objects_through_k8s_openapi() {
    let mut failures = Vec::new();
    let mut kinds_seen = BTreeSet::new();

    for file in yaml_files(&manifests_dir()) {
        for (index, document) in documents(&file).iter().enumerate() {
            let Some(result) = round_trip_typed(document) else {
                continue;
            };
            kinds_seen.insert(kind(document).to_owned());
            if let Err(lost) = result {
                failures.push(format!("{} document {index}: {lost}", file.display()));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "objects changed in a round trip:\n{}",
        failures.join("\n")
    );
    let expected: BTreeSet<String> = TYPED_KINDS.iter().map(|k| (*k).to_owned()).collect();
    assert_eq!(
        kinds_seen, expected,
        "every typed kind appears in the manifests"
    );
}

#[test]
fn keeps_required_keys_in_kustomizations() {
    let root = manifests_dir();
    let kustomizations: Vec<PathBuf> = yaml_files(&root)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name == "kustomization.yaml")
        })
        .collect();
    assert_eq!(
        kustomizations.len(),
        3,
        "base and two overlays: {kustomizations:?}"
    );

    for path in &kustomizations {
        let [document] = documents(path)
            .try_into()
            .expect("one document per kustomization");
        check_kustomization(path, &document);
    }

    for overlay in ["cert-manager", "static"] {
        let path = root
            .join("overlays")
            .join(overlay)
            .join("kustomization.yaml");
        let [document] = documents(&path)
            .try_into()
            .expect("one document per kustomization");
        assert!(
            document["resources"]
                .as_array()
                .unwrap()
                .contains(&json!("../../base")),
            "{overlay} overlay builds on the base"
        );
    }

    let path = root.join("overlays/static/kustomization.yaml");
    let [document] = documents(&path)
        .try_into()
        .expect("one document per kustomization");
    check_static_kustomization(&document);
}

#[test]
fn keeps_required_keys_in_cert_manager_objects() {
    let mut seen = 0;
    for file in yaml_files(&manifests_dir()) {
        for document in documents(&file) {
            if document["apiVersion"] == "cert-manager.io/v1" {
                check_cert_manager_object(&file, &document);
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 4, "two Issuers and two Certificates");
}

#[test]
fn renders_base_without_ca_bundle() {
    let Some(objects) = render(&manifests_dir().join("base")) else {
        return;
    };

    check_common_facts(&objects);
    for kind in [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ] {
        let configuration = object(&objects, kind, APP);
        assert!(
            !contains_key(configuration, "caBundle"),
            "{kind} in the base carries a caBundle key, which would overwrite an injected CA"
        );
        assert!(
            configuration["metadata"]["annotations"].is_null(),
            "{kind} has annotations"
        );
    }
    assert!(
        objects.iter().all(|o| kind(o) != "Secret"),
        "the base brings no Secret"
    );
}

#[test]
fn renders_cert_manager_overlay_with_inject_annotation() {
    let overlay = manifests_dir().join("overlays/cert-manager");
    let Some(objects) = render(&overlay) else {
        return;
    };
    check_common_facts(&objects);

    // Serving Certificate: writes the mounted Secret and names the Service.
    let serving = objects
        .iter()
        .find(|o| kind(o) == "Certificate" && o["spec"]["secretName"] == TLS_SECRET)
        .expect("a Certificate writes the Secret the Deployment mounts");
    assert_eq!(
        serving["spec"]["dnsNames"],
        json!([SERVICE_HOST, format!("{SERVICE_HOST}.cluster.local")])
    );
    assert_eq!(
        serving["spec"]["isCA"],
        Value::Null,
        "the serving certificate is no CA"
    );

    // Chain: serving Certificate <- CA Issuer <- CA Certificate <- self-signed Issuer.
    let ca_issuer = object(&objects, "Issuer", str_at(serving, "/spec/issuerRef/name"));
    let ca_secret = str_at(ca_issuer, "/spec/ca/secretName");
    let ca_certificate = objects
        .iter()
        .find(|o| kind(o) == "Certificate" && o["spec"]["secretName"] == ca_secret)
        .expect("a Certificate writes the CA Issuer's Secret");
    assert_eq!(ca_certificate["spec"]["isCA"], true);
    let root_issuer = object(
        &objects,
        "Issuer",
        str_at(ca_certificate, "/spec/issuerRef/name"),
    );
    assert!(
        root_issuer["spec"]["selfSigned"].is_object(),
        "the chain starts self-signed"
    );

    let expected = format!("{APP}/{}", str_at(serving, "/metadata/name"));
    for kind in [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ] {
        let configuration = object(&objects, kind, APP);
        assert_eq!(
            configuration["metadata"]["annotations"],
            json!({ "cert-manager.io/inject-ca-from": expected }),
            "{kind} asks the cainjector for the serving Certificate's CA"
        );
        assert!(
            !contains_key(configuration, "caBundle"),
            "{kind} leaves caBundle to cert-manager"
        );
    }
}

#[test]
fn renders_static_overlay_with_ca_bundle() {
    if !kubectl_available() {
        skip_note();
        return;
    }
    let copy = TempCopy::of_manifests_with_certificates();
    let overlay = copy.path().join("manifests/overlays/static");
    let Some(objects) = render(&overlay) else {
        return;
    };
    check_common_facts(&objects);

    let ca_pem = fs::read(overlay.join("ca.crt")).expect("gen-certs.sh wrote ca.crt");
    for kind in [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ] {
        let configuration = object(&objects, kind, APP);
        let webhooks = configuration["webhooks"].as_array().unwrap();
        for webhook in webhooks {
            let bundle = decode_base64(str_at(webhook, "/clientConfig/caBundle"));
            assert_eq!(bundle, ca_pem, "{kind}: caBundle is the CA from ca.crt");
        }
    }

    let secret = object(&objects, "Secret", TLS_SECRET);
    assert_eq!(secret["metadata"]["namespace"], APP);
    assert_eq!(secret["type"], "kubernetes.io/tls");
    for key in ["tls.crt", "tls.key", "ca.crt"] {
        let stored = decode_base64(str_at(&secret["data"], &format!("/{key}")));
        let file = fs::read(overlay.join(key)).unwrap();
        assert_eq!(
            stored, file,
            "Secret key {key} holds the file of the same name"
        );
    }
}

// Facts every rendering shares, whatever the certificate source.

fn check_common_facts(objects: &[Value]) {
    check_namespace(object(objects, "Namespace", APP));
    check_rbac(objects);
    check_deployment(object(objects, "Deployment", APP));
    check_service(object(objects, "Service", APP));
    check_disruption_budget(object(objects, "PodDisruptionBudget", APP));
    check_webhook(
        object(objects, "MutatingWebhookConfiguration", APP),
        MUTATE,
        "/mutate",
    );
    check_webhook(
        object(objects, "ValidatingWebhookConfiguration", APP),
        VALIDATE,
        "/validate",
    );
}

fn check_namespace(namespace: &Value) {
    let labels = &namespace["metadata"]["labels"];
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "restricted");
}

fn check_rbac(objects: &[Value]) {
    let roles: Vec<&Value> = objects
        .iter()
        .filter(|o| kind(o) == "ClusterRole")
        .collect();
    let [role] = roles.as_slice() else {
        panic!("exactly one ClusterRole, found {}", roles.len());
    };
    assert_eq!(
        role["rules"],
        json!([{ "apiGroups": [""], "resources": ["secrets"], "verbs": ["get"] }]),
        "the service may only get Secrets: no list, no watch, nothing else"
    );

    let binding = objects
        .iter()
        .find(|o| kind(o) == "ClusterRoleBinding")
        .expect("a ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(
        binding["subjects"],
        json!([{ "kind": "ServiceAccount", "name": APP, "namespace": APP }])
    );
}

fn check_deployment(deployment: &Value) {
    assert_eq!(deployment["metadata"]["namespace"], APP);
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], APP);
    assert_eq!(pod["automountServiceAccountToken"], true);
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);

    // Spread over nodes, softly, two ways.
    let spread = &pod["topologySpreadConstraints"][0];
    assert_eq!(spread["topologyKey"], "kubernetes.io/hostname");
    assert_eq!(spread["whenUnsatisfiable"], "ScheduleAnyway");
    let anti =
        &pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
    assert_eq!(
        anti[0]["podAffinityTerm"]["topologyKey"],
        "kubernetes.io/hostname"
    );

    let pod_security = &pod["securityContext"];
    assert_eq!(pod_security["runAsNonRoot"], true);
    assert_eq!(pod_security["runAsUser"], 65532);
    assert_eq!(pod_security["runAsGroup"], 65532);
    assert_eq!(pod_security["seccompProfile"]["type"], "RuntimeDefault");

    let containers = pod["containers"].as_array().unwrap();
    let [container] = containers.as_slice() else {
        panic!("one container, found {}", containers.len());
    };
    check_container(container);

    let volume = &pod["volumes"][0];
    assert_eq!(volume["name"], "tls");
    assert_eq!(volume["secret"]["secretName"], TLS_SECRET);
}

fn check_container(container: &Value) {
    assert_eq!(container["image"], "bucketstatestore-webhook:dev");
    assert_eq!(
        container["ports"],
        json!([
            { "name": "https", "containerPort": 8443, "protocol": "TCP" },
            { "name": "admin", "containerPort": 8080, "protocol": "TCP" },
        ])
    );
    assert_eq!(
        container["readinessProbe"]["httpGet"],
        json!({ "path": "/readyz", "port": "admin" })
    );
    assert_eq!(
        container["livenessProbe"]["httpGet"],
        json!({ "path": "/livez", "port": "admin" })
    );
    assert_eq!(
        container["resources"],
        json!({ "requests": { "cpu": "50m", "memory": "32Mi" }, "limits": { "memory": "128Mi" } })
    );

    let security = &container["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["runAsUser"], 65532);
    assert_eq!(security["runAsGroup"], 65532);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"], json!({ "drop": ["ALL"] }));
    assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");

    // A directory mount without subPath, so renewed certificates reach the running pod.
    assert_eq!(
        container["volumeMounts"],
        json!([{ "name": "tls", "mountPath": "/etc/webhook/tls", "readOnly": true }])
    );
    let env = container["env"].as_array().unwrap();
    for (name, value) in [
        ("WEBHOOK_TLS_CERT", "/etc/webhook/tls/tls.crt"),
        ("WEBHOOK_TLS_KEY", "/etc/webhook/tls/tls.key"),
        ("WEBHOOK_LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
    ] {
        assert!(
            env.contains(&json!({ "name": name, "value": value })),
            "container env sets {name}={value}"
        );
    }
}

fn check_service(service: &Value) {
    assert_eq!(service["metadata"]["namespace"], APP);
    assert_eq!(
        service["spec"]["ports"],
        json!([{ "name": "https", "port": 443, "targetPort": "https", "protocol": "TCP" }])
    );
    assert_eq!(
        service["spec"]["selector"],
        json!({ "app.kubernetes.io/name": APP })
    );
}

fn check_disruption_budget(budget: &Value) {
    assert_eq!(budget["spec"]["minAvailable"], 1);
    assert_eq!(
        budget["spec"]["selector"]["matchLabels"],
        json!({ "app.kubernetes.io/name": APP })
    );
}

fn check_webhook(configuration: &Value, name: &str, path: &str) {
    let webhooks = configuration["webhooks"].as_array().unwrap();
    let [webhook] = webhooks.as_slice() else {
        panic!(
            "{name}: one webhook per configuration, found {}",
            webhooks.len()
        );
    };
    assert_eq!(webhook["name"], name);
    assert_eq!(
        webhook["rules"],
        json!([{
            "apiGroups": ["platform.kratix.io"],
            "apiVersions": ["v1alpha1"],
            "resources": ["bucketstatestores"],
            "operations": ["CREATE", "UPDATE"],
            "scope": "Cluster",
        }]),
        "{name}: rules"
    );
    assert_eq!(webhook["matchPolicy"], "Equivalent", "{name}");
    assert_eq!(webhook["sideEffects"], "None", "{name}");
    assert_eq!(webhook["admissionReviewVersions"], json!(["v1"]), "{name}");
    assert_eq!(webhook["failurePolicy"], "Fail", "{name}");
    assert_eq!(webhook["timeoutSeconds"], 5, "{name}");
    if kind(configuration) == "MutatingWebhookConfiguration" {
        assert_eq!(webhook["reinvocationPolicy"], "Never", "{name}");
    }
    assert_eq!(
        webhook["clientConfig"]["service"],
        json!({ "name": APP, "namespace": APP, "path": path, "port": 443 }),
        "{name}: clientConfig.service"
    );
    assert!(
        webhook["clientConfig"]["url"].is_null(),
        "{name}: service, not url"
    );
}

// Source-file checks.

const TYPED_KINDS: [&str; 9] = [
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Deployment",
    "Service",
    "PodDisruptionBudget",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Round-trips `document` through its k8s-openapi type; `None` for kinds without one here.
fn round_trip_typed(document: &Value) -> Option<Result<(), String>> {
    let result = match kind(document) {
        "Namespace" => round_trip::<Namespace>(document),
        "ServiceAccount" => round_trip::<ServiceAccount>(document),
        "ClusterRole" => round_trip::<ClusterRole>(document),
        "ClusterRoleBinding" => round_trip::<ClusterRoleBinding>(document),
        "Deployment" => round_trip::<Deployment>(document),
        "Service" => round_trip::<Service>(document),
        "PodDisruptionBudget" => round_trip::<PodDisruptionBudget>(document),
        "MutatingWebhookConfiguration" => round_trip::<MutatingWebhookConfiguration>(document),
        "ValidatingWebhookConfiguration" => round_trip::<ValidatingWebhookConfiguration>(document),
        _ => return None,
    };
    Some(result)
}

fn round_trip<T: DeserializeOwned + Serialize>(document: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(document.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut differences = Vec::new();
    differences_between(document, &back, String::new(), &mut differences);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!("changed at {}", differences.join(", ")))
    }
}

/// Collects the JSON pointers where `before` and `after` differ.
fn differences_between(before: &Value, after: &Value, at: String, out: &mut Vec<String>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                differences_between(x, y, format!("{at}/{key}"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                differences_between(x, y, format!("{at}/{index}"), out);
            }
        }
        _ if before != after => out.push(if at.is_empty() { "/".to_owned() } else { at }),
        _ => {}
    }
}

const KUSTOMIZATION_KEYS: [&str; 7] = [
    "apiVersion",
    "kind",
    "resources",
    "patches",
    "secretGenerator",
    "replacements",
    "images",
];

fn check_kustomization(path: &Path, document: &Value) {
    let dir = path.parent().unwrap();
    let shown = path.display();
    assert_eq!(
        document["apiVersion"], "kustomize.config.k8s.io/v1beta1",
        "{shown}"
    );
    assert_eq!(document["kind"], "Kustomization", "{shown}");
    for key in document.as_object().unwrap().keys() {
        assert!(
            KUSTOMIZATION_KEYS.contains(&key.as_str()),
            "{shown}: unexpected key `{key}`"
        );
    }

    let resources = document["resources"].as_array().expect("a resources list");
    assert!(!resources.is_empty(), "{shown}: resources is empty");
    let patches = document["patches"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut referenced = BTreeSet::new();
    for entry in resources.iter().chain(patches.iter().map(|p| &p["path"])) {
        let relative = entry
            .as_str()
            .unwrap_or_else(|| panic!("{shown}: {entry} is no path"));
        let target = dir.join(relative);
        assert!(target.exists(), "{shown}: {relative} does not exist");
        referenced.insert(fs::canonicalize(target).unwrap());
    }

    // No YAML file beside a kustomization is forgotten: each one is a resource or a patch.
    for entry in fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().path();
        let is_yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && file != path {
            let file = fs::canonicalize(&file).unwrap();
            assert!(
                referenced.contains(&file),
                "{shown}: {} is not used",
                file.display()
            );
        }
    }
}

fn check_static_kustomization(document: &Value) {
    let generators = document["secretGenerator"]
        .as_array()
        .expect("a secretGenerator");
    let [generator] = generators.as_slice() else {
        panic!("one secretGenerator, found {}", generators.len());
    };
    assert_eq!(generator["name"], TLS_SECRET);
    assert_eq!(generator["namespace"], APP);
    assert_eq!(generator["type"], "kubernetes.io/tls");
    assert_eq!(generator["files"], json!(["tls.crt", "tls.key", "ca.crt"]));
    assert_eq!(generator["options"]["disableNameSuffixHash"], true);

    let replacements = document["replacements"].as_array().expect("replacements");
    let [replacement] = replacements.as_slice() else {
        panic!("one replacement, found {}", replacements.len());
    };
    assert_eq!(replacement["source"]["kind"], "Secret");
    assert_eq!(replacement["source"]["name"], TLS_SECRET);
    assert_eq!(replacement["source"]["fieldPath"], "data.[ca.crt]");
    let targets: BTreeSet<&str> = replacement["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|target| {
            assert_eq!(
                target["fieldPaths"],
                json!(["webhooks.*.clientConfig.caBundle"])
            );
            assert_eq!(target["options"]["create"], true);
            str_at(target, "/select/kind")
        })
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from([
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration"
        ])
    );
}

const CERTIFICATE_SPEC_KEYS: [&str; 9] = [
    "secretName",
    "commonName",
    "dnsNames",
    "isCA",
    "duration",
    "renewBefore",
    "usages",
    "privateKey",
    "issuerRef",
];

fn check_cert_manager_object(file: &Path, document: &Value) {
    let shown = format!("{} {}", file.display(), kind(document));
    assert_eq!(document["metadata"]["namespace"], APP, "{shown}: namespace");
    assert!(
        document["metadata"]["name"].is_string(),
        "{shown}: metadata.name"
    );
    let spec = document["spec"]
        .as_object()
        .unwrap_or_else(|| panic!("{shown}: no spec"));

    match kind(document) {
        "Issuer" => {
            let sources: Vec<&String> = spec.keys().collect();
            assert!(
                sources == ["selfSigned"] || sources == ["ca"],
                "{shown}: exactly one of selfSigned or ca, found {sources:?}"
            );
            if let Some(ca) = spec.get("ca") {
                assert!(ca["secretName"].is_string(), "{shown}: ca.secretName");
            }
        }
        "Certificate" => {
            for key in spec.keys() {
                assert!(
                    CERTIFICATE_SPEC_KEYS.contains(&key.as_str()),
                    "{shown}: key `{key}`"
                );
            }
            assert!(spec["secretName"].is_string(), "{shown}: secretName");
            for key in ["name", "kind", "group"] {
                assert!(
                    spec["issuerRef"][key].is_string(),
                    "{shown}: issuerRef.{key}"
                );
            }
            let is_ca = spec.get("isCA") == Some(&Value::Bool(true));
            assert!(
                is_ca || spec["dnsNames"].is_array(),
                "{shown}: a CA or dnsNames"
            );
            let algorithm = &spec["privateKey"]["algorithm"];
            assert!(
                algorithm == "ECDSA" || algorithm == "RSA",
                "{shown}: key algorithm"
            );
        }
        other => panic!("{shown}: unexpected cert-manager kind {other}"),
    }
}

// Rendering.

fn render(dir: &Path) -> Option<Vec<Value>> {
    if !kubectl_available() {
        skip_note();
        return None;
    }
    let output = Command::new(kubectl())
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl ran a moment ago");
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("kustomize writes UTF-8");
    Some(serde_saphyr::from_multiple::<Value>(&text).expect("rendered YAML parses"))
}

fn kubectl() -> String {
    env::var("KUBECTL").unwrap_or_else(|_| "kubectl".to_owned())
}

fn kubectl_available() -> bool {
    Command::new(kubectl())
        .args(["version", "--client"])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn skip_note() {
    // Straight to the process's stderr: the harness captures `println!` of passing tests.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "note: kubectl is not on PATH; skipping the kustomize rendering checks"
    );
}

/// A private copy of `manifests/` in the temporary directory, removed on drop.
struct TempCopy {
    root: PathBuf,
}

impl TempCopy {
    /// Copies the manifests (without any certificate files) and runs `certs/gen-certs.sh`
    /// into the copy's static overlay.
    fn of_manifests_with_certificates() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let unique = format!(
            "{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let copy = TempCopy {
            root: env::temp_dir().join(format!("bss-manifests-{unique}")),
        };

        copy_tree(&manifests_dir(), &copy.root.join("manifests"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/gen-certs.sh");
        let output = Command::new("bash")
            .arg(script)
            .arg(copy.root.join("manifests/overlays/static"))
            .env_remove("FORCE")
            .env_remove("SERVICE")
            .env_remove("NAMESPACE")
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "gen-certs.sh failed (needs openssl): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        copy
    }

    fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Copies YAML and Markdown only, so certificates left by `make static-certs` stay behind.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let source = entry.unwrap().path();
        let target = to.join(source.file_name().unwrap());
        if source.is_dir() {
            copy_tree(&source, &target);
        } else if source
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "md")
        {
            fs::copy(&source, &target).unwrap();
        }
    }
}

// Small helpers.

fn manifests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn documents(file: &Path) -> Vec<Value> {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()))
}

fn kind(document: &Value) -> &str {
    document["kind"].as_str().unwrap_or_default()
}

fn object<'a>(objects: &'a [Value], kind_name: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| kind(o) == kind_name && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind_name} named {name} in the rendered output"))
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}"))
}

fn contains_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.contains_key(key) || map.values().any(|v| contains_key(v, key)),
        Value::Array(items) => items.iter().any(|v| contains_key(v, key)),
        _ => false,
    }
}

/// Decodes base64 as the apiserver does, ignoring the line breaks kustomize inserts.
fn decode_base64(text: &str) -> Vec<u8> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .expect("valid base64")
}
