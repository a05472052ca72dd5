"""Evaluate a profile against the rules: one verdict per envelope or scheme.

The plan texts name target groups, not formal criteria, so a verdict says
whether the profile *matches the target* (``correspond``), clearly does not
(``ne correspond pas``) or cannot be told from what we know (``à vérifier``),
with the missing profile fields that would settle it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum

from assistant.eligibility.locations import Gazetteer, LocationResolution, resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType
from assistant.eligibility.rules import Rules, Scheme, Source, TargetGroup
from assistant.eligibility.sme import (
    SME_CATEGORIES,
    SizeCategory,
    SizeClassification,
    classify_company,
    format_eur,
)


class Verdict(StrEnum):
    """The three possible answers; wording chosen never to overclaim."""

    MATCHES = "correspond"
    NO_MATCH = "ne correspond pas"
    TO_CHECK = "à vérifier"


@dataclass(frozen=True)
class RuleCitation:
    """The corpus document a rule comes from (``doc`` maps to a citation)."""

    doc: str
    title: str
    publisher: str
    url: str | None = None

    @classmethod
    def of(cls, source: Source) -> RuleCitation:
        """Build from a rules-file source."""
        return cls(source.doc, source.title, source.publisher, source.url)


@dataclass(frozen=True)
class SchemeResult:
    """Verdict for one scheme, with reasons (French and English) and citations."""

    scheme_id: str
    scheme_name: str
    verdict: Verdict
    reasons: list[str]
    missing: list[str]
    citations: list[RuleCitation]
    kind: str = "plan_envelope"
    contact: str = "adocc"  # "adocc" (companies) or "region" (others)
    scheme_name_en: str = ""
    short_name: str = ""
    short_name_en: str = ""
    reasons_en: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportNote:
    """A note shown once per answer (plan not specifying ceilings, Impact Score...)."""

    id: str
    text: str
    text_en: str
    citation: RuleCitation


@dataclass(frozen=True)
class EligibilityReport:
    """Everything an answer needs: verdicts, size, location, follow-up question."""

    profile: Profile
    size: SizeClassification | None
    location: LocationResolution | None
    results: list[SchemeResult]
    notes: list[ReportNote]
    follow_up_field: str | None
    follow_up_question: str | None
    follow_up_question_en: str | None
    sme_source: RuleCitation | None = None

    @property
    def sme_category(self) -> SizeCategory | None:
        """Shortcut to the size category (None when not a company question)."""
        return self.size.category if self.size else None

    @property
    def sme_explanation(self) -> str | None:
        """French explanation of the size category with its thresholds."""
        return self.size.explanation_fr() if self.size else None

    def result(self, scheme_id: str) -> SchemeResult:
        """The result for one scheme id (KeyError if absent)."""
        for res in self.results:
            if res.scheme_id == scheme_id:
                return res
        raise KeyError(scheme_id)


GROUP_LABELS: dict[TargetGroup, tuple[str, str]] = {
    TargetGroup.AI_SPECIALIST_COMPANY: (
        "entreprises spécialisées en IA",
        "AI-specialist companies",
    ),
    TargetGroup.KEY_SECTOR_COMPANY: (
        "entreprises des secteurs clés (santé, agriculture, aérospatial, mobilité)",
        "companies of the key sectors (health, agriculture, aerospace, mobility)",
    ),
    TargetGroup.RESEARCH_BODY: (
        "organismes et laboratoires de recherche",
        "research bodies and labs",
    ),
    TargetGroup.TRAINING_BODY: ("organismes de formation et écoles", "training bodies and schools"),
    TargetGroup.STUDENT: ("étudiants", "students"),
    TargetGroup.JOB_SEEKER: ("demandeurs d'emploi", "job seekers"),
    TargetGroup.EMPLOYEE: ("salariés", "employees"),
    TargetGroup.PUBLIC_BODY: (
        "collectivités et organismes publics",
        "local authorities and public bodies",
    ),
    TargetGroup.SME: ("PME", "SMEs"),
    TargetGroup.ETI: ("ETI", "mid-caps (ETI)"),
    TargetGroup.LARGE_COMPANY: ("grandes entreprises", "large companies"),
    TargetGroup.STARTUP: ("start-up", "start-ups"),
    TargetGroup.ECOSYSTEM_ACTOR: (
        "pôles de compétitivité et clusters qui animent l'écosystème",
        "competitiveness clusters animating the ecosystem",
    ),
}

ROLE_GROUPS: dict[TargetGroup, OrgType] = {
    TargetGroup.RESEARCH_BODY: OrgType.RECHERCHE,
    TargetGroup.TRAINING_BODY: OrgType.FORMATION,
    TargetGroup.STUDENT: OrgType.ETUDIANT,
    TargetGroup.JOB_SEEKER: OrgType.DEMANDEUR_EMPLOI,
    TargetGroup.EMPLOYEE: OrgType.SALARIE,
    TargetGroup.PUBLIC_BODY: OrgType.PUBLIC,
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "location": ("localisation (ville ou département)", "location (city or département)"),
    "org_type": ("type de structure", "type of organisation"),
    "ai_specialist": ("spécialisation en IA", "whether you specialise in AI"),
    "sector": ("secteur d'activité", "sector"),
    "staff": ("effectif", "head-count"),
    "turnover_eur": ("chiffre d'affaires", "turnover"),
    "balance_sheet_eur": ("total de bilan", "balance-sheet total"),
    "company_age_years": ("âge de l'entreprise", "company age"),
}

# Order used to break ties when choosing the one follow-up question.
FOLLOW_UP_PRIORITY = (
    "location",
    "org_type",
    "ai_specialist",
    "sector",
    "staff",
    "turnover_eur",
    "company_age_years",
    "balance_sheet_eur",
)
FOLLOW_UP_QUESTIONS: dict[str, tuple[str, str]] = {
    "location": (
        "Dans quelle ville ou quel département êtes-vous implanté ?",
        "In which city or département are you based?",
    ),
    "org_type": (
        "Êtes-vous une entreprise, une start-up, un laboratoire, un organisme de formation, "
        "une collectivité, ou un particulier (étudiant, salarié, demandeur d'emploi) ?",
        "Are you a company, a start-up, a lab, a training body, a public body, or an "
        "individual (student, employee, job seeker)?",
    ),
    "ai_specialist": (
        "Votre entreprise est-elle spécialisée en IA (elle développe des solutions d'IA) ?",
        "Is your company an AI specialist (does it develop AI solutions)?",
    ),
    "sector": (
        "Dans quel secteur travaillez-vous (santé, agriculture/agroalimentaire, aérospatial, mobilité, autre) ?",
        "Which sector are you in (health, agriculture/agri-food, aerospace, mobility, other)?",
    ),
    "staff": ("Combien de salariés compte votre structure ?", "How many employees do you have?"),
    "turnover_eur": (
        "Quel est votre chiffre d'affaires annuel (ou, à défaut, votre total de bilan) ?",
        "What is your annual turnover (or else your balance-sheet total)?",
    ),
    "company_age_years": (
        "En quelle année votre entreprise a-t-elle été créée ?",
        "In which year was your company founded?",
    ),
    "balance_sheet_eur": ("Quel est votre total de bilan ?", "What is your balance-sheet total?"),
}


@dataclass
class _Check:
    """Outcome of one test: True / False / None (unknown) plus why."""

    state: bool | None
    missing: list[str] = field(default_factory=list)
    fr: str = ""
    en: str = ""


def _company_check(profile: Profile) -> _Check:
    """Is the profile a company? Unknown type means ask for it."""
    comp = profile.is_company
    if comp is None:
        return _Check(None, ["org_type"])
    if comp:
        return _Check(True)
    return _Check(False, fr="vous n'êtes pas une entreprise", en="you are not a company")


def _group_check(
    group: TargetGroup, profile: Profile, size: SizeClassification, rules: Rules
) -> _Check:
    """Does the profile belong to ``group``? Never guesses an unknown field."""
    label_fr, label_en = GROUP_LABELS[group]
    if group in ROLE_GROUPS:
        if profile.org_type is OrgType.UNKNOWN:
            return _Check(None, ["org_type"])
        return _Check(profile.org_type is ROLE_GROUPS[group], fr=label_fr, en=label_en)
    if group is TargetGroup.ECOSYSTEM_ACTOR:
        if profile.org_type is OrgType.UNKNOWN:
            return _Check(None, ["org_type"])
        if profile.org_type is OrgType.ASSOCIATION:
            return _Check(
                None,
                fr="ce volet finance l'animation de l'écosystème par les pôles de compétitivité et "
                "clusters : à vérifier si votre structure en fait partie",
                en="this part funds ecosystem animation by competitiveness clusters: check whether "
                "your organisation is one",
            )
        return _Check(False, fr=label_fr, en=label_en)

    company = _company_check(profile)
    if group is TargetGroup.AI_SPECIALIST_COMPANY:
        if company.state is False or profile.ai_specialist is False:
            return _Check(False, fr=label_fr, en=label_en)
        missing = company.missing + (["ai_specialist"] if profile.ai_specialist is None else [])
        return _Check(True if not missing else None, missing, label_fr, label_en)
    if group is TargetGroup.KEY_SECTOR_COMPANY:
        key = set(rules.key_sectors.values)
        in_key = None if profile.sector is None else profile.sector in key
        if company.state is False or in_key is False:
            return _Check(False, fr=label_fr, en=label_en)
        missing = company.missing + (["sector"] if in_key is None else [])
        return _Check(True if not missing else None, missing, label_fr, label_en)

    if company.state is not True:
        return _Check(company.state, company.missing, label_fr, label_en)
    if group is TargetGroup.SME:
        if size.is_sme is not None:
            return _Check(size.is_sme, fr=label_fr, en=label_en)
        if profile.declared_sme and size.staff_category in (
            SME_CATEGORIES | {SizeCategory.UNKNOWN}
        ):
            return _Check(True, fr="PME (d'après votre déclaration)", en="SME (as you stated)")
        return _Check(None, size.missing[:1] or ["staff"], label_fr, label_en)
    if group in (TargetGroup.ETI, TargetGroup.LARGE_COMPANY):
        wanted = SizeCategory.ETI if group is TargetGroup.ETI else SizeCategory.GRANDE
        if size.category is wanted:
            return _Check(True, fr=label_fr, en=label_en)
        if profile.staff is None and not profile.declared_sme:
            return _Check(None, ["staff"], label_fr, label_en)
        return _Check(False, fr=label_fr, en=label_en)
    if group is TargetGroup.STARTUP:
        if profile.org_type is OrgType.STARTUP or profile.company_age_years is not None:
            return _Check(True, fr=label_fr, en=label_en)
        return _Check(None, ["company_age_years"], label_fr, label_en)
    raise ValueError(f"groupe inconnu : {group}")  # pragma: no cover - closed enum


@dataclass
class _Acc:
    """Accumulates the checks of one scheme before deciding the verdict."""

    fails_fr: list[str] = field(default_factory=list)
    fails_en: list[str] = field(default_factory=list)
    checks_fr: list[str] = field(default_factory=list)
    checks_en: list[str] = field(default_factory=list)
    oks_fr: list[str] = field(default_factory=list)
    oks_en: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def fail(self, fr: str, en: str) -> None:
        self.fails_fr.append(fr)
        self.fails_en.append(en)

    def check(self, fr: str, en: str, missing: list[str] | None = None) -> None:
        if fr:
            self.checks_fr.append(fr)
            self.checks_en.append(en)
        for name in missing or []:
            if name not in self.missing:
                self.missing.append(name)


def _targets(
    scheme: Scheme, profile: Profile, size: SizeClassification, rules: Rules, acc: _Acc
) -> None:
    """Main and conditional target groups of a scheme."""
    main = [(g, _group_check(g, profile, size, rules)) for g in scheme.targets]
    labels_fr = ", ".join(GROUP_LABELS[g][0] for g in scheme.targets)
    labels_en = ", ".join(GROUP_LABELS[g][1] for g in scheme.targets)
    matched = [c for _, c in main if c.state is True]
    if matched:
        acc.oks_fr.append(f"correspond à la cible de ce dispositif : {matched[0].fr}")
        acc.oks_en.append(f"matches the target of this scheme: {matched[0].en}")
        return
    unknown = [c for _, c in main if c.state is None]
    if unknown:
        extra = [c.fr for c in unknown if c.fr and not c.missing]
        extra_en = [c.en for c in unknown if c.en and not c.missing]
        missing = list(dict.fromkeys(m for c in unknown for m in c.missing))
        if extra:
            acc.check(extra[0], extra_en[0], missing)
        else:
            acc.check(f"cible : {labels_fr}", f"target: {labels_en}", missing)
        return
    for cond in scheme.conditional_targets:
        check = _group_check(cond.group, profile, size, rules)
        # A company whose size is not settled yet is still concerned under
        # the condition: asking for its turnover would not settle anything.
        if check.state is True or (check.state is None and profile.is_company is True):
            acc.check(
                f"{GROUP_LABELS[cond.group][0]} : {cond.condition}",
                f"{GROUP_LABELS[cond.group][1]}: {cond.condition_en or cond.condition}",
            )
            return
    acc.fail(f"ce dispositif vise les {labels_fr}", f"this scheme targets {labels_en}")


def _size_rule(scheme: Scheme, profile: Profile, acc: _Acc) -> None:
    """Published size ceilings (strictly below)."""
    rule = scheme.size
    if rule is None or profile.is_company is False:
        return
    if rule.staff_lt is not None:
        if profile.staff is None:
            acc.check(
                f"réservé aux entreprises de moins de {rule.staff_lt} salariés",
                f"only for companies with fewer than {rule.staff_lt} employees",
                ["staff"],
            )
        elif profile.staff >= rule.staff_lt:
            acc.fail(
                f"effectif de {profile.staff} : le dispositif est réservé aux moins de {rule.staff_lt} salariés",
                f"head-count {profile.staff}: the scheme is for fewer than {rule.staff_lt} employees",
            )
    for value, limit, name, fr_label, en_label in (
        (
            profile.turnover_eur,
            rule.turnover_lt_eur,
            "turnover_eur",
            "chiffre d'affaires",
            "turnover",
        ),
        (
            profile.balance_sheet_eur,
            rule.balance_sheet_lt_eur,
            "balance_sheet_eur",
            "total de bilan",
            "balance sheet",
        ),
    ):
        if limit is None:
            continue
        if value is None:
            acc.check(
                f"{fr_label} inférieur à {format_eur(limit)} exigé",
                f"{en_label} below {format_eur(limit, 'en')} required",
                [name],
            )
        elif value >= limit:
            acc.fail(
                f"{fr_label} de {format_eur(value)} : le plafond est de moins de {format_eur(limit)}",
                f"{en_label} of {format_eur(value, 'en')}: the ceiling is below {format_eur(limit, 'en')}",
            )
    if rule.independent_required:
        acc.check("réservé aux entreprises indépendantes", "only for independent companies")


def _age_rule(scheme: Scheme, profile: Profile, acc: _Acc) -> None:
    """Company-age ceiling (START'OC: under 3 years, up to 5 or 7 in some cases)."""
    rule = scheme.company_age
    if rule is None or profile.is_company is not True:
        return
    age = profile.company_age_years
    extended = rule.extended_max_years
    if age is None:
        acc.check(
            f"entreprise de moins de {rule.max_years:g} ans"
            + (f" ({rule.note})" if rule.note else ""),
            f"company under {rule.max_years:g} years"
            + (f" ({rule.note_en})" if rule.note_en else ""),
            ["company_age_years"],
        )
    elif age < rule.max_years:
        acc.oks_fr.append(f"entreprise de moins de {rule.max_years:g} ans")
        acc.oks_en.append(f"company under {rule.max_years:g} years")
    elif extended is not None and age <= extended:
        acc.check(
            f"entreprise de {age:g} ans : au-delà de {rule.max_years:g} ans, seulement {rule.note or 'dans certains cas'}",
            f"company aged {age:g}: beyond {rule.max_years:g} years, only {rule.note_en or 'in some cases'}",
        )
    else:
        acc.fail(
            f"entreprise de {age:g} ans : le dispositif vise les entreprises de moins de {rule.max_years:g} ans",
            f"company aged {age:g}: the scheme targets companies under {rule.max_years:g} years",
        )


def _project_rule(scheme: Scheme, profile: Profile, acc: _Acc) -> None:
    """A different project type is flagged for checking, never rejected."""
    if scheme.project_types is None or profile.project_type is ProjectType.UNKNOWN:
        return
    if profile.project_type not in scheme.project_types:
        kinds = ", ".join(p.value for p in scheme.project_types)
        acc.check(
            f"ce volet concerne des projets de type {kinds} : votre projet ({profile.project_type.value}) est à examiner",
            f"this part concerns {kinds} projects: your project ({profile.project_type.value}) needs checking",
        )


def _contact_for(scheme: Scheme, profile: Profile) -> str:
    """AD'OCC for companies, the Région for everyone else; the rule decides if unknown."""
    if profile.is_company is None:
        return scheme.contact
    return "adocc" if profile.is_company else "region"


def evaluate_scheme(
    scheme: Scheme, profile: Profile, size: SizeClassification, rules: Rules
) -> SchemeResult:
    """Verdict for one scheme: any failed test rejects, any unknown asks."""
    acc = _Acc()
    if profile.in_occitanie is False:
        if scheme.kind == "plan_envelope":
            acc.fail(
                "le plan vise les acteurs de la région Occitanie",
                "the plan targets actors of the Occitanie region",
            )
        else:
            note = f" ({scheme.location_note})" if scheme.location_note else ""
            note_en = f" ({scheme.location_note_en})" if scheme.location_note_en else ""
            acc.fail(
                "les aides régionales visent les structures implantées en Occitanie" + note,
                "regional aid targets organisations based in Occitanie" + note_en,
            )
    else:
        if profile.in_occitanie is None:
            acc.check("", "", ["location"])
        _targets(scheme, profile, size, rules, acc)
        if not acc.fails_fr:
            _size_rule(scheme, profile, acc)
            _age_rule(scheme, profile, acc)
            _project_rule(scheme, profile, acc)

    if acc.fails_fr:
        verdict, reasons, reasons_en = Verdict.NO_MATCH, acc.fails_fr, acc.fails_en
    elif acc.checks_fr or acc.missing:
        verdict = Verdict.TO_CHECK
        reasons = acc.oks_fr + acc.checks_fr
        reasons_en = acc.oks_en + acc.checks_en
        if "location" in acc.missing:
            reasons = [
                *reasons,
                "le plan vise les acteurs implantés en Occitanie : localisation à préciser",
            ]
            reasons_en = [
                *reasons_en,
                "the plan targets actors based in Occitanie: location needed",
            ]
    else:
        verdict, reasons, reasons_en = Verdict.MATCHES, acc.oks_fr, acc.oks_en
    if scheme.status == "possibly_discontinued" and verdict is not Verdict.NO_MATCH:
        # Old information: never say "correspond" for a scheme that may be gone.
        verdict = Verdict.TO_CHECK
        reasons = [*reasons, "dispositif peut-être arrêté : vérifiez qu'il existe encore"]
        reasons_en = [
            *reasons_en,
            "the scheme may have been discontinued: check that it still exists",
        ]
    citations = [RuleCitation.of(scheme.source)]
    for extra in (scheme.size, scheme.company_age):
        if extra is not None and extra.source.doc != scheme.source.doc:
            citations.append(RuleCitation.of(extra.source))
    notes = list(scheme.notes)
    notes_en = list(scheme.notes_en)
    return SchemeResult(
        scheme_id=scheme.id,
        scheme_name=scheme.name,
        verdict=verdict,
        reasons=list(reasons),
        missing=acc.missing if verdict is Verdict.TO_CHECK else [],
        citations=citations,
        kind=scheme.kind,
        contact=_contact_for(scheme, profile),
        scheme_name_en=scheme.name_en or scheme.name,
        short_name=scheme.short_name or scheme.name,
        short_name_en=scheme.short_name_en or scheme.name_en or scheme.name,
        reasons_en=list(reasons_en),
        notes=notes,
        notes_en=notes_en,
    )


def _follow_up(results: list[SchemeResult]) -> str | None:
    """The one missing field that would settle the most "à vérifier" verdicts."""
    counts = Counter(m for r in results if r.verdict is Verdict.TO_CHECK for m in r.missing)
    if not counts:
        return None
    return max(counts, key=lambda m: (counts[m], -FOLLOW_UP_PRIORITY.index(m)))


def _with_location(
    profile: Profile, gazetteer: Gazetteer | None
) -> tuple[Profile, LocationResolution | None]:
    """Resolve the location text if the profile has not been resolved yet."""
    if not profile.location or gazetteer is None:
        return profile, None
    res = resolve_location(profile.location, gazetteer)
    if profile.in_occitanie is None and res.in_occitanie is not None:
        profile = replace(profile, in_occitanie=res.in_occitanie, departement=res.departement)
    return profile, res


def evaluate(
    profile: Profile, rules: Rules, gazetteer: Gazetteer | None = None
) -> EligibilityReport:
    """Evaluate ``profile`` against every scheme of ``rules``.

    ``gazetteer`` resolves a location written as text (omit it when the profile
    already carries ``in_occitanie``).
    """
    profile, location = _with_location(profile, gazetteer)
    size = classify_company(profile.staff, profile.turnover_eur, profile.balance_sheet_eur)
    results = [evaluate_scheme(s, profile, size, rules) for s in rules.schemes]
    notes: list[ReportNote] = []
    if any(r.kind == "plan_envelope" for r in results):
        note = rules.plan_note
        notes.append(
            ReportNote(
                "plan-non-precise",
                note.text,
                note.text_en or note.text,
                RuleCitation.of(note.source),
            )
        )
    regional_open = any(
        r.kind == "regional_scheme" and r.verdict is not Verdict.NO_MATCH for r in results
    )
    for cond in rules.conditions:
        if cond.applies_to == "all" or (
            cond.applies_to == "companies" and profile.is_company is not False and regional_open
        ):
            notes.append(
                ReportNote(
                    cond.id, cond.text, cond.text_en or cond.text, RuleCitation.of(cond.source)
                )
            )
    show_size = profile.is_company is not False and (
        profile.staff is not None
        or profile.turnover_eur is not None
        or profile.balance_sheet_eur is not None
    )
    field_name = _follow_up(results)
    question = FOLLOW_UP_QUESTIONS[field_name] if field_name else (None, None)
    return EligibilityReport(
        profile=profile,
        size=size if show_size else None,
        location=location,
        results=results,
        notes=notes,
        follow_up_field=field_name,
        follow_up_question=question[0],
        follow_up_question_en=question[1],
        sme_source=RuleCitation.of(rules.sme_definition.source),
    )
