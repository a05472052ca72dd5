"""Reference data the Région's staff edit: envelopes, contacts, scope examples.

Read from ``corpus/data/`` (YAML) so that no figure, name or contact is ever
written in code; validated when loaded (a broken file stops the start-up with
a message naming file, entry and field, rather than answering from half of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import KnowledgeError
from assistant.knowledge.records import (
    ContactRecord,
    EnvelopeRecord,
    read_plan,
    read_records,
    read_yaml,
)


@dataclass
class ReferenceData:
    """Envelopes, contacts and off-topic examples of the corpus."""

    plan: dict[str, Any] = field(default_factory=dict)
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    off_topic: list[str] = field(default_factory=list)

    @classmethod
    def from_corpus(cls, corpus_dir: Path) -> ReferenceData:
        data_dir = Path(corpus_dir) / "data"
        problems: list[str] = []
        path = data_dir / "envelopes.yaml"
        envelopes = read_yaml(path, problems)
        read_plan(path, envelopes, problems)
        read_records(path, envelopes, "envelopes", EnvelopeRecord, problems)
        path = data_dir / "contacts.yaml"
        contacts = read_yaml(path, problems)
        read_records(path, contacts, "contacts", ContactRecord, problems)
        path = data_dir / "scope.yaml"
        scope = read_yaml(path, problems)
        off_topic = scope.get("off_topic") if isinstance(scope, dict) else None
        if scope is not None and (
            not isinstance(off_topic, list) or not all(isinstance(x, str) for x in off_topic)
        ):
            problems.append(f"{path} (off_topic): a list of example questions is required")
        if problems:
            raise KnowledgeError("; ".join(problems))
        return cls(
            plan=dict(envelopes["plan"]),
            envelopes=list(envelopes["envelopes"]),
            contacts=list(contacts["contacts"]),
            off_topic=list(off_topic or []),
        )

    def envelope(self, envelope_id: str) -> dict[str, Any] | None:
        return next((e for e in self.envelopes if e.get("id") == envelope_id), None)

    def contacts_for(self, audience: str | None) -> list[dict[str, Any]]:
        """Contacts relevant to an audience (companies first for 'entreprise')."""
        if audience in ("entreprise", "citoyen"):
            chosen = [c for c in self.contacts if audience in (c.get("audience") or [])]
            return chosen or self.contacts
        return [c for c in self.contacts if c.get("id") in ("adocc", "region")] or self.contacts
