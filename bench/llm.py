"""Local generative model speed: first-token time and tokens per second.

Run: ``.venv/bin/python bench/llm.py`` (after ``make llm``).

Speed is measured here, never asserted in a test: CI machines differ (a CPU
without AVX-512 or a loaded machine is 2-4x slower) and must still pass. The
baseline printed alongside is the prompt read alone (``max_tokens=1``), in the
same process, so the ratio says what generation costs on this machine.
"""

from __future__ import annotations

import argparse
import time

from assistant.llm import make_backend
from assistant.llm.prompts import system_prompt
from assistant.settings import Settings


def measure(backend, prompt: list[dict[str, str]], max_tokens: int) -> tuple[float, float, int]:
    """(first-token seconds, total seconds, pieces streamed) for one generation."""
    started = time.perf_counter()
    first = None
    pieces = 0
    for _ in backend.stream(prompt, max_tokens=max_tokens, temperature=0.0):
        first = first or time.perf_counter() - started
        pieces += 1
    return first or 0.0, time.perf_counter() - started, pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    settings = Settings(answer_mode="llm", llm_backend="local")
    backend = make_backend(settings)
    prompt = [
        {"role": "system", "content": system_prompt("fr")},
        {"role": "user", "content": "Présente le Plan IA Occitanie en quelques phrases. " * 5},
    ]
    tokens = sum(backend.count_tokens(m["content"]) for m in prompt)
    measure(backend, prompt, 1)  # warm-up: model pages in, caches filled
    for run in range(args.repeat):
        read, _, _ = measure(backend, prompt, 1)
        first, total, pieces = measure(backend, prompt, args.max_tokens)
        rate = (pieces - 1) / (total - first) if pieces > 1 and total > first else 0.0
        print(
            f"run {run + 1}: prompt {tokens} tokens read in {read:.2f} s (baseline); "
            f"first token {first:.2f} s (x{first / read if read else 0:.2f}); "
            f"{rate:.1f} tokens/s over {pieces} pieces"
        )


if __name__ == "__main__":
    main()
