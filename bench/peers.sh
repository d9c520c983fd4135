#!/usr/bin/env bash
# The Hermes collector beside the OpenTelemetry Collector anchor (bench/otelcol), in one sitting,
# driven by the same load generator (bin/hermes-loadgen), both forwarding to the same real Jaeger
# and deriving metrics (bench/RESULTS.md, "Against the OpenTelemetry Collector"):
#   1. saturation: closed loop, spans/s accepted and CPU microseconds per span (/proc/PID/stat,
#      every thread of the collector process; the generator and Jaeger are other processes);
#   2. a fixed rate (open loop): p99 latency;
#   3. peak RSS (VmHWM) over both;
#   4. what each /metrics answers to the seed chapter's queries after N sessions of the real plugin
#      (src/test/python/plugin_session.py, known ground truth).
# Needs: Jaeger and the plugin virtualenv from .ci/run, Go (the anchor build), a JDK.
# Environment: PROTOCOL (grpc), DURATION (20s), WARMUP (5s), RATE (20000), CONNECTIONS (8),
# SESSIONS (20), OUT (bench/target/peers).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${HERMES_CI_CACHE:-$HOME/.cache/hermes-ci}"
jaeger="$cache/bin/jaeger-1.76.0"
python="$cache/plugin-venv/bin/python"
PROTOCOL=${PROTOCOL:-grpc} DURATION=${DURATION:-20s} WARMUP=${WARMUP:-5s} RATE=${RATE:-20000}
CONNECTIONS=${CONNECTIONS:-8} SESSIONS=${SESSIONS:-20}
out="${OUT:-$root/bench/target/peers}"
mkdir -p "$out"
tck=$(getconf CLK_TCK)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
await_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

[ -x "$jaeger" ] && [ -x "$python" ] || { echo "run .ci/run first (Jaeger, plugin venv)" >&2; exit 1; }
otelcol=$("$root/bench/otelcol/build.sh")
# Built once up front (not through bin/hermes-loadgen, which rebuilds when sources are newer than
# its jar: a rebuild in the middle of a sitting would replace the jar the collector runs from).
[ -f "$root/collector/target/hermes-collector.jar" ] && [ -f "$root/bench/target/benchmarks.jar" ] \
  || "$root/mvnw" -q -B -f "$root/pom.xml" -DskipTests -pl bench -am package
loadgen() { java -cp "$root/bench/target/benchmarks.jar" hermes.collector.bench.loadgen.LoadGenerator "$@"; }

# Jaeger v2, in memory, OTLP on loopback (the config JaegerIT writes).
jg=$(port) jq=$(port)
cat > "$out/jaeger.yaml" <<YAML
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [jaeger_storage_exporter]}
  telemetry: {metrics: {level: none}, logs: {level: warn}}
extensions:
  jaeger_query:
    storage: {traces: mem}
    http: {endpoint: "127.0.0.1:$jq"}
    grpc: {endpoint: "127.0.0.1:$(port)"}
  jaeger_storage:
    backends: {mem: {memory: {max_traces: 100000}}}
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$jg"}, http: {endpoint: "127.0.0.1:$(port)"}}}
processors: {batch: {}}
exporters: {jaeger_storage_exporter: {trace_storage: mem}}
YAML
"$jaeger" --config "file:$out/jaeger.yaml" > "$out/jaeger.log" 2>&1 &
pids+=($!)
await_port "$jg"

# start_NAME: starts that collector; sets PID, GRPC, HTTP, METRICS_URL.
start_hermes() {
  local admin
  GRPC=$(port); HTTP=$(port); admin=$(port)
  java -Xmx1g -jar "$root/collector/target/hermes-collector.jar" \
    --otlp-grpc-endpoint "127.0.0.1:$GRPC" --otlp-http-endpoint "127.0.0.1:$HTTP" \
    --admin-endpoint "127.0.0.1:$admin" --set "forward.endpoint=http://127.0.0.1:$jg" \
    > "$out/hermes.log" 2>&1 &
  PID=$! METRICS_URL="http://127.0.0.1:$admin/metrics"
}
start_otelcol() {
  local m
  GRPC=$(port); HTTP=$(port); m=$(port)
  OTELCOL_GRPC_PORT=$GRPC OTELCOL_HTTP_PORT=$HTTP OTELCOL_METRICS_PORT=$m JAEGER_OTLP_GRPC_PORT=$jg \
    "$otelcol" --config "file:$root/bench/otelcol/otelcol.yaml" > "$out/otelcol.log" 2>&1 &
  PID=$! METRICS_URL="http://127.0.0.1:$m/metrics"
}

endpoint() { if [ "$PROTOCOL" = grpc ]; then echo "http://127.0.0.1:$GRPC"; else echo "http://127.0.0.1:$HTTP"; fi; }

printf '| target | spans/s (closed x%s) | CPU us/span | p99 at %s/s | p50 | refused+failed | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|\n' \
  "$CONNECTIONS" "$RATE" > "$out/table.md"
for target in hermes otelcol; do
  "start_$target"
  pids+=("$PID")
  await_port "$GRPC"; await_port "$HTTP"
  loadgen --protocol "$PROTOCOL" --endpoint "$(endpoint)" --duration 10s \
    --seed 7 --json > "$out/$target-warm.json" # JIT / first-use warm-up, not counted
  t0=$(ticks "$PID")
  loadgen --protocol "$PROTOCOL" --endpoint "$(endpoint)" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --seed 11 --json \
    > "$out/$target-saturation.json"
  t1=$(ticks "$PID")
  loadgen --protocol "$PROTOCOL" --endpoint "$(endpoint)" --rate "$RATE" \
    --warmup "$WARMUP" --duration "$DURATION" --seed 13 --json > "$out/$target-rate.json"
  sat="$out/$target-saturation.json" fixed="$out/$target-rate.json"
  spans=$(json "$sat" "d['spans_accepted'] + d['warmup_spans_accepted']")
  printf '| %s | %.0f | %.2f | %.2f ms | %.2f ms | %s | %.0f |\n' "$target" \
    "$(json "$sat" "d['spans_per_second']")" \
    "$(python3 -c "print(($t1 - $t0) / $tck * 1e6 / $spans)")" \
    "$(json "$fixed" "d['latency_ms']['p99']")" "$(json "$fixed" "d['latency_ms']['p50']")" \
    "$(json "$fixed" "d['requests_refused'] + d['requests_failed'] + $(json "$sat" "d['requests_refused'] + d['requests_failed']")")" \
    "$(python3 -c "print($(hwm_kib "$PID") / 1024)")" >> "$out/table.md"
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
cat "$out/table.md"

# The seed chapter's questions on known traffic: SESSIONS plugin sessions into a fresh instance of
# each, then their /metrics.
for target in hermes otelcol; do
  "start_$target"
  pids+=("$PID")
  await_port "$GRPC"; await_port "$HTTP"
  for i in $(seq "$SESSIONS"); do
    HERMES_OTEL_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$HTTP" HERMES_OTEL_LOG_FILE= \
      "$python" "$root/collector/src/test/python/plugin_session.py" "bench_${target}_$i" > /dev/null
  done
  sleep 12 # both derive on a timer: hermes' 5 s settle delay, spanmetrics' 5 s flush + 5 s batch
  curl -s "$METRICS_URL" > "$out/$target-metrics.txt"
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
echo "metrics of $SESSIONS plugin sessions: $out/hermes-metrics.txt $out/otelcol-metrics.txt"
