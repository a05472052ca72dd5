"""Read a profile out of a free-text question ("on est 3 à Perpignan, startup IA santé").

Regular expressions over normalised text (no accents, no case, hyphens and
apostrophes as spaces), because users type "sante", "agro", "CA de 2,5
millions" or "on est trois". Anything not recognised stays ``None`` so that the
engine asks for it rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from assistant.eligibility.locations import resolve_location
from assistant.eligibility.profile import OrgType, Profile, ProjectType, Sector
from assistant.eligibility.textnorm import normalize

WORD_NUMBERS: dict[str, int] = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "quinze": 15,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "cent": 100,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six_": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
}
_WORDS = "|".join(sorted((w for w in WORD_NUMBERS if not w.endswith("_")), key=len, reverse=True))
NUM = r"(\d{1,3}(?: \d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
NUM_OR_WORD = rf"(\d{{1,3}}(?: \d{{3}})+|\d+|{_WORDS})"
# "nous sommes un labo": after "on est / nous sommes", "un" is an article.
_TEAM_WORDS = "|".join(w for w in _WORDS.split("|") if w not in {"un", "une", "one"})
TEAM_NUM = rf"(\d{{1,3}}(?: \d{{3}})+|\d+|{_TEAM_WORDS})"

_MONEY = re.compile(
    NUM
    + r"\s*(md€|mds|milliards?|billions?|bn|m€|meur|m eur|millions?|mio|m|k€|keur|ke|k|mille|€|eur|euros?)(?![a-z0-9])"
)
_MONEY_FACTORS: dict[str, float] = {
    "md€": 1e9,
    "mds": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "m€": 1e6,
    "meur": 1e6,
    "m eur": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "mio": 1e6,
    "m": 1e6,
    "k€": 1e3,
    "keur": 1e3,
    "ke": 1e3,
    "k": 1e3,
    "mille": 1e3,
    "€": 1.0,
    "eur": 1.0,
    "euro": 1.0,
    "euros": 1.0,
}
_TURNOVER_KW = r"(?:ca|c a|chiffre d affaires|chiffre d affaire|turnover|revenues?|sales|ventes|on fait|nous faisons|we make)"
_BALANCE_KW = r"(?:total de bilan|total du bilan|bilan|balance sheet(?: total)?|total assets)"
_KW_AFTER = re.compile(
    rf"^\s*(?:hors taxes? |ht )?(?:de |d |of |en |in |au |du )?(?:(?P<t>{_TURNOVER_KW})|(?P<b>{_BALANCE_KW}))\b"
)
_KW_BEFORE_T = re.compile(rf"\b{_TURNOVER_KW}\b")
_KW_BEFORE_B = re.compile(rf"\b{_BALANCE_KW}\b")

_STAFF_UNITS = (
    r"(?:salariee?s?|employee?s?|personnes?|collaborat(?:eur|rice)s?|etp|agents?|people|staff|"
    r"ingenieurs?|chercheurs?|developpeurs?|devs?|workers|associee?s?|membres|persons)"
)
_STAFF_UNIT_RE = re.compile(NUM_OR_WORD + r"\s*" + _STAFF_UNITS + r"\b")
_STAFF_TEAM_RE = re.compile(
    r"\b(?:on est|on n est que|nous sommes|we are|we re|equipe de|team of|effectif(?: total)?(?: de| :| est de)?|"
    r"staff of|headcount(?: of)?|total de)\s*:?\s*"
    + TEAM_NUM
    + r"(?!\s*(?:€|k|m€|m\b|millions?|ans?\b|%|mois|years?))\b"
)
# "une boîte de 12", "startup de 5": a bare number right after the organisation word.
_STAFF_ORG_RE = re.compile(
    r"\b(?:boites?|entreprises?|societes?|pmes?|tpes?|start ?ups?|structures?|equipes?|team|company)"
    r"(?:\s+(?:ia|d ia|ai|tech))?\s+(?:de|of)\s+"
    + TEAM_NUM
    + r"(?!\s*(?:€|k\b|k€|m\b|m€|millions?|ans?\b|mois|years?|months?|%|\d))(?=\s*(?:$|[,.;:!?)]|a\b|au\b|en\b|dans\b|sur\b|pres\b|in\b|et\b|and\b|qui\b))"
)
_SOLO_RE = re.compile(
    r"\b(?:je suis seule?|tout seul|toute seule|en solo|i am alone|solo founder|on est seul)\b"
)

_ORG_PATTERNS: tuple[tuple[OrgType, str], ...] = (
    (
        OrgType.DEMANDEUR_EMPLOI,
        r"\bdemandeu(?:r|se)s? d emploi\b|\bchomeu(?:r|se)\b|\bau chomage\b|\bsans emploi\b|\bfrance travail\b|"
        r"\bpole emploi\b|\bjob seekers?\b|\bunemployed\b|\ben recherche d emploi\b|\bje cherche (?:un )?(?:emploi|travail|du travail)\b|\blooking for a job\b",
    ),
    (
        OrgType.ETUDIANT,
        r"\betudiante?s?\b|\bstudents?\b|\bdoctorante?s?\b|\bphd student\b|\ben master\b|\ben licence\b|\balternante?\b|\blyceen(?:ne)?\b",
    ),
    (
        OrgType.SALARIE,
        r"\b(?:je suis|en tant que|moi) (?:un |une )?salariee?\b|\bi(?: am| m) an? employee\b|\bas an employee\b|"
        r"\bje suis (?:employee?|cadre|technicien(?:ne)?|ingenieure?|developpeuse|developpeur) (?:dans|chez|d|en)\b|\bmon employeur\b",
    ),
    (
        OrgType.PUBLIC,
        r"\bmairies?\b|\bcommunes?\b|\bcommunaute (?:de communes|d agglomeration|urbaine)\b|\bagglo\b|\bmetropole\b|"
        r"\bcollectivites?(?: territoriales?| locales?)?\b|\bconseil departemental\b|\badministrations?\b|\betablissements? publics?\b|"
        r"\bhopital public\b|\bchu\b|\bsyndicat mixte\b|\bmunicipality\b|\btown hall\b|\bcity council\b|\blocal authorit(?:y|ies)\b|"
        r"\bpublic bod(?:y|ies)\b|\bpublic administration\b|\bservice de l etat\b|\bsdis\b",
    ),
    (
        OrgType.RECHERCHE,
        r"\blabos?\b|\blaboratoires?\b|\borganismes? de recherche\b|\bunites? de recherche\b|\bumr\b|\bequipe de recherche\b|"
        r"\bcentres? de recherche\b|\bresearch (?:lab|labs|centre|center|institute|body|team|organisation|organization)\b|"
        r"\bcnrs\b|\binria\b|\binrae\b|\binserm\b|\bonera\b|\bcnes\b|\buniversites?\b|\buniversity\b|\bje suis chercheu(?:r|se)\b|\bresearcher\b",
    ),
    (
        OrgType.FORMATION,
        r"\borganismes? de formation\b|\bcentres? de formation\b|\becoles?\b|\bcfa\b|\blycees?\b|\bschools?\b|"
        r"\btraining (?:provider|organisation|organization|centre|center|body)\b|\bformateur\b|\bqualiopi\b",
    ),
    (
        OrgType.ASSOCIATION,
        r"\bassociations?\b|\basso\b|\bclusters?\b|\bpoles? de competitivite\b|\bnon profit\b|\bnonprofit\b|\bfrench tech\b",
    ),
    (OrgType.STARTUP, r"\bstart ?ups?\b|\bjeunes? pousses?\b"),
    (
        OrgType.ENTREPRISE,
        r"\bpmes?\b|\btpes?\b|\betis?\b|\bentreprises?\b|\bsocietes?\b|\bsasu?\b|\bsarl\b|\beurl\b|\bboites?\b|\bcompany\b|"
        r"\bcompanies\b|\bsmes?\b|\bfirms?\b|\bbusiness\b|\bgrands? groupes?\b|\bindustriels?\b|\bauto entrepreneur\b|"
        r"\bfreelances?\b|\bartisans?\b|\bcommercants?\b|\besn\b|\bexploitation agricole\b|\bexploitant agricole\b|"
        r"\bagriculteurs?\b|\bcooperative\b|\bediteur\b|\bbureau d etudes\b|\bcabinet\b|\bpme\b",
    ),
)
_DECLARED_SME = re.compile(
    r"\b(?:pme|tpe|smes?|micro entreprise|petite entreprise|moyenne entreprise|petite boite)\b"
)

_KEY_SECTORS: tuple[tuple[Sector, str], ...] = (
    (
        Sector.SANTE,
        r"\bsante\b|\bmedic\w*|\bmedtech\b|\bbiotech\w*|\bpharma\w*|\bhopita\w*|\bcliniques?\b|\bhealth\w*|"
        r"\bimagerie medicale\b|\bradiolog\w*|\bsilver economie\b|\behpad\b|\bpatients?\b",
    ),
    (
        Sector.AGRICULTURE,
        r"\bagri\w*|\bagro\w*|\bagtech\b|\bviti\w*|\bvins?\b|\bvignobles?\b|\belevage\b|\bfarm\w*|\bfood\w*|"
        r"\balimentaire\b|\bmaraich\w*|\bcereal\w*|\bagronom\w*",
    ),
    (
        Sector.AEROSPATIAL,
        r"\baero\w*|\bspatial\w*|\baviation\b|\bavions?\b|\bsatellit\w*|\bdrones?\b|\bspace\b|\blanceurs?\b|"
        r"\bhelicopt\w*|\baircraft\b|\baerospace\b",
    ),
    (
        Sector.MOBILITE,
        r"\bmobilit\w*|\btransports?\b|\bautomobiles?\b|\bautomotive\b|\bferroviaire\b|\brail\b|\bvehicul\w*|"
        r"\bvoitures?\b|\bvelos?\b",
    ),
)
_OTHER_SECTORS: tuple[tuple[Sector, str], ...] = (
    (
        Sector.NUMERIQUE,
        r"\bnumerique\b|\blogiciels?\b|\bsoftware\b|\bsaas\b|\bdigital\b|\besn\b|\binformatique\b|\bcyber\w*|"
        r"\bdata\b|\bediteur\b",
    ),
    (
        Sector.AUTRE,
        r"\bbtp\b|\bbatiment\b|\bconstruction\b|\bcommerces?\b|\btourisme\b|\benergie\b|\bfinance\b|\bbanques?\b|"
        r"\bassurances?\b|\btextile\b|\brestaura\w*|\bimmobilier\b|\bretail\b|\bjuridique\b|\bavocats?\b|\bhotel\w*|"
        r"\bartisanat\b|\bchimie\b|\bcosmetique\b|\benvironnement\b|\bmedias?\b|\bindustrie\b",
    ),
)

_AI = r"(?:ia|intelligence artificielle|ai|machine learning|deep learning|ml|apprentissage automatique|vision par ordinateur|llm)"
_AI_POSITIVE = re.compile(
    r"\b(?:start ?up|entreprise|societe|boite|pme|tpe|editeur|esn|company|firm|cabinet|jeune pousse|specialiste)s?\s+"
    rf"(?:d |de |en |de l |specialisee?s? (?:en|dans) (?:l )?)?{_AI}\b"
    rf"|\bspecialise\w* (?:en|dans) (?:l )?{_AI}\b"
    rf"|\b(?:on|nous) (?:fait|faisons|developpe|developpons|concoit|concevons|cree|creons|entraine|entrainons|vend|vendons|edite|editons) "
    rf"(?:de l |des |de |du |d )?(?:{_AI}|modeles? d {_AI}|algorithmes? d {_AI}|solutions? d {_AI}|outils? d {_AI})\b"
    rf"|\bai (?:start ?up|company|firm|specialists?|vendor|publisher)\b|\bspeciali[sz]ed in {_AI}\b"
    rf"|\bwe (?:build|develop|make|do|train|sell) (?:ai|machine learning|models|llms?)\b"
    rf"|\b(?:editeur|developpeur|concepteur) de (?:solutions?|logiciels?|modeles?) d {_AI}\b"
)
_AI_NEGATIVE = re.compile(
    rf"\b(?:pas|non|not|aucune?|no)\s+(?:une? |an? )?(?:specialis\w*|speciali[sz]ed|expert\w*)\b"
    rf"|\bpas (?:dans|de) l {_AI}\b|\bnot an? ai\b|\bn y connai\w* rien\b|\bne (?:faisons|fait) pas d {_AI}\b"
    rf"|\bne sommes pas (?:une? )?(?:specialist\w*|expert\w*|dans l {_AI})\b"
)
_YES = re.compile(
    r"^\s*(?:oui|yes|ouais|yep|absolument|tout a fait|bien sur|exactement|en effet|affirmatif|c est le cas)\b"
)
_NO = re.compile(
    r"^\s*(?:non|no|nope|pas du tout|pas vraiment|negatif|pas specialement|pas encore)\b"
)

_PROJECT_PATTERNS: tuple[tuple[ProjectType, str], ...] = (
    (
        ProjectType.CREATION,
        r"\bcreer (?:mon|ma|une|notre) (?:entreprise|startup|start up|boite|societe)\b|\bcreation d (?:entreprise|une entreprise|une startup)\b"
        r"|\blancer (?:mon|ma|une|notre) (?:startup|start up|entreprise|boite|activite)\b|\bstart a (?:company|business|startup)\b"
        r"|\bporteu(?:r|se) de projet\b",
    ),
    (
        ProjectType.ADOPTION_IA,
        rf"\b(?:integrer|utiliser|adopter|deployer|mettre en place|introduire|implementer|automatiser avec|passer a) "
        rf"(?:l |de l |des outils d |un outil d |une solution d |des solutions d |un |une )?(?:{_AI}|chatgpt|outils? d {_AI})\b"
        r"|\badoption de l ia\b|\bintegration de l ia\b|\b(?:integrate|adopt|use|deploy) ai\b",
    ),
    (
        ProjectType.RD,
        r"\br ?& ?d\b|\brecherche et developpement\b|\bprototype\b|\br and d\b|\bresearch and development\b",
    ),
    (
        ProjectType.FORMATION,
        r"\bformer (?:nos|mes|les|des)\b|\bse former\b|\bme former\b|\bformations?\b|\btraining\b|\bmonter en competences?\b|\bupskill\w*",
    ),
    (ProjectType.RECHERCHE, r"\bprojet de recherche\b|\bthese\b|\bresearch project\b"),
    (
        ProjectType.SERVICE_PUBLIC,
        r"\bservices? publics?\b|\busagers\b|\bpublic services?\b|\bpolitiques? publiques?\b",
    ),
)

_AGE_YEAR = re.compile(
    r"\b(?:creee?s?|fondee?s?|immatriculee?s?|lancee?s?|founded|created|established|incorporated|depuis|existe depuis|since)\s+"
    r"(?:en |in |le \d{1,2} \w+ )?((?:19|20)\d\d)\b"
)
_AGE_DURATION = re.compile(
    r"\b(?:creee?s?|fondee?s?|lancee?s?|founded|created)\s+(?:il y a|voici)\s+"
    + NUM_OR_WORD
    + r"\s*(ans?|mois)\b"
    r"|\b"
    + NUM_OR_WORD
    + r"\s*(ans?|mois|years?|months?)\s+(?:d existence|d activite|d anciennete|old|of activity|of existence)\b"
    r"|\b(?:start ?up|entreprise|societe|boite|jeune pousse|company)(?:\s+(?:ia|d ia|ai|tech))?\s+(?:de|of)\s+"
    + NUM_OR_WORD
    + r"\s*(ans?|mois|years?|months?)\b"
    r"|\bexiste(?:ons)? depuis\s+" + NUM_OR_WORD + r"\s*(ans?|mois)\b"
)

_ELIG_STRONG = re.compile(
    r"\beligib\w*|\bai je droit\b|\ba quoi (?:ai je|avons nous|on a) droit\b|\b(?:puis je|peut on|pouvons nous|on peut|je peux|nous pouvons)\s+"
    r"(?:en )?(?:beneficier|obtenir|pretendre|candidater|postuler|demander|avoir|toucher)\b|\bquel(?:le)?s? (?:aides?|subventions?|financements?|dispositifs?)\b"
    r"|\bqualify\b|\bam i eligible\b|\bwhich (?:grants?|aid|funding|schemes?)\b|\bwhat (?:grants?|aid|funding|support) can\b"
    r"|\bconcernee?s? par\b|\bcorrespond(?:ons|s)? (?:a|au|aux)\b|\bpour nous\b|\bpour moi\b|\bfor us\b|\bfor me\b"
)
_ELIG_WEAK = re.compile(
    r"\baides?\b|\bsubventions?\b|\bfinancements?\b|\bfinancer\b|\bdispositifs?\b|\bbeneficier\b|\baccompagnement\b|\bfunding\b|\bgrants?\b|\bsupport\b"
)
_FIRST_PERSON = re.compile(r"\b(?:je|j|nous|on|notre|nos|mon|ma|mes|we|our|i|my|us|moi)\b")
_INSTITUTION = re.compile(r"\b(?:la |de la |à la )?r[ée]gion occitanie\b", re.IGNORECASE)
#: Naming a scheme or asking for aid turns a size statement into an eligibility question.
_SCHEME_CUE = re.compile(
    r"\b(?:contrat innovation|pass occitanie|start ?oc|enveloppe|aides?|demander|beneficier|"
    r"financement|subvention|eligible)\b"
)
_SIZE_QUESTION = re.compile(
    r"\b(?:suis je|sommes nous|est ce qu on est|est ce que nous sommes|est ce que je suis|on est|serait on|sommes nous consideres comme|am i|are we|is my company)\s+"
    r"(?:une? |an? |a )?(?:pme|tpe|eti|micro\w*|petite entreprise|moyenne entreprise|grande entreprise|sme|small|medium|mid cap)\b"
    r"|\bquelle (?:categorie|taille) d entreprise\b|\bcategorie d entreprise\b|\bpme ou (?:eti|pas|non)\b|\bdefinition (?:de la |europeenne de la |d une )?pme\b"
    r"|\bwhat size category\b"
)


def _to_number(token: str) -> float:
    """'2,5' -> 2.5, '1 500' -> 1500, 'trois' -> 3."""
    token = token.strip()
    if token in WORD_NUMBERS:
        return float(WORD_NUMBERS[token])
    token = token.replace(" ", "").replace(",", ".")
    return float(token)


def _first(patterns: tuple[tuple[object, str], ...], norm: str) -> list[tuple[int, object]]:
    hits = []
    for value, pattern in patterns:
        match = re.search(pattern, norm)
        if match:
            hits.append((match.start(), value))
    return sorted(hits, key=lambda item: item[0])


def _money(norm: str, expected_field: str | None) -> tuple[float | None, float | None]:
    """Turnover and balance sheet: an amount counts only next to its keyword."""
    turnover: float | None = None
    balance: float | None = None
    for match in _MONEY.finditer(norm):
        amount = _to_number(match.group(1)) * _MONEY_FACTORS[match.group(2)]
        after = _KW_AFTER.match(norm[match.end() :])
        kind = None
        if after:
            kind = "t" if after.group("t") else "b"
        else:
            window_start = max(0, match.start() - 35)
            before = norm[window_start : match.start()]
            # ignore a keyword that belongs to an earlier amount
            before = re.split(r"\d", before)[-1] if re.search(r"\d", before) else before
            t_hits = [m.end() for m in _KW_BEFORE_T.finditer(before)]
            b_hits = [m.end() for m in _KW_BEFORE_B.finditer(before)]
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


def _staff(norm: str, expected_field: str | None) -> int | None:
    for regex in (_STAFF_UNIT_RE, _STAFF_TEAM_RE, _STAFF_ORG_RE):
        match = regex.search(norm)
        if match:
            return int(_to_number(match.group(1)))
    if _SOLO_RE.search(norm):
        return 1
    if expected_field == "staff":
        match = re.search(r"(?<![\d.,])(\d{1,3}(?: \d{3})+|\d+)(?![\d.,]|\s*(?:€|k|m\b|%))", norm)
        if match:
            return int(_to_number(match.group(1)))
    return None


def _age(norm: str, today: date, expected_field: str | None) -> float | None:
    match = _AGE_YEAR.search(norm)
    if match:
        return float(max(0, today.year - int(match.group(1))))
    match = _AGE_DURATION.search(norm)
    if match:
        groups = [g for g in match.groups() if g is not None]
        value, unit = _to_number(groups[0]), groups[1]
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


def _org_type(norm: str) -> OrgType:
    hits = _first(_ORG_PATTERNS, norm)  # type: ignore[arg-type]
    if not hits:
        return OrgType.UNKNOWN
    chosen = hits[0][1]
    if chosen is OrgType.ENTREPRISE and any(v is OrgType.STARTUP for _, v in hits):
        return OrgType.STARTUP
    return chosen  # type: ignore[return-value]


def _sector(norm: str) -> Sector | None:
    for group in (_KEY_SECTORS, _OTHER_SECTORS):
        hits = _first(group, norm)  # type: ignore[arg-type]
        if hits:
            return hits[0][1]  # type: ignore[return-value]
    return None


def _ai_specialist(norm: str, expected_field: str | None) -> bool | None:
    if _AI_NEGATIVE.search(norm):
        return False
    if _AI_POSITIVE.search(norm):
        return True
    if expected_field == "ai_specialist":
        if _YES.search(norm):
            return True
        if _NO.search(norm):
            return False
    return None


def _project_type(norm: str) -> ProjectType:
    for value, pattern in _PROJECT_PATTERNS:
        if re.search(pattern, norm):
            return value
    return ProjectType.UNKNOWN


def extract_profile(
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
    turnover, balance = _money(norm, expected_field)
    org = _org_type(norm)
    if (
        org is OrgType.UNKNOWN
        and expected_field == "org_type"
        and re.search(r"\bparticulier\b", norm)
    ):
        org = OrgType.UNKNOWN
    if (
        org is OrgType.UNKNOWN
        and (turnover is not None or balance is not None)
        and previous is None
    ):
        # Only a company has a turnover and a balance sheet.
        org = OrgType.ENTREPRISE
    # "PME de 40 salariés" declares a size; "suis-je une PME ?" asks for one.
    declared = True if _DECLARED_SME.search(norm) and not is_size_question(text) else None
    # "la Région Occitanie" names the institution, not where the asker is
    location = resolve_location(_INSTITUTION.sub(" ", text))
    loc_fields: dict[str, object] = {}
    if location.in_occitanie is not None:
        loc_fields = {
            "location": location.matched,
            "departement": location.departement,
            "in_occitanie": location.in_occitanie,
        }
    current = Profile(
        org_type=org,
        staff=_staff(norm, expected_field),
        turnover_eur=turnover,
        balance_sheet_eur=balance,
        sector=_sector(norm),
        ai_specialist=_ai_specialist(norm, expected_field),
        project_type=_project_type(norm),
        company_age_years=_age(norm, today, expected_field),
        declared_sme=declared,
    )
    if loc_fields:
        current = replace(current, **loc_fields)  # type: ignore[arg-type]
    return previous.merged_with(current) if previous is not None else current


def _signals(profile: Profile) -> int:
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


def is_size_question(text: str) -> bool:
    """ "180 salariés et 30 M€ de CA, suis-je une PME ?" and the like (no scheme named)."""
    norm = normalize(text)
    return bool(_SIZE_QUESTION.search(norm)) and not _SCHEME_CUE.search(norm)


def is_eligibility_question(text: str) -> bool:
    """Whether the text asks what aid the asker can get (or describes the asker).

    Strong cues ("éligible", "quelles aides") suffice; weak cues ("aide",
    "financement") need a first-person word or a profile item; a bare profile
    description needs several items and a first-person word.
    """
    norm = normalize(text)
    if is_size_question(text):
        return True
    if _ELIG_STRONG.search(norm):
        return True
    signals = _signals(extract_profile(text))
    first_person = bool(_FIRST_PERSON.search(norm))
    if _ELIG_WEAK.search(norm) and (first_person or signals >= 1):
        return True
    # a description without a first-person word is a question about others
    # ("ya combien de boites ia en occitanie"), not about the asker
    return signals >= 2 and first_person
