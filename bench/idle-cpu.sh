#!/bin/bash
# Idle CPU of three collectors side by side over one minute with no traffic (bench/RESULTS.md,
# "Idle"): forwarding off (also the others' backend), forwarding on, forwarding with the spool on.
# Reads each process's own CPU time (utime + stime, /proc/PID/stat) a minute apart. Linux only.
# Usage: bench/idle-cpu.sh [JAR]   (default: collector/target/hermes-collector.jar)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$root/collector/target/hermes-collector.jar}
base=$((20000 + RANDOM % 20000))
tck=$(getconf CLK_TCK)
out=$(mktemp -d)
trap 'for n in backend fwd spool; do [ -f $out/$n.pid ] && kill $(cat $out/$n.pid) 2>/dev/null; done; rm -rf $out' EXIT
run() { # name first-port extra-args...
  n=$1; p=$2; shift 2
  java -Xmx256m -jar "$jar" --otlp-grpc-endpoint=127.0.0.1:$p \
    --otlp-http-endpoint=127.0.0.1:$((p + 1)) --admin-endpoint=127.0.0.1:$((p + 2)) "$@" \
    >"$out/$n.log" 2>&1 &
  echo $! >"$out/$n.pid"
}
mkdir -p "$out/spool"
run backend $base
run fwd $((base + 10)) --set forward.endpoint=http://127.0.0.1:$base
run spool $((base + 20)) --set forward.endpoint=http://127.0.0.1:$base \
  --set forward.spool.dir="$out/spool"
for p in $((base + 2)) $((base + 12)) $((base + 22)); do
  for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$p/readyz >/dev/null && break; sleep 1; done
done
sleep 15 # startup work and the JIT settle
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
declare -A c0
for n in backend fwd spool; do c0[$n]=$(cpu $(cat $out/$n.pid)); done
t0=$(date +%s.%N)
sleep 60
t1=$(date +%s.%N)
for n in backend fwd spool; do
  pid=$(cat $out/$n.pid)
  d=$(($(cpu $pid) - ${c0[$n]}))
  echo "$n: $(echo "scale=3; $d / $tck * 100 / ($t1 - $t0)" | bc)% of a core," \
    "RSS $(awk '/VmRSS/{print int($2 / 1024)}' /proc/$pid/status) MiB"
done
