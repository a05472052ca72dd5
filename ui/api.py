"""The JSON API (``/api/v1``) and the health probes, on top of the Python contract.

Handlers are plain ``def`` functions: answering is CPU-bound, so FastAPI runs
them in its thread pool and the event loop stays free for other clients.
Everything returned is JSON; pages that show it escape it (``textContent``).
"""

from __future__ import annotations

import json
import logging
import math
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.core import MAX_QUESTION_CHARS
from assistant.eligibility.form import ProfileFields
from assistant.errors import BusyError, InputError, KnowledgeError
from ui.answer_signature import AnswerSigner
from ui.security import RATE_KEY, RateLimiter

if TYPE_CHECKING:
    from assistant.core import Answer, Assistant

MAX_HISTORY_TURNS = 20
log = logging.getLogger(__name__)


DATA_ERROR_DETAIL = (
    "The assistant's reference data is being repaired; try again later or contact the Région."
)


# -- request and response schemas (they make /docs useful) --------------------
class ErrorOut(BaseModel):
    """Every error but 422: one sentence saying what to do (French first)."""

    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


#: Errors every API route may answer, documented once (see ``ui/security.py``).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request (e.g. a CORS preflight from an origin not allowed)."),
    405: _error("Wrong method for this path (`Allow` says which)."),
    429: _error("Rate limit reached for this client; `Retry-After` says when to retry."),
    500: _error("Unexpected error (reported in the server log)."),
}
#: Routes that compute an answer may also be busy or find their data broken.
ANSWER_ERRORS: dict[int | str, dict[str, Any]] = {
    **COMMON_ERRORS,
    503: _error(
        "No turn to answer within ASSISTANT_REQUEST_DEADLINE_SECONDS (with `Retry-After`), "
        "or the reference data is being repaired."
    ),
}
#: Routes with a JSON body.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    **ANSWER_ERRORS,
    413: _error("Body larger than ASSISTANT_MAX_REQUEST_BYTES."),
}


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=8000)


class FiltersIn(BaseModel):
    """Restrict retrieval to some documents (all optional)."""

    model_config = ConfigDict(extra="forbid")

    audience: str | None = Field(default=None, max_length=64, examples=["entreprise"])
    envelope: str | None = Field(default=None, max_length=64, examples=["formation"])
    topic: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class AskRequest(BaseModel):
    """A question, the conversation so far, and optional language and filters."""

    question: str = Field(
        description=f"The question (at most {MAX_QUESTION_CHARS} characters once runs of "
        "spaces are collapsed; no control characters).",
        examples=["Quel est le budget du Plan IA Occitanie ?"],
        json_schema_extra={"maxLength": MAX_QUESTION_CHARS},
    )
    history: list[Turn] = Field(default_factory=list, max_length=2 * MAX_HISTORY_TURNS)
    lang: Literal["fr", "en"] | None = Field(
        default=None, description="Answer language; detected from the question when absent."
    )
    filters: FiltersIn | None = None
    mode: Literal["extractive"] | None = Field(
        default=None,
        description="`extractive`: the exact sentences of the sources, instantly, even when "
        "the server writes answers with an LLM (the call-centre view uses it).",
    )
    context: dict[str, Any] | None = Field(
        default=None,
        description="`context` of the previous answer, sent back as is: the subject and "
        "profile under discussion, so follow-ups (« et en pourcentage ? ») resolve without "
        "replaying the history.",
    )
    next_step: bool | None = Field(
        default=None,
        description="The « Prochaine étape : contactez… » line: absent = when useful; "
        "`false` = only when the question asks how to proceed or whom to contact (the "
        "call-centre view); `true` = whenever contacts apply.",
    )


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    section: str = ""
    page: int | None = None
    excerpt: str = ""
    score: float = 0.0
    source_title: str = ""
    source_url: str | None = None
    source_date: str = ""
    confidence: str = ""
    audience: str = ""
    language: str = ""
    source_publisher: str = ""
    sources: list[dict[str, Any]] = Field(default_factory=list)
    display: dict[str, Any] | None = Field(
        default=None,
        description="What a source card shows, in the answer's language: title, section, "
        "the source to open (title, publisher, date in words, url), other sources, and the "
        "confidence in words. Pages show this, never the raw codes.",
    )


class ContactOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = ""
    name: str = ""
    role: str = ""
    details: str = ""
    url: str | None = None


class AskResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    refused: bool
    kind: str = "answer"
    lang: str = "fr"
    contacts: list[ContactOut] = Field(default_factory=list)
    notice: str | None = None
    query: str = ""
    eligibility: dict[str, Any] | None = None
    intent: str = Field(
        default="",
        description="What the question asked for: amount, date, contact, definition, list, "
        "compute, unknown, eligibility, size, out_of_scope (empty when not planned).",
    )
    derivations: list[dict[str, Any]] = Field(
        default_factory=list,
        description="How each computed figure of the answer was derived from cited figures.",
    )
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="The conversation's state after this answer: send it back as `context`.",
    )
    filters_ignored: bool = Field(
        default=False,
        description="The filters gave a worse answer (nothing found, or an unrelated "
        "passage): this answer is the unfiltered one, and `notice` says so.",
    )
    signature: str = Field(
        default="",
        description="Proof that this service gave this answer to this question: send it "
        "back with a 👍/👎 (`POST /api/v1/feedback`).",
    )


class SearchResponse(BaseModel):
    query: str
    results: list[CitationOut]
    message: str | None = None


class ProfileIn(ProfileFields):
    """The eligibility form's fields (the engine's schema) and the verdicts' language."""

    lang: Literal["fr", "en"] = Field(default="fr", description="Language of the verdicts.")


class SchemeOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    scheme_id: str
    scheme_name: str
    verdict: str
    reasons: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    citations: list[Any] = Field(default_factory=list)


class EligibilityOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    sme_category: Any = None
    results: list[SchemeOut] = Field(default_factory=list)
    follow_up_question: str | None = None
    text: str = ""


# -- helpers shared with the Gradio pages --------------------------------------
def ask_kwargs(
    history: list[dict[str, str]] | None,
    lang: str | None,
    filters: dict[str, str | None] | None,
    mode: str | None = None,
    context: dict[str, Any] | None = None,
    next_step: bool | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``Assistant.ask`` (filters, mode and context only when set)."""
    kwargs: dict[str, Any] = {"history": history or [], "lang": lang}
    if next_step is not None:
        kwargs["next_step"] = next_step
    if mode:
        kwargs["mode"] = mode
    if context:
        kwargs["context"] = context
    if filters and any(filters.values()):
        from assistant.core import Filters

        kwargs["filters"] = Filters(**filters)
    return kwargs


def answer_payload(answer: Answer, display: Any = None, lang: str | None = None) -> dict[str, Any]:
    """``Answer.to_dict()`` with the fields pages rely on always present.

    With ``display`` (``Assistant.display``) each citation also carries its card's
    words in ``lang`` (the answer's language when not given).
    """
    data = answer.to_dict()
    data.setdefault("kind", getattr(answer, "kind", "answer"))
    data.setdefault("lang", getattr(answer, "lang", "fr"))
    data.setdefault("contacts", list(getattr(answer, "contacts", []) or []))
    data.setdefault("notice", getattr(answer, "notice", None))
    data.setdefault("query", getattr(answer, "query", ""))
    return with_display(data, display, lang)


def with_display(data: dict[str, Any], display: Any, lang: str | None = None) -> dict[str, Any]:
    """``data``'s citations, each with its ``display`` block (unchanged without ``display``)."""
    if display is None:
        return data
    lang = lang or data.get("lang") or "fr"
    data["citations"] = [
        {**c, "display": display.citation(c, lang)} for c in data.get("citations") or []
    ]
    return data


def sse(event: str, data: Any) -> str:
    """One server-sent event (JSON data on a single line)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(
    stream: Iterator[dict[str, Any]],
    display: Any = None,
    lang: str | None = None,
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Iterator[str]:
    """``Assistant.ask_stream`` events as server-sent events.

    The status line (200) is already sent when the stream runs, so a failure
    becomes an ``error`` event the page can show, not a cut connection.
    """
    try:
        for event in stream:
            if event["type"] == "token":
                yield sse("token", {"text": event["text"]})
            else:
                final = with_display(dict(event["answer"]), display, lang)
                if finish is not None:  # the answer's signature, for its 👍/👎
                    final = finish(final)
                yield sse("final", {**final, "replaced": event["replaced"]})
    except BusyError as exc:
        yield sse("error", {"detail": str(exc)})
    except Exception:
        log.exception("answer stream failed")
        yield sse("error", {"detail": "internal error while answering"})


def busy_response(exc: BusyError) -> JSONResponse:
    """503 with ``Retry-After``: no turn to answer came within the request deadline."""
    return JSONResponse(
        {"detail": str(exc)},
        status_code=503,
        headers={"Retry-After": str(exc.retry_after)},
    )


def _printable(text: str) -> str:
    """Text that JSON-encodes whatever it holds (lone surrogates become escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's error list without the echoed input: nothing of the request is sent back.

    Echoing the input made the handler itself crash on a lone surrogate (500) and
    repeated whatever personal data the client had sent.
    """
    out = []
    for error in errors or []:
        try:
            loc = [p if isinstance(p, int) else _printable(str(p)) for p in error.get("loc", ())]
            out.append(
                {
                    "type": _printable(str(error.get("type", "value_error"))),
                    "loc": loc,
                    "msg": _printable(str(error.get("msg", ""))),
                }
            )
        except Exception:  # an error handler must never raise
            out.append({"type": "value_error", "loc": ["body"], "msg": "invalid request"})
    return out


def input_error(exc: Exception, loc: list[Any]) -> HTTPException:
    """422 for an ``InputError``, in the documented shape (a list of ``{loc, msg, type}``)."""
    detail = [{"type": "value_error", "loc": loc, "msg": _printable(str(exc))}]
    return HTTPException(status_code=422, detail=detail)


def document_errors(app: Any) -> None:
    """Every ``/api/`` operation documents the errors the middlewares may answer.

    The limits (429, 413), the routing (404 on a templated path, 405) and the
    handlers (422 shape, 500, 503) apply to every route, whoever wrote it: the
    published schema says so for each, so clients and schemathesis can rely on it.
    """
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = base()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in spec.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                codes = {**ANSWER_ERRORS}
                if method in ("post", "put", "patch"):
                    codes[413] = BODY_ERRORS[413]
                if "{" in path:
                    codes[404] = _error("No such resource.")
                responses = operation.setdefault("responses", {})
                for code, info in codes.items():
                    responses.setdefault(
                        str(code), {"description": info["description"], "content": ref}
                    )
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


def install_error_handlers(app: Any) -> None:
    """Errors that are answers, not crashes (registered on the FastAPI app); none raises."""
    from fastapi.exceptions import RequestValidationError

    async def on_busy(_request: Any, exc: Exception) -> JSONResponse:
        return busy_response(exc)  # type: ignore[arg-type]

    async def on_invalid(_request: Any, exc: Exception) -> JSONResponse:
        try:
            errors = validation_errors(exc.errors())  # type: ignore[attr-defined]
        except Exception:
            errors = [{"type": "value_error", "loc": ["body"], "msg": "invalid request"}]
        return JSONResponse({"detail": errors}, status_code=422)

    async def on_crash(_request: Any, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(
            {"detail": "Erreur interne : réessayez plus tard. (Internal error.)"}, status_code=500
        )

    async def on_http_error(_request: Any, exc: Exception) -> JSONResponse:
        """``HTTPException`` as FastAPI sends it, but a 422 always in the documented shape.

        A route that raises ``HTTPException(422, "a sentence")`` would otherwise break
        the schema every 422 is documented with (a list of ``{loc, msg, type}``).
        """
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", None)
        if status == 422 and not isinstance(detail, list):
            detail = [{"type": "value_error", "loc": ["body"], "msg": _printable(str(detail))}]
        return JSONResponse(
            {"detail": detail}, status_code=status, headers=getattr(exc, "headers", None)
        )

    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(BusyError, on_busy)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_crash)


# -- routes --------------------------------------------------------------------
def build_router(
    bot: Assistant,
    checks: dict[str, Callable[[], dict[str, Any]]] | None = None,
    signer: AnswerSigner | None = None,
    limiter: RateLimiter | None = None,
) -> APIRouter:
    """Routes bound to the one ``Assistant`` of the process.

    ``checks``: other dependencies ``/readyz`` reports (database, rate-limit store...),
    each a function returning ``{"status": "ok" | "down" | ..., ...}``.
    ``signer`` signs each answer so the widget's 👍/👎 can prove what it rates.
    ``limiter`` (the one the middleware uses) charges long questions their extra cost.
    """
    router = APIRouter()
    signer = signer or AnswerSigner(secrets.token_bytes(32))

    def charge(http: Request, question: str) -> None:
        """A long question counts as several requests in its client's rate limit.

        The middleware counted this request once; a 128-token question costs the
        encoder as much as about eight short ones, so it is charged one request
        per ``ASSISTANT_RATE_LIMIT_TOKENS_PER_REQUEST`` tokens (429 when that no
        longer fits in the client's minute): a few clients sending long questions
        cannot take the cores from everyone else.
        """
        key = getattr(http.state, RATE_KEY, None)
        settings = getattr(bot, "settings", None)
        embedder = getattr(bot, "embedder", None)
        if limiter is None or key is None or settings is None or embedder is None:
            return
        per_unit = settings.rate_limit_tokens_per_request
        if per_unit <= 0:
            return
        budget = settings.query_max_tokens or 10**6
        tokens = min(embedder.count_tokens(question[: budget * 8]), budget)
        extra = math.ceil(tokens / per_unit) - 1
        if extra > 0:
            wait = limiter.check(key, cost=extra)
            if wait:
                raise HTTPException(
                    429,
                    "Trop de requêtes pour des questions aussi longues : réessayez dans "
                    "quelques secondes, ou posez une question plus courte. "
                    "(Too many requests.)",
                    headers={"Retry-After": str(math.ceil(wait))},
                )

    def signed(question: str, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "signature": signer.sign(question, str(data.get("answer") or ""))}

    @router.get("/healthz", tags=["probes"])
    def healthz() -> dict[str, str]:
        """The process is up (no model call)."""
        return {"status": "ok"}

    @router.get("/readyz", tags=["probes"], responses={503: {"description": "Not ready."}})
    def readyz() -> JSONResponse:
        """Model and index are loaded and the index can be read: the app can answer.

        ``index`` is the build in use (it changes when a new one is published);
        503 when that build cannot be read (deleted, corrupt).
        """
        live = getattr(bot, "live", None)
        manifest = getattr(bot, "manifest", None) or {}
        embedder = getattr(bot, "embedder", None)
        status = "ready" if embedder is not None and manifest else "loading"
        if status == "ready":
            try:
                live.collection.count()
                if not str(live.location).startswith("http") and not Path(live.location).is_dir():
                    raise FileNotFoundError(live.location)
            except Exception as exc:
                log.error("readiness: index %s unreadable: %s", manifest.get("build_id"), exc)
                status = "index unreadable"
        body: dict[str, Any] = {
            "status": status,
            "model": getattr(embedder, "model_id", None),
            "index": manifest.get("build_id"),
            "chunks": manifest.get("counts", {}).get("chunks"),
        }
        # Answering needs only the model and the index: a database or Redis that is
        # down makes the replica "degraded" (hand-off unavailable), not unready.
        dependencies = {name: check() for name, check in (checks or {}).items()}
        if dependencies:
            body["dependencies"] = dependencies
            if status == "ready" and any(d.get("status") != "ok" for d in dependencies.values()):
                body["status"] = "degraded"
        return JSONResponse(body, status_code=200 if status == "ready" else 503)

    def _ask(request: AskRequest) -> Answer:
        history = [t.model_dump() for t in request.history]
        filters = request.filters.model_dump() if request.filters else None
        try:
            kwargs = ask_kwargs(
                history, request.lang, filters, request.mode, request.context, request.next_step
            )
            return bot.ask(request.question, **kwargs)
        except InputError as exc:
            raise input_error(exc, ["body", "question"]) from exc

    @router.post("/api/v1/ask", response_model=AskResponse, tags=["api"], responses=BODY_ERRORS)
    def ask(request: AskRequest, http: Request) -> dict[str, Any]:
        """Answer a question with numbered citations (or a refusal with contacts)."""
        charge(http, request.question)
        payload = answer_payload(_ask(request), getattr(bot, "display", None), request.lang)
        return signed(request.question, payload)

    @router.post(
        "/api/v1/ask/stream",
        tags=["api"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **BODY_ERRORS},
    )
    async def ask_stream(request: AskRequest, http: Request) -> StreamingResponse:
        """Server-sent events: ``token`` events as the answer is written, then ``final``.

        * ``event: token`` — ``{"text": "..."}``, zero or more (generative mode only:
          the extractive answer is ready at once and comes whole in ``final``);
        * ``event: final`` — the same JSON as ``POST /api/v1/ask`` plus ``replaced``:
          it always supersedes the tokens; ``replaced`` is true when the written text
          failed the source check (or the backend failed) and was replaced by the
          extractive answer, which ``notice`` then explains;
        * ``event: error`` — ``{"detail": "..."}`` if answering failed unexpectedly.

        Bad input is refused (422) before the stream starts.
        """
        charge(http, request.question)
        history = [t.model_dump() for t in request.history]
        filters = request.filters.model_dump() if request.filters else None
        try:
            kwargs = ask_kwargs(
                history, request.lang, filters, request.mode, request.context, request.next_step
            )
            stream = bot.ask_stream(request.question, **kwargs)
        except InputError as exc:
            raise input_error(exc, ["body", "question"]) from exc
        return StreamingResponse(
            sse_events(
                stream,
                getattr(bot, "display", None),
                request.lang,
                lambda data: signed(request.question, data),
            ),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    @router.get(
        "/api/v1/search", response_model=SearchResponse, tags=["api"], responses=ANSWER_ERRORS
    )
    def search(
        q: str = Query(
            "",
            description=f"Search text (the question, at most {MAX_QUESTION_CHARS} characters).",
            json_schema_extra={"maxLength": MAX_QUESTION_CHARS},
        ),
        k: int | None = Query(None, ge=1, le=20),
        audience: str | None = Query(None, max_length=64),
        envelope: str | None = Query(None, max_length=64),
        topic: str | None = Query(None, max_length=64),
        language: str | None = Query(None, max_length=8),
    ) -> dict[str, Any]:
        """The best passages for ``q`` (hybrid retrieval), for the call-centre view."""
        if len(q) > MAX_QUESTION_CHARS:
            raise input_error(
                ValueError(
                    f"the query is {len(q)} characters long; the limit is {MAX_QUESTION_CHARS}."
                ),
                ["query", "q"],
            )
        if not q.strip():
            return {"query": "", "results": [], "message": "Saisissez une question à rechercher."}
        raw = {"audience": audience, "envelope": envelope, "topic": topic, "language": language}
        kwargs: dict[str, Any] = {"k": k}
        if any(raw.values()):
            from assistant.core import Filters

            kwargs["filters"] = Filters(**raw)
        try:
            results = bot.search(q.strip(), **kwargs)
        except InputError as exc:
            raise input_error(exc, ["query", "q"]) from exc
        display = getattr(bot, "display", None)
        lang = "en" if language == "en" else "fr"
        rows = [c.to_dict() for c in results]
        if display is not None:
            rows = [{**r, "display": display.citation(r, lang)} for r in rows]
        return {"query": q.strip(), "results": rows}

    @router.post(
        "/api/v1/eligibility", response_model=EligibilityOut, tags=["api"], responses=BODY_ERRORS
    )
    def eligibility(profile: ProfileIn) -> dict[str, Any]:
        """Verdicts per scheme for an organisation profile, with reasons and citations."""
        data = {k: v for k, v in profile.model_dump(exclude={"lang"}).items() if v is not None}
        try:
            return bot.eligibility(data, lang=profile.lang)
        except InputError as exc:  # unknown organisation type, sector...
            raise input_error(exc, ["body"]) from exc
        except KnowledgeError as exc:  # a broken data file: not the client's fault
            log.error("eligibility data error: %s", exc)
            raise HTTPException(status_code=503, detail=DATA_ERROR_DETAIL) from exc

    @router.get("/api/v1/envelopes", tags=["api"], responses=COMMON_ERRORS)
    def envelopes() -> list[dict[str, Any]]:
        """The plan's envelopes (amount, target, sources), for fact cards."""
        return bot.envelopes()

    @router.get("/api/v1/contacts", tags=["api"], responses=COMMON_ERRORS)
    def contacts() -> list[dict[str, Any]]:
        """Who to contact (no phone numbers or e-mails: the sources give none)."""
        return bot.contacts()

    return router
