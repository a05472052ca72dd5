"""HTTP hardening shared by every route: CSP, CORS, rate limit, blocked routes.

Written as plain ASGI middlewares (not ``BaseHTTPMiddleware``) so that the
server-sent events of ``/api/v1/ask/stream`` pass through unbuffered.

Policy in one place:

* ``/embed`` may be framed by ``ASSISTANT_EMBED_ORIGINS`` only; every other page
  by the app itself only (``frame-ancestors``).
* The app's own pages (``/agent``, ``/embed``) run only the app's own scripts
  (``script-src 'self'``); the Gradio chat needs inline scripts and styles.
* The API answers cross-origin calls from ``ASSISTANT_EMBED_ORIGINS`` (CORS);
  each client gets ``ASSISTANT_RATE_LIMIT_PER_MINUTE`` requests to ``/api/`` and
  to every Gradio POST route together (one budget: a client cannot double it by
  switching routes).
* The client is the socket peer. ``X-Forwarded-For`` is believed only when that
  peer is one of ``ASSISTANT_TRUSTED_PROXIES`` (uvicorn runs with
  ``proxy_headers=False``, so a local client cannot pick its own address).
* Gradio exposes many routes; only those the chat page and ``gradio_client``
  use are open (``GRADIO_ROUTES``), the rest answer 404: files, uploads,
  proxies, ``run``/``api``/``call`` entries (they computed answers outside the
  queue), monitoring, login.
* Every request body is bounded: ``ASSISTANT_MAX_REQUEST_BYTES`` for the API and
  everything else, ``ASSISTANT_MAX_GRADIO_REQUEST_BYTES`` for Gradio's POSTs (they
  carry the conversation kept in the page).
* A known path called with the wrong method is 405 with ``Allow`` (not Gradio's 404).
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Gradio routes outside ``/gradio_api/`` the app never needs (files, uploads, proxies,
#: monitoring, login).
BLOCKED_PREFIXES = (
    "/file=",
    "/upload",
    "/proxy=",
    "/monitoring",
    "/login",
    "/logout",
    "/pwa_icon",
)

GRADIO_PREFIX = "/gradio_api/"

#: The ``/gradio_api/`` routes the chat page and ``gradio_client`` use, per method
#: (an entry ending with ``/`` is a prefix). Everything else there is 404.
GRADIO_ROUTES: Mapping[str, tuple[str, ...]] = {
    "GET": (
        "/gradio_api/info",
        "/gradio_api/queue/data",
        "/gradio_api/queue/status",
        "/gradio_api/heartbeat/",
        "/gradio_api/startup-events",
        "/gradio_api/theme.css",
    ),
    "POST": ("/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset"),
}


def _matches(path: str, routes: Iterable[str]) -> bool:
    for route in routes:
        if route.endswith("/"):
            if path.startswith(route) and len(path) > len(route):
                return True
        elif path in (route, route + "/"):
            return True
    return False


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
    """Which routes exist, before anything else runs.

    * 404 for Gradio's routes the app does not use (``BLOCKED_PREFIXES`` and
      every ``/gradio_api/`` route outside ``GRADIO_ROUTES``);
    * 405 with ``Allow`` for a known path called with another method
      (``known``: path -> methods, the FastAPI routes of the app), where Gradio's
      catch-all mount would otherwise answer 404.
    """

    def __init__(
        self,
        app: ASGIApp,
        prefixes: Sequence[str] = BLOCKED_PREFIXES,
        gradio_routes: Mapping[str, tuple[str, ...]] = GRADIO_ROUTES,
        known: Mapping[str, set[str]] | None = None,
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.gradio_routes = dict(gradio_routes)
        self.known = {path: set(methods) for path, methods in (known or {}).items()}

    def _gradio_allowed(self, method: str, path: str) -> tuple[bool, set[str]]:
        """(allowed for ``method``, methods the path is open to)."""
        allowed = {m for m, routes in self.gradio_routes.items() if _matches(path, routes)}
        if "GET" in allowed:
            allowed.add("HEAD")
        return method in allowed, allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        raw = scope.get("raw_path") or b""
        raw_path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
        status, allow = 0, set()
        if path.startswith(self.prefixes) or raw_path.startswith(self.prefixes):
            status = 404
        elif path.startswith(GRADIO_PREFIX) or raw_path.startswith(GRADIO_PREFIX):
            ok, allow = self._gradio_allowed(method, path)
            if not ok and method != "OPTIONS":
                status = 405 if allow else 404
        elif path in self.known and method != "OPTIONS":
            allow = self.known[path] | ({"HEAD"} if "GET" in self.known[path] else set())
            if method not in allow:
                status = 405
        if not status:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if status == 405:
            await _json_response(
                send,
                405,
                {"detail": "Méthode non autorisée. (Method not allowed.)"},
                [(b"allow", ", ".join(sorted(allow)).encode())],
            )
            return
        await _json_response(send, 404, {"detail": "Not Found"})


def known_routes(app: Any) -> dict[str, set[str]]:
    """Path -> methods of an app's own (non-templated) routes, for the 405 answers."""
    known: dict[str, set[str]] = {}
    for route in getattr(app, "routes", []):
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            for path, methods in known_routes(included).items():
                known.setdefault(path, set()).update(methods)
            continue
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None)
        if path and methods and "{" not in path and path != "/":
            known.setdefault(path, set()).update(methods)
    return known


class ClientAddress:
    """The client's address for the rate limit: the socket peer, or the proxy's word for it.

    ``X-Forwarded-For`` is a list the client itself may start; only the hops
    appended by trusted proxies are believed, so the client is the rightmost
    address that is not a trusted proxy.
    """

    def __init__(self, trusted: Sequence[str] = ()) -> None:
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __call__(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.networks or not self._trusted(peer):
            return peer
        forwarded = b",".join(
            v for k, v in scope.get("headers", []) if k.lower() == b"x-forwarded-for"
        ).decode("latin-1")
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if self._trusted(hop):
                continue
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side: fall back to the proxy
        return peer


class RateLimiter(ABC):
    """Requests allowed per client key and minute.

    Abstract so that several server processes can later share one count (a
    redis-backed limiter); ``InProcessRateLimiter`` counts in this process.
    """

    per_minute: int

    @abstractmethod
    def check(self, key: str, now: float | None = None, cost: int = 1) -> float:
        """Record ``cost`` hits for ``key``; 0 when allowed, else seconds until they fit."""


class InProcessRateLimiter(RateLimiter):
    """Sliding one-minute window per client key; thread-safe and memory-bounded."""

    def __init__(self, per_minute: int, window: float = 60.0, max_clients: int = 50_000) -> None:
        self.per_minute = per_minute
        self.window = window
        self.max_clients = max_clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None, cost: int = 1) -> float:
        """Record ``cost`` hits for ``key``; 0 when allowed, else seconds until they fit.

        ``cost`` above the limit counts as the limit (it fits in an empty window).
        """
        if self.per_minute <= 0:
            return 0.0
        cost = max(1, min(cost, self.per_minute))
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[key] = hits  # most recently seen last
            while len(self._hits) > self.max_clients:
                self._hits.popitem(last=False)
            excess = len(hits) + cost - self.per_minute
            if excess > 0:  # the excess oldest hits must leave the window first
                return max(hits[excess - 1] + self.window - now, 0.001)
            hits.extend([now] * cost)
            return 0.0


#: Where :class:`ApiGuardMiddleware` leaves the client's rate-limit key (``request.state``).
RATE_KEY = "rate_limit_key"


def is_rate_limited(method: str, path: str) -> bool:
    """Requests that may cost an answer: all of ``/api/`` and every Gradio POST."""
    if method == "OPTIONS":  # CORS preflight: not a request to count
        return False
    return path.startswith("/api/") or (method == "POST" and path.startswith(GRADIO_PREFIX))


class ApiGuardMiddleware:
    """Rate limit and body size limit, before any work.

    Gradio's POSTs carry the conversation kept in the browser, so they get
    their own (larger) limit; every other body gets ``max_body``.
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        max_body: int,
        max_gradio_body: int | None = None,
        client_address: Callable[[Scope], str] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body
        self.max_gradio_body = max_gradio_body or max_body
        self.client_address = client_address or ClientAddress()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if is_rate_limited(method, path):
            key = self.client_address(scope)
            scope.setdefault("state", {})[RATE_KEY] = key  # routes may charge a costly request more
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
        limit = self.max_gradio_body if path.startswith(GRADIO_PREFIX) else self.max_body
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _json_response(send, 413, TOO_LARGE)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _json_response(send, 413, TOO_LARGE)


TOO_LARGE = {"detail": "Requête trop volumineuse. (Request body too large.)"}


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
