"""Index build throughput vs. a bare ``SentenceTransformer.encode`` (same chunks, same process).

Run: ``.venv/bin/python bench/index.py [--repeat 3] [--dtypes]``

Prints chunks/s of a full ``build_index`` (load corpus, chunk, embed, write to
Chroma, publish) and of plain ``model.encode`` on exactly the same chunk texts,
and the overhead of the build over the floor. Target: overhead <= 15 %.
With ``--dtypes`` it also compares float32 and bfloat16 speed and the cosine
similarity of their embeddings (whether bf16 "holds").
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.indexer import build_index
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_corpus
from assistant.models.embedder import Embedder, load_embedder
from assistant.settings import Settings


def plain_encode(embedder: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.model.encode(
        texts,
        prompt_name=embedder.manifest.document_prompt,
        batch_size=embedder.batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
    )
    return time.perf_counter() - started


def full_build(settings: Settings, embedder: Embedder) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        run_settings = settings.model_copy(update={"index_dir": Path(tmp), "chroma_url": None})
        started = time.perf_counter()
        report = build_index(run_settings, embedder=embedder, force=True)
        return time.perf_counter() - started, report.chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dtypes", action="store_true", help="also compare float32 and bf16")
    args = parser.parse_args()

    settings = Settings()
    embedder = load_embedder(settings)
    loaded = load_corpus(settings.corpus_dir)
    texts = [
        c.embed_text
        for d in loaded.documents
        for c in chunk_document(d, settings.chunk_max_tokens, embedder.count_tokens)
    ]
    print(f"corpus: {len(loaded.documents)} documents, {len(texts)} chunks; dtype {embedder.dtype}")
    plain_encode(embedder, texts[:8])  # warm-up (first call allocates)

    plain, build = [], []
    for _ in range(args.repeat):
        plain.append(plain_encode(embedder, texts))
        seconds, chunks = full_build(settings, embedder)
        build.append(seconds)
    p, b = statistics.median(plain), statistics.median(build)
    print(f"plain encode : {len(texts) / p:7.2f} chunks/s ({p:.2f} s)")
    print(f"index build  : {chunks / b:7.2f} chunks/s ({b:.2f} s)")
    overhead = (b - p) / p * 100
    print(f"overhead     : {overhead:+.1f} % (target <= 15 %)  ratio build/plain = {b / p:.3f}")

    if args.dtypes:
        import numpy as np

        other = "float32" if embedder.dtype == "bfloat16" else "bfloat16"
        second = Embedder(
            embedder.path, embedder.manifest, dtype=other, batch_size=embedder.batch_size
        )
        plain_encode(second, texts[:8])
        t_other = plain_encode(second, texts)
        a = embedder.encode_documents(texts[:64])
        c = second.encode_documents(texts[:64])
        cos = np.sum(a * c, axis=1)
        print(
            f"{embedder.dtype}: {len(texts) / p:.2f} chunks/s | {other}: {len(texts) / t_other:.2f} "
            f"chunks/s | cosine(bf16, fp32) min {cos.min():.5f} mean {cos.mean():.5f}"
        )


if __name__ == "__main__":
    main()
