"""``POST /api/v1/handoff`` (public, anonymous) and the ticket status endpoint.

The person's contact details are accepted only with ``consent: true``; texts
are bounded (422 past a field's limit, 413 past the body limit of the API);
a database that is down gives a 503 saying hand-off is unavailable, while the
rest of the API keeps answering.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import InputError
from assistant.handoff import STATE_LABELS, HandoffRequest

if TYPE_CHECKING:
    from ui.staff import Staff

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "La mise en relation avec un conseiller est momentanément indisponible : "
    "réessayez plus tard, ou contactez directement la Région ou AD'OCC. "
    "(Hand-off to an adviser is unavailable right now.)"
)


class HandoffTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=8000)


class HandoffSource(BaseModel):
    model_config = ConfigDict(extra="ignore")

    doc_id: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=300)
    source_url: str | None = Field(default=None, max_length=500)


class HandoffIn(BaseModel):
    """A request to talk to an adviser, with what the conversation showed."""

    transcript: list[HandoffTurn] = Field(default_factory=list, max_length=60)
    sources: list[HandoffSource] = Field(default_factory=list, max_length=20)
    profile: dict[str, Any] | None = Field(default=None, description="Detected profile.")
    lang: Literal["fr", "en"] = "fr"
    consent: bool = Field(
        default=False, description="Required to leave an e-mail or a phone number."
    )
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    message: str = Field(default="", max_length=2000)
    source: Literal["api", "widget", "chat"] = "api"


class HandoffOut(BaseModel):
    ticket: str = Field(description="Ticket id to follow its status (keep it private).")
    number: int
    status: str
    message: str


def handoff_router(staff: Staff) -> APIRouter:
    router = APIRouter(tags=["api"])

    @router.post("/api/v1/handoff", response_model=HandoffOut, status_code=201)
    def handoff(body: HandoffIn, request: Request, tasks: BackgroundTasks) -> dict[str, Any]:
        """Ask for an adviser: a ticket with the transcript, sources and profile."""
        client = request.client.host if request.client else ""
        try:
            ticket = staff.create_ticket(
                HandoffRequest(
                    transcript=[t.model_dump() for t in body.transcript],
                    sources=[s.model_dump() for s in body.sources],
                    profile=body.profile or {},
                    lang=body.lang,
                    consent=body.consent,
                    email=body.email,
                    phone=body.phone,
                    message=body.message,
                    source=body.source,
                    client_hash=staff.client_hash(client),
                )
            )
        except InputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except SQLAlchemyError as exc:
            log.error("hand-off unavailable: database error %s", type(exc).__name__)
            raise HTTPException(status_code=503, detail=UNAVAILABLE) from exc
        tasks.add_task(staff.notify, ticket)
        return {
            "ticket": ticket.public_id,
            "number": ticket.id,
            "status": ticket.state,
            "message": confirmation(ticket.id, body.lang, bool(body.email or body.phone)),
        }

    @router.get("/api/v1/handoff/{ticket}", tags=["api"])
    def status(ticket: str) -> dict[str, Any]:
        """Where a hand-off ticket stands (nouveau, en_cours, traite)."""
        if len(ticket) > 40:
            raise HTTPException(status_code=404, detail="Ticket inconnu.")
        try:
            found = staff.tickets.by_public_id(ticket)
        except SQLAlchemyError as exc:
            raise HTTPException(status_code=503, detail=UNAVAILABLE) from exc
        if found is None:
            raise HTTPException(status_code=404, detail="Ticket inconnu.")
        return {
            "number": found.id,
            "status": found.state,
            "label": STATE_LABELS[found.state],
            "updated_at": found.updated_at.isoformat(timespec="seconds"),
        }

    return router


def confirmation(number: int, lang: str, contact: bool) -> str:
    if lang == "en":
        then = "An adviser will get back to you." if contact else "It stays anonymous."
        return f"Your request no. {number} has been passed on to an adviser. {then}"
    then = (
        "Un conseiller vous recontactera."
        if contact
        else "Elle reste anonyme : un conseiller la lira pour améliorer les réponses."
    )
    return f"Votre demande n° {number} est transmise à un conseiller. {then}"
