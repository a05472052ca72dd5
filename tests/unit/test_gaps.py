"""Gap groups, FAQ drafts, corpus freshness and the eval summary of the editors' console."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import yaml

from assistant.gaps import cluster_gaps, faq_draft, last_eval_summary, stale_documents
from assistant.ingest.loaders import load_faq
from assistant.questionlog import Gap

TOPICS = {"cassoulet": 0, "météo": 1, "artisans": 2}


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors by topic word: enough to check the grouping, not the model."""
    out = np.zeros((len(texts), 4), dtype=np.float32)
    for i, text in enumerate(texts):
        axis = next((a for word, a in TOPICS.items() if word in text.lower()), 3)
        out[i, axis] = 1.0
    return out


def gap(question: str, reason: str = "refused", comment: str = "") -> Gap:
    return Gap(question, reason, datetime(2026, 12, 1, tzinfo=UTC), comment)


def test_questions_are_grouped_and_drafted_in_the_corpus_format(tmp_path: Path) -> None:
    gaps = [
        gap("Recette du cassoulet ?"),
        gap("Quelle météo demain ?"),
        gap("Recette du cassoulet ?", "dislike", "réponse à côté"),
        gap("Le cassoulet de Castelnaudary ?", "unspecified"),
    ]
    clusters = cluster_gaps(gaps, encode)
    assert [c.count for c in clusters] == [3, 1]
    top = clusters[0]
    assert top.representative == "Recette du cassoulet ?"
    assert top.reasons == {"refused": 1, "dislike": 1, "unspecified": 1}
    assert top.comments == ["réponse à côté"]
    assert top.examples() == ["Recette du cassoulet ?", "Le cassoulet de Castelnaudary ?"]
    draft = faq_draft(top, today=date(2026, 12, 6))
    assert draft.startswith("# Brouillon") and "variante posée : Le cassoulet" in draft
    entries = yaml.safe_load(draft)
    assert entries[0]["question"] == "Recette du cassoulet ?"
    assert entries[0]["confidence"] == "uncertain" and entries[0]["last_reviewed"] == "2026-12-06"
    path = tmp_path / "faq.yaml"
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    documents, problems = load_faq(path)
    assert not problems and documents[0].meta.id == f"faq-draft-{top.key}"


def test_stale_documents_and_eval_summary(tmp_path: Path) -> None:
    metadatas = [
        {"doc_id": "old", "title": "Ancien", "last_reviewed": "2025-06-30"},
        {"doc_id": "old", "title": "Ancien", "last_reviewed": "2025-06-30"},
        {"doc_id": "new", "title": "Récent", "last_reviewed": "2026-11-27"},
        {"doc_id": "bad", "title": "Sans date", "last_reviewed": ""},
    ]
    stale = stale_documents(metadatas, months=12, today=date(2026, 12, 6))
    assert [(d.doc_id, d.months) for d in stale] == [("bad", 999), ("old", 17)]
    assert last_eval_summary(tmp_path) is None
    report = {
        "mode": "extractive",
        "assistant": {
            "questions": 120,
            "retrieval": {"hybrid": {"hit@5": 0.95, "mrr": 0.8}},
            "answer_accuracy": 0.9,
            "refusal": {"precision": 1.0, "recall": 0.95},
            "unsupported_figures": 0,
            "latency_ms": {"p50": 20, "p95": 60},
        },
    }
    (tmp_path / "eval-extractive.json").write_text(json.dumps(report))
    summary = last_eval_summary(tmp_path)
    assert summary["questions"] == 120 and summary["hit@5"] == 0.95 and summary["p95_ms"] == 60
