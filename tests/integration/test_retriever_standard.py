"""The standard LangChain retriever tests (langchain-tests) against PlanRetriever."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieval.retriever import PlanRetriever

pytestmark = pytest.mark.model


class TestPlanRetrieverStandard(RetrieversIntegrationTests):
    searcher = None

    @pytest.fixture(autouse=True)
    def _searcher(self, bot) -> None:
        type(self).searcher = bot.searcher

    @property
    def retriever_constructor(self) -> type[PlanRetriever]:
        return PlanRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"searcher": type(self).searcher}

    @property
    def retriever_query_example(self) -> str:
        return "Combien pour la formation ?"
