"""`assistant eval` end to end: the command runs a golden set and writes its reports.

(The quality numbers themselves are gated in tests/integration/test_eval_gate.py,
in-process, on the full set and beside the naive baseline.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.evaluation import DEFAULT_SET

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_eval_cli_writes_json_and_markdown(repo_settings, tmp_path: Path) -> None:
    questions = yaml.safe_load(DEFAULT_SET.read_text(encoding="utf-8"))["questions"]
    subset = tmp_path / "subset.yaml"
    subset.write_text(yaml.safe_dump({"questions": questions[:4] + questions[-2:]}))
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(repo_settings.index_dir)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "eval",
            "--set",
            str(subset),
            "--no-baseline",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "eval-extractive.json").read_text())
    assert report["assistant"]["questions"] == 6
    markdown = (tmp_path / "eval-extractive.md").read_text()
    assert "hit@5" in markdown and "refusal precision" in markdown
    assert "hit@1" in proc.stdout
