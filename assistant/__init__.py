"""Occitanie IA Assistant: grounded answers about the Région Occitanie AI plan.

The package is the core library; it never imports Gradio. ``Assistant`` is
imported lazily so that light commands (``assistant config``) start instantly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "Citation", "Filters"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from assistant.core import Answer, Assistant, Citation, Filters


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant import core

        return getattr(core, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
