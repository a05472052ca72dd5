"""Structured entry point (the UI form and ``POST /api/v1/eligibility``).

The form sends plain fields; they are validated into a :class:`Profile`, the
location is resolved like in chat, and the same engine and renderer produce
the verdicts, so chat, form and API always agree.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.eligibility.engine import EligibilityReport
from assistant.eligibility.locations import resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.knowledge import Knowledge


class ProfileError(InputError):
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


def _sector(value: Any, knowledge: Knowledge) -> str | None:
    if value in (None, ""):
        return None
    sectors = knowledge.profile_reader.sectors
    if str(value) not in sectors:
        raise ProfileError(f"sector: {value!r} is not one of {', '.join(sectors)}")
    return str(value)


_YES_NO = {"oui": True, "yes": True, "true": True, "non": False, "no": False, "false": False}


class ProfileFields(BaseModel):
    """The profile fields of the form, of ``POST /api/v1/eligibility`` and of the engine.

    One schema for the three, every field optional ("not said" is not "no"). Values
    of closed lists (organisation type, sector, project type) are checked against
    the engine's when the profile is built (:func:`profile_from_form`).
    """

    model_config = ConfigDict(extra="forbid")

    org_type: str | None = Field(default=None, max_length=32, examples=["entreprise"])
    staff: int | None = Field(default=None, ge=0, le=10_000_000)
    turnover_eur: float | None = Field(default=None, ge=0, le=1e13)
    balance_sheet_eur: float | None = Field(default=None, ge=0, le=1e13)
    departement: str | None = Field(default=None, max_length=64, examples=["Hérault"])
    in_occitanie: bool | None = None
    location: str | None = Field(default=None, max_length=200)
    sector: str | None = Field(default=None, max_length=32, examples=["sante"])
    project_type: str | None = Field(default=None, max_length=32, examples=["adoption_ia"])
    ai_specialist: bool | None = Field(
        default=None, description="The company develops AI solutions (oui/non accepted)."
    )
    company_age_years: float | None = Field(default=None, ge=0, le=300)
    creation_year: int | None = Field(
        default=None, ge=1800, le=2100, description="Year the organisation was founded."
    )

    @field_validator("ai_specialist", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _YES_NO.get(value.strip().lower())
        return value


def profile_from_form(
    data: dict[str, Any], knowledge: Knowledge, today: date | None = None
) -> Profile:
    """Validate form fields into a profile (blank fields stay unknown)."""
    try:
        fields = ProfileFields.model_validate(
            {k: v for k, v in data.items() if v not in (None, "")}
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "profile"
        raise ProfileError(f"{field}: {err['msg']}") from exc
    data = fields.model_dump(exclude_none=True)
    if fields.creation_year is not None and fields.company_age_years is None:
        year = (today or date.today()).year
        data["company_age_years"] = float(max(0, year - fields.creation_year))
    location = str(data.get("location") or data.get("departement") or "").strip() or None
    if data.get("in_occitanie") is False and location is None:
        location = "hors Occitanie"
    if location and location.isdigit() and len(location) in (2, 3):
        location = f"dans le {location}"  # a form sends the département number alone
    resolution = resolve_location(location, knowledge.gazetteer) if location else None
    if resolution and resolution.departement and location and location.startswith("dans le "):
        location = resolution.departement  # show "Hérault", not what we fed the resolver
    ai = data.get("ai_specialist")
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
        sector=_sector(data.get("sector"), knowledge),
        ai_specialist=ai if isinstance(ai, bool) else None,
        project_type=_enum(
            ProjectType, "project_type", data.get("project_type"), ProjectType.UNKNOWN
        ),
        company_age_years=_number("company_age_years", data.get("company_age_years")),
    )


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
