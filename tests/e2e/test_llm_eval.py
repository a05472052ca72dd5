"""``assistant eval --mode llm`` on a spread subset: after the guard, nothing unsupported.

The whole golden set in LLM mode takes ~15 minutes on two cores; it is a
documented manual command (README). CI runs 8 questions spread over the
categories, enough to catch a regression in prompting, fallback or guard.
"""

from __future__ import annotations

import pytest

from assistant.evaluation import comparison_markdown, run_evaluation, summary_line
from tests.e2e.llm_support import llm_bot

pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.llm]

SUBSET = 8


def test_llm_mode_on_a_subset_of_the_golden_set(bot) -> None:
    extractive = run_evaluation(bot, baseline=False, subset=SUBSET)
    llm = run_evaluation(llm_bot(bot), baseline=False, subset=SUBSET)
    print(summary_line(extractive))
    print(summary_line(llm))
    print(comparison_markdown([extractive, llm]))
    a = llm["assistant"]
    assert llm["mode"] == "llm" and a["questions"] == SUBSET
    assert a["unsupported_figures"] == 0  # after the guard: always
    # eligibility and out-of-scope questions are answered without generating
    assert a["generation"]["generated"] >= SUBSET // 2
    assert a["answer_accuracy"] >= 0.6
    assert a["refusal"]["recall"] >= 0.6
