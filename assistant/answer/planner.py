"""The answer planner: what kind of answer a question needs, before any answer is composed.

Retrieval finds the right facts; the planner decides what to do with them, so
that "on s'adresse à qui ? on est une pme" gets AD'OCC and not the SME-size
calculator, "quelle est la plus petite enveloppe ?" gets 5 M€ and not the
largest figure of the best passage, and "combien pour la formation en 2025 ?"
gets "the texts give no yearly breakdown" and not the five-year amount.

Kinds (``Plan.intent``): amount, date, contact, definition, audience, list,
compute (with an ``operation``: share, sum, difference, remainder, smallest,
largest, ranking, per_year), unknown (with a ``topic``: deadline, ceiling,
rate, yearly, beneficiaries, national, personal), eligibility, size, and fact
(anything else). Their cue words are data (``corpus/lexicon/planner.yaml``);
the envelopes a question names come from the same file. Elliptic follow-ups
take the envelope under discussion from the conversation's
:class:`~assistant.turn.Context`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.eligibility.profile import OrgType, Profile
from assistant.errors import KnowledgeError
from assistant.text.french import fold_aligned
from assistant.text.normalize import normalize
from assistant.turn import Context

if TYPE_CHECKING:
    from assistant.conversation.rewrite import HeuristicRewriter
    from assistant.knowledge import Knowledge

#: Order matters: the first operation whose cue words are present wins.
OPERATIONS = (
    "ranking",
    "smallest",
    "largest",
    "share",
    "difference",
    "remainder",
    "sum",
    "per_year",
)
#: Topics whose "not specified" answer is about amounts: only for amount questions.
AMOUNT_TOPICS = ("yearly", "national")
#: Intents tried in order on a question that is neither eligibility nor a computation.
INTENTS = ("contact", "audience", "who", "definition", "date", "list", "amount")
#: Operations that need no envelope named (the plan's envelopes are their inputs).
WHOLE_PLAN_OPERATIONS = ("ranking", "smallest", "largest", "per_year")


@dataclass(frozen=True)
class Plan:
    """What the answer must be; see the module docstring for the kinds."""

    intent: str = "fact"
    operation: str | None = None
    #: envelope ids the question names (or the conversation's, for a follow-up)
    envelopes: tuple[str, ...] = ()
    #: what the texts do not say (deadline, ceiling...), for intent "unknown"
    topic: str | None = None
    #: the envelopes come from the conversation, not from the question
    from_subject: bool = False
    #: a closed question ("peut-on…", "is there…"): "Oui :" / "Non :" openings stay
    yes_no: bool = False
    #: the asker describes their own organisation ("on est une PME")
    self_described: bool = False
    #: what the question says about the asker (read once for the whole turn)
    described: Profile | None = None
    #: the asker is a company (for the contact to name)
    company: bool | None = None
    #: eligibility schemes the question names ("on peut demander le Contrat Innovation ?")
    schemes: tuple[str, ...] = ()

    @property
    def computed(self) -> bool:
        """Answered from the structured figures (envelopes.yaml) rather than from sentences."""
        return self.operation is not None


class Planner:
    """Plans answers with one corpus's lexicon and envelopes."""

    def __init__(self, knowledge: Knowledge, rewriter: HeuristicRewriter) -> None:
        lexicon = knowledge.lexicon
        self.reader = knowledge.profile_reader
        self.rewriter = rewriter
        self.envelopes = lexicon.group("envelope")
        known = {e["id"] for e in knowledge.reference.envelopes}
        unknown = [e for e in self.envelopes if e not in known]
        if unknown:
            raise KnowledgeError(
                f"lexicon/planner.yaml (envelope): {unknown} are not envelopes of "
                "data/envelopes.yaml"
            )
        self.operations = {op: lexicon.cue(f"compute.{op}") for op in OPERATIONS}
        self.intents = {name: lexicon.cue(f"intent.{name}") for name in INTENTS}
        self.topics = lexicon.group("unknown")
        self.named_scheme = lexicon.cue("named_scheme")
        self.schemes = lexicon.group("scheme")
        rules = {s.id for s in knowledge.rules.schemes}
        unknown_schemes = [s for s in self.schemes if s not in rules]
        if unknown_schemes:
            raise KnowledgeError(
                f"lexicon/planner.yaml (scheme): {unknown_schemes} are not schemes of "
                "data/eligibility.yaml"
            )
        self.whole_plan = lexicon.cue("whole_plan")
        self.envelope_word = lexicon.cue("envelope_word")
        self.yes_no = lexicon.cue("yes_no")
        self.ask_self = lexicon.cue("eligibility.ask_self")
        self.ask_what = lexicon.cue("eligibility.ask_what")
        self.count = re.compile(
            r"\b(?:combien d(?:e)?|nombre de|how many)\s+(?!" + lexicon.cue("money").body + r")"
        )

    # -- the plan ----------------------------------------------------------------
    def plan(self, question: str, context: Context) -> Plan:
        norm = normalize(question)
        eligibility_context = context.eligibility_active
        expected = context.pending_field if eligibility_context else None
        described = self.reader.read(question, expected_field=expected)
        self_described = self._self_described(norm, described)
        company = _company(described, context)
        yes_no = bool(self.yes_no.search(norm))
        base = {
            "described": described,
            "self_described": self_described,
            "company": company,
            "yes_no": yes_no,
        }
        route = self._eligibility(question, norm, described, self_described, context)
        if route:
            schemes = tuple(s for s, cue in self.schemes.items() if cue.search(norm))
            return Plan(intent=route, schemes=schemes, **base)

        if context.eligibility_active and context.profile is not None:
            named, _ = self._envelopes(question, norm, Context())
            if named:  # "et pour former mes salariés ?": that point of the verdicts only
                return Plan(intent="eligibility_point", envelopes=named, **base)

        envelopes, from_subject = self._envelopes(question, norm, context)
        asks_amount = bool(self.intents["amount"].search(norm)) and not self.count.search(norm)
        about_money = (
            asks_amount
            or bool(self.envelope_word.search(norm))
            or bool(self.whole_plan.search(norm))
            or len(envelopes) >= 2
            or (context.last_intent or "").startswith("compute:")
            or context.last_intent == "amount"
            or context.subject.envelope is not None
        )
        operation = self._operation(norm, envelopes, about_money)
        topic = self._unknown(norm, asks_amount or operation is not None)
        if topic:
            return Plan(intent="unknown", topic=topic, envelopes=envelopes, **base)
        intent = next(
            (
                name
                for name in INTENTS
                if (name != "amount" or asks_amount) and self.intents[name].search(norm)
            ),
            None,
        )
        own_frame = bool(self.rewriter.grammar.frame.search(fold_aligned(question))) or (
            "où" in question.lower()  # folded, "où" is "ou" ("or"): read it as written
        )
        if (
            operation is None
            and intent is None
            and not own_frame
            and self._follows_up(question, norm)
        ):
            # "et en pourcentage ?" done, now "et pour la formation ?": the same question
            last = context.last_intent or ""
            if last.startswith("compute:"):
                operation = last.split(":", 1)[1]
                if operation not in WHOLE_PLAN_OPERATIONS and not envelopes:
                    operation = None
            elif last in INTENTS:
                intent = last
        if operation:
            return Plan(
                intent="compute",
                operation=operation,
                envelopes=envelopes,
                from_subject=from_subject,
                **base,
            )
        if intent is None and len(norm.split()) <= 2 and self.named_scheme.search(norm):
            intent = "definition"  # "aniti", "readynov ?": what it is, not its envelope's amount
        if intent is None and len(envelopes) == 1 and not from_subject and len(norm.split()) <= 4:
            intent = "amount"  # "enveloppe services publics": an agent's lookup
        if intent:
            op = self._planned_operation(intent, norm, envelopes, described)
            return Plan(
                intent=intent,
                operation=op,
                envelopes=envelopes,
                from_subject=from_subject,
                **base,
            )
        return Plan(intent="fact", envelopes=envelopes, from_subject=from_subject, **base)

    def _planned_operation(
        self, intent: str, norm: str, envelopes: tuple[str, ...], described: Profile
    ) -> str | None:
        """Intents that the envelopes' data answers exactly: amounts, the list, the audience."""
        if intent == "amount" and envelopes:
            return "amount"
        if (
            intent == "amount"
            and self.whole_plan.search(norm)
            and not self.reader.signals(described)
        ):
            # "quel est le budget du plan ?": the table's total, not the passage that
            # happens to share the most words (a FAQ on the research budget did)
            return "total"
        if intent == "list" and not envelopes and self.envelope_word.search(norm):
            return "list"
        if intent == "audience" and len(envelopes) == 1:
            return "audience"
        return None

    def _follows_up(self, question: str, norm: str) -> bool:
        """A short or elliptic question that leans on the previous one."""
        return self.rewriter.is_elliptic(question) or len(norm.split()) <= 4

    # -- parts ---------------------------------------------------------------------
    def _self_described(self, norm: str, described: Profile) -> bool:
        """The asker speaks of their own organisation ("on est une pme", "je suis étudiant").

        Without a first-person word, a telegraphic description counts when it gives
        three facts or more ("PME de 40 salariés à Albi dans l'agroalimentaire").
        """
        signals = self.reader.signals(described)
        if self.reader.first_person.search(norm):
            return signals >= 1
        return signals >= 3

    def _eligibility(
        self,
        question: str,
        norm: str,
        described: Profile,
        self_described: bool,
        context: Context,
    ) -> str | None:
        """ "eligibility" or "size" when the engine must answer, else ``None``.

        The engine answers when the asker describes their own organisation AND asks
        what they can get, or asks it in so many words ("suis-je éligible", "quelles
        aides pour nous"); and, within an eligibility dialogue, a short reply to the
        engine's question or new facts about the organisation.
        """
        if self.reader.is_size_question(question):
            return "size"
        if self.ask_self.search(norm):
            return "eligibility"
        if self_described and self.ask_what.search(norm):
            return "eligibility"
        if self_described and "?" not in question and not self._asks_something(norm):
            return "eligibility"  # "on est 3 à Perpignan, startup IA santé": what is there for us
        if context.eligibility_active:
            short_reply = len(question.split()) <= 8 and "?" not in question
            if context.pending_field and short_reply:
                return context.last_intent or "eligibility"
            if not described.is_empty() and "?" not in question:
                return context.last_intent or "eligibility"  # "et si on passe à 300 salariés"
            if not described.is_empty() and self.reader.signals(described) and self_described:
                return context.last_intent or "eligibility"
        return None

    def _asks_something(self, norm: str) -> bool:
        """Whether a message names a kind of answer (an amount, a date, whom to contact…)."""
        return any(cue.search(norm) for cue in self.intents.values())

    def _envelopes(
        self, question: str, norm: str, context: Context
    ) -> tuple[tuple[str, ...], bool]:
        """Envelopes named by the question, in order; else the conversation's for a follow-up."""
        hits = []
        taken: list[tuple[int, int]] = []
        for envelope, cue in self.envelopes.items():  # file order: the precise ones first
            for match in cue.finditer(norm):
                span = match.span()
                if any(s < span[1] and span[0] < e for s, e in taken):
                    continue
                taken.append(span)
                hits.append((span[0], envelope))
        named = tuple(dict.fromkeys(e for _, e in sorted(hits)))
        if named:
            return named, False
        subject = context.subject.envelope
        if subject and self._follows_up(question, norm):
            return (subject,), True
        return (), False

    def _operation(self, norm: str, envelopes: tuple[str, ...], about_money: bool) -> str | None:
        """The computation asked for; a whole-plan one only in a question about money.

        "objectif de créations d'entreprises par an" is no per-year average of the budget.
        """
        if not about_money:
            return None  # "quelle fraction de la richesse régionale…" is not about the budget
        for op, cue in self.operations.items():
            if cue.search(norm) and (envelopes or op in WHOLE_PLAN_OPERATIONS):
                return op
        return None

    def _unknown(self, norm: str, about_amounts: bool) -> str | None:
        if self.named_scheme.search(norm):
            return None  # "plafond de minimis": the corpus answers it
        for topic, cue in self.topics.items():
            if topic in AMOUNT_TOPICS and not about_amounts:
                continue
            if cue.search(norm):
                return topic
        return None


def _company(described: Profile, context: Context) -> bool | None:
    """Whether the asker is a company, from this question or the conversation."""
    if described.org_type is not OrgType.UNKNOWN:
        return described.is_company
    if context.profile is not None:
        return context.profile.is_company
    return None
