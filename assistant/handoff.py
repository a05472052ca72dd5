"""Hand-off to an adviser: tickets created from a conversation, worked in ``/agent/inbox``.

A ticket keeps what the agent needs to call back without asking again: the
transcript, the sources the assistant cited and the profile it detected. All
of it is redacted before it is written (``assistant.privacy.redact``); the one
exception is the e-mail or phone number the person typed in the contact fields,
and only when they ticked the consent box (without consent they are refused).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from assistant.db import Database
from assistant.db.models import Ticket, TicketNote, utcnow
from assistant.errors import InputError
from assistant.privacy import redact

#: Ticket states, in the order a ticket goes through them, and how the inbox shows them.
STATES = ("nouveau", "en_cours", "traite")
STATE_LABELS = {"nouveau": "nouveau", "en_cours": "en cours", "traite": "traité"}

MAX_TURNS = 60
MAX_TURN_CHARS = 8_000
MAX_NOTE_CHARS = 4_000

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .()\-]{6,25}$")


@dataclass
class HandoffRequest:
    """What a person sends with "Parler à un conseiller"."""

    transcript: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)
    lang: str = "fr"
    consent: bool = False
    email: str = ""
    phone: str = ""
    message: str = ""
    source: str = "api"
    client_hash: str = ""

    def validated(self) -> HandoffRequest:
        """Contact details only with consent and in a plausible shape (``InputError`` else)."""
        self.email = (self.email or "").strip()
        self.phone = (self.phone or "").strip()
        if (self.email or self.phone) and not self.consent:
            raise InputError(
                "Pour laisser un e-mail ou un téléphone, cochez la case de consentement "
                "(ou restez anonyme)."
            )
        if self.email and not _EMAIL.match(self.email):
            raise InputError("L'adresse e-mail n'est pas valide.")
        if self.phone and not _PHONE.match(self.phone):
            raise InputError("Le numéro de téléphone n'est pas valide.")
        if len(self.transcript) > MAX_TURNS:
            raise InputError(f"La conversation dépasse {MAX_TURNS} messages.")
        return self


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _redact_value(v) for k, v in value.items()}
    return value


class TicketStore:
    """Tickets and their notes in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, request: HandoffRequest) -> Ticket:
        """Validate, redact and store; returns the committed ticket."""
        request = request.validated()
        transcript = [
            {
                "role": "assistant" if t.get("role") == "assistant" else "user",
                "content": redact(str(t.get("content", ""))[:MAX_TURN_CHARS]),
            }
            for t in request.transcript
        ]
        question = next((t["content"] for t in reversed(transcript) if t["role"] == "user"), "")
        ticket = Ticket(
            public_id=secrets.token_urlsafe(18),
            state="nouveau",
            source=request.source[:16],
            lang=request.lang if request.lang in ("fr", "en") else "fr",
            question=question,
            message=redact(request.message[:MAX_NOTE_CHARS]),
            transcript=transcript,
            sources=_redact_value(request.sources[:20]),
            profile=_redact_value(request.profile or {}),
            consent=bool(request.consent),
            contact_email=request.email[:254] if request.consent else "",
            contact_phone=request.phone[:40] if request.consent else "",
            client_hash=request.client_hash[:32],
        )
        with self.db.session() as s:
            s.add(ticket)
            s.flush()
            s.refresh(ticket)
        return ticket

    def by_public_id(self, public_id: str) -> Ticket | None:
        with self.db.session() as s:
            return s.scalar(select(Ticket).where(Ticket.public_id == public_id))

    def get(self, ticket_id: int) -> Ticket | None:
        """A ticket with its notes loaded."""
        with self.db.session() as s:
            return s.scalar(
                select(Ticket).options(selectinload(Ticket.notes)).where(Ticket.id == ticket_id)
            )

    def list(self, state: str | None = None, text: str | None = None, limit: int = 200):
        """Newest first, optionally of one state and containing ``text``."""
        query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        if state in STATES:
            query = query.where(Ticket.state == state)
        if text:
            like = f"%{text.strip()[:100]}%"
            query = query.where(or_(Ticket.question.ilike(like), Ticket.message.ilike(like)))
        with self.db.session() as s:
            return list(s.scalars(query))

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all()
        found = {state: int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in STATES}

    def set_state(self, ticket_id: int, state: str, author: str) -> bool:
        """Move a ticket to ``state``; the change is kept as a note (who, when)."""
        if state not in STATES:
            raise InputError(f"état inconnu : {state}")
        with self.db.session() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return False
            if ticket.state != state:
                ticket.state = state
                ticket.updated_at = utcnow()
                s.add(
                    TicketNote(
                        ticket_id=ticket_id, author=author, text=f"État : {STATE_LABELS[state]}"
                    )
                )
            return True

    def add_note(self, ticket_id: int, author: str, text: str) -> bool:
        text = (text or "").strip()
        if not text:
            raise InputError("La note est vide.")
        if len(text) > MAX_NOTE_CHARS:
            raise InputError(f"La note dépasse {MAX_NOTE_CHARS} caractères.")
        with self.db.session() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return False
            ticket.updated_at = utcnow()
            s.add(TicketNote(ticket_id=ticket_id, author=author[:64], text=redact(text)))
            return True

    def purge_closed(self, days: int, now: datetime | None = None) -> int:
        """Delete treated tickets not touched for ``days`` days (RGPD retention)."""
        cutoff = (now or utcnow()) - timedelta(days=days)
        with self.db.session() as s:
            old = select(Ticket.id).where(Ticket.state == "traite", Ticket.updated_at < cutoff)
            ids = list(s.scalars(old))
            if not ids:
                return 0
            s.execute(delete(TicketNote).where(TicketNote.ticket_id.in_(ids)))
            return s.execute(delete(Ticket).where(Ticket.id.in_(ids))).rowcount
