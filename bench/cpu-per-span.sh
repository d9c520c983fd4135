#!/bin/bash
# CPU per accepted span of the Hermes collector and of the stock receiver (bench/RESULTS.md,
# "Against the stock baseline"), one after the other, same load: each is started, warmed by a
# 10 s run, then its own CPU time (utime + stime of /proc/PID/stat, every thread: I/O, shards,
# GC, JIT) is read before and after one hermes-loadgen run and divided by the spans it accepted
# (warm-up window included, as the CPU is). Also prints the run's throughput and latency. Linux.
# Usage: bench/cpu-per-span.sh [RATE] [DURATION] [PROTOCOL]
#   RATE: spans/s open loop, or 0 (default) for closed loop with 8 connections
#   DURATION: the measured window (default 20s; plus a 5 s warm-up window)
#   PROTOCOL: grpc (default; the stock receiver speaks only gRPC) or http/protobuf (collector only)
# FLOOR=1 also measures the transport floor (baseline/TransportFloor: grpc-java taking the bytes,
#   reading no span), the cost every gRPC receiver pays before its own work.
# Jar: bench/target/benchmarks.jar (./mvnw -B -q -pl bench -am package -DskipTests), which holds
#   both; COLLECTOR_CP=other.jar runs the collector from another build (before/after), STOCK=0
#   skips the stock receiver, COLLECTOR_JVM_OPTS replaces the collector's JVM options (default
#   -Xmx1g and bin/hermes-collector's -XX:MaxGCPauseMillis=10; e.g. a GC setting or
#   -Xlog:gc:file=gc.log; the stock receiver keeps -Xmx1g).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rate=${1:-0}
duration=${2:-20s}
protocol=${3:-grpc}
bench_jar=$root/bench/target/benchmarks.jar
collector_cp=${COLLECTOR_CP:-$bench_jar}
collector_jvm=${COLLECTOR_JVM_OPTS:--Xmx1g -XX:MaxGCPauseMillis=10}
tck=$(getconf CLK_TCK)
out=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf $out' EXIT
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
load() { # endpoint extra-args...
  ep=$1
  shift
  if [ "$rate" = 0 ]; then mode=(--connections 8); else mode=(--rate "$rate"); fi
  java -cp "$bench_jar" hermes.collector.bench.loadgen.LoadGenerator --protocol "$protocol" \
    --endpoint "$ep" "${mode[@]}" --seed $RANDOM "$@"
}
wait_port() {
  for _ in $(seq 1 120); do
    (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 1
  done
  echo "nothing listens on $1" >&2
  exit 1
}
measure() { # name endpoint
  load "$2" --duration 10s >/dev/null 2>&1 || true # warm-up run: JIT, heap sizing
  c0=$(cpu $pid)
  json=$(load "$2" --warmup 5s --duration "$duration" --json 2>/dev/null)
  c1=$(cpu $pid)
  echo "$json" >"$out/$1.json"
  python3 - "$1" "$out/$1.json" $((c1 - c0)) "$tck" "$(uptime)" <<'EOF'
import json, sys
name, path, ticks, tck, up = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.load(open(path))
spans = r["spans_accepted"] + r["warmup_spans_accepted"]
cpu_s = ticks / tck
lat = r["latency_ms"]
print(f"{name}: {r['spans_per_second']:,.0f} spans/s accepted ({r['mode']}), "
      f"CPU {cpu_s:.1f} s for {spans:,} spans = {cpu_s / max(spans, 1) * 1e6:.2f} us/span; "
      f"p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, p99.9 {lat['p99_9']:.2f} ms, "
      f"max {lat['max']:.2f} ms; refused {r['requests_refused']}, failed {r['requests_failed']}; "
      f"load average {up.split('load average:')[1].strip()}")
EOF
}
base=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2086
java $collector_jvm -cp "$collector_cp" hermes.collector.Main --otlp-grpc-endpoint=127.0.0.1:$base \
  --otlp-http-endpoint=127.0.0.1:$((base + 1)) --admin-endpoint=127.0.0.1:$((base + 2)) \
  >"$out/collector.log" 2>&1 &
pid=$!
wait_port $((base + 2))
if [ "$protocol" = grpc ]; then
  measure "hermes collector" "http://127.0.0.1:$base"
else
  measure "hermes collector" "http://127.0.0.1:$((base + 1))/v1/traces"
fi
kill $pid
wait $pid 2>/dev/null || true
pid=
if [ "$protocol" = grpc ] && [ "${STOCK:-1}" != 0 ]; then
  java -Xmx1g -cp "$bench_jar" hermes.collector.bench.baseline.StockReceiver $((base + 5)) \
    >"$out/stock.log" 2>&1 &
  pid=$!
  wait_port $((base + 5))
  measure "stock receiver" "http://127.0.0.1:$((base + 5))"
fi
if [ "$protocol" = grpc ] && [ "${FLOOR:-0}" != 0 ]; then
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  java -Xmx1g -cp "$bench_jar" hermes.collector.bench.baseline.TransportFloor $((base + 6)) \
    >"$out/floor.log" 2>&1 &
  pid=$!
  wait_port $((base + 6))
  measure "transport floor" "http://127.0.0.1:$((base + 6))"
fi
