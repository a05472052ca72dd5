"""The HTTP API in-process (FastAPI TestClient) on the real model and corpus index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from tests.fakes import FakeBackend
from tests.knowledge import REPLACED_NOTICE, UNAVAILABLE_NOTICE
from ui.server import create_app

pytestmark = pytest.mark.model

ORIGIN = "https://www.example-commune.fr"


@pytest.fixture(scope="module")
def app_settings(repo_settings: Settings, tmp_path_factory) -> Settings:
    return repo_settings.model_copy(
        update={
            "embed_origins": [ORIGIN],
            "rate_limit_per_minute": 1000,
            "feedback_db": tmp_path_factory.mktemp("api") / "feedback.sqlite3",
        }
    )


@pytest.fixture(scope="module")
def client(bot, app_settings: Settings) -> TestClient:
    return TestClient(create_app(bot, app_settings))


def test_probes_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["chunks"] > 0
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/ask", "/api/v1/ask/stream", "/api/v1/search", "/api/v1/eligibility"):
        assert path in paths


def test_ask_returns_answer_with_numbered_citations(client: TestClient) -> None:
    response = client.post("/api/v1/ask", json={"question": "Combien pour la formation ?"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"answer", "citations", "refused", "kind", "lang", "contacts", "notice"}
    assert "9 M€" in data["answer"] and not data["refused"]
    assert data["lang"] == "fr"
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    first = data["citations"][0]
    assert first["title"] and first["excerpt"] and first["source_date"]
    assert "[1]" in data["answer"]


def test_ask_takes_history_lang_and_filters(client: TestClient) -> None:
    body = {
        "question": "What is the total budget of the plan?",
        "history": [{"role": "user", "content": "Bonjour"}],
        "lang": "en",
        "filters": {"audience": None, "envelope": None},
    }
    response = client.post("/api/v1/ask", json=body)
    assert response.status_code == 200
    assert response.json()["lang"] == "en"
    assert "60" in response.json()["answer"]


def test_out_of_scope_question_is_refused_with_contacts(client: TestClient) -> None:
    data = client.post("/api/v1/ask", json={"question": "Quelle est la recette du cassoulet ?"})
    data = data.json()
    assert data["refused"] and data["kind"] == "refusal"
    assert data["contacts"], "a refusal points to who can help"


def test_empty_question_gets_a_friendly_prompt(client: TestClient) -> None:
    response = client.post("/api/v1/ask", json={"question": "   "})
    assert response.status_code == 200
    assert response.json()["kind"] == "empty"
    assert "Plan IA" in response.json()["answer"]


def test_too_long_question_is_422_with_a_clear_message(client: TestClient) -> None:
    response = client.post("/api/v1/ask", json={"question": "a" * 2001})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "question"]
    assert "2000" in detail[0]["msg"] and "2001" in detail[0]["msg"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"question": 3}',
        b'{"history": []}',
        b'{"question": "ok", "lang": "de"}',
        b'{"question": "ok", "history": [{"role": "system", "content": "x"}]}',
        b'{"question": "ok", "filters": {"evil": "x"}}',
    ],
)
def test_malformed_requests_are_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/api/v1/ask", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_oversized_body_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/ask", json={"question": "x", "history": [], "pad": "y" * 70_000}
    )
    assert response.status_code == 413


def sse_events(client: TestClient, question: str) -> list[tuple[str, dict]]:
    """(event name, JSON data) of the stream ``/api/v1/ask/stream`` sends for ``question``."""
    with client.stream("POST", "/api/v1/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = []
    for block in body.strip().split("\n\n"):
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_extractive_stream_sends_the_whole_answer_in_one_final_event(client: TestClient) -> None:
    events = sse_events(client, "Quel est le budget total ?")
    assert [name for name, _ in events] == ["final"]
    final = events[0][1]
    assert "60 M€" in final["answer"] and final["citations"] and final["replaced"] is False
    assert final == {
        **client.post("/api/v1/ask", json={"question": "Quel est le budget total ?"}).json(),
        "replaced": False,
    }


@pytest.fixture()
def llm_client(bot, app_settings: Settings):
    """An app in generative mode whose backend is the scripted fake of ``tests.fakes``."""
    from assistant.core import Assistant

    def make(backend: FakeBackend) -> TestClient:
        settings = app_settings.model_copy(update={"answer_mode": "llm"})
        llm_bot = Assistant(settings, bot.embedder, bot.live, llm_backend=backend)
        return TestClient(create_app(llm_bot, settings))

    return make


#: Retrieved and written by the model ("Quel est le budget total ?" is the envelopes
#: table's total, computed without it); its first passage states 60 M€ for 2024-2028.
OPEN_QUESTION = "Je cherche des infos sur le Plan IA Occitanie."


def test_generated_answer_streams_token_by_token_then_the_checked_answer(llm_client) -> None:
    reply = "Le Plan IA Occitanie est doté de 60 M€ [1]."
    events = sse_events(llm_client(FakeBackend(reply)), OPEN_QUESTION)
    names = [name for name, _ in events]
    assert names[-1] == "final" and names.count("token") == len(reply.split(" "))
    assert "".join(data["text"] for name, data in events if name == "token") == reply
    final = events[-1][1]
    assert final["replaced"] is False and final["notice"] is None
    assert "60 M€" in final["answer"] and "60 M€" in final["citations"][0]["excerpt"]


def test_a_streamed_answer_failing_the_guard_is_replaced_with_a_notice(llm_client) -> None:
    events = sse_events(llm_client(FakeBackend("Le plan est doté de 75 M€ [1].")), OPEN_QUESTION)
    assert "75 M€" in "".join(data["text"] for name, data in events if name == "token")
    final = events[-1][1]
    assert final["replaced"] is True and final["notice"] == REPLACED_NOTICE
    assert "75 M€" not in final["answer"] and "60 M€" in final["answer"] and final["citations"]


def test_the_call_centre_mode_answers_extractively_even_in_llm_mode(llm_client) -> None:
    backend = FakeBackend("Le plan est doté de 60 M€ [1].")
    client = llm_client(backend)
    body = {"question": OPEN_QUESTION, "mode": "extractive"}
    data = client.post("/api/v1/ask", json=body).json()
    assert backend.calls == [] and "60 M€" in data["answer"] and data["citations"]
    client.post("/api/v1/ask", json={"question": OPEN_QUESTION})
    assert len(backend.calls) == 1
    bad = client.post("/api/v1/ask", json={**body, "mode": "poetic"})
    assert bad.status_code == 422


def test_a_down_backend_still_answers_200_with_the_extractive_answer(llm_client) -> None:
    client = llm_client(FakeBackend(error=ConnectionError("connection refused")))
    events = sse_events(client, OPEN_QUESTION)
    final = events[-1][1]
    assert [name for name, _ in events] == ["final"]
    assert final["notice"] == UNAVAILABLE_NOTICE and "60 M€" in final["answer"]
    response = client.post("/api/v1/ask", json={"question": OPEN_QUESTION})
    assert response.status_code == 200 and response.json()["notice"] == UNAVAILABLE_NOTICE


def test_stream_refuses_bad_input_before_streaming(client: TestClient) -> None:
    response = client.post("/api/v1/ask/stream", json={"question": "a" * 2001})
    assert response.status_code == 422


def test_search_returns_passages_and_honours_filters(client: TestClient) -> None:
    data = client.get("/api/v1/search", params={"q": "budget de la recherche", "k": 3}).json()
    assert len(data["results"]) == 3 and data["results"][0]["excerpt"]
    env = client.get(
        "/api/v1/search", params={"q": "budget", "envelope": "formation", "k": 5}
    ).json()
    assert env["results"], "the formation envelope has documents"
    assert client.get("/api/v1/search", params={"q": ""}).json()["results"] == []
    assert client.get("/api/v1/search", params={"q": "a" * 2001}).status_code == 422


def test_eligibility_gives_verdicts_with_reasons_and_citations(client: TestClient) -> None:
    profile = {
        "org_type": "entreprise",
        "staff": 12,
        "turnover_eur": 2_000_000,
        "departement": "Hérault",
        "sector": "sante",
        "project_type": "adoption_ia",
    }
    response = client.post("/api/v1/eligibility", json=profile)
    assert response.status_code == 200
    results = {r["scheme_id"]: r for r in response.json()["results"]}
    key = results["secteurs-cles"]
    assert key["verdict"] == "correspond" and key["reasons"] and key["citations"]
    assert client.post("/api/v1/eligibility", json={"staff": -1}).status_code == 422
    assert client.post("/api/v1/eligibility", json={"sector": "casino"}).status_code == 422


def test_eligibility_answers_in_english_when_asked(client: TestClient) -> None:
    response = client.post(
        "/api/v1/eligibility",
        json={"org_type": "entreprise", "staff": 12, "departement": "34", "lang": "en"},
    )
    assert response.status_code == 200
    text = response.json()["text"]
    assert text.startswith("Your profile") and "Hérault" in text


def test_reference_data_for_fact_cards(client: TestClient) -> None:
    envelopes = client.get("/api/v1/envelopes").json()
    assert {"formation", "recherche"} <= {e["id"] for e in envelopes}
    assert all("amount_eur" in e and "sources" in e for e in envelopes)
    contacts = client.get("/api/v1/contacts").json()
    assert any(c["id"] == "adocc" for c in contacts)


def test_cors_allows_only_the_embedding_sites(client: TestClient) -> None:
    preflight = client.options(
        "/api/v1/ask",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    allowed = client.post("/api/v1/ask", json={"question": "budget"}, headers={"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    other = client.post(
        "/api/v1/ask", json={"question": "budget"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    denied = client.options(
        "/api/v1/ask",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert denied.status_code == 400


def test_frame_ancestors_let_only_embedding_sites_frame_the_widget(client: TestClient) -> None:
    embed = client.get("/embed")
    assert embed.status_code == 200
    csp = embed.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {ORIGIN}" in csp and "script-src 'self';" in csp
    assert "x-frame-options" not in embed.headers
    for path in ("/", "/agent", "/docs"):
        headers = client.get(path).headers
        assert "frame-ancestors 'self';" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "SAMEORIGIN"
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert "attachShadow" in widget.text


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file=" + str(Path(__file__).resolve()),
        "/gradio_api/upload",
        "/gradio_api/proxy=http://example.com/",
        "/app-static/../server.py",
    ],
)
def test_no_file_routes_beyond_the_apps_static_files(client: TestClient, path: str) -> None:
    response = client.get(path) if "upload" not in path else client.post(path)
    assert response.status_code in (403, 404), path
    assert "root:" not in response.text


def test_own_static_files_are_served(client: TestClient) -> None:
    for name in ("agent.js", "embed.js", "common.js", "common.css"):
        assert client.get(f"/app-static/{name}").status_code == 200


def test_rate_limit_is_429_with_retry_after(bot, app_settings: Settings) -> None:
    limited = TestClient(
        create_app(bot, app_settings.model_copy(update={"rate_limit_per_minute": 3}))
    )
    codes = [limited.get("/api/v1/search", params={"q": "budget"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    blocked = limited.post("/api/v1/ask", json={"question": "budget"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert limited.get("/healthz").status_code == 200, "probes are not rate limited"
    gradio_call = limited.post("/gradio_api/queue/join", json={"data": ["budget", "fr"]})
    assert gradio_call.status_code == 429, "Gradio's queue shares the client's budget"


def test_html_in_questions_comes_back_as_json_text(client: TestClient) -> None:
    payload = "<script>alert(1)</script> budget formation ?"
    response = client.post("/api/v1/ask", json={"question": payload})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


def test_widget_feedback_rates_only_answers_the_service_gave(client: TestClient) -> None:
    question = "Combien pour la formation ?"
    answer = client.post("/api/v1/ask", json={"question": question}).json()
    rating = {
        "rating": -1,
        "question": question,
        "answer": answer["answer"],
        "signature": answer["signature"],
    }
    assert client.post("/api/v1/feedback", json=rating).status_code == 201

    forged = {**rating, "question": "Pourquoi le plan finance-t-il des armes ?"}
    refused = client.post("/api/v1/feedback", json=forged)
    assert refused.status_code == 403
    assert "aucune réponse" in refused.json()["detail"]
    unsigned = {k: v for k, v in rating.items() if k != "signature"}
    assert client.post("/api/v1/feedback", json=unsigned).status_code == 403
    stored = [row["question"] for row in client.app.state.feedback.rows()]
    assert stored.count(question) == 1 and forged["question"] not in stored
