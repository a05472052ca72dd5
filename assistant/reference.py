"""Reference data the Région's staff edit: envelopes, contacts, scope examples.

Read from ``corpus/data/`` (YAML) so that no figure, name or contact is ever
written in code. Loaded once per assistant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


def _load(path: Path) -> Any:
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


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
        envelopes = _load(data_dir / "envelopes.yaml")
        return cls(
            plan=dict(envelopes.get("plan") or {}),
            envelopes=list(envelopes.get("envelopes") or []),
            contacts=list(_load(data_dir / "contacts.yaml").get("contacts") or []),
            off_topic=[str(x) for x in _load(data_dir / "scope.yaml").get("off_topic") or []],
        )

    def contacts_for(self, audience: str | None) -> list[dict[str, Any]]:
        """Contacts relevant to an audience (companies first for 'entreprise')."""
        if audience in ("entreprise", "citoyen"):
            chosen = [c for c in self.contacts if audience in (c.get("audience") or [])]
            return chosen or self.contacts
        return [c for c in self.contacts if c.get("id") in ("adocc", "region")] or self.contacts

    def contact_line(self, audience: str | None, lang: str = "fr") -> str:
        """One short line naming whom to ask (no citation needed: no figure, data file)."""
        contacts = self.contacts_for(audience)[:2]
        if not contacts:
            return ""
        names = [c["name"] + (f" ({c['url']})" if c.get("url") else "") for c in contacts]
        joined = " ou ".join(names) if lang == "fr" else " or ".join(names)
        if lang == "en":
            return f"Next step: contact {joined}."
        return f"Prochaine étape : contactez {joined}."
