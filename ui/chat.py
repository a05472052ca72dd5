"""The citizen and SME page (``/``): chat with source cards, feedback, eligibility.

The conversation lives in the browser (``gr.BrowserState``, encrypted in
localStorage with a per-process secret): each browser keeps its own, a reload
keeps it, "Nouvelle conversation" clears it, and the server keeps nothing but
the feedback people choose to leave. What is stored is the plain question and
the answer's JSON; HTML is re-rendered (and escaped) from it on every display.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.errors import InputError as QuestionError
from ui.api import answer_payload, ask_kwargs
from ui.eligibility_form import build_eligibility, relabel
from ui.i18n import t
from ui.render import answer_html, draft_html, error_html, question_html, searching_html

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.feedback import FeedbackStore

log = logging.getLogger(__name__)

AUDIENCES = ("citoyen", "entreprise", "formation")
EXAMPLES_PER_AUDIENCE = 3
MAX_STORED_EXCHANGES = 30


def new_conversation(ui_lang: str = "fr") -> dict[str, Any]:
    return {"sid": uuid.uuid4().hex, "ui_lang": ui_lang, "exchanges": []}


def _conv(value: Any) -> dict[str, Any]:
    """The stored conversation, or a fresh one when storage is empty or foreign."""
    if isinstance(value, dict) and isinstance(value.get("exchanges"), list) and value.get("sid"):
        return value
    return new_conversation()


def messages(conv: dict[str, Any], display: Any = None) -> list[dict[str, str]]:
    """Chatbot messages (escaped HTML) for a stored conversation."""
    ui_lang = conv.get("ui_lang", "fr")
    out: list[dict[str, str]] = []
    for ex in conv["exchanges"]:
        if ex.get("q"):
            out.append({"role": "user", "content": question_html(ex["q"])})
        if ex.get("a"):
            out.append({"role": "assistant", "content": answer_html(ex["a"], ui_lang, display)})
        else:
            out.append({"role": "assistant", "content": error_html(ex.get("error", ""))})
    return out


def exchange_at(conv: dict[str, Any], message_index: int) -> dict[str, Any] | None:
    """The exchange whose assistant message is at ``message_index`` in the chatbot."""
    i = -1
    for ex in conv["exchanges"]:
        i += 1 if ex.get("q") else 0
        i += 1
        if i == message_index:
            return ex
    return None


def history(conv: dict[str, Any]) -> list[dict[str, str]]:
    """The conversation as the plain turns ``Assistant.ask`` expects."""
    turns: list[dict[str, str]] = []
    for ex in conv["exchanges"]:
        if ex.get("q") and ex.get("a"):
            turns.append({"role": "user", "content": ex["q"]})
            turns.append({"role": "assistant", "content": ex["a"].get("answer", "")})
    return turns


def last_context(conv: dict[str, Any]) -> dict[str, Any] | None:
    """The conversation state returned with the last answer (sent back with the next question)."""
    for ex in reversed(conv["exchanges"]):
        if ex.get("a"):
            return ex["a"].get("context") or None
    return None


def format_date(value: str, lang: str) -> str:
    """2026-11-27 → 27/11/2026 in French; unchanged otherwise."""
    parts = value.split("-")
    if lang == "fr" and len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return value or "?"


def build_chat(bot: Assistant, feedback: FeedbackStore) -> gr.Blocks:
    """The chat page, French first with an English switch."""
    sources_date = bot.sources_date()
    display = getattr(bot, "display", None)

    def disclaimer(lang: str) -> str:
        return t(lang, "disclaimer").format(date=format_date(sources_date, lang))

    with gr.Blocks(title=t("fr", "title"), fill_width=False) as demo:
        store = gr.BrowserState(new_conversation(), storage_key="occitanie-ia-conversation")
        feedback_id = gr.State(None)
        pending = gr.State("")  # the question being answered (shown at once, answered next)
        with gr.Row(elem_id="oc-header", equal_height=True):
            title = gr.Markdown(f"# {t('fr', 'title')}", elem_id="oc-title")
            lang = gr.Radio(
                [("Français", "fr"), ("English", "en")],
                value="fr",
                label=t("fr", "lang_label"),
                elem_id="oc-lang",
                scale=0,
                min_width=220,
            )
        notice = gr.Markdown(disclaimer("fr"), elem_id="oc-disclaimer")
        with gr.Tabs():
            with gr.Tab(t("fr", "tab_chat"), id="chat") as tab_chat:
                chatbot = gr.Chatbot(
                    label=t("fr", "chatbot"),
                    show_label=False,  # named for screen readers by static/chat.js
                    elem_id="oc-chatbot",
                    height=480,
                    sanitize_html=True,
                    allow_tags=False,
                    render_markdown=True,
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    layout="bubble",
                    autoscroll=False,  # static/chat.js scrolls to the start of each answer
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label=t("fr", "question"),
                        placeholder=t("fr", "placeholder"),
                        elem_id="oc-question",
                        max_length=2000,
                        lines=1,
                        max_lines=6,
                        scale=5,
                    )
                    send = gr.Button(t("fr", "send"), variant="primary", elem_id="oc-send", scale=1)
                with gr.Row(visible=False, elem_id="oc-feedback") as feedback_row:
                    comment = gr.Textbox(
                        label=t("fr", "feedback_prompt"), max_length=2000, scale=5, lines=1
                    )
                    comment_send = gr.Button(t("fr", "feedback_send"), scale=1)
                new = gr.Button(t("fr", "new"), elem_id="oc-new", size="sm")
                examples_title = gr.Markdown(f"### {t('fr', 'examples')}")
                example_headers: list[gr.Markdown] = []
                example_buttons: list[gr.Button] = []
                with gr.Row():
                    for audience in AUDIENCES:
                        with gr.Column(min_width=220):
                            example_headers.append(
                                gr.Markdown(f"**{t('fr', 'audiences')[audience]}**")
                            )
                            for q in t("fr", "examples_by_audience")[audience]:
                                example_buttons.append(
                                    gr.Button(q, size="md", elem_classes=["oc-example"])
                                )
            with gr.Tab(t("fr", "tab_eligibility"), id="eligibility") as tab_elig:
                elig_components = build_eligibility(bot, lang)

        # -- behaviour -----------------------------------------------------------
        def show_question(message: str, conv: Any, ui_lang: str):
            """At once, outside the queue: the question as a bubble and a "searching" state."""
            conv = _conv(conv)
            conv["ui_lang"] = ui_lang
            shown = messages(conv, display)
            text = (message or "").strip()
            if text:
                shown.append({"role": "user", "content": question_html(text[:2000])})
            shown.append({"role": "assistant", "content": searching_html(ui_lang)})
            return shown, "", message or ""

        def respond(message: str, conv: Any, ui_lang: str):
            """Stream the answer: the draft as an LLM writes it, then the checked answer.

            In extractive mode there is no draft: the answer comes whole at once.
            When the guard replaces the draft, the final answer carries a notice.
            """
            conv = _conv(conv)
            conv["ui_lang"] = ui_lang
            message = message or ""
            hide = gr.update(visible=False)
            try:
                events = bot.ask_stream(
                    message,
                    **ask_kwargs(
                        history(conv),
                        "en" if ui_lang == "en" else None,
                        None,
                        context=last_context(conv),
                    ),
                )
                shown = messages(conv, display)
                if message.strip():
                    shown.append({"role": "user", "content": question_html(message.strip())})
                draft = ""
                for event in events:
                    if event["type"] == "token":
                        draft += event["text"]
                        bubble = {"role": "assistant", "content": draft_html(draft, ui_lang)}
                        yield [*shown, bubble], gr.skip(), gr.skip(), hide, None
                        continue
                    data = dict(event["answer"])  # its eligibility verdicts fold under it
                    conv["exchanges"].append({"q": message.strip(), "a": data})
            except QuestionError:
                conv["exchanges"].append(
                    {
                        "q": message[:200] + "…",
                        "error": t(ui_lang, "too_long").format(n=len(message)),
                    }
                )
            except Exception:  # never leave the user with a spinner and no word
                log.exception("chat answer failed")
                conv["exchanges"].append(
                    {"q": message.strip(), "error": t(ui_lang, "answer_failed")}
                )
            conv["exchanges"] = conv["exchanges"][-MAX_STORED_EXCHANGES:]
            yield messages(conv, display), conv, gr.skip(), hide, None

        outputs = [chatbot, store, question, feedback_row, feedback_id]
        shown_first = [chatbot, question, pending]
        for trigger, source in (
            (send.click, question),
            (question.submit, question),
            *((button.click, button) for button in example_buttons),
        ):
            trigger(
                show_question,
                [source, store, lang],
                shown_first,
                queue=False,
                api_visibility="private",
            ).then(respond, [pending, store, lang], outputs, api_visibility="private")

        def reset(ui_lang: str):
            return [], new_conversation(ui_lang), "", gr.update(visible=False), None

        new.click(reset, [lang], outputs, api_visibility="private")
        chatbot.clear(reset, [lang], outputs, api_visibility="private")

        def on_like(conv: Any, data: gr.LikeData):
            conv = _conv(conv)
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            ex = exchange_at(conv, int(index))
            if ex is None or not ex.get("a") or not isinstance(data.liked, bool):
                return None, gr.update(visible=False)
            fid = feedback.record(
                rating=1 if data.liked else -1,
                question=ex.get("q", ""),
                answer=ex["a"].get("answer", ""),
                citations=[c.get("doc_id", "") for c in ex["a"].get("citations", [])],
                lang=ex["a"].get("lang", ""),
                kind=ex["a"].get("kind", ""),
                session=conv["sid"],
            )
            return fid, gr.update(visible=True)

        chatbot.like(on_like, [store], [feedback_id, feedback_row], api_visibility="private")

        def on_comment(text: str, fid: int | None, conv: Any, ui_lang: str):
            if fid is not None and (text or "").strip():
                feedback.add_comment(fid, text, session=_conv(conv)["sid"])
            gr.Info(t(ui_lang, "feedback_thanks"))
            return "", gr.update(visible=False), None

        comment_event = [comment, feedback_id, store, lang]
        comment_outputs = [comment, feedback_row, feedback_id]
        comment_send.click(on_comment, comment_event, comment_outputs, api_visibility="private")
        comment.submit(on_comment, comment_event, comment_outputs, api_visibility="private")

        def switch(ui_lang: str, conv: Any) -> list[Any]:
            """Every visible string in ``ui_lang`` (and the conversation re-rendered)."""
            conv = _conv(conv)
            conv["ui_lang"] = ui_lang
            audiences = t(ui_lang, "audiences")
            examples = [q for a in AUDIENCES for q in t(ui_lang, "examples_by_audience")[a]]
            return [
                conv,
                gr.update(value=messages(conv, display), label=t(ui_lang, "chatbot")),
                gr.update(value=f"# {t(ui_lang, 'title')}"),
                gr.update(value=ui_lang, label=t(ui_lang, "lang_label")),
                gr.update(value=disclaimer(ui_lang)),
                gr.update(label=t(ui_lang, "tab_chat")),
                gr.update(label=t(ui_lang, "tab_eligibility")),
                gr.update(label=t(ui_lang, "question"), placeholder=t(ui_lang, "placeholder")),
                gr.update(value=t(ui_lang, "send")),
                gr.update(label=t(ui_lang, "feedback_prompt")),
                gr.update(value=t(ui_lang, "feedback_send")),
                gr.update(value=t(ui_lang, "new")),
                gr.update(value=f"### {t(ui_lang, 'examples')}"),
                *(gr.update(value=f"**{audiences[a]}**") for a in AUDIENCES),
                *(gr.update(value=q) for q in examples),
                *relabel(ui_lang, bot.settings.corpus_dir),
            ]

        relabelled = [
            store,
            chatbot,
            title,
            lang,
            notice,
            tab_chat,
            tab_elig,
            question,
            send,
            comment,
            comment_send,
            new,
            examples_title,
            *example_headers,
            *example_buttons,
            *elig_components,
        ]
        lang.input(switch, [lang, store], relabelled, api_visibility="private")

        def restore(conv: Any) -> list[Any]:
            """Show the conversation kept by this browser, in its interface language."""
            conv = _conv(conv)
            return switch(conv.get("ui_lang", "fr"), conv)

        demo.load(restore, [store], relabelled, api_visibility="private")

        # A documented endpoint for programmatic clients (gradio_client): JSON answer.
        def ask(question: str, lang: str = "fr") -> dict[str, Any]:
            """Answer one question; returns the same JSON as POST /api/v1/ask."""
            try:
                answer = bot.ask(question, **ask_kwargs([], lang if lang == "en" else None, None))
            except QuestionError as exc:
                return {"error": str(exc)}
            return answer_payload(answer)

        gr.api(ask, api_name="ask")
    return demo
