"""Company size category per the EU SME definition (Recommendation 2003/361/EC).

A company belongs to a category when its head-count is under the category's
ceiling AND its turnover OR its balance-sheet total is within the ceiling.
ETI (250 to < 5,000 staff) and large companies (>= 5,000) are the French
categories beyond. Missing figures are reported, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from assistant.text.numbers import format_eur

MEUR = 1_000_000.0


class SizeCategory(StrEnum):
    """Size categories; ``UNKNOWN`` when the figures given cannot decide."""

    MICRO = "micro"
    PETITE = "petite"
    MOYENNE = "moyenne"
    ETI = "eti"
    GRANDE = "grande"
    UNKNOWN = "unknown"


SME_CATEGORIES = frozenset({SizeCategory.MICRO, SizeCategory.PETITE, SizeCategory.MOYENNE})

LABELS_FR: dict[SizeCategory, str] = {
    SizeCategory.MICRO: "micro-entreprise (PME)",
    SizeCategory.PETITE: "petite entreprise (PME)",
    SizeCategory.MOYENNE: "moyenne entreprise (PME)",
    SizeCategory.ETI: "entreprise de taille intermédiaire (ETI, pas une PME)",
    SizeCategory.GRANDE: "grande entreprise (pas une PME)",
    SizeCategory.UNKNOWN: "catégorie indéterminée",
}
LABELS_EN: dict[SizeCategory, str] = {
    SizeCategory.MICRO: "micro-enterprise (SME)",
    SizeCategory.PETITE: "small enterprise (SME)",
    SizeCategory.MOYENNE: "medium-sized enterprise (SME)",
    SizeCategory.ETI: "mid-cap (ETI, not an SME)",
    SizeCategory.GRANDE: "large company (not an SME)",
    SizeCategory.UNKNOWN: "undetermined category",
}


@dataclass(frozen=True)
class Ceiling:
    """One row of the EU table: staff strictly below, money at most."""

    category: SizeCategory
    staff_lt: int
    turnover_max_eur: float
    balance_sheet_max_eur: float


CEILINGS: tuple[Ceiling, ...] = (
    Ceiling(SizeCategory.MICRO, 10, 2 * MEUR, 2 * MEUR),
    Ceiling(SizeCategory.PETITE, 50, 10 * MEUR, 10 * MEUR),
    Ceiling(SizeCategory.MOYENNE, 250, 50 * MEUR, 43 * MEUR),
)
ETI_STAFF_LT = 5000


@dataclass(frozen=True)
class SizeClassification:
    """Result of :func:`classify_company`.

    ``thresholds_fr`` / ``thresholds_en`` list the tests that decided (or failed
    to decide) the category, so that the answer can show its working.
    ``staff_category`` is what the head-count alone allows, useful when the
    money figures are missing.
    """

    category: SizeCategory
    is_sme: bool | None
    thresholds_fr: list[str] = field(default_factory=list)
    thresholds_en: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    staff_category: SizeCategory = SizeCategory.UNKNOWN

    @property
    def label_fr(self) -> str:
        """French name of the category."""
        return LABELS_FR[self.category]

    @property
    def label_en(self) -> str:
        """English name of the category."""
        return LABELS_EN[self.category]

    def explanation_fr(self) -> str:
        """One sentence: category then the thresholds that decided it."""
        return f"{self.label_fr[0].upper()}{self.label_fr[1:]} : " + " ; ".join(self.thresholds_fr)

    def explanation_en(self) -> str:
        """English counterpart of :meth:`explanation_fr`."""
        return f"{self.label_en[0].upper()}{self.label_en[1:]}: " + "; ".join(self.thresholds_en)


def _money_test(turnover: float | None, balance: float | None, ceiling: Ceiling) -> bool | None:
    """Turnover OR balance sheet within the ceiling; None if it cannot be told."""
    within = [
        value <= limit
        for value, limit in (
            (turnover, ceiling.turnover_max_eur),
            (balance, ceiling.balance_sheet_max_eur),
        )
        if value is not None
    ]
    if any(within):
        return True
    if len(within) == 2:
        return False
    return None


def _money_text(ceiling: Ceiling, turnover: float | None, balance: float | None, lang: str) -> str:
    """'CA <= 10 M€ ou bilan <= 10 M€ (CA 8 M€)' with the figures given."""
    t_max = format_eur(ceiling.turnover_max_eur, lang)
    b_max = format_eur(ceiling.balance_sheet_max_eur, lang)
    given = []
    if turnover is not None:
        given.append(("CA " if lang == "fr" else "turnover ") + format_eur(turnover, lang))
    if balance is not None:
        given.append(("bilan " if lang == "fr" else "balance sheet ") + format_eur(balance, lang))
    if lang == "fr":
        base = f"CA <= {t_max} ou total de bilan <= {b_max}"
        tail = f" ({', '.join(given)})" if given else " (CA et bilan non indiqués)"
    else:
        base = f"turnover <= {t_max} or balance sheet <= {b_max}"
        tail = f" ({', '.join(given)})" if given else " (turnover and balance sheet not given)"
    return base + tail


def _staff_category(staff: int | None) -> SizeCategory:
    """Category allowed by the head-count alone."""
    if staff is None:
        return SizeCategory.UNKNOWN
    for ceiling in CEILINGS:
        if staff < ceiling.staff_lt:
            return ceiling.category
    return SizeCategory.ETI if staff < ETI_STAFF_LT else SizeCategory.GRANDE


def _missing_money(turnover: float | None, balance: float | None) -> list[str]:
    """Which money field to ask for: turnover first, it is the one people know."""
    if turnover is None:
        return ["turnover_eur"]
    if balance is None:
        return ["balance_sheet_eur"]
    return []


def classify_company(
    staff: int | None,
    turnover_eur: float | None = None,
    balance_sheet_eur: float | None = None,
) -> SizeClassification:
    """Classify a company by the EU SME definition and French ETI/GE bounds.

    Each SME level requires staff < ceiling and (turnover <= ceiling or balance
    sheet <= ceiling). A company under 250 staff that exceeds both money
    ceilings is not an SME and, with < 5,000 staff, is an ETI.
    """
    fr: list[str] = []
    en: list[str] = []
    staff_cat = _staff_category(staff)
    moyenne = CEILINGS[-1]

    if staff is None:
        money = _money_test(turnover_eur, balance_sheet_eur, moyenne)
        missing = ["staff", *_missing_money(turnover_eur, balance_sheet_eur)]
        fr.append("effectif non indiqué (il faut l'effectif et le CA ou le bilan)")
        en.append("head-count not given (head-count and turnover or balance sheet needed)")
        if money is False:
            fr.append("CA > 50 M€ et bilan > 43 M€ : au-delà des plafonds PME")
            en.append("turnover > 50 M€ and balance sheet > 43 M€: above the SME ceilings")
            return SizeClassification(SizeCategory.UNKNOWN, False, fr, en, ["staff"], staff_cat)
        return SizeClassification(SizeCategory.UNKNOWN, None, fr, en, missing, staff_cat)

    if staff >= moyenne.staff_lt:
        if staff >= ETI_STAFF_LT:
            fr.append(f"effectif >= {ETI_STAFF_LT} ({staff})")
            en.append(f"head-count >= {ETI_STAFF_LT} ({staff})")
            return SizeClassification(SizeCategory.GRANDE, False, fr, en, [], staff_cat)
        fr.append(
            f"effectif de 250 à moins de {ETI_STAFF_LT:,} ({staff}) : au-delà du plafond PME (< 250)".replace(
                ",", " "
            )
        )
        en.append(
            f"head-count between 250 and {ETI_STAFF_LT - 1} ({staff}): above the SME ceiling (< 250)"
        )
        return SizeClassification(SizeCategory.ETI, False, fr, en, [], staff_cat)

    undecided_below = False
    for ceiling in CEILINGS:
        if staff >= ceiling.staff_lt:
            continue
        money = _money_test(turnover_eur, balance_sheet_eur, ceiling)
        if money is True:
            fr.append(f"effectif < {ceiling.staff_lt} ({staff})")
            fr.append(_money_text(ceiling, turnover_eur, balance_sheet_eur, "fr"))
            en.append(f"head-count < {ceiling.staff_lt} ({staff})")
            en.append(_money_text(ceiling, turnover_eur, balance_sheet_eur, "en"))
            missing: list[str] = []
            if undecided_below:
                missing = _missing_money(turnover_eur, balance_sheet_eur)
                fr.append("une catégorie plus petite reste possible selon le chiffre manquant")
                en.append("a smaller category is still possible depending on the missing figure")
            return SizeClassification(ceiling.category, True, fr, en, missing, staff_cat)
        if money is None:
            undecided_below = True

    if _money_test(turnover_eur, balance_sheet_eur, moyenne) is False:
        fr.append(f"effectif < 250 ({staff}) mais CA > 50 M€ et bilan > 43 M€ : pas une PME")
        fr.append(_money_text(moyenne, turnover_eur, balance_sheet_eur, "fr"))
        en.append(
            f"head-count < 250 ({staff}) but turnover > 50 M€ and balance sheet > 43 M€: not an SME"
        )
        en.append(_money_text(moyenne, turnover_eur, balance_sheet_eur, "en"))
        return SizeClassification(SizeCategory.ETI, False, fr, en, [], staff_cat)

    # staff fits an SME level but the money figures are missing or only one is
    # known and above its ceiling: the definition cannot decide.
    staff_ceiling = next(c for c in CEILINGS if c.category is staff_cat)
    fr.append(
        f"effectif < {staff_ceiling.staff_lt} ({staff}) : compatible avec une {LABELS_FR[staff_cat]}"
    )
    fr.append("il faut aussi " + _money_text(staff_ceiling, turnover_eur, balance_sheet_eur, "fr"))
    en.append(
        f"head-count < {staff_ceiling.staff_lt} ({staff}): compatible with a {LABELS_EN[staff_cat]}"
    )
    en.append("also needed: " + _money_text(staff_ceiling, turnover_eur, balance_sheet_eur, "en"))
    return SizeClassification(
        SizeCategory.UNKNOWN,
        None,
        fr,
        en,
        _missing_money(turnover_eur, balance_sheet_eur),
        staff_cat,
    )
