#!/bin/sh
# Starts the collector; a mounted /etc/hermes-collector/collector.yaml overrides the defaults.
set -eu
config=/etc/hermes-collector/collector.yaml
if [ -f "$config" ]; then
  exec java -jar /opt/hermes-collector/hermes-collector.jar --config "$config" "$@"
fi
exec java -jar /opt/hermes-collector/hermes-collector.jar "$@"
