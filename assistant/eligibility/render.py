"""Turn an :class:`EligibilityReport` into a short, scannable answer.

Wording is deliberately modest: the plan names target groups, so lines say
"correspond à la cible de", "ne correspond pas à", "à vérifier auprès
d'AD'OCC / de la Région", and never that the asker "is eligible". Citations
are numbered markers "[1]"; ``cited_doc_ids[i - 1]`` is the corpus document
behind marker ``[i]`` so the chat layer can map them to its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.citations import marker_text
from assistant.eligibility.engine import (
    FIELD_LABELS,
    EligibilityReport,
    RuleCitation,
    SchemeResult,
    Verdict,
)
from assistant.eligibility.profile import OrgType, Profile
from assistant.eligibility.sme import SizeClassification, format_eur
from assistant.knowledge.lexicon import Lexicon
from assistant.text.language import detect_language

ORG_LABELS: dict[OrgType, tuple[str, str]] = {
    OrgType.ENTREPRISE: ("entreprise", "company"),
    OrgType.STARTUP: ("start-up", "start-up"),
    OrgType.RECHERCHE: ("organisme de recherche", "research body"),
    OrgType.FORMATION: ("organisme de formation", "training body"),
    OrgType.ETUDIANT: ("étudiant(e)", "student"),
    OrgType.DEMANDEUR_EMPLOI: ("demandeur d'emploi", "job seeker"),
    OrgType.SALARIE: ("salarié(e)", "employee"),
    OrgType.PUBLIC: ("collectivité / organisme public", "public body"),
    OrgType.ASSOCIATION: ("association", "association"),
}
CONTACT_PHRASES = {
    "adocc": ("auprès d'AD'OCC", "with AD'OCC"),
    "region": ("auprès de la Région", "with the Région"),
}
_MATCH_PREFIXES = (
    "correspond à la cible de ce dispositif : ",
    "matches the target of this scheme: ",
)


@dataclass
class RenderedAnswer:
    """Answer text plus the documents behind its "[n]" markers, in order."""

    text: str
    cited_doc_ids: list[str] = field(default_factory=list)
    citations: list[RuleCitation] = field(default_factory=list)


class _Cites:
    """Numbers documents in order of first use."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.citations: list[RuleCitation] = []

    def mark(self, cites: list[RuleCitation]) -> str:
        numbers = []
        for cite in cites:
            if cite.doc not in self.ids:
                self.ids.append(cite.doc)
                self.citations.append(cite)
            numbers.append(self.ids.index(cite.doc) + 1)
        return marker_text(list(dict.fromkeys(numbers)))


def _profile_line(profile: Profile, lang: int, lexicon: Lexicon) -> str:
    """'start-up, 3 personnes, Perpignan (Pyrénées-Orientales), santé, spécialisée en IA'."""
    parts: list[str] = []
    if profile.org_type is not OrgType.UNKNOWN:
        parts.append(ORG_LABELS[profile.org_type][lang])
    if profile.staff is not None:
        parts.append(f"{profile.staff} " + ("personne(s)" if lang == 0 else "staff"))
    lang_code = "fr" if lang == 0 else "en"
    if profile.turnover_eur is not None:
        parts.append(
            ("CA " if lang == 0 else "turnover ") + format_eur(profile.turnover_eur, lang_code)
        )
    if profile.balance_sheet_eur is not None:
        parts.append(
            ("bilan " if lang == 0 else "balance sheet ")
            + format_eur(profile.balance_sheet_eur, lang_code)
        )
    if profile.location:
        where = profile.location
        if profile.departement and profile.departement != profile.location:
            where += f" ({profile.departement})"
        if profile.in_occitanie is False:
            where += " (hors Occitanie)" if lang == 0 else " (outside Occitanie)"
        parts.append(where)
    if profile.sector is not None:
        labels = lexicon.labels("label.sector", "fr" if lang == 0 else "en")
        parts.append(labels.get(profile.sector, profile.sector))
    if profile.ai_specialist is True:
        parts.append("spécialisée en IA" if lang == 0 else "AI specialist")
    elif profile.ai_specialist is False:
        parts.append("non spécialisée en IA" if lang == 0 else "not an AI specialist")
    if profile.company_age_years is not None:
        parts.append(
            f"{profile.company_age_years:g} an(s)"
            if lang == 0
            else f"{profile.company_age_years:g} year(s) old"
        )
    if not parts:
        return "rien de précis pour l'instant" if lang == 0 else "nothing specific yet"
    return ", ".join(parts)


def _line(result: SchemeResult, cites: _Cites, lang: int) -> str:
    name = (
        (result.short_name or result.scheme_name)
        if lang == 0
        else (result.short_name_en or result.scheme_name_en)
    )
    reasons = result.reasons if lang == 0 else (result.reasons_en or result.reasons)
    reasons = [r.removeprefix(_MATCH_PREFIXES[lang]) for r in reasons]
    marker = cites.mark(result.citations)
    contact = CONTACT_PHRASES.get(result.contact, CONTACT_PHRASES["region"])[lang]
    detail = " ; ".join(reasons) if lang == 0 else "; ".join(reasons)
    if result.verdict is Verdict.MATCHES:
        if lang == 0:
            return f"- Correspond à la cible de « {name} » ({detail}) ; modalités à confirmer {contact} {marker}"
        return (
            f'- Matches the target of "{name}" ({detail}); terms to be confirmed {contact} {marker}'
        )
    if result.verdict is Verdict.NO_MATCH:
        if lang == 0:
            return f"- Ne correspond pas à « {name} » : {detail} {marker}"
        return f'- Does not match "{name}": {detail} {marker}'
    missing = ", ".join(FIELD_LABELS[m][lang] for m in result.missing)
    if lang == 0:
        tail = f" ; il manque : {missing}" if missing else ""
        return f"- À vérifier {contact} : « {name} » ({detail}){tail} {marker}"
    tail = f"; missing: {missing}" if missing else ""
    return f'- To check {contact}: "{name}" ({detail}){tail} {marker}'


def _size_block(
    size: SizeClassification, source: RuleCitation | None, cites: _Cites, lang: int
) -> str:
    marker = cites.mark([source]) if source else ""
    if lang == 0:
        return (
            f"Taille (définition européenne de la PME) : {size.explanation_fr()} {marker}".rstrip()
        )
    return f"Size (EU SME definition): {size.explanation_en()} {marker}".rstrip()


def _render(report: EligibilityReport, lang: int, lexicon: Lexicon) -> RenderedAnswer:
    cites = _Cites()
    out: list[str] = []
    if lang == 0:
        out.append(f"Votre profil : {_profile_line(report.profile, lang, lexicon)}.")
    else:
        out.append(f"Your profile: {_profile_line(report.profile, lang, lexicon)}.")
    if report.size is not None:
        out.append(_size_block(report.size, report.sme_source, cites, lang))
    if report.profile.in_occitanie is False:
        out.append(
            "Le plan IA Occitanie vise les acteurs de la région Occitanie (ses 13 départements) : "
            "hors de la région, aucun volet ne correspond."
            if lang == 0
            else "The Occitanie AI plan targets actors of the Occitanie region (its 13 départements): "
            "outside the region, no part of it matches."
        )
    plan = [r for r in report.results if r.kind == "plan_envelope"]
    regional = [r for r in report.results if r.kind != "plan_envelope"]
    order = {Verdict.MATCHES: 0, Verdict.TO_CHECK: 1, Verdict.NO_MATCH: 2}
    for title, group in (
        (("Plan IA Occitanie 2024-2028 :", "Occitanie AI plan 2024-2028:"), plan),
        (
            (
                "Aides régionales générales (hors plan IA, informations possiblement datées) :",
                "Generic regional aid (outside the AI plan, information possibly out of date):",
            ),
            regional,
        ),
    ):
        if not group:
            continue
        out.append("")
        out.append(title[lang])
        for result in sorted(group, key=lambda r: order[r.verdict]):
            out.append(_line(result, cites, lang))
    if report.notes:
        out.append("")
        out.append("À noter :" if lang == 0 else "Note:")
        for note in report.notes:
            text = note.text if lang == 0 else note.text_en
            out.append(f"- {text[0].upper()}{text[1:]} {cites.mark([note.citation])}")
    question = report.follow_up_question if lang == 0 else report.follow_up_question_en
    if question:
        out.append("")
        out.append(("Pour affiner : " if lang == 0 else "To refine: ") + question)
    text = "\n".join(out)
    return RenderedAnswer(text, cites.ids, cites.citations)


def render_report(report: EligibilityReport, lang: str, lexicon: Lexicon) -> RenderedAnswer:
    """The answer for a report in ``lang`` (see module docstring for the wording rules)."""
    return _render(report, 1 if lang == "en" else 0, lexicon)


def render_size_answer(
    size: SizeClassification, source: RuleCitation | None, lang: str = "fr"
) -> RenderedAnswer:
    """Answer to "suis-je une PME ?": the category and the thresholds that decide it."""
    cites = _Cites()
    index = 0 if lang == "fr" else 1
    lines = [_size_block(size, source, cites, index)]
    if size.missing:
        missing = ", ".join(FIELD_LABELS[m][index] for m in size.missing)
        lines.append(
            f"Pour conclure, il faudrait : {missing}."
            if index == 0
            else f"To conclude, we would need: {missing}."
        )
    if index == 0:
        lines.append(
            "Rappel des seuils : micro < 10 salariés et CA ou bilan <= 2 M€ ; petite < 50 et <= 10 M€ ; "
            "moyenne < 250 et CA <= 50 M€ ou bilan <= 43 M€ ; ETI de 250 à moins de 5 000 salariés ; grande entreprise au-delà."
        )
    else:
        lines.append(
            "Thresholds: micro < 10 staff and turnover or balance sheet <= 2 M€; small < 50 and <= 10 M€; "
            "medium < 250 and turnover <= 50 M€ or balance sheet <= 43 M€; ETI 250 to 4,999 staff; large beyond."
        )
    return RenderedAnswer("\n".join(lines), cites.ids, cites.citations)


def is_english(text: str, lexicon: Lexicon) -> bool:
    """Rough language guess (shared with the answering chain)."""
    return detect_language(text, lexicon) == "en"
