"""Schema and loader of ``corpus/data/eligibility.yaml``.

The rules file is edited by the Région's staff, not by developers, so every
mistake must come back as one readable line naming the file, the entry (its
id, or its position when the id itself is missing) and the field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.eligibility.profile import ProjectType
from assistant.errors import KnowledgeError


class TargetGroup(StrEnum):
    """Closed vocabulary of the groups the plan texts and schemes name."""

    AI_SPECIALIST_COMPANY = "ai_specialist_company"
    KEY_SECTOR_COMPANY = "key_sector_company"
    RESEARCH_BODY = "research_body"
    TRAINING_BODY = "training_body"
    STUDENT = "student"
    JOB_SEEKER = "job_seeker"
    EMPLOYEE = "employee"
    PUBLIC_BODY = "public_body"
    SME = "sme"
    ETI = "eti"
    LARGE_COMPANY = "large_company"
    STARTUP = "startup"
    ECOSYSTEM_ACTOR = "ecosystem_actor"


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a condition."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a rule comes from; ``doc`` is a corpus document id for citations."""

    doc: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    date: str | None = None
    url: str | None = None


class ConditionalTarget(_Strict):
    """A group concerned only under a condition: gives "à vérifier", never "correspond"."""

    group: TargetGroup
    condition: str = Field(min_length=1)
    condition_en: str | None = None


class SizeRule(_Strict):
    """Size ceilings a scheme publishes (strictly below)."""

    staff_lt: int | None = Field(default=None, gt=0)
    turnover_lt_eur: float | None = Field(default=None, gt=0)
    balance_sheet_lt_eur: float | None = Field(default=None, gt=0)
    independent_required: bool = False
    source: Source


class AgeRule(_Strict):
    """Company-age ceiling: under ``max_years`` matches, up to the extended one is to check."""

    max_years: float = Field(gt=0)
    extended_max_years: float | None = Field(default=None, gt=0)
    note: str | None = None
    note_en: str | None = None
    source: Source


class Scheme(_Strict):
    """One plan envelope (or part of one) or one generic regional scheme."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    name_en: str | None = None
    short_name: str | None = None
    short_name_en: str | None = None
    kind: Literal["plan_envelope", "regional_scheme"]
    envelope: str | None = None
    amount_meur: float | None = Field(default=None, ge=0)
    targets: list[TargetGroup] = Field(min_length=1)
    conditional_targets: list[ConditionalTarget] = Field(default_factory=list)
    project_types: list[ProjectType] | None = None
    location: Literal["occitanie"]
    location_note: str | None = None
    location_note_en: str | None = None
    size: SizeRule | None = None
    company_age: AgeRule | None = None
    contact: Literal["adocc", "region"]
    confidence: Literal["confirmed", "press_only", "uncertain"]
    status: Literal["active", "possibly_discontinued"] = "active"
    notes: list[str] = Field(default_factory=list)
    notes_en: list[str] = Field(default_factory=list)
    source: Source

    @model_validator(mode="after")
    def _envelope_for_plan(self) -> Scheme:
        if self.kind == "plan_envelope" and not self.envelope:
            raise ValueError("envelope: obligatoire pour kind 'plan_envelope'")
        return self


class KeySectors(_Strict):
    """Sectors named "key" by envelope 2, with their source."""

    #: sector ids of the lexicon (``corpus/lexicon/profile.yaml``, ``cues: sector:``)
    values: list[str] = Field(min_length=1)
    source: Source


class Note(_Strict):
    """A shared note (e.g. what the plan texts do not specify)."""

    text: str = Field(min_length=1)
    text_en: str | None = None
    source: Source


class Condition(_Strict):
    """A condition of regional aid in general, shown as a note."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)
    text_en: str | None = None
    applies_to: Literal["companies", "all"]
    source: Source


class Contact(_Strict):
    """Who to check with, and the words to say it."""

    name: str
    fr: str
    en: str
    source: Source


class SmeDefinition(_Strict):
    """Source of the EU SME definition (the thresholds live in code, sme.py)."""

    source: Source


class Rules(_Strict):
    """The whole rules file."""

    version: Literal[1]
    key_sectors: KeySectors
    plan_note: Note
    schemes: list[Scheme] = Field(min_length=1)
    conditions: list[Condition] = Field(default_factory=list)
    contacts: dict[Literal["adocc", "region"], Contact]
    sme_definition: SmeDefinition

    def scheme(self, scheme_id: str) -> Scheme:
        """The scheme with that id (KeyError if absent)."""
        for scheme in self.schemes:
            if scheme.id == scheme_id:
                return scheme
        raise KeyError(scheme_id)


class RulesError(KnowledgeError):
    """A rules file that cannot be used; the message names file, entry and field."""

    def __init__(self, file: str, problems: list[tuple[str, str, str]]) -> None:
        self.file = file
        self.problems = problems  # (entry, field, message)
        self.entry = problems[0][0] if problems else ""
        self.field = problems[0][1] if problems else ""
        lines = [f"{file}: {entry} : champ '{fld}' : {msg}" for entry, fld, msg in problems]
        super().__init__("Fichier de règles invalide\n" + "\n".join(lines))


_LIST_SECTIONS = ("schemes", "conditions")


def _entry_and_field(loc: tuple[Any, ...], raw: Any) -> tuple[str, str]:
    """Turn a pydantic location into ("schemes[3] (id 'x')", "targets[0]")."""
    if len(loc) >= 2 and loc[0] in _LIST_SECTIONS and isinstance(loc[1], int):
        section, index = str(loc[0]), loc[1]
        entry_id = None
        items = raw.get(section) if isinstance(raw, dict) else None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            entry_id = items[index].get("id")
        entry = f"entrée {section}[{index}]" + (f" (id '{entry_id}')" if entry_id else " (sans id)")
        rest = loc[2:]
    else:
        entry = f"section '{loc[0]}'" if loc else "racine du fichier"
        rest = loc[1:] if loc else ()
    field = ""
    for part in rest:
        if isinstance(part, int):
            field += f"[{part}]"
        elif str(part).startswith("function-") or str(part) in {"str", "int", "float"}:
            continue
        else:
            field += ("." if field else "") + str(part)
    return entry, field


_FRENCH_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu (faute de frappe ?)",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "too_short": "ne doit pas être vide",
    "string_too_short": "ne doit pas être vide",
    "string_pattern_mismatch": "format invalide (minuscules, chiffres et tirets)",
    "greater_than": "doit être positif",
    "greater_than_equal": "doit être positif ou nul",
}


def _message(error: dict[str, Any]) -> str:
    """French message for one pydantic error, with the offending value."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in {"enum", "literal_error"}:
        msg = f"valeur non autorisée ; valeurs possibles : {ctx.get('expected', '?')}"
    elif kind == "value_error":
        msg = str(ctx.get("error", error.get("msg", "invalide")))
    else:
        msg = _FRENCH_MESSAGES.get(kind, str(error.get("msg", "invalide")))
    value = error.get("input")
    if (
        kind not in {"missing", "value_error"}
        and not isinstance(value, (dict, list))
        and value is not None
    ):
        msg += f" (valeur : {value!r})"
    return msg


def _duplicates(raw: dict[str, Any]) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    for section in _LIST_SECTIONS:
        seen: dict[str, int] = {}
        for index, item in enumerate(raw.get(section) or []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                if item["id"] in seen:
                    problems.append(
                        (
                            f"entrée {section}[{index}] (id '{item['id']}')",
                            "id",
                            f"identifiant en double (déjà utilisé par {section}[{seen[item['id']]}])",
                        )
                    )
                else:
                    seen[item["id"]] = index
    return problems


def parse_rules(raw: Any, file: str = "<rules>") -> Rules:
    """Validate an already-parsed YAML mapping; raise :class:`RulesError`."""
    if not isinstance(raw, dict):
        raise RulesError(
            file, [("racine du fichier", "", "le fichier doit contenir un dictionnaire YAML")]
        )
    problems: list[tuple[str, str, str]] = []
    rules: Rules | None = None
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            entry, field = _entry_and_field(tuple(error["loc"]), raw)
            msg = _message(error)
            named = re.match(r"^([a-z_]+): (.*)$", msg)
            if not field and named:
                # entry-level validators name their field as "field: message"
                field, msg = named.group(1), named.group(2)
            problems.append((entry, field, msg))
    problems.extend(_duplicates(raw))
    if problems or rules is None:
        raise RulesError(file, problems)
    return rules


def load_rules(path: str | Path) -> Rules:
    """Load and validate a rules file.

    Raises :class:`RulesError` for a missing file, bad YAML or a schema error,
    always naming the file.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(name, [("fichier", "", f"lecture impossible : {exc.strerror}")]) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"ligne {mark.line + 1}" if mark is not None else "fichier"
        raise RulesError(name, [(where, "", f"YAML invalide : {exc}")]) from exc
    return parse_rules(raw, name)
