#!/usr/bin/env python3
"""Summarises a bench/soak.sh run for bench/RESULTS.md: RSS, heap after GC and the good requests'
p99 at the start, middle and end; the heap-after-GC trend; errors; hostile answers by kind.

Usage: bench/soak-summary.py OUT_DIR   (the directory bench/soak.sh wrote)
"""
import json
import re
import statistics
import sys
from pathlib import Path


def slope_per_hour(xs, ys):
    """Least-squares slope of ys over xs (seconds), per hour."""
    if len(xs) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def main(out):
    out = Path(out)
    rows = []
    with open(out / "timeline.csv") as f:
        header = f.readline().strip().split(",")
        for line in f:
            rows.append(dict(zip(header, map(float, line.strip().split(",")))))
    if not rows:
        sys.exit("no samples in timeline.csv")
    n = len(rows)
    # A minute at each end of the run, and the minute around its middle.
    k = max(1, min(6, n // 3))
    parts = {"start": rows[:k], "middle": rows[n // 2 - k // 2 : n // 2 - k // 2 + k], "end": rows[-k:]}
    print(f"{n} windows, {rows[-1]['elapsed_s']:.0f} s")
    print("| | RSS MiB | heap after GC MiB | heap in use MiB | good p99 ms | good spans/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rs in parts.items():
        def med(col):
            v = [r[col] for r in rs if r[col] >= 0]
            return statistics.median(v) if v else float("nan")
        print(
            f"| {name} ({rs[0]['elapsed_s']:.0f}-{rs[-1]['elapsed_s']:.0f} s) | {med('rss_mib'):.0f} |"
            f" {med('heap_after_gc_mib'):.0f} | {med('heap_used_mib'):.0f} | {med('p99_ms'):.0f} |"
            f" {med('spans_per_s'):,.0f} |"
        )
    late = [r for r in rows if r["elapsed_s"] >= 300 and r["heap_after_gc_mib"] >= 0]
    if late:
        print(
            "trend after the first 5 minutes: heap after GC %+.1f MiB/h, RSS %+.1f MiB/h;"
            " heap after GC min %.0f max %.0f MiB, RSS min %.0f max %.0f MiB"
            % (
                slope_per_hour([r["elapsed_s"] for r in late], [r["heap_after_gc_mib"] for r in late]),
                slope_per_hour([r["elapsed_s"] for r in late], [r["rss_mib"] for r in late]),
                min(r["heap_after_gc_mib"] for r in late),
                max(r["heap_after_gc_mib"] for r in late),
                min(r["rss_mib"] for r in late),
                max(r["rss_mib"] for r in late),
            )
        )
    print(
        "good requests: %d ok, %d refused, %d errors; p99 per window max %.0f ms;"
        " hostile answered unexpectedly: %d"
        % (
            sum(r["good_ok"] for r in rows),
            sum(r["good_refused"] for r in rows),
            sum(r["good_errors"] for r in rows),
            max(r["p99_ms"] for r in rows),
            sum(r["hostile_unexpected"] for r in rows),
        )
    )
    gc = out / "gc.log"
    if gc.exists():
        after = []
        for line in gc.read_text().splitlines():
            m = re.search(r"\[([\d.]+)s\].*Pause (Young|Full|Remark|Cleanup).*->(\d+)M\((\d+)M\)", line)
            if m:
                after.append((float(m.group(1)), int(m.group(3)), m.group(2)))
        fulls = sum(1 for a in after if a[2] == "Full")
        if after:
            t_end = after[-1][0]
            thirds = [[a[1] for a in after if i * t_end / 3 <= a[0] <= (i + 1) * t_end / 3] for i in range(3)]
            print(
                "gc.log: %d pauses, %d full; heap after GC (median per third of the process's life):"
                " %s MiB" % (len(after), fulls, " / ".join(str(statistics.median(t)) if t else "-" for t in thirds))
            )
    summary = out / "summary.json"
    if summary.exists() and summary.stat().st_size:
        s = json.loads(summary.read_text())
        print(
            "run: %.0f spans/s for %.0f s; p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms;"
            " failed %d, refused %d"
            % (
                s["spans_per_second"],
                s["seconds"],
                s["latency_ms"]["p50"],
                s["latency_ms"]["p99"],
                s["latency_ms"]["p99_9"],
                s["latency_ms"]["max"],
                s["requests_failed"],
                s["requests_refused"],
            )
        )
        h = s.get("hostile")
        if h:
            print(f"hostile: {h['sent']} sent, {h['skipped']} skipped, {h['unexpected']} unexpected")
            print("| kind | answers |")
            print("|---|---|")
            for kind, answers in h["answers"].items():
                print(f"| {kind} | " + ", ".join(f"{a}: {c}" for a, c in answers.items()) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
