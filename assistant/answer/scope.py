"""Is the question about the plan at all? The refusal decision.

Three signals, each cheap:
* the best dense similarity between the question and the corpus, below a
  threshold calibrated on the golden set (``assistant eval --calibrate``);
* the question is closer to generic off-topic requests (``corpus/data/scope.yaml``:
  weather, recipes, sport...) than to any passage, by a calibrated margin;
* it names another French region's programme (the plan is Occitanie's alone;
  the regions are listed in ``corpus/lexicon/conversation.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.knowledge.lexicon import Cue
from assistant.text.normalize import normalize


@dataclass(frozen=True)
class ScopeDecision:
    """Why a question is (or is not) answered from the corpus."""

    in_scope: bool
    reason: str
    best_dense: float
    off_topic: float


def other_region(question: str, regions: Cue) -> str | None:
    """The other French region a question names, if any (``regions``: the lexicon's list)."""
    match = regions.search(normalize(question))
    return match.group(0) if match else None


class ScopeGuard:
    """Decides refusals from the retrieval evidence and the off-topic examples."""

    def __init__(
        self,
        embedder,
        off_topic_examples: list[str],
        threshold: float,
        margin: float,
        other_regions: Cue,
    ) -> None:
        self.other_regions = other_regions
        self.threshold = threshold
        self.margin = margin
        self._examples = embedder.encode_queries(off_topic_examples) if off_topic_examples else None

    def off_topic_similarity(self, vector: np.ndarray | None) -> float:
        if vector is None or self._examples is None:
            return 0.0
        return float(np.max(self._examples @ np.asarray(vector, dtype=np.float32)))

    def decide(self, question: str, best_dense: float, vector: np.ndarray | None) -> ScopeDecision:
        off = self.off_topic_similarity(vector)
        region = other_region(question, self.other_regions)
        if region:
            return ScopeDecision(False, f"other region: {region}", best_dense, off)
        if best_dense < self.threshold:
            return ScopeDecision(False, "weak evidence", best_dense, off)
        if off - best_dense > self.margin:
            return ScopeDecision(False, "closer to off-topic examples", best_dense, off)
        return ScopeDecision(True, "ok", best_dense, off)
