"""The ONNX encoder against torch, and the int8 gate, with the real model.

* parity: ONNX float32 must give torch's vectors (cosine >= 0.9999) on every
  golden question (both sets) and every passage of the corpus, so switching
  the backend never changes an answer;
* int8 gate: the quantised graph must still meet the product's quality targets
  on the golden set, and may become the default only if hit@1, hit@5 and
  answer accuracy drop by at most 0.5 point against float32.

Kept cheap for CI: the session's ONNX embedder and index are reused (the
passages' ONNX vectors are read back from the test index), torch's reference
vectors are computed once per machine and kept in the cache folder next to the
models, keyed by the weights, the library versions and the texts (torch only
loads when that key changes), and the int8 index is incremental like the
session's.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation import DEFAULT_SET, PLANNER_SET, load_golden, run_evaluation
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_corpus
from assistant.settings import Settings
from tests.conftest import REPO_TEST_INDEX

pytestmark = [pytest.mark.model, pytest.mark.slow]

MIN_COSINE = 0.9999
#: int8 may be the default only within this drop of float32, on each metric
MAX_INT8_DROP = 0.005
#: the product's targets (as tests/integration/test_eval_gate.py), which int8 must meet
TARGETS = {"hit@5": 0.95, "accuracy": 0.90}


def _questions() -> list[str]:
    seen = dict.fromkeys(
        q.question for path in (DEFAULT_SET, PLANNER_SET) for q in load_golden(path)
    )
    return list(seen)


def _passages(settings: Settings, embedder) -> tuple[list[str], list[str]]:
    """(ids, embedded texts) of every passage of the corpus, as the indexer makes them."""
    loaded = load_corpus(settings.corpus_dir)
    chunks = [
        c
        for d in loaded.documents
        for c in chunk_document(d, settings.chunk_max_tokens, embedder.count_tokens)
    ]
    return [c.id for c in chunks], [c.embed_text for c in chunks]


def _torch_reference(embedder, questions: list[str], passages: list[str]) -> dict[str, np.ndarray]:
    """torch's float32 vectors of these texts: computed once per machine, then read back."""
    import sentence_transformers
    import torch
    import transformers
    from platformdirs import user_cache_dir

    key = hashlib.sha256(
        json.dumps(
            [
                embedder.weights_sha256,
                torch.__version__,
                transformers.__version__,
                sentence_transformers.__version__,
                questions,
                passages,
            ]
        ).encode()
    ).hexdigest()[:16]
    cache = Path(user_cache_dir("occitanie-ia-assistant")) / "test-reference"
    path = cache / f"torch-{embedder.manifest.key}-{key}.npz"
    if path.is_file():
        with np.load(path) as data:
            return {"questions": data["questions"], "passages": data["passages"]}
    from assistant.models.embedder import Embedder, TorchEncoder

    reference = Embedder(
        embedder.path, embedder.manifest, encoder=TorchEncoder(embedder.path, "float32")
    )
    vectors = {
        "questions": reference.encode_queries(questions),
        "passages": reference.encode_documents(passages),
    }
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.npz")
    np.savez(partial, **vectors)
    os.replace(partial, path)
    return vectors


def test_onnx_float32_gives_torchs_vectors_on_golden_questions_and_passages(
    bot, repo_settings
) -> None:
    embedder = bot.embedder
    assert embedder.encoding == {"backend": "onnx", "precision": "float32"}, (
        "the suite runs on the default encoder, ONNX float32: `make test` exports it "
        "(`assistant models fetch`)"
    )
    questions = _questions()
    ids, passages = _passages(repo_settings, embedder)
    assert len(questions) >= 150 and len(passages) >= 150
    reference = _torch_reference(embedder, questions, passages)
    # the passages' ONNX vectors are the ones the session's index holds
    stored = bot.live.collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    onnx_passages = np.asarray([by_id[i] for i in ids], dtype=np.float32)
    onnx_questions = embedder._encode_queries_now(questions)
    for name, got in (("questions", onnx_questions), ("passages", onnx_passages)):
        cosine = np.sum(got * reference[name], axis=1)
        worst = int(np.argmin(cosine))
        print(f"{name}: {len(cosine)}, cosine min {cosine.min():.6f} mean {cosine.mean():.6f}")
        assert cosine.min() >= MIN_COSINE, f"{name}[{worst}] cosine {cosine[worst]:.6f}"


@pytest.fixture(scope="module")
def int8_bot(repo_settings, embedder):
    """The assistant with the int8 graph and its own index (both made once, then reused)."""
    from assistant import store
    from assistant.core import Assistant
    from assistant.indexer import build_index
    from assistant.models.embedder import Embedder
    from assistant.models.onnx_encoder import OnnxEncoder
    from assistant.models.onnx_export import ensure_onnx

    (graph,) = ensure_onnx(
        embedder.path, embedder.manifest, repo_settings.models_dir, precisions=("int8",)
    )
    int8 = Embedder(
        embedder.path,
        embedder.manifest,
        batch_size=repo_settings.embedding_batch_size,
        encoder=OnnxEncoder(embedder.path, graph.path, precision="int8"),
    )
    settings = repo_settings.model_copy(
        update={
            "index_dir": REPO_TEST_INDEX.with_name("test-index-int8"),
            "embedding_backend": "onnx",
            "embedding_quantize": "int8",
        }
    )
    build_index(settings, embedder=int8)
    live = store.open_live_index(settings, store.ProjectEmbeddingFunction(int8))
    return Assistant(settings, int8, live)


def test_int8_meets_the_targets_and_is_default_only_within_half_a_point(
    golden_report, int8_bot
) -> None:
    fp32 = golden_report["assistant"]
    int8 = run_evaluation(int8_bot, baseline=False)["assistant"]

    def metrics(a: dict) -> dict[str, float]:
        hybrid = a["retrieval"]["hybrid"]
        return {
            "hit@1": hybrid["hit@1"],
            "hit@5": hybrid["hit@5"],
            "accuracy": a["answer_accuracy"],
        }

    exact, quantised = metrics(fp32), metrics(int8)
    drops = {k: exact[k] - quantised[k] for k in exact}
    print("float32", exact, "int8", quantised, "drops", drops)
    assert quantised["hit@5"] >= TARGETS["hit@5"]
    assert quantised["accuracy"] >= TARGETS["accuracy"]
    assert int8["unsupported_figures"] == 0
    if Settings.model_fields["embedding_quantize"].default == "int8":
        assert max(drops.values()) <= MAX_INT8_DROP, f"int8 may not be the default: {drops}"
