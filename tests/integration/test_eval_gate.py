"""Quality gate: the golden set must stay at the targets, or the build fails."""

from __future__ import annotations

import pytest

from assistant.evaluation import run_evaluation, summary_line

pytestmark = pytest.mark.model

TARGETS = {"hit@5": 0.95, "accuracy": 0.90, "refusal_precision": 0.90, "refusal_recall": 0.90}


@pytest.fixture(scope="module")
def report(bot):
    return run_evaluation(bot, baseline=True)


def test_golden_set_meets_the_targets(report) -> None:
    a = report["assistant"]
    print(summary_line(report))
    assert a["questions"] >= 80
    assert a["retrieval"]["hybrid"]["hit@5"] >= TARGETS["hit@5"]
    assert a["answer_accuracy"] >= TARGETS["accuracy"]
    assert a["refusal"]["precision"] >= TARGETS["refusal_precision"]
    assert a["refusal"]["recall"] >= TARGETS["refusal_recall"]
    assert a["unsupported_figures"] == 0


def test_hybrid_beats_each_retriever_alone_on_hit_at_1(report) -> None:
    r = report["assistant"]["retrieval"]
    assert r["hybrid"]["hit@1"] > r["dense"]["hit@1"]
    assert r["hybrid"]["hit@1"] > r["lexical"]["hit@1"]


def test_eligibility_questions_are_reported_separately(report) -> None:
    by_category = report["assistant"]["accuracy_by_category"]
    assert by_category["eligibility"] >= 0.90
    assert by_category["out_of_scope"] == 1.0 and by_category["unspecified"] >= 0.9


def test_beats_the_naive_langchain_baseline(report) -> None:
    ours, naive = report["assistant"], report["naive_baseline"]
    assert ours["retrieval"]["hybrid"]["hit@1"] > naive["retrieval"]["naive"]["hit@1"]
    assert ours["retrieval"]["hybrid"]["hit@5"] > naive["retrieval"]["naive"]["hit@5"]
    assert ours["answer_accuracy"] > naive["answer_accuracy"]
    assert ours["refusal"]["recall"] > naive["refusal"]["recall"]
