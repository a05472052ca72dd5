"""The hybrid search as a LangChain ``BaseRetriever``.

So any LangChain component (a chain, an agent, the LLM mode) can use the same
retrieval as the assistant: ``PlanRetriever(searcher=bot.searcher).invoke(q)``.
``k`` and the metadata filters can be set on the retriever or per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval.hybrid import Filters, HybridSearcher


class PlanRetriever(BaseRetriever):
    """Dense + BM25 fused by RRF over the live index; documents carry citation metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 5
    filters: Filters = Filters()
    #: "fr" / "en" for a query (the assistant's ``detect_language``); French when unset
    language_of: Callable[[str], str] | None = None

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: Filters | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        result = self.searcher.search(
            query,
            k=k if k is not None else self.k,
            filters=filters or self.filters,
            lang=self.language_of(query) if self.language_of else "fr",
        )
        return [
            Document(
                id=p.id,
                page_content=p.text,
                metadata={
                    **p.metadata,
                    "score": p.score,
                    "dense_score": p.dense,
                    "lexical_score": p.lexical,
                },
            )
            for p in result.passages
        ]
