"""``assistant users hash`` and ``assistant gaps --since 30d [--csv]``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.accounts import parse_users
from assistant.cli import app
from assistant.db import Database
from assistant.feedback import FeedbackStore
from assistant.questionlog import QuestionLogger
from assistant.settings import get_settings


def test_users_hash_prints_a_line_the_settings_accept() -> None:
    result = CliRunner().invoke(
        app,
        ["users", "hash", "marie", "--role", "editor", "--stdin"],
        input="un mot de passe long\n",
    )
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    users = parse_users(line)
    assert users["marie"].role == "editor" and "un mot de passe" not in line
    short = CliRunner().invoke(app, ["users", "hash", "paul", "--stdin"], input="court\n")
    assert short.exit_code == 2


@pytest.mark.model
def test_gaps_groups_unanswered_and_disliked_questions(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "assistant.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    log = QuestionLogger(db)
    for q in (
        "Quelle est la recette du cassoulet ?",
        "Comment faire un cassoulet ?",
        "Recette du cassoulet de Castelnaudary",
    ):
        log.record(q, {"kind": "refusal", "refused": True}, 10.0)
    log.record("Combien pour la formation ?", {"kind": "answer"}, 10.0)
    log.flush()
    FeedbackStore(db).record(
        rating=-1, question="Je m'appelle Jean Martin, aides pour artisans ?", answer=""
    )
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["gaps", "--since", "30d", "--csv"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    top = rows[0]
    assert "cassoulet" in top["question"] and top["count"] == "3" and top["refused"] == "3"
    assert any(r["dislike"] == "1" and "[NOM]" in r["question"] for r in rows)
    assert "Jean Martin" not in result.stdout
    assert all("formation" not in r["question"] for r in rows), "answered questions are no gap"
