"""The eligibility tab: a form whose answers are verdicts with reasons and sources.

The form sends plain fields to ``Assistant.eligibility`` (the same engine as
the chat and ``POST /api/v1/eligibility``), so the three always agree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
import yaml

from ui.i18n import t
from ui.render import eligibility_html, error_html

if TYPE_CHECKING:
    from assistant.core import Assistant

UNSET = ""
OUTSIDE = "__outside__"


def departements(corpus_dir: Path) -> list[tuple[str, str]]:
    """(number, name) of the 13 départements, read from ``corpus/data/locations.yaml``."""
    try:
        data = yaml.safe_load((Path(corpus_dir) / "data" / "locations.yaml").read_text("utf-8"))
        return [(str(d["number"]), str(d["name"])) for d in data.get("departements", [])]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        return []


def _choices(lang: str, key: str) -> list[tuple[str, str]]:
    return [(t(lang, "unspecified"), UNSET), *((v, k) for k, v in t(lang, key).items())]


def _dept_choices(lang: str, depts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (t(lang, "unspecified"), UNSET),
        *((f"{num} — {name}", name) for num, name in depts),
        (t(lang, "outside"), OUTSIDE),
    ]


def _yes_no(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "unspecified"), UNSET), (t(lang, "yes"), "oui"), (t(lang, "no"), "non")]


_MULTIPLIERS = {"k": 1e3, "m": 1e6, "md": 1e9, "mrd": 1e9}


def parse_number(value: Any) -> float | None:
    """A number typed in the form: blank is unknown (never 0); "1 200 000 €", "1,5 M€" read.

    Raises ``ValueError`` for text that is not a number (the form says so).
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"\s*(€|eur|euros?)$", "", text).strip()
    if not text:
        return None
    match = re.fullmatch(r"([0-9][0-9 .]*(?:,[0-9]+)?|[0-9]*[.,][0-9]+)\s*(k|m|md|mrd)?", text)
    if not match:
        raise ValueError(value)
    digits = match.group(1).replace(" ", "")
    if "," in digits:
        digits = digits.replace(".", "").replace(",", ".")
    elif digits.count(".") > 1 or re.search(r"\.\d{3}$", digits):
        digits = digits.replace(".", "")  # 1.200.000 (thousands separators)
    return float(digits) * _MULTIPLIERS.get(match.group(2) or "", 1.0)


def profile_from_fields(
    org_type: str | None,
    staff: Any,
    turnover: Any,
    balance: Any,
    departement: str | None,
    sector: str | None,
    project_type: str | None,
    ai_specialist: str | None,
    creation_year: Any = None,
) -> dict[str, Any]:
    """The form's values as the profile dict of ``Assistant.eligibility`` (blanks dropped).

    A blank number stays unknown, as in the chat: an empty form is not a micro-company.
    """
    staff_n = parse_number(staff)
    year = parse_number(creation_year)
    profile: dict[str, Any] = {
        "org_type": org_type or None,
        "staff": int(staff_n) if staff_n is not None else None,
        "turnover_eur": parse_number(turnover),
        "balance_sheet_eur": parse_number(balance),
        "sector": sector or None,
        "project_type": project_type or None,
        "ai_specialist": ai_specialist or None,
        "creation_year": int(year) if year is not None else None,
    }
    if departement == OUTSIDE:
        profile["in_occitanie"] = False
    elif departement:
        profile["departement"] = departement
    return {k: v for k, v in profile.items() if v is not None}


def build_eligibility(bot: Assistant, lang_state: gr.State | gr.Radio) -> list[Any]:
    """Render the form inside the current Blocks context.

    Returns the components whose labels change with the interface language, in
    the order of :func:`relabel`.
    """
    depts = departements(bot.settings.corpus_dir)
    lang = "fr"
    intro = gr.Markdown(t(lang, "elig_intro"), elem_id="oc-elig-intro")
    with gr.Row(elem_classes=["oc-elig-row"]):
        org_type = gr.Dropdown(
            _choices(lang, "org_types"), value=UNSET, label=t(lang, "org_type"), filterable=False
        )
        sector = gr.Dropdown(
            _choices(lang, "sectors"), value=UNSET, label=t(lang, "sector"), filterable=False
        )
        project = gr.Dropdown(
            _choices(lang, "project_types"),
            value=UNSET,
            label=t(lang, "project_type"),
            filterable=False,
        )
    # Numbers as text: a blank field must stay "not said" (a number input sends 0).
    with gr.Row(elem_classes=["oc-elig-row"]):
        staff = gr.Textbox(label=t(lang, "staff"), max_length=12, elem_id="oc-elig-staff")
        turnover = gr.Textbox(label=t(lang, "turnover"), max_length=24, elem_id="oc-elig-turnover")
        balance = gr.Textbox(label=t(lang, "balance"), max_length=24, elem_id="oc-elig-balance")
        year = gr.Textbox(label=t(lang, "creation_year"), max_length=4, elem_id="oc-elig-year")
    with gr.Row(elem_classes=["oc-elig-row"]):
        dept = gr.Dropdown(
            _dept_choices(lang, depts),
            value=UNSET,
            label=t(lang, "departement"),
            filterable=True,
            elem_id="oc-elig-dept",
        )
        ai = gr.Radio(_yes_no(lang), value=UNSET, label=t(lang, "ai_specialist"))
    check = gr.Button(t(lang, "check"), variant="primary", elem_id="oc-elig-check")
    result = gr.Markdown(sanitize_html=True, elem_id="oc-elig-result")

    def run(*values: Any) -> str:
        *fields, creation, ui_lang = values
        try:
            profile = profile_from_fields(*fields, creation_year=creation)
        except ValueError as exc:
            return error_html(t(ui_lang, "not_a_number").format(value=str(exc)[:40]))
        try:
            return eligibility_html(bot.eligibility(profile, lang=ui_lang), ui_lang)
        except ValueError as exc:
            return error_html(str(exc))

    check.click(
        run,
        [org_type, staff, turnover, balance, dept, sector, project, ai, year, lang_state],
        result,
        api_visibility="private",
    )
    return [intro, org_type, sector, project, staff, turnover, balance, dept, ai, check, year]


def relabel(lang: str, corpus_dir: Path) -> list[Any]:
    """Updates for the components returned by :func:`build_eligibility`."""
    depts = departements(corpus_dir)
    return [
        gr.update(value=t(lang, "elig_intro")),
        gr.update(label=t(lang, "org_type"), choices=_choices(lang, "org_types")),
        gr.update(label=t(lang, "sector"), choices=_choices(lang, "sectors")),
        gr.update(label=t(lang, "project_type"), choices=_choices(lang, "project_types")),
        gr.update(label=t(lang, "staff")),
        gr.update(label=t(lang, "turnover")),
        gr.update(label=t(lang, "balance")),
        gr.update(label=t(lang, "departement"), choices=_dept_choices(lang, depts)),
        gr.update(label=t(lang, "ai_specialist"), choices=_yes_no(lang)),
        gr.update(value=t(lang, "check")),
        gr.update(label=t(lang, "creation_year")),
    ]
