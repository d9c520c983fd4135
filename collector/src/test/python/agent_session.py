"""Runs one real hermes-agent conversation (run_agent.main, the ``hermes-agent`` command) against
an OpenAI-compatible endpoint, with the reference plugin enabled through HERMES_HOME/config.yaml.

The plugin exports at exit (its atexit flush), to OTEL_EXPORTER_OTLP_ENDPOINT.

Usage: agent_session.py BASE_URL QUERY
"""

import sys

import run_agent


def main():
    base_url, query = sys.argv[1], sys.argv[2]
    run_agent.main(query=query, model="deepseek-v3-0324", base_url=base_url, api_key="test-key",
                   max_turns=4, enabled_toolsets="file")


if __name__ == "__main__":
    main()
