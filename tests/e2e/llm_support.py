"""Helpers of the generative-mode end-to-end tests (real GGUF, real llama.cpp).

No skip when the model or llama-cpp-python is missing: that is a setup
failure, fixed by `make llm` (which CI runs, reusing its cached wheel and
model).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings


def gguf_path(settings: Settings) -> Path:
    """The verified GGUF, or a test failure naming the command that fetches it."""
    from assistant.errors import ModelMissingError
    from assistant.models.fetch import require_installed
    from assistant.models.manifest import get_manifest

    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.fail("llama-cpp-python is not installed: run `make llm`", pytrace=False)
    manifest = get_manifest(settings.llm_model)
    try:
        return require_installed(settings.models_dir, manifest) / manifest.weights_file
    except ModelMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


def llm_bot(bot, **overrides):
    """An assistant in LLM mode sharing the session's embedder and index."""
    from assistant.core import Assistant

    gguf_path(bot.settings)
    settings = bot.settings.model_copy(update={"answer_mode": "llm", **overrides})
    return Assistant(settings, bot.embedder, bot.live)
