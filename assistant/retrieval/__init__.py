"""Hybrid retrieval: dense (Chroma) + lexical (BM25, French analyzer), fused by RRF."""

from assistant.retrieval.hybrid import Filters, HybridSearcher, Passage

__all__ = ["Filters", "HybridSearcher", "Passage"]
