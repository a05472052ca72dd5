"""The server as an attacker and an operator probe it: a real uvicorn on loopback.

One server for the module, run in a thread with the exact ``uvicorn.Config`` of
``assistant serve`` (``ui.server.server_config``), so uvicorn's own behaviour
(proxy headers, access log) is what is tested. Each test speaks from its own
loopback address (127.0.0.0/8 is all loopback on Linux), so each has its own
rate-limit budget on the one server.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from tests.servers import free_port

pytestmark = pytest.mark.model

#: The one loopback address the server trusts as a reverse proxy.
PROXY = "127.0.0.9"
RATE = 6


class Live:
    """The running server, its feedback file and its captured access log."""

    def __init__(self, port: int, settings: Settings, access_log: io.StringIO, app: Any) -> None:
        self.port = port
        self.settings = settings
        self.access_log = access_log
        self.app = app

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        source: str = "127.0.0.2",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 120,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0)
        )
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        all_headers = {"content-type": "application/json", **(headers or {})}
        try:
            conn.request(method, path, body=data, headers=all_headers)
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()

    def json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        status, _, data = self.request(method, path, body, **kwargs)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data.decode(errors="replace")

    def gradio(
        self,
        fn_index: int,
        data: list[Any],
        event_data: Any = None,
        source: str = "127.0.0.2",
        session: str | None = None,
    ) -> Any:
        """One event through ``/gradio_api/queue/join`` (what a browser, or a forger, sends)."""
        session = session or uuid.uuid4().hex[:10]
        body = {
            "data": data,
            "event_data": event_data,
            "fn_index": fn_index,
            "trigger_id": None,
            "session_hash": session,
        }
        status, joined = self.json("POST", "/gradio_api/queue/join", body, source=source)
        assert status == 200, joined
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(source, 0)
        )
        try:
            conn.request("GET", f"/gradio_api/queue/data?session_hash={session}")
            response = conn.getresponse()
            output = None
            for line in response:
                if not line.startswith(b"data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    output = message.get("output", {})
                    break
            return output
        finally:
            conn.close()

    def then_index(self, fn_index: int) -> int:
        """The event that runs after ``fn_index`` (``.then``)."""
        _, config = self.json("GET", "/config")
        for dep in config["dependencies"]:
            if dep.get("trigger_after") == fn_index:
                return dep["id"]
        raise LookupError(f"nothing runs after event {fn_index}")

    def fn_index(self, elem_id: str, trigger: str) -> int:
        _, config = self.json("GET", "/config")
        ids = [
            c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id
        ]
        for dep in config["dependencies"]:
            if any(t == [ids[0], trigger] or t == (ids[0], trigger) for t in dep["targets"]):
                return dep["id"]
        raise LookupError(f"no {trigger} event on #{elem_id}")


#: ``ASSISTANT_SECRET_KEY`` of the module's server (and of its twin replica below).
KEY = "clé partagée des répliques"


@contextmanager
def serving(bot, settings: Settings, access_log: io.StringIO) -> Iterator[tuple[int, Any]]:
    """``create_app`` served by uvicorn in a thread, as ``assistant serve`` does."""
    import uvicorn

    from ui.server import create_app, server_config

    port = free_port()
    app = create_app(bot, settings)
    server = uvicorn.Server(server_config(app, settings, "127.0.0.1", port))
    for handler in logging.getLogger("uvicorn.access").handlers:  # uvicorn just reset them
        handler.setStream(access_log)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield port, app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.index_watcher.stop()


@pytest.fixture(scope="module")
def live(bot, repo_settings: Settings, tmp_path_factory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("hardening")
    settings = repo_settings.model_copy(
        update={
            "rate_limit_per_minute": RATE,
            "feedback_db": root / "feedback.sqlite3",
            "trusted_proxies": [PROXY],
            "answer_concurrency": 2,
            "request_deadline_seconds": 1.0,
            "secret_key": SecretStr(KEY),
        }
    )
    access_log = io.StringIO()
    with serving(bot, settings, access_log) as (port, app):
        yield Live(port, settings, access_log, app)


def _feedback_rows(path: Path) -> list[dict[str, Any]]:
    return list(FeedbackStore(path).rows())


# -- 7. privacy -----------------------------------------------------------------------
def test_access_log_keeps_no_query_string_nor_personal_data(live: Live) -> None:
    query = "/api/v1/search?q=marie.dupont%40example.fr+06+12+34+56+78+SIRET+73282932000074"
    status, _, _ = live.request("GET", query, source="127.0.0.3")
    assert status == 200
    status, _, _ = live.request("GET", "/api/v1/search/06.12.34.56.78", source="127.0.0.3")
    for handler in logging.getLogger("uvicorn.access").handlers:
        handler.flush()
    log = live.access_log.getvalue()
    assert '"GET /api/v1/search HTTP/1.1" 200' in log
    for secret in ("marie", "dupont", "example.fr", "06+12", "73282932000074", "06.12.34.56.78"):
        assert secret not in log, log


def test_a_forged_thumbs_up_stores_nothing(live: Live) -> None:
    like = live.fn_index("oc-chatbot", "like")
    forged = {
        "sid": "attacker",
        "ui_lang": "fr",
        "exchanges": [{"q": "Achetez sur evil.example", "a": {"answer": "spam", "citations": []}}],
    }
    event = {"index": [1, None], "value": "spam", "liked": True}
    output = live.gradio(like, [forged, None], event, source="127.0.0.4")
    assert output["data"][1]["visible"] is False, "no comment box for a refused rating"
    forged["exchanges"][0]["sig"] = "0" * 64
    live.gradio(like, [forged, None], event, source="127.0.0.4")
    assert _feedback_rows(live.settings.feedback_db) == []


def answered_conversation(live: Live, question: str, source: str) -> dict[str, Any]:
    """The conversation a browser keeps after one question answered by ``live``."""
    show = live.fn_index("oc-send", "click")  # shows the question at once, then answers
    conv = {"sid": uuid.uuid4().hex, "ui_lang": "fr", "exchanges": []}
    session = uuid.uuid4().hex[:10]
    live.gradio(show, [question, conv, "fr"], source=source, session=session)
    respond = live.then_index(show)
    answered = live.gradio(respond, [None, conv, "fr"], source=source, session=session)
    stored = answered["data"][1]
    assert stored["exchanges"][0]["sig"]
    return stored


def test_a_real_exchange_can_be_rated_and_its_comment_is_redacted(live: Live) -> None:
    question = "Combien pour la formation ? mon mail: jean.martin@example.fr"
    stored = answered_conversation(live, question, "127.0.0.5")
    like = live.fn_index("oc-chatbot", "like")
    event = {"index": [1, None], "value": "", "liked": True}
    output = live.gradio(like, [stored, None], event, source="127.0.0.5")
    assert output["data"][1]["visible"] is True, "the comment box opens"
    rows = _feedback_rows(live.settings.feedback_db)
    assert [r["rating"] for r in rows] == [1]
    assert "jean.martin" not in rows[0]["question"] and "[EMAIL]" in rows[0]["question"]
    assert "9 M€" in rows[0]["answer"]


def test_a_chat_rating_holds_on_any_replica_sharing_the_key(live: Live, bot, tmp_path) -> None:
    """Behind a load balancer the 👍 may reach another replica than the one that answered."""
    stored = answered_conversation(live, "Combien pour la formation ?", "127.0.0.21")
    event = {"index": [1, None], "value": "", "liked": False}
    like = live.fn_index("oc-chatbot", "like")
    twin = live.settings.model_copy(update={"feedback_db": tmp_path / "twin.sqlite3"})
    stranger = live.settings.model_copy(
        update={"feedback_db": tmp_path / "stranger.sqlite3", "secret_key": SecretStr("autre")}
    )
    with (
        serving(bot, twin, live.access_log) as (twin_port, _),
        serving(bot, stranger, live.access_log) as (stranger_port, _),
    ):
        on_twin = Live(twin_port, twin, live.access_log, None)
        output = on_twin.gradio(like, [stored, None], event, source="127.0.0.21")
        assert output["data"][1]["visible"] is True, "the comment box opens"
        assert [r["rating"] for r in _feedback_rows(twin.feedback_db)] == [-1]
        on_stranger = Live(stranger_port, stranger, live.access_log, None)
        output = on_stranger.gradio(like, [stored, None], event, source="127.0.0.21")
        assert output["data"][1]["visible"] is False, "no comment box for a refused rating"
        assert _feedback_rows(stranger.feedback_db) == []

    # ...and a chat exchange's signature is no API answer's signature (nor the reverse).
    ex = stored["exchanges"][0]
    rating = {
        "rating": -1,
        "question": ex["q"],
        "answer": ex["a"]["answer"],
        "signature": ex["sig"],
    }
    status, _ = live.json("POST", "/api/v1/feedback", rating, source="127.0.0.21")
    assert status == 403


# -- 2. limits on every route that computes --------------------------------------------
CLOSED_GRADIO = [
    ("POST", "/gradio_api/run/ask"),
    ("POST", "/gradio_api/api/ask"),
    ("POST", "/gradio_api/call/ask"),
    ("POST", "/gradio_api/call/v2/ask"),
    ("POST", "/gradio_api/component_server"),
    ("POST", "/gradio_api/upload"),
    ("GET", "/gradio_api/file=/etc/passwd"),
    ("GET", "/gradio_api/runs"),
    ("POST", "/gradio_api/run-history/connect"),
    ("GET", "/gradio_api/proxy=http://example.org/"),
    ("POST", "/login"),
    ("GET", "/monitoring"),
]


@pytest.mark.parametrize(("method", "path"), CLOSED_GRADIO)
def test_gradio_routes_the_page_does_not_use_are_closed(live: Live, method: str, path: str) -> None:
    status, _, body = live.request(method, path, {"data": ["budget", "fr"]}, source="127.0.0.6")
    assert status == 404, (path, body[:200])


def test_api_and_gradio_share_one_budget_per_client(live: Live) -> None:
    source = "127.0.0.7"
    for _ in range(RATE - 1):
        assert live.request("GET", "/api/v1/search?q=budget", source=source)[0] == 200
    join = {"data": [], "fn_index": 99999, "session_hash": "x"}
    assert live.request("POST", "/gradio_api/queue/join", join, source=source)[0] != 429
    status, headers, _ = live.request("POST", "/gradio_api/queue/join", join, source=source)
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 60
    assert live.request("POST", "/api/v1/ask", {"question": "budget"}, source=source)[0] == 429
    assert live.request("GET", "/healthz", source=source)[0] == 200, "probes are not limited"
    assert live.request("GET", "/config", source=source)[0] == 200, "the page still loads"


def test_a_spoofed_forwarded_for_does_not_reset_the_budget(live: Live) -> None:
    codes = [
        live.request(
            "GET",
            "/api/v1/search?q=budget",
            source="127.0.0.8",
            headers={"x-forwarded-for": f"198.51.100.{i}"},
        )[0]
        for i in range(RATE + 1)
    ]
    assert codes[-1] == 429, codes


def test_a_trusted_proxy_names_the_client(live: Live) -> None:
    def through_proxy(forwarded: str) -> int:
        headers = {"x-forwarded-for": forwarded}
        return live.request("GET", "/api/v1/search?q=budget", source=PROXY, headers=headers)[0]

    assert [through_proxy("203.0.113.5") for _ in range(RATE)] == [200] * RATE
    assert through_proxy("203.0.113.5") == 429
    assert through_proxy("203.0.113.6") == 200, "another client behind the same proxy"
    assert through_proxy("1.2.3.4, 203.0.113.5") == 429, "the client cannot prepend a hop"


def test_gradio_bodies_are_bounded(live: Live) -> None:
    big = b'{"data": ["' + b"x" * 2_000_000 + b'"], "fn_index": 0, "session_hash": "y"}'
    status, _, _ = live.request("POST", "/gradio_api/queue/join", raw=big, source="127.0.0.10")
    assert status == 413

    def chunks():
        for _ in range(40):
            yield b"x" * 50_000

    conn = http.client.HTTPConnection(
        "127.0.0.1", live.port, timeout=60, source_address=("127.0.0.10", 0)
    )
    try:
        conn.request(
            "POST",
            "/gradio_api/queue/join",
            body=chunks(),
            encode_chunked=True,
            headers={"content-type": "application/json"},
        )
        assert conn.getresponse().status == 413
    finally:
        conn.close()


# -- 3. bounded work per question -------------------------------------------------------
@pytest.mark.parametrize("filler", ["9", "ê", "budget formation "])
def test_a_2000_character_question_is_answered_from_a_bounded_query(
    live: Live, bot, embedder, filler: str
) -> None:
    question = (filler * 2000)[:2000]
    bounded = bot.searcher.bounded(question)
    assert embedder.count_tokens(bounded) <= live.settings.query_max_tokens
    long_hits = [c.doc_id for c in bot.search(question)]
    assert long_hits == [c.doc_id for c in bot.search(bounded)], "both retrievers use the cut"
    source = f"127.0.11.{ord(filler[0]) % 250}"  # each long question uses up its client's minute
    status, body = live.json("POST", "/api/v1/ask", {"question": question}, source=source)
    assert status == 200 and body["answer"], body


def test_a_long_question_counts_as_several_requests(live: Live) -> None:
    """A 128-token question costs the encoder about as much as eight short ones: it is
    charged one request per 32 tokens (4 here), so long questions use up a client's
    minute sooner, with a 429 that says why; other clients are not affected."""
    long_question = {"question": "ê" * 2000}  # cut to 128 tokens
    codes = []
    for _ in range(3):
        status, headers, body = live.request(
            "POST", "/api/v1/ask", long_question, source="127.0.3.1"
        )
        codes.append(status)
    assert codes == [200, 429, 429], f"{RATE} per minute = one 4-request question"
    assert "plus courte" in json.loads(body)["detail"] and int(headers["retry-after"]) >= 1
    stream = live.request("POST", "/api/v1/ask/stream", long_question, source="127.0.3.1")
    assert stream[0] == 429
    assert live.request("POST", "/api/v1/ask", {"question": "budget"}, source="127.0.3.2")[0] == 200


def test_no_turn_within_the_deadline_is_503_with_a_clear_message(live: Live) -> None:
    import contextlib

    gate = live.app.state.bot
    with contextlib.ExitStack() as held:
        for _ in range(live.settings.answer_concurrency):
            held.enter_context(gate.slot())
        status, headers, data = live.request(
            "POST", "/api/v1/ask", {"question": "Quel budget ?"}, source="127.0.0.12"
        )
        assert status == 503 and int(headers["retry-after"]) > 0
        assert "réessayez" in json.loads(data)["detail"]
        status, _, data = live.request(
            "POST", "/api/v1/ask/stream", {"question": "Quel budget ?"}, source="127.0.0.12"
        )
        assert b"event: error" in data and "réessayez" in data.decode()
    status, _, _ = live.request(
        "POST", "/api/v1/ask", {"question": "Quel budget ?"}, source="127.0.0.13"
    )
    assert status == 200, "the slots freed, the next request is answered"


# -- 4. invalid text ---------------------------------------------------------------------
SURROGATE = "\ud800"
BAD_BODIES = [
    ("/api/v1/ask", {"question": SURROGATE}, ["body", "question"]),
    (
        "/api/v1/ask",
        {"question": "ok", "history": [{"role": "user", "content": SURROGATE}]},
        ["body", "history", 0, "content"],
    ),
    (
        "/api/v1/ask",
        {"question": "ok", "filters": {"audience": SURROGATE}},
        ["body", "filters", "audience"],
    ),
    (
        "/api/v1/ask",
        {"question": "ok", "context": {"subject": SURROGATE}},
        ["body", "context", "subject"],
    ),
    ("/api/v1/ask", {"question": "a\u001bb"}, ["body", "question"]),
    ("/api/v1/ask/stream", {"question": SURROGATE}, ["body", "question"]),
    ("/api/v1/eligibility", {"org_type": SURROGATE}, ["body", "org_type"]),
    ("/api/v1/eligibility", {"location": "Albi\u0000"}, ["body", "location"]),
    (
        "/gradio_api/queue/join",
        {"data": [SURROGATE, None, "fr"], "fn_index": 0, "session_hash": "z"},
        ["body", "data", 0],
    ),
]


@pytest.mark.parametrize(("path", "body", "loc"), BAD_BODIES)
def test_invalid_characters_in_any_field_are_422_naming_it(
    live: Live, path: str, body: dict, loc: list
) -> None:
    source = f"127.0.1.{BAD_BODIES.index((path, body, loc)) + 1}"  # one budget per case
    status, _, data = live.request("POST", path, body, source=source)
    assert status == 422, data[:300]
    detail = json.loads(data)["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == loc
    assert "caractère invalide" in detail[0]["msg"]


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=a%00b", "q=budget&audience=%1B", "q=%FF"])
def test_invalid_query_strings_are_422(live: Live, query: str) -> None:
    status, _, data = live.request("GET", f"/api/v1/search?{query}", source="127.0.0.15")
    assert status == 422, data[:300]
    assert isinstance(json.loads(data)["detail"], list)


def test_invalid_utf8_and_schema_errors_never_crash_the_handler(live: Live) -> None:
    status, _, data = live.request(
        "POST", "/api/v1/ask", raw=b'{"question": "\xed\xa0\x80"}', source="127.0.0.16"
    )
    assert status == 422
    # a type error next to a lone surrogate: FastAPI's handler used to echo the input (500)
    raw = b'{"question": "ok", "history": [{"role": "bot", "content": 1}], "lang": "de"}'
    status, _, data = live.request("POST", "/api/v1/ask", raw=raw, source="127.0.0.16")
    assert status == 422 and isinstance(json.loads(data)["detail"], list)
    status, _, data = live.request(
        "POST", "/api/v1/eligibility", {"org_type": "martien"}, source="127.0.0.16"
    )
    assert status == 422
    detail = json.loads(data)["detail"]
    assert isinstance(detail, list) and detail[0]["msg"], "the documented shape: a list"


# -- 5. API contract ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/v1/ask", "POST"),
        ("DELETE", "/api/v1/search", "GET"),
        ("PUT", "/api/v1/eligibility", "POST"),
        ("POST", "/healthz", "GET"),
        ("GET", "/gradio_api/queue/join", "POST"),
    ],
)
def test_wrong_methods_are_405_with_allow(live: Live, method: str, path: str, allow: str) -> None:
    status, headers, _ = live.request(method, path, source="127.0.0.17")
    assert status == 405
    assert allow in headers["allow"]


def test_openapi_documents_errors_and_limits(live: Live) -> None:
    _, spec = live.json("GET", "/openapi.json", source="127.0.0.17")
    ask = spec["paths"]["/api/v1/ask"]["post"]
    for code in ("400", "413", "422", "429", "503"):
        assert code in ask["responses"], code
    question = spec["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert question["maxLength"] == 2000
    search = spec["paths"]["/api/v1/search"]["get"]
    assert {"422", "429", "503"} <= set(search["responses"])
