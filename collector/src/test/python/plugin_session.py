"""Drives the real hermes-plugin-otel-tracing through its 8 hooks, as hermes-agent 0.19 calls them.

One session of one turn: an API call that asks for two tools, the two tools (terminal succeeds,
read_file returns a JSON error), and a second API call that answers -- the 6-span session of the
plugin manual (part 1, section 5: session -> turn -> 2 API calls + 2 tools). The keyword
arguments are the ones hermes-agent passes (agent/conversation_loop.py, agent/turn_finalizer.py,
model_tools.py; the CLI passes task_id = session_id), and ``usage`` is hermes-agent's
CanonicalUsage summary: input_tokens is the *uncached* input, prompt_tokens input + cache.

The exporter and endpoint come from the environment, exactly as for the agent
(HERMES_OTEL_EXPORTER=otlp or otlp_grpc, OTEL_EXPORTER_OTLP_ENDPOINT). Prints one JSON line with
the trace id, then flushes traces and metrics (the plugin's atexit hooks do the same) and exits
non-zero if an export failed.

With ``loop`` after the session id the turn is a runaway instead: the model asks for the same
tool with the same arguments eight times in a row (an API call before each), then answers.

Usage: plugin_session.py SESSION_ID [loop]
"""

import json
import sys
import time

import hermes_plugin_otel_tracing as plugin
from opentelemetry import metrics

MODEL = "deepseek-v3-0324"
PROVIDER = "deepseek"
BASE_URL = "https://api.deepseek.com/v1"
PLATFORM = "cli"


class HookContext:
    """The slice of hermes_cli.plugins.PluginContext the plugin uses."""

    def __init__(self):
        self.hooks = {}

    def register_hook(self, name, callback):
        self.hooks.setdefault(name, []).append(callback)

    def invoke(self, name, **kwargs):
        for callback in self.hooks.get(name, []):
            callback(**kwargs)


def api_call(ctx, sid, number, messages, duration, finish_reason, usage, tool_calls, text_chars):
    common = dict(
        task_id=sid, turn_id=f"{sid}:{sid}:0001", api_request_id=f"req-{number}",
        session_id=sid, platform=PLATFORM, model=MODEL, provider=PROVIDER, base_url=BASE_URL,
        api_mode="chat_completions", api_call_count=number, message_count=messages)
    ctx.invoke("pre_api_request", **common, user_message="list the repo and read TODO",
               conversation_history=[], tool_count=12,
               approx_input_tokens=usage["prompt_tokens"], request_char_count=4 * usage["prompt_tokens"],
               max_tokens=8192)
    started = time.time()
    ctx.invoke("post_api_request", **common, api_duration=duration, started_at=started,
               ended_at=started + duration, finish_reason=finish_reason, response_model=MODEL,
               usage=usage, assistant_content_chars=text_chars,
               assistant_tool_call_count=tool_calls)


def tool_call(ctx, sid, name, args, result, call_id=None):
    call_id = call_id or f"call_{name}"
    ctx.invoke("pre_tool_call", tool_name=name, args=args, task_id=sid, session_id=sid,
               tool_call_id=call_id)
    ctx.invoke("post_tool_call", tool_name=name, args=args, result=result, task_id=sid,
               session_id=sid, tool_call_id=call_id)


def main():
    sid = sys.argv[1]
    ctx = HookContext()
    plugin.register(ctx)
    if len(ctx.hooks) != 8:
        sys.exit(f"expected 8 hooks, the plugin registered {sorted(ctx.hooks)}")

    ctx.invoke("on_session_start", session_id=sid, model=MODEL, platform=PLATFORM)
    trace_id = plugin._sessions[sid]["session_span"].get_span_context().trace_id
    ctx.invoke("pre_llm_call", session_id=sid, user_message="list the repo and read TODO",
               conversation_history=[], is_first_turn=True, model=MODEL, platform=PLATFORM,
               sender_id="", task_id=sid)
    if len(sys.argv) > 2 and sys.argv[2] == "loop":
        # The runaway: the same tool with the same arguments, again and again.
        for i in range(8):
            api_call(ctx, sid, i + 1, 2 + 2 * i, 0.5, "tool_calls",
                     dict(input_tokens=1000, output_tokens=20, cache_read_tokens=0,
                          cache_write_tokens=0, reasoning_tokens=0, prompt_tokens=1000,
                          total_tokens=1020), tool_calls=1, text_chars=0)
            tool_call(ctx, sid, "web_search", {"query": "weather in Paris"},
                      json.dumps({"results": []}), call_id=f"call_search_{i}")
        last = 9
    else:
        api_call(ctx, sid, 1, 2, 1.25, "tool_calls",
                 dict(input_tokens=1000, output_tokens=50, cache_read_tokens=200,
                      cache_write_tokens=0, reasoning_tokens=0, prompt_tokens=1200,
                      total_tokens=1250), tool_calls=2, text_chars=0)
        tool_call(ctx, sid, "terminal", {"command": "ls"}, json.dumps({"output": "TODO\nsrc", "exit_code": 0}))
        tool_call(ctx, sid, "read_file", {"path": "TODO"}, json.dumps({"error": "File not found: TODO"}))
        last = 2
    api_call(ctx, sid, last, 5, 2.5, "stop",
             dict(input_tokens=1300, output_tokens=150, cache_read_tokens=1000,
                  cache_write_tokens=0, reasoning_tokens=20, prompt_tokens=2300,
                  total_tokens=2450), tool_calls=0, text_chars=420)
    ctx.invoke("post_llm_call", session_id=sid, task_id=sid, turn_id=f"{sid}:{sid}:0001",
               user_message="list the repo and read TODO",
               assistant_response="There is no TODO file; the repo has src/.",
               conversation_history=[], model=MODEL, platform=PLATFORM)
    ctx.invoke("on_session_end", session_id=sid, completed=True, interrupted=False, model=MODEL,
               platform=PLATFORM)

    print(json.dumps({"trace_id": format(trace_id, "032x")}), flush=True)
    traces_ok = plugin._tracer_provider.force_flush(timeout_millis=10000)
    metrics_ok = metrics.get_meter_provider().force_flush(timeout_millis=10000)
    if not (traces_ok and metrics_ok):
        sys.exit(f"flush failed: traces={traces_ok} metrics={metrics_ok}")


if __name__ == "__main__":
    main()
