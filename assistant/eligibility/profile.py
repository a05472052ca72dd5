"""The profile of the person or organisation asking "am I eligible?".

A profile is deliberately full of ``None``: the engine must tell "unknown"
apart from "no" so that it asks for missing information instead of guessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from enum import Enum, StrEnum


class OrgType(StrEnum):
    """Kind of organisation; closed so that rules can be matched reliably."""

    ENTREPRISE = "entreprise"
    STARTUP = "startup"
    RECHERCHE = "recherche"
    FORMATION = "formation"
    ETUDIANT = "etudiant"
    DEMANDEUR_EMPLOI = "demandeur_emploi"
    SALARIE = "salarie"
    PUBLIC = "public"
    ASSOCIATION = "association"
    UNKNOWN = "unknown"


class ProjectType(StrEnum):
    """What the asker wants to do; only used to flag a mismatch, never to reject."""

    RD = "rd"
    ADOPTION_IA = "adoption_ia"
    FORMATION = "formation"
    RECHERCHE = "recherche"
    SERVICE_PUBLIC = "service_public"
    CREATION = "creation"
    UNKNOWN = "unknown"


COMPANY_TYPES = frozenset({OrgType.ENTREPRISE, OrgType.STARTUP})


@dataclass(frozen=True)
class Profile:
    """What is known about the asker; ``None`` always means "not said yet".

    ``declared_sme`` records that the user called themselves a PME/TPE: the EU
    definition needs turnover or balance sheet, but a self-declaration backed by
    a compatible head-count is enough to say "correspond à la cible".
    """

    org_type: OrgType = OrgType.UNKNOWN
    staff: int | None = None
    turnover_eur: float | None = None
    balance_sheet_eur: float | None = None
    location: str | None = None
    departement: str | None = None
    in_occitanie: bool | None = None
    #: a sector id of the lexicon (``cues: sector: <id>``), e.g. "sante"
    sector: str | None = None
    ai_specialist: bool | None = None
    project_type: ProjectType = ProjectType.UNKNOWN
    company_age_years: float | None = None
    declared_sme: bool | None = None

    @property
    def is_company(self) -> bool | None:
        """True for companies and start-ups, None when the type is unknown."""
        if self.org_type is OrgType.UNKNOWN:
            return None
        return self.org_type in COMPANY_TYPES

    def is_empty(self) -> bool:
        """True when nothing at all is known (nothing to evaluate)."""
        return self == Profile()

    def merged_with(self, newer: Profile) -> Profile:
        """Return this profile updated with what ``newer`` knows.

        Used across chat turns: the follow-up answer only carries the item that
        was asked for, everything else comes from the previous turn.
        """
        default = Profile()
        updates = {
            f.name: getattr(newer, f.name)
            for f in fields(self)
            if getattr(newer, f.name) != getattr(default, f.name)
        }
        if "location" in updates:
            # A new place replaces the whole resolution of the old one.
            updates.setdefault("departement", newer.departement)
            updates.setdefault("in_occitanie", newer.in_occitanie)
        return replace(self, **updates)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-friendly view (enums as their values) for logs and tests."""
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in asdict(self).items()}


PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Profile))
