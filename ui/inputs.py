"""Invalid text refused at the door: 422 naming the field, on every route that reads input.

FastAPI validates types, not characters: a lone surrogate (``"\\ud800"``) in a
question reached the tokenizer (500), and in ``history`` or ``filters`` it
crashed the 422 handler itself while it echoed the input back. Gradio does
no validation of its own. One ASGI middleware therefore reads every JSON
body sent to ``/api/`` and ``/gradio_api/`` (already bounded in size by
``ApiGuardMiddleware``) and the query string of ``/api/`` requests, and answers
422 in FastAPI's error shape (``detail``: a list of ``{loc, msg, type}``) for
the first string holding a control character or half a UTF-16 pair, or for a
body that is not UTF-8. Anything else is replayed unchanged to the app.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from assistant.text.clean import first_invalid, invalid_text_message
from ui.security import ASGIApp, Message, Receive, Scope, Send, _json_response

CHECKED_PREFIXES = ("/api/", "/gradio_api/")
BODY_METHODS = ("POST", "PUT", "PATCH")


def unprocessable(loc: list[Any], msg: str, kind: str = "value_error") -> dict[str, Any]:
    """A 422 body in FastAPI's documented shape (``HTTPValidationError``)."""
    return {"detail": [{"type": kind, "loc": loc, "msg": msg}]}


def _strings(value: Any, loc: list[Any]) -> Iterator[tuple[list[Any], str]]:
    """Every string of a JSON value (keys included) with where it is."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield [*loc, key], str(key)
            yield from _strings(item, [*loc, key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, [*loc, i])


def _safe_loc(loc: list[Any]) -> list[Any]:
    """A location that can be written back as JSON (keys may be the bad text)."""
    return [p if isinstance(p, int) or not first_invalid(p) else "?" for p in loc]


def invalid_field(value: Any, root: str) -> dict[str, Any] | None:
    """The 422 body for the first invalid string in ``value``, or None when all are clean."""
    for loc, text in _strings(value, [root]):
        code = first_invalid(text)
        if code:
            return unprocessable(_safe_loc(loc), invalid_text_message(code), "invalid_text")
    return None


class CleanInputMiddleware:
    """422 for invalid characters in JSON bodies and ``/api/`` query strings."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = CHECKED_PREFIXES) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/"):
            problem = self._query_problem(scope.get("query_string", b""))
            if problem:
                await _json_response(send, 422, problem)
                return
        if scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        problem = self._body_problem(body)
        if problem:
            await _json_response(send, 422, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _query_problem(query: bytes) -> dict[str, Any] | None:
        if not query:
            return None
        try:
            text = query.decode("ascii")
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            msg = "La requête n'est pas un texte UTF-8 valide. (Query string is not valid UTF-8.)"
            return unprocessable(["query"], msg, "invalid_text")
        for name, value in pairs:
            code = first_invalid(name) or first_invalid(value)
            if code:
                loc = ["query", name if not first_invalid(name) else "?"]
                return unprocessable(loc, invalid_text_message(code), "invalid_text")
        return None

    @staticmethod
    def _body_problem(body: bytes) -> dict[str, Any] | None:
        if not body:
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            msg = "Le corps de la requête n'est pas du texte UTF-8. (Body is not valid UTF-8.)"
            return unprocessable(["body"], msg, "invalid_text")
        try:
            value = json.loads(text)
        except ValueError:
            return None  # not JSON: the route says what it expects (its own 422)
        return invalid_field(value, "body")
