#!/usr/bin/env bash
# End-to-end check on a throwaway kind cluster. For people with kind and a Docker engine;
# not run in CI. `make e2e` builds the image and then runs this.
#
#   KRATIX_CRD=path/or/url/to/bucketstatestores.crd.yaml ./hack/e2e-kind.sh
#
# Steps: create a kind cluster, load $IMAGE into it, install the Kratix BucketStateStore CRD
# from $KRATIX_CRD (nothing is downloaded unless you pass a URL), deploy the static overlay
# with a fresh certificate, send a good and a bad BucketStateStore with --dry-run=server,
# check the answers, delete the cluster.
#
# Environment: KRATIX_CRD (required), IMAGE (default bucketstatestore-webhook:dev),
# CLUSTER (default bucketstatestore-webhook-e2e), KEEP_CLUSTER=1 to keep it for debugging,
# KIND, KUBECTL, DOCKER (command names).
set -euo pipefail

kind=${KIND:-kind}
kubectl=${KUBECTL:-kubectl}
docker=${DOCKER:-docker}
image=${IMAGE:-bucketstatestore-webhook:dev}
cluster=${CLUSTER:-bucketstatestore-webhook-e2e}
crd=${KRATIX_CRD:-}
ns=bucketstatestore-webhook
root=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "e2e: $*"; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }

# Preconditions, before anything is created.
[[ -n $crd ]] || fail "set KRATIX_CRD to the Kratix BucketStateStore CRD (a file path or URL)"
for tool in "$kind" "$kubectl" "$docker"; do
    command -v "$tool" >/dev/null || fail "$tool is not on PATH"
done
"$docker" info >/dev/null 2>&1 || fail "no Docker engine answers 'docker info'"
"$docker" image inspect "$image" >/dev/null 2>&1 || fail "image $image not found; run make image"

work=$(mktemp -d)
ctx="kind-${cluster}"
k() { "$kubectl" --context "$ctx" "$@"; }

cleanup() {
    if [[ ${KEEP_CLUSTER:-0} == 1 ]]; then
        say "keeping cluster $cluster (delete it with: $kind delete cluster --name $cluster)"
    else
        "$kind" delete cluster --name "$cluster" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

say "creating kind cluster $cluster"
"$kind" create cluster --name "$cluster" --wait 120s
"$kind" load docker-image "$image" --name "$cluster"

say "installing the BucketStateStore CRD from $crd"
k apply -f "$crd"
k wait --for=condition=Established --timeout=60s crd/bucketstatestores.platform.kratix.io

# Render the static overlay from a private copy with a fresh certificate, retargeted to
# $image, so the checkout's certs/ and overlay files are left alone.
say "deploying the static overlay"
cp -R "$root/manifests" "$work/manifests"
"$root/certs/gen-certs.sh" "$work/manifests/overlays/static"
name=$image tag=
if [[ ${image##*/} == *:* ]]; then
    name=${image%:*} tag=${image##*:}
fi
mkdir -p "$work/e2e"
{
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources: [../manifests/overlays/static]"
    echo "images:"
    echo "  - name: bucketstatestore-webhook"
    echo "    newName: \"$name\""
    [[ -z $tag ]] || echo "    newTag: \"$tag\""
} >"$work/e2e/kustomization.yaml"
k apply -k "$work/e2e"
k -n "$ns" rollout status deployment/bucketstatestore-webhook --timeout=180s

say "a good store is admitted"
k apply --dry-run=server -o yaml -f - >"$work/good.out" <<'YAML'
apiVersion: platform.kratix.io/v1alpha1
kind: BucketStateStore
metadata:
  name: e2e-good
spec:
  authMethod: IAM
  bucketName: kratix
  endpoint: s3.eu-west-2.amazonaws.com
YAML
grep -q 'insecure: false' "$work/good.out" \
    || fail "the admitted store lacks spec.insecure: false; the mutating webhook did not run"

say "a bad store is denied by the webhook"
if k apply --dry-run=server -f - >"$work/bad.out" 2>&1 <<'YAML'; then
apiVersion: platform.kratix.io/v1alpha1
kind: BucketStateStore
metadata:
  name: e2e-bad
spec:
  authMethod: accessKey
  bucketName: kratix
  endpoint: minio.example.svc.cluster.local
YAML
    fail "a store with accessKey and no secretRef was admitted"
fi
grep -q 'admission webhook "validate.bucketstatestore-webhook.kratix.io" denied' \
    "$work/bad.out" || { cat "$work/bad.out" >&2; fail "denied, but not by the webhook"; }
grep -q 'spec.secretRef' "$work/bad.out" \
    || { cat "$work/bad.out" >&2; fail "the denial does not name spec.secretRef"; }

say "PASS"
