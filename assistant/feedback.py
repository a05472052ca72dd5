"""Thumbs up/down left on answers, kept in the shared database (``assistant.db``).

``assistant feedback export`` turns the rows into a CSV for the editorial team.
Texts are redacted (``assistant.privacy.redact``) before they are written: a
comment like "rappelez-moi au 06 12 34 56 78" is stored, and exported, as
"rappelez-moi au [TEL]". The store is safe to share between the web server's
threads (one session per call) and between replicas (one database).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select, update

from assistant.db import Database
from assistant.db.models import Feedback
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

#: Stored text is bounded: feedback must not become a way to fill the disk.
MAX_TEXT = 20_000
MAX_COMMENT = 2_000

#: A spreadsheet runs cells starting with these as formulas (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FeedbackStore:
    """Append-only feedback rows; comments can be added to a row afterwards.

    ``db`` is the shared :class:`Database`; a path opens (and migrates) an
    embedded SQLite file, as the store did before it moved to the database.
    """

    def __init__(self, db: Database | Path | str) -> None:
        if not isinstance(db, Database):
            db = Database(f"sqlite:///{Path(db).resolve()}")
            db.migrate()
        self.db = db

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
        row = Feedback(
            source=source[:32],
            session=session[:64],
            rating=rating,
            question=redact(question[:MAX_TEXT]),
            answer=redact(answer[:MAX_TEXT]),
            citations=[str(c)[:200] for c in (citations or [])][:50],
            lang=lang[:8],
            kind=kind[:32],
            comment=redact(comment[:MAX_COMMENT]),
        )
        with self.db.session() as s:
            s.add(row)
            s.flush()
            return int(row.id)

    def add_comment(self, feedback_id: int, comment: str, session: str | None = None) -> bool:
        """Attach the optional comment to a row (only from the session that created it)."""
        query = update(Feedback).where(Feedback.id == int(feedback_id))
        if session is not None:
            query = query.where(Feedback.session == session)
        query = query.values(comment=redact(comment.strip()[:MAX_COMMENT]))
        with self.db.session() as s:
            return s.execute(query).rowcount == 1

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, oldest first (``created_at`` as ISO text, citations as JSON text)."""
        import json

        with self.db.session() as s:
            for row in s.scalars(select(Feedback).order_by(Feedback.id)):
                data = {c: getattr(row, c) for c in COLUMNS}
                data["created_at"] = row.created_at.isoformat(timespec="seconds")
                data["citations"] = json.dumps(list(row.citations or []), ensure_ascii=False)
                yield data

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
