"""Thumbs up/down left on answers, kept in a small SQLite file.

Plain ``sqlite3`` on purpose: no server to run, one file an operator can copy,
and ``assistant feedback export`` turns it into a CSV for the editorial team.
Every call opens its own connection, so the store is safe to share between the
web server's threads. Text is redacted before it is stored (``assistant.privacy``):
people leave their e-mail or phone number in a comment; the export must not carry it.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from assistant.privacy import redact

#: Columns of the export, in order.
COLUMNS = (
    "id",
    "created_at",
    "source",
    "session",
    "rating",
    "question",
    "answer",
    "citations",
    "lang",
    "kind",
    "comment",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'chat',
    session TEXT NOT NULL DEFAULT '',
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]',
    lang TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT ''
)
"""

#: Stored text is bounded: feedback must not become a way to fill the disk.
MAX_TEXT = 20_000
MAX_COMMENT = 2_000

#: A spreadsheet runs cells starting with these as formulas (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FeedbackStore:
    """Append-only feedback rows; comments can be added to a row afterwards."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def record(
        self,
        *,
        rating: int,
        question: str,
        answer: str,
        citations: list[str] | None = None,
        lang: str = "",
        kind: str = "",
        session: str = "",
        source: str = "chat",
        comment: str = "",
    ) -> int:
        """Store one thumbs up (``rating=1``) or down (``-1``); returns the row id."""
        if rating not in (-1, 1):
            raise ValueError("rating must be 1 (up) or -1 (down)")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            source[:32],
            session[:64],
            rating,
            redact(question[:MAX_TEXT]),
            redact(answer[:MAX_TEXT]),
            json.dumps(list(citations or []), ensure_ascii=False),
            lang[:8],
            kind[:32],
            redact(comment[:MAX_COMMENT]),
        )
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (created_at, source, session, rating, question, answer,"
                " citations, lang, kind, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def add_comment(self, feedback_id: int, comment: str, session: str | None = None) -> bool:
        """Attach the optional comment to a row (only from the session that created it)."""
        query = "UPDATE feedback SET comment = ? WHERE id = ?"
        params: tuple[Any, ...] = (redact(comment.strip()[:MAX_COMMENT]), int(feedback_id))
        if session is not None:
            query += " AND session = ?"
            params += (session,)
        with closing(self._connect()) as db, db:
            return db.execute(query, params).rowcount == 1

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, oldest first."""
        with closing(self._connect()) as db:
            for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id"):
                yield dict(row)

    def export_csv(self, out: TextIO) -> int:
        """Write every row as CSV (header first); returns the number of rows."""
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        count = 0
        for row in self.rows():
            writer.writerow([_cell(row[c]) for c in COLUMNS])
            count += 1
        return count


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
