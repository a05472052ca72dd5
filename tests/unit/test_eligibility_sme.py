"""EU SME definition (Recommendation 2003/361/EC) at every boundary."""

from __future__ import annotations

import pytest

from assistant.eligibility import SizeCategory, classify_company

M = 1_000_000

# (staff, turnover, balance sheet, expected category, expected is_sme)
BOUNDARIES = [
    # staff ceilings, money well inside
    (9, 1 * M, None, SizeCategory.MICRO, True),
    (10, 1 * M, None, SizeCategory.PETITE, True),
    (49, 5 * M, None, SizeCategory.PETITE, True),
    (50, 5 * M, None, SizeCategory.MOYENNE, True),
    (249, 20 * M, None, SizeCategory.MOYENNE, True),
    (250, 20 * M, None, SizeCategory.ETI, False),
    (4999, None, None, SizeCategory.ETI, False),
    (5000, None, None, SizeCategory.GRANDE, False),
    # money ceilings are inclusive ("<=")
    (5, 2 * M, None, SizeCategory.MICRO, True),
    (5, 2.1 * M, 2.1 * M, SizeCategory.PETITE, True),
    (30, 10 * M, None, SizeCategory.PETITE, True),
    (30, 10.1 * M, 10.1 * M, SizeCategory.MOYENNE, True),
    (200, 50 * M, None, SizeCategory.MOYENNE, True),
    (200, 50.1 * M, 60 * M, SizeCategory.ETI, False),
    # turnover over but balance sheet under: still a PME
    (200, 50.1 * M, 43 * M, SizeCategory.MOYENNE, True),
    (200, 80 * M, 40 * M, SizeCategory.MOYENNE, True),
    (200, 80 * M, 43.1 * M, SizeCategory.ETI, False),
    # balance sheet alone can decide
    (5, 3 * M, 1.5 * M, SizeCategory.MICRO, True),
    (40, 12 * M, 9 * M, SizeCategory.PETITE, True),
    (9, None, 2 * M, SizeCategory.MICRO, True),
    # the example
    (180, 30 * M, None, SizeCategory.MOYENNE, True),
]


@pytest.mark.parametrize(("staff", "turnover", "balance", "category", "is_sme"), BOUNDARIES)
def test_boundaries(staff, turnover, balance, category, is_sme) -> None:
    result = classify_company(staff, turnover, balance)
    assert result.category is category
    assert result.is_sme is is_sme
    assert result.thresholds_fr, "the thresholds that decided must be given"


# (staff, turnover, balance sheet, expected missing)
UNDECIDABLE = [
    (40, None, None, ["turnover_eur"]),
    (3, None, None, ["turnover_eur"]),
    (200, 50.1 * M, None, ["balance_sheet_eur"]),
    (None, 5 * M, None, ["staff", "balance_sheet_eur"]),
    (None, None, None, ["staff", "turnover_eur"]),
]


@pytest.mark.parametrize(("staff", "turnover", "balance", "missing"), UNDECIDABLE)
def test_undecidable_names_missing_fields(staff, turnover, balance, missing) -> None:
    result = classify_company(staff, turnover, balance)
    assert result.category is SizeCategory.UNKNOWN
    assert result.is_sme is None
    assert result.missing == missing


def test_staff_unknown_but_both_money_ceilings_exceeded_is_not_sme() -> None:
    result = classify_company(None, 60 * M, 50 * M)
    assert result.is_sme is False
    assert result.missing == ["staff"]


def test_staff_category_is_given_when_money_is_missing() -> None:
    assert classify_company(40).staff_category is SizeCategory.PETITE


def test_smaller_category_still_possible_is_flagged() -> None:
    result = classify_company(5, 5 * M, None)
    assert result.category is SizeCategory.PETITE
    assert result.missing == ["balance_sheet_eur"]


def test_explanation_names_thresholds() -> None:
    text = classify_company(180, 30 * M).explanation_fr()
    assert "Moyenne entreprise" in text
    assert "effectif < 250 (180)" in text
    assert "CA <= 50 M€ ou total de bilan <= 43 M€" in text
    assert "30 M€" in text
    assert "head-count < 250" in classify_company(180, 30 * M).explanation_en()
