#!/bin/bash
# Soak (bench/RESULTS.md, "Soak"; issue 11): a -Xmx256m collector driven at half its measured
# capacity over OTLP/HTTP-protobuf for DURATION, with a fraction of bad and hostile requests mixed
# in (hermes-loadgen --hostile-fraction). Writes, in OUT (default bench/target/soak-<time>):
#   timeline.csv   every 10 s: RSS, heap after the last GC, good requests' p99 and errors,
#                  unexpected hostile answers (hermes-loadgen --timeline)
#   summary.json   the run: spans/s, latencies, hostile answers by kind
#   capacity.json  the closed-loop run that measured capacity (absent when RATE is given)
#   gc.log         the collector's GC log (heap after each collection)
#   metrics-end.txt, collector.log
# and prints bench/soak-summary.py's digest of them (the figures in bench/RESULTS.md).
# Not in CI: it takes DURATION plus a minute. Linux only (reads /proc/PID/status).
# Usage: bench/soak.sh [DURATION (default 30m)] [RATE spans/s (default: half the capacity)]
#        HOSTILE_FRACTION (default 0.02), HOSTILE_KINDS (comma-separated, default all; see
#        hermes-loadgen --help), OUT, SKIP_BUILD=1 in the environment.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-30m}
rate=${2:-}
fraction=${HOSTILE_FRACTION:-0.02}
kinds=${HOSTILE_KINDS:+--hostile-kinds=$HOSTILE_KINDS}
out=${OUT:-$root/bench/target/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
if [ -z "${SKIP_BUILD:-}" ]; then
  "$root/mvnw" -B -q -f "$root/pom.xml" -pl bench -am package -DskipTests
fi
# Copies, so that a rebuild during the run does not swap classes under the running JVMs.
cp "$root/collector/target/hermes-collector.jar" "$root/bench/target/benchmarks.jar" "$out/"
jar=$out/hermes-collector.jar
bench=$out/benchmarks.jar
base=$((20000 + RANDOM % 20000))
grpc=$base http=$((base + 1)) admin=$((base + 2))
java -Xmx256m -XX:+ExitOnOutOfMemoryError -Xlog:gc:file="$out/gc.log" -jar "$jar" \
  --otlp-grpc-endpoint=127.0.0.1:$grpc --otlp-http-endpoint=127.0.0.1:$http \
  --admin-endpoint=127.0.0.1:$admin >"$out/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$admin/readyz >/dev/null && break; sleep 1; done
curl -sf http://127.0.0.1:$admin/readyz >/dev/null || { echo "collector did not start" >&2; exit 1; }
loadgen() { java -Xmx1g -cp "$bench" hermes.collector.bench.loadgen.LoadGenerator \
  --endpoint=http://127.0.0.1:$http "$@"; }
if [ -z "$rate" ]; then
  # Capacity: closed loop, 4 requests in flight, after a warm-up; the soak then runs at half.
  loadgen --connections 4 --warmup 10s --duration 20s --json >"$out/capacity.json"
  capacity=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["spans_per_second"]))' "$out/capacity.json")
  rate=$((capacity / 2))
  echo "capacity $capacity spans/s; soak at $rate spans/s" >&2
fi
echo "soak: $duration at $rate spans/s, hostile fraction $fraction ${kinds:-(all kinds)}, collector pid $pid," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), out $out" >&2
status=0
loadgen --rate "$rate" --duration "$duration" --sessions 2000 --hostile-fraction "$fraction" $kinds \
  --target-pid $pid --metrics-url http://127.0.0.1:$admin/metrics --timeline "$out/timeline.csv" \
  --sample-every 10s --json >"$out/summary.json" || status=$?
curl -sf http://127.0.0.1:$admin/metrics >"$out/metrics-end.txt" || echo "/metrics failed" >&2
curl -sf http://127.0.0.1:$admin/healthz >/dev/null && echo "healthz ok" >&2 || echo "healthz failed" >&2
kill -0 $pid 2>/dev/null || { echo "collector died (see $out/collector.log)" >&2; status=1; }
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cat "$out/summary.json"
echo
python3 "$root/bench/soak-summary.py" "$out" || true
exit $status
