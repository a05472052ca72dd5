"""Server-rendered staff pages (Jinja2, autoescaped): no script, strict CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")


class Pages:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = _when

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)


def _when(value: Any) -> str:
    """27/11/2026 14:05 (UTC) for a datetime; the value as text otherwise."""
    try:
        return value.strftime("%d/%m/%Y %H:%M")
    except AttributeError:
        return str(value or "")
