"""What a loaded corpus document is, and the metadata every document must carry.

The metadata schema is the contract with the Région's staff who write the
corpus: it is validated here so that a malformed file is reported with its
path and field instead of silently producing uncited answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Audience = Literal["entreprise", "citoyen", "tous"]
Confidence = Literal["confirmed", "seed-only", "uncertain"]
Language = Literal["fr", "en"]


class SourceRef(BaseModel):
    """Where a document's facts come from (shown on every citation)."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1)
    publisher: str | None = None
    date: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        # shown as a link on every citation: only a web address, never javascript: or data:
        if value and not value.strip().lower().startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https:// (or null)")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        # YAML turns 2024-07-11 into a date object; we keep dates as written.
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


class DocumentMeta(BaseModel):
    """Front matter (or sidecar / FAQ entry) metadata of one document."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str = Field(min_length=1)
    audience: Audience
    topic: str = Field(min_length=1)
    envelope: str | None = None
    language: Language
    confidence: Confidence
    last_reviewed: dt.date
    sources: list[SourceRef] = Field(min_length=1)

    @property
    def primary_source(self) -> SourceRef:
        return self.sources[0]


@dataclass
class Section:
    """A run of text under one heading path (or one PDF page)."""

    text: str
    headings: list[str] = field(default_factory=list)
    page: int | None = None
    #: sentences addressed to a model, removed from ``text`` at ingestion (kept for the record)
    instructions: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " > ".join(self.headings)


@dataclass
class SourceDocument:
    """A validated document ready for chunking."""

    meta: DocumentMeta
    sections: list[Section]
    path: Path
    kind: Literal["document", "faq"] = "document"

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class CorpusProblem:
    """A file (or entry) that could not be loaded, with the reason."""

    path: Path
    reason: str
    field: str | None = None
    entry: str | None = None
    #: stops ``assistant index`` even without ``--strict`` (an id claimed twice: which
    #: text is the real one is for a person to decide, never for the file order)
    fatal: bool = False

    def __str__(self) -> str:
        where = str(self.path)
        if self.entry:
            where += f" [{self.entry}]"
        if self.field:
            where += f" ({self.field})"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class FlaggedSentence:
    """A sentence of a document addressed to a model: removed from the index, listed."""

    path: Path
    entry: str
    sentence: str

    def __str__(self) -> str:
        return (
            f"{self.path} [{self.entry}]: sentence addressed to a model, removed from the "
            f"index: « {self.sentence} »"
        )


def validation_problems(
    path: Path, exc: ValidationError, entry: str | None = None
) -> list[CorpusProblem]:
    """One problem per invalid field, each naming the field."""
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or None
        problems.append(CorpusProblem(path=path, reason=err["msg"], field=loc, entry=entry))
    return problems
