"""The embedding encoders the benchmarks compare, and an index for each.

    torch      sentence-transformers (float32, or bfloat16 where the CPU has it)
    onnx       the ONNX export run by ONNX Runtime, float32
    onnx-int8  the same graph with dynamically quantised weights

An index holds the vectors of one encoder (queries must be encoded the same
way), so each backend gets its own index under ``var/bench-index-<name>``,
built once and brought up to date incrementally like the real one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

#: settings (and their ASSISTANT_* variables) of each backend name
BACKENDS: dict[str, dict[str, str]] = {
    "torch": {"embedding_backend": "torch"},
    "onnx": {"embedding_backend": "onnx", "embedding_quantize": "none"},
    "onnx-int8": {"embedding_backend": "onnx", "embedding_quantize": "int8"},
}


def parse_backends(value: str) -> list[str]:
    """``"torch,onnx"`` -> ``["torch", "onnx"]``, checked against :data:`BACKENDS`."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in BACKENDS]
    if unknown or not names:
        raise SystemExit(f"unknown backend(s) {unknown or value!r}: use {', '.join(BACKENDS)}")
    return names


def index_dir(name: str) -> Path:
    return ROOT / "var" / f"bench-index-{name}"


def settings_for(name: str, **extra: object) -> Settings:
    """Settings of backend ``name`` with its own index (embedded Chroma)."""
    return Settings(
        **BACKENDS[name],
        index_dir=index_dir(name),
        chroma_url=None,
        **extra,  # type: ignore[arg-type]
    )


def env_for(name: str) -> dict[str, str]:
    """``ASSISTANT_*`` variables selecting backend ``name`` and its index (for a server)."""
    env = {f"ASSISTANT_{key.upper()}": value for key, value in BACKENDS[name].items()}
    env["ASSISTANT_INDEX_DIR"] = str(index_dir(name))
    env["ASSISTANT_CHROMA_URL"] = ""
    return env


def ensure_export(name: str) -> None:
    """Make the ONNX graph a backend needs (``assistant models fetch``; no-op when present)."""
    if name == "torch":
        return
    from assistant.models.fetch import require_installed
    from assistant.models.manifest import get_manifest
    from assistant.models.onnx_export import ensure_onnx

    settings = settings_for(name)
    manifest = get_manifest(settings.embedding_model)
    path = require_installed(settings.models_dir, manifest)
    precision = "int8" if settings.embedding_quantize == "int8" else "float32"
    ensure_onnx(path, manifest, settings.models_dir, precisions=(precision,))


def ensure_index(name: str, env: dict[str, str]) -> None:
    """Build (or bring up to date) backend ``name``'s index in a subprocess."""
    ensure_export(name)
    cmd = [sys.executable, "-m", "assistant.cli", "index"]
    subprocess.run(cmd, env={**env, **env_for(name)}, check=True)
