"""The ``openai`` backend against a real OpenAI-compatible server on loopback.

The server is llama.cpp's own (``python -m llama_cpp.server``) with the same
GGUF as the local backend, started by the test. Also checked here: ``auto``
mode picks the server when it answers and stays extractive when it does not,
and a dead server gives the extractive answer within the deadline, never an
exception.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from assistant.llm import answer_steps
from assistant.llm._local import default_threads
from assistant.llm._openai import OpenAICompatibleBackend
from assistant.settings import Settings
from tests.e2e.llm_support import gguf_path, llm_bot
from tests.knowledge import UNAVAILABLE_NOTICE
from tests.servers import free_port, running

pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.llm]


#: Answered by the model (the plan's total would be computed from the table, without it).
ADOPTION = "Quand et par qui le Plan IA Occitanie a-t-il été adopté ?"


@pytest.fixture(scope="module")
def server_url(bot, tmp_path_factory) -> Iterator[str]:
    model = gguf_path(bot.settings)
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", "qwen-test",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", str(default_threads()), "--verbose", "False",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("llm-server") / "llama-server.log"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}  # see assistant/llm/_local.py
    with running(cmd, f"http://127.0.0.1:{port}/v1/models", 120, log, env=env):
        yield f"http://127.0.0.1:{port}/v1"


def test_backend_streams_from_the_server(server_url: str) -> None:
    backend = OpenAICompatibleBackend(server_url, "qwen-test", timeout_s=60)
    assert backend.available()
    pieces = list(
        backend.stream(
            [{"role": "user", "content": "Réponds seulement : bonjour"}],
            max_tokens=8,
            temperature=0.0,
        )
    )
    assert len(pieces) >= 1 and "".join(pieces).strip()


def test_assistant_answers_through_the_server(bot, server_url: str) -> None:
    llm = llm_bot(
        bot,
        answer_mode="auto",
        llm_backend="openai",
        llm_openai_base_url=server_url,
        llm_openai_model="qwen-test",
        # a cold server evaluates the whole prompt (no warm-up, one thread): be patient,
        # what is tested here is the path through the server, not its speed
        llm_first_token_seconds=90,
        llm_deadline_seconds=120,
    )
    assert llm.answer_mode == "llm"  # auto: configured and reachable
    events = list(llm.ask_stream(ADOPTION))
    final = events[-1]
    assert final["type"] == "final"
    assert any(e["type"] == "token" for e in events)
    answer = final["answer"]
    print(answer["answer"], answer["notice"])
    assert "2024" in answer["answer"] and answer["citations"]
    assert answer["notice"] != UNAVAILABLE_NOTICE


def test_a_dead_server_gives_the_extractive_answer_within_the_deadline(bot) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    assert (
        answer_steps(
            Settings(answer_mode="auto", llm_backend="openai", llm_openai_base_url=dead),
            bot.knowledge,
        ).mode
        == "extractive"
    )
    llm = llm_bot(
        bot,
        llm_backend="openai",
        llm_openai_base_url=dead,
        llm_deadline_seconds=5,
        llm_first_token_seconds=3,
    )
    answer = llm.ask(ADOPTION)  # no hang, no 500
    assert answer.notice == UNAVAILABLE_NOTICE
    assert "2024" in answer.text and answer.citations
