"""The three lines an eligibility answer opens with; the verdicts follow as data.

"Am I eligible?" deserves an answer, not a 3,000-character report: which of the
plan's envelopes fit (with their amounts), whom to contact, and the one missing
fact that would settle the rest. The per-scheme verdicts, reasons and notes stay
in ``Answer.eligibility`` for the chat and widget to show folded, and for API
clients as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.citations import marker_text
from assistant.eligibility.engine import EligibilityReport, RuleCitation, SchemeResult, Verdict

if TYPE_CHECKING:
    from assistant.eligibility.rules import Rules
    from assistant.knowledge import Knowledge


@dataclass
class Summary:
    """The summary text and the documents behind its [n] markers, in order."""

    text: str
    cited_doc_ids: list[str] = field(default_factory=list)
    citations: list[RuleCitation] = field(default_factory=list)
    #: the scheme the conversation continues about ("et elle fait combien ?")
    best_scheme: str | None = None


class _Marks:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.citations: list[RuleCitation] = []

    def mark(self, citations: list[RuleCitation]) -> str:
        numbers = []
        for c in citations:
            if c.doc not in self.ids:
                self.ids.append(c.doc)
                self.citations.append(c)
            numbers.append(self.ids.index(c.doc) + 1)
        return marker_text(list(dict.fromkeys(numbers)))


def scheme_label(result: SchemeResult, lang: str) -> str:
    """The scheme's short name in ``lang`` (it carries the amount: "… (18 M€)")."""
    if lang == "en":
        return result.short_name_en or result.scheme_name_en or result.scheme_name
    return result.short_name or result.scheme_name


def summarise(report: EligibilityReport, lang: str, knowledge: Knowledge) -> Summary:
    """The opening lines: envelopes that fit, whom to contact, the one missing fact."""
    marks = _Marks()
    plan = [r for r in report.results if r.kind == "plan_envelope"]
    fits = [r for r in plan if r.verdict is Verdict.MATCHES]
    maybe = [r for r in plan if r.verdict is Verdict.TO_CHECK]
    lines: list[str] = []
    chosen = fits or maybe

    def names(results: list[SchemeResult]) -> str:
        items = [f"« {scheme_label(r, lang)} » {marks.mark(r.citations)}" for r in results]
        joiner = f" {knowledge.text('compute.and', lang)} "
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + joiner + items[-1]

    if report.profile.in_occitanie is False:
        lines.append(knowledge.text("eligibility_summary.outside", lang))
    elif fits:
        key = "eligibility_summary.fits" if len(fits) > 1 else "eligibility_summary.fits_one"
        lines.append(knowledge.text(key, lang, names=names(fits)))
    elif maybe:
        lines.append(knowledge.text("eligibility_summary.maybe", lang, names=names(maybe[:3])))
    else:
        lines.append(knowledge.text("eligibility_summary.none", lang))
    contact = _contact(report, chosen, knowledge)
    if contact:
        lines.append(knowledge.text("eligibility_summary.contact", lang, name=contact))
    question = report.follow_up_question if lang != "en" else report.follow_up_question_en
    if question and report.profile.in_occitanie is not False:
        lines.append(knowledge.text("eligibility_summary.missing", lang, question=question))
    best = chosen[0].scheme_id if chosen else None
    return Summary("\n".join(lines), marks.ids, marks.citations, best)


def point(
    report: EligibilityReport, envelopes: list[str], lang: str, knowledge: Knowledge, rules: Rules
) -> Summary | None:
    """One point of the verdicts: the schemes of ``envelopes`` only ("et pour la formation ?")."""
    wanted = [
        r
        for r in report.results
        if r.scheme_id in envelopes or rules.scheme(r.scheme_id).envelope in envelopes
    ]
    if not wanted:
        return None
    marks = _Marks()
    lines = []
    for result in wanted[:2]:
        verdict = knowledge.text(f"verdict.{_verdict_key(result.verdict)}", lang)
        reasons = result.reasons if lang != "en" else (result.reasons_en or result.reasons)
        why = f" ({reasons[0]})" if reasons else ""
        lines.append(
            f"« {scheme_label(result, lang)} » : {verdict}{why} {marks.mark(result.citations)}."
        )
    contact = _contact(report, wanted, knowledge)
    if contact:
        lines.append(knowledge.text("eligibility_summary.contact", lang, name=contact))
    return Summary("\n".join(lines), marks.ids, marks.citations, wanted[0].scheme_id)


def _verdict_key(verdict: Verdict) -> str:
    return {
        Verdict.MATCHES: "matches",
        Verdict.NO_MATCH: "no_match",
        Verdict.TO_CHECK: "to_check",
    }[verdict]


def _contact(report: EligibilityReport, results: list[SchemeResult], knowledge: Knowledge) -> str:
    """AD'OCC for companies, the Région for the others; the rules decide when unknown."""
    if report.profile.is_company is True:
        contact_id = "adocc"
    elif report.profile.is_company is False:
        contact_id = "region"
    else:
        contact_id = results[0].contact if results else "region"
    contact = next((c for c in knowledge.reference.contacts if c.get("id") == contact_id), None)
    return str(contact["name"]) if contact else ""
