"""The shared redactor: what people type about themselves never reaches logs or feedback."""

from __future__ import annotations

import logging

import pytest

from assistant.privacy import AccessLogFilter, RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("écrivez à marie.dupont@example.fr svp", "marie.dupont@example.fr"),
        ("rappelez-moi au 06 12 34 56 78", "06 12 34 56 78"),
        ("tél. +33 6 12 34 56 78", "6 12 34 56 78"),
        ("fixe 01.23.45.67.89", "01.23.45.67.89"),
        ("portable 0612345678", "0612345678"),
        ("SIRET 123 456 789 00012", "123 456 789 00012"),
        ("notre siret 73282932000074", "73282932000074"),
        ("siren : 123456789", "123456789"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "3000 6000 0112"),
        ("je m'appelle Marie Dupont et je voudrais savoir", "Marie Dupont"),
        ("My name is John Smith, what about", "John Smith"),
        ("GET /api/v1/search?q=marie%40example.fr", "marie%40example.fr"),
    ],
)
def test_personal_data_is_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[" in out and "]" in out


def test_figures_and_ordinary_text_survive() -> None:
    text = "Le budget est de 120 000 000 € (60 M€) sur 2024-2028 ; je m'appelle et j'attends."
    assert redact(text) == text
    assert redact("je m'appelle Marie et je suis PME") == "je m'appelle [NOM] et je suis PME"


def _record(msg: str, args: tuple) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)


def test_access_log_loses_query_string_and_keeps_its_shape() -> None:
    record = _record(
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/search?q=06+12+34+56+78", "1.1", 200),
    )
    assert AccessLogFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/v1/search HTTP/1.1" 200'


def test_app_log_records_and_tracebacks_are_masked() -> None:
    try:
        raise ValueError("question: contact marie@example.fr")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "assistant",
            logging.ERROR,
            __file__,
            1,
            "failed for %s",
            ("06 12 34 56 78",),
            sys.exc_info(),
        )
    RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "06 12 34 56 78" not in text and "marie@example.fr" not in text
    assert "[TEL]" in text and "[EMAIL]" in text
