"""`assistant eval` end to end: reports written, the naive baseline measured beside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_eval_cli_writes_reports_and_beats_the_naive_baseline(
    repo_settings, tmp_path: Path
) -> None:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(repo_settings.index_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "eval-extractive.json").read_text())
    markdown = (tmp_path / "eval-extractive.md").read_text()
    assert "naive RAG" in markdown and "hit@5" in markdown
    ours, naive = report["assistant"], report["naive_baseline"]
    assert ours["retrieval"]["hybrid"]["hit@1"] > naive["retrieval"]["naive"]["hit@1"]
    assert ours["answer_accuracy"] > naive["answer_accuracy"]
    assert ours["refusal"]["recall"] > naive["refusal"]["recall"]
