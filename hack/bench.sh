#!/usr/bin/env bash
# Throughput, latency, CPU and memory of the release server against a floor (`make bench`).
#
# Builds the release binary and two example binaries (bench/floor.rs, a bare HTTPS
# endpoint on the same axum + rustls stack that only parses the JSON; bench/stand_in_api.rs,
# a fixed Secret for the accessKey path), starts them on 127.0.0.1, drives them with wrk
# (HTTP/1.1 keep-alive, installed with apt-get when missing) and prints one table.
#
# Environment: DURATION (per run, default 10s), CONNECTIONS (default "16 64"), THREADS (wrk
# threads, default 2), WORKER_THREADS (passed as --worker-threads when set).
# Everything listens on 127.0.0.1 only; each run stops by itself after DURATION.
set -euo pipefail

cd "$(dirname "$0")/.."
duration=${DURATION:-10s}
connections=${CONNECTIONS:-16 64}
threads=${THREADS:-2}
cargo=${CARGO:-cargo}
release=${CARGO_TARGET_DIR:-target}/release

if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

echo "bench: building (release)" >&2
$cargo build --release --locked --quiet --bin bucketstatestore-webhook \
    --example floor --example stand_in_api

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

./certs/gen-certs.sh "$work/certs" >/dev/null 2>&1

# A free port on 127.0.0.1, from the kernel.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kib() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }

# Review bodies: an IAM store (no Secret read) and an accessKey store (one Secret GET).
review() {
    cat <<JSON
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench-1",
"kind":{"group":"platform.kratix.io","version":"v1alpha1","kind":"BucketStateStore"},
"resource":{"group":"platform.kratix.io","version":"v1alpha1","resource":"bucketstatestores"},
"name":"bench","operation":"CREATE","userInfo":{"username":"bench"},"object":{
"apiVersion":"platform.kratix.io/v1alpha1","kind":"BucketStateStore","metadata":{"name":"bench"},
"spec":$1},"oldObject":null,"dryRun":false}}
JSON
}
review '{"bucketName":"kratix","endpoint":"s3.amazonaws.com","authMethod":"IAM","insecure":false}' \
    | tr -d '\n' >"$work/iam.json"
review '{"bucketName":"kratix","endpoint":"minio.store.svc:9000","authMethod":"accessKey","insecure":false,"secretRef":{"name":"creds","namespace":"store"}}' \
    | tr -d '\n' >"$work/access-key.json"
review '{"bucketName":"kratix","endpoint":"s3.amazonaws.com"}' | tr -d '\n' >"$work/mutate.json"

# wrk script: POST the body in BODY_FILE; print requests, duration and percentiles.
cat >"$work/post.lua" <<'LUA'
local file = io.open(os.getenv("BODY_FILE"), "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors))
end
LUA

# run NAME PID URL BODY CONNS: one wrk run; appends a row to $work/rows.
run() {
    local name=$1 pid=$2 url=$3 body=$4 conns=$5
    local before after out
    before=$(cpu_ticks "$pid")
    out=$(BODY_FILE="$body" wrk -t"$threads" -c"$conns" -d"$duration" -s "$work/post.lua" "$url")
    after=$(cpu_ticks "$pid")
    read -r _ requests micros p50 p99 errors <<<"$(grep '^RESULT' <<<"$out")"
    awk -v n="$name" -v c="$conns" -v r="$requests" -v us="$micros" -v p50="$p50" -v p99="$p99" \
        -v e="$errors" -v t="$((after - before))" -v hz="$clk_tck" 'BEGIN {
        rps = r / (us / 1e6); cpu = (t / hz) * 1e6 / (r > 0 ? r : 1)
        printf "%s %s %.0f %.3f %.3f %.1f %d\n", n, c, rps, p50 / 1000, p99 / 1000, cpu, e
    }' >>"$work/rows"
}

# The floor.
floor_port=$(port)
"$release"/examples/floor "127.0.0.1:$floor_port" "$work/certs/tls.crt" "$work/certs/tls.key" &
floor_pid=$!
pids+=("$floor_pid")
wait_port "$floor_port"
floor_idle=$(status_kib "$floor_pid" VmRSS)
for conns in $connections; do
    echo "bench: floor /validate, $conns connections, $duration" >&2
    run floor "$floor_pid" "https://127.0.0.1:$floor_port/validate" "$work/iam.json" "$conns"
done
floor_peak=$(status_kib "$floor_pid" VmHWM)
kill "$floor_pid"

# The product, reading Secrets from the stand-in API.
api_port=$(port)
"$release"/examples/stand_in_api "127.0.0.1:$api_port" &
pids+=("$!")
wait_port "$api_port"
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: bench
clusters:
- name: bench
  cluster:
    server: http://127.0.0.1:$api_port
users:
- name: bench
  user:
    token: bench
contexts:
- name: bench
  context:
    cluster: bench
    user: bench
YAML
web_port=$(port)
admin_port=$(port)
extra=()
[[ -n ${WORKER_THREADS:-} ]] && extra+=(--worker-threads "$WORKER_THREADS")
KUBECONFIG="$work/kubeconfig" HOME="$work" RUST_LOG=info \
    "$release"/bucketstatestore-webhook serve \
    --listen "127.0.0.1:$web_port" --admin-listen "127.0.0.1:$admin_port" \
    --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" "${extra[@]}" \
    2>"$work/webhook.log" &
web_pid=$!
pids+=("$web_pid")
wait_port "$web_port"
sleep 0.5
web_idle=$(status_kib "$web_pid" VmRSS)
base="https://127.0.0.1:$web_port"
for conns in $connections; do
    echo "bench: product, $conns connections, $duration per path" >&2
    run "validate-iam" "$web_pid" "$base/validate" "$work/iam.json" "$conns"
    run "validate-accesskey" "$web_pid" "$base/validate" "$work/access-key.json" "$conns"
    run "mutate" "$web_pid" "$base/mutate" "$work/mutate.json" "$conns"
done
web_peak=$(status_kib "$web_pid" VmHWM)

echo
echo "HTTPS, HTTP/1.1 keep-alive, wrk -t$threads, $duration a run, $(nproc) cores"
awk -v fi="$floor_idle" -v fp="$floor_peak" -v wi="$web_idle" -v wp="$web_peak" '
    $1 == "floor" { floor[$2] = $3 }
    { rows[NR] = $0 }
    END {
        printf "%-20s %5s %9s %7s %9s %9s %9s %6s\n", "server / path", "conns", "req/s",
            "floor", "p50 ms", "p99 ms", "CPU us/r", "errors"
        for (i = 1; i <= NR; i++) {
            split(rows[i], f, " ")
            ratio = floor[f[2]] > 0 ? sprintf("%.2f", f[3] / floor[f[2]]) : "-"
            printf "%-20s %5s %9s %7s %9s %9s %9s %6s\n", f[1], f[2], f[3], ratio, f[4], f[5],
                f[6], f[7]
        }
        printf "\n%-20s %12s %12s\n", "memory (MiB)", "idle RSS", "peak RSS"
        printf "%-20s %12.1f %12.1f\n", "floor", fi / 1024, fp / 1024
        printf "%-20s %12.1f %12.1f\n", "product", wi / 1024, wp / 1024
    }' "$work/rows"
