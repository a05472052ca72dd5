"""Verdicts per envelope and scheme for a table of profiles, and their rendering."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assistant.eligibility import (
    OrgType,
    Profile,
    ProjectType,
    Verdict,
    evaluate,
    render_report,
)
from tests.knowledge import ELIGIBILITY, GAZETTEER, KNOWLEDGE, LEXICON

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES = KNOWLEDGE.rules
M = 1_000_000


def render_fr(report):
    return render_report(report, "fr", LEXICON)


def render_en(report):
    return render_report(report, "en", LEXICON)


# Column order of the expected-verdict strings below.
SCHEMES = (
    "filiere-rd",
    "filiere-animation",
    "secteurs-cles",
    "recherche",
    "formation",
    "services-publics",
    "contrat-innovation",
    "pass-occitanie",
    "startoc-process",
)
CODES = {"M": Verdict.MATCHES, "N": Verdict.NO_MATCH, "C": Verdict.TO_CHECK}

E, S = OrgType.ENTREPRISE, OrgType.STARTUP


def company(**kw: object) -> Profile:
    """A company profile; tests override what matters."""
    kw.setdefault("org_type", E)
    return Profile(**kw)  # type: ignore[arg-type]


# (id, profile, expected verdicts in SCHEMES order)
PROFILES = [
    (
        "ai-startup-toulouse",
        company(
            org_type=S,
            staff=3,
            turnover_eur=0.3 * M,
            location="Toulouse",
            sector="sante",
            ai_specialist=True,
            company_age_years=1,
        ),
        "MNMNCNMCM",
    ),
    (
        "ai-startup-lyon",
        company(
            org_type=S,
            staff=3,
            turnover_eur=0.3 * M,
            location="Lyon",
            sector="sante",
            ai_specialist=True,
            company_age_years=1,
        ),
        "NNNNNNNNN",
    ),
    (
        "ai-startup-no-location",
        company(
            org_type=S,
            staff=3,
            turnover_eur=0.3 * M,
            sector="sante",
            ai_specialist=True,
            company_age_years=1,
        ),
        "CNCNCNCCC",
    ),
    (
        "pme-albi-agro-declared",
        company(staff=40, location="Albi", sector="agriculture", declared_sme=True),
        "CNMNCNMCC",
    ),
    (
        "pme-albi-agro-full",
        company(
            staff=40,
            turnover_eur=6 * M,
            location="Albi",
            sector="agriculture",
            ai_specialist=False,
            company_age_years=10,
        ),
        "NNMNCNMCN",
    ),
    (
        "pme-tarbes-mobility",
        company(
            staff=120,
            turnover_eur=30 * M,
            location="Tarbes",
            sector="mobilite",
            ai_specialist=False,
            company_age_years=20,
        ),
        "NNMNCNMNN",
    ),
    (
        "eti-blagnac-aero",
        company(
            staff=320,
            turnover_eur=60 * M,
            balance_sheet_eur=45 * M,
            location="Blagnac",
            sector="aerospatial",
            ai_specialist=False,
            company_age_years=30,
        ),
        "NNMNCNCNN",
    ),
    (
        "large-toulouse-aero-no-age",
        company(staff=6000, location="Toulouse", sector="aerospatial", ai_specialist=False),
        "NNMNCNCNC",
    ),
    (
        "ai-software-6-years",
        company(
            staff=25,
            turnover_eur=3 * M,
            location="Montpellier",
            sector="numerique",
            ai_specialist=True,
            company_age_years=6,
        ),
        "MNNNCNMCC",
    ),
    (
        "ai-software-8-years",
        company(
            staff=25,
            turnover_eur=3 * M,
            location="Montpellier",
            sector="numerique",
            ai_specialist=True,
            company_age_years=8,
        ),
        "MNNNCNMCN",
    ),
    ("lab-toulouse", Profile(org_type=OrgType.RECHERCHE, location="Toulouse"), "NNNMNNCNN"),
    ("lab-paris", Profile(org_type=OrgType.RECHERCHE, location="Paris"), "NNNNNNNNN"),
    (
        "training-body-carcassonne",
        Profile(org_type=OrgType.FORMATION, location="Carcassonne"),
        "NNNNMNNNN",
    ),
    (
        "student-montpellier",
        Profile(org_type=OrgType.ETUDIANT, location="Montpellier"),
        "NNNNMNNNN",
    ),
    ("job-seeker-nimes", Profile(org_type=OrgType.DEMANDEUR_EMPLOI, location="Nîmes"), "NNNNMNNNN"),
    ("employee-cahors", Profile(org_type=OrgType.SALARIE, location="Cahors"), "NNNNMNNNN"),
    ("town-hall-rodez", Profile(org_type=OrgType.PUBLIC, location="Rodez"), "NNNNNMNNN"),
    ("cluster-auch", Profile(org_type=OrgType.ASSOCIATION, location="Auch"), "NCNNNNNNN"),
    ("unknown-type-toulouse", Profile(location="Toulouse"), "CCCCCCCCC"),
    ("unknown-type-not-ai", Profile(location="Toulouse", ai_specialist=False), "NCCCCCCCC"),
    (
        "ai-startup-perpignan-no-money",
        company(org_type=S, staff=3, location="Perpignan", sector="sante", ai_specialist=True),
        "MNMNCNCCC",
    ),
    (
        "ai-company-sector-unknown",
        company(
            staff=10,
            turnover_eur=1 * M,
            location="Toulouse",
            ai_specialist=True,
            company_age_years=2,
        ),
        "MNCNCNMCM",
    ),
    (
        "staff-49-turnover-9.9",
        company(
            staff=49,
            turnover_eur=9.9 * M,
            location="Montpellier",
            sector="sante",
            ai_specialist=False,
            company_age_years=2,
        ),
        "NNMNCNMCM",
    ),
    (
        "staff-50-pass-ceiling",
        company(
            staff=50,
            turnover_eur=9 * M,
            location="Montpellier",
            sector="sante",
            ai_specialist=False,
            company_age_years=2,
        ),
        "NNMNCNMNM",
    ),
    (
        "turnover-10M-pass-ceiling",
        company(
            staff=10,
            turnover_eur=10 * M,
            location="Montpellier",
            sector="sante",
            ai_specialist=False,
            company_age_years=2,
        ),
        "NNMNCNMNM",
    ),
    (
        "project-type-training",
        company(
            staff=5,
            turnover_eur=1 * M,
            location="Toulouse",
            sector="sante",
            ai_specialist=True,
            company_age_years=1,
            project_type=ProjectType.FORMATION,
        ),
        "CNCNCNMCM",
    ),
    (
        "size-undecided-turnover-over",
        company(
            staff=30,
            turnover_eur=60 * M,
            location="Toulouse",
            sector="aerospatial",
            ai_specialist=False,
            company_age_years=10,
        ),
        "NNMNCNCNN",
    ),
    (
        "turnover-over-balance-under",
        company(
            staff=200,
            turnover_eur=80 * M,
            balance_sheet_eur=40 * M,
            location="Toulouse",
            sector="aerospatial",
            ai_specialist=False,
            company_age_years=10,
        ),
        "NNMNCNMNN",
    ),
    (
        "both-over-eti",
        company(
            staff=200,
            turnover_eur=80 * M,
            balance_sheet_eur=43.1 * M,
            location="Toulouse",
            sector="aerospatial",
            ai_specialist=False,
            company_age_years=10,
        ),
        "NNMNCNCNN",
    ),
    (
        "postal-code-66100",
        company(
            org_type=S,
            staff=2,
            turnover_eur=0.1 * M,
            location="66100",
            sector="sante",
            ai_specialist=True,
            company_age_years=0.5,
        ),
        "MNMNCNMCM",
    ),
    (
        "figeac-agri-4-years",
        company(
            staff=8,
            turnover_eur=1 * M,
            location="Figeac",
            sector="agriculture",
            company_age_years=4,
        ),
        "CNMNCNMCC",
    ),
    ("public-body-no-location", Profile(org_type=OrgType.PUBLIC), "NNNNNCNNN"),
    ("employee-paris", Profile(org_type=OrgType.SALARIE, location="Paris"), "NNNNNNNNN"),
    ("company-marseille", company(staff=10, location="Marseille", ai_specialist=True), "NNNNNNNNN"),
    (
        "declared-pme-staff-unknown",
        company(
            location="Sète",
            sector="sante",
            ai_specialist=True,
            declared_sme=True,
            company_age_years=1,
        ),
        "MNMNCNMCM",
    ),
]


def test_table_is_large_enough() -> None:
    assert len(PROFILES) >= 30


@pytest.mark.parametrize(
    ("profile", "expected"), [p[1:] for p in PROFILES], ids=[p[0] for p in PROFILES]
)
def test_verdicts(profile: Profile, expected: str) -> None:
    report = evaluate(profile, RULES, GAZETTEER)
    got = "".join(
        next(k for k, v in CODES.items() if v is report.result(s).verdict) for s in SCHEMES
    )
    assert got == expected, "\n".join(
        f"{r.scheme_id}: {r.verdict.value} {r.reasons} missing={r.missing}" for r in report.results
    )


@pytest.mark.parametrize(
    ("profile", "scheme", "missing"),
    [
        (Profile(location="Toulouse"), "filiere-rd", ["org_type", "ai_specialist"]),
        (
            company(org_type=S, staff=3, sector="sante", ai_specialist=True),
            "filiere-rd",
            ["location"],
        ),
        (
            company(staff=40, location="Albi", sector="agriculture"),
            "filiere-rd",
            ["ai_specialist"],
        ),
        (company(staff=40, location="Albi"), "secteurs-cles", ["sector"]),
        (company(staff=40, location="Albi"), "contrat-innovation", ["turnover_eur"]),
        (company(location="Albi"), "contrat-innovation", ["staff"]),
        (company(staff=40, location="Albi"), "startoc-process", ["company_age_years"]),
        (
            company(staff=30, turnover_eur=60 * M, location="Albi"),
            "contrat-innovation",
            ["balance_sheet_eur"],
        ),
    ],
)
def test_missing_fields(profile: Profile, scheme: str, missing: list[str]) -> None:
    result = evaluate(profile, RULES, GAZETTEER).result(scheme)
    assert result.verdict is Verdict.TO_CHECK
    assert result.missing == missing


def test_outside_occitanie_reason() -> None:
    report = evaluate(company(location="Bordeaux", ai_specialist=True), RULES, GAZETTEER)
    reasons = report.result("filiere-rd").reasons
    assert reasons == ["le plan vise les acteurs de la région Occitanie"]
    assert "Occitanie" in report.result("contrat-innovation").reasons[0]


def test_match_wording_and_citations() -> None:
    report = evaluate(
        company(org_type=S, location="Toulouse", ai_specialist=True), RULES, GAZETTEER
    )
    result = report.result("filiere-rd")
    assert result.verdict is Verdict.MATCHES
    assert result.reasons[0].startswith("correspond à la cible de")
    assert [c.doc for c in result.citations] == ["plan-env-filiere"]
    assert report.result("secteurs-cles").citations[0].doc == "plan-env-secteurs-cles"


def test_possibly_discontinued_scheme_is_never_a_match() -> None:
    report = evaluate(company(staff=5, turnover_eur=1 * M, location="Albi"), RULES, GAZETTEER)
    result = report.result("pass-occitanie")
    assert result.verdict is Verdict.TO_CHECK
    assert any("peut-être arrêté" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("profile", "field", "question_part"),
    [
        (Profile(), "location", "ville"),
        (Profile(location="Toulouse"), "org_type", "entreprise"),
        (
            company(staff=40, location="Albi", sector="agriculture", declared_sme=True),
            "ai_specialist",
            "IA",
        ),
        (
            company(org_type=S, staff=3, location="Perpignan", sector="sante", ai_specialist=True),
            "turnover_eur",
            "chiffre d'affaires",
        ),
    ],
)
def test_follow_up_question(profile: Profile, field: str, question_part: str) -> None:
    report = evaluate(profile, RULES, GAZETTEER)
    assert report.follow_up_field == field
    assert question_part in report.follow_up_question
    assert report.follow_up_question.endswith("?")


def test_no_follow_up_when_everything_is_known() -> None:
    report = evaluate(Profile(org_type=OrgType.ETUDIANT, location="Albi"), RULES, GAZETTEER)
    assert report.follow_up_question is None


FORBIDDEN = re.compile(r"vous êtes éligible|êtes éligible|you are eligible", re.IGNORECASE)


@pytest.mark.parametrize(
    ("profile", "_expected"), [p[1:] for p in PROFILES], ids=[p[0] for p in PROFILES]
)
def test_rendering_never_overclaims(profile: Profile, _expected: str) -> None:
    report = evaluate(profile, RULES, GAZETTEER)
    for rendered in (render_fr(report), render_en(report)):
        assert not FORBIDDEN.search(rendered.text)
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", rendered.text)}
        assert markers == set(range(1, len(rendered.cited_doc_ids) + 1))
        assert len(rendered.cited_doc_ids) == len(set(rendered.cited_doc_ids))


def test_french_rendering_wording() -> None:
    report = evaluate(
        company(staff=40, turnover_eur=6 * M, location="Albi", sector="agriculture"),
        RULES,
        GAZETTEER,
    )
    text = render_fr(report).text
    assert "Correspond à la cible de « IA dans les secteurs clés (10 M€) »" in text
    assert "Ne correspond pas à « Recherche en IA (14 M€) »" in text
    assert "À vérifier auprès d'AD'OCC" in text
    assert text.count("ne précisent ni calendrier") == 1
    assert "Petite entreprise (PME)" in text


def test_region_is_the_contact_for_non_companies() -> None:
    text = render_fr(
        evaluate(Profile(org_type=OrgType.ETUDIANT, location="Albi"), RULES, GAZETTEER)
    ).text
    assert "auprès de la Région" in text
    assert "AD'OCC :" not in text


def test_outside_occitanie_rendering() -> None:
    text = render_fr(evaluate(company(location="Lyon"), RULES, GAZETTEER)).text
    assert "vise les acteurs de la région Occitanie" in text


def test_chat_two_turns() -> None:
    first = ELIGIBILITY.answer("PME de 40 salariés à Albi dans l'agroalimentaire, quelles aides ?")
    assert first.kind == "eligibility"
    assert first.follow_up_field == "ai_specialist"
    assert first.text.rstrip().endswith("?")
    assert "plan-env-secteurs-cles" in first.cited_doc_ids
    second = ELIGIBILITY.answer("non", first.profile, expected_field=first.follow_up_field)
    assert second.profile.staff == 40
    assert second.report is not None
    assert second.report.result("filiere-rd").verdict is Verdict.NO_MATCH
    assert second.report.result("secteurs-cles").verdict is Verdict.MATCHES


def test_chat_startup_phrase() -> None:
    answer = ELIGIBILITY.answer("on est 3 à Perpignan, startup IA santé")
    assert answer.report is not None
    assert answer.report.result("filiere-rd").verdict is Verdict.MATCHES
    assert answer.report.result("secteurs-cles").verdict is Verdict.MATCHES
    assert "Pyrénées-Orientales" in answer.text


def test_chat_size_question() -> None:
    answer = ELIGIBILITY.answer("180 salariés et 30 M€ de CA, suis-je une PME ?")
    assert answer.kind == "size"
    assert "Moyenne entreprise (PME)" in answer.text
    assert "< 250" in answer.text and "50 M€" in answer.text and "43 M€" in answer.text
    assert answer.cited_doc_ids == ["ctx-definition-pme"]


def test_chat_english() -> None:
    answer = ELIGIBILITY.answer(
        "We are an AI startup in Toulouse with 4 employees, which grants can we get?",
        today=date(2025, 1, 1),
    )
    assert answer.language == "en"
    assert "Matches the target of" in answer.text
