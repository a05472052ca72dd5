"""Each loader keeps its metadata; malformed files are reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.loaders import corpus_files, corpus_hash, load_corpus, load_file
from tests.conftest import md_doc, write

SIDECAR = """\
title: "{title}"
audience: entreprise
topic: aides
language: fr
confidence: uncertain
last_reviewed: 2026-11-27
sources:
  - title: "Document officiel de test"
    publisher: "Région (test)"
    date: "2024-07-11"
    url: "https://example.org/doc"
"""


def test_markdown_sections_follow_headings(tmp_path: Path) -> None:
    path = write(
        tmp_path / "doc.md",
        md_doc(
            "doc-a",
            "Titre A",
            """
            # Titre A
            Intro.

            ## Montants
            Texte des montants.

            ### Détail
            Texte du détail.

            ```
            # pas un titre
            ```

            ## Public
            Texte du public.
            """,
        ),
    )
    (doc,), problems = load_file(path)
    assert problems == []
    assert doc.meta.title == "Titre A" and doc.meta.audience == "tous"
    paths = [s.path for s in doc.sections]
    assert paths == [
        "Titre A",
        "Titre A > Montants",
        "Titre A > Montants > Détail",
        "Titre A > Public",
    ]
    assert "# pas un titre" in doc.sections[2].text


def test_faq_entries_merge_defaults_and_override(mini_corpus: Path) -> None:
    path = write(
        mini_corpus / "faq" / "more.yaml",
        """
        defaults:
          audience: citoyen
          language: fr
          topic: plan
          confidence: confirmed
          last_reviewed: 2026-11-27
          sources: [{title: "S", publisher: "p", date: "2024", url: null}]
        entries:
          - id: q1
            question: "C'est quoi ?"
            answer: "Un plan."
          - id: q2
            question: "What is it?"
            answer: "A plan."
            language: en
        """,
    )
    docs, problems = load_file(path)
    assert problems == []
    assert [(d.id, d.meta.audience, d.meta.language, d.kind) for d in docs] == [
        ("q1", "citoyen", "fr", "faq"),
        ("q2", "citoyen", "en", "faq"),
    ]
    assert docs[0].sections[0].text == "C'est quoi ?\nUn plan."


def test_pdf_keeps_page_numbers(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "deliberation.pdf"
    c = canvas.Canvas(str(pdf))
    c.drawString(72, 720, "Page un : le plan est dote de 60 millions.")
    c.showPage()
    c.drawString(72, 720, "Page deux : la formation recoit 9 millions.")
    c.showPage()
    c.save()
    write(tmp_path / "deliberation.meta.yaml", SIDECAR.format(title="Délibération"))
    (doc,), problems = load_file(pdf)
    assert problems == []
    assert [(s.page, "formation" in s.text) for s in doc.sections] == [(1, False), (2, True)]
    assert doc.meta.sources[0].url == "https://example.org/doc"
    assert doc.meta.sources[0].date == "2024-07-11"


def test_html_sections_and_no_script_text(tmp_path: Path) -> None:
    page = write(
        tmp_path / "page.html",
        """
        <html><head><title>Page Région</title><script>alert('x')</script></head>
        <body><nav>menu</nav>
        <h1>Le plan</h1><p>Le plan vaut 60 M€.</p>
        <h2>Formation</h2><ul><li>9 M€ pour la formation</li></ul>
        </body></html>
        """,
    )
    write(tmp_path / "page.meta.yaml", SIDECAR.format(title="Page Région"))
    (doc,), problems = load_file(page)
    assert problems == []
    assert [s.path for s in doc.sections] == ["Le plan", "Le plan > Formation"]
    text = " ".join(s.text for s in doc.sections)
    assert "alert" not in text and "menu" not in text
    assert "- 9 M€ pour la formation" in doc.sections[1].text


def test_docx_sections_from_heading_styles(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Compte rendu", level=1)
    document.add_paragraph("Le plan a été adopté le 11 juillet 2024.")
    document.add_heading("Recherche", level=2)
    document.add_paragraph("14 M€ pour la recherche.")
    path = tmp_path / "cr.docx"
    document.save(str(path))
    write(tmp_path / "cr.meta.yaml", SIDECAR.format(title="Compte rendu"))
    (doc,), problems = load_file(path)
    assert problems == []
    assert [s.path for s in doc.sections] == ["Compte rendu", "Compte rendu > Recherche"]


def test_text_file_needs_a_sidecar(tmp_path: Path) -> None:
    path = write(tmp_path / "note.txt", "Une note.\n\nDeux paragraphes.\n")
    docs, problems = load_file(path)
    assert docs == []
    assert problems[0].field == "sidecar" and "note.meta.yaml" in problems[0].reason
    write(tmp_path / "note.meta.yaml", SIDECAR.format(title="Note"))
    (doc,), problems = load_file(path)
    assert problems == [] and doc.id == "note"


@pytest.mark.parametrize(
    ("name", "content", "field"),
    [
        ("no-front.md", "# Titre\nTexte sans métadonnées.\n", "front matter"),
        ("bad-yaml.md", "---\ntitle: [oops\n---\ntexte\n", None),
        (
            "bad-audience.md",
            md_doc("bad-aud", "T", "texte").replace("audience: tous", "audience: martiens"),
            "audience",
        ),
        (
            "no-sources.md",
            md_doc("no-src", "T", "texte").split("sources:")[0] + "---\ntexte\n",
            "sources",
        ),
        ("faq-bad.yaml", "entries: oops\n", "entries"),
        ("broken.pdf", "%PDF-1.4 not really a pdf", None),
    ],
)
def test_malformed_files_become_problems_with_path_and_field(
    tmp_path: Path, name: str, content: str, field: str | None
) -> None:
    path = write(tmp_path / name, content)
    if name.endswith(".pdf"):
        write(tmp_path / "broken.meta.yaml", SIDECAR.format(title="x"))
    docs, problems = load_file(path)
    assert docs == []
    assert problems, "a malformed file must be reported"
    assert all(p.path == path for p in problems)
    if field:
        assert any(p.field == field for p in problems), [str(p) for p in problems]
    assert str(path) in str(problems[0])


def test_faq_entry_without_audience_is_reported_and_others_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "faq.yaml",
        """
        defaults:
          language: fr
          topic: plan
          confidence: confirmed
          last_reviewed: 2026-11-27
          sources: [{title: "S"}]
        entries:
          - {id: ok, question: "Q ?", answer: "R.", audience: tous}
          - {id: no-aud, question: "Q2 ?", answer: "R2."}
          - {id: no-answer, question: "Q3 ?", audience: tous}
        """,
    )
    docs, problems = load_file(path)
    assert [d.id for d in docs] == ["ok"]
    assert {(p.entry, p.field) for p in problems} == {
        ("no-aud", "audience"),
        ("no-answer", "answer"),
    }


def test_corpus_skips_data_readme_and_sidecars_and_reports_duplicates(mini_corpus: Path) -> None:
    write(mini_corpus / "README.md", "# Pour l'équipe\n")
    write(mini_corpus / "plan" / "dup.md", md_doc("doc-total", "Doublon", "texte"))
    files = corpus_files(mini_corpus)
    assert all("data" not in f.parts and f.name != "README.md" for f in files)
    result = load_corpus(mini_corpus)
    assert sorted(d.id for d in result.documents) == [
        "doc-formation",
        "doc-recherche",
        "doc-total",
        "faq-contact",
    ]
    (dup,) = result.problems
    assert dup.field == "id" and "duplicate" in dup.reason


def test_corpus_hash_changes_with_content_not_with_data_files(mini_corpus: Path) -> None:
    before = corpus_hash(mini_corpus)
    write(mini_corpus / "data" / "contacts.yaml", "contacts: []\n")
    assert corpus_hash(mini_corpus) == before
    path = mini_corpus / "plan" / "total.md"
    path.write_text(path.read_text().replace("60 M€", "60 M€ sur cinq ans"))
    assert corpus_hash(mini_corpus) != before


# --------------------------------------------------------------------------- validation (issue 16)


def test_oversized_file_is_refused_with_its_size_before_any_work(mini_corpus: Path) -> None:
    big = mini_corpus / "plan" / "big.md"
    write(big, md_doc("doc-big", "Gros", "# Gros\n" + "Le plan. " * 140_000))  # ~1.3 MB
    result = load_corpus(mini_corpus, max_document_mb=1)
    assert "doc-big" not in {d.id for d in result.documents}
    (problem,) = [p for p in result.problems if p.path == big]
    assert "1 Mo" in problem.reason and "ASSISTANT_MAX_DOCUMENT_MB" in problem.reason
    assert load_corpus(mini_corpus, max_document_mb=5).problems == []
