#!/bin/sh
# Starts the collector with /etc/hermes-collector/collector.yaml (the image's config/container.yaml
# unless a file is mounted there). Arguments pass through, e.g. print-config or validate.
set -eu
config=/etc/hermes-collector/collector.yaml
case "${1:-}" in
  validate | print-config)
    sub=$1
    shift
    exec java -jar /opt/hermes-collector/hermes-collector.jar "$sub" --config "$config" "$@"
    ;;
esac
if [ -f "$config" ]; then
  exec java -jar /opt/hermes-collector/hermes-collector.jar --config "$config" "$@"
fi
exec java -jar /opt/hermes-collector/hermes-collector.jar "$@"
