"""Free-text questions: recognition and profile extraction."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.eligibility import (
    OrgType,
    Profile,
    ProjectType,
    is_english,
)
from tests.knowledge import LEXICON as READER_LEXICON
from tests.knowledge import READER

TODAY = date(2025, 6, 1)
M = 1_000_000

# (text, expected fields; fields not listed must keep their default)
PHRASINGS = [
    (
        "PME de 40 salariés à Albi dans l'agroalimentaire, quelles aides ?",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 40,
            "location": "Albi",
            "departement": "Tarn",
            "in_occitanie": True,
            "sector": "agriculture",
            "declared_sme": True,
        },
    ),
    (
        "on est 3 à Perpignan, startup IA santé",
        {
            "org_type": OrgType.STARTUP,
            "staff": 3,
            "location": "Perpignan",
            "departement": "Pyrénées-Orientales",
            "in_occitanie": True,
            "sector": "sante",
            "ai_specialist": True,
        },
    ),
    (
        "180 salariés et 30 M€ de CA, suis-je une PME ?",
        {"org_type": OrgType.ENTREPRISE, "staff": 180, "turnover_eur": 30 * M},
    ),
    (
        "CA de 2,5 millions et bilan 12M, on est une boite de 15 personnes",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 15,
            "turnover_eur": 2.5 * M,
            "balance_sheet_eur": 12 * M,
        },
    ),
    (
        "notre chiffre d'affaires 800 k€, 6 employés a montpellier",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 6,
            "turnover_eur": 800_000.0,
            "location": "Montpellier",
            "departement": "Hérault",
            "in_occitanie": True,
        },
    ),
    (
        "TPE de 4 salaries a beziers, on veut integrer l'IA dans notre commerce",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 4,
            "location": "Béziers",
            "departement": "Hérault",
            "in_occitanie": True,
            "sector": "autre",
            "project_type": ProjectType.ADOPTION_IA,
            "declared_sme": True,
        },
    ),
    (
        "nous sommes un labo de recherche à Toulouse qui travaille sur l'IA en sante",
        {
            "org_type": OrgType.RECHERCHE,
            "location": "Toulouse",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "sector": "sante",
        },
    ),
    (
        "Je suis étudiant à Montpellier, je voudrais me former à l'IA",
        {
            "org_type": OrgType.ETUDIANT,
            "location": "Montpellier",
            "departement": "Hérault",
            "in_occitanie": True,
            "project_type": ProjectType.FORMATION,
        },
    ),
    (
        "je suis demandeuse d'emploi à Nîmes, quelles formations IA ?",
        {
            "org_type": OrgType.DEMANDEUR_EMPLOI,
            "location": "Nîmes",
            "departement": "Gard",
            "in_occitanie": True,
            "project_type": ProjectType.FORMATION,
        },
    ),
    (
        "La mairie de Rodez veut utiliser l'IA pour ses services publics",
        {
            "org_type": OrgType.PUBLIC,
            "location": "Rodez",
            "departement": "Aveyron",
            "in_occitanie": True,
            "project_type": ProjectType.ADOPTION_IA,
        },
    ),
    (
        "start-up spécialisée en intelligence artificielle créée en 2023 à Labège, 8 personnes",
        {
            "org_type": OrgType.STARTUP,
            "staff": 8,
            "location": "Labège",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "ai_specialist": True,
            "company_age_years": 2.0,
        },
    ),
    (
        "équipementier aeronautique de 320 salariés à Blagnac, CA 60 M€ et bilan 45 M€",
        {
            "staff": 320,
            "turnover_eur": 60 * M,
            "balance_sheet_eur": 45 * M,
            "location": "Blagnac",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "sector": "aerospatial",
            "org_type": OrgType.ENTREPRISE,
        },
    ),
    (
        "on fait de l'IA pour le spatial, on est trois, basés à Toulouse",
        {
            "staff": 3,
            "location": "Toulouse",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "sector": "aerospatial",
            "ai_specialist": True,
        },
    ),
    (
        "entreprise de transport de 120 salariés à Tarbes, pas spécialisée en IA",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 120,
            "location": "Tarbes",
            "departement": "Hautes-Pyrénées",
            "in_occitanie": True,
            "sector": "mobilite",
            "ai_specialist": False,
        },
    ),
    (
        "Startup IA à Lyon, 5 salariés, éligible ?",
        {
            "org_type": OrgType.STARTUP,
            "staff": 5,
            "location": "Lyon",
            "in_occitanie": False,
            "ai_specialist": True,
        },
    ),
    (
        "organisme de formation à Carcassonne, on veut lancer des formations IA",
        {
            "org_type": OrgType.FORMATION,
            "location": "Carcassonne",
            "departement": "Aude",
            "in_occitanie": True,
            "project_type": ProjectType.FORMATION,
        },
    ),
    (
        "exploitation viticole dans le Gers, 12 salariés, CA 1,8 M€",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 12,
            "turnover_eur": 1.8 * M,
            "location": "Gers",
            "departement": "Gers",
            "in_occitanie": True,
            "sector": "agriculture",
        },
    ),
    (
        "Boîte de logiciel de 25 personnes, 31000, on développe des modèles d'IA",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 25,
            "location": "Haute-Garonne",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "sector": "numerique",
            "ai_specialist": True,
        },
    ),
    (
        "ETI de 1 500 salariés, chiffre d'affaires de 300 M€, siège à Paris",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 1500,
            "turnover_eur": 300 * M,
            "location": "Paris",
            "in_occitanie": False,
        },
    ),
    (
        "We are an AI startup in Montpellier with 5 employees, founded in 2024",
        {
            "org_type": OrgType.STARTUP,
            "staff": 5,
            "location": "Montpellier",
            "departement": "Hérault",
            "in_occitanie": True,
            "ai_specialist": True,
            "company_age_years": 1.0,
        },
    ),
    (
        "medtech de 2 ans d'existence a Castelnau-le-Lez, projet de R&D",
        {
            "location": "Castelnau-le-Lez",
            "departement": "Hérault",
            "in_occitanie": True,
            "sector": "sante",
            "company_age_years": 2.0,
            "project_type": ProjectType.RD,
        },
    ),
    (
        "cluster de l'agritech à Auch, aides pour animer l'écosystème ?",
        {
            "org_type": OrgType.ASSOCIATION,
            "location": "Auch",
            "departement": "Gers",
            "in_occitanie": True,
            "sector": "agriculture",
        },
    ),
    (
        "je suis seul, auto-entrepreneur à Mende dans la mobilité",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 1,
            "location": "Mende",
            "departement": "Lozère",
            "in_occitanie": True,
            "sector": "mobilite",
        },
    ),
    (
        "on est une petite boite de 12 a Castres, on veut utiliser l IA",
        {
            "org_type": OrgType.ENTREPRISE,
            "staff": 12,
            "location": "Castres",
            "departement": "Tarn",
            "in_occitanie": True,
            "project_type": ProjectType.ADOPTION_IA,
            "declared_sme": True,
        },
    ),
    (
        "Startup IA de 18 mois à Toulouse, CA 200k€",
        {
            "org_type": OrgType.STARTUP,
            "turnover_eur": 200_000.0,
            "location": "Toulouse",
            "departement": "Haute-Garonne",
            "in_occitanie": True,
            "ai_specialist": True,
            "company_age_years": 1.5,
        },
    ),
    (
        "je suis salarié d'une PME à Cahors, je veux me former",
        {
            "org_type": OrgType.SALARIE,
            "location": "Cahors",
            "departement": "Lot",
            "in_occitanie": True,
            "project_type": ProjectType.FORMATION,
            "declared_sme": True,
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[p[0][:40] for p in PHRASINGS])
def test_extract_profile(text, expected) -> None:
    profile = READER.read(text, today=TODAY)
    default = Profile()
    actual = profile.to_dict()
    for name, _value in default.to_dict().items():
        want = expected.get(name, getattr(default, name))
        want = want.value if hasattr(want, "value") else want
        assert actual[name] == want, f"{name}: {actual[name]!r} != {want!r}"


def test_amount_without_keyword_is_not_turnover() -> None:
    profile = READER.read("PME de 20 salariés, projet de 30 k€ à Albi")
    assert profile.turnover_eur is None
    assert profile.balance_sheet_eur is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PME de 40 salariés à Albi dans l'agroalimentaire, quelles aides ?", True),
        ("on est 3 à Perpignan, startup IA santé", True),
        ("Suis-je éligible au plan IA ?", True),
        ("180 salariés et 30 M€ de CA, suis-je une PME ?", True),
        ("Est-ce qu'on peut bénéficier d'une subvention ?", True),
        ("Quelles aides pour une startup à Toulouse ?", True),
        ("Am I eligible? We are an AI company in Toulouse", True),
        ("Quel est le montant total du plan IA ?", False),
        ("Qui est Carole Delga ?", False),
        ("Que fait ANITI ?", False),
        ("Quand a été adopté le plan ?", False),
        ("Combien d'étudiants ont suivi des cours d'IA en 2023 ?", False),
    ],
)
def test_is_eligibility_question(text, expected) -> None:
    assert READER.is_eligibility_question(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("180 salariés et 30 M€ de CA, suis-je une PME ?", True),
        ("Avec 300 salariés, sommes-nous une ETI ?", True),
        ("quelle catégorie d'entreprise pour 12 salariés ?", True),
        ("Am I an SME with 40 staff?", True),
        ("PME de 40 salariés à Albi, quelles aides ?", False),
    ],
)
def test_is_size_question(text, expected) -> None:
    assert READER.is_size_question(text) is expected


def test_follow_up_merges_both_turns() -> None:
    first = READER.read("PME de 40 salariés à Albi dans l'agroalimentaire, quelles aides ?")
    second = READER.read("non, on veut juste intégrer l'IA", first, expected_field="ai_specialist")
    assert second.staff == 40
    assert second.departement == "Tarn"
    assert second.sector == "agriculture"
    assert second.ai_specialist is False
    assert second.project_type is ProjectType.ADOPTION_IA


@pytest.mark.parametrize(
    ("answer", "field", "name", "value"),
    [
        ("oui", "ai_specialist", "ai_specialist", True),
        ("Non", "ai_specialist", "ai_specialist", False),
        ("12", "staff", "staff", 12),
        ("2,5 M€", "turnover_eur", "turnover_eur", 2.5 * M),
        ("2021", "company_age_years", "company_age_years", 4.0),
        ("à Sète", "location", "departement", "Hérault"),
    ],
)
def test_short_follow_up_answers(answer, field, name, value) -> None:
    previous = Profile(org_type=OrgType.STARTUP, location="Perpignan", in_occitanie=True)
    profile = READER.read(answer, previous, expected_field=field, today=TODAY)
    assert getattr(profile, name) == value
    assert profile.org_type is OrgType.STARTUP


def test_new_location_replaces_old_one() -> None:
    previous = READER.read("startup à Lyon")
    profile = READER.read("en fait on est à Toulouse", previous)
    assert profile.in_occitanie is True
    assert profile.departement == "Haute-Garonne"


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("We are an AI startup in Toulouse, which grants can we get?", True),
        ("on est 3 à Perpignan, startup IA santé", False),
        ("PME de 40 salariés à Albi, quelles aides ?", False),
    ],
)
def test_is_english(text, english) -> None:
    assert is_english(text, READER_LEXICON) is english
