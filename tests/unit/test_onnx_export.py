"""The ONNX export and runtime on a tiny, randomly initialised EmbeddingGemma look-alike.

Same architecture family as the real model (Gemma3 text encoder with
bidirectional attention, a sliding window, mean pooling, two dense layers,
normalisation, query/document prompts), built in the test in a second, so
the export code path (``assistant models fetch``) is checked without the
1.2 GB model: the graph must give torch's vectors, the install must be
idempotent and verifiable, and int8 must still be a usable encoder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelMissingError, ModelVerificationError
from assistant.models import onnx_export
from assistant.models.manifest import FileDigest, ModelManifest
from assistant.models.onnx_encoder import OnnxEncoder

SENTENCE = (
    "le plan ia occitanie est doté de 60 millions pour la formation recherche "
    "santé entreprises quel budget total qui contacter task search result query "
    "title none text : | ? , ."
)
WORDS = SENTENCE.split(" ")
PROMPTS = {"query": "task : search result | query : ", "document": "title : none | text : "}
TEXTS = [
    "quel budget pour la formation ?",
    "le plan ia occitanie est doté de 60 millions",
    # longer than the sliding window (4 tokens): its mask must be in the graph
    "qui contacter pour la recherche en santé " * 5,
    "plan",
]


def _tiny_model(folder: Path) -> Path:
    """A sentence-transformers folder: tokenizer, Gemma3 encoder, pooling, 2 dense, normalise."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import (
        Dense,
        Normalize,
        Pooling,
        Transformer,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import Gemma3TextConfig, Gemma3TextModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", 2), ("<eos>", 1)]
    )
    base = folder / "base"
    PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        padding_side="right",
    ).save_pretrained(base)
    config = Gemma3TextConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        layer_types=["sliding_attention", "full_attention"],
        sliding_window=4,
        use_bidirectional_attention=True,
        max_position_embeddings=256,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    Gemma3TextModel(config).save_pretrained(base)
    identity = torch.nn.Identity()
    model = SentenceTransformer(
        modules=[
            Transformer(str(base), max_seq_length=128),
            Pooling(32, "mean"),
            Dense(32, 64, bias=False, activation_function=identity),
            Dense(64, 32, bias=False, activation_function=identity),
            Normalize(),
        ],
        prompts=PROMPTS,
        device="cpu",
    )
    out = folder / "tiny-st"
    model.save(str(out))
    return out


def _manifest(model_dir: Path) -> ModelManifest:
    weights = model_dir / "model.safetensors"
    return ModelManifest(
        id="test/tiny-gemma3",
        key="tiny-gemma3",
        description="",
        license="",
        dimension=32,
        query_prompt="query",
        document_prompt="document",
        weights_file="model.safetensors",
        files={"model.safetensors": FileDigest(sha256="0" * 64, size=weights.stat().st_size)},
        package=None,
        digest="tiny",
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny model, its manifest, and a models dir where both precisions are exported once."""
    root = tmp_path_factory.mktemp("tiny")
    model_dir = _tiny_model(root)
    manifest = _manifest(model_dir)
    models_dir = root / "models"
    results = onnx_export.ensure_onnx(
        model_dir, manifest, models_dir, precisions=("float32", "int8")
    )
    return model_dir, manifest, models_dir, results


def test_the_exported_graph_gives_torchs_vectors_with_both_prompts(tiny) -> None:
    model_dir, manifest, models_dir, _ = tiny
    torch_model = onnx_export.load_torch_pipeline(model_dir)
    encoder = OnnxEncoder(model_dir, onnx_export.onnx_path(models_dir, manifest, "float32"))
    for prompt_name in ("query", "document"):
        expected = torch_model.encode(
            TEXTS, prompt_name=prompt_name, normalize_embeddings=True, convert_to_numpy=True
        )
        got = encoder.encode(TEXTS, prompt_name, batch_size=3)  # padding within a batch
        cosine = np.sum(expected * got, axis=1)
        assert cosine.min() >= 0.9999, cosine
    assert encoder.count_tokens("quel budget total ?") == 4


def test_export_is_idempotent_recorded_and_verifiable(tiny) -> None:
    model_dir, manifest, models_dir, results = tiny
    assert [(r.precision, r.exported) for r in results] == [("float32", True), ("int8", True)]
    again = onnx_export.ensure_onnx(model_dir, manifest, models_dir, precisions=("int8",))
    assert [(r.precision, r.exported) for r in again] == [("int8", False)]
    folder = onnx_export.onnx_dir(models_dir, manifest, "float32")
    marker = json.loads((folder / onnx_export.MARKER).read_text())
    assert marker["source_weights_sha256"] == manifest.weights_sha256
    assert set(marker["files"]) == {onnx_export.GRAPH_FILE}
    onnx_export.verify_export(models_dir, manifest, "float32")  # hashes match
    assert not list(models_dir.glob(".staging-*")), "no staging folder left behind"


def test_a_corrupted_export_is_detected(tiny, tmp_path) -> None:
    _, manifest, models_dir, _ = tiny
    copy = tmp_path / "models"
    folder = onnx_export.onnx_dir(models_dir, manifest, "int8")
    target = onnx_export.onnx_dir(copy, manifest, "int8")
    target.mkdir(parents=True)
    for path in folder.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    graph = target / onnx_export.GRAPH_FILE
    data = bytearray(graph.read_bytes())
    data[-10] ^= 0xFF  # same size, other bytes
    graph.write_bytes(bytes(data))
    assert onnx_export.is_exported(copy, manifest, "int8")  # the cheap check sees sizes only
    with pytest.raises(ModelVerificationError, match="sha256 mismatch"):
        onnx_export.verify_export(copy, manifest, "int8")


def test_int8_is_a_usable_encoder_close_to_float32(tiny) -> None:
    model_dir, manifest, models_dir, _ = tiny
    fp32 = OnnxEncoder(model_dir, onnx_export.onnx_path(models_dir, manifest, "float32"))
    int8 = OnnxEncoder(
        model_dir, onnx_export.onnx_path(models_dir, manifest, "int8"), precision="int8"
    )
    a, b = fp32.encode(TEXTS, "document"), int8.encode(TEXTS, "document")
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.sum(a * b, axis=1).min() >= 0.9


def test_a_missing_export_names_the_command(tiny, tmp_path) -> None:
    _, manifest, _, _ = tiny
    with pytest.raises(ModelMissingError, match="assistant models fetch"):
        onnx_export.require_exported(tmp_path, manifest, "float32")
