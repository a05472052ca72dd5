"""``/agent/inbox``: the call-centre agents' list of hand-off tickets, and one ticket.

The suggested reply is the assistant's own extractive answer to the last
question of the transcript, with the conversation before it: the same
evidence the person saw, as exact sentences of the sources.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from assistant.errors import InputError
from assistant.handoff import STATE_LABELS, STATES

if TYPE_CHECKING:
    from ui.staff import Staff

log = logging.getLogger(__name__)


def inbox_router(staff: Staff) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth, pages = staff.auth, staff.pages

    @router.get("/agent/inbox", response_class=HTMLResponse)
    def inbox(request: Request, state: str = "", q: str = "") -> HTMLResponse:
        session = auth.require(request, "agent")
        counts = staff.tickets.counts()
        tickets = staff.tickets.list(state=state or None, text=q[:100] or None)
        return HTMLResponse(
            pages.render(
                "inbox.html",
                title="Demandes de conseiller",
                session=session,
                tickets=tickets,
                counts=counts,
                total=sum(counts.values()),
                states=STATES,
                labels=STATE_LABELS,
                state=state if state in STATES else "",
                q=q[:100],
            ),
            headers={"cache-control": "no-store"},
        )

    @router.get("/agent/inbox/{ticket_id}", response_class=HTMLResponse)
    def ticket(request: Request, ticket_id: int) -> HTMLResponse:
        session = auth.require(request, "agent")
        found = staff.tickets.get(ticket_id)
        if found is None:
            raise HTTPException(status_code=404, detail="Demande introuvable.")
        return HTMLResponse(
            pages.render(
                "ticket.html",
                title=f"Demande n° {found.id}",
                session=session,
                t=found,
                states=STATES,
                labels=STATE_LABELS,
                suggestion=suggested_reply(staff, found.transcript, found.lang),
            ),
            headers={"cache-control": "no-store"},
        )

    @router.post("/agent/inbox/{ticket_id}/state")
    def set_state(
        request: Request,
        ticket_id: int,
        state: str = Form(..., max_length=16),
        csrf: str = Form("", max_length=64),
    ) -> RedirectResponse:
        session = auth.require(request, "agent")
        auth.check_csrf(request, session, csrf)
        try:
            changed = staff.tickets.set_state(ticket_id, state, session.name)
        except InputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        if not changed:
            raise HTTPException(status_code=404, detail="Demande introuvable.")
        return RedirectResponse(f"/agent/inbox/{ticket_id}", status_code=303)

    @router.post("/agent/inbox/{ticket_id}/note")
    def add_note(
        request: Request,
        ticket_id: int,
        text: str = Form("", max_length=4000),
        csrf: str = Form("", max_length=64),
    ) -> RedirectResponse:
        session = auth.require(request, "agent")
        auth.check_csrf(request, session, csrf)
        try:
            added = staff.tickets.add_note(ticket_id, session.name, text)
        except InputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        if not added:
            raise HTTPException(status_code=404, detail="Demande introuvable.")
        return RedirectResponse(f"/agent/inbox/{ticket_id}", status_code=303)

    return router


def suggested_reply(staff: Staff, transcript: list[dict[str, str]], lang: str) -> Any:
    """The extractive answer to the transcript's last question (None if there is none)."""
    last = max((i for i, t in enumerate(transcript) if t.get("role") == "user"), default=None)
    if last is None:
        return None
    try:
        answer = staff.raw_bot.ask(
            transcript[last]["content"],
            history=transcript[:last],
            lang=lang,
            mode="extractive",
        )
    except Exception:
        log.exception("suggested reply failed")
        return None
    return {"answer": answer.text, "citations": answer.citations}
