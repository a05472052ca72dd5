"""The call-centre view (``/agent``): a static page, all data fetched from the API.

A plain page rather than Gradio on purpose: it loads in a few kilobytes, keeps
the focus in the search box, and an answer costs one ``POST /api/v1/ask``
(well under the 300 ms budget), with every value put in the page through
``textContent`` (see ``static/agent.js``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ui.static_files import read_static


def build_agent_router() -> APIRouter:
    router = APIRouter()
    page = read_static("agent.html")

    @router.get("/agent", response_class=HTMLResponse, include_in_schema=False)
    def agent() -> HTMLResponse:
        return HTMLResponse(page, headers={"cache-control": "no-cache"})

    return router
