"""The chat page: a Gradio ChatInterface on top of the Python contract."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.core import QuestionError

if TYPE_CHECKING:
    from assistant.core import Answer, Assistant

EXAMPLES = [
    "Quel est le budget total du Plan IA Occitanie ?",
    "Combien pour la formation ?",
    "Je suis une PME de santé à Montpellier, quelle enveloppe me concerne ?",
    "Quelle est la date limite pour déposer un dossier ?",
]
DISCLAIMER = (
    "Assistant automatisé : il peut se tromper. Chaque réponse cite ses sources ; "
    "vérifiez-les et contactez AD'OCC ou la Région Occitanie pour toute démarche."
)


def render_answer(answer: Answer) -> str:
    """Answer text plus its sources, as Markdown (all corpus text escaped)."""
    parts = [html.escape(answer.text)]
    if answer.citations:
        parts.append("\n\n**Sources**")
        for c in answer.citations:
            where = f" — {html.escape(c.section)}" if c.section else ""
            where += f", p. {c.page}" if c.page else ""
            date = f" ({html.escape(c.source_date)})" if c.source_date else ""
            parts.append(
                f"\n[{c.n}] **{html.escape(c.title)}**{where} · {html.escape(c.source_title)}{date}"
            )
    return "".join(parts)


def build_chat(bot: Assistant) -> gr.Blocks:
    """The citizen/SME chat, in French."""

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        turns = [
            {"role": m["role"], "content": str(m.get("content", ""))}
            for m in history
            if m.get("role") in ("user", "assistant")
        ]
        try:
            return render_answer(bot.ask(message, history=turns))
        except QuestionError as exc:
            return f"⚠️ {html.escape(str(exc))}"

    with gr.Blocks(title="Assistant Plan IA Occitanie") as demo:
        gr.Markdown("# Assistant du Plan IA Occitanie 2024-2028")
        gr.Markdown(DISCLAIMER)
        gr.ChatInterface(
            respond,
            examples=EXAMPLES,
            examples_label="Exemples de questions",
            textbox=gr.Textbox(
                placeholder="Votre question sur le Plan IA Occitanie…",
                label="Votre question",
                max_lines=6,
            ),
            submit_btn="Envoyer",
            stop_btn=False,
            api_name="chat",
        )
    return demo
