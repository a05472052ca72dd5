"""Structured entry point (the UI form and ``POST /api/v1/eligibility``).

The form sends plain fields; they are validated into a :class:`Profile`, the
location is resolved like in chat, and the same engine and renderer produce
the verdicts, so chat, form and API always agree.
"""

from __future__ import annotations

from typing import Any

from assistant.eligibility.engine import EligibilityReport, evaluate
from assistant.eligibility.locations import resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType, Sector
from assistant.eligibility.render import render_report_en, render_report_fr
from assistant.eligibility.service import default_rules


class ProfileError(ValueError):
    """A form field has a value the engine does not know (message names the field)."""


def _enum(kind: type, field: str, value: Any, default: Any) -> Any:
    if value in (None, ""):
        return default
    try:
        return kind(str(value))
    except ValueError as exc:
        allowed = ", ".join(m.value for m in kind)
        raise ProfileError(f"{field}: {value!r} is not one of {allowed}") from exc


def _number(field: str, value: Any, *, integer: bool = False) -> Any:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{field}: {value!r} is not a number") from exc
    if number < 0:
        raise ProfileError(f"{field}: must not be negative")
    return int(number) if integer else number


def profile_from_form(data: dict[str, Any]) -> Profile:
    """Validate form fields into a profile (unknown fields are ignored)."""
    location = str(data.get("location") or data.get("departement") or "").strip() or None
    if data.get("in_occitanie") is False and location is None:
        location = "hors Occitanie"
    if location and location.isdigit() and len(location) in (2, 3):
        location = f"dans le {location}"  # a form sends the département number alone
    resolution = resolve_location(location) if location else None
    if resolution and resolution.departement and location and location.startswith("dans le "):
        location = resolution.departement  # show "Hérault", not what we fed the resolver
    ai = data.get("ai_specialist")
    if isinstance(ai, str):
        ai = {
            "oui": True,
            "yes": True,
            "true": True,
            "non": False,
            "no": False,
            "false": False,
        }.get(ai.strip().lower())
    in_occitanie = resolution.in_occitanie if resolution else None
    explicit = data.get("in_occitanie")
    if isinstance(explicit, bool):  # the form's "hors Occitanie" choice
        in_occitanie = explicit
    return Profile(
        org_type=_enum(OrgType, "org_type", data.get("org_type"), OrgType.UNKNOWN),
        staff=_number("staff", data.get("staff"), integer=True),
        turnover_eur=_number("turnover_eur", data.get("turnover_eur")),
        balance_sheet_eur=_number("balance_sheet_eur", data.get("balance_sheet_eur")),
        location=location,
        departement=resolution.departement if resolution else None,
        in_occitanie=in_occitanie,
        sector=_enum(Sector, "sector", data.get("sector"), None),
        ai_specialist=ai if isinstance(ai, bool) else None,
        project_type=_enum(
            ProjectType, "project_type", data.get("project_type"), ProjectType.UNKNOWN
        ),
        company_age_years=_number("company_age_years", data.get("company_age_years")),
    )


def evaluate_form(data: dict[str, Any], lang: str = "fr") -> dict[str, Any]:
    """Verdicts for form fields, as a JSON-friendly dict with the rendered text."""
    profile = profile_from_form(data)
    report = evaluate(profile, default_rules())
    rendered = render_report_en(report) if lang == "en" else render_report_fr(report)
    return {
        "profile": report.profile.to_dict(),
        "sme_category": str(report.sme_category) if report.sme_category else None,
        "results": scheme_results(report),
        "follow_up_question": report.follow_up_question,
        "text": rendered.text,
        "cited_doc_ids": list(rendered.cited_doc_ids),
    }


def scheme_results(report: EligibilityReport) -> list[dict[str, Any]]:
    """Verdicts as JSON-friendly dicts: one shape for the form, the API and the chat."""
    return [
        {
            "scheme_id": r.scheme_id,
            "scheme_name": r.scheme_name,
            "verdict": str(r.verdict),
            "reasons": list(r.reasons),
            "missing": list(r.missing),
            "citations": [
                {"doc_id": c.doc, "title": c.title, "publisher": c.publisher, "url": c.url}
                for c in r.citations
            ],
        }
        for r in report.results
    ]
