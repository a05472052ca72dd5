"""Feedback store (SQLite) and ``assistant feedback export`` (no model needed)."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.feedback import COLUMNS, FeedbackStore
from assistant.settings import get_settings


def test_record_comment_and_export(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
    up = store.record(
        rating=1,
        question="Combien pour la formation ?",
        answer="9 M€ [1]",
        citations=["plan-env-formation"],
        lang="fr",
        kind="answer",
        session="s1",
    )
    down = store.record(rating=-1, question="Q", answer="A", session="s2")
    assert store.add_comment(down, "  Réponse incomplète  ", session="s2")
    assert not store.add_comment(up, "not mine", session="s2"), "only the author's session"
    out = io.StringIO()
    assert store.export_csv(out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["rating"] == "1" and rows[0]["citations"] == '["plan-env-formation"]'
    assert rows[1]["rating"] == "-1" and rows[1]["comment"] == "Réponse incomplète"
    with pytest.raises(ValueError):
        store.record(rating=0, question="", answer="")


def test_export_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fid = store.record(rating=-1, question='=HYPERLINK("http://evil")', answer="+1", session="s")
    store.add_comment(fid, "@SUM(A1)")
    out = io.StringIO()
    store.export_csv(out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["question"].startswith("'=") and row["answer"] == "'+1"
    assert row["comment"] == "'@SUM(A1)"


def test_concurrent_writes_from_threads(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    with ThreadPoolExecutor(8) as pool:
        ids = list(
            pool.map(lambda i: store.record(rating=1, question=str(i), answer=""), range(64))
        )
    assert len(set(ids)) == 64
    assert len(list(store.rows())) == 64


def test_cli_feedback_export(tmp_path: Path, monkeypatch) -> None:
    from assistant.cli import app

    db = tmp_path / "feedback.sqlite3"
    FeedbackStore(db).record(rating=1, question="Budget ?", answer="60 M€", session="s")
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(db))
    get_settings.cache_clear()
    try:
        target = tmp_path / "export.csv"
        result = CliRunner().invoke(app, ["feedback", "export", "--output", str(target)])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert rows[0]["question"] == "Budget ?"
        to_stdout = CliRunner().invoke(app, ["feedback", "export"])
        assert to_stdout.exit_code == 0 and "Budget ?" in to_stdout.stdout
    finally:
        get_settings.cache_clear()


def test_personal_data_is_redacted_before_storage(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fid = store.record(
        rating=-1,
        question="je m'appelle Marie Durand, SIRET 732 829 320 00074 : combien ?",
        answer="60 M€ [1]",
        session="s",
    )
    store.add_comment(fid, "rappelez-moi au 06 12 34 56 78 ou marie@example.fr", session="s")
    out = io.StringIO()
    store.export_csv(out)
    exported = out.getvalue()
    for secret in ("Marie Durand", "732 829 320 00074", "06 12 34 56 78", "marie@example.fr"):
        assert secret not in exported
    assert "60 M€ [1]" in exported and "[TEL]" in exported
