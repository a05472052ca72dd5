"""BM25 over the live collection's chunks, with the French (or English) analyzer.

Built in memory from the chunks stored in Chroma when the assistant loads, so
it can never drift from the dense index (a few hundred chunks index in ms).
Each chunk is tokenized in its own language; the query in the question's.
"""

from __future__ import annotations

import difflib
import logging
import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np

from assistant.text.french import tokenize

# bm25s pins its logger at DEBUG on import, so "Building index from tokens" reached
# the serve log at INFO: let it follow the project's level (ASSISTANT_LOG_LEVEL).
logging.getLogger("bm25s").setLevel(logging.NOTSET)


class LexicalIndex:
    """Scores every chunk for a query (the corpus is small: full scoring is cheap)."""

    def __init__(self, texts: Sequence[str], languages: Sequence[str]) -> None:
        self.tokens = [
            tokenize(t, lang=lang if lang in ("fr", "en") else "fr")
            for t, lang in zip(texts, languages, strict=True)
        ]
        self.model = bm25s.BM25()
        # bm25s needs at least one token per document to build its vocabulary.
        self.model.index([t or ["∅"] for t in self.tokens], show_progress=False)
        self.vocabulary = set(self.model.vocab_dict)
        frequencies = Counter(term for tokens in self.tokens for term in set(tokens))
        count = max(1, len(self.tokens))
        #: how telling a term is: "salon" (2 passages) weighs more than "région" (150)
        self._idf = {t: math.log(1 + count / (1 + f)) for t, f in frequencies.items()}
        self._unseen = math.log(1 + count)
        self._sorted_vocabulary = sorted(self.vocabulary)
        self._corrections: dict[str, str | None] = {}

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term (unseen terms weigh the most)."""
        return self._idf.get(term, self._unseen)

    def __len__(self) -> int:
        return len(self.tokens)

    def correct(self, term: str) -> str | None:
        """The vocabulary term a misspelt query term most likely means ("sevic" → "servic")."""
        if term in self.vocabulary:
            return term
        if len(term) < 4 or term.isdigit():
            return None
        if term not in self._corrections:
            close = difflib.get_close_matches(term, self._sorted_vocabulary, n=1, cutoff=0.8)
            self._corrections[term] = close[0] if close else None
        return self._corrections[term]

    def scores(self, query: str, lang: str = "fr") -> np.ndarray:
        """BM25 score of each chunk (0 for chunks sharing no term with the query).

        Query terms absent from the corpus are replaced by their closest corpus
        term, so "sevices publiks" still finds "services publics".
        """
        terms = [c for c in (self.correct(t) for t in tokenize(query, lang=lang)) if c]
        if not terms:
            return np.zeros(len(self.tokens), dtype=np.float32)
        return np.asarray(self.model.get_scores(terms), dtype=np.float32)

    def known_terms(self, query: str, lang: str = "fr") -> tuple[int, int]:
        """(query terms found in the corpus vocabulary, query terms): an out-of-scope signal."""
        terms = tokenize(query, lang=lang)
        return sum(t in self.vocabulary for t in terms), len(terms)
