"""Read a profile out of a free-text question ("on est 3 à Perpignan, startup IA santé").

The words come from the lexicon (``corpus/lexicon/profile.yaml``: organisation
types, sectors, AI and eligibility cues...), matched on normalised text (no
accents, no case, hyphens and apostrophes as spaces), because users type
"sante", "agro", "CA de 2,5 millions" or "on est trois". Only the grammars
stay here: how a head-count, an amount (read by the figure grammar of
:mod:`assistant.answer.figures`) or a company age is written around those
words. Anything not recognised stays ``None`` so that the engine asks for it
rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from assistant.answer.figures import extract_figures
from assistant.eligibility.locations import Gazetteer, resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType
from assistant.errors import KnowledgeError
from assistant.knowledge.lexicon import Cue, Lexicon
from assistant.text.french import fold_aligned
from assistant.text.normalize import normalize
from assistant.text.numbers import NUMBER_WORDS

#: Counts in words for head-counts: the shared table plus "un"/"une"/"one"
#: ("une personne"), which the figure guard deliberately leaves out.
WORD_NUMBERS: dict[str, int] = {**NUMBER_WORDS, "un": 1, "une": 1, "one": 1}
_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
NUM_OR_WORD = rf"(\d{{1,3}}(?: \d{{3}})+|\d+|{_WORDS})"
# "nous sommes un labo": after "on est / nous sommes", "un" is an article.
_TEAM_WORDS = "|".join(w for w in _WORDS.split("|") if w not in {"un", "une", "one"})
TEAM_NUM = rf"(\d{{1,3}}(?: \d{{3}})+|\d+|{_TEAM_WORDS})"
#: What may follow a number that is not a head-count ("3 M€", "2 ans", "10 %").
_NOT_STAFF = r"(?!\s*(?:€|k\b|k€|m\b|m€|millions?|ans?\b|mois|years?|months?|%|\d))"
_AMOUNT_LINK = r"^\s*(?:(?:hors taxes?|ht)\s+)?(?:(?:de|d|of|en|in|au|du)[\s']+)?"
_END = r"(?![a-z0-9])"


def _to_number(token: str) -> float:
    """'2,5' -> 2.5, '1 500' -> 1500, 'trois' -> 3."""
    token = token.strip()
    if token in WORD_NUMBERS:
        return float(WORD_NUMBERS[token])
    return float(token.replace(" ", "").replace(",", "."))


def _body(cue: Cue) -> str:
    """The cue's regex (whole words), to embed in a grammar of this module."""
    return cue.pattern.pattern


class ProfileReader:
    """Reads profiles and question kinds with one corpus's lexicon and places.

    Built once per :class:`~assistant.knowledge.Knowledge` (compiling the
    grammars around the cue words), then safe to share between threads.
    """

    def __init__(self, lexicon: Lexicon, gazetteer: Gazetteer, key_sectors: Iterable[str]) -> None:
        self.gazetteer = gazetteer
        self.orgs = {OrgType(name): cue for name, cue in lexicon.group("org").items()}
        self.projects = {ProjectType(n): cue for n, cue in lexicon.group("project").items()}
        sectors = lexicon.group("sector")
        key = [s for s in key_sectors]
        unknown = [s for s in key if s not in sectors]
        if unknown:
            raise KnowledgeError(
                f"data/eligibility.yaml (key_sectors): {unknown} have no cue words in "
                "lexicon (cues: sector: ...)"
            )
        # the plan's key sectors are looked for first ("biotech agro" is a key sector)
        self.sector_groups = (
            {s: sectors[s] for s in key},
            {s: c for s, c in sectors.items() if s not in key},
        )
        self.sectors = tuple(sectors)
        self.declared_sme = lexicon.cue("declared_sme")
        self.ai_yes = lexicon.cue("ai_specialist.positive")
        self.ai_no = lexicon.cue("ai_specialist.negative")
        self.answer_yes = re.compile(r"^\s*" + _body(lexicon.cue("answer.positive")))
        self.answer_no = re.compile(r"^\s*" + _body(lexicon.cue("answer.negative")))
        self.solo = lexicon.cue("solo")
        self.institution = lexicon.cue("institution")
        self.first_person = lexicon.cue("first_person")
        self.strong = lexicon.cue("eligibility.strong")
        self.weak = lexicon.cue("eligibility.weak")
        self.scheme = lexicon.cue("eligibility.scheme")
        self.size_question_cue = lexicon.cue("size_question")
        units = _body(lexicon.cue("staff_unit"))
        self.staff_unit = re.compile(NUM_OR_WORD + r"\s*" + units)
        self.staff_team = re.compile(
            _body(lexicon.cue("staff_team")) + r"\s*:?\s*" + TEAM_NUM + _NOT_STAFF + r"\b"
        )
        self.staff_org = re.compile(
            _body(lexicon.cue("staff_org"))
            + r"(?:\s+(?:ia|d ia|ai|tech))?\s+(?:de|of)\s+"
            + TEAM_NUM
            + _NOT_STAFF
            + r"(?=\s*(?:$|[,.;:!?)]|a\b|au\b|en\b|dans\b|sur\b|pres\b|in\b|et\b|and\b|qui\b))"
        )
        turnover, balance = lexicon.cue("turnover"), lexicon.cue("balance_sheet")
        self.turnover, self.balance = turnover, balance
        self.amount_after = re.compile(
            _AMOUNT_LINK + rf"(?:(?P<t>{_body(turnover)})|(?P<b>{_body(balance)}))"
        )
        created = _body(lexicon.cue("age.created"))
        existence = _body(lexicon.cue("age.existence"))
        self.age_year = re.compile(created + r"\s+(?:en |in |le \d{1,2} \w+ )?((?:19|20)\d\d)\b")
        self.age_duration = re.compile(
            created
            + r"\s+(?:il y a|voici)\s+"
            + NUM_OR_WORD
            + r"\s*(ans?|mois)\b"
            + r"|\b"
            + NUM_OR_WORD
            + r"\s*(ans?|mois|years?|months?)\s+"
            + existence
            + r"|"
            + _body(lexicon.cue("staff_org"))
            + r"(?:\s+(?:ia|d ia|ai|tech))?\s+(?:de|of)\s+"
            + NUM_OR_WORD
            + r"\s*(ans?|mois|years?|months?)\b"
            + r"|"
            + _body(lexicon.cue("age.exists_since"))
            + r"\s+"
            + NUM_OR_WORD
            + r"\s*(ans?|mois)\b"
        )

    # -- profile -----------------------------------------------------------------
    def read(
        self,
        text: str,
        previous: Profile | None = None,
        *,
        expected_field: str | None = None,
        today: date | None = None,
    ) -> Profile:
        """Extract a profile from ``text`` and merge it over ``previous``.

        ``expected_field`` is the field the previous answer asked for: it lets a
        bare "oui", "12" or "2021" fill that field.
        """
        norm = normalize(text)
        today = today or date.today()
        turnover, balance = self._money(text, expected_field)
        org = self._org_type(norm)
        has_money = turnover is not None or balance is not None
        if org is OrgType.UNKNOWN and has_money and previous is None:
            org = OrgType.ENTREPRISE  # only a company has a turnover and a balance sheet
        # "PME de 40 salariés" declares a size; "suis-je une PME ?" asks for one.
        declared = (
            True if self.declared_sme.search(norm) and not self.is_size_question(text) else None
        )
        # "la Région Occitanie" names the institution, not where the asker is
        location = resolve_location(self.institution.pattern.sub(" ", norm), self.gazetteer)
        current = Profile(
            org_type=org,
            staff=self._staff(norm, expected_field),
            turnover_eur=turnover,
            balance_sheet_eur=balance,
            sector=self._sector(norm),
            ai_specialist=self._ai_specialist(norm, expected_field),
            project_type=self._project_type(norm),
            company_age_years=self._age(norm, today, expected_field),
            declared_sme=declared,
        )
        if location.in_occitanie is not None:
            current = replace(
                current,
                location=location.matched,
                departement=location.departement,
                in_occitanie=location.in_occitanie,
            )
        return previous.merged_with(current) if previous is not None else current

    def _money(self, text: str, expected_field: str | None) -> tuple[float | None, float | None]:
        """Turnover and balance sheet: an amount counts only next to its keyword."""
        folded = fold_aligned(text)
        turnover: float | None = None
        balance: float | None = None
        for figure in extract_figures(text, lenient=True):
            if figure.kind != "amount":
                continue
            amount = float(figure.value)
            start, end = figure.span
            after = self.amount_after.match(folded[end:])
            kind = None
            if after:
                kind = "t" if after.group("t") else "b"
            else:
                before = folded[max(0, start - 35) : start]
                # ignore a keyword that belongs to an earlier amount
                before = re.split(r"\d", before)[-1]
                t_hits = [m.end() for m in self.turnover.finditer(before)]
                b_hits = [m.end() for m in self.balance.finditer(before)]
                if t_hits or b_hits:
                    kind = "t" if max(t_hits, default=-1) > max(b_hits, default=-1) else "b"
                elif expected_field == "turnover_eur":
                    kind = "t"
                elif expected_field == "balance_sheet_eur":
                    kind = "b"
            if kind == "t" and turnover is None:
                turnover = amount
            elif kind == "b" and balance is None:
                balance = amount
        return turnover, balance

    def _staff(self, norm: str, expected_field: str | None) -> int | None:
        for regex in (self.staff_unit, self.staff_team, self.staff_org):
            match = regex.search(norm)
            if match:
                number = next(g for g in match.groups() if g is not None and _is_count(g))
                return int(_to_number(number))
        if self.solo.search(norm):
            return 1
        if expected_field == "staff":
            match = re.search(
                r"(?<![\d.,])(\d{1,3}(?: \d{3})+|\d+)(?![\d.,]|\s*(?:€|k|m\b|%))", norm
            )
            if match:
                return int(_to_number(match.group(1)))
        return None

    def _age(self, norm: str, today: date, expected_field: str | None) -> float | None:
        match = self.age_year.search(norm)
        if match:
            return float(max(0, today.year - int(match.groups()[-1])))
        match = self.age_duration.search(norm)
        if match:
            groups = [g for g in match.groups() if g is not None]
            value, unit = _to_number(groups[-2]), groups[-1]
            return value / 12 if unit.startswith(("mois", "month")) else value
        if expected_field == "company_age_years":
            year = re.search(r"\b((?:19|20)\d\d)\b", norm)
            if year:
                return float(max(0, today.year - int(year.group(1))))
            dur = re.search(NUM_OR_WORD + r"\s*(ans?|mois|years?|months?)\b", norm)
            if dur:
                value = _to_number(dur.group(1))
                return value / 12 if dur.group(2).startswith(("mois", "month")) else value
        return None

    def _org_type(self, norm: str) -> OrgType:
        hits = _first(self.orgs, norm)
        if not hits:
            return OrgType.UNKNOWN
        chosen = hits[0]
        if chosen is OrgType.ENTREPRISE and OrgType.STARTUP in hits:
            return OrgType.STARTUP
        return chosen

    def _sector(self, norm: str) -> str | None:
        for group in self.sector_groups:
            hits = _first(group, norm)
            if hits:
                return hits[0]
        return None

    def _ai_specialist(self, norm: str, expected_field: str | None) -> bool | None:
        if self.ai_no.search(norm):
            return False
        if self.ai_yes.search(norm):
            return True
        if expected_field == "ai_specialist":
            if self.answer_yes.search(norm):
                return True
            if self.answer_no.search(norm):
                return False
        return None

    def _project_type(self, norm: str) -> ProjectType:
        for value, cue in self.projects.items():
            if cue.search(norm):
                return value
        return ProjectType.UNKNOWN

    # -- what kind of question -----------------------------------------------------
    def signals(self, profile: Profile) -> int:
        """How many profile items a text gave (to spot "on est 3 à Perpignan, startup IA")."""
        return sum(
            (
                profile.org_type is not OrgType.UNKNOWN,
                profile.staff is not None,
                profile.turnover_eur is not None or profile.balance_sheet_eur is not None,
                profile.in_occitanie is not None,
                profile.sector is not None,
                profile.ai_specialist is not None,
                profile.company_age_years is not None,
            )
        )

    def is_size_question(self, text: str) -> bool:
        """ "180 salariés et 30 M€ de CA, suis-je une PME ?" and the like (no scheme named)."""
        norm = normalize(text)
        return bool(self.size_question_cue.search(norm)) and not self.scheme.search(norm)

    def speaks_for_self(self, text: str) -> bool:
        """The text has a first-person word ("je", "nous", "on", "we"...)."""
        return bool(self.first_person.search(normalize(text)))

    def is_eligibility_question(self, text: str) -> bool:
        """Whether the text asks what aid the asker can get (or describes the asker).

        Strong cues ("éligible", "quelles aides") suffice; weak cues ("aide",
        "financement") need a first-person word or a profile item; a bare profile
        description needs several items and a first-person word.
        """
        norm = normalize(text)
        if self.is_size_question(text):
            return True
        if self.strong.search(norm):
            return True
        signals = self.signals(self.read(text))
        first_person = bool(self.first_person.search(norm))
        if self.weak.search(norm) and (first_person or signals >= 1):
            return True
        # a description without a first-person word is a question about others
        # ("ya combien de boites ia en occitanie"), not about the asker
        return signals >= 2 and first_person


def _is_count(token: str) -> bool:
    return token in WORD_NUMBERS or token[:1].isdigit()


def _first(cues: dict, norm: str) -> list:
    """Keys of ``cues`` found in ``norm``, by position of their first match (ties: cue order)."""
    hits = []
    for order, (value, cue) in enumerate(cues.items()):
        match = cue.search(norm)
        if match:
            hits.append((match.start(), order, value))
    return [value for _, _, value in sorted(hits)]
