"""Answer latency on the golden set, per embedding backend, side by side in one run.

Run: ``.venv/bin/python bench/query.py [--repeat 3] [--backends torch,onnx,onnx-int8]``

The floor is a bare query embedding (``encode_queries`` of the question): no
answer can be faster than that. For each backend the script prints p50/p95 of
the whole ``ask`` and of each stage (rewrite, query embedding, dense search,
lexical search, fusion, compose, guard), the answer planner's own cost
(``plan``: its target is <= 5 ms at p50), and the ratio of ``ask`` to the
floor; then one table of all backends with their ratios to the first one.
Each backend answers from its own index (``bench/backends.py``), built once.
Targets (extractive, 2-core CPU without bf16): ask p50 <= 80 ms, p95 <= 400 ms.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.core import Assistant
from assistant.evaluation import load_golden
from bench.backends import ensure_index, parse_backends, settings_for

STAGES = [
    "rewrite",
    "plan",  # the answer planner (target: <= 5 ms at p50)
    "embed_query",
    "dense_search",
    "lexical_search",
    "fusion",
    "compose",
    "compute",  # answers computed over the envelopes' figures
    "guard",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def measure(name: str, repeat: int) -> dict:
    # no query cache: every ask must pay for its embedding, as a new question does
    bot = Assistant.from_settings(settings_for(name, embedding_query_cache=0))
    questions = [q for q in load_golden() if q.category != "eligibility"]
    for q in questions[:5]:  # warm-up
        bot.ask(q.question, history=q.history)
    floor, total = [], []
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            bot.embedder.encode_queries([q.question])
            floor.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            answer = bot.ask(q.question, history=q.history)
            total.append((time.perf_counter() - t0) * 1000)
            for stage in STAGES:
                if stage in answer.timings_ms:
                    stages[stage].append(answer.timings_ms[stage])
    encoding = bot.embedder.encoding
    print(
        f"\n== {name} ({encoding['backend']} {encoding['precision']}): "
        f"{len(questions)} questions x {repeat} runs"
    )
    print(f"{'stage':<16}{'p50 ms':>10}{'p95 ms':>10}")
    for stage, values in stages.items():
        print(f"{stage:<16}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}")
    print(f"{'ask (total)':<16}{pct(total, 0.5):>10.1f}{pct(total, 0.95):>10.1f}")
    print(f"{'floor (embed)':<16}{pct(floor, 0.5):>10.1f}{pct(floor, 0.95):>10.1f}")
    print(
        f"ratio ask/floor: p50 x{pct(total, 0.5) / pct(floor, 0.5):.2f}, "
        f"p95 x{pct(total, 0.95) / pct(floor, 0.95):.2f}"
    )
    result = {
        "ask50": pct(total, 0.5),
        "ask95": pct(total, 0.95),
        "floor50": pct(floor, 0.5),
        "floor95": pct(floor, 0.95),
    }
    del bot
    gc.collect()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--backends", default="onnx", help="comma-separated: torch, onnx, onnx-int8 (first = base)"
    )
    args = parser.parse_args()
    names = parse_backends(args.backends)
    logging.getLogger("assistant.guard").setLevel(logging.ERROR)
    for name in names:
        ensure_index(name, dict(os.environ))
    results = {name: measure(name, args.repeat) for name in names}

    base = results[names[0]]
    print(f"\n{cpu_model()}, {os.cpu_count()} CPUs; ratios against {names[0]}")
    header = f"{'backend':<11}{'ask p50':>9}{'ask p95':>9}{'floor p50':>11}{'floor p95':>11}"
    print(header + f"{'ask p50 ratio':>15}{'floor p50 ratio':>17}")
    for name, r in results.items():
        print(
            f"{name:<11}{r['ask50']:>9.1f}{r['ask95']:>9.1f}{r['floor50']:>11.1f}"
            f"{r['floor95']:>11.1f}{base['ask50'] / r['ask50']:>14.2f}x"
            f"{base['floor50'] / r['floor50']:>16.2f}x"
        )
    print("(ms; ratio = how many times faster than the first backend; target ask p50 <= 80 ms)")


if __name__ == "__main__":
    main()
