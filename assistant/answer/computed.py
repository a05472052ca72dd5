"""Answers computed over the plan's figures: shares, sums, differences, rankings.

"Quelle part du total va à la recherche ?" has no sentence in the corpus that
answers it, but every input does: the envelopes' amounts in
``corpus/data/envelopes.yaml``, each written in its plan document (``assistant
corpus check`` proves it). So the answer is computed from the structured data,
never from free text, and cites, for every input, the passage of the envelope's
document that states it. Every computed figure comes with its
:class:`Derivation` (recorded with the answer, ``Answer.derivations``): the figure
guard accepts a figure that no passage states only when it is the result of a
recorded derivation whose inputs the sentence cites.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assistant.answer.disagreement import Disagreement, text_amount
from assistant.answer.figures import extract_figures
from assistant.citations import cite
from assistant.retrieval.hybrid import Passage
from assistant.text.numbers import format_eur

if TYPE_CHECKING:
    from assistant.answer.planner import Plan
    from assistant.knowledge import Knowledge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Input:
    """One figure a derivation uses, and the passage that states it."""

    label: str
    value: float
    unit: str  # "eur" | "years"
    passage_id: str

    def to_dict(self, cited: Sequence[Passage] = ()) -> dict[str, Any]:
        numbers = [n for n, p in enumerate(cited, 1) if p.id == self.passage_id]
        return {
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "citation": numbers[0] if numbers else None,
        }


@dataclass(frozen=True)
class Derivation:
    """How a figure of the answer was computed from cited figures."""

    value: float  # euros, percent or a count
    unit: str  # "eur" | "percent" | "years"
    operation: str  # share | sum | difference | remainder | per_year | years
    expression: str  # in words: "14 M€ sur 60 M€, soit environ 23 %"
    inputs: tuple[Input, ...]

    @property
    def figure_kind(self) -> str:
        return {"eur": "amount", "percent": "percent"}.get(self.unit, "number")

    def to_dict(self, cited: Sequence[Passage] = ()) -> dict[str, Any]:
        return {
            "value": self.value,
            "unit": self.unit,
            "operation": self.operation,
            "expression": self.expression,
            "inputs": [i.to_dict(cited) for i in self.inputs],
        }


@dataclass
class Computed:
    """A computed answer: text with [n] markers, the passages, the derivations."""

    text: str
    cited: list[Passage] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    #: the envelope the answer is about (for follow-ups) and the figure it gave
    envelope: str | None = None
    figure: tuple[float, str] | None = None  # (value, unit)
    #: the table and the cited text disagree on these inputs: the answer says so
    disagreements: list[Disagreement] = field(default_factory=list)

    def guard_texts(self) -> list[str]:
        """What each cited passage lets the answer state: its text, and the table's
        figures the answer names as coming from the table (a disagreement)."""
        texts = []
        for passage in self.cited:
            table = [
                f"data/envelopes.yaml : {d.table} €"
                for d in self.disagreements
                if d.passage == passage
            ]
            texts.append("\n".join([passage.text, *table]))
        return texts


@dataclass(frozen=True)
class Envelope:
    """An envelope of ``envelopes.yaml`` with the passage that states its amount."""

    id: str
    name: str  # the short name when the data gives one ("Recherche")
    amount: float | None
    minimum: float | None
    parent: str | None
    evidence: Passage | None
    beneficiaries: tuple[str, ...] = ()
    #: the amount is not in its document, which writes another one
    disagreement: Disagreement | None = None


class Calculator:
    """Arithmetic over the envelopes, cited to the passages that state each amount."""

    def __init__(self, knowledge: Knowledge, passages_of: Any) -> None:
        self.knowledge = knowledge
        self._passages_of = passages_of
        reference = knowledge.reference
        plan = reference.plan
        self.total = float(plan["total_eur"])
        self.period = str(plan.get("period", ""))
        self._plan_doc = str(plan.get("document", ""))
        self._envelopes: dict[str, Envelope] | None = None

    # -- data --------------------------------------------------------------------
    @property
    def envelopes(self) -> dict[str, Envelope]:
        """The envelopes, each with its evidence passage (found once, on first use)."""
        if self._envelopes is None:
            found = {}
            for record in self.knowledge.reference.envelopes:
                amount = record.get("amount_eur")
                minimum = record.get("amount_min_eur")
                name = str(record.get("short_name") or record["name"])
                document = str(record["document"])
                evidence = self._evidence(document, amount or minimum)
                disagreement = None
                if evidence is None and (amount or minimum):
                    disagreement = self._disagreement(
                        record["id"], name, document, int(amount or minimum)
                    )
                found[record["id"]] = Envelope(
                    id=record["id"],
                    name=name,
                    amount=float(amount) if amount else None,
                    minimum=float(minimum) if minimum else None,
                    parent=record.get("parent"),
                    evidence=evidence,
                    beneficiaries=tuple(str(b) for b in record.get("beneficiaries") or ()),
                    disagreement=disagreement,
                )
            self._envelopes = found
        return self._envelopes

    def plan_disagreement(self) -> Disagreement | None:
        """The plan total of the table, when its document writes another one."""
        if not self.total or self.plan_evidence() is not None:
            return None
        return self._disagreement("plan", "", self._plan_doc, int(self.total))

    def _disagreement(self, entry: str, name: str, doc_id: str, table: int) -> Disagreement | None:
        """What the cited document writes instead of the table's ``table`` (logged: the
        editors must hear of it, and ``assistant corpus check`` reports it too)."""
        passages = self._passages_of(doc_id)
        explained = {int(self.total)} if entry != "plan" else set()
        for record in self.knowledge.reference.envelopes:
            if record["id"] != entry:
                explained |= {
                    int(v) for v in (record.get("amount_eur"), record.get("amount_min_eur")) if v
                }
        stated = text_amount((p.text for p in passages), table, explained)
        passage = self._evidence(doc_id, stated) if stated else None
        if passage is None or stated is None:
            return None
        log.warning(
            "data/envelopes.yaml [%s]: the table gives %s €, its document %s writes %s €; "
            "answers about it say that the sources disagree",
            entry,
            table,
            doc_id,
            stated,
        )
        return Disagreement(entry, name, table, stated, passage)

    @property
    def top_level(self) -> list[Envelope]:
        return [e for e in self.envelopes.values() if not e.parent and e.amount]

    def plan_evidence(self) -> Passage | None:
        return self._evidence(self._plan_doc, self.total)

    def years(self) -> int | None:
        """Number of years of the plan's period ("2024-2028" → 5)."""
        parts = self.period.split("-")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            return int(parts[1]) - int(parts[0]) + 1
        return None

    def _evidence(self, doc_id: str, amount: Any) -> Passage | None:
        """The first passage of ``doc_id`` that writes ``amount`` (as an amount)."""
        if not amount:
            return None
        for passage in self._passages_of(doc_id):
            if any(
                f.kind == "amount" and f.value == int(amount) for f in extract_figures(passage.text)
            ):
                return passage
        return None

    # -- answers ------------------------------------------------------------------
    def answer(self, plan: Plan, lang: str) -> Computed | None:
        """The computed answer to ``plan``, or ``None`` when it cannot be computed.

        When it cannot be because the table and the text it cites disagree on an
        input, the answer says so (both values, the text's cited) rather than
        letting retrieval answer a neighbouring question.
        """
        named = [self.envelopes[e] for e in plan.envelopes if e in self.envelopes]
        computed = self._build(plan, named, lang)
        if computed is None:
            return self._disagreeing(plan, named, lang)
        return computed

    def _build(self, plan: Plan, named: list[Envelope], lang: str) -> Computed | None:
        op = plan.operation
        if op == "ranking":
            return self._ranking(lang)
        if op == "list":
            return self._ranking(lang, key="compute.list", by_amount=False)
        if op == "audience" and named:
            return self._audience(named[0], lang)
        if op in ("smallest", "largest"):
            return self._extreme(op, lang)
        if op == "share" and named:
            return self._share(named, lang)
        if op == "difference" and len(named) >= 2:
            return self._difference(named[0], named[1], lang)
        if op == "remainder" and named:
            return self._remainder(named, lang)
        if op == "per_year":
            return self._per_year(named[0] if named else None, lang)
        if op == "total" and not named and lang != "en":
            # English askers get the English text stating it (its citation in English)
            return self._total(lang)
        if op == "sum" and len(named) >= 2:
            return self._amounts(named, lang, template="compute.sum")
        if op == "sum" and len(named) == 1:  # "c'est combien au total pour ce type de projets"
            return self._amount(named[0], lang)
        if op == "amount" and len(named) >= 2:
            return self._amounts(named, lang, template="compute.amounts")
        if op == "amount" and len(named) == 1:
            return self._amount(named[0], lang)
        return None

    def _disagreeing(self, plan: Plan, named: list[Envelope], lang: str) -> Computed | None:
        """ "The sources disagree on this figure", for each input the table and text differ on.

        The inputs are the envelopes the question names, every top-level envelope
        for a whole-plan operation, and the plan total where the operation uses it.
        """
        op = plan.operation
        if op == "audience":
            return None  # "c'est pour qui ?" asks no amount: the texts answer it
        whole_plan = op in ("ranking", "list", "smallest", "largest") or (
            op == "per_year" and not named
        )
        inputs = list(named)
        if whole_plan:
            inputs += [e for e in self.top_level if e not in inputs]
        found = [e.disagreement for e in inputs if e.disagreement is not None]
        if op in ("ranking", "list", "share", "remainder", "per_year", "total"):
            total = self.plan_disagreement()
            if total is not None:
                found.insert(0, total)
        if not found:
            return None
        cited: list[Passage] = []
        sentences = []
        for d in found:
            n = self._cite(cited, d.passage)
            if d.entry == "plan":
                what = self._t("answer.disagreement_total", lang)
            else:
                what = self._t("answer.disagreement_envelope", lang, name=d.name)
            sentences.append(
                self._t(
                    "answer.disagreement",
                    lang,
                    what=what,
                    table=format_eur(d.table, lang),
                    text=f"{format_eur(d.text, lang)} [{n}]",
                )
            )
        envelope = named[0].id if named else None
        return Computed(" ".join(sentences), cited, [], envelope, None, disagreements=found)

    # each builder returns text whose [n] follow the order of ``cited``; a computed
    # figure stands in the sentence that cites each of its inputs
    def _cite(self, cited: list[Passage], passage: Passage | None) -> int:
        if passage is None:
            raise _Missing
        if passage not in cited:
            cited.append(passage)
        return cited.index(passage) + 1

    def _t(self, key: str, lang: str, **values: Any) -> str:
        return self.knowledge.text(key, lang, **values)

    def _amount(self, envelope: Envelope, lang: str) -> Computed | None:
        cited: list[Passage] = []
        try:
            n = self._cite(cited, envelope.evidence)
        except _Missing:
            return None
        key = "compute.amount" if envelope.amount else "compute.amount_min"
        value = envelope.amount or envelope.minimum or 0.0
        text = cite(self._t(key, lang, name=envelope.name, amount=format_eur(value, lang)), n)
        return Computed(text, cited, [], envelope.id, (value, "eur"))

    def _total(self, lang: str) -> Computed | None:
        """The whole plan's amount and period, from the table, cited to the text stating them."""
        cited: list[Passage] = []
        try:
            n = self._cite(cited, self.plan_evidence())
        except _Missing:
            return None
        amount = format_eur(self.total, lang)
        text = cite(self._t("compute.total", lang, amount=amount, period=self.period), n)
        return Computed(text, cited, [], None, (self.total, "eur"))

    def _amounts(self, named: list[Envelope], lang: str, template: str) -> Computed | None:
        cited: list[Passage] = []
        items, inputs = [], []
        try:
            for e in named:
                if not e.amount:
                    return None
                n = self._cite(cited, e.evidence)
                items.append(f"« {e.name} » {format_eur(e.amount, lang)} [{n}]")
                inputs.append(Input(e.name, e.amount, "eur", e.evidence.id))  # type: ignore[union-attr]
        except _Missing:
            return None
        total = sum(e.amount or 0 for e in named)
        joiner = f" {self._t('compute.and', lang)} "
        listed = ", ".join(items[:-1]) + joiner + items[-1] if len(items) > 1 else items[0]
        expression = " + ".join(format_eur(e.amount or 0, lang) for e in named)
        expression += f" = {format_eur(total, lang)}"
        text = self._t(template, lang, items=listed, total=format_eur(total, lang))
        derivation = Derivation(total, "eur", "sum", expression, tuple(inputs))
        return Computed(text, cited, [derivation], named[0].id, (total, "eur"))

    def _share(self, named: list[Envelope], lang: str) -> Computed | None:
        """Share of an envelope in the plan, or in its parent when both are named."""
        part, parent = named[0], None
        for other in named[1:]:
            if other.id == part.parent:
                parent = other
            elif other.parent == part.id:  # "quelle part de la filière va à la R&D"
                part, parent = other, part
        cited: list[Passage] = []
        try:
            n_part = self._cite(cited, part.evidence)
            if parent is not None:
                whole_value, whole_label = parent.amount or 0.0, parent.name
                n_whole = self._cite(cited, parent.evidence)
                whole_id = parent.evidence.id  # type: ignore[union-attr]
                of_what = self._t("compute.of_parent", lang, parent=parent.name)
            else:
                plan_passage = self.plan_evidence()
                whole_value, whole_label = self.total, self._t("compute.whole_plan", lang)
                n_whole = self._cite(cited, plan_passage)
                whole_id = plan_passage.id  # type: ignore[union-attr]
                of_what = self._t("compute.of_plan", lang)
        except _Missing:
            return None
        if not part.amount or not whole_value:
            return None
        percent = part.amount / whole_value * 100
        shown = _percent(percent, lang)
        expression = f"{format_eur(part.amount, lang)} / {format_eur(whole_value, lang)} = {shown}"
        text = self._t(
            "compute.share",
            lang,
            part=f"{format_eur(part.amount, lang)} [{n_part}]",
            whole=f"{format_eur(whole_value, lang)} [{n_whole}]",
            name=part.name,
            percent=shown,
            of_what=of_what,
        )
        inputs = (
            Input(part.name, part.amount, "eur", part.evidence.id),  # type: ignore[union-attr]
            Input(whole_label, whole_value, "eur", whole_id),
        )
        derivation = Derivation(round(percent), "percent", "share", expression, inputs)
        return Computed(text, cited, [derivation], part.id, (round(percent), "percent"))

    def _difference(self, first: Envelope, second: Envelope, lang: str) -> Computed | None:
        if not first.amount or not second.amount:
            return None
        if second.amount > first.amount:
            first, second = second, first
        cited: list[Passage] = []
        try:
            n1 = self._cite(cited, first.evidence)
            n2 = self._cite(cited, second.evidence)
        except _Missing:
            return None
        diff = first.amount - second.amount
        values = {
            "first": first.name,
            "second": second.name,
            "first_amount": f"{format_eur(first.amount, lang)} [{n1}]",
            "second_amount": f"{format_eur(second.amount, lang)} [{n2}]",
            "difference": format_eur(diff, lang),
        }
        if not diff:
            text = self._t("compute.equal", lang, **values)
            return Computed(text, cited, [], first.id, (first.amount, "eur"))
        text = self._t("compute.difference", lang, **values)
        expression = f"{format_eur(first.amount, lang)} − {format_eur(second.amount, lang)}"
        expression += f" = {format_eur(diff, lang)}"
        inputs = (
            Input(first.name, first.amount, "eur", first.evidence.id),  # type: ignore[union-attr]
            Input(second.name, second.amount, "eur", second.evidence.id),  # type: ignore[union-attr]
        )
        derivation = Derivation(diff, "eur", "difference", expression, inputs)
        return Computed(text, cited, [derivation], first.id, (diff, "eur"))

    def _remainder(self, named: list[Envelope], lang: str) -> Computed | None:
        removed = [e for e in named if e.amount]
        if not removed:
            return None
        cited: list[Passage] = []
        try:
            n_plan = self._cite(cited, self.plan_evidence())
            numbers = [self._cite(cited, e.evidence) for e in removed]
        except _Missing:
            return None
        taken = sum(e.amount or 0 for e in removed)
        rest = self.total - taken
        joiner = f" {self._t('compute.and', lang)} "
        excluded = joiner.join(f"« {e.name} »" for e in removed)
        removed_text = joiner.join(
            f"{format_eur(e.amount or 0, lang)} [{n}]"
            for e, n in zip(removed, numbers, strict=True)
        )
        text = self._t(
            "compute.remainder",
            lang,
            excluded=excluded,
            rest=format_eur(rest, lang),
            whole=f"{format_eur(self.total, lang)} [{n_plan}]",
            removed=removed_text,
        )
        expression = f"{format_eur(self.total, lang)} − " + " − ".join(
            format_eur(e.amount or 0, lang) for e in removed
        )
        expression += f" = {format_eur(rest, lang)}"
        plan_passage = cited[n_plan - 1]
        inputs = (
            Input(self._t("compute.whole_plan", lang), self.total, "eur", plan_passage.id),
            *(Input(e.name, e.amount or 0, "eur", e.evidence.id) for e in removed),  # type: ignore[union-attr]
        )
        derivation = Derivation(rest, "eur", "remainder", expression, inputs)
        return Computed(text, cited, [derivation], None, (rest, "eur"))

    def _extreme(self, op: str, lang: str) -> Computed | None:
        envelopes = self.top_level
        if not envelopes:
            return None
        chosen = (min if op == "smallest" else max)(envelopes, key=lambda e: e.amount or 0)
        cited: list[Passage] = []
        try:
            n = self._cite(cited, chosen.evidence)
        except _Missing:
            return None
        text = cite(
            self._t(
                f"compute.{op}", lang, name=chosen.name, amount=format_eur(chosen.amount or 0, lang)
            ),
            n,
        )
        return Computed(text, cited, [], chosen.id, (chosen.amount or 0.0, "eur"))

    def _ranking(
        self, lang: str, key: str = "compute.ranking", by_amount: bool = True
    ) -> Computed | None:
        """The five envelopes with their amounts, largest first (or in the plan's order)."""
        envelopes = self.top_level
        if by_amount:
            envelopes = sorted(envelopes, key=lambda e: e.amount or 0, reverse=True)
        if not envelopes:
            return None
        cited: list[Passage] = []
        try:
            n_plan = self._cite(cited, self.plan_evidence())
            lines = [cite(self._t(key, lang, total=format_eur(self.total, lang)), n_plan)]
            for e in envelopes:
                n = self._cite(cited, e.evidence)
                lines.append(f"- « {e.name} » : {format_eur(e.amount or 0, lang)} [{n}]")
        except _Missing:
            return None
        return Computed("\n".join(lines), cited, [], None, None)

    def _audience(self, envelope: Envelope, lang: str) -> Computed | None:
        """Whom an envelope is for, as the data names them, cited to its document."""
        if not envelope.beneficiaries or envelope.evidence is None:
            return None
        cited = [envelope.evidence]
        amount = format_eur(envelope.amount or envelope.minimum or 0, lang)
        text = cite(
            self._t(
                "compute.audience",
                lang,
                name=envelope.name,
                amount=amount,
                who=", ".join(envelope.beneficiaries),
            ),
            1,
        )
        return Computed(text, cited, [], envelope.id, None)

    def _per_year(self, envelope: Envelope | None, lang: str) -> Computed | None:
        years = self.years()
        if not years:
            return None
        cited: list[Passage] = []
        try:
            n_plan = self._cite(cited, self.plan_evidence())  # states the period
            if envelope is not None:
                if not envelope.amount:
                    return None
                n = self._cite(cited, envelope.evidence)
                amount, label, of_what = envelope.amount, envelope.name, f"« {envelope.name} »"
                evidence_id = envelope.evidence.id  # type: ignore[union-attr]
            else:
                n, amount = n_plan, self.total
                label = of_what = self._t("compute.whole_plan", lang)
                evidence_id = cited[0].id
        except _Missing:
            return None
        per_year = amount / years
        text = self._t(
            "compute.per_year",
            lang,
            amount=f"{format_eur(amount, lang)} [{n}]",
            years=years,
            period=f"{self.period} [{n_plan}]",
            per_year=format_eur(per_year, lang),
            of_what=f"({of_what})",
        )
        period_input = Input(self.period, float(years), "years", cited[n_plan - 1].id)
        derivations = [
            Derivation(float(years), "years", "years", f"{self.period} : {years}", (period_input,)),
            Derivation(
                per_year,
                "eur",
                "per_year",
                f"{format_eur(amount, lang)} / {years} = {format_eur(per_year, lang)}",
                (Input(label, amount, "eur", evidence_id), period_input),
            ),
        ]
        return Computed(
            text, cited, derivations, envelope.id if envelope else None, (per_year, "eur")
        )


class _Missing(Exception):
    """An input has no passage stating it: the answer cannot be cited, so it is not given."""


def _percent(value: float, lang: str) -> str:
    """ "15 %" when exact, "environ 23 %" / "about 23%" when rounded."""
    rounded = round(value)
    exact = abs(value - rounded) < 0.05
    if lang == "en":
        return f"{rounded}%" if exact else f"about {rounded}%"
    return f"{rounded} %" if exact else f"environ {rounded} %"


def derived_values(derivations: Sequence[Derivation]) -> list[tuple[str, Decimal]]:
    """(figure kind, value) of each derivation's result, as the figure guard compares them."""
    out = []
    for d in derivations:
        value = Decimal(str(d.value))
        out.append((d.figure_kind, value))
    return out


__all__ = ["Calculator", "Computed", "Derivation", "Input", "derived_values"]
