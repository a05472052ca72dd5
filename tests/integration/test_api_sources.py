"""The API gives pages what they show: sources in words, next step when asked, honest filters."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from ui.server import create_app

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def settings(repo_settings: Settings, tmp_path_factory) -> Settings:
    db = tmp_path_factory.mktemp("api-sources") / "feedback.sqlite3"
    return repo_settings.model_copy(update={"rate_limit_per_minute": 1000, "feedback_db": db})


@pytest.fixture(scope="module")
def client(bot, settings: Settings) -> TestClient:
    return TestClient(create_app(bot, settings))


def _ask(client: TestClient, **body) -> dict:
    response = client.post("/api/v1/ask", json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("lang", "words"), [("fr", "Fiabilité"), ("en", "Reliability")])
def test_citations_come_with_their_card_in_words(client: TestClient, lang: str, words: str) -> None:
    data = _ask(client, question="Quel est le budget total du plan ?", lang=lang)
    views = [c["display"] for c in data["citations"]]
    assert views and all(v["title"] and not v["title"].endswith("?") for v in views)
    assert any(v["source"] and (v["source"]["url"] or "").startswith("https://") for v in views)
    assert all(v["confidence"] and v["labels"]["reliability"] == words for v in views)
    shown = json.dumps(views, ensure_ascii=False)
    assert "seed-only" not in shown and "uncertain" not in shown


def test_search_results_carry_cards_too(client: TestClient) -> None:
    results = client.get("/api/v1/search", params={"q": "budget formation", "k": 5}).json()
    assert len(results["results"]) == 5
    assert all(r["display"]["title"] for r in results["results"])


def test_next_step_only_when_asked(client: TestClient) -> None:
    plain = _ask(client, question="date adoption", mode="extractive", next_step=False)
    assert "11 juillet 2024" in plain["answer"] and "Prochaine étape" not in plain["answer"]
    asked = _ask(client, question="qui contacter pour un projet IA ?", next_step=False)
    assert "AD'OCC" in asked["answer"]


def test_a_filter_that_makes_the_answer_worse_is_set_aside(client: TestClient) -> None:
    data = _ask(
        client, question="plafond subvention", mode="extractive", filters={"envelope": "recherche"}
    )
    assert data["filters_ignored"] is True
    assert "sans filtre" in (data["notice"] or "")
    assert "4 M€" not in data["answer"]
    kept = _ask(client, question="budget de la recherche", filters={"envelope": "recherche"})
    assert kept["filters_ignored"] is False and "14 M€" in kept["answer"]


def test_widget_feedback_is_stored(client: TestClient, settings: Settings) -> None:
    answer = _ask(client, question="Combien pour la formation ?")
    body = {
        "rating": -1,
        "question": "Combien pour la formation ?",
        "answer": answer["answer"],
        "signature": answer["signature"],
        "citations": ["plan-overview"],
        "lang": "fr",
        "session": "tab-1",
    }
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 201
    row = [r for r in FeedbackStore(settings.feedback_db).rows() if r["source"] == "widget"][-1]
    assert row["rating"] == -1 and row["question"] == "Combien pour la formation ?"
    assert client.post("/api/v1/feedback", json={**body, "rating": 0}).status_code == 422
