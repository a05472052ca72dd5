"""One object for the chat layer, the form and the API: text or fields in, verdicts out.

Keeps the conversation logic of eligibility in one place (which question was
asked, what profile the turns add up to, which document each marker cites),
bound to one :class:`~assistant.knowledge.Knowledge` so that chat, form and API
always judge with the same rules, places and words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant.eligibility.engine import EligibilityReport, RuleCitation, evaluate
from assistant.eligibility.profile import Profile
from assistant.eligibility.render import (
    RenderedAnswer,
    is_english,
    render_report,
    render_size_answer,
)
from assistant.eligibility.sme import classify_company

if TYPE_CHECKING:
    from assistant.knowledge import Knowledge


@dataclass
class EligibilityAnswer:
    """What the chat layer needs to show an answer and to continue next turn.

    Keep ``profile`` and ``follow_up_field`` and pass them back as ``previous``
    and ``expected_field`` with the user's reply.
    """

    text: str
    cited_doc_ids: list[str]
    citations: list[RuleCitation]
    profile: Profile
    report: EligibilityReport | None
    follow_up_field: str | None
    language: str
    kind: str  # "eligibility" or "size"


class EligibilityService:
    """Eligibility with one corpus's rules, places and lexicon."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.rules = knowledge.rules
        self.reader = knowledge.profile_reader

    def answer(
        self,
        text: str,
        previous: Profile | None = None,
        *,
        expected_field: str | None = None,
        today: date | None = None,
        size_only: bool | None = None,
        profile: Profile | None = None,
    ) -> EligibilityAnswer:
        """Answer an eligibility or size question, merging with the previous turn.

        ``size_only`` forces (or forbids) the size-category answer, e.g. for "et si on
        passe à 300 salariés ?" after a size question. ``profile`` is the profile
        already read from ``text`` (not read twice).
        """
        lang = "en" if is_english(text, self.knowledge.lexicon) else "fr"
        if profile is None:
            profile = self.reader.read(text, previous, expected_field=expected_field, today=today)
        asked_size = self.reader.is_size_question(text) and previous is None
        if size_only if size_only is not None else asked_size:
            size = classify_company(profile.staff, profile.turnover_eur, profile.balance_sheet_eur)
            source = RuleCitation.of(self.rules.sme_definition.source)
            rendered: RenderedAnswer = render_size_answer(size, source, lang)
            return EligibilityAnswer(
                rendered.text,
                rendered.cited_doc_ids,
                rendered.citations,
                profile,
                None,
                size.missing[0] if size.missing else None,
                lang,
                "size",
            )
        report = evaluate(profile, self.rules, self.knowledge.gazetteer)
        rendered = render_report(report, lang, self.knowledge.lexicon)
        return EligibilityAnswer(
            rendered.text,
            rendered.cited_doc_ids,
            rendered.citations,
            report.profile,
            report,
            report.follow_up_field,
            lang,
            "eligibility",
        )

    def evaluate_form(self, data: dict[str, Any], lang: str = "fr") -> dict[str, Any]:
        """Verdicts for form fields, as a JSON-friendly dict with the rendered text."""
        from assistant.eligibility.form import profile_from_form, scheme_results

        profile = profile_from_form(data, self.knowledge)
        report = evaluate(profile, self.rules, self.knowledge.gazetteer)
        rendered = render_report(report, lang, self.knowledge.lexicon)
        return {
            "profile": report.profile.to_dict(),
            "sme_category": str(report.sme_category) if report.sme_category else None,
            "results": scheme_results(report),
            "follow_up_question": report.follow_up_question,
            "text": rendered.text,
            "cited_doc_ids": list(rendered.cited_doc_ids),
        }
