"""When the envelopes table and the plan text it cites give different amounts.

``corpus/data/envelopes.yaml`` states each envelope's amount and names the plan
document that writes it. When an editor changes one without the other (the
table says 15 M€ for research, ``plan-env-recherche`` still says 14 M€), no
answer can be both computed and cited: the assistant says that the sources
disagree, with both values, and ``assistant corpus check`` reports it so that it
is caught before publishing. Both use :func:`text_amount` to read which amount
the text gives instead, so that they name the same value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answer.figures import extract_figures

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import Passage


def amounts_written(text: str) -> list[int]:
    """Every amount in euros ``text`` writes ("14 M€" → 14000000), in order."""
    return [int(f.value) for f in extract_figures(text) if f.kind == "amount"]  # type: ignore[arg-type]


def text_amount(texts: Iterable[str], table: int, explained: Collection[int]) -> int | None:
    """The amount the document writes for a figure the table gives as ``table``.

    ``None`` when the document writes ``table`` (they agree) or writes no other
    amount. The amounts ``explained`` by other entries (the other envelopes, the
    plan total) are set aside; of the rest, the one the document writes most
    often is its amount for this entry (the envelope's page repeats its own
    amount in its title and sections, a context figure appears once), the
    closest to the table's on a tie.
    """
    counts: Counter[int] = Counter()
    for text in texts:
        counts.update(amounts_written(text))
    if counts[table]:
        return None
    candidates = [value for value in counts if value not in explained]
    if not candidates:
        return None
    return max(candidates, key=lambda value: (counts[value], -abs(value - table)))


@dataclass(frozen=True)
class Disagreement:
    """One figure the table gives and its cited passage contradicts."""

    #: envelope id, or ``"plan"`` for the plan's total
    entry: str
    #: the envelope's short name ("Recherche"), empty for the plan total
    name: str
    table: int
    text: int
    #: the passage of the cited document that writes ``text``
    passage: Passage


__all__ = ["Disagreement", "amounts_written", "text_amount"]
