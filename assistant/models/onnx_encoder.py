"""Sentence embeddings with ONNX Runtime: the exported graph and the tokenizer, no torch.

The graph (:mod:`assistant.models.onnx_export`) already holds pooling, the two
dense layers and the normalisation; this side does what sentence-transformers
does around its modules, and nothing else:

* the prompt string of ``config_sentence_transformers.json`` ("query",
  "document") is prepended to each text;
* the model's own ``tokenizer.json`` adds the special tokens (``<bos>`` …
  ``<eos>``), truncates to ``max_seq_length`` and pads on the right with the
  pad id, like the fast tokenizer sentence-transformers uses;
* texts are encoded longest first, in batches of at most ``batch_size`` texts
  of similar token length (:mod:`assistant.models.length_batches`: a long
  text never pads a batch of short ones), and the vectors come back in the
  caller's order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.errors import ModelMissingError
from assistant.models.length_batches import length_batches

#: sentence-transformers' own fallback when the model declares no length.
DEFAULT_MAX_SEQ_LENGTH = 512


class OnnxEncoder:
    """Encodes texts with one ONNX Runtime session; safe to call from several threads."""

    backend = "onnx"

    def __init__(
        self,
        model_dir: Path,
        graph: Path,
        *,
        precision: str = "float32",
        threads: int = 0,
    ) -> None:
        """``model_dir``: the verified model (tokenizer, prompts); ``graph``: its ONNX export.

        ``threads`` = 0 lets ONNX Runtime use one thread per physical core.
        """
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.graph = Path(graph)
        self.precision = precision
        if not self.graph.is_file():
            raise ModelMissingError(f"no ONNX graph at {self.graph}: run `assistant models fetch`")
        self.prompts = _read_prompts(self.model_dir)
        self.max_seq_length = _read_max_seq_length(self.model_dir)
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._counter = tokenizer  # counts tokens as they are, without truncation
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        self.pad_id = _read_pad_id(self.model_dir)
        self.tokenizer.no_padding()  # padded per batch, right side, below

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # warnings about unused initializers are noise
        self.session = ort.InferenceSession(
            str(self.graph), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    # -- tokens -------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (no special tokens, no prompt)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character span of each token of ``text`` (no special tokens)."""
        return list(self._counter.encode(text, add_special_tokens=False).offsets)

    def _pad(self, encodings: list) -> tuple[np.ndarray, np.ndarray]:
        """Right-padded ``input_ids`` and ``attention_mask`` of one batch."""
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        return ids, mask

    # -- encoding -----------------------------------------------------------
    def encode(self, texts: list[str], prompt_name: str, batch_size: int = 16) -> np.ndarray:
        """Normalised float32 embeddings of ``texts`` with the named prompt."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prompt = self.prompts.get(prompt_name, "")
        encodings = self.tokenizer.encode_batch(
            [prompt + text for text in texts], add_special_tokens=True
        )
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in length_batches([len(e.ids) for e in encodings], max(1, batch_size)):
            ids, mask = self._pad([encodings[i] for i in rows])
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        # the graph normalises already; again here, as sentence-transformers' encode does
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _read_prompts(model_dir: Path) -> dict[str, str]:
    return dict(_read_json(model_dir / "config_sentence_transformers.json").get("prompts") or {})


def _read_max_seq_length(model_dir: Path) -> int:
    value = _read_json(model_dir / "sentence_bert_config.json").get("max_seq_length")
    return int(value or DEFAULT_MAX_SEQ_LENGTH)


def _read_pad_id(model_dir: Path) -> int:
    config = _read_json(model_dir / "config.json")
    pad = config.get("pad_token_id")
    return int(pad) if pad is not None else 0


def onnxruntime_available() -> bool:
    """True when ``onnxruntime`` can be imported (``auto`` backend falls back to torch)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True
