"""The state of one question-answer turn, and of the conversation it continues.

A :class:`Turn` is created from the question and handed from step to step of
the answering chain (rewrite, route, retrieve, plan, compose, guard); each
step returns only what it changes (:meth:`Turn.updated`), so what a step
reads and writes is visible in its code and checked by type, not hidden in a
shared dict.

A :class:`Context` is what the conversation carries from one turn to the
next: the subject under discussion (envelope, scheme, figure, topic), the
asker's profile and the question the eligibility engine is waiting for. It is
computed once per turn and returned with the answer (``Answer.context``);
clients send it back with the next question, so earlier turns are never
replayed. A client that sends only the history still works: the context is
then rebuilt from it once (see ``AnswerPipeline.context_from_history``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.eligibility.profile import OrgType, Profile, ProjectType
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.answer.compose import Composed
    from assistant.answer.scope import ScopeDecision
    from assistant.retrieval.hybrid import Filters, Passage, SearchResult


@dataclass(frozen=True)
class FigureRef:
    """A figure an answer gave, so "et en pourcentage ?" knows what to divide."""

    value: float
    unit: str  # "eur" | "percent" | "count"
    label: str = ""  # what it measures, e.g. the envelope id "recherche"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Subject:
    """What the conversation is about, carried to elliptic follow-ups."""

    envelope: str | None = None  # an envelope id of corpus/data/envelopes.yaml
    scheme: str | None = None  # a scheme id of corpus/data/eligibility.yaml
    figure: FigureRef | None = None
    topic: str | None = None  # a subject of corpus/lexicon/conversation.yaml

    def to_dict(self) -> dict[str, Any]:
        return {
            "envelope": self.envelope,
            "scheme": self.scheme,
            "figure": self.figure.to_dict() if self.figure else None,
            "topic": self.topic,
        }

    def merged(self, newer: Subject) -> Subject:
        """``newer`` wins field by field; a new envelope or scheme resets the figure."""
        moved = (newer.envelope and newer.envelope != self.envelope) or (
            newer.scheme and newer.scheme != self.scheme
        )
        return Subject(
            envelope=newer.envelope or self.envelope,
            scheme=newer.scheme or self.scheme,
            figure=newer.figure or (None if moved else self.figure),
            topic=newer.topic or self.topic,
        )


@dataclass(frozen=True)
class Context:
    """The conversation so far, as the next turn needs it (see module docstring)."""

    subject: Subject = field(default_factory=Subject)
    profile: Profile | None = None
    #: the profile field the eligibility engine asked for ("staff", "location"...)
    pending_field: str | None = None
    #: kind of the last answer: an answer intent ("amount", "eligibility", "size"...)
    last_intent: str | None = None
    #: number of turns behind this context (for the 3-4 turn horizon of subjects)
    turns: int = 0

    @property
    def eligibility_active(self) -> bool:
        return self.last_intent in ("eligibility", "size")

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject.to_dict(),
            "profile": self.profile.to_dict() if self.profile else None,
            "pending_field": self.pending_field,
            "last_intent": self.last_intent,
            "turns": self.turns,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Context:
        """Validate what a client sent back (it is user input: every field is checked)."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise InputError("context: expected the object returned with the previous answer")
        try:
            subject = data.get("subject") or {}
            figure = subject.get("figure")
            return cls(
                subject=Subject(
                    envelope=_opt_str(subject.get("envelope")),
                    scheme=_opt_str(subject.get("scheme")),
                    figure=FigureRef(
                        float(figure["value"]), str(figure["unit"]), str(figure.get("label", ""))
                    )
                    if figure
                    else None,
                    topic=_opt_str(subject.get("topic")),
                ),
                profile=_profile(data.get("profile")),
                pending_field=_opt_str(data.get("pending_field")),
                last_intent=_opt_str(data.get("last_intent")),
                turns=int(data.get("turns") or 0),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"context: not the object returned with the previous answer ({exc})"
            ) from exc


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(f"{value!r} is not a short text")
    return value


def _profile(data: Any) -> Profile | None:
    if not data:
        return None
    if not isinstance(data, Mapping):
        raise ValueError("profile must be an object")
    known = {f.name for f in dataclasses.fields(Profile)}
    values = {k: v for k, v in data.items() if k in known and v is not None}
    values["org_type"] = OrgType(values.get("org_type", "unknown"))
    values["project_type"] = ProjectType(values.get("project_type", "unknown"))
    for name in ("location", "departement", "sector"):
        if name in values:
            values[name] = _opt_str(values[name])
    return Profile(**values)


@dataclass(frozen=True)
class Turn:
    """One question on its way to an answer; each chain step fills its part."""

    question: str
    lang: str
    history: tuple[Mapping[str, str], ...]
    filters: Filters
    context: Context = field(default_factory=Context)
    #: sentences addressed to a model were removed from ``question`` (safety.yaml)
    instructed: bool = False
    #: the standalone query (follow-ups rewritten with their subject)
    query: str = ""
    #: what the question asks for (answer planner): amount, date, contact, ...
    intent: str = ""
    #: the planner's full decision (intent, operation, envelopes, topic...)
    plan: Any = None
    #: the asker's profile after this turn (read once, merged with the context's)
    profile: Profile | None = None
    #: this turn's subject, before merging with the context's
    subject: Subject = field(default_factory=Subject)
    search: SearchResult | None = None
    scope: ScopeDecision | None = None
    #: the answer text and the passages its [n] markers point to
    text: str = ""
    cited: tuple[Passage, ...] = ()
    #: what the guard checks each cited passage's figures against (default: its text)
    guard_texts: tuple[str, ...] = ()
    guard_require_citation: bool = True
    derivations: tuple[Any, ...] = ()
    #: answer | refusal | unspecified | eligibility | size (Answer.kind)
    kind: str = "answer"
    refused: bool = False
    eligibility: Mapping[str, Any] | None = None
    notice: str | None = None
    next_step: bool = False
    #: the caller's wish for the "Prochaine étape" line: None = when useful,
    #: False = only when the question asks how to proceed or whom to contact, True = always
    next_step_wanted: bool | None = None
    contacts: tuple[Mapping[str, Any], ...] = ()
    #: generative mode: the extractive answer that replaces a draft failing the guard
    fallback: Composed | None = None
    fallback_notice: str | None = None
    replaced: bool = False
    guard_dropped: tuple[Any, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    @property
    def only_instructions(self) -> bool:
        """The question was nothing but orders to a model: nothing is left to answer."""
        return self.instructed and not any(c.isalnum() for c in self.question)

    def updated(self, **changes: Any) -> Turn:
        """A copy with ``changes`` (timings are merged, not replaced)."""
        if "timings_ms" in changes:
            changes["timings_ms"] = {**self.timings_ms, **changes["timings_ms"]}
        return dataclasses.replace(self, **changes)

    def next_context(self) -> Context:
        """The context the following turn starts from."""
        pending = None
        if self.eligibility:
            pending = self.eligibility.get("follow_up_field")
        if self.kind in ("eligibility", "size"):
            last = self.kind
        elif self.plan is not None and self.plan.operation and self.plan.intent == "compute":
            last = f"compute:{self.plan.operation}"
        else:
            last = self.intent or None
        return Context(
            subject=self.context.subject.merged(self.subject),
            profile=self.profile or self.context.profile,
            pending_field=pending,
            last_intent=last,
            turns=self.context.turns + 1,
        )
