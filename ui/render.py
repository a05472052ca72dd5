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


def _display(display: Any) -> Any:
    from assistant.display import SourceDisplay

    return display or SourceDisplay.default()


def _source_line(source: dict[str, Any], words: dict[str, str]) -> str:
    """ "Source : « title », publisher, date · Ouvrir la source" (the link only for http(s))."""
    title = str(source.get("title") or "")
    parts = [esc(title) if "«" in title else f"« {esc(title)} »"] if title else []
    parts += [esc(source[k]) for k in ("publisher", "date") if source.get(k)]
    opened = link(source.get("url"), words["open"] + " ↗")
    return ", ".join(parts) + (f" · {opened}" if opened else "")


def source_card(c: dict[str, Any], lang: str, display: Any = None) -> str:
    """One numbered source: document title and section, source, date, link, confidence in words.

    ``data-n`` ties the card to the ``[n]`` markers of the answer (clicking one
    highlights and opens its card, see ``static/chat.js``).
    """
    view = _display(display).citation(c, lang)
    words = view["labels"]
    n = esc(view.get("n"))
    parts = [
        f'<div class="oc-card oc-src-{n}" data-n="{n}" role="listitem">',
        f'<div class="oc-card-title"><span class="oc-n">[{n}]</span> '
        f"<strong>{esc(view['title'])}</strong></div>",
    ]
    if view.get("where"):
        parts.append(f'<div class="oc-where">{esc(view["where"])}</div>')
    if view.get("source"):
        parts.append(
            f'<div class="oc-meta">{esc(words["source"])} : '
            f"{_source_line(view['source'], words)}</div>"
        )
    if view.get("confidence"):
        parts.append(
            f'<div class="oc-meta">{esc(words["reliability"])} : {esc(view["confidence"])}</div>'
        )
    others = view.get("others") or []
    if others:
        items = "".join(f"<li>{_source_line(s, words)}</li>" for s in others)
        parts.append(
            f"<details><summary>{esc(words['others'])} ({len(others)})</summary>"
            f'<ul class="oc-others">{items}</ul></details>'
        )
    if c.get("excerpt"):
        parts.append(
            f'<details class="oc-excerpt-box"><summary>{t(lang, "excerpt")}</summary>'
            f'<div class="oc-excerpt">{text_html(c["excerpt"])}</div></details>'
        )
    parts.append("</div>")
    return "".join(parts)


def answer_text_html(text: str, cited: set[int]) -> str:
    """Escaped answer text whose ``[n]`` markers are links to the cards they cite."""
    from assistant.citations import markers

    out: list[str] = []
    for line in str(text).splitlines():
        cursor = 0
        pieces: list[str] = []
        for marker in markers(line):
            pieces.append(esc(line[cursor : marker.start]))
            refs = [
                f'<a class="oc-ref" href="#oc-src-{n}" data-n="{n}">{n}</a>'
                if n in cited
                else str(n)
                for n in marker.numbers
            ]
            pieces.append("[" + ", ".join(refs) + "]")
            cursor = marker.end
        pieces.append(esc(line[cursor:]))
        out.append("".join(pieces))
    return "<br>".join(out)


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


def answer_html(data: dict[str, Any], ui_lang: str, display: Any = None) -> str:
    """An answer (``Answer.to_dict()``) as one HTML block: text, notice, details, cards."""
    lang = data.get("lang") or ui_lang
    citations = data.get("citations") or []
    cited = {int(c["n"]) for c in citations if str(c.get("n", "")).isdigit()}
    parts = [f'<div class="oc-answer" lang="{esc(lang)}">']
    if data.get("notice"):
        parts.append(f'<p class="oc-notice">{text_html(data["notice"])}</p>')
    parts.append(f'<div class="oc-text">{answer_text_html(data.get("answer", ""), cited)}</div>')
    details = details_html(data, ui_lang)
    if details:  # the planner's structured details, folded under the direct answer
        parts.append(
            f'<details class="oc-details"><summary>{esc(t(ui_lang, "details"))}</summary>'
            f"{details}</details>"
        )
    if citations:
        parts.append(
            f'<div class="oc-sources" role="list" aria-label="{esc(t(ui_lang, "sources"))}">'
            f'<div class="oc-sources-title">{esc(t(ui_lang, "sources"))}</div>'
        )
        parts.extend(source_card(c, ui_lang, display) for c in citations)
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


def details_html(data: dict[str, Any], ui_lang: str) -> str:
    """Eligibility verdicts and calculations of an answer ("" when it has none)."""
    parts: list[str] = []
    eligibility = data.get("eligibility")
    if isinstance(eligibility, dict) and eligibility.get("results"):
        verdicts = eligibility_html({**eligibility, "text": ""}, ui_lang)
        # inside the answer, not an answer of its own (pages count answers by .oc-answer)
        parts.append(
            verdicts.replace('class="oc-answer oc-eligibility"', 'class="oc-eligibility"', 1)
        )
    derivations = [d for d in data.get("derivations") or [] if d.get("expression")]
    if derivations:
        items = "".join(f"<li>{esc(d['expression'])}</li>" for d in derivations)
        parts.append(
            f'<div class="oc-meta">{esc(t(ui_lang, "calculation"))} :</div><ul>{items}</ul>'
        )
    return "".join(parts)


def searching_html(ui_lang: str) -> str:
    """The assistant's bubble while it searches: visible at once, announced politely."""
    return (
        '<div class="oc-searching" aria-busy="true">'
        f'<p class="oc-meta" role="status">{esc(t(ui_lang, "searching"))}</p></div>'
    )


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


#: matches first, then "à vérifier", then non-matches
VERDICT_ORDER = {"ok": 0, "check": 1, "no": 2}

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
    results = sorted(
        result.get("results") or [],
        key=lambda r: VERDICT_ORDER.get(VERDICT_CLASS.get(str(r.get("verdict", "")).lower()), 1),
    )
    matching = [r for r in results if VERDICT_CLASS.get(str(r.get("verdict", "")).lower()) != "no"]
    rest = results[len(matching) :]
    parts.append(f'<div class="oc-sources" role="list" aria-label="{esc(t(lang, "verdicts"))}">')
    parts.extend(_verdict_card(r, lang) for r in matching)
    parts.append("</div>")
    if rest:
        parts.append(
            f'<details class="oc-no-match"><summary>'
            f"{esc(t(lang, 'no_match_group').format(n=len(rest)))}</summary>"
            f'<div class="oc-sources" role="list" aria-label="{esc(t(lang, "verdicts"))}">'
            + "".join(_verdict_card(r, lang) for r in rest)
            + "</div></details>"
        )
    if result.get("follow_up_question"):
        parts.append(f'<p class="oc-notice">{text_html(result["follow_up_question"])}</p>')
    if not results and result.get("text"):
        parts.append(f'<div class="oc-text">{text_html(result["text"])}</div>')
    parts.append("</div>")
    return "".join(parts)


def _verdict_card(r: dict[str, Any], lang: str) -> str:
    """One scheme: name, verdict in words, reasons, missing facts, sources."""
    parts: list[str] = []
    verdict = str(r.get("verdict", ""))
    css = VERDICT_CLASS.get(verdict.lower(), "check")
    shown = t(lang, "verdict_labels").get(verdict.lower(), verdict)
    parts.append(
        f'<div class="oc-card oc-verdict oc-{css}" role="listitem">'
        f"<strong>{esc(r.get('scheme_name'))}</strong> "
        f'<span class="oc-badge">{esc(shown)}</span>'
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
        parts.append(f'<div class="oc-meta">{esc(t(lang, "sources"))} : {" ; ".join(titles)}</div>')
    parts.append("</div>")
    return "".join(parts)
