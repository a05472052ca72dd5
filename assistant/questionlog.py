"""The question log the editors' console reads: privacy first.

Each answered question is written with its kind, whether it was refused, its
latency, the answer mode and the source (api, chat, widget), after
``assistant.privacy.redact``; the client address only as a keyed hash
(``accounts.keyed_hash``). Rows older than ``ASSISTANT_RETENTION_DAYS`` are
purged (with old feedback and treated tickets).

Writes go through one background thread: answering never waits for the
database, and a database that is down costs a warning, not an answer.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from assistant.db import Database
from assistant.db.models import Feedback, QuestionLog, utcnow
from assistant.privacy import redact

log = logging.getLogger(__name__)

#: Where the current request comes from: (source, client hash); set by the web app.
request_origin: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "request_origin", default=("api", "")
)


class QuestionLogger:
    """Queue of rows to write, drained by one daemon thread."""

    def __init__(self, db: Database, retention_days: int = 90, max_pending: int = 10_000) -> None:
        self.db = db
        self.retention_days = retention_days
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(max_pending)
        self._last_purge = 0.0
        self._thread = threading.Thread(target=self._drain, name="question-log", daemon=True)
        self._thread.start()

    def record(
        self, question: str, answer: Any, latency_ms: float, mode: str = "", source: str = ""
    ) -> None:
        """Queue one row (``answer`` is an ``Answer`` or its dict); never raises."""
        if not question:
            return
        get = answer.get if isinstance(answer, dict) else lambda k, d=None: getattr(answer, k, d)
        origin, client = request_origin.get()
        row = {
            "created_at": utcnow(),
            "source": (source or origin)[:16],
            "question": question[:2000],
            "kind": str(get("kind", "") or "")[:32],
            "intent": str(get("intent", "") or "")[:32],
            "refused": bool(get("refused", False)),
            "latency_ms": float(latency_ms),
            "mode": mode[:16],
            "lang": str(get("lang", "") or "")[:8],
            "client_hash": client[:32],
        }
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            log.warning("question log full: one row dropped")

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until queued rows are written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _drain(self) -> None:
        while True:
            row = self._queue.get()
            try:
                if row is not None:
                    row["question"] = redact(row["question"])
                    with self.db.session() as s:
                        s.add(QuestionLog(**row))
                    self._maybe_purge()
            except Exception as exc:  # database down: the answer was given anyway
                log.warning("question log write failed: %s", type(exc).__name__)
            finally:
                self._queue.task_done()

    def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge > 3600:
            self._last_purge = time.monotonic()
            purge(self.db, self.retention_days)


def purge(db: Database, days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete question log rows and feedback older than ``days``, and old treated tickets."""
    from assistant.handoff import TicketStore

    cutoff = (now or utcnow()) - timedelta(days=days)
    with db.session() as s:
        questions = s.execute(delete(QuestionLog).where(QuestionLog.created_at < cutoff)).rowcount
        feedback = s.execute(delete(Feedback).where(Feedback.created_at < cutoff)).rowcount
    tickets = TicketStore(db).purge_closed(days, now)
    return {"questions": questions, "feedback": feedback, "tickets": tickets}


class LoggedAssistant:
    """Proxy of the assistant that logs each answered question (``ask``, ``ask_stream``)."""

    def __init__(self, bot: Any, logger: QuestionLogger) -> None:
        self._bot = bot
        self._logger = logger

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        answer = self._bot.ask(question, *args, **kwargs)
        self._logger.record(
            question,
            answer,
            (time.perf_counter() - started) * 1000,
            mode=kwargs.get("mode") or getattr(self._bot, "answer_mode", ""),
        )
        return answer

    def ask_stream(self, question: str, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        events = self._bot.ask_stream(question, *args, **kwargs)
        mode = kwargs.get("mode") or getattr(self._bot, "answer_mode", "")
        origin = request_origin.get()

        def logged() -> Iterator[dict[str, Any]]:
            started = time.perf_counter()
            for event in events:
                if event.get("type") == "final":
                    token = request_origin.set(origin)
                    try:
                        elapsed = (time.perf_counter() - started) * 1000
                        self._logger.record(question, event["answer"], elapsed, mode=mode)
                    finally:
                        request_origin.reset(token)
                yield event

        return logged()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)


# -- what the console shows ------------------------------------------------------
@dataclass
class DayStats:
    day: date
    questions: int = 0
    refused: int = 0
    dislikes: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.questions if self.questions else 0.0

    @property
    def dislike_rate(self) -> float:
        return self.dislikes / self.questions if self.questions else 0.0


def daily_stats(db: Database, days: int = 30, now: datetime | None = None) -> list[DayStats]:
    """One entry per day of the last ``days`` days (empty days included, oldest first)."""
    now = now or utcnow()
    start = (now - timedelta(days=days - 1)).date()
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    latencies: dict[date, list[float]] = defaultdict(list)
    stats = {start + timedelta(days=i): DayStats(start + timedelta(days=i)) for i in range(days)}
    with db.session() as s:
        for created, refused, latency in s.execute(
            select(QuestionLog.created_at, QuestionLog.refused, QuestionLog.latency_ms).where(
                QuestionLog.created_at >= since
            )
        ):
            day = stats.get(_day(created))
            if day is None:
                continue
            day.questions += 1
            day.refused += int(bool(refused))
            latencies[day.day].append(float(latency))
        for (created,) in s.execute(
            select(Feedback.created_at).where(Feedback.created_at >= since, Feedback.rating == -1)
        ):
            day = stats.get(_day(created))
            if day is not None:
                day.dislikes += 1
    for day, values in latencies.items():
        stats[day].p50_ms = statistics.median(values)
        stats[day].p95_ms = _percentile(values, 95)
    return list(stats.values())


def _day(value: datetime) -> date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date()


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Gap:
    """A question the corpus did not serve: refused, not specified, or given a 👎."""

    question: str
    reason: str  # refused | unspecified | dislike
    created_at: datetime
    comment: str = ""


GAP_KINDS = ("refusal", "unspecified")


def gaps(db: Database, since: datetime) -> list[Gap]:
    """Unanswered and 👎 questions since ``since`` (already redacted in the database)."""
    found: list[Gap] = []
    with db.session() as s:
        rows = s.execute(
            select(
                QuestionLog.question, QuestionLog.kind, QuestionLog.refused, QuestionLog.created_at
            )
            .where(QuestionLog.created_at >= since)
            .order_by(QuestionLog.id)
        )
        for question, kind, refused, created in rows:
            if refused or kind in GAP_KINDS:
                reason = "unspecified" if kind == "unspecified" else "refused"
                found.append(Gap(question, reason, created))
        for question, comment, created in s.execute(
            select(Feedback.question, Feedback.comment, Feedback.created_at)
            .where(Feedback.created_at >= since, Feedback.rating == -1)
            .order_by(Feedback.id)
        ):
            found.append(Gap(question, "dislike", created, comment))
    return [g for g in found if g.question.strip()]
