"""Load test of ``POST /api/v1/ask``: N concurrent clients for a fixed time, on loopback.

    python bench/load.py                      # starts `assistant serve` itself (no rate limit)
    python bench/load.py --url http://127.0.0.1:7860 --clients 20 --duration 60
    python bench/load.py --questions unique   # every question new: no query-cache hit
    python bench/load.py --backend torch      # the server encodes with torch (own index)

First a baseline in the same run (one client, no concurrency), then the load;
prints throughput, p50, p95, errors, the ratios to the baseline and the
slowest questions. Target in extractive mode: 0 errors and p95 <= 1 s with
20 clients (exit status 1 when missed). Bounded: every request has a timeout
and each phase stops after its duration.

``--questions repeated`` (default) cycles through ten common questions, as a
public site's example buttons and FAQs make people do: after the first round
their embeddings come from the query cache. ``--questions unique`` makes every
request a question never seen before (a numbered suffix): the worst case,
where each request pays for a forward pass of the embedding model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "Quel est le budget total du Plan IA Occitanie ?",
    "Combien pour la formation ?",
    "Quel montant pour la recherche en IA ?",
    "Je suis une PME de santé à Montpellier, quelle enveloppe me concerne ?",
    "Qui contacter pour mon projet d'entreprise ?",
    "Quand le plan a-t-il été adopté ?",
    "What is the total budget of the plan?",
    "Combien pour les services publics ?",
    "Quelle est la date limite pour déposer un dossier ?",
    "Quelle est la recette du cassoulet ?",
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def client_loop(
    http: httpx.AsyncClient,
    url: str,
    offset: int,
    deadline: float,
    latencies: list[float],
    errors: list[str],
    by_question: dict[str, list[float]],
    unique: bool = False,
) -> None:
    i = offset
    while time.monotonic() < deadline:
        base = QUESTIONS[i % len(QUESTIONS)]
        question = f"{base} (demande {offset}-{i})" if unique else base
        i += 1
        started = time.perf_counter()
        try:
            response = await http.post(url, json={"question": question})
            elapsed = time.perf_counter() - started
            if response.status_code == 200 and "answer" in response.json():
                latencies.append(elapsed)
                by_question.setdefault(base, []).append(elapsed)
            else:
                errors.append(f"HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)


async def run_load(
    base_url: str, clients: int, duration: float, timeout: float, unique: bool = False
) -> dict:
    url = base_url.rstrip("/") + "/api/v1/ask"
    latencies: list[float] = []
    errors: list[str] = []
    by_question: dict[str, list[float]] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        await http.post(url, json={"question": QUESTIONS[0]})  # warm-up, not counted
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(
                client_loop(http, url, n, deadline, latencies, errors, by_question, unique)
                for n in range(clients)
            )
        )
        wall = time.monotonic() - started
    return {
        "clients": clients,
        "seconds": wall,
        "requests": len(latencies) + len(errors),
        "ok": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "throughput": len(latencies) / wall if wall else 0.0,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies) if latencies else float("nan"),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "by_question": {
            q: (percentile(v, 0.5), percentile(v, 0.95)) for q, v in by_question.items()
        },
    }


def start_server(stack: ExitStack, backend: str | None = None) -> str:
    """``assistant serve`` on a free loopback port, without rate limit.

    With ``backend`` (torch, onnx, onnx-int8), the server encodes with it, from
    that backend's own index (built first when missing or stale).
    """
    from bench.backends import ensure_index, env_for
    from tests.servers import free_port, running

    port = free_port()
    env = {**os.environ, "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"}
    if backend:
        ensure_index(backend, env)
        env.update(env_for(backend))
    env.setdefault("ASSISTANT_FEEDBACK_DB", str(Path(tempfile.mkdtemp()) / "feedback.sqlite3"))
    cmd = [str(Path(sys.executable).with_name("assistant")), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    log = Path(tempfile.mkdtemp()) / "bench-server.log"
    url = f"http://127.0.0.1:{port}"
    stack.enter_context(running(cmd, f"{url}/readyz", 180, log, env=env))
    return url


def report(title: str, result: dict) -> None:
    print(f"{title} — {result['clients']} client(s), {result['seconds']:.1f} s")
    print(f"  requests   {result['requests']} ({result['ok']} ok, {result['errors']} errors)")
    if result["error_kinds"]:
        print(f"  error kinds {', '.join(result['error_kinds'])}")
    print(f"  throughput {result['throughput']:.1f} req/s")
    print(f"  latency    p50 {result['p50'] * 1000:.0f} ms · p95 {result['p95'] * 1000:.0f} ms")
    print(f"             mean {result['mean'] * 1000:.0f} ms · max {result['max'] * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Running server (default: start one on loopback).")
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx", "onnx-int8"],
        help="Embedding backend of the server started here (default: the settings').",
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load.")
    parser.add_argument("--baseline", type=float, default=10.0, help="Seconds, one client.")
    parser.add_argument("--questions", choices=["repeated", "unique"], default="repeated")
    parser.add_argument("--timeout", type=float, default=10.0, help="Per request, seconds.")
    parser.add_argument("--p95-target", type=float, default=1.0, help="Seconds.")
    args = parser.parse_args()
    unique = args.questions == "unique"

    with ExitStack() as stack:
        url = args.url or start_server(stack, args.backend)
        base = asyncio.run(run_load(url, 1, args.baseline, args.timeout, unique))
        result = asyncio.run(run_load(url, args.clients, args.duration, args.timeout, unique))

    from bench.query import cpu_model

    backend = args.backend or "(settings)"
    print(f"POST /api/v1/ask on {url}, questions: {args.questions}, backend: {backend}")
    print(f"{cpu_model()}, {os.cpu_count()} CPUs")
    report("baseline", base)
    report("load", result)
    print(
        f"  vs baseline: throughput x{result['throughput'] / base['throughput']:.2f}, "
        f"p50 x{result['p50'] / base['p50']:.1f}, p95 x{result['p95'] / base['p95']:.1f}"
    )
    print("  slowest questions under load (p50 / p95):")
    slowest = sorted(result["by_question"].items(), key=lambda kv: -kv[1][1])[:5]
    for question, (p50, p95) in slowest:
        print(f"    {p50 * 1000:5.0f} / {p95 * 1000:5.0f} ms  {question[:60]}")
    met = result["errors"] == 0 and result["p95"] <= args.p95_target
    print(f"  target (0 errors, p95 <= {args.p95_target:.1f} s): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
