"""The shared database on SQLite and on a real PostgreSQL: feedback, tickets, question log.

Every test runs twice (``database`` fixture). Personal data typed by people
(realistic French PII) must never be found in clear in any table.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from assistant.accounts import Accounts, User, hash_password, keyed_hash
from assistant.db import Database
from assistant.db.models import utcnow
from assistant.errors import InputError
from assistant.feedback import FeedbackStore
from assistant.handoff import HandoffRequest, TicketStore
from assistant.questionlog import QuestionLogger, daily_stats, gaps, purge
from assistant.settings import Settings

#: What people really type into a public chat.
PII = {
    "email": "marie.dupont@orange.fr",
    "phone": "06 12 34 56 78",
    "phone_intl": "+33 6 98 76 54 32",
    "siret": "732 829 320 00074",
    "siren": "732829320",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "name": "Dupont",
}
PII_QUESTION = (
    f"Bonjour, je m'appelle Marie Dupont, SIRET {PII['siret']}, IBAN {PII['iban']} : "
    f"ma PME peut-elle avoir une aide ? Écrivez à {PII['email']} ou au {PII['phone']}."
)
PII_COMMENT = f"Rappelez-moi au {PII['phone_intl']}, société SIREN {PII['siren']}"


def all_text(db: Database) -> str:
    """Every value of every table, as text: what a database dump would show."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def assert_no_pii(blob: str, allowed: tuple[str, ...] = ()) -> None:
    for what, value in PII.items():
        if what in allowed:
            continue
        assert value not in blob, f"{what} found in clear"
        assert value.replace(" ", "") not in blob.replace(" ", ""), f"{what} found in clear"


def test_migrations_are_idempotent_and_create_every_table(database: Database) -> None:
    database.migrate()  # a second time: nothing to do, nothing broken
    tables = set(inspect(database.engine).get_table_names())
    assert {"feedback", "tickets", "ticket_notes", "question_log", "login_failures"} <= tables
    assert "alembic_version" in tables


def test_feedback_is_redacted_in_database_and_export(database: Database) -> None:
    store = FeedbackStore(database)
    fid = store.record(
        rating=-1, question=PII_QUESTION, answer="Adressez-vous à AD'OCC [1]", session="s1"
    )
    assert store.add_comment(fid, PII_COMMENT, session="s1")
    assert not store.add_comment(fid, "pas le mien", session="other")
    out = io.StringIO()
    assert store.export_csv(out) == 1
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["rating"] == "-1" and "[TEL]" in row["comment"] and "[EMAIL]" in row["question"]
    assert "ma PME peut-elle avoir une aide" in row["question"], "the question itself is kept"
    assert_no_pii(out.getvalue())
    assert_no_pii(all_text(database))


def test_feedback_concurrent_writes(database: Database) -> None:
    store = FeedbackStore(database)
    ids: list[int] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        fid = store.record(rating=1, question=f"q{i}", answer="")
        with lock:
            ids.append(fid)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 32 and len(list(store.rows())) == 32


def test_ticket_keeps_transcript_redacted_and_contact_only_with_consent(database: Database) -> None:
    tickets = TicketStore(database)
    with pytest.raises(InputError, match="consentement"):
        tickets.create(HandoffRequest(email="a@b.fr", consent=False))
    request = HandoffRequest(
        transcript=[
            {"role": "user", "content": PII_QUESTION},
            {"role": "assistant", "content": "Les textes du plan ne le précisent pas."},
        ],
        sources=[{"doc_id": "faq-ent-001", "title": "FAQ entreprises"}],
        profile={"org_type": "pme", "note": f"contact {PII['email']}"},
        consent=True,
        email="contact.pme@exemple.fr",
        phone="05 61 00 00 00",
        source="widget",
    )
    ticket = tickets.create(request)
    assert ticket.public_id and len(ticket.public_id) >= 20
    assert tickets.by_public_id(ticket.public_id).state == "nouveau"
    assert tickets.set_state(ticket.id, "en_cours", "agent1")
    assert tickets.add_note(ticket.id, "agent1", f"Rappelé au {PII['phone']}")
    assert tickets.set_state(ticket.id, "traite", "agent1")
    opened = tickets.get(ticket.id)
    assert opened.state == "traite" and opened.contact_email == "contact.pme@exemple.fr"
    assert [n.text for n in opened.notes] == [
        "État : en cours",
        "Rappelé au [TEL]",
        "État : traité",
    ]
    assert "ma PME peut-elle avoir une aide" in opened.question
    assert tickets.counts() == {"nouveau": 0, "en_cours": 0, "traite": 1}
    assert [t.id for t in tickets.list(state="traite", text="PME")] == [ticket.id]
    assert tickets.list(state="nouveau") == []
    assert_no_pii(all_text(database))


def test_question_log_redacts_hashes_purges_and_summarises(database: Database) -> None:
    logger = QuestionLogger(database, retention_days=90)
    from assistant.questionlog import request_origin

    client = keyed_hash(b"k" * 32, "203.0.113.7")
    token = request_origin.set(("widget", client))
    try:
        logger.record(PII_QUESTION, {"kind": "refusal", "refused": True, "lang": "fr"}, 120.0)
        logger.record("Combien pour la formation ?", {"kind": "answer", "lang": "fr"}, 40.0)
        logger.record("Qui contacter ?", {"kind": "unspecified", "lang": "fr"}, 80.0)
    finally:
        request_origin.reset(token)
    logger.flush()
    FeedbackStore(database).record(rating=-1, question="Et pour les artisans ?", answer="")
    blob = all_text(database)
    assert_no_pii(blob)
    assert "203.0.113.7" not in blob and client in blob
    today = daily_stats(database, days=7)[-1]
    assert (today.questions, today.refused, today.dislikes) == (3, 1, 1)
    assert today.p50_ms == 80.0 and today.p95_ms == 120.0
    found = gaps(database, utcnow() - timedelta(days=1))
    assert {g.reason for g in found} == {"refused", "unspecified", "dislike"}
    assert all("Dupont" not in g.question for g in found)
    # retention: nothing is young enough to survive a purge run 91 days from now
    assert purge(database, 90, now=utcnow() + timedelta(days=91))["questions"] == 3
    assert daily_stats(database, days=7)[-1].questions == 0


def test_login_lockout_is_stored_in_the_database(database: Database) -> None:
    settings = Settings(login_max_failures=3, login_lockout_minutes=10)
    users = {"agent1": User("agent1", "agent", hash_password("correct horse"))}
    accounts = Accounts(users, database, settings)
    assert accounts.authenticate("agent1", "correct horse") is not None
    for _ in range(3):
        assert accounts.authenticate("agent1", "wrong") is None
    assert accounts.locked("agent1")
    # another replica (a new Accounts on the same database) sees the lock
    other = Accounts(users, database, settings)
    assert other.authenticate("agent1", "correct horse") is None, "locked, even with the password"
    assert other.authenticate("nobody", "x") is None


def test_concurrent_migrations_on_postgres(postgres_admin_url: str) -> None:
    """Replicas starting together: the advisory lock makes one migrate, the others wait."""
    from tests.dbservers import create_database

    url = create_database(postgres_admin_url)
    errors: list[BaseException] = []

    def start() -> None:
        db = Database(url)
        try:
            db.migrate()
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db = Database(url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    db.dispose()


def test_legacy_sqlite_feedback_file_is_upgraded(tmp_path: Path) -> None:
    """A feedback file written by the earlier plain-sqlite store keeps its rows (redacted)."""
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " source TEXT NOT NULL DEFAULT 'chat', session TEXT NOT NULL DEFAULT '',"
            " rating INTEGER NOT NULL, question TEXT NOT NULL DEFAULT '',"
            " answer TEXT NOT NULL DEFAULT '', citations TEXT NOT NULL DEFAULT '[]',"
            " lang TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '',"
            " comment TEXT NOT NULL DEFAULT '')"
        )
        conn.execute(
            "INSERT INTO feedback (created_at, rating, question, citations, comment)"
            " VALUES ('2026-11-30T10:00:00+00:00', -1, 'Budget ?', '[\"plan\"]', ?)",
            (PII_COMMENT,),
        )
    rows = list(FeedbackStore(path).rows())
    assert len(rows) == 1 and rows[0]["question"] == "Budget ?"
    assert rows[0]["citations"] == '["plan"]' and "[TEL]" in rows[0]["comment"]
    assert rows[0]["created_at"].startswith("2026-11-30T10:00:00")
