#!/bin/bash
# Idle CPU and RSS of collectors side by side over one minute with no traffic (bench/RESULTS.md,
# "Idle"): forwarding off (also the others' backend), forwarding on, forwarding with the spool on,
# and the OpenTelemetry Collector anchor (bench/otelcol, forwarding to the same backend) when it
# is built or Go is there to build it. Reads each process's own CPU time (utime + stime,
# /proc/PID/stat) a minute apart, and its RSS at the end. Linux only.
# Usage: bench/idle-cpu.sh [JAR]   (default: collector/target/hermes-collector.jar)
# Environment: JVM_OPTS (default: the sidecar settings the README recommends), SECONDS_IDLE (60),
# ANCHOR (1: also the OTel Collector anchor; 0: not).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$root/collector/target/hermes-collector.jar}
sidecar="-Xms8m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=64m -XX:-UsePerfData -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=30000"
JVM_OPTS=${JVM_OPTS:-$sidecar}
SECONDS_IDLE=${SECONDS_IDLE:-60}
ANCHOR=${ANCHOR:-1}
base=$((20000 + RANDOM % 20000))
tck=$(getconf CLK_TCK)
out=$(mktemp -d)
names=(backend fwd spool)
trap 'for n in backend fwd spool otelcol; do [ -f $out/$n.pid ] && kill $(cat $out/$n.pid) 2>/dev/null; done; rm -rf $out' EXIT
run() { # name first-port extra-args...
  n=$1; p=$2; shift 2
  # shellcheck disable=SC2086
  java $JVM_OPTS -jar "$jar" --otlp-grpc-endpoint=127.0.0.1:$p \
    --otlp-http-endpoint=127.0.0.1:$((p + 1)) --admin-endpoint=127.0.0.1:$((p + 2)) "$@" \
    >"$out/$n.log" 2>&1 &
  echo $! >"$out/$n.pid"
}
mkdir -p "$out/spool"
run backend $base
run fwd $((base + 10)) --set forward.endpoint=http://127.0.0.1:$base
run spool $((base + 20)) --set forward.endpoint=http://127.0.0.1:$base \
  --set forward.spool.dir="$out/spool"
if [ "$ANCHOR" = 1 ] && otelcol=$("$root/bench/otelcol/build.sh" 2>/dev/null); then
  p=$((base + 30))
  OTELCOL_GRPC_PORT=$p OTELCOL_HTTP_PORT=$((p + 1)) OTELCOL_METRICS_PORT=$((p + 2)) \
    JAEGER_OTLP_GRPC_PORT=$base "$otelcol" --config "file:$root/bench/otelcol/otelcol.yaml" \
    >"$out/otelcol.log" 2>&1 &
  echo $! >"$out/otelcol.pid"
  names+=(otelcol)
fi
for p in $((base + 2)) $((base + 12)) $((base + 22)); do
  for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$p/readyz >/dev/null && break; sleep 1; done
done
sleep 15 # startup work and the JIT settle
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
declare -A c0
for n in "${names[@]}"; do c0[$n]=$(cpu $(cat $out/$n.pid)); done
t0=$(date +%s.%N)
sleep "$SECONDS_IDLE"
t1=$(date +%s.%N)
echo "JVM options: $JVM_OPTS; $(uptime | sed 's/.*load/load/')"
for n in "${names[@]}"; do
  pid=$(cat $out/$n.pid)
  d=$(($(cpu $pid) - ${c0[$n]}))
  echo "$n: $(echo "scale=3; $d / $tck * 100 / ($t1 - $t0)" | bc)% of a core ($d ticks)," \
    "RSS $(awk '/VmRSS/{print int($2 / 1024)}' /proc/$pid/status) MiB," \
    "threads $(ls /proc/$pid/task | wc -l)"
  if [ "${PER_THREAD:-0}" = 1 ] && [ "$n" != otelcol ]; then
    for t in /proc/$pid/task/*; do
      echo "  $(cat $t/comm): $(awk '{print $14 + $15}' $t/stat)"
    done | sort -t: -k2 -n -r | head -8
  fi
done
