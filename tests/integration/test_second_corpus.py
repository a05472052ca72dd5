"""The whole app on a second corpus directory: every answer and verdict comes from it.

Issue 12: eligibility rules, places, contacts and envelopes once loaded from paths
fixed in the package while the documents followed ``ASSISTANT_CORPUS_DIR``, so two
corpora could answer side by side. Here a copy of the repository corpus is changed
where each kind of data lives (a document's text, ``envelopes.yaml``,
``contacts.yaml``, ``eligibility.yaml``), indexed for real, and served through the
HTTP API: only the changed values may come back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import store
from assistant.core import Assistant
from assistant.indexer import build_index
from assistant.settings import Settings
from tests.conftest import REPO_CORPUS
from ui.server import create_app

pytestmark = pytest.mark.model

CONTACT = "Guichet IA de test"
SCHEME = "Plan IA : formation (corpus de démonstration)"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder, repo_settings: Settings) -> TestClient:
    root = tmp_path_factory.mktemp("second-corpus")
    corpus = root / "corpus"
    # the plan's texts, the contacts' page and every data file (not the FAQs: fewer
    # passages to encode, and they would repeat the old figures)
    for folder in ("plan", "context", "data", "lexicon"):
        shutil.copytree(REPO_CORPUS / folder, corpus / folder)
    # the training envelope becomes 11 M€ and public services 3 M€ (still 60 M€), in the
    # texts as in the data: the guard passes a computed figure only if its cited
    # passages say the same
    plan = corpus / "plan"
    _replace(plan / "plan-env-formation.md", "9 M€", "11 M€")
    _replace(plan / "plan-env-services-publics.md", "5 M€", "3 M€")
    _replace(plan / "plan-overview.md", "en entreprise : 9 M€", "en entreprise : 11 M€")
    _replace(plan / "plan-overview.md", "vie privée : 5 M€", "vie privée : 3 M€")
    _replace(plan / "plan-ethique.md", "(5 M€, montant", "(3 M€, montant")
    envelopes = corpus / "data" / "envelopes.yaml"
    _replace(envelopes, "amount_eur: 9000000", "amount_eur: 11000000")
    _replace(envelopes, "amount_eur: 5000000", "amount_eur: 3000000")
    _replace(corpus / "data" / "contacts.yaml", 'name: "AD\'OCC"', f'name: "{CONTACT}"')
    _replace(
        corpus / "data" / "eligibility.yaml",
        'name: "Plan IA : formation aux métiers et compétences de demain"',
        f'name: "{SCHEME}"',
    )
    # start from a copy of the repository's test index: the build re-encodes only the
    # changed passages, drops the others, and never touches the original
    shutil.copytree(
        repo_settings.index_dir,
        root / "index",
        symlinks=True,
        ignore=shutil.ignore_patterns("leases"),
    )
    settings = Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        rate_limit_per_minute=1000,
        feedback_db=root / "feedback.sqlite3",
    )
    build_index(settings, embedder=embedder)
    live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
    return TestClient(create_app(Assistant(settings, embedder, live), settings))


def _ask(client: TestClient, question: str) -> dict:
    response = client.post("/api/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def test_figures_come_from_the_second_corpus(client: TestClient) -> None:
    data = _ask(client, "Combien pour la formation dans le plan IA ?")
    assert "11 M€" in data["answer"] and "9 M€" not in data["answer"], data["answer"]
    assert data["citations"], "the figure is cited"
    computed = _ask(client, "quelle est la plus petite enveloppe du plan ?")
    assert computed["intent"] == "compute" and "3 M€" in computed["answer"], computed["answer"]


def test_contacts_come_from_the_second_corpus(client: TestClient) -> None:
    data = _ask(client, "on s'adresse à qui pour un projet IA ? on est une pme")
    shown = data["answer"] + json.dumps(data["contacts"], ensure_ascii=False)
    assert CONTACT in shown and "AD'OCC" not in shown, shown


def test_eligibility_verdicts_come_from_the_second_corpus(client: TestClient) -> None:
    response = client.post(
        "/api/v1/eligibility", json={"org_type": "formation", "departement": "Aude"}
    )
    assert response.status_code == 200, response.text
    names = [r["scheme_name"] for r in response.json()["results"]]
    assert SCHEME in names
    assert "Plan IA : formation aux métiers et compétences de demain" not in names
