"""Shared fixtures.

Test tiers (see README): ``tests/unit`` needs nothing; ``tests/integration``
uses the real embedding model (``model`` marker) and real Chroma;
``tests/e2e`` starts real servers and browsers (``slow`` marker, run in CI).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings

REPO_CORPUS = PROJECT_ROOT / "corpus"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


FRONT = """\
---
id: {id}
title: "{title}"
audience: tous
topic: enveloppe
envelope: {envelope}
language: fr
confidence: confirmed
last_reviewed: 2026-11-27
sources:
  - title: "Source de test {id}"
    publisher: "test"
    date: "2024-07"
    url: null
---
"""


def md_doc(doc_id: str, title: str, body: str, envelope: str = "null") -> str:
    return FRONT.format(id=doc_id, title=title, envelope=envelope) + textwrap.dedent(body)


@pytest.fixture(scope="session")
def embedder():
    """The real embedding model, loaded once per test session.

    No skip when it is missing: that is a setup failure (`make test` fetches it).
    """
    from assistant.models.embedder import load_embedder

    return load_embedder(Settings())


@pytest.fixture
def mini_corpus(tmp_path: Path) -> Path:
    """A small but realistic corpus: three Markdown documents and a FAQ."""
    root = tmp_path / "corpus"
    write(
        root / "plan" / "formation.md",
        md_doc(
            "doc-formation",
            "Enveloppe formation",
            """
            # Enveloppe formation
            ## Montant
            Le plan consacre 9 M€ à la formation aux métiers de l'IA, dont plus de 1 M€ pour le post-bac.

            ## Public
            Les étudiants, les demandeurs d'emploi et les salariés sont visés.
            """,
            envelope="formation",
        ),
    )
    write(
        root / "plan" / "recherche.md",
        md_doc(
            "doc-recherche",
            "Enveloppe recherche",
            """
            # Enveloppe recherche
            ## Montant
            La recherche en IA reçoit 14 M€, notamment pour ANITI à Toulouse.
            """,
            envelope="recherche",
        ),
    )
    write(
        root / "plan" / "total.md",
        md_doc(
            "doc-total",
            "Le plan en bref",
            """
            # Le plan en bref
            Le Plan IA Occitanie 2024-2028 est doté de 60 M€ et a été adopté le 11 juillet 2024.
            """,
        ),
    )
    write(
        root / "faq" / "faq.yaml",
        """
        defaults:
          audience: entreprise
          language: fr
          topic: contacts
          confidence: confirmed
          last_reviewed: 2026-11-27
          sources:
            - {title: "FAQ de test", publisher: "test", date: "2024", url: null}
        entries:
          - id: faq-contact
            question: "Qui contacter pour mon projet ?"
            answer: "Les entreprises s'adressent à AD'OCC, l'agence de développement économique."
        """,
    )
    # the reference data and the lexicon the assistant starts with (not indexed)
    for folder in ("data", "lexicon"):
        shutil.copytree(REPO_CORPUS / folder, root / folder)
    return root


@pytest.fixture
def tmp_settings(tmp_path: Path, mini_corpus: Path) -> Settings:
    """Settings pointing at a temporary corpus and index (models dir stays shared)."""
    return Settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index")


#: Index of the repository corpus shared by test sessions (git-ignored; incremental,
#: so it is rebuilt only when the corpus or the model changes).
REPO_TEST_INDEX = PROJECT_ROOT / "var" / "test-index"


@pytest.fixture(scope="session")
def repo_settings(embedder) -> Settings:
    """Settings for the real corpus, with its index built (or brought up to date) once."""
    from assistant.indexer import build_index

    settings = Settings(corpus_dir=REPO_CORPUS, index_dir=REPO_TEST_INDEX, chroma_url=None)
    build_index(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def bot(repo_settings: Settings, embedder):
    """The assistant on the real corpus and model, loaded once per session."""
    from assistant import store
    from assistant.core import Assistant

    live = store.open_live_index(repo_settings, store.ProjectEmbeddingFunction(embedder))
    return Assistant(repo_settings, embedder, live)


# -- the shared database, on both engines ------------------------------------------
@pytest.fixture(scope="session")
def postgres_admin_url():
    """One real PostgreSQL server for the whole test session (Debian's package)."""
    from tests.dbservers import postgres_server

    with postgres_server() as server:
        yield server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path):
    """A migrated, empty :class:`assistant.db.Database` on SQLite, then on PostgreSQL."""
    from assistant.db import Database

    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'assistant.sqlite3'}")
    else:
        from tests.dbservers import create_database

        db = Database(create_database(request.getfixturevalue("postgres_admin_url")))
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def golden_report(bot):
    """The golden set on the session's assistant, evaluated once (quality and int8 gates)."""
    from assistant.evaluation import run_evaluation

    return run_evaluation(bot, baseline=True)
