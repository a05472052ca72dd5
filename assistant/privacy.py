"""Personal data out of logs and stored feedback: one redactor shared by the app.

People type their e-mail, phone number, SIRET or IBAN into a public chat ("je
m'appelle Marie Dupont, SIRET 732 829 320 00074, rappelez-moi au 06 12 34 56
78"). None of it is needed to answer and none of it may end up in an access log,
an application log or the feedback file an editorial team exports to a
spreadsheet. ``redact`` replaces each with a fixed tag; ``RedactingFilter``
applies it to every log record; ``AccessLogFilter`` also drops query strings
from uvicorn's access lines (``GET /api/v1/search?q=...`` is a question).

False positives are preferred to leaks in logs, but the feedback rows keep their
figures: bare 9- and 14-digit numbers (SIREN, SIRET) are only redacted when their
Luhn check holds or a "SIRET"/"SIREN" label precedes them, so a budget like
"120 000 000" survives.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["AccessLogFilter", "RedactingFilter", "redact"]

EMAIL_TAG = "[EMAIL]"
PHONE_TAG = "[TEL]"
SIRET_TAG = "[SIRET]"
SIREN_TAG = "[SIREN]"
IBAN_TAG = "[IBAN]"
NAME_TAG = "[NOM]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", re.UNICODE)
# URL-encoded '@' (%40) as found in query strings of access logs.
_EMAIL_ENCODED = re.compile(r"[\w.+%-]+%40[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", re.IGNORECASE)

_SEP = r"[\s.\-]?"
_PHONE_FR = re.compile(
    rf"(?<![\w+])(?:(?:\+|00)33{_SEP}(?:\(0\){_SEP})?|0)[1-9](?:{_SEP}\d{{2}}){{4}}(?!\d)"
)
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[\s.\-]?\d){6,13}(?!\d)")

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"
)

_LABELLED_ID = re.compile(
    r"(?P<label>\b(?:SIRET|SIREN|siret|siren|Siret|Siren)\b\s*(?:n°|no|num(?:éro)?)?\s*[:=]?\s*)"
    r"(?P<num>\d(?:[\s.]?\d){8}(?:[\s.]?\d){0,5})(?!\d)"
)
_SIRET = re.compile(r"(?<![\d\w])\d{3}[\s.]?\d{3}[\s.]?\d{3}[\s.]?\d{5}(?!\d)")
_SIREN = re.compile(r"(?<![\d\w])\d{3}[\s.]?\d{3}[\s.]?\d{3}(?![\d]|[\s.]\d)")

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*"
_NAME = re.compile(
    r"(?P<intro>\b(?:je\s+m['’]\s*appelle|mon\s+nom\s+est|moi\s+c['’]\s*est|"
    r"my\s+name\s+is|i\s+am\s+called)\s+)"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})",
    re.IGNORECASE,
)
#: Words that end a name ("je m'appelle Marie et je...").
_NAME_STOP = frozenset(
    [
        "et",
        "and",
        "je",
        "j",
        "i",
        "de",
        "du",
        "des",
        "le",
        "la",
        "les",
        "pour",
        "for",
        "but",
        "mais",
        "donc",
        "so",
        "qui",
        "who",
        "from",
        "of",
    ]
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _labelled(match: re.Match[str]) -> str:
    digits = _digits(match["num"])
    tag = SIRET_TAG if len(digits) > 9 else SIREN_TAG
    return match["label"] + tag


def _checked(tag: str) -> Any:
    def sub(match: re.Match[str]) -> str:
        return tag if _luhn_ok(_digits(match.group(0))) else match.group(0)

    return sub


def _iban(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = text.replace(" ", "")
    if 15 <= len(compact) <= 34 and sum(ch.isdigit() for ch in compact) >= 10:
        return IBAN_TAG
    return text


def _name(match: re.Match[str]) -> str:
    end = 0
    for word in re.finditer(r"\S+", match["name"]):
        if word.group(0).lower() in _NAME_STOP:
            break
        end = word.end()
    if not end:
        return match.group(0)
    return match["intro"] + NAME_TAG + match["name"][end:]


def redact(text: str) -> str:
    """``text`` with e-mails, phone numbers, SIRET/SIREN, IBANs and self-given names masked."""
    if not text or not isinstance(text, str):
        return text
    text = _EMAIL.sub(EMAIL_TAG, text)
    text = _EMAIL_ENCODED.sub(EMAIL_TAG, text)
    text = _IBAN.sub(_iban, text)
    text = _LABELLED_ID.sub(_labelled, text)
    text = _SIRET.sub(_checked(SIRET_TAG), text)
    text = _PHONE_FR.sub(PHONE_TAG, text)
    text = _PHONE_INTL.sub(PHONE_TAG, text)
    text = _SIREN.sub(_checked(SIREN_TAG), text)
    return _NAME.sub(_name, text)


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Masks personal data in a record's message, arguments and traceback text.

    The arguments keep their shape (uvicorn's access formatter unpacks them), so
    each string argument is redacted in place rather than the message rendered.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):
                record.msg = redact(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(_redact_arg(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: _redact_arg(v) for k, v in record.args.items()}
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                record.exc_text = redact(record.exc_text)
        except Exception:  # a log line must never be lost to the redactor
            record.msg, record.args = "[log record withheld: redaction failed]", ()
        return True


def strip_query(path: str) -> str:
    """``/api/v1/search?q=...`` → ``/api/v1/search`` (the query is the user's text)."""
    return path.split("?", 1)[0] if isinstance(path, str) else path


class AccessLogFilter(RedactingFilter):
    """uvicorn's access lines without query strings, then redacted like every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            record.args = (client, method, strip_query(path), version, status)
        return super().filter(record)


#: Loggers whose handlers get the filters when ``install`` runs.
APP_LOGGERS = ("", "uvicorn", "uvicorn.error", "assistant", "ui")


def install(loggers: tuple[str, ...] = APP_LOGGERS) -> None:
    """Attach ``RedactingFilter`` to the handlers of the app's loggers (idempotent).

    Filters on a logger do not see records propagated from its children, so the
    filter goes on the handlers, where every record passes.
    """
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
    for handler in logging.getLogger("uvicorn.access").handlers:
        if not any(isinstance(f, AccessLogFilter) for f in handler.filters):
            handler.addFilter(AccessLogFilter())
