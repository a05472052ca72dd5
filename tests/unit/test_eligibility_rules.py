"""The rules file: the real one loads and is sourced; broken ones fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.eligibility import RulesError, TargetGroup, load_rules
from assistant.eligibility.rules import parse_rules

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_RULES = REPO_ROOT / "corpus" / "data" / "eligibility.yaml"
FIXTURES = Path(__file__).resolve().parent / "data" / "eligibility"

# Corpus documents that exist; every rule must cite one of them.
CORPUS_DOCS = {
    "plan-env-filiere",
    "plan-env-secteurs-cles",
    "plan-env-recherche",
    "plan-env-formation",
    "plan-env-services-publics",
    "ctx-aides-regionales",
    "ctx-definition-pme",
    "ctx-contacts",
    "plan-non-precise",
}


def test_real_rules_file_loads() -> None:
    rules = load_rules(REAL_RULES)
    assert [s.id for s in rules.schemes] == [
        "filiere-rd",
        "filiere-animation",
        "secteurs-cles",
        "recherche",
        "formation",
        "services-publics",
        "contrat-innovation",
        "pass-occitanie",
        "startoc-process",
    ]
    assert {c.id for c in rules.conditions} == {"impact-score", "de-minimis"}


def test_every_rule_cites_an_existing_corpus_doc() -> None:
    rules = load_rules(REAL_RULES)
    docs = {
        rules.key_sectors.source.doc,
        rules.plan_note.source.doc,
        rules.sme_definition.source.doc,
    }
    for scheme in rules.schemes:
        docs.add(scheme.source.doc)
        for extra in (scheme.size, scheme.company_age):
            if extra is not None:
                docs.add(extra.source.doc)
    docs |= {c.source.doc for c in rules.conditions}
    docs |= {c.source.doc for c in rules.contacts.values()}
    assert docs <= CORPUS_DOCS


def test_plan_envelopes_add_up_to_60_meur() -> None:
    rules = load_rules(REAL_RULES)
    total = sum(s.amount_meur or 0 for s in rules.schemes if s.kind == "plan_envelope")
    assert total == 60


def test_facts_encoded_in_the_rules() -> None:
    rules = load_rules(REAL_RULES)
    assert list(rules.key_sectors.values) == [
        "sante",
        "agriculture",
        "aerospatial",
        "mobilite",
    ]
    assert rules.scheme("filiere-rd").targets == [TargetGroup.AI_SPECIALIST_COMPANY]
    pass_occ = rules.scheme("pass-occitanie")
    assert pass_occ.status == "possibly_discontinued"
    assert pass_occ.confidence == "uncertain"
    assert pass_occ.size is not None
    assert (pass_occ.size.staff_lt, pass_occ.size.turnover_lt_eur) == (50, 10_000_000)
    startoc = rules.scheme("startoc-process")
    assert startoc.company_age is not None
    assert (startoc.company_age.max_years, startoc.company_age.extended_max_years) == (3, 7)
    contrat = rules.scheme("contrat-innovation")
    assert contrat.targets == [TargetGroup.SME]
    assert {c.group for c in contrat.conditional_targets} == {
        TargetGroup.ETI,
        TargetGroup.LARGE_COMPANY,
        TargetGroup.RESEARCH_BODY,
    }


def test_valid_fixture_loads() -> None:
    rules = load_rules(FIXTURES / "valid_minimal.yaml")
    assert [s.id for s in rules.schemes] == ["filiere-rd"]


# (fixture, entry id expected in the message, field expected in the message)
BROKEN = [
    ("broken_missing_field.yaml", "recherche", "targets"),
    ("broken_unknown_target.yaml", "recherche", "targets[1]"),
    ("broken_bad_type.yaml", "recherche", "amount_meur"),
    ("broken_duplicate_id.yaml", "filiere-rd", "id"),
    ("broken_unknown_field.yaml", "recherche", "contcat"),
    ("broken_plan_without_envelope.yaml", "recherche", "envelope"),
]


@pytest.mark.parametrize(("name", "entry", "field"), BROKEN)
def test_broken_file_error_names_file_entry_and_field(name: str, entry: str, field: str) -> None:
    with pytest.raises(RulesError) as info:
        load_rules(FIXTURES / name)
    message = str(info.value)
    assert name in message
    assert f"id '{entry}'" in message
    assert f"champ '{field}'" in message
    assert any(problem[1] == field for problem in info.value.problems)


def test_unknown_target_lists_allowed_values() -> None:
    with pytest.raises(RulesError) as info:
        load_rules(FIXTURES / "broken_unknown_target.yaml")
    assert "chercheurs_independants" in str(info.value)
    assert "research_body" in str(info.value)


def test_yaml_syntax_error_names_file_and_line() -> None:
    with pytest.raises(RulesError) as info:
        load_rules(FIXTURES / "broken_yaml_syntax.yaml")
    assert "broken_yaml_syntax.yaml" in str(info.value)
    assert "ligne" in str(info.value)


def test_missing_file() -> None:
    with pytest.raises(RulesError) as info:
        load_rules(FIXTURES / "does_not_exist.yaml")
    assert "does_not_exist.yaml" in str(info.value)


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    raw = yaml.safe_load((FIXTURES / "valid_minimal.yaml").read_text(encoding="utf-8"))
    del raw["schemes"][0]["id"]
    with pytest.raises(RulesError) as info:
        parse_rules(raw, "rules.yaml")
    assert "schemes[0] (sans id)" in str(info.value)
    assert "champ 'id'" in str(info.value)


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(RulesError, match="dictionnaire"):
        parse_rules(["not", "a", "mapping"], "rules.yaml")


def test_real_file_broken_in_memory_names_the_real_entry() -> None:
    raw = yaml.safe_load(REAL_RULES.read_text(encoding="utf-8"))
    raw["schemes"][2]["targets"] = ["key_sector_company", "agriculteurs"]
    with pytest.raises(RulesError) as info:
        parse_rules(raw, "eligibility.yaml")
    assert "id 'secteurs-cles'" in str(info.value)
    assert "champ 'targets[1]'" in str(info.value)
