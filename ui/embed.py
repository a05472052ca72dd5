"""The widget: ``/widget.js`` for host sites and the ``/embed`` page it frames.

``/embed`` is the only page other sites may frame (CSP ``frame-ancestors``
lists ``ASSISTANT_EMBED_ORIGINS``, see ``ui/security.py``). The widget script
builds its button and iframe inside a shadow root, so the host page's
styles and scripts neither leak in nor get touched.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ui.static_files import read_static


def build_embed_router() -> APIRouter:
    router = APIRouter()
    page = read_static("embed.html")
    script = read_static("widget.js")

    @router.get("/embed", response_class=HTMLResponse, include_in_schema=False)
    def embed() -> HTMLResponse:
        return HTMLResponse(page, headers={"cache-control": "no-cache"})

    @router.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return Response(
            script,
            media_type="text/javascript; charset=utf-8",
            headers={
                "cache-control": "public, max-age=300",
                "cross-origin-resource-policy": "cross-origin",
            },
        )

    return router
