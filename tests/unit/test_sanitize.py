"""HTML in a corpus document is reduced to its text at ingestion, whatever the format."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.loaders import load_corpus
from assistant.text.sanitize import html_to_text
from tests.conftest import md_doc, write

HOSTILE = (
    "Le plan est doté de 60 M€.<script>alert('x')</script> "
    '<img src="x.png" onerror="alert(1)">Voir <a href="javascript:alert(2)">la fiche</a> '
    "et [le site](javascript:alert(3)). &lt;script&gt;alert(4)&lt;/script&gt;"
)
LEFTOVERS = ("<script", "alert", "onerror", "javascript:", "<img", "<a ", "&lt;")


def test_an_unclosed_void_element_keeps_the_text_after_it() -> None:
    text = html_to_text("Avant <embed src=x.swf> après. <svg onload=alert(1)> Fin.")
    assert text == "Avant  après.  Fin."


def test_tags_scripts_and_javascript_links_are_reduced_to_text() -> None:
    text = html_to_text(HOSTILE)
    assert not [bad for bad in LEFTOVERS if bad in text], text
    assert "Le plan est doté de 60 M€." in text and "la fiche" in text and "le site" in text


@pytest.mark.parametrize(
    "plain",
    [
        "Les PME de moins de 250 salariés (<250) et la R&D : 18 M€.",
        "Un écart a < b > c reste du texte, AD'OCC aussi.",
        "Voir [la Région](https://www.laregion.fr) ou <https://www.laregion.fr>.",
        "- puce un\n- puce deux\n\n## Titre\nTexte **gras**.",
    ],
)
def test_ordinary_text_is_unchanged(plain: str) -> None:
    expected = plain.replace("<https://www.laregion.fr>", "https://www.laregion.fr")
    assert html_to_text(plain) == expected


def _everything(result) -> str:
    parts = []
    for doc in result.documents:
        parts.append(doc.meta.title)
        for section in doc.sections:
            parts.extend([section.text, *section.headings])
    return "\n".join(parts)


def test_every_format_is_sanitised_at_ingestion(mini_corpus: Path) -> None:
    sidecar = (mini_corpus / "plan" / "total.md").read_text().split("---")[1]
    write(
        mini_corpus / "plan" / "html-md.md",
        md_doc("doc-html-md", "Titre <b>gras</b>", f"# Section <i>x</i>\n{HOSTILE}\n"),
    )
    write(
        mini_corpus / "faq" / "html.yaml",
        "defaults:\n  audience: tous\n  language: fr\n  topic: plan\n  confidence: confirmed\n"
        "  last_reviewed: 2026-11-27\n  sources: [{title: S}]\nentries:\n"
        f'  - id: faq-html\n    question: "Budget <script>alert(0)</script> ?"\n'
        f"    answer: |\n      {HOSTILE}\n",
    )
    write(mini_corpus / "plan" / "page.txt", HOSTILE + "\n")
    write(mini_corpus / "plan" / "page.meta.yaml", sidecar.replace("doc-total", "doc-txt"))
    write(
        mini_corpus / "plan" / "web.html",
        f"<html><head><title>Page</title></head><body><h1>Web</h1><p>{HOSTILE}</p>"
        '<p><a href="javascript:alert(5)">lien</a> &amp;lt;script&amp;gt;alert(6)&amp;lt;/script&amp;gt;</p>'
        "</body></html>",
    )
    write(mini_corpus / "plan" / "web.meta.yaml", sidecar.replace("doc-total", "doc-web"))
    result = load_corpus(mini_corpus)
    assert result.problems == []
    ids = {d.id for d in result.documents}
    assert {"doc-html-md", "faq-html", "doc-txt", "doc-web"} <= ids
    text = _everything(result)
    assert not [bad for bad in LEFTOVERS if bad in text], text
    assert "Titre gras" in text and "la fiche" in text


def test_a_javascript_source_url_is_refused(mini_corpus: Path) -> None:
    path = mini_corpus / "plan" / "total.md"
    path.write_text(path.read_text().replace("url: null", 'url: "javascript:alert(1)"'))
    result = load_corpus(mini_corpus)
    assert "doc-total" not in {d.id for d in result.documents}
    assert any(p.path == path and "url" in (p.field or "") for p in result.problems)
