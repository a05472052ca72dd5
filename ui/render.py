"""Answers, source cards, contacts and verdicts as HTML for the Gradio pages.

One rule: every string that comes from a question, an answer or the corpus
goes through :func:`esc` (``html.escape``) before it is put in markup, and
links are kept only when they are plain ``http(s)`` URLs. The output is one
line of HTML with no blank line, so that the Markdown renderer of Gradio
treats it as a single HTML block and never interprets corpus text as Markdown.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ui.i18n import t

_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def esc(value: Any) -> str:
    """Escape text for HTML (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: Any) -> str | None:
    """``url`` if it is a plain http(s) URL, else ``None`` (no javascript: links)."""
    if isinstance(url, str) and _URL.match(url.strip()):
        return url.strip()
    return None


def text_html(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(esc(line) for line in str(text).splitlines())


def link(url: Any, label: str) -> str:
    href = safe_url(url)
    if not href:
        return ""
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def confidence_label(value: str, lang: str) -> str:
    key = f"confidence.{value}"
    label = t(lang, key)
    return value if label == key else label


def source_card(c: dict[str, Any], lang: str) -> str:
    """One numbered source: title, section or page, source date, confidence, link."""
    where = [esc(c.get("section"))] if c.get("section") else []
    if c.get("page"):
        where.append(f"p. {esc(c.get('page'))}")
    meta = []
    if c.get("source_title"):
        date = f" ({esc(c.get('source_date'))})" if c.get("source_date") else ""
        meta.append(f"{t(lang, 'source')} : {esc(c.get('source_title'))}{date}")
    elif c.get("source_date"):
        meta.append(f"{t(lang, 'source_date')} : {esc(c.get('source_date'))}")
    if c.get("confidence"):
        meta.append(f"{t(lang, 'confidence')} : {esc(confidence_label(c['confidence'], lang))}")
    parts = [
        '<div class="oc-card" role="listitem">',
        f'<div class="oc-card-title"><span class="oc-n">[{esc(c.get("n"))}]</span> '
        f"<strong>{esc(c.get('title'))}</strong></div>",
    ]
    if where:
        parts.append(f'<div class="oc-where">{" · ".join(where)}</div>')
    if meta:
        parts.append(f'<div class="oc-meta">{" · ".join(meta)}</div>')
    if c.get("excerpt"):
        parts.append(
            f"<details><summary>{t(lang, 'excerpt')}</summary>"
            f'<div class="oc-excerpt">{text_html(c["excerpt"])}</div></details>'
        )
    parts.append(link(c.get("source_url"), t(lang, "open_source")))
    parts.append("</div>")
    return "".join(parts)


def contact_card(c: dict[str, Any], lang: str) -> str:
    parts = [
        '<div class="oc-card oc-contact" role="listitem">',
        f"<strong>{esc(c.get('name'))}</strong>",
    ]
    if c.get("role"):
        parts.append(f'<div class="oc-meta">{esc(c["role"])}</div>')
    if c.get("details"):
        parts.append(f'<div class="oc-where">{esc(c["details"])}</div>')
    parts.append(link(c.get("url"), t(lang, "website")))
    parts.append("</div>")
    return "".join(parts)


def answer_html(data: dict[str, Any], ui_lang: str) -> str:
    """An answer (``Answer.to_dict()``) as one HTML block: text, notice, cards."""
    lang = data.get("lang") or ui_lang
    parts = [f'<div class="oc-answer" lang="{esc(lang)}">']
    if data.get("notice"):
        parts.append(f'<p class="oc-notice">{text_html(data["notice"])}</p>')
    parts.append(f'<div class="oc-text">{text_html(data.get("answer", ""))}</div>')
    citations = data.get("citations") or []
    if citations:
        parts.append(
            f'<div class="oc-sources" role="list" aria-label="{esc(t(ui_lang, "sources"))}">'
            f'<div class="oc-sources-title">{esc(t(ui_lang, "sources"))}</div>'
        )
        parts.extend(source_card(c, ui_lang) for c in citations)
        parts.append("</div>")
    contacts = data.get("contacts") or []
    if contacts:
        parts.append(
            f'<div class="oc-sources oc-contacts" role="list" '
            f'aria-label="{esc(t(ui_lang, "contacts"))}">'
            f'<div class="oc-sources-title">{esc(t(ui_lang, "contacts"))}</div>'
        )
        parts.extend(contact_card(c, ui_lang) for c in contacts)
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def question_html(question: str) -> str:
    """The user's own message, shown as text whatever it contains."""
    return f'<div class="oc-question">{text_html(question)}</div>'


def draft_html(text: str, ui_lang: str) -> str:
    """Text an LLM is still writing: shown as a draft until the checked answer replaces it."""
    return (
        f'<div class="oc-answer oc-draft" aria-busy="true">'
        f'<p class="oc-meta" role="status">{esc(t(ui_lang, "drafting"))}</p>'
        f'<div class="oc-text">{text_html(text)}</div></div>'
    )


def error_html(message: str) -> str:
    return f'<div class="oc-answer oc-error" role="alert">⚠️ {text_html(message)}</div>'


VERDICT_CLASS = {
    "correspond": "ok",
    "eligible": "ok",
    "ne correspond pas": "no",
    "not_eligible": "no",
    "à vérifier": "check",
}


def eligibility_html(result: dict[str, Any], lang: str) -> str:
    """Verdict cards (scheme, verdict, reasons, missing facts, sources)."""
    parts = ['<div class="oc-answer oc-eligibility">']
    sme = result.get("sme_category")
    if sme:
        label = sme.get("label") or sme.get("category") if isinstance(sme, dict) else sme
        parts.append(f'<p class="oc-notice">{esc(t(lang, "sme_category"))} : {esc(label)}</p>')
    results = result.get("results") or []
    parts.append(f'<div class="oc-sources" role="list" aria-label="{esc(t(lang, "verdicts"))}">')
    for r in results:
        verdict = str(r.get("verdict", ""))
        css = VERDICT_CLASS.get(verdict.lower(), "check")
        parts.append(
            f'<div class="oc-card oc-verdict oc-{css}" role="listitem">'
            f"<strong>{esc(r.get('scheme_name'))}</strong> "
            f'<span class="oc-badge">{esc(verdict)}</span>'
        )
        reasons = r.get("reasons") or []
        if reasons:
            parts.append("<ul>" + "".join(f"<li>{text_html(x)}</li>" for x in reasons) + "</ul>")
        missing = r.get("missing") or []
        if missing:
            names = t(lang, "fields")
            parts.append(
                f'<div class="oc-meta">{esc(t(lang, "missing"))} : '
                f"{esc(', '.join(str(names.get(m, m)) for m in missing))}</div>"
            )
        cites = r.get("citations") or []
        if cites:
            titles = []
            for c in cites:
                if isinstance(c, dict):
                    title = c.get("title") or c.get("source_title") or c.get("doc_id")
                    titles.append(link(c.get("url") or c.get("source_url"), title) or esc(title))
                else:
                    titles.append(esc(c))
            parts.append(
                f'<div class="oc-meta">{esc(t(lang, "sources"))} : {" ; ".join(titles)}</div>'
            )
        parts.append("</div>")
    parts.append("</div>")
    if result.get("follow_up_question"):
        parts.append(f'<p class="oc-notice">{text_html(result["follow_up_question"])}</p>')
    if not results and result.get("text"):
        parts.append(f'<div class="oc-text">{text_html(result["text"])}</div>')
    parts.append("</div>")
    return "".join(parts)
