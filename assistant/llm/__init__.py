"""Generative mode: an LLM writes the answer, the figure guard checks it.

``ASSISTANT_ANSWER_MODE`` picks the mode: ``extractive`` (the embedded
composer, no LLM), ``llm``, or ``auto`` (llm when a backend is configured and
reachable, otherwise extractive). :func:`answer_steps` returns the rewrite and
compose steps the answering chain should use; nothing here is imported by the
extractive mode beyond this module, so it costs nothing when unused.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.knowledge import Knowledge
    from assistant.llm.base import LLMBackend
    from assistant.settings import Settings

log = logging.getLogger(__name__)

_LOCAL: dict[tuple[str, int, int], Any] = {}
_LOCAL_LOCK = threading.Lock()

__all__ = ["AnswerSteps", "answer_steps", "make_backend"]


@dataclass
class AnswerSteps:
    """What the chain swaps in: ``None`` keeps the extractive default."""

    mode: str  # extractive | llm (auto resolved)
    rewriter: Any = None
    composer: Any = None
    backend: LLMBackend | None = None


def make_backend(settings: Settings) -> LLMBackend:
    """The configured backend; raises :class:`AssistantError` with the fix when unusable."""
    if settings.llm_backend == "openai":
        if not settings.llm_openai_base_url:
            raise AssistantError(
                "ASSISTANT_LLM_BACKEND=openai needs ASSISTANT_LLM_OPENAI_BASE_URL "
                "(e.g. http://127.0.0.1:8000/v1)."
            )
        from assistant.llm._openai import OpenAICompatibleBackend

        key = settings.llm_openai_api_key
        return OpenAICompatibleBackend(
            settings.llm_openai_base_url,
            settings.llm_openai_model,
            api_key=key.get_secret_value() if key else None,
            timeout_s=settings.llm_deadline_seconds,
        )
    from assistant.llm._local import LlamaCppBackend
    from assistant.models.fetch import require_installed
    from assistant.models.manifest import get_manifest

    manifest = get_manifest(settings.llm_model)
    folder = require_installed(settings.models_dir, manifest)
    key = (str(folder / manifest.weights_file), settings.llm_context_tokens, settings.llm_threads)
    with _LOCAL_LOCK:  # one 1.9 GB model per process, however many Assistants use it
        if key not in _LOCAL:
            from assistant.llm.prompts import prefix_messages

            # system prompt and worked example: the fixed start of every answer prompt
            warm = [*prefix_messages(), {"role": "user", "content": "Bonjour"}]
            _LOCAL[key] = LlamaCppBackend(
                Path(key[0]), n_ctx=key[1], n_threads=key[2], warm_prefix=warm
            )
        return _LOCAL[key]


def limits_from(settings: Settings) -> Any:
    from assistant.llm.composer import GenerationLimits

    return GenerationLimits(
        max_answer_tokens=settings.llm_max_answer_tokens,
        prompt_max_tokens=settings.llm_prompt_max_tokens,
        max_passages=settings.llm_max_passages,
        temperature=settings.llm_temperature,
        deadline_s=settings.llm_deadline_seconds,
        first_token_s=settings.llm_first_token_seconds,
        condense_s=settings.llm_condense_seconds,
    )


def answer_steps(
    settings: Settings,
    knowledge: Knowledge,
    backend: LLMBackend | None = None,
    extractive: Any = None,
) -> AnswerSteps:
    """Resolve ``answer_mode`` into the steps to use (and the backend behind them).

    ``llm`` fails loudly on a configuration error (model not fetched, extra not
    installed, no URL): the operator asked for it. A backend that is merely
    down is not an error: each answer then falls back, with a notice.
    ``auto`` never fails: it logs why it stays extractive.
    """
    mode = settings.answer_mode
    if mode == "extractive":
        return AnswerSteps("extractive")
    if backend is None:
        try:
            backend = make_backend(settings)
        except AssistantError as exc:
            if mode == "llm":
                raise
            log.info("answer mode auto: extractive (%s)", exc)
            return AnswerSteps("extractive")
        if mode == "auto" and not backend.available():
            log.info("answer mode auto: extractive (%s backend unreachable)", backend.name)
            return AnswerSteps("extractive")
    from assistant.conversation.rewrite import HeuristicRewriter
    from assistant.llm.composer import LLMComposer, LLMCondenser

    limits = limits_from(settings)
    heuristic = HeuristicRewriter(knowledge.lexicon)
    rewriter = LLMCondenser(backend, heuristic, limits) if settings.llm_condense else None
    log.info("answer mode: llm (%s backend)", backend.name)
    composer = LLMComposer(backend, knowledge.lexicon, limits, extractive=extractive)
    return AnswerSteps("llm", rewriter, composer, backend)
