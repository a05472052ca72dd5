"""Feedback, hand-off tickets and notes, question log, login failures.

A SQLite file written by the earlier feedback store (plain ``sqlite3``, no
Alembic) is upgraded in place: its rows are copied into the new table.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(**kw):
    return sa.Column(sa.DateTime(timezone=True), nullable=False, **kw)


def upgrade() -> None:
    bind = op.get_bind()
    legacy = sa.inspect(bind).has_table("feedback")
    if legacy:
        op.rename_table("feedback", "feedback_legacy")
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _when(name="created_at", index=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.CheckConstraint("rating IN (-1, 1)", name="ck_feedback_rating"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True, index=True),
        _when(name="created_at", index=True),
        _when(name="updated_at"),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
        sa.Column("client_hash", sa.String(32), nullable=False),
    )
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id",
            sa.Integer,
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        _when(name="created_at"),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _when(name="created_at", index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("client_hash", sa.String(32), nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        _when(name="last_failure"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    if legacy:
        _copy_legacy_feedback(bind)
        op.drop_table("feedback_legacy")


def _copy_legacy_feedback(bind) -> None:
    """Rows of the pre-Alembic store (ISO dates as text, citations as a JSON string)."""
    from assistant.privacy import redact

    rows = bind.execute(sa.text("SELECT * FROM feedback_legacy ORDER BY id")).mappings().all()
    table = sa.table(
        "feedback",
        *(
            sa.column(c)
            for c in ("id", "source", "session", "rating", "question", "answer", "lang", "kind")
        ),
        sa.column("created_at", sa.DateTime()),
        sa.column("citations", sa.JSON),
        sa.column("comment"),
    )
    for row in rows:
        try:
            created = datetime.fromisoformat(str(row["created_at"]))
        except ValueError:
            created = datetime.now(UTC)
        created = created.astimezone(UTC).replace(tzinfo=None)
        try:
            citations = json.loads(row["citations"] or "[]")
        except ValueError:
            citations = []
        bind.execute(
            table.insert().values(
                id=row["id"],
                created_at=created,
                source=row["source"],
                session=row["session"],
                rating=row["rating"],
                question=redact(row["question"]),
                answer=redact(row["answer"]),
                citations=citations,
                lang=row["lang"],
                kind=row["kind"],
                comment=redact(row["comment"]),
            )
        )


def downgrade() -> None:
    for name in ("login_failures", "question_log", "ticket_notes", "tickets", "feedback"):
        op.drop_table(name)
