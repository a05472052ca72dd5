"""HTTP hardening shared by every route: CSP, CORS, rate limit, blocked routes.

Written as plain ASGI middlewares (not ``BaseHTTPMiddleware``) so that the
server-sent events of ``/api/v1/ask/stream`` pass through unbuffered.

Policy in one place:

* ``/embed`` may be framed by ``ASSISTANT_EMBED_ORIGINS`` only; every other page
  by the app itself only (``frame-ancestors``).
* The app's own pages (``/agent``, ``/embed``) run only the app's own scripts
  (``script-src 'self'``); the Gradio chat needs inline scripts and styles.
* The API answers cross-origin calls from ``ASSISTANT_EMBED_ORIGINS`` (CORS);
  each client gets ``ASSISTANT_RATE_LIMIT_PER_MINUTE`` requests to the API and
  to Gradio's call/queue entries together.
* Gradio's file and upload routes are switched off: the app has no file
  components, so they could only serve or store files nobody meant to share.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Gradio routes the app never needs (files, uploads, proxies, MCP, monitoring).
BLOCKED_PREFIXES = (
    "/gradio_api/file=",
    "/gradio_api/file/",
    "/gradio_api/upload",
    "/gradio_api/proxy=",
    "/gradio_api/stream/",
    "/gradio_api/mcp",
    "/gradio_api/monitoring",
    "/gradio_api/vibe",
    "/file=",
    "/upload",
    "/proxy=",
    "/monitoring",
)

STRICT_PAGES = ("/agent", "/embed", "/admin", "/staff/login")


def content_security_policy(path: str, embed_origins: Sequence[str]) -> str:
    """The CSP for ``path``: strict on the app's own pages, workable for Gradio."""
    ancestors = "'self'"
    if path == "/embed" or path.startswith("/embed/"):
        ancestors = " ".join(["'self'", *embed_origins])
    common = f"frame-ancestors {ancestors}; object-src 'none'; base-uri 'self'; form-action 'self'"
    if path in STRICT_PAGES or path.startswith(
        ("/agent/", "/embed/", "/app-static/", "/admin/", "/staff/")
    ):
        return (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; font-src 'self'; {common}"
        )
    if path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        # FastAPI's documentation pages load Swagger UI / ReDoc from a CDN.
        cdn = "https://cdn.jsdelivr.net"
        return (
            f"default-src 'self'; script-src 'self' 'unsafe-inline' {cdn}; "
            f"style-src 'self' 'unsafe-inline' {cdn}; img-src 'self' data: https://fastapi.tiangolo.com; "
            f"connect-src 'self'; {common}"
        )
    # The Gradio chat: inline bootstrap script and styles; no third-party hosts.
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        f"connect-src 'self' ws: wss:; media-src 'self' blob:; worker-src 'self' blob:; {common}"
    )


class SecurityHeadersMiddleware:
    """Adds CSP and the usual defensive headers to every response."""

    def __init__(self, app: ASGIApp, embed_origins: Sequence[str]) -> None:
        self.app = app
        self.embed_origins = list(embed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = content_security_policy(path, self.embed_origins).encode()
        framable = path == "/embed" or path.startswith("/embed/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-security-policy", b"x-frame-options")
                ]
                headers += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if not framable:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BlockedRoutesMiddleware:
    """404 for Gradio's file, upload and proxy routes (the app serves no user files)."""

    def __init__(self, app: ASGIApp, prefixes: Sequence[str] = BLOCKED_PREFIXES) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope.get("path", "")
            raw = scope.get("raw_path") or b""
            raw_path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
            if path.startswith(self.prefixes) or raw_path.startswith(self.prefixes):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await _json_response(send, 404, {"detail": "Not Found"})
                return
        await self.app(scope, receive, send)


class RateLimiter:
    """Sliding one-minute window per client key; thread-safe and memory-bounded."""

    def __init__(self, per_minute: int, window: float = 60.0, max_clients: int = 50_000) -> None:
        self.per_minute = per_minute
        self.window = window
        self.max_clients = max_clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None) -> float:
        """Record a hit for ``key``; 0 when allowed, else seconds until a slot frees."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # most recently seen last
            while len(self._hits) > self.max_clients:
                self._hits.popitem(last=False)
            if len(hits) >= self.per_minute:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            return 0.0


#: Paths that cost an answer: the JSON API and Gradio's programmatic and queue entries.
RATE_LIMITED_PREFIXES = ("/api/", "/gradio_api/call/", "/gradio_api/queue/join")


class ApiGuardMiddleware:
    """Rate limit (API and Gradio calls) and body size limit (``/api/``), before any work.

    Gradio's queue requests carry the conversation kept in the browser, so
    only the JSON API gets the small body limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        max_body: int,
        prefix: str = "/api/",
        limited_prefixes: Sequence[str] = RATE_LIMITED_PREFIXES,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body
        self.prefix = prefix
        self.limited = tuple(limited_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(self.limited):
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "OPTIONS":  # CORS preflight: not a request to count
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = self.limiter.check(key)
        if wait:
            await _json_response(
                send,
                429,
                {
                    "detail": "Trop de requêtes : réessayez dans quelques secondes. "
                    "(Too many requests.)"
                },
                [(b"retry-after", str(math.ceil(wait)).encode())],
            )
            return
        if not path.startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _json_response(send, 413, {"detail": "Requête trop volumineuse."})
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _json_response(send, 413, {"detail": "Requête trop volumineuse."})


class BodyTooLarge(Exception):
    """A chunked body grew past the limit."""


async def _json_response(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
