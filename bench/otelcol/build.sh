#!/usr/bin/env bash
# Builds the OpenTelemetry Collector anchor (main.go: otlp receiver, batch processor, spanmetrics
# connector, prometheus exporter, otlp exporter; versions pinned in go.mod/go.sum) into
# $HERMES_CI_CACHE/bin/otelcol-anchor, unless it is there already. Prints the binary's path.
# Not part of .ci/run: it is only the benchmarks' anchor (build time in bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")"
cache="${HERMES_CI_CACHE:-$HOME/.cache/hermes-ci}"
bin="$cache/bin/otelcol-anchor-$(sha256sum go.mod go.sum main.go | sha256sum | cut -c1-12)"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache/bin"
  start=$(date +%s)
  go build -trimpath -o "$bin.tmp" .
  mv "$bin.tmp" "$bin"
  echo "built $bin in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
