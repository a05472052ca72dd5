"""Index build throughput vs. a bare encoder call (same chunks, same process).

Run: ``.venv/bin/python bench/index.py [--backend onnx] [--repeat 3] [--compare torch] [--dtypes]``

Prints chunks/s of a full ``build_index`` (load corpus, chunk, embed, write to
Chroma, publish) with the chosen embedding backend (torch, onnx, onnx-int8),
and of the bare encoder on exactly the same chunk texts, and the overhead of
the build over that floor. Targets: build <= 40 s for the corpus on a 2-core
CPU without bf16, overhead <= 15 %.
``--compare NAME`` also encodes the chunks with another backend and prints
its speed and the cosine similarity of the two backends' vectors; ``--dtypes``
(torch) compares float32 and bfloat16 the same way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.indexer import build_index
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_corpus
from assistant.models.embedder import Embedder, TorchEncoder, load_embedder
from assistant.settings import Settings
from bench.backends import BACKENDS, ensure_export, settings_for
from bench.query import cpu_model


def plain_encode(embedder: Embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    vectors = embedder.encoder.encode(texts, embedder.manifest.document_prompt, embedder.batch_size)
    return time.perf_counter() - started, vectors


def full_build(settings: Settings, embedder: Embedder) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        run_settings = settings.model_copy(update={"index_dir": Path(tmp), "chroma_url": None})
        started = time.perf_counter()
        report = build_index(run_settings, embedder=embedder, force=True)
        return time.perf_counter() - started, report.chunks


def compare(name: str, embedder: Embedder, other: Embedder, texts: list[str]) -> None:
    plain_encode(other, texts[:8])  # warm-up
    seconds, theirs = plain_encode(other, texts)
    _, ours = plain_encode(embedder, texts)
    cos = np.sum(ours * theirs, axis=1)
    print(
        f"{name} ({other.backend} {other.precision}): {len(texts) / seconds:.2f} chunks/s "
        f"({seconds:.2f} s) | cosine to {embedder.backend} {embedder.precision}: "
        f"min {cos.min():.6f} mean {cos.mean():.6f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="onnx", choices=list(BACKENDS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--compare", choices=list(BACKENDS), help="another backend to compare")
    parser.add_argument("--dtypes", action="store_true", help="torch: float32 vs bfloat16")
    args = parser.parse_args()

    ensure_export(args.backend)
    settings = settings_for(args.backend)
    embedder = load_embedder(settings)
    loaded = load_corpus(settings.corpus_dir)
    texts = [
        c.embed_text
        for d in loaded.documents
        for c in chunk_document(d, settings.chunk_max_tokens, embedder.count_tokens)
    ]
    print(f"{cpu_model()}; corpus: {len(loaded.documents)} documents, {len(texts)} chunks")
    print(f"backend {args.backend}: {embedder.backend} {embedder.precision}")
    plain_encode(embedder, texts[:8])  # warm-up (first call allocates)

    plain, build = [], []
    for _ in range(args.repeat):
        plain.append(plain_encode(embedder, texts)[0])
        seconds, chunks = full_build(settings, embedder)
        build.append(seconds)
    p, b = statistics.median(plain), statistics.median(build)
    print(f"plain encode : {len(texts) / p:7.2f} chunks/s ({p:.2f} s)")
    print(f"index build  : {chunks / b:7.2f} chunks/s ({b:.2f} s; target <= 40 s)")
    overhead = (b - p) / p * 100
    print(f"overhead     : {overhead:+.1f} % (target <= 15 %)  ratio build/plain = {b / p:.3f}")

    if args.compare:
        ensure_export(args.compare)
        compare(args.compare, embedder, load_embedder(settings_for(args.compare)), texts)
    if args.dtypes and embedder.backend == "torch":
        other = "float32" if embedder.precision == "bfloat16" else "bfloat16"
        second = Embedder(
            embedder.path,
            embedder.manifest,
            batch_size=embedder.batch_size,
            encoder=TorchEncoder(embedder.path, other),
        )
        compare(f"torch {other}", embedder, second, texts[:64])


if __name__ == "__main__":
    main()
