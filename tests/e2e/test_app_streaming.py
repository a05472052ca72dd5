"""Streaming in the browser: the draft appears token by token, then the checked answer.

The app runs in this process (uvicorn on loopback) in generative mode with the
scripted backend of ``tests.fakes``: what is tested is what the pages do with
the stream (draft shown while it is written, replaced by the checked answer,
replacement announced), which a real model would make slow and unpredictable.
The real models stream in ``test_llm_local.py`` and ``test_llm_openai_server.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from assistant.settings import Settings
from tests.e2e.conftest import ask_chat, screenshot
from tests.fakes import FakeBackend
from tests.knowledge import REPLACED_NOTICE
from tests.servers import free_port, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.model]

#: An open question (retrieved and written by the model); "combien pour la formation ?"
#: is answered from the envelopes' data, without the model, so nothing would stream.
OPEN_QUESTION = "Que prévoit le plan pour la formation ?"
#: Also written by the model ("Quel est le budget total du plan ?" is computed from the table).
PLAN_QUESTION = "Je cherche des infos sur le Plan IA Occitanie."
GOOD = "Le Plan IA Occitanie est doté de 60 M€ sur 2024-2028 [1]."
BAD = "Le plan est doté de 75 M€ [1], selon nos estimations."


def scripted_reply(messages: list[dict[str, str]]) -> str:
    """A supported answer to PLAN_QUESTION; an invented figure for anything else."""
    return GOOD if "infos" in messages[-1]["content"].split("Question")[-1] else BAD


@pytest.fixture(scope="module")
def stream_url(bot, e2e_settings: Settings) -> Iterator[str]:
    import uvicorn

    from assistant.core import Assistant
    from ui.server import create_app

    settings = e2e_settings.model_copy(
        update={"answer_mode": "llm", "rate_limit_per_minute": 10000}
    )
    backend = FakeBackend(scripted_reply, first_delay=0.3, token_delay=0.25)
    llm_bot = Assistant(settings, bot.embedder, bot.live, llm_backend=backend)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(llm_bot, settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/readyz", 60)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def stream_page(browser, stream_url: str):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    page.goto(stream_url)
    yield page
    context.close()


def test_chat_shows_the_draft_while_it_is_written_then_the_checked_answer(stream_page) -> None:
    page = stream_page
    ask_chat(page, PLAN_QUESTION)
    draft = page.locator("#oc-chatbot .oc-draft")
    draft.wait_for()
    partial = draft.inner_text()
    assert "Rédaction en cours" in partial
    assert GOOD not in partial, "the whole answer arrived at once: nothing was streamed"
    screenshot(page, "chat-streaming")
    page.locator("#oc-chatbot .oc-card").first.wait_for()
    assert draft.count() == 0
    answer = page.locator("#oc-chatbot .oc-answer").last.inner_text()
    assert "60 M€" in answer and "[1]" in answer
    assert page.locator("#oc-chatbot .oc-notice").count() == 0


def test_chat_announces_when_the_draft_is_replaced(stream_page) -> None:
    page = stream_page
    ask_chat(page, OPEN_QUESTION)
    draft = page.locator("#oc-chatbot .oc-draft")
    draft.wait_for()
    page.get_by_text("75 M€").first.wait_for()  # the invented figure is shown as a draft…
    notice = page.locator("#oc-chatbot .oc-notice")
    notice.wait_for()  # …then replaced, and the replacement is said
    assert notice.inner_text().strip() == REPLACED_NOTICE
    answer = page.locator("#oc-chatbot .oc-answer").last.inner_text()
    assert "75 M€" not in answer and "9 M€" in answer


def test_widget_streams_and_shows_the_replacement(stream_page, stream_url: str) -> None:
    page = stream_page
    page.goto(f"{stream_url}/embed")
    ask_chat(page, OPEN_QUESTION)
    page.locator(".msg.assistant.streaming").wait_for()
    page.locator(".msg.assistant.replaced .notice").wait_for()
    text = page.locator(".msg.assistant").last.inner_text()
    assert REPLACED_NOTICE in text and "75 M€" not in text and "9 M€" in text
    screenshot(page, "widget-replaced")
