"""The citizen and SME page (``/``): chat with source cards, feedback, eligibility.

The conversation lives in the browser (``gr.BrowserState``, encrypted in
localStorage with a passphrase derived from the same key): each browser keeps its own, a reload
keeps it, "Nouvelle conversation" clears it, and the server keeps nothing but
the feedback people choose to leave. What is stored is the plain question and
the answer's JSON; HTML is re-rendered (and escaped) from it on every display.

Because the conversation comes back from the browser, anything in it may be
forged (``/gradio_api/queue/join`` accepts any JSON). Each exchange the server
answers is therefore signed (``ui.answer_signature.AnswerSigner``, under
``ASSISTANT_SECRET_KEY`` like the API's answers, so any replica can check it)
and a 👍/👎 is recorded only for an exchange whose signature holds: feedback
cannot become a way to store arbitrary text.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.errors import BusyError
from assistant.errors import InputError as QuestionError
from ui.answer_signature import AnswerSigner
from ui.api import answer_payload, ask_kwargs
from ui.eligibility_form import build_eligibility, relabel
from ui.i18n import t
from ui.render import answer_html, draft_html, error_html, question_html, searching_html

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.feedback import FeedbackStore
    from ui.staff import Staff

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


def build_chat(
    bot: Assistant,
    feedback: FeedbackStore,
    signer: AnswerSigner | None = None,
    staff: Staff | None = None,
) -> gr.Blocks:
    """The chat page, French first with an English switch.

    ``signer`` signs the exchanges (``create_app`` passes the one of the API, under
    ``ASSISTANT_SECRET_KEY``; a fresh key per process by default);
    ``staff`` (the Région's side, ``ui/staff``) adds "Parler à un conseiller".
    """
    signer = signer or AnswerSigner(secrets.token_bytes(32))
    sources_date = bot.sources_date()
    display = getattr(bot, "display", None)

    def disclaimer(lang: str) -> str:
        return t(lang, "disclaimer").format(date=format_date(sources_date, lang))

    with gr.Blocks(title=t("fr", "title"), fill_width=False, analytics_enabled=False) as demo:
        store = gr.BrowserState(
            new_conversation(),
            storage_key="occitanie-ia-conversation",
            secret=signer.browser_state_secret(),
        )
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
                if staff is not None:
                    handoff_parts = build_handoff(staff)
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

        def respond(message: str, conv: Any, ui_lang: str, request: gr.Request):
            """Stream the answer: the draft as an LLM writes it, then the checked answer.

            In extractive mode there is no draft: the answer comes whole at once.
            When the guard replaces the draft, the final answer carries a notice.
            """
            conv = _conv(conv)
            conv["ui_lang"] = ui_lang
            message = message or ""
            hide = gr.update(visible=False)
            if staff is not None:  # the question log counts this question as the chat's
                chat_origin(staff, request)
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
                    data = dict(event["answer"])
                    exchange = {"q": message.strip(), "a": data}
                    exchange["sig"] = signer.sign_exchange(conv["sid"], exchange)
                    conv["exchanges"].append(exchange)
            except QuestionError:
                conv["exchanges"].append(
                    {
                        "q": message[:200] + "…",
                        "error": t(ui_lang, "too_long").format(n=len(message)),
                    }
                )
            except BusyError:
                conv["exchanges"].append({"q": message.strip(), "error": t(ui_lang, "busy")})
            except Exception:  # never leave the user with a spinner and no word
                log.exception("chat answer failed")
                conv["exchanges"].append(
                    {"q": message.strip(), "error": t(ui_lang, "answer_failed")}
                )
            conv["exchanges"] = conv["exchanges"][-MAX_STORED_EXCHANGES:]
            yield messages(conv, display), conv, gr.skip(), hide, None

        outputs = [chatbot, store, question, feedback_row, feedback_id]
        shown_first = [chatbot, question, pending]
        answered = []
        for trigger, source in (
            (send.click, question),
            (question.submit, question),
            *((button.click, button) for button in example_buttons),
        ):
            event = trigger(
                show_question,
                [source, store, lang],
                shown_first,
                # queued (ui/security.py closes Gradio's /gradio_api/run), never behind answers
                concurrency_limit=None,
                api_visibility="private",
            ).then(respond, [pending, store, lang], outputs, api_visibility="private")
            answered.append(event)

        def reset(ui_lang: str):
            return [], new_conversation(ui_lang), "", gr.update(visible=False), None

        new.click(reset, [lang], outputs, api_visibility="private")
        chatbot.clear(reset, [lang], outputs, api_visibility="private")

        def on_like(conv: Any, data: gr.LikeData):
            conv = _conv(conv)
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            try:
                ex = exchange_at(conv, int(index))
            except (TypeError, ValueError, AttributeError):  # forged state: not an exchange
                ex = None
            if ex is None or not isinstance(ex.get("a"), dict) or not isinstance(data.liked, bool):
                return None, gr.update(visible=False)
            if not signer.verify_exchange(str(conv["sid"]), ex):
                log.warning("feedback refused: exchange not signed under this server's key")
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
            except (QuestionError, BusyError) as exc:
                return {"error": str(exc)}
            return answer_payload(answer)

        gr.api(ask, api_name="ask")
        if staff is not None:
            wire_handoff(staff, handoff_parts, store, lang, chatbot, answered)
    return demo


# -- "Parler à un conseiller" (issue 15) ----------------------------------------------
def chat_origin(staff: Staff, request: gr.Request | None) -> None:
    """Tag the coming question as the chat's (and the client's keyed hash)."""
    from assistant.questionlog import request_origin

    host = getattr(getattr(request, "client", None), "host", "") or ""
    request_origin.set(("chat", staff.client_hash(host)))


def build_handoff(staff: Staff) -> dict[str, Any]:
    """The hand-off form, folded until asked for (or offered after a refusal or a 👎)."""
    with gr.Accordion(t("fr", "handoff"), open=False, elem_id="oc-handoff") as box:
        intro = gr.Markdown(t("fr", "handoff_intro"))
        with gr.Row():
            email = gr.Textbox(
                label=t("fr", "handoff_email"), max_length=254, elem_id="oc-handoff-email"
            )
            phone = gr.Textbox(
                label=t("fr", "handoff_phone"), max_length=40, elem_id="oc-handoff-phone"
            )
        consent = gr.Checkbox(
            label=t("fr", "handoff_consent"), value=False, elem_id="oc-handoff-consent"
        )
        message = gr.Textbox(label=t("fr", "handoff_message"), max_length=2000, lines=2)
        send = gr.Button(t("fr", "handoff_send"), elem_id="oc-handoff-send")
        status = gr.Markdown("", elem_id="oc-handoff-status")
    return {
        "box": box,
        "intro": intro,
        "email": email,
        "phone": phone,
        "consent": consent,
        "message": message,
        "send": send,
        "status": status,
    }


def wire_handoff(
    staff: Staff, parts: dict[str, Any], store: Any, lang: Any, chatbot: Any, answered: list[Any]
) -> None:
    """Send the form; open it after a refusal (``answered``: the answer events) or a 👎."""
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.errors import InputError
    from assistant.handoff import HandoffRequest
    from ui.staff.handoff_api import UNAVAILABLE, confirmation

    def submit(
        conv: Any,
        ui_lang: str,
        email: str,
        phone: str,
        consent: bool,
        text: str,
        request: gr.Request,
    ):
        conv = _conv(conv)
        last = next((ex["a"] for ex in reversed(conv["exchanges"]) if ex.get("a")), {})
        sources = [
            {"doc_id": c.get("doc_id", ""), "title": c.get("title", "")}
            for c in last.get("citations", [])
        ]
        host = getattr(getattr(request, "client", None), "host", "") or ""
        try:
            ticket = staff.create_ticket(
                HandoffRequest(
                    transcript=history(conv),
                    sources=sources,
                    profile=(last.get("context") or {}).get("profile") or {},
                    lang=ui_lang if ui_lang in ("fr", "en") else "fr",
                    consent=bool(consent),
                    email=email or "",
                    phone=phone or "",
                    message=text or "",
                    source="chat",
                    client_hash=staff.client_hash(host),
                )
            )
        except InputError as exc:
            return gr.skip(), gr.skip(), gr.skip(), f"**Attention :** {exc}"
        except SQLAlchemyError:
            log.error("hand-off from the chat: database unavailable")
            return gr.skip(), gr.skip(), gr.skip(), f"**Attention :** {UNAVAILABLE}"
        threading.Thread(target=staff.notify, args=(ticket,), daemon=True).start()
        done = confirmation(ticket.id, ui_lang, bool(email or phone))
        return "", "", "", done

    inputs = [store, lang, parts["email"], parts["phone"], parts["consent"], parts["message"]]
    outputs = [parts["email"], parts["phone"], parts["message"], parts["status"]]
    parts["send"].click(submit, inputs, outputs, api_visibility="private")

    def offer(conv: Any, ui_lang: str):
        """Open the form (with a word) when the last answer was a refusal."""
        conv = _conv(conv)
        last = conv["exchanges"][-1].get("a") if conv["exchanges"] else None
        if last and (last.get("refused") or last.get("kind") in ("refusal", "unspecified")):
            return gr.update(open=True), t(ui_lang, "handoff_offer")
        return gr.skip(), gr.skip()

    for event in answered:
        event.then(offer, [store, lang], [parts["box"], parts["status"]], api_visibility="private")

    def after_dislike(ui_lang: str, data: gr.LikeData):
        if data.liked is False:
            return gr.update(open=True), t(ui_lang, "handoff_offer")
        return gr.skip(), gr.skip()

    chatbot.like(after_dislike, [lang], [parts["box"], parts["status"]], api_visibility="private")

    def relabel_handoff(ui_lang: str):
        return [
            gr.update(label=t(ui_lang, "handoff")),
            gr.update(value=t(ui_lang, "handoff_intro")),
            gr.update(label=t(ui_lang, "handoff_email")),
            gr.update(label=t(ui_lang, "handoff_phone")),
            gr.update(label=t(ui_lang, "handoff_consent")),
            gr.update(label=t(ui_lang, "handoff_message")),
            gr.update(value=t(ui_lang, "handoff_send")),
        ]

    relabelled = [
        parts[k] for k in ("box", "intro", "email", "phone", "consent", "message", "send")
    ]
    lang.input(relabel_handoff, [lang], relabelled, api_visibility="private")
