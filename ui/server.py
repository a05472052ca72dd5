"""One ASGI app: FastAPI routes, the app's own pages, and the Gradio chat at ``/``.

``run`` loads the assistant (model + index) once per process; every route and
the Gradio chat share that one object. Routes are registered before the
Gradio mount at ``/`` so that they take precedence over it.
"""

from __future__ import annotations

import copy
import os
from typing import TYPE_CHECKING, Any

import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from assistant import privacy
from assistant.accounts import secret_key
from assistant.core import Assistant
from assistant.feedback import FeedbackStore
from ui.agent import build_agent_router
from ui.answer_signature import AnswerSigner
from ui.api import build_router, document_errors, install_error_handlers
from ui.chat import build_chat
from ui.embed import build_embed_router
from ui.feedback_api import build_feedback_router
from ui.gate import GatedAssistant
from ui.index_watch import IndexWatcher
from ui.inputs import CleanInputMiddleware
from ui.security import (
    ApiGuardMiddleware,
    BlockedRoutesMiddleware,
    ClientAddress,
    SecurityHeadersMiddleware,
    known_routes,
)
from ui.shared_limit import make_limiter
from ui.staff import install_staff
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
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline, whatever the shell says
    settings = settings or bot.settings
    bot = GatedAssistant(  # type: ignore[assignment]
        bot, settings.answer_concurrency, deadline=settings.request_deadline_seconds
    )
    api = FastAPI(
        title="Occitanie IA Assistant",
        version="1.0.0",
        description=(
            "Answers about the Région Occitanie AI plan 2024-2028, with numbered "
            "citations. Rate limited per client; see /docs."
        ),
    )
    # -- issue 15: shared database, question log, hand-off, staff pages (ui/staff/) --
    staff = install_staff(api, bot, settings)
    bot = staff.bot  # logs each answered question (redacted) for the editors' console
    api.state.bot = bot
    install_error_handlers(api)
    # Follow `assistant index` without a restart; the lease keeps the served build.
    watcher = IndexWatcher(staff.raw_bot, settings, settings.index_watch_seconds)
    watcher.start()
    api.state.index_watcher = watcher
    # ASSISTANT_REDIS_URL: one rate limit shared by every replica (ui/shared_limit.py)
    limiter = make_limiter(settings)
    checks = staff.readiness_checks()
    if hasattr(limiter, "ping"):
        checks["redis"] = limiter.ping
    # One key (ASSISTANT_SECRET_KEY) for API answers and chat exchanges and their 👍/👎
    signer = AnswerSigner(secret_key(settings))
    api.include_router(build_router(bot, checks=checks, signer=signer, limiter=limiter))
    api.include_router(build_agent_router())
    api.include_router(build_embed_router())
    api.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="app-static")

    feedback = FeedbackStore(staff.db)
    api.state.feedback = feedback
    api.include_router(build_feedback_router(feedback, signer))  # the widget's 👍/👎
    document_errors(api)  # every /api/ route: the limits' and handlers' errors
    chat = build_chat(bot, feedback, signer=signer, staff=staff)  # any replica checks a 👍
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

    # Outermost last: security headers on everything, then which routes exist
    # (404/405), CORS, the rate and body limits, then clean text just before the app.
    app.add_middleware(CleanInputMiddleware)
    app.add_middleware(
        ApiGuardMiddleware,
        limiter=limiter,
        max_body=settings.max_request_bytes,
        max_gradio_body=settings.max_gradio_request_bytes,
        client_address=ClientAddress(settings.trusted_proxies),
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.embed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(BlockedRoutesMiddleware, known=known_routes(api))
    app.add_middleware(SecurityHeadersMiddleware, embed_origins=settings.embed_origins)
    return app


def log_config() -> dict[str, Any]:
    """uvicorn's logging with personal data masked and query strings dropped.

    ``GET /api/v1/search?q=...`` carries the user's question: the access line
    keeps the path only, and every line (access or error) goes through the
    redactor (``assistant.privacy``).
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {
        "redact": {"()": "assistant.privacy.RedactingFilter"},
        "access": {"()": "assistant.privacy.AccessLogFilter"},
    }
    config["handlers"]["default"]["filters"] = ["redact"]
    config["handlers"]["access"]["filters"] = ["access"]
    return config


def server_config(app: Any, settings: Settings, host: str, port: int) -> Any:
    """The ``uvicorn.Config`` of ``assistant serve`` (tests run the same one in a thread).

    ``proxy_headers=False``: uvicorn would otherwise believe ``X-Forwarded-For``
    from loopback and let any local client pick its address; the client address
    is resolved by the app (``ASSISTANT_TRUSTED_PROXIES``) instead.
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(),
        proxy_headers=False,
        server_header=False,
        # Gradio keeps event streams open: do not wait for them for ever on shutdown.
        timeout_graceful_shutdown=3,
    )


def run(settings: Settings, host: str, port: int) -> None:
    """Load the assistant once and serve until interrupted."""
    import uvicorn

    bot = Assistant.from_settings(settings)
    config = server_config(create_app(bot, settings), settings, host, port)
    privacy.install()  # the app's own handlers too (uvicorn configured its own above)
    try:
        uvicorn.Server(config).run()
    finally:
        config.app.state.index_watcher.stop()
