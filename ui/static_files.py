"""The app's own static files (``ui/static``), served at ``/app-static``."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/app-static"


def read_static(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")
