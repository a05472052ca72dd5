"""Content gaps for editors: unanswered and 👎 questions grouped by meaning.

Questions are embedded with the assistant's own model (query prompt) and
grouped greedily: each question joins the first group whose centre is at
least ``threshold`` cosine-similar, else starts a new one. Simple, stable for
a given input order, and enough for a few thousand questions a month. Each
group can be turned into a draft FAQ entry in the corpus format
(``corpus/faq/*.yaml``) for an editor to complete and review.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.questionlog import Gap

DEFAULT_THRESHOLD = 0.78
REASON_LABELS = {"refused": "refusée", "unspecified": "non précisé", "dislike": "👎"}


@dataclass
class Cluster:
    """Questions that ask the same thing."""

    questions: list[Gap] = field(default_factory=list)
    centre: np.ndarray | None = None

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def representative(self) -> str:
        """The most frequent wording (the earliest on a tie)."""
        counts = Counter(_norm(g.question) for g in self.questions)
        best = max(counts.values())
        return next(g.question for g in self.questions if counts[_norm(g.question)] == best)

    @property
    def key(self) -> str:
        """Stable id of the group, from its representative question."""
        return hashlib.sha1(_norm(self.representative).encode()).hexdigest()[:10]

    @property
    def reasons(self) -> dict[str, int]:
        return dict(Counter(g.reason for g in self.questions))

    def examples(self, n: int = 3) -> list[str]:
        seen: list[str] = []
        for g in self.questions:
            if _norm(g.question) not in {_norm(s) for s in seen}:
                seen.append(g.question)
            if len(seen) == n:
                break
        return seen

    @property
    def comments(self) -> list[str]:
        return [g.comment for g in self.questions if g.comment][:5]


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(" ?!.")


def cluster_gaps(
    gaps: Sequence[Gap],
    encode: Callable[[list[str]], np.ndarray],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Cluster]:
    """Groups of similar questions, largest first (``encode`` returns unit vectors)."""
    gaps = [g for g in gaps if g.question.strip()]
    if not gaps:
        return []
    vectors = np.asarray(encode([g.question for g in gaps]), dtype=np.float32)
    clusters: list[Cluster] = []
    sums: list[np.ndarray] = []
    for gap, vector in zip(gaps, vectors, strict=True):
        best, score = -1, -1.0
        for i, cluster in enumerate(clusters):
            s = float(cluster.centre @ vector)
            if s > score:
                best, score = i, s
        if best >= 0 and score >= threshold:
            clusters[best].questions.append(gap)
            sums[best] = sums[best] + vector
            clusters[best].centre = sums[best] / np.linalg.norm(sums[best])
        else:
            clusters.append(Cluster([gap], vector))
            sums.append(vector.copy())
    return sorted(clusters, key=lambda c: (-c.count, c.questions[0].created_at))


def faq_draft(cluster: Cluster, today: date | None = None, lang: str = "fr") -> str:
    """A YAML entry in the format of ``corpus/faq/*.yaml``, to complete and review.

    The answer and the sources cannot be invented: they are marked "À RÉDIGER" /
    "À COMPLÉTER", and ``confidence: uncertain`` until an editor confirms them.
    """
    today = today or date.today()
    entry = {
        "id": f"faq-draft-{cluster.key}",
        "question": cluster.representative,
        "answer": "À RÉDIGER : réponse sourcée (ou « les textes du plan ne le précisent pas »).",
        "topic": "a-completer",
        "envelope": None,
        "audience": "tous",
        "language": lang,
        "confidence": "uncertain",
        "last_reviewed": today.isoformat(),
        "sources": [{"title": "À COMPLÉTER", "publisher": "À COMPLÉTER", "date": "", "url": None}],
    }
    variants = [q for q in cluster.examples(6) if q != cluster.representative]
    header = [
        f"# Brouillon d'entrée de FAQ : {cluster.count} question(s) sans bonne réponse",
        f"# ({', '.join(f'{REASON_LABELS.get(r, r)} ×{n}' for r, n in cluster.reasons.items())}).",
        "# À relire : compléter la réponse et les sources, puis l'ajouter sous `entries:`",
        "# d'un fichier de corpus/faq/ et lancer `assistant corpus check`.",
    ]
    header += [f"# variante posée : {v}" for v in variants]
    body = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + body


# -- corpus freshness and evaluation summary -----------------------------------------
@dataclass
class StaleDocument:
    doc_id: str
    title: str
    last_reviewed: str
    months: int


def stale_documents(metadatas: Sequence[dict[str, Any]], months: int, today: date | None = None):
    """Indexed documents whose ``last_reviewed`` is older than ``months`` (oldest first)."""
    today = today or date.today()
    seen: dict[str, StaleDocument] = {}
    for meta in metadatas:
        doc_id = str(meta.get("doc_id", ""))
        if not doc_id or doc_id in seen:
            continue
        try:
            reviewed = date.fromisoformat(str(meta.get("last_reviewed", ""))[:10])
        except ValueError:
            seen[doc_id] = StaleDocument(doc_id, str(meta.get("title", "")), "inconnue", 999)
            continue
        age = (today.year - reviewed.year) * 12 + today.month - reviewed.month
        if today.day < reviewed.day:
            age -= 1
        if age >= months:
            seen[doc_id] = StaleDocument(doc_id, str(meta.get("title", "")), str(reviewed), age)
    return sorted(seen.values(), key=lambda d: (-d.months, d.doc_id))


def last_eval_summary(reports_dir: Path) -> dict[str, Any] | None:
    """Headline numbers of the newest ``assistant eval`` JSON report, if any."""
    reports = sorted(reports_dir.glob("eval-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in reports:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            a = report["assistant"]
            hybrid = a["retrieval"]["hybrid"]
            return {
                "file": path.name,
                "mode": report.get("mode", ""),
                "date": report.get("date") or report.get("generated_at") or "",
                "questions": a.get("questions"),
                "hit@5": hybrid.get("hit@5"),
                "mrr": hybrid.get("mrr"),
                "accuracy": a.get("answer_accuracy"),
                "refusal_precision": a.get("refusal", {}).get("precision"),
                "refusal_recall": a.get("refusal", {}).get("recall"),
                "unsupported": a.get("unsupported_figures"),
                "p95_ms": a.get("latency_ms", {}).get("p95"),
            }
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None
