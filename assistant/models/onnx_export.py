"""Export the verified embedding model to ONNX, once, with ``torch.onnx`` itself.

Why: the forward pass of the 300M-parameter encoder is memory-bound on a
2-core CPU; ONNX Runtime runs the same graph about twice as fast as torch, and
a dynamically quantised (int8 weights) copy faster still. The runtime
(:mod:`assistant.models.onnx_encoder`) then needs only ``onnxruntime`` and the
tokenizer, never torch.

What is exported is the whole sentence-transformers pipeline after the
tokenizer, using the model's own modules in their own order (transformer,
mean pooling over the attention mask, the two dense layers, L2 normalisation),
so the graph's output *is* the sentence embedding: ``input_ids`` and
``attention_mask`` (int64, batch x tokens) in, ``sentence_embedding``
(float32, batch x dimension) out.

No exporter package beyond ``torch`` and ``onnx`` is used (``optimum`` would pin
an older ``transformers``), and the export runs in ``assistant models fetch``,
never at serving time. Installation follows the rest of the models dir: the
files are written to a staging folder, checked (the graph must reproduce
torch's embeddings), hashed into a marker written last, and renamed into place;
an interrupted export never leaves a graph that looks valid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, ModelMissingError, ModelVerificationError
from assistant.models.fetch import ProgressFn  # (stage description, done, total)

if TYPE_CHECKING:
    from assistant.models.manifest import ModelManifest

log = logging.getLogger(__name__)

#: Bumped when the exported graph changes (inputs, outputs, opset, how it is built):
#: an export made by another version is redone.
EXPORT_VERSION = 1
#: How the int8 copy is made (recorded; another recipe is redone): unsigned int8
#: weights, one scale per output channel, the transformer's matrix products only.
INT8_RECIPE = "dynamic-quint8-per-channel-matmul-no-head"
OPSET = 17
MARKER = ".exported.json"
GRAPH_FILE = "model.onnx"
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "sentence_embedding"
PRECISIONS = ("float32", "int8")
#: fp32 ONNX vs torch: anything below means the export is wrong, not "slightly off".
EXPORT_MIN_COSINE = 0.9999
#: Texts the freshly exported graph must embed like torch (short, long, several scripts).
CHECK_TEXTS = (
    "Quel est le budget total du Plan IA Occitanie ?",
    "What is the total budget of the plan?",
    "La Région consacre 9 M€ à la formation aux métiers de l'intelligence artificielle, "
    "dont plus d'1 M€ pour les formations post-bac, sur la période 2024-2028. " * 6,
    "x",
)


@dataclass(frozen=True)
class ExportResult:
    """Outcome of :func:`ensure_onnx`."""

    path: Path
    precision: str
    exported: bool
    seconds: float


# --------------------------------------------------------------------------- where


def onnx_dir(models_dir: Path, manifest: ModelManifest, precision: str) -> Path:
    """Folder of the ONNX graph of ``manifest``'s model at ``precision``."""
    suffix = "onnx" if precision == "float32" else f"onnx-{precision}"
    return Path(models_dir) / f"{manifest.key}.{suffix}"


def onnx_path(models_dir: Path, manifest: ModelManifest, precision: str) -> Path:
    return onnx_dir(models_dir, manifest, precision) / GRAPH_FILE


def _marker_matches(folder: Path, manifest: ModelManifest, precision: str) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if (
        data.get("export_version") != EXPORT_VERSION
        or data.get("recipe") != _recipe(precision)
        or data.get("source_weights_sha256") != manifest.weights_sha256
        or data.get("precision") != precision
    ):
        return None
    for rel, digest in data.get("files", {}).items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != digest.get("size"):
            return None
    return data


def is_exported(models_dir: Path, manifest: ModelManifest, precision: str = "float32") -> bool:
    """Cheap check (marker, sizes, source weights): a complete export of this model exists."""
    return (
        _marker_matches(onnx_dir(models_dir, manifest, precision), manifest, precision) is not None
    )


def require_exported(models_dir: Path, manifest: ModelManifest, precision: str) -> Path:
    """Path of the ONNX graph, or a :class:`ModelMissingError` naming the fix."""
    if not is_exported(models_dir, manifest, precision):
        hint = " ASSISTANT_EMBEDDING_QUANTIZE=int8" if precision == "int8" else ""
        raise ModelMissingError(
            f"The ONNX export ({precision}) of {manifest.id} is not in {models_dir}. Run"
            f"{hint} `assistant models fetch` (or `make models`) to make it, or set "
            "ASSISTANT_EMBEDDING_BACKEND=torch."
        )
    return onnx_path(models_dir, manifest, precision)


def verify_export(models_dir: Path, manifest: ModelManifest, precision: str) -> None:
    """Re-hash an export against the digests recorded when it was made."""
    folder = onnx_dir(models_dir, manifest, precision)
    data = _marker_matches(folder, manifest, precision)
    if data is None:
        raise ModelVerificationError(f"{folder}: no complete ONNX export of {manifest.id}")
    for rel, digest in data["files"].items():
        actual = _sha256(folder / rel)
        if actual != digest["sha256"]:
            raise ModelVerificationError(
                f"{folder / rel}: sha256 mismatch (expected {digest['sha256']}, got {actual}); "
                "run `assistant models fetch --force` to export it again"
            )


# --------------------------------------------------------------------------- install


def ensure_onnx(
    model_path: Path,
    manifest: ModelManifest,
    models_dir: Path,
    *,
    precisions: tuple[str, ...] = ("float32",),
    force: bool = False,
    verify_installed: bool = False,
    progress: ProgressFn | None = None,
) -> list[ExportResult]:
    """Make the ONNX graph(s) of the verified model at ``model_path`` exist (idempotent).

    ``int8`` is derived from the ``float32`` graph, which is therefore exported too.
    """
    unknown = [p for p in precisions if p not in PRECISIONS]
    if unknown:
        raise AssistantError(f"unknown ONNX precision(s) {unknown}: use {', '.join(PRECISIONS)}")
    wanted = ["float32", *[p for p in precisions if p != "float32"]]
    results = []
    for precision in wanted:
        started = time.perf_counter()
        target = onnx_dir(models_dir, manifest, precision)
        if not force and is_exported(models_dir, manifest, precision):
            if verify_installed:
                verify_export(models_dir, manifest, precision)
            results.append(ExportResult(target / GRAPH_FILE, precision, False, 0.0))
            continue
        with _staging(Path(models_dir), target.name) as staging:
            graph = staging / GRAPH_FILE
            if precision == "float32":
                export_sentence_transformer(model_path, graph, progress=progress)
            else:
                quantize_int8(onnx_path(models_dir, manifest, "float32"), graph, progress=progress)
            _write_marker(staging, manifest, precision)
            _swap_into_place(staging, target)
        results.append(
            ExportResult(target / GRAPH_FILE, precision, True, time.perf_counter() - started)
        )
        log.info("exported %s (%s) to %s", manifest.id, precision, target)
    return [r for r in results if r.precision in precisions]


def export_sentence_transformer(
    model_path: Path, out_file: Path, *, progress: ProgressFn | None = None
) -> None:
    """Export the sentence-transformers model at ``model_path`` to ``out_file``; check it.

    Raises :class:`ModelVerificationError` when the graph does not reproduce
    torch's embeddings (cosine >= ``EXPORT_MIN_COSINE`` on ``CHECK_TEXTS``).
    """
    import torch

    steps = 4

    def step(done: int) -> None:
        if progress:
            progress("export ONNX", done, steps)

    step(0)
    model = load_torch_pipeline(model_path)
    step(1)
    wrapper = sentence_pipeline(model)
    tokenizer = model.tokenizer
    # a batch of two of different lengths, so padding and the mask are traced as data
    sample = tokenizer(
        ["task: search result | query: un exemple", "title: none | text: " + "mot " * 40],
        padding=True,
        return_tensors="pt",
    )
    out_file.parent.mkdir(parents=True, exist_ok=True)
    # the tracer warns about shape checks that are constant for any real input
    # (a single token, a mask as long as the tokens); the check below proves the graph
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            wrapper,
            (sample["input_ids"], sample["attention_mask"]),
            str(out_file),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                OUTPUT_NAME: {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    step(2)
    _check_against_torch(model, out_file)
    step(3)
    del model, wrapper
    step(4)


def quantize_int8(fp32_file: Path, out_file: Path, *, progress: ProgressFn | None = None) -> None:
    """Dynamically quantised copy: int8 weights, activations quantised at run time.

    Only the transformer's matrix products are quantised: the two dense layers
    after pooling stay in float32 (they shape the final vector directly), and so
    does the embedding table (a lookup, no arithmetic to speed up). Weights are
    unsigned with a scale per output channel: signed weights times unsigned
    activations saturate on CPUs without VNNI (AVX2 only, like the 2-core
    EPYC this was measured on), and a single scale per matrix lost more
    retrieval quality (hit@5 0.948 against 0.969 in float32).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if progress:
        progress("quantification int8", 0, 1)
    model = onnx.load(str(fp32_file), load_external_data=False)
    dense = [node.name for node in model.graph.node if _is_head_node(node)]
    del model
    out_file.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(
        str(fp32_file),
        str(out_file),
        weight_type=QuantType.QUInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=dense,
    )
    if progress:
        progress("quantification int8", 1, 1)


def _recipe(precision: str) -> str:
    return INT8_RECIPE if precision == "int8" else "torch.onnx"


def _is_head_node(node: Any) -> bool:
    """The dense layers after pooling (the wrapper's ``head`` modules: ``/head.N/...``)."""
    return node.op_type == "MatMul" and node.name.startswith("/head.")


# --------------------------------------------------------------------------- torch side


def load_torch_pipeline(model_path: Path) -> Any:
    """The sentence-transformers model in float32 on CPU, for export or comparison."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from assistant.models.embedder import _quiet_model_logs

    _quiet_model_logs()
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    model.eval()
    return model


def sentence_pipeline(model: Any) -> Any:
    """``(input_ids, attention_mask) -> sentence_embedding``, with the model's own modules."""
    import torch

    class _SentencePipeline(torch.nn.Module):
        def __init__(self, st_model: Any) -> None:
            super().__init__()
            modules = list(st_model.children())
            self.transformer = modules[0].auto_model
            # pooling, dense, dense, normalise: named "head" so quantisation can find them
            self.head = torch.nn.ModuleList(modules[1:])

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.transformer(
                input_ids=input_ids,
                attention_mask=attention_masks(self.transformer.config, attention_mask),
                use_cache=False,
                return_dict=True,
            )
            features = {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_embeddings": out.last_hidden_state,
            }
            for module in self.head:
                features = module(features)
            return features["sentence_embedding"]

    return _SentencePipeline(model)


def attention_masks(config: Any, attention_mask: Any) -> Any:
    """The per-layer-type attention masks the model would build, in plain tensor ops.

    transformers builds them with ``vmap``, which the ONNX tracer cannot follow;
    the same masks written with comparisons trace into a graph that works for
    any batch and length. A model without ``layer_types`` (one kind of
    attention) gets the padding mask as given.
    """
    import torch

    layer_types = getattr(config, "layer_types", None)
    if not layer_types:
        return attention_mask
    if not getattr(config, "use_bidirectional_attention", False):
        raise AssistantError("only bidirectional encoders can be exported (this model is causal)")
    keys = attention_mask[:, None, None, :].bool()  # batch, 1, 1, keys
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    # EmbeddingGemma: a token sees every token within the (exclusive) window, both ways
    near = (positions[:, None] - positions[None, :]).abs() < config.sliding_window
    by_type = {"full_attention": keys, "sliding_attention": keys & near[None, None, :, :]}
    masks = {}
    for kind in set(layer_types):
        if kind not in by_type:
            raise AssistantError(f"cannot export attention of type {kind!r}")
        mask = by_type[kind].expand(-1, 1, attention_mask.shape[1], -1)
        if config._attn_implementation != "sdpa":  # eager adds a float mask to the scores
            mask = torch.zeros(mask.shape, dtype=torch.float32).masked_fill(
                ~mask, torch.finfo(torch.float32).min
            )
        masks[kind] = mask
    return masks


def _check_against_torch(model: Any, graph: Path) -> None:
    """The exported graph must embed ``CHECK_TEXTS`` like torch (both prompts)."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    worst = 1.0
    for prompt_name in ("query", "document"):
        texts = [model.prompts[prompt_name] + t for t in CHECK_TEXTS]
        expected = model.encode(
            list(CHECK_TEXTS),
            prompt_name=prompt_name,
            normalize_embeddings=True,
            convert_to_numpy=True,
            batch_size=len(CHECK_TEXTS),
        )
        tokens = model.tokenizer(texts, padding=True, truncation=True, return_tensors="np")
        got = session.run(
            [OUTPUT_NAME],
            {
                "input_ids": tokens["input_ids"].astype(np.int64),
                "attention_mask": tokens["attention_mask"].astype(np.int64),
            },
        )[0]
        worst = min(worst, float(np.min(np.sum(expected * got, axis=1))))
    del session
    if worst < EXPORT_MIN_COSINE:
        raise ModelVerificationError(
            f"the ONNX export does not reproduce the model (cosine {worst:.6f} < "
            f"{EXPORT_MIN_COSINE}); nothing was installed. Use ASSISTANT_EMBEDDING_BACKEND=torch."
        )


# --------------------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as inp:
        while block := inp.read(8 * 1024 * 1024):
            sha.update(block)
    return sha.hexdigest()


def _write_marker(folder: Path, manifest: ModelManifest, precision: str) -> None:
    import onnxruntime
    import torch

    files = {
        p.relative_to(folder).as_posix(): {"sha256": _sha256(p), "size": p.stat().st_size}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    marker = {
        "model_id": manifest.id,
        "source_weights_sha256": manifest.weights_sha256,
        "precision": precision,
        "export_version": EXPORT_VERSION,
        "recipe": _recipe(precision),
        "opset": OPSET,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "files": files,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2))


@contextmanager
def _staging(models_dir: Path, name: str) -> Iterator[Path]:
    """A scratch folder on the same file system as the target (rename is atomic)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = models_dir / f".staging-{name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(ready: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(ready, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
