"""The eligibility tab: a form whose answers are verdicts with reasons and sources.

The form sends plain fields to ``Assistant.eligibility`` (the same engine as
the chat and ``POST /api/v1/eligibility``), so the three always agree.
"""

from __future__ import annotations

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


def profile_from_fields(
    org_type: str | None,
    staff: float | None,
    turnover: float | None,
    balance: float | None,
    departement: str | None,
    sector: str | None,
    project_type: str | None,
    ai_specialist: str | None,
) -> dict[str, Any]:
    """The form's values as the profile dict of ``Assistant.eligibility`` (blanks dropped)."""
    profile: dict[str, Any] = {
        "org_type": org_type or None,
        "staff": int(staff) if staff is not None else None,
        "turnover_eur": turnover,
        "balance_sheet_eur": balance,
        "sector": sector or None,
        "project_type": project_type or None,
        "ai_specialist": ai_specialist or None,
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
    intro = gr.Markdown(t(lang, "elig_intro"))
    with gr.Row():
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
    with gr.Row():
        staff = gr.Number(label=t(lang, "staff"), minimum=0, precision=0)
        turnover = gr.Number(label=t(lang, "turnover"), minimum=0)
        balance = gr.Number(label=t(lang, "balance"), minimum=0)
    with gr.Row():
        dept = gr.Dropdown(
            _dept_choices(lang, depts), value=UNSET, label=t(lang, "departement"), filterable=True
        )
        ai = gr.Radio(_yes_no(lang), value=UNSET, label=t(lang, "ai_specialist"))
    check = gr.Button(t(lang, "check"), variant="primary", elem_id="oc-elig-check")
    result = gr.Markdown(sanitize_html=True, elem_id="oc-elig-result")

    def run(*values: Any) -> str:
        *fields, ui_lang = values
        try:
            return eligibility_html(
                bot.eligibility(profile_from_fields(*fields), lang=ui_lang), ui_lang
            )
        except ValueError as exc:
            return error_html(str(exc))

    check.click(
        run,
        [org_type, staff, turnover, balance, dept, sector, project, ai, lang_state],
        result,
        api_visibility="private",
    )
    return [intro, org_type, sector, project, staff, turnover, balance, dept, ai, check]


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
    ]
