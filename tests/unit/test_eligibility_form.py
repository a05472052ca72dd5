"""The structured form gives the same engine the same profile as the chat would."""

from __future__ import annotations

import pytest

from assistant.eligibility.form import ProfileError
from tests.knowledge import ELIGIBILITY


def _verdicts(result: dict) -> dict[str, str]:
    return {r["scheme_id"]: r["verdict"] for r in result["results"]}


def test_departement_number_resolves_to_occitanie() -> None:
    result = ELIGIBILITY.evaluate_form(
        {
            "org_type": "entreprise",
            "staff": 20,
            "turnover_eur": 3e6,
            "departement": "34",
            "sector": "sante",
        }
    )
    assert result["profile"]["in_occitanie"] is True
    assert result["profile"]["departement"] == "Hérault"
    assert _verdicts(result)["secteurs-cles"] == "correspond"
    assert result["sme_category"] == "petite"


def test_outside_occitanie_choice_is_honoured() -> None:
    result = ELIGIBILITY.evaluate_form(
        {"org_type": "entreprise", "staff": 20, "in_occitanie": False}
    )
    assert result["profile"]["in_occitanie"] is False
    assert set(_verdicts(result).values()) == {"ne correspond pas"}


def test_bad_field_names_the_field() -> None:
    with pytest.raises(ProfileError, match="staff"):
        ELIGIBILITY.evaluate_form({"staff": "beaucoup"})
    with pytest.raises(ProfileError, match="sector"):
        ELIGIBILITY.evaluate_form({"sector": "pétanque"})
