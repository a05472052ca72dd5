"""Is the question about the plan at all? The refusal decision.

Three signals, each cheap:
* the best dense similarity between the question and the corpus, below a
  threshold calibrated on the golden set (``assistant eval --calibrate``);
* the question is closer to generic off-topic requests (``corpus/data/scope.yaml``:
  weather, recipes, sport...) than to any passage, by a calibrated margin;
* it names another French region's programme (the plan is Occitanie's alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.text.french import fold

OTHER_REGIONS = (
    "nouvelle-aquitaine",
    "nouvelle aquitaine",
    "bretagne",
    "ile-de-france",
    "ile de france",
    "provence-alpes-cote d'azur",
    "paca",
    "auvergne-rhone-alpes",
    "auvergne rhone alpes",
    "grand est",
    "hauts-de-france",
    "hauts de france",
    "normandie",
    "pays de la loire",
    "centre-val de loire",
    "bourgogne-franche-comte",
    "bourgogne franche comte",
    "corse",
    "guadeloupe",
    "martinique",
    "mayotte",
    "guyane",
)
_OTHER_REGION_RE = re.compile(
    r"\b(?:region\s+|en\s+|d'|de\s+)?(" + "|".join(re.escape(r) for r in OTHER_REGIONS) + r")\b"
)


@dataclass(frozen=True)
class ScopeDecision:
    """Why a question is (or is not) answered from the corpus."""

    in_scope: bool
    reason: str
    best_dense: float
    off_topic: float


def other_region(question: str) -> str | None:
    """The other French region a question names, if any."""
    match = _OTHER_REGION_RE.search(fold(question))
    return match.group(1) if match else None


class ScopeGuard:
    """Decides refusals from the retrieval evidence and the off-topic examples."""

    def __init__(
        self, embedder, off_topic_examples: list[str], threshold: float, margin: float
    ) -> None:
        self.threshold = threshold
        self.margin = margin
        self._examples = embedder.encode_queries(off_topic_examples) if off_topic_examples else None

    def off_topic_similarity(self, vector: np.ndarray | None) -> float:
        if vector is None or self._examples is None:
            return 0.0
        return float(np.max(self._examples @ np.asarray(vector, dtype=np.float32)))

    def decide(self, question: str, best_dense: float, vector: np.ndarray | None) -> ScopeDecision:
        off = self.off_topic_similarity(vector)
        region = other_region(question)
        if region:
            return ScopeDecision(False, f"other region: {region}", best_dense, off)
        if best_dense < self.threshold:
            return ScopeDecision(False, "weak evidence", best_dense, off)
        if off - best_dense > self.margin:
            return ScopeDecision(False, "closer to off-topic examples", best_dense, off)
        return ScopeDecision(True, "ok", best_dense, off)
