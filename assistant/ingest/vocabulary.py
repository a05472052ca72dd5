"""The closed lists a document's metadata must come from: envelopes and topics.

``envelope`` must be an envelope of ``data/envelopes.yaml`` and ``topic`` one of
``data/topics.yaml``: a typo (or an invented ``enveloppe-inexistante``) would
otherwise index a document that no filter, no planner rule and no envelope
card ever reaches, or worse, one that answers under a made-up envelope. The
audience is a closed list of the schema itself (:class:`DocumentMeta`).

A missing data file disables its check (a bare test corpus has none); a
malformed one is reported by ``assistant corpus check`` with the data checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.ingest.documents import CorpusProblem, SourceDocument


@dataclass(frozen=True)
class Vocabulary:
    """Allowed values per metadata field (``None``: no list, anything goes)."""

    envelopes: frozenset[str] | None = None
    topics: frozenset[str] | None = None

    @classmethod
    def from_corpus(cls, corpus_dir: Path) -> Vocabulary:
        data = Path(corpus_dir) / "data"
        envelopes = _ids(_read(data / "envelopes.yaml"), "envelopes")
        topics = _read(data / "topics.yaml")
        topic_ids = topics.get("topics") if isinstance(topics, dict) else None
        return cls(
            envelopes=envelopes,
            topics=frozenset(map(str, topic_ids)) if isinstance(topic_ids, dict | list) else None,
        )

    def problems(self, document: SourceDocument) -> list[CorpusProblem]:
        """One problem per field whose value is not in its list."""
        meta = document.meta
        found = []
        for field, value, allowed, where in (
            ("envelope", meta.envelope, self.envelopes, "data/envelopes.yaml"),
            ("topic", meta.topic, self.topics, "data/topics.yaml"),
        ):
            if value is None or allowed is None or value in allowed:
                continue
            found.append(
                CorpusProblem(
                    document.path,
                    f"unknown {field} {value!r} (allowed, from {where}: "
                    f"{', '.join(sorted(allowed))})",
                    field=field,
                    entry=document.id,
                )
            )
        return found


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _ids(data: Any, key: str) -> frozenset[str] | None:
    records = data.get(key) if isinstance(data, dict) else None
    if not isinstance(records, list):
        return None
    return frozenset(str(r["id"]) for r in records if isinstance(r, dict) and "id" in r)
