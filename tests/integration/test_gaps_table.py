"""What an editor reads in ``assistant gaps``: the table of questions the corpus did not answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.db import Database
from assistant.feedback import FeedbackStore
from assistant.questionlog import QuestionLogger
from assistant.settings import get_settings

LONG = (
    "Écrivez-moi à {email} : quelles aides régionales existent pour "
    "acheter un vélo à assistance électrique quand on habite loin de la gare ?"
)
MARKUP = "Que veut dire [/b] [bold]PCAET[/bold] ?"


def _rows(table: str) -> list[list[str]]:
    """The table's cells as an editor reads them: wrapped lines of a cell joined again."""
    rows: list[list[str]] = []
    for line in table.splitlines():
        if not line.startswith(("│", "┃")):
            continue
        cells = [c.strip() for c in line.strip("│┃").replace("┃", "│").split("│")]
        if cells[0] or not rows:  # a new row starts with its group id (or is the header)
            rows.append(cells)
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def _gaps_table(db_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(db_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["gaps", "--since", "30d"], env={"COLUMNS": "80"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.stdout


def _database(tmp_path: Path) -> tuple[Path, Database]:
    path = tmp_path / "assistant.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    return path, db


def test_no_gap_says_so_in_one_sentence(tmp_path: Path, monkeypatch) -> None:
    path, db = _database(tmp_path)
    log = QuestionLogger(db)
    log.record("Combien pour la formation ?", {"kind": "answer"}, 10.0)  # answered: no gap
    log.flush()
    out = _gaps_table(path, monkeypatch)
    assert out.strip() == "Aucune question sans bonne réponse sur la période (30d)."


@pytest.mark.model
def test_gaps_table_shows_each_question_its_count_largest_first(
    tmp_path: Path, monkeypatch, embedder
) -> None:
    # the command's own model, loaded once per test session instead of once per command
    monkeypatch.setattr("assistant.models.embedder.load_embedder", lambda settings: embedder)
    path, db = _database(tmp_path)
    log = QuestionLogger(db)
    for q in ("Quelle est la recette du cassoulet ?",) * 2 + ("Comment faire un cassoulet ?",):
        log.record(q, {"kind": "refusal", "refused": True}, 10.0)
    for email in ("jean.dupont@example.fr", "marie@example.org"):
        log.record(LONG.format(email=email), {"kind": "refusal", "refused": True}, 10.0)
    log.flush()
    FeedbackStore(db).record(rating=-1, question=MARKUP, answer="")
    out = _gaps_table(path, monkeypatch)
    assert "Questions sans bonne réponse (30d) : 6 en 3 groupe(s)" in out
    header, *rows = _rows(out)
    assert header == ["groupe", "nb", "motifs", "question", "autres formulations"]
    assert [(r[1], r[2]) for r in rows] == [("3", "refusée 3"), ("2", "refusée 2"), ("1", "👎 1")]
    cassoulet, long, markup = rows
    assert cassoulet[3] == "Quelle est la recette du cassoulet ?"
    assert cassoulet[4] == "Comment faire un cassoulet ?"
    assert long[3] == LONG.format(email="[EMAIL]"), "the whole question, email redacted"
    assert markup[3] == MARKUP, "people's text is shown as typed, never as rich markup"
    assert "@example" not in out and "…" not in out
