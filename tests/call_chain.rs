//! Stands in for kube-apiserver calling the webhook as the rendered static overlay tells it to.
//!
//! The overlay is rendered with `kubectl kustomize` from a temporary copy of `manifests/` with
//! a certificate from `certs/gen-certs.sh`. From the rendered objects alone the test then does
//! what the API server and the kubelet would do: pick webhooks by their rules, follow
//! `clientConfig.service` to the Service and its target port, find the serving certificate the
//! Deployment's TLS settings point at through its Secret volume, start the real binary with
//! that certificate on 127.0.0.1, and call it as `<service>.<namespace>.svc` trusting only the
//! CA in `caBundle`, over HTTP/1.1, with `?timeout=`: mutate, apply the JSON Patch, validate.
//! A mismatch between the manifests and the server (names, ports, paths, Secret keys, SANs,
//! CA) fails here. Without `kubectl` on PATH every test prints a note and passes.
//!
//! No DNS is used: the service name is only the TLS server name, the TCP peer is 127.0.0.1.

mod common;

use std::{
    collections::BTreeMap,
    env, fs, io,
    net::SocketAddr,
    path::Path,
    process::Command,
    sync::{Arc, OnceLock},
};

use base64::Engine as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use k8s_openapi::api::{
    admissionregistration::v1::{
        MutatingWebhookConfiguration, RuleWithOperations, ValidatingWebhookConfiguration,
        WebhookClientConfig,
    },
    apps::v1::Deployment,
    core::v1::{Container, Secret, Service},
};
use k8s_openapi::apimachinery::pkg::{apis::meta::v1::LabelSelector, util::intstr::IntOrString};
use rustls::{
    CertificateError,
    pki_types::{CertificateDer, ServerName, pem::PemObject as _},
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, client::TlsStream};

use common::{Certs, StandInApi, Webhook};

const MUTATING: &str = "mutate.bucketstatestore-webhook.kratix.io";
const VALIDATING: &str = "validate.bucketstatestore-webhook.kratix.io";

#[test]
fn routes_store_create_and_update_to_both_webhooks() {
    let Some(rendered) = rendered() else { return };
    let both = vec![MUTATING.to_owned(), VALIDATING.to_owned()];

    assert_eq!(rendered.called_for(&store_call("CREATE", "")), both);
    assert_eq!(rendered.called_for(&store_call("UPDATE", "")), both);
}

#[test]
fn skips_delete_status_writes_and_other_resources() {
    let Some(rendered) = rendered() else { return };
    let none: Vec<String> = Vec::new();

    assert_eq!(rendered.called_for(&store_call("DELETE", "")), none);
    // Kratix writes status through the subresource; `bucketstatestores` does not cover it.
    assert_eq!(rendered.called_for(&store_call("UPDATE", "status")), none);
    let configmap = Call {
        group: "",
        version: "v1",
        resource: "configmaps",
        subresource: "",
        operation: "CREATE",
        namespace: Some("default"),
    };
    assert_eq!(rendered.called_for(&configmap), none);
}

#[test]
fn rule_matching_treats_wildcards_like_the_api_server() {
    let rule = |resources: &[&str], scope: Option<&str>| RuleWithOperations {
        api_groups: Some(vec!["*".to_owned()]),
        api_versions: Some(vec!["*".to_owned()]),
        operations: Some(vec!["*".to_owned()]),
        resources: Some(resources.iter().map(|r| (*r).to_owned()).collect()),
        scope: scope.map(str::to_owned),
    };
    let create = store_call("CREATE", "");
    let status = store_call("UPDATE", "status");

    assert!(rule_matches(&rule(&["*"], None), &create));
    assert!(rule_matches(
        &rule(&["*"], Some("*")),
        &store_call("DELETE", "")
    ));
    assert!(
        !rule_matches(&rule(&["*"], None), &status),
        "`*` has no subresources"
    );
    assert!(rule_matches(&rule(&["*/*"], None), &status));
    assert!(rule_matches(
        &rule(&["bucketstatestores/status"], None),
        &status
    ));
    assert!(!rule_matches(
        &rule(&["bucketstatestores/status"], None),
        &create
    ));
    assert!(!rule_matches(&rule(&["*"], Some("Namespaced")), &create));
    assert!(rule_matches(&rule(&["*"], Some("Cluster")), &create));
}

#[test]
fn service_and_deployment_wire_the_secret_certificate_to_port_443() {
    let Some(rendered) = rendered() else { return };

    for route in rendered.routes() {
        // The Service behind clientConfig.service exists, has the port and reaches the pods.
        let service_meta = &rendered.service.metadata;
        assert_eq!(service_meta.name.as_deref(), Some(route.service.as_str()));
        assert_eq!(
            service_meta.namespace.as_deref(),
            Some(route.namespace.as_str())
        );
        let container_port = rendered.container_port_behind(route.port);
        assert_eq!(
            container_port,
            listen_port(&rendered.setting("--listen", "WEBHOOK_LISTEN"))
        );

        // caBundle holds the CA the Secret was generated with.
        assert_eq!(
            route.ca_pem,
            rendered.secret_key("ca.crt"),
            "{}: caBundle",
            route.webhook
        );
    }

    let template = rendered.pod_template_labels();
    let selector = rendered
        .service
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref());
    let selector = selector.expect("the Service selects pods");
    for (key, value) in selector {
        assert_eq!(
            template.get(key),
            Some(value),
            "Service selector {key} misses the pods"
        );
    }

    // The certificate and key paths lead through the mount to keys the Secret has; that the
    // two belong together is checked by the binary, which the other tests start with them.
    let (cert, key) = rendered.mounted_certificate();
    assert!(String::from_utf8_lossy(&cert).contains("BEGIN CERTIFICATE"));
    assert!(String::from_utf8_lossy(&key).contains("PRIVATE KEY"));
    rendered.check_env_names_known_to_binary();
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_certificate_the_ca_bundle_trusts() {
    let Some(rendered) = rendered() else { return };
    let (_api, webhook) = serve(rendered).await;

    for route in rendered.routes() {
        let tls = connect(webhook.address, &route.host(), &route.ca_pem)
            .await
            .unwrap_or_else(|e| panic!("{}: handshake as {}: {e}", route.webhook, route.host()));
        let (_, session) = tls.get_ref();
        let alpn = session.alpn_protocol();
        assert!(
            alpn.is_none() || alpn == Some(b"http/1.1"),
            "the API server only speaks HTTP/1.1 to webhooks, got {alpn:?}"
        );
        let served = session.peer_certificates().expect("a server certificate")[0].clone();
        let (mounted, _) = rendered.mounted_certificate();
        let mounted = CertificateDer::from_pem_slice(&mounted).expect("mounted PEM");
        assert_eq!(
            served, mounted,
            "the server presents the mounted certificate"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_handshake_for_another_server_name() {
    let Some(rendered) = rendered() else { return };
    let (_api, webhook) = serve(rendered).await;
    let route = &rendered.routes()[0];

    let other = format!("other.{}.svc", route.namespace);
    let error = connect(webhook.address, &other, &route.ca_pem)
        .await
        .expect_err("a certificate for the service must not pass for another name");
    let cause = certificate_error(&error);
    assert!(
        matches!(
            cause,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ),
        "{cause:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_handshake_when_trusting_another_ca() {
    let Some(rendered) = rendered() else { return };
    let (_api, webhook) = serve(rendered).await;
    let route = &rendered.routes()[0];

    let stranger = Certs::generate();
    let error = connect(webhook.address, &route.host(), stranger.ca_pem.as_bytes())
        .await
        .expect_err("only the caBundle CA vouches for the serving certificate");
    let cause = certificate_error(&error);
    assert_eq!(cause, CertificateError::UnknownIssuer);
}

#[tokio::test(flavor = "multi_thread")]
async fn mutate_then_validate_admits_patched_store() {
    let Some(rendered) = rendered() else { return };
    let (api, webhook) = serve(rendered).await;

    let outcome = admit(rendered, &webhook, &minio_store(), false).await;

    let patch = outcome
        .patch
        .expect("the mutating webhook fills in authMethod");
    assert_eq!(
        patch,
        json!([{"op": "add", "path": "/spec/authMethod", "value": "accessKey"}])
    );
    assert_eq!(outcome.object["spec"]["authMethod"], "accessKey");
    assert_eq!(
        outcome.validation["allowed"], true,
        "{}",
        outcome.validation
    );
    let warnings = warnings(&outcome.validation);
    assert!(
        warnings.iter().any(|w| w.contains("spec.insecure")),
        "{warnings:?}"
    );
    assert_eq!(
        api.gets(),
        1,
        "the validating webhook read the referenced Secret once"
    );

    // A second mutating call (reinvocation) must find nothing left to add.
    let again = admit(rendered, &webhook, &outcome.object, false).await;
    assert_eq!(again.patch, None, "the defaults patch is idempotent");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_gets_the_same_verdict() {
    let Some(rendered) = rendered() else { return };
    let (_api, webhook) = serve(rendered).await;

    let plain = admit(rendered, &webhook, &minio_store(), false).await;
    let dry = admit(rendered, &webhook, &minio_store(), true).await;

    assert_eq!(dry.patch, plain.patch);
    assert_eq!(dry.object, plain.object);
    assert_eq!(dry.validation["allowed"], plain.validation["allowed"]);
    assert_eq!(warnings(&dry.validation), warnings(&plain.validation));
}

#[tokio::test(flavor = "multi_thread")]
async fn denial_reaches_the_caller_with_code_422() {
    let Some(rendered) = rendered() else { return };
    let (_api, webhook) = serve(rendered).await;
    let mut store = minio_store();
    store["spec"]["endpoint"] = json!("minio.storage.svc.cluster.local:9000");
    store["spec"]["authMethod"] = json!("accessKey");
    store["spec"]["insecure"] = json!(false);
    store["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("secretRef");

    let outcome = admit(rendered, &webhook, &store, false).await;

    assert_eq!(outcome.patch, None, "nothing to default");
    assert_eq!(outcome.validation["allowed"], false);
    let (code, reason, message) = status_error(VALIDATING, &outcome.validation);
    assert_eq!((code, reason.as_str()), (422, "Invalid"), "{message}");
    let prefix = format!("admission webhook \"{VALIDATING}\" denied the request: ");
    assert!(message.starts_with(&prefix), "{message}");
    assert!(message.contains("spec.secretRef"), "{message}");
}

// What the API server does with the configurations.

/// The attributes of one API request that webhook rules are matched against.
#[derive(Debug, Clone, Copy)]
struct Call<'a> {
    group: &'a str,
    version: &'a str,
    resource: &'a str,
    subresource: &'a str,
    operation: &'a str,
    /// `None` for a cluster-scoped object.
    namespace: Option<&'a str>,
}

fn store_call<'a>(operation: &'a str, subresource: &'a str) -> Call<'a> {
    Call {
        group: "platform.kratix.io",
        version: "v1alpha1",
        resource: "bucketstatestores",
        subresource,
        operation,
        namespace: None,
    }
}

/// One rule, as the API server's rule matcher reads it: every list must contain the value or
/// `*`; a resource entry is `resource` or `resource/subresource`, either part may be `*`, and
/// a bare resource only matches calls without a subresource.
fn rule_matches(rule: &RuleWithOperations, call: &Call<'_>) -> bool {
    let listed = |list: &Option<Vec<String>>, value: &str| {
        list.iter()
            .flatten()
            .any(|entry| entry == "*" || entry == value)
    };
    let resource_listed = rule.resources.iter().flatten().any(|entry| {
        let (resource, subresource) = entry.split_once('/').unwrap_or((entry, ""));
        (resource == "*" || resource == call.resource)
            && (subresource == "*" || subresource == call.subresource)
    });
    listed(&rule.operations, call.operation)
        && listed(&rule.api_groups, call.group)
        && listed(&rule.api_versions, call.version)
        && resource_listed
        && scope_matches(rule.scope.as_deref(), call)
}

/// Namespace objects count as cluster-scoped; an absent scope means `*`.
fn scope_matches(scope: Option<&str>, call: &Call<'_>) -> bool {
    let is_namespace = call.group.is_empty() && call.resource == "namespaces";
    match scope {
        None | Some("*") => true,
        Some("Cluster") => call.namespace.is_none() || is_namespace,
        Some("Namespaced") => call.namespace.is_some() && !is_namespace,
        Some(_) => false,
    }
}

/// The matcher above ignores selectors and match conditions, so none may be set. A
/// namespaceSelector has no effect on cluster-scoped objects, which is all this webhook takes.
fn assert_unconditional(name: &str, objects: Option<&LabelSelector>, conditions: usize) {
    let empty = LabelSelector::default();
    assert_eq!(objects.unwrap_or(&empty), &empty, "{name}: objectSelector");
    assert_eq!(conditions, 0, "{name}: matchConditions");
}

/// Where the API server sends one webhook's calls, from its `clientConfig`.
#[derive(Debug)]
struct Route {
    webhook: String,
    service: String,
    namespace: String,
    path: String,
    port: i32,
    timeout_seconds: i32,
    ca_pem: Vec<u8>,
}

impl Route {
    fn from_config(webhook: &str, config: &WebhookClientConfig, timeout: Option<i32>) -> Self {
        assert!(config.url.is_none(), "{webhook}: a service, not a url");
        let service = config.service.as_ref().expect("clientConfig.service");
        let ca_pem = config
            .ca_bundle
            .as_ref()
            .map(|b| b.0.clone())
            .unwrap_or_default();
        assert!(
            !ca_pem.is_empty(),
            "{webhook}: no caBundle; the static overlay must set it"
        );
        Self {
            webhook: webhook.to_owned(),
            service: service.name.clone(),
            namespace: service.namespace.clone(),
            path: service.path.clone().unwrap_or_else(|| "/".to_owned()),
            port: service.port.unwrap_or(443),
            // The API server's default when the field is absent.
            timeout_seconds: timeout.unwrap_or(10),
            ca_pem,
        }
    }

    /// The TLS server name the API server asks for.
    fn host(&self) -> String {
        format!("{}.{}.svc", self.service, self.namespace)
    }
}

// The rendered overlay.

/// The objects of the rendered static overlay that the call chain runs through.
struct Rendered {
    mutating: MutatingWebhookConfiguration,
    validating: ValidatingWebhookConfiguration,
    service: Service,
    deployment: Deployment,
    secret: Secret,
}

/// The static overlay, rendered once per test run; `None` when `kubectl` is missing.
fn rendered() -> Option<&'static Rendered> {
    static RENDERED: OnceLock<Option<Rendered>> = OnceLock::new();
    let rendered = RENDERED.get_or_init(|| render().map(|objects| Rendered::from(&objects)));
    if rendered.is_none() {
        skip_note();
    }
    rendered.as_ref()
}

impl Rendered {
    fn from(objects: &[Value]) -> Self {
        let service = typed::<Service>(objects, "Service");
        let deployment = typed::<Deployment>(objects, "Deployment");
        let secret_name = Self::tls_volume_secret(&deployment);
        let secret = objects
            .iter()
            .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == secret_name.as_str())
            .map(from_value::<Secret>)
            .unwrap_or_else(|| panic!("no Secret {secret_name}, which the Deployment mounts"));
        Self {
            mutating: typed(objects, "MutatingWebhookConfiguration"),
            validating: typed(objects, "ValidatingWebhookConfiguration"),
            service,
            deployment,
            secret,
        }
    }

    /// The names of the webhooks called for `call`, mutating before validating.
    fn called_for(&self, call: &Call<'_>) -> Vec<String> {
        let mut called = Vec::new();
        for webhook in self.mutating.webhooks.iter().flatten() {
            let conditions = webhook.match_conditions.as_ref().map_or(0, Vec::len);
            assert_unconditional(&webhook.name, webhook.object_selector.as_ref(), conditions);
            if webhook
                .rules
                .iter()
                .flatten()
                .any(|rule| rule_matches(rule, call))
            {
                called.push(webhook.name.clone());
            }
        }
        for webhook in self.validating.webhooks.iter().flatten() {
            let conditions = webhook.match_conditions.as_ref().map_or(0, Vec::len);
            assert_unconditional(&webhook.name, webhook.object_selector.as_ref(), conditions);
            if webhook
                .rules
                .iter()
                .flatten()
                .any(|rule| rule_matches(rule, call))
            {
                called.push(webhook.name.clone());
            }
        }
        called
    }

    /// Every webhook's route, mutating first.
    fn routes(&self) -> Vec<Route> {
        let mutating = self
            .mutating
            .webhooks
            .iter()
            .flatten()
            .map(|w| Route::from_config(&w.name, &w.client_config, w.timeout_seconds));
        let validating = self
            .validating
            .webhooks
            .iter()
            .flatten()
            .map(|w| Route::from_config(&w.name, &w.client_config, w.timeout_seconds));
        let routes: Vec<Route> = mutating.chain(validating).collect();
        assert_eq!(routes.len(), 2, "one mutating and one validating webhook");
        routes
    }

    fn route(&self, webhook: &str) -> Route {
        self.routes()
            .into_iter()
            .find(|route| route.webhook == webhook)
            .unwrap_or_else(|| panic!("no webhook {webhook} in the rendered configurations"))
    }

    /// The container port that Service port `port` forwards to, through its targetPort.
    fn container_port_behind(&self, port: i32) -> i32 {
        let ports = self.service.spec.as_ref().and_then(|s| s.ports.as_ref());
        let service_port = ports
            .into_iter()
            .flatten()
            .find(|p| p.port == port)
            .unwrap_or_else(|| panic!("the Service has no port {port}"));
        match service_port.target_port.as_ref() {
            None => port,
            Some(IntOrString::Int(number)) => *number,
            Some(IntOrString::String(name)) => {
                let ports = self.container().ports.iter().flatten();
                let named = ports.filter(|p| p.name.as_deref() == Some(name.as_str()));
                named
                    .map(|p| p.container_port)
                    .next()
                    .unwrap_or_else(|| panic!("targetPort {name} names no container port"))
            }
        }
    }

    fn container(&self) -> &Container {
        container(&self.deployment)
    }

    fn setting(&self, flag: &str, variable: &str) -> String {
        setting(&self.deployment, flag, variable)
    }

    fn pod_template_labels(&self) -> BTreeMap<String, String> {
        let spec = self.deployment.spec.as_ref().expect("a Deployment spec");
        let meta = spec.template.metadata.as_ref();
        meta.and_then(|m| m.labels.clone()).unwrap_or_default()
    }

    /// The name of the Secret behind the volume that holds the certificate file.
    fn tls_volume_secret(deployment: &Deployment) -> String {
        let cert = setting(deployment, "--tls-cert", "WEBHOOK_TLS_CERT");
        mount_of(deployment, &cert).0
    }

    /// The bytes of the Secret's `key`, which must exist.
    fn secret_key(&self, key: &str) -> Vec<u8> {
        let data = self.secret.data.as_ref().expect("the Secret has data");
        let value = data.get(key).unwrap_or_else(|| {
            let keys: Vec<&String> = data.keys().collect();
            panic!("the Secret has no key {key}, only {keys:?}")
        });
        value.0.clone()
    }

    /// The certificate and key files the container reads, as the kubelet would mount them.
    fn mounted_certificate(&self) -> (Vec<u8>, Vec<u8>) {
        let deployment_namespace = self.deployment.metadata.namespace.as_deref();
        assert_eq!(
            self.secret.metadata.namespace.as_deref(),
            deployment_namespace
        );
        let mut files = Vec::new();
        for (flag, variable) in [
            ("--tls-cert", "WEBHOOK_TLS_CERT"),
            ("--tls-key", "WEBHOOK_TLS_KEY"),
        ] {
            let path = self.setting(flag, variable);
            let (secret_name, key) = mount_of(&self.deployment, &path);
            assert_eq!(
                self.secret.metadata.name.as_deref(),
                Some(secret_name.as_str())
            );
            files.push(self.secret_key(&key));
        }
        let key = files.pop().expect("two files");
        (files.pop().expect("two files"), key)
    }

    /// Every `WEBHOOK_…` variable the Deployment sets is one `serve` reads: a misspelt name
    /// would be ignored silently.
    fn check_env_names_known_to_binary(&self) {
        let output = Command::new(env!("CARGO_BIN_EXE_bucketstatestore-webhook"))
            .args(["serve", "--help"])
            .output()
            .expect("run the binary");
        let help = String::from_utf8_lossy(&output.stdout);
        for variable in self.container().env.iter().flatten() {
            if variable.name.starts_with("WEBHOOK_") {
                let shown = format!("[env: {}=", variable.name);
                assert!(
                    help.contains(&shown),
                    "`serve` does not read {}",
                    variable.name
                );
            }
        }
    }
}

/// The webhook container: the one that runs `serve`.
fn container(deployment: &Deployment) -> &Container {
    let spec = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref());
    let containers = &spec.expect("a pod template").containers;
    let serving = containers
        .iter()
        .filter(|c| {
            c.args
                .as_ref()
                .and_then(|a| a.first())
                .is_some_and(|a| a == "serve")
        })
        .collect::<Vec<_>>();
    let [container] = serving.as_slice() else {
        panic!(
            "exactly one container must run `serve`, found {}",
            serving.len()
        );
    };
    container
}

/// The value the container gives a setting: `--flag value`, `--flag=value`, else its
/// environment variable (flags win, as with clap).
fn setting(deployment: &Deployment, flag: &str, variable: &str) -> String {
    let container = container(deployment);
    let args = container.args.as_deref().unwrap_or_default();
    for (index, arg) in args.iter().enumerate() {
        if arg == flag {
            return args.get(index + 1).expect("a value after the flag").clone();
        }
        if let Some(value) = arg.strip_prefix(&format!("{flag}=")) {
            return value.to_owned();
        }
    }
    let env = container.env.iter().flatten().find(|e| e.name == variable);
    let env = env.unwrap_or_else(|| panic!("neither {flag} nor {variable} is set"));
    assert!(
        env.value_from.is_none(),
        "{variable}: only literal values are modelled"
    );
    env.value.clone().unwrap_or_default()
}

/// What the kubelet would put at `path` in the container: (Secret name, Secret key).
fn mount_of(deployment: &Deployment, path: &str) -> (String, String) {
    let container = container(deployment);
    let mounts = container.volume_mounts.iter().flatten();
    let (mount, inside) = mounts
        .filter_map(|mount| match &mount.sub_path {
            Some(sub_path) if path == mount.mount_path => Some((mount, sub_path.clone())),
            Some(_) => None,
            None => {
                let directory = format!("{}/", mount.mount_path.trim_end_matches('/'));
                let inside = path.strip_prefix(&directory)?;
                Some((mount, inside.to_owned()))
            }
        })
        .max_by_key(|(mount, _)| mount.mount_path.len())
        .unwrap_or_else(|| panic!("no volume is mounted at {path}"));

    let spec = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref());
    let volumes = spec.and_then(|s| s.volumes.as_ref()).into_iter().flatten();
    let volume = volumes
        .into_iter()
        .find(|v| v.name == mount.name)
        .unwrap_or_else(|| panic!("volumeMount {} names no volume", mount.name));
    let source = volume
        .secret
        .as_ref()
        .expect("the TLS volume is a Secret volume");
    let secret_name = source.secret_name.clone().expect("secretName");
    let key = match &source.items {
        None => inside,
        Some(items) => items
            .iter()
            .find(|item| item.path == inside)
            .map(|item| item.key.clone())
            .unwrap_or_else(|| panic!("{path}: the volume's items project no {inside}")),
    };
    (secret_name, key)
}

fn listen_port(address: &str) -> i32 {
    let address: SocketAddr = address.parse().expect("a listen address");
    i32::from(address.port())
}

fn typed<T: DeserializeOwned>(objects: &[Value], kind: &str) -> T {
    let matching: Vec<&Value> = objects.iter().filter(|o| o["kind"] == kind).collect();
    let [object] = matching.as_slice() else {
        panic!(
            "exactly one {kind} in the rendered output, found {}",
            matching.len()
        );
    };
    from_value(object)
}

/// Decodes a rendered object into its k8s-openapi type. Kustomize wraps base64 values at 70
/// columns; Go's decoder skips those line breaks and k8s-openapi's does not, so they are
/// dropped from the two base64 fields here first, as the API server would ignore them.
fn from_value<T: DeserializeOwned>(object: &Value) -> T {
    let mut object = object.clone();
    let unwrap = |value: &mut Value| {
        if let Some(text) = value.as_str() {
            *value = Value::String(text.replace(['\r', '\n'], ""));
        }
    };
    if let Some(data) = object.get_mut("data").and_then(Value::as_object_mut) {
        data.values_mut().for_each(unwrap);
    }
    if let Some(webhooks) = object.get_mut("webhooks").and_then(Value::as_array_mut) {
        for webhook in webhooks {
            if let Some(bundle) = webhook.pointer_mut("/clientConfig/caBundle") {
                unwrap(bundle);
            }
        }
    }
    serde_json::from_value(object).unwrap_or_else(|e| panic!("rendered object: {e}"))
}

/// Renders the static overlay from a temporary copy of `manifests/` holding certificates from
/// `certs/gen-certs.sh`; the copy is removed before this returns.
fn render() -> Option<Vec<Value>> {
    let kubectl = env::var("KUBECTL").unwrap_or_else(|_| "kubectl".to_owned());
    let found = Command::new(&kubectl)
        .args(["version", "--client"])
        .output();
    if !found.is_ok_and(|output| output.status.success()) {
        return None;
    }

    let copy = tempfile::tempdir().expect("temp dir");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_manifests(
        &repository.join("manifests"),
        &copy.path().join("manifests"),
    );
    let overlay = copy.path().join("manifests/overlays/static");
    let output = Command::new("bash")
        .arg(repository.join("certs/gen-certs.sh"))
        .arg(&overlay)
        .env_remove("FORCE")
        .env_remove("SERVICE")
        .env_remove("NAMESPACE")
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "gen-certs.sh failed (needs openssl): {stderr}"
    );

    let output = Command::new(&kubectl)
        .arg("kustomize")
        .arg(&overlay)
        .output();
    let output = output.expect("kubectl ran a moment ago");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "kubectl kustomize failed: {stderr}"
    );
    let text = String::from_utf8(output.stdout).expect("kustomize writes UTF-8");
    Some(serde_saphyr::from_multiple::<Value>(&text).expect("rendered YAML parses"))
}

/// Copies YAML and Markdown only, so certificates left by `make static-certs` stay behind.
fn copy_manifests(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy");
    for entry in fs::read_dir(from).expect("read manifests") {
        let source = entry.expect("directory entry").path();
        let target = to.join(source.file_name().expect("a file name"));
        if source.is_dir() {
            copy_manifests(&source, &target);
        } else if source.extension().is_some_and(|e| e == "yaml" || e == "md") {
            fs::copy(&source, &target).expect("copy a manifest");
        }
    }
}

fn skip_note() {
    // Straight to the process's stderr: the harness captures `println!` of passing tests.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "note: kubectl is not on PATH; skipping the call chain through the static overlay"
    );
}

// Serving and calling.

/// Starts the binary with the mounted certificate and a stand-in API holding the Secret that
/// `minio_store` references.
async fn serve(rendered: &Rendered) -> (StandInApi, Webhook) {
    let api = StandInApi::start().await;
    api.reset(&[credentials_secret()], &[]);
    let (cert, key) = rendered.mounted_certificate();
    let ca_pem = String::from_utf8(rendered.routes()[0].ca_pem.clone()).expect("PEM text");
    let webhook = Webhook::start_with(&api, Certs::from_pem(&ca_pem, &cert, &key), &[]).await;
    (api, webhook)
}

/// The TLS client of a service webhook: only the caBundle CA, ALPN `http/1.1` only.
async fn connect(
    address: SocketAddr,
    server_name: &str,
    ca_pem: &[u8],
) -> io::Result<TlsStream<TcpStream>> {
    let config = common::tls_client(ca_pem, b"http/1.1");
    let name = ServerName::try_from(server_name.to_owned()).expect("a DNS name");
    let tcp = TcpStream::connect(address).await?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// The rustls certificate error behind a failed handshake.
fn certificate_error(error: &io::Error) -> CertificateError {
    let cause = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match cause {
        Some(rustls::Error::InvalidCertificate(cause)) => cause.clone(),
        other => panic!("expected a certificate error, got {other:?} ({error})"),
    }
}

/// POSTs `review` to the route as the API server does and returns the decoded answer.
async fn call(address: SocketAddr, route: &Route, review: &Value) -> Value {
    let tls = connect(address, &route.host(), &route.ca_pem)
        .await
        .expect("TLS handshake");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .expect("HTTP/1.1 handshake");
    tokio::spawn(connection);

    let target = format!("{}?timeout={}s", route.path, route.timeout_seconds);
    let body = serde_json::to_vec(review).expect("JSON");
    let request = hyper::Request::post(target)
        .header("host", format!("{}:{}", route.host(), route.port))
        .header("content-type", "application/json")
        .header("accept", "application/json, */*")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert_eq!(
        status, 200,
        "{}: a non-2xx answer is a call error: {text}",
        route.webhook
    );
    let content_type = content_type.and_then(|v| v.to_str().ok().map(str::to_owned));
    assert!(
        content_type.is_some_and(|v| v.starts_with("application/json")),
        "{}: JSON answer",
        route.webhook
    );

    let answer: Value = serde_json::from_str(&text).expect("the answer is JSON");
    check_envelope(route, review, &answer);
    answer
}

/// The API server's checks on every answer: same apiVersion and kind, a response, the uid.
fn check_envelope(route: &Route, review: &Value, answer: &Value) {
    let name = &route.webhook;
    assert_eq!(
        answer["apiVersion"], review["apiVersion"],
        "{name}: apiVersion"
    );
    assert_eq!(answer["kind"], "AdmissionReview", "{name}: kind");
    let response = &answer["response"];
    assert!(response.is_object(), "{name}: response absent in {answer}");
    assert_eq!(
        response["uid"], review["request"]["uid"],
        "{name}: uid echoed"
    );
    assert!(
        response["allowed"].is_boolean(),
        "{name}: allowed is a bool"
    );
}

/// What came out of one mutate-then-validate pass.
struct Outcome {
    patch: Option<Value>,
    object: Value,
    validation: Value,
}

/// Runs a CREATE of `object` through both webhooks: the mutating answer's patch is decoded
/// and applied, and the validating webhook sees the patched object.
async fn admit(rendered: &Rendered, webhook: &Webhook, object: &Value, dry_run: bool) -> Outcome {
    let mutating = rendered.route(MUTATING);
    let review = create_review("call-1-mutate", object, dry_run);
    let answer = call(webhook.address, &mutating, &review).await;
    let response = &answer["response"];
    assert_eq!(
        response["allowed"], true,
        "the mutating webhook allows: {answer}"
    );

    let mut object = object.clone();
    let patch = match (&response["patch"], &response["patchType"]) {
        (Value::Null, Value::Null) => None,
        (Value::String(encoded), Value::String(kind)) => {
            assert_eq!(
                kind, "JSONPatch",
                "the only patch type the API server applies"
            );
            let bytes = base64::engine::general_purpose::STANDARD.decode(encoded);
            let bytes = bytes.expect("patch is standard base64, padded");
            let patch: Value = serde_json::from_slice(&bytes).expect("patch is JSON");
            let operations: json_patch::Patch =
                serde_json::from_value(patch.clone()).expect("patch is a JSON Patch");
            json_patch::patch(&mut object, &operations).expect("the patch applies");
            Some(patch)
        }
        other => panic!("patch and patchType come together, as a base64 string: {other:?}"),
    };

    let validating = rendered.route(VALIDATING);
    let review = create_review("call-2-validate", &object, dry_run);
    let answer = call(webhook.address, &validating, &review).await;
    let response = &answer["response"];
    assert!(
        response.get("patch").is_none_or(Value::is_null),
        "validate sent a patch"
    );
    assert!(
        response.get("patchType").is_none_or(Value::is_null),
        "validate sent a patchType"
    );
    Outcome {
        patch,
        object,
        validation: response.clone(),
    }
}

/// A CREATE review as the API server sends it for a cluster-scoped store: no namespace,
/// `oldObject: null`, CreateOptions carrying the dry-run flag.
fn create_review(uid: &str, object: &Value, dry_run: bool) -> Value {
    let kind = json!({"group": "platform.kratix.io", "version": "v1alpha1",
                      "kind": "BucketStateStore"});
    let resource = json!({"group": "platform.kratix.io", "version": "v1alpha1",
                          "resource": "bucketstatestores"});
    let mut options = json!({"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"});
    if dry_run {
        options["dryRun"] = json!(["All"]);
    }
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": kind, "resource": resource,
            "requestKind": kind, "requestResource": resource,
            "name": object["metadata"]["name"],
            "operation": "CREATE",
            "userInfo": {"username": "platform-admin", "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": dry_run,
            "options": options,
        }
    })
}

/// The warnings of a response, in order.
fn warnings(response: &Value) -> Vec<String> {
    let list = response["warnings"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|w| w.as_str().expect("warnings are strings").to_owned())
        .collect()
}

/// The Status the API server turns a denial into: (code, reason, message).
fn status_error(webhook: &str, response: &Value) -> (u64, String, String) {
    let status = &response["status"];
    let code = status["code"]
        .as_u64()
        .filter(|code| *code >= 400)
        .unwrap_or(400);
    let reason = status["reason"].as_str().unwrap_or_default().to_owned();
    let detail = [&status["message"], &status["reason"]]
        .into_iter()
        .filter_map(Value::as_str)
        .find(|text| !text.is_empty())
        .unwrap_or("without explanation");
    let message = format!("admission webhook \"{webhook}\" denied the request: {detail}");
    (code, reason, message)
}

/// A store on a cluster-local MinIO without `authMethod`, so the mutating webhook adds it.
fn minio_store() -> Value {
    json!({
        "apiVersion": "platform.kratix.io/v1alpha1",
        "kind": "BucketStateStore",
        "metadata": {"name": "minio", "creationTimestamp": null},
        "spec": {
            "bucketName": "kratix",
            "endpoint": "minio.storage.svc.cluster.local",
            "insecure": true,
            "secretRef": {"name": "s3-creds", "namespace": "storage"}
        }
    })
}

fn credentials_secret() -> Value {
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s3-creds", "namespace": "storage", "resourceVersion": "1"},
        "type": "Opaque",
        "data": {
            "accessKeyID": encode("AKIACALLCHAIN0000001"),
            "secretAccessKey": encode("call-chain/secret+value/01"),
        }
    })
}
