"""The Région's side of the web app: hand-off, agents' inbox, editors' console, login.

``install_staff(api, bot, settings)`` is the one hook ``ui/server.py`` calls: it
opens (and migrates) the shared database, wraps the assistant so every answered
question reaches the question log, and registers

* ``POST /api/v1/handoff`` and ``GET /api/v1/handoff/{ticket}`` (public),
* ``/staff/login``, ``/staff/logout``,
* ``/agent/inbox…`` (role agent) and ``/admin…`` (role editor), both switched off
  unless staff accounts are configured.

A database that cannot be reached at start does not stop the app: the public
chat answers, hand-off says it is unavailable, and the schema is migrated on
the first request that finds the database back.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.accounts import Accounts, keyed_hash, load_users, secret_key
from assistant.db import Database, database_url
from assistant.handoff import HandoffRequest, TicketStore
from assistant.questionlog import LoggedAssistant, QuestionLogger, request_origin
from ui.staff.auth import StaffAuth
from ui.staff.pages import Pages

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.db.models import Ticket
    from assistant.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Staff:
    """Everything the staff pages and the hand-off share, built once per process."""

    settings: Settings
    db: Database
    raw_bot: Any
    bot: Any
    tickets: TicketStore
    accounts: Accounts
    auth: StaffAuth
    pages: Pages
    key: bytes
    qlog: QuestionLogger | None
    _migrated: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure_schema(self) -> None:
        """Migrate once the database answers (it may have been down at start)."""
        if self._migrated:
            return
        with self._lock:
            if not self._migrated:
                self.db.migrate()
                self._migrated = True

    def create_ticket(self, request: HandoffRequest) -> Ticket:
        self.ensure_schema()
        return self.tickets.create(request)

    def notify(self, ticket: Ticket) -> None:
        from assistant.notify import send_ticket_notice

        send_ticket_notice(ticket, self.settings)

    def readiness_checks(self) -> dict[str, Any]:
        """What ``/readyz`` reports besides the model and the index."""

        def database() -> dict[str, Any]:
            up = self.db.ping()
            return {"status": "ok" if up else "down", "engine": self.db.dialect}

        def chroma() -> dict[str, Any]:
            """The vector store answers (a count on the live collection)."""
            mode = self.settings.chroma_mode
            collection = getattr(getattr(self.raw_bot, "live", None), "collection", None)
            if collection is None:
                return {"status": "ok", "mode": mode}
            try:
                collection.count()
                return {"status": "ok", "mode": mode}
            except Exception as exc:
                return {"status": "down", "mode": mode, "error": type(exc).__name__}

        return {"database": database, "chroma": chroma}

    def client_hash(self, address: str) -> str:
        return keyed_hash(self.key, address) if address else ""


def install_staff(api: FastAPI, bot: Any, settings: Settings) -> Staff:
    """Open the database and register the staff and hand-off routes on ``api``."""
    from ui.staff.admin import admin_router
    from ui.staff.handoff_api import handoff_router
    from ui.staff.inbox import inbox_router

    db = Database(database_url(settings))
    key = secret_key(settings)
    pages = Pages()
    accounts = Accounts(load_users(settings), db, settings)
    qlog = QuestionLogger(db, settings.retention_days) if settings.question_log else None
    staff = Staff(
        settings=settings,
        db=db,
        raw_bot=bot,
        bot=LoggedAssistant(bot, qlog) if qlog else bot,
        tickets=TicketStore(db),
        accounts=accounts,
        auth=StaffAuth(accounts, key, settings, pages),
        pages=pages,
        key=key,
        qlog=qlog,
    )
    try:
        staff.ensure_schema()
    except Exception as exc:  # the public chat must start anyway
        log.error("database %s unavailable at start: %s", db.safe_url, type(exc).__name__)
    api.state.staff = staff
    api.add_middleware(OriginMiddleware, key=key)
    staff.auth.install_handlers(api)
    api.include_router(handoff_router(staff))
    api.include_router(staff.auth.router())
    api.include_router(inbox_router(staff))
    api.include_router(admin_router(staff))
    return staff


class OriginMiddleware:
    """Tells the question log where a question comes from (and the client's keyed hash).

    The widget says so with an ``X-Assistant-Source: widget`` header; Gradio's
    calls are the chat; everything else on ``/api/`` is the public API.
    """

    def __init__(self, app: Any, key: bytes) -> None:
        self.app = app
        self.key = key

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        source = "chat" if path.startswith("/gradio_api/") else "api"
        for name, value in scope.get("headers", []):
            if name == b"x-assistant-source" and value in (b"widget", b"agent"):
                source = value.decode()
        client = scope.get("client")
        hashed = keyed_hash(self.key, client[0]) if client else ""
        token = request_origin.set((source, hashed))
        try:
            await self.app(scope, receive, send)
        finally:
            request_origin.reset(token)
