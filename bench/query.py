"""Answer latency on the golden set, with its breakdown and the floor.

Run: ``.venv/bin/python bench/query.py [--repeat 3]``

The floor is a bare query embedding (``encode_queries`` of the question): no
answer can be faster than that. The script prints p50/p95 of the whole
``ask`` and of each stage (rewrite, query embedding, dense search, lexical
search, fusion, compose, guard), the answer planner's own cost (``plan``: its
target is <= 5 ms at p50), and the ratio of ``ask`` to the floor.
Targets (extractive, this 2-core machine): p50 <= 150 ms, p95 <= 400 ms.
"""

from __future__ import annotations

import argparse
import logging
import time

from assistant.core import Assistant
from assistant.evaluation import load_golden
from assistant.settings import Settings

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("assistant.guard").setLevel(logging.ERROR)

    # no query cache: every ask must pay for its embedding, as a new question does
    bot = Assistant.from_settings(Settings(embedding_query_cache=0))
    questions = [q for q in load_golden() if q.category != "eligibility"]
    for q in questions[:5]:  # warm-up
        bot.ask(q.question, history=q.history)

    floor, total = [], []
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in range(args.repeat):
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

    print(f"{len(questions)} questions x {args.repeat} runs, dtype {bot.embedder.dtype}")
    print(f"{'stage':<16}{'p50 ms':>10}{'p95 ms':>10}")
    for stage, values in stages.items():
        print(f"{stage:<16}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}")
    print(f"{'ask (total)':<16}{pct(total, 0.5):>10.1f}{pct(total, 0.95):>10.1f}")
    print(f"{'floor (embed)':<16}{pct(floor, 0.5):>10.1f}{pct(floor, 0.95):>10.1f}")
    print(
        f"ratio ask/floor: p50 x{pct(total, 0.5) / pct(floor, 0.5):.2f}, "
        f"p95 x{pct(total, 0.95) / pct(floor, 0.95):.2f}  (targets: p50 <= 150 ms, p95 <= 400 ms)"
    )


if __name__ == "__main__":
    main()
