"""One ASGI app: FastAPI routes, the app's own pages, and the Gradio chat at ``/``.

``run`` loads the assistant (model + index) once per process; every route and
the Gradio chat share that one object. Routes are registered before the
Gradio mount at ``/`` so that they take precedence over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from assistant.core import Assistant
from assistant.feedback import FeedbackStore
from ui.agent import build_agent_router
from ui.api import build_router
from ui.chat import build_chat
from ui.embed import build_embed_router
from ui.feedback_api import build_feedback_router
from ui.gate import GatedAssistant
from ui.security import (
    ApiGuardMiddleware,
    BlockedRoutesMiddleware,
    RateLimiter,
    SecurityHeadersMiddleware,
)
from ui.static_files import STATIC_DIR, STATIC_URL, read_static

if TYPE_CHECKING:
    from assistant.settings import Settings

#: System fonts only: the chat must not call Google Fonts (privacy, offline use).
THEME = gr.themes.Default(
    primary_hue="red",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


def create_app(bot: Assistant, settings: Settings | None = None) -> FastAPI:
    """The whole web app around one loaded ``Assistant``."""
    settings = settings or bot.settings
    bot = GatedAssistant(bot, settings.answer_concurrency)  # type: ignore[assignment]
    api = FastAPI(
        title="Occitanie IA Assistant",
        version="1.0.0",
        description=(
            "Answers about the Région Occitanie AI plan 2024-2028, with numbered "
            "citations. Rate limited per client; see /docs."
        ),
    )
    api.state.bot = bot
    api.include_router(build_router(bot))
    api.include_router(build_agent_router())
    api.include_router(build_embed_router())
    api.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="app-static")

    feedback = FeedbackStore(settings.feedback_db)
    api.state.feedback = feedback
    api.include_router(build_feedback_router(feedback))  # the widget's 👍/👎
    chat = build_chat(bot, feedback)
    chat.queue(default_concurrency_limit=8, max_size=200)
    app = gr.mount_gradio_app(
        api,
        chat,
        path="/",
        footer_links=[],
        allowed_paths=[],
        show_error=False,
        ssr_mode=False,
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
        theme=THEME,
        css=read_static("chat.css"),
        head=(
            '<meta name="description" content="Assistant du Plan IA Occitanie 2024-2028">'
            f'<script src="{STATIC_URL}/chat.js" defer></script>'
        ),
    )

    # Outermost last: blocked routes first, then CORS, rate limit, headers on everything.
    app.add_middleware(
        ApiGuardMiddleware,
        limiter=RateLimiter(settings.rate_limit_per_minute),
        max_body=settings.max_request_bytes,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.embed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware, embed_origins=settings.embed_origins)
    app.add_middleware(BlockedRoutesMiddleware)
    return app


def run(settings: Settings, host: str, port: int) -> None:
    """Load the assistant once and serve until interrupted."""
    import uvicorn

    bot = Assistant.from_settings(settings)
    # Gradio keeps event streams open: do not wait for them for ever on shutdown.
    uvicorn.run(
        create_app(bot, settings),
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=3,
    )
