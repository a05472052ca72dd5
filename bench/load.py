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
request a question never seen before (two neutral words appended): the worst case,
where each request pays for a forward pass of the embedding model.

``--hostile`` measures what attackers cost normal users: the server runs with
its rate limit (30/min/client) behind a declared proxy (``127.0.0.1``, so each
request names its client in ``X-Forwarded-For``); normal clients are many
distinct people, attackers are a few addresses sending 2,000-character
questions and bursts on Gradio's routes. A calm run (normal clients only) is
followed by the same load with the attackers; the target is 0 errors for
normal clients and their p95 within 2x of the calm run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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


#: ``--questions unique`` makes each question new with two neutral words (no place,
#: no figure, no name): 3.4 model tokens on average. The first marker,
#: "(demande 12-345)", added 10 (digits are one token each): 54 % more encoder work
#: than the questions themselves (18.4 tokens with the query prompt).
MARKER_WORDS = [
    "bleu",
    "vert",
    "rouge",
    "jaune",
    "blanc",
    "noir",
    "gris",
    "rose",
    "brun",
    "mauve",
    "orange",
    "violet",
    "pomme",
    "poire",
    "prune",
    "cerise",
    "figue",
    "olive",
    "melon",
    "citron",
    "raisin",
    "abricot",
]
MARKER_NOUNS = [
    "matin",
    "soir",
    "midi",
    "hiver",
    "printemps",
    "automne",
    "lundi",
    "mardi",
    "jeudi",
    "samedi",
    "table",
    "chaise",
    "porte",
    "livre",
    "stylo",
    "cahier",
    "carte",
    "lampe",
    "tasse",
    "verre",
]


UNIQUE = itertools.count()


def unique_marker(n: int) -> str:
    """A word pair distinct for each ``n`` below 22 x 20 x 4 (1,760)."""
    words, nouns = len(MARKER_WORDS), len(MARKER_NOUNS)
    pair = f"{MARKER_NOUNS[n // words % nouns]} {MARKER_WORDS[n % words]}"
    return [pair, f"({pair})", pair.capitalize(), f"— {pair}"][n // (words * nouns) % 4]


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
    crowd: bool = False,
) -> None:
    i = offset
    while time.monotonic() < deadline:
        base = QUESTIONS[i % len(QUESTIONS)]
        question = base
        if unique:  # every request of the run a new question (17,600 before any repeats)
            n = next(UNIQUE)
            base = QUESTIONS[n % len(QUESTIONS)]
            question = f"{base} {unique_marker(n // len(QUESTIONS))}"
        i += 1
        # crowd: every request from another person (behind the declared proxy)
        headers = {"x-forwarded-for": f"10.{offset % 250}.{i // 250 % 250}.{i % 250}"}
        started = time.perf_counter()
        try:
            response = await http.post(
                url, json={"question": question}, headers=headers if crowd else None
            )
            elapsed = time.perf_counter() - started
            if response.status_code == 200 and "answer" in response.json():
                latencies.append(elapsed)
                by_question.setdefault(base, []).append(elapsed)
            else:
                errors.append(f"HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)


#: What attackers send, in turn: long questions and Gradio bursts.
HOSTILE = [
    ("/api/v1/ask", {"question": "ê" * 2000}),
    ("/api/v1/ask", {"question": "9" * 2000}),
    ("/gradio_api/queue/join", {"data": ["ê" * 2000], "fn_index": 0, "session_hash": "x"}),
    ("/gradio_api/run/ask", {"data": ["9" * 2000, "fr"]}),
    ("/gradio_api/call/v2/ask", {"data": "not a list"}),
]


async def attacker_loop(
    http: httpx.AsyncClient, base_url: str, n: int, deadline: float, codes: dict[int, int]
) -> None:
    headers = {"x-forwarded-for": f"203.0.113.{n + 1}"}
    i = 0
    while time.monotonic() < deadline:
        path, body = HOSTILE[i % len(HOSTILE)]
        i += 1
        try:
            response = await http.post(base_url.rstrip("/") + path, json=body, headers=headers)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
        except httpx.HTTPError:
            codes[0] = codes.get(0, 0) + 1


async def run_load(
    base_url: str,
    clients: int,
    duration: float,
    timeout: float,
    unique: bool = False,
    attackers: int = 0,
    crowd: bool = False,
) -> dict:
    url = base_url.rstrip("/") + "/api/v1/ask"
    latencies: list[float] = []
    errors: list[str] = []
    by_question: dict[str, list[float]] = {}
    attack_codes: dict[int, int] = {}
    size = clients + attackers
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        headers = {"x-forwarded-for": "10.255.255.255"} if crowd else None
        await http.post(url, json={"question": QUESTIONS[0]}, headers=headers)  # warm-up
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(
                client_loop(http, url, n, deadline, latencies, errors, by_question, unique, crowd)
                for n in range(clients)
            ),
            *(attacker_loop(http, base_url, n, deadline, attack_codes) for n in range(attackers)),
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
        "attack_codes": dict(sorted(attack_codes.items())),
    }


def start_server(stack: ExitStack, backend: str | None = None, hostile: bool = False) -> str:
    """``assistant serve`` on a free loopback port, without rate limit (unless ``hostile``).

    With ``backend`` (torch, onnx, onnx-int8), the server encodes with it, from
    that backend's own index (built first when missing or stale).
    ``hostile``: the default limit, behind a declared proxy (loopback), so each
    request's ``X-Forwarded-For`` names its client.
    """
    from bench.backends import ensure_index, env_for
    from tests.servers import free_port, running

    port = free_port()
    env = {**os.environ, "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"}
    if hostile:
        env |= {"ASSISTANT_RATE_LIMIT_PER_MINUTE": "30", "ASSISTANT_TRUSTED_PROXIES": "127.0.0.1"}
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
    parser.add_argument(
        "--hostile", action="store_true", help="Calm run, then the same with attackers."
    )
    parser.add_argument("--attackers", type=int, default=4, help="With --hostile.")
    args = parser.parse_args()
    unique = args.questions == "unique"
    if args.hostile:
        return hostile_main(args, unique)

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


def hostile_main(args: argparse.Namespace, unique: bool) -> int:
    """Normal clients' latency, calm then under attack (``--hostile``)."""
    with ExitStack() as stack:
        url = args.url or start_server(stack, getattr(args, "backend", None), hostile=True)
        calm = asyncio.run(
            run_load(url, args.clients, args.duration, args.timeout, unique, crowd=True)
        )
        attacked = asyncio.run(
            run_load(
                url,
                args.clients,
                args.duration,
                args.timeout,
                unique,
                attackers=args.attackers,
                crowd=True,
            )
        )
    print(f"POST /api/v1/ask on {url}, questions: {args.questions}, hostile mix")
    report("calm (normal clients only)", calm)
    report(f"under attack ({args.attackers} attackers)", attacked)
    print(f"  attackers' responses by status: {attacked['attack_codes']}")
    ratio = attacked["p95"] / calm["p95"] if calm["p95"] else float("inf")
    print(f"  normal clients' p95 under attack: x{ratio:.2f} of the calm run")
    met = attacked["errors"] == 0 and ratio <= 2.0
    print(f"  target (0 errors for normal clients, p95 <= 2x calm): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
