#!/usr/bin/env bash
# Benchmark of `bucketstatestore-webhook check`: documents per second and peak memory.
#
# Generates one multi-document YAML stream of OBJECTS objects (a third BucketStateStores, a
# third their Secrets, each before its store, a third ConfigMaps and Deployments), builds the release binary, and
# checks the stream RUNS times from a file and once from standard input. Not a test: it
# prints figures and fails only when the checker cannot read its input (exit 2).
#
#   OBJECTS=10000 RUNS=3 ./hack/bench-check.sh
set -euo pipefail

OBJECTS="${OBJECTS:-10000}"
RUNS="${RUNS:-3}"
CARGO="${CARGO:-cargo}"
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${CARGO_TARGET_DIR:-$root/target}/release/bucketstatestore-webhook"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
input="$work/input.yaml"

awk -v objects="$OBJECTS" 'BEGIN {
  for (i = 0; i < objects; i++) {
    n = int(i / 3)
    if (i % 3 == 1) {
      printf "apiVersion: platform.kratix.io/v1alpha1\nkind: BucketStateStore\n"
      printf "metadata:\n  name: store-%d\n  labels:\n    team: team-%d\n", n, n % 17
      printf "spec:\n  bucketName: kratix-%d\n  endpoint: minio-%d.example.com:9000\n", n, n
      printf "  authMethod: accessKey\n  insecure: false\n  path: clusters/%d\n", n
      printf "  secretRef:\n    name: creds-%d\n    namespace: kratix-platform-system\n", n
    } else if (i % 3 == 0) {
      printf "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds-%d\n", n
      printf "  namespace: kratix-platform-system\ntype: Opaque\ndata:\n"
      printf "  accessKeyID: QUtJQUVYQU1QTEU=\n  secretAccessKey: c2VjcmV0LWV4YW1wbGU=\n"
    } else if (n % 2 == 0) {
      printf "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-%d\n", n
      printf "  namespace: apps\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"a,b,c\"\n"
      printf "  config.yaml: |\n    server:\n      port: 8080\n      replicas: %d\n", n % 5
    } else {
      printf "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\n", n
      printf "  namespace: apps\n  labels:\n    app: app-%d\nspec:\n  replicas: 2\n", n
      printf "  selector:\n    matchLabels:\n      app: app-%d\n  template:\n", n
      printf "    metadata:\n      labels:\n        app: app-%d\n    spec:\n", n
      printf "      containers:\n      - name: app\n"
      printf "        image: registry.example.com/app:1.%d\n", n
      printf "        ports:\n        - containerPort: 8080\n        resources:\n"
      printf "          limits: {cpu: 500m, memory: 256Mi}\n"
      printf "        env:\n        - name: MODE\n          value: production\n"
    }
    if (i + 1 < objects) printf "---\n"
  }
}' > "$input"

echo "building the release binary..." >&2
(cd "$root" && "$CARGO" build --release --quiet)

size_kib=$(( $(wc -c < "$input") / 1024 ))
echo "input: $OBJECTS documents, ${size_kib} KiB"

gnu_time=""
if /usr/bin/time -v true >/dev/null 2>&1; then
  gnu_time=/usr/bin/time
fi

# run LABEL COMMAND...: runs once, prints seconds, documents/s and peak RSS.
run() {
  local label="$1"
  shift
  local start end status rss="n/a (no GNU time)"
  start=$(date +%s%N)
  set +e
  if [ -n "$gnu_time" ]; then
    "$gnu_time" -v -o "$work/time.txt" "$@" > /dev/null 2> "$work/stderr.txt"
    status=$?
    rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt") KiB"
  else
    "$@" > /dev/null 2> "$work/stderr.txt"
    status=$?
  fi
  set -e
  end=$(date +%s%N)
  if [ "$status" -eq 2 ]; then
    echo "check could not read its input:" >&2
    cat "$work/stderr.txt" >&2
    exit 1
  fi
  awk -v label="$label" -v ns="$((end - start))" -v docs="$OBJECTS" -v rss="$rss" \
    -v summary="$(tail -n 1 "$work/stderr.txt")" 'BEGIN {
      s = ns / 1e9
      printf "%-8s %7.3f s  %9.0f documents/s  peak RSS %s  (%s)\n", \
        label, s, docs / s, rss, summary
    }'
}

for i in $(seq 1 "$RUNS"); do
  run "file #$i" "$binary" check "$input" --output json
done
run "stdin" sh -c '"$0" check - --output json < "$1"' "$binary" "$input"
