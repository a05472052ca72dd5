"""Two replicas, one Chroma server, PostgreSQL and Redis; one replica SIGKILLed mid-load.

Proves, on loopback only and bounded in requests and time:

* the rate limit is shared: 10 requests to each replica, then the 21st is 429
  on both (limit 20 per minute for one client address);
* killing one replica mid-load leaves the other answering questions and
  accepting hand-off tickets;
* every ticket and every feedback acknowledged to a client (201 with its id) is in
  the database.

Each load client binds its own loopback address (127.0.0.x) so that it is its
own rate-limit client.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from assistant.indexer import build_index
from assistant.settings import Settings
from tests.dbservers import create_database, postgres_server, redis_server
from tests.servers import chroma_server, free_port, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.model]

LIMIT = 20
CLIENTS = 6
REQUESTS_PER_CLIENT = 12


def client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@pytest.fixture
def shape(tmp_path: Path, mini_corpus: Path, embedder) -> Iterator[dict]:
    """PostgreSQL, Redis and a Chroma server holding the index of the mini corpus."""
    with (
        postgres_server() as pg,
        redis_server() as redis_url,
        chroma_server(tmp_path / "chroma") as chroma_url,
    ):
        settings = Settings(
            corpus_dir=mini_corpus, index_dir=tmp_path / "index", chroma_url=chroma_url
        )
        build_index(settings, embedder=embedder)
        yield {
            "database": create_database(pg.url),
            "redis": redis_url,
            "chroma": chroma_url,
            "corpus": mini_corpus,
            "root": tmp_path,
        }


def start_replica(shape: dict, name: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_CORPUS_DIR": str(shape["corpus"]),
        "ASSISTANT_INDEX_DIR": str(shape["root"] / f"index-{name}"),
        "ASSISTANT_CHROMA_URL": shape["chroma"],
        "ASSISTANT_DATABASE_URL": shape["database"],
        "ASSISTANT_REDIS_URL": shape["redis"],
        "ASSISTANT_SECRET_KEY": "clé partagée des répliques",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "ASSISTANT_INDEX_WATCH_SECONDS": "0",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    cmd = [str(Path(sys.executable).with_name("assistant")), "serve", "--host", "127.0.0.1"]
    log = (shape["root"] / f"replica-{name}.log").open("wb")
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return proc, f"http://127.0.0.1:{port}"


def test_two_replicas_share_state_and_survive_a_sigkill(shape: dict) -> None:
    (proc_a, url_a), (proc_b, url_b) = start_replica(shape, "a"), start_replica(shape, "b")
    try:
        wait_http(f"{url_a}/readyz", 300, proc_a)
        wait_http(f"{url_b}/readyz", 300, proc_b)
        with client("127.0.0.1") as probe:
            ready = probe.get(f"{url_b}/readyz").json()
        assert ready["status"] == "ready", ready
        assert {k: v["status"] for k, v in ready["dependencies"].items()} == {
            "database": "ok",
            "chroma": "ok",
            "redis": "ok",
        }

        # -- one limit across replicas ------------------------------------------------------
        with client("127.0.0.9") as c:
            statuses = [c.get(f"{url}/api/v1/envelopes").status_code for url in [url_a, url_b] * 10]
            assert statuses == [200] * LIMIT
            assert c.get(f"{url_a}/api/v1/envelopes").status_code == 429
            over = c.get(f"{url_b}/api/v1/envelopes")
            assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1

        # -- load across both, SIGKILL one in the middle ---------------------------------------
        # a 👍/👎 rates an answer the service gave: signed by one replica, checked by the
        # other (ASSISTANT_SECRET_KEY is shared)
        with client("127.0.0.19") as c:
            rated = c.post(f"{url_a}/api/v1/ask", json={"question": "Et les artisans ?"}).json()
        acknowledged: list[tuple[int, str]] = []
        feedback_acknowledged: list[tuple[int, str]] = []
        answered_by_b_after_kill: list[int] = []
        done = threading.Semaphore(0)
        killed = threading.Event()
        lock = threading.Lock()

        def work(index: int) -> None:
            with client(f"127.0.0.{20 + index}") as c:
                for n in range(REQUESTS_PER_CLIENT):
                    target = url_a if (index + n) % 2 else url_b
                    if killed.is_set() and target == url_a:
                        target = url_b  # what a load balancer does once A fails its probe
                    try:
                        if n % 3 == 1:
                            r = c.post(
                                f"{target}/api/v1/ask",
                                json={"question": "Combien pour la recherche ?"},
                            )
                            ok = r.status_code == 200 and "14 M€" in r.json()["answer"]
                        elif n % 3 == 2:
                            comment = f"client {index} avis {n}"
                            r = c.post(
                                f"{target}/api/v1/feedback",
                                json={
                                    "rating": -1,
                                    "question": "Et les artisans ?",
                                    "answer": rated["answer"],
                                    "signature": rated["signature"],
                                    "comment": comment,
                                },
                            )
                            ok = r.status_code == 201
                            if ok:
                                with lock:
                                    feedback_acknowledged.append((r.json()["id"], comment))
                        else:
                            message = f"client {index} demande {n}"
                            r = c.post(f"{target}/api/v1/handoff", json={"message": message})
                            ok = r.status_code == 201
                            if ok:
                                with lock:
                                    acknowledged.append((r.json()["number"], message))
                    except httpx.TransportError:
                        ok = False
                        assert target == url_a, "only the killed replica may drop a request"
                    if killed.is_set() and target == url_b:
                        with lock:
                            answered_by_b_after_kill.append(int(ok))
                    done.release()

        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(work, i) for i in range(CLIENTS)]
            for _ in range(CLIENTS * REQUESTS_PER_CLIENT // 3):
                assert done.acquire(timeout=120)
            os.kill(proc_a.pid, signal.SIGKILL)
            killed.set()
            for future in futures:
                future.result(timeout=300)

        assert proc_a.wait(timeout=10) == -signal.SIGKILL
        assert answered_by_b_after_kill and all(answered_by_b_after_kill), "B kept answering"
        with client("127.0.0.1") as probe:
            assert probe.get(f"{url_b}/readyz").status_code == 200
        engine = create_engine(shape["database"])
        with engine.connect() as conn:
            stored = set(conn.execute(text("SELECT id, message FROM tickets")).all())
            rated = set(conn.execute(text("SELECT id, comment FROM feedback")).all())
        engine.dispose()
        missing = [t for t in acknowledged if t not in stored]
        assert len(acknowledged) >= CLIENTS * REQUESTS_PER_CLIENT // 6
        assert not missing, f"tickets acknowledged but lost: {missing}"
        lost = [f for f in feedback_acknowledged if f not in rated]
        assert len(feedback_acknowledged) >= CLIENTS * REQUESTS_PER_CLIENT // 6
        assert not lost, f"feedback acknowledged but lost: {lost}"
    finally:
        for proc in (proc_a, proc_b):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
