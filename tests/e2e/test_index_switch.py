"""A running server follows `assistant index` without a restart (issue: it died ~20 min later).

Time-compressed: the server checks for a new build every half second, and each
rebuild prunes at once (only the two newest builds are kept). Before the fix
the server stayed on its start-up build, which the second rebuild deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant import store
from assistant.settings import Settings
from tests.conftest import md_doc, write
from tests.servers import free_port, running

pytestmark = [pytest.mark.slow, pytest.mark.model]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _ask(url: str, question: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/api/v1/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, {"detail": exc.read().decode(errors="replace")}


def _serving(url: str, build_id: str, within: float = 90.0) -> bool:
    """Wait until /readyz names ``build_id`` (a bound on the wait, not a speed check)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _get(f"{url}/readyz")[1].get("index") == build_id:
            return True
        time.sleep(0.3)
    return False


def _released(index_dir: Path, build: str, within: float = 90.0) -> bool:
    """Wait until no lease holds ``build`` (the watcher's next tick after a switch)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if build not in store.leased_builds(index_dir):
            return True
        time.sleep(0.3)
    return False


def test_a_running_server_follows_two_rebuilds(tmp_path: Path, mini_corpus: Path, embedder) -> None:
    from assistant.indexer import build_index

    settings = Settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index", chroma_url=None)
    first = build_index(settings, embedder=embedder).build_id
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_CORPUS_DIR": str(mini_corpus),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_CHROMA_URL": "",
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "10000",
        "ASSISTANT_INDEX_WATCH_SECONDS": "0.5",
    }
    cmd = [str(Path(sys.executable).with_name("assistant")), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    with running(cmd, f"{url}/readyz", 240, tmp_path / "server.log", env=env):
        assert _get(f"{url}/readyz") == (200, _get(f"{url}/readyz")[1])
        assert _get(f"{url}/readyz")[1]["index"] == first

        write(
            mini_corpus / "plan" / "jardins.md",
            md_doc(
                "doc-jardins",
                "Jardins xylophoniques",
                """
                # Jardins xylophoniques
                Le plan consacre 7 M€ aux jardins xylophoniques des écoles.
                """,
            ),
        )
        second = build_index(settings, embedder=embedder, force=True).build_id
        assert _serving(url, second), "the server switched to the new build"
        status, answer = _ask(url, "Combien pour les jardins xylophoniques ?")
        assert status == 200 and "7 M€" in answer["answer"], answer

        # during a switch the lease holds both builds; the next tick drops the old one
        assert _released(settings.index_dir, first), "the lease let go of the first build"
        third = build_index(settings, embedder=embedder, force=True).build_id
        assert not (settings.index_dir / store.BUILDS_DIR / first).exists(), "pruned"
        assert _serving(url, third)
        for _ in range(3):
            status, answer = _ask(url, "Combien pour la formation ?")
            assert status == 200 and "9 M€" in answer["answer"], answer

        # the build in use disappears: readiness says so instead of "ready"
        shutil.rmtree(settings.index_dir / store.BUILDS_DIR / third)
        status, body = _get(f"{url}/readyz")
        assert status == 503 and body["index"] == third, body
