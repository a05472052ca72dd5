"""One call for the chat layer: text (+ previous turn) in, answer out.

Keeps the conversation logic of eligibility in one place: which question was
asked, what profile the turns add up to, which document each marker cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from assistant.eligibility.engine import EligibilityReport, RuleCitation, evaluate
from assistant.eligibility.extract import extract_profile, is_size_question
from assistant.eligibility.profile import Profile
from assistant.eligibility.render import (
    RenderedAnswer,
    is_english,
    render_report_en,
    render_report_fr,
    render_size_answer,
)
from assistant.eligibility.rules import DEFAULT_RULES_PATH, Rules, load_rules
from assistant.eligibility.sme import classify_company


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


@lru_cache(maxsize=4)
def default_rules(path: Path = DEFAULT_RULES_PATH) -> Rules:
    """The corpus rules file, loaded once."""
    return load_rules(path)


def answer_question(
    text: str,
    previous: Profile | None = None,
    *,
    expected_field: str | None = None,
    rules: Rules | None = None,
    today: date | None = None,
    size_only: bool | None = None,
) -> EligibilityAnswer:
    """Answer an eligibility or size question, merging with the previous turn.

    ``size_only`` forces (or forbids) the size-category answer, e.g. for "et si on
    passe à 300 salariés ?" after a size question.
    """
    lang = "en" if is_english(text) else "fr"
    profile = extract_profile(text, previous, expected_field=expected_field, today=today)
    if size_only if size_only is not None else (is_size_question(text) and previous is None):
        if previous is not None:
            profile = previous.merged_with(profile)
        size = classify_company(profile.staff, profile.turnover_eur, profile.balance_sheet_eur)
        source = RuleCitation.of((rules or default_rules()).sme_definition.source)
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
    report = evaluate(profile, rules or default_rules())
    rendered = render_report_en(report) if lang == "en" else render_report_fr(report)
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
