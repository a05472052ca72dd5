"""``Knowledge``: everything the assistant knows that is not code, from one corpus folder.

Plan texts are indexed; the rest of ``settings.corpus_dir`` is read here, once,
and validated at start-up: the reference data (envelopes, contacts, scope
examples), the eligibility rules, the places, and the lexicon (cue words and
every user-facing message). One ``Knowledge`` object is handed to the answering
pipeline, the eligibility engine, the API and the UI, so that they can never
read two different corpora; nothing of the corpus is cached at module level.

A broken file raises :class:`~assistant.errors.KnowledgeError` naming the file,
the entry and the field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import KnowledgeError
from assistant.knowledge.lexicon import Cue, Lexicon, Message

if TYPE_CHECKING:
    from assistant.eligibility.locations import Gazetteer
    from assistant.eligibility.rules import Rules
    from assistant.ingest.documents import DocumentMeta
    from assistant.reference import ReferenceData

__all__ = ["Cue", "Knowledge", "KnowledgeError", "Lexicon", "Message"]


@dataclass
class Knowledge:
    """The corpus folder's data, validated; see the module docstring."""

    corpus_dir: Path
    reference: ReferenceData
    rules: Rules
    gazetteer: Gazetteer
    lexicon: Lexicon

    @classmethod
    def load(cls, corpus_dir: Path | str) -> Knowledge:
        """Read and check every data file of ``corpus_dir`` (all problems in one error)."""
        from assistant.eligibility.locations import load_gazetteer
        from assistant.eligibility.rules import load_rules
        from assistant.reference import ReferenceData

        corpus_dir = Path(corpus_dir)
        if not corpus_dir.is_dir():
            raise KnowledgeError(
                f"{corpus_dir}: the corpus folder does not exist (ASSISTANT_CORPUS_DIR)"
            )
        data = corpus_dir / "data"
        parts: dict[str, Any] = {}
        problems: list[str] = []
        loaders = {
            "reference": lambda: ReferenceData.from_corpus(corpus_dir),
            "rules": lambda: load_rules(data / "eligibility.yaml"),
            "gazetteer": lambda: load_gazetteer(data / "locations.yaml"),
            "lexicon": lambda: Lexicon.load(corpus_dir / "lexicon"),
        }
        for name, load in loaders.items():
            try:
                parts[name] = load()
            except KnowledgeError as exc:
                problems.append(str(exc))
        if problems:
            raise KnowledgeError("\n".join(problems))
        knowledge = cls(corpus_dir=corpus_dir, **parts)
        knowledge.check()
        return knowledge

    def check(self) -> None:
        """Build what the code derives from the data now, so a missing cue fails at start-up."""
        self.profile_reader  # noqa: B018 - compiles every cue list the reader needs
        self.planner  # noqa: B018 - checks the envelopes and schemes its cue lists name
        missing = [s for s in self.profile_reader.sectors if s not in self.sector_labels("fr")]
        if missing:
            raise KnowledgeError(
                f"corpus/lexicon: sectors {missing} have cue words but no name "
                "(messages: label: sector: <id>: {fr: ..., en: ...})"
            )

    def sector_labels(self, lang: str = "fr") -> dict[str, str]:
        """Display names of the sectors, by id."""
        return self.lexicon.labels("label.sector", lang)

    @functools.cached_property
    def eligibility(self) -> Any:
        """The eligibility service bound to this corpus (chat, form and API)."""
        from assistant.eligibility.service import EligibilityService

        return EligibilityService(self)

    # -- derived, built once per Knowledge (never per module) ---------------------
    @functools.cached_property
    def profile_reader(self) -> Any:
        """Reads an organisation's profile out of free text (eligibility)."""
        from assistant.eligibility.extract import ProfileReader

        return ProfileReader(self.lexicon, self.gazetteer, self.rules.key_sectors.values)

    @functools.cached_property
    def planner(self) -> Any:
        """The answer planner (its cue lists name envelopes and schemes of the data)."""
        from assistant.answer.planner import Planner
        from assistant.conversation.rewrite import HeuristicRewriter

        return Planner(self, HeuristicRewriter(self.lexicon))

    @functools.cached_property
    def documents(self) -> dict[str, DocumentMeta]:
        """Metadata of the corpus documents by id (read on first use: PDFs are slow)."""
        from assistant.ingest.loaders import load_corpus

        return {d.id: d.meta for d in load_corpus(self.corpus_dir, lexicon=self.lexicon).documents}

    # -- shortcuts -------------------------------------------------------------
    def text(self, key: str, lang: str = "fr", **values: Any) -> str:
        """A user-facing message in ``lang`` (see ``corpus/lexicon``)."""
        return self.lexicon.text(key, lang, **values)

    def cue(self, name: str) -> Cue:
        return self.lexicon.cue(name)
