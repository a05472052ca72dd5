"""``assistant eval``: the golden set, measured, with a naive baseline beside it.

For every question of ``tests/eval/questions.yaml``: retrieval hit@1, hit@5
and MRR against the documents that hold the answer (hybrid, and dense-only and
lexical-only as ablations), answer accuracy (every expected fact present,
nothing forbidden), refusal precision and recall, figures the answer states
that its citations do not, and latency. A naive LangChain RAG runs on the same
questions in the same process (RecursiveCharacterTextSplitter 1000/200, dense
Chroma only, top 4, same embedding model; its "answer" is the best chunk, as
there is no generator) so the numbers read as ratios, not absolutes.

In the generative mode (``--mode llm``) two more things are measured: the
figures the LLM wrote that its passages do not support, before the guard
(from the recorded drafts) and after it (must be 0: the guard replaces such
answers), and the time to first token. ``--mode extractive --mode llm`` runs
both on the same questions in one process and writes a side-by-side table.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assistant.answer.guard import unsupported_figures

if TYPE_CHECKING:
    from assistant.core import Assistant

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "eval" / "questions.yaml"


PLANNER_SET = DEFAULT_SET.with_name("questions_planner.yaml")
#: Where the key fact must appear, and the default longest answers (issue "answers that
#: answer the question"): a direct answer first, details as structured data.
LEAD_CHARS = 300
MAX_CHARS = 450
MAX_CHARS_ELIGIBILITY = 700


@dataclass
class GoldenQuestion:
    id: str
    question: str
    category: str
    expect_refusal: bool
    must_contain: list[str]
    must_not_contain: list[str]
    expected_docs: list[str]
    history: list[dict[str, str]] = field(default_factory=list)
    lang: str = "fr"
    #: questions asked before in the same conversation (answered live, context sent back)
    turns: list[str] = field(default_factory=list)
    #: the opening the answer must have: direct | unspecified | eligibility | refusal
    expect: str | None = None
    #: must appear in the first LEAD_CHARS characters (default: the first must_contain)
    key_fact: str | None = None
    max_chars: int | None = None
    #: dev (used when tuning) or holdout (kept aside, never looked at when tuning)
    split: str = "dev"

    @property
    def lead_pattern(self) -> str | None:
        return self.key_fact or (self.must_contain[0] if self.must_contain else None)

    @property
    def length_limit(self) -> int | None:
        if self.max_chars is not None:
            return self.max_chars
        if self.expect is None:
            return None  # the first golden set checks content only
        return MAX_CHARS_ELIGIBILITY if self.expect == "eligibility" else MAX_CHARS


def load_golden(path: Path = DEFAULT_SET) -> list[GoldenQuestion]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = data["questions"] if isinstance(data, dict) else data
    return [
        GoldenQuestion(
            id=str(q["id"]),
            question=str(q["question"]),
            category=str(q.get("category", "factual")),
            expect_refusal=bool(q.get("expect_refusal", q.get("expect") == "refusal")),
            must_contain=list(q.get("must_contain") or []),
            must_not_contain=list(q.get("must_not_contain") or []),
            expected_docs=list(q.get("expected_docs") or []),
            history=list(q.get("history") or []),
            lang=str(q.get("lang", "fr")),
            turns=[str(t) for t in q.get("turns") or []],
            expect=q.get("expect"),
            key_fact=q.get("key_fact"),
            max_chars=q.get("max_chars"),
            split=str(q.get("split", "dev")),
        )
        for q in items
    ]


def answer_is_correct(q: GoldenQuestion, text: str, refused: bool) -> bool:
    """Refusals must refuse; answers must hold every expected fact and no forbidden one."""
    if q.expect_refusal:
        return refused
    if refused:
        return False
    found = all(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in q.must_contain)
    forbidden = any(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in q.must_not_contain)
    return found and not forbidden


def opening(answer: Any) -> str:
    """What kind of answer the user got first: direct, unspecified, eligibility, refusal."""
    if answer.refused:
        return "refusal"
    if answer.kind in ("eligibility", "size"):
        return "eligibility"
    if answer.kind == "unspecified":
        return "unspecified"
    return "direct"


def shape(q: GoldenQuestion, answer: Any) -> dict[str, Any]:
    """The answer's shape against the case: opening kind, key fact in the lead, length."""
    text = answer.text
    lead = q.lead_pattern
    in_lead = (
        True
        if q.expect_refusal or not lead
        else bool(re.search(lead, text[:LEAD_CHARS], re.IGNORECASE | re.MULTILINE))
    )
    limit = q.length_limit
    return {
        "opening": opening(answer),
        "opening_ok": q.expect is None or opening(answer) == q.expect,
        "key_fact_in_lead": in_lead,
        "length": len(text),
        "length_ok": limit is None or len(text) <= limit,
    }


def _rank(doc_ids: list[str], expected: list[str]) -> int | None:
    for position, doc_id in enumerate(doc_ids, 1):
        if doc_id in expected:
            return position
    return None


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks) / n,
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
    }


def refusal_metrics(expected: list[bool], predicted: list[bool]) -> dict[str, float]:
    tp = sum(e and p for e, p in zip(expected, predicted, strict=True))
    fp = sum(p and not e for e, p in zip(expected, predicted, strict=True))
    fn = sum(e and not p for e, p in zip(expected, predicted, strict=True))
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --------------------------------------------------------------------------- the assistant


def evaluate_assistant(bot: Assistant, questions: list[GoldenQuestion]) -> dict[str, Any]:
    """Run every golden question through ``bot.ask`` and the retrieval ablations."""
    from assistant.llm.composer import record_drafts

    records = []
    ranks: dict[str, list[int | None]] = {"hybrid": [], "dense": [], "lexical": []}
    for q in questions:
        history, context = _converse(bot, q)
        started = time.perf_counter()
        with record_drafts() as drafts:
            answer = bot.ask(q.question, history=history, context=context)
        latency = (time.perf_counter() - started) * 1000
        form = shape(q, answer)
        correct = answer_is_correct(q, answer.text, answer.refused) and form["opening_ok"]
        unsupported, underived = _unsupported(bot, q, answer)
        record = {
            "id": q.id,
            "category": q.category,
            "split": q.split,
            "question": q.question,
            "query": answer.query,
            "kind": answer.kind,
            "intent": answer.intent,
            "expect": q.expect,
            "expect_refusal": q.expect_refusal,
            "refused": answer.refused,
            "correct": correct,
            **form,
            "unsupported_figures": unsupported,
            "underived_figures": underived,
            "latency_ms": round(latency, 1),
            "planner_ms": round(answer.timings_ms.get("plan", 0.0), 3),
            "cited": [c.doc_id for c in answer.citations],
            "answer": answer.text,
        }
        if getattr(bot, "answer_mode", "extractive") == "llm":
            record.update(_generation_record(drafts, started, latency, answer))
        if not q.expect_refusal and q.expected_docs:
            lang = q.lang if q.lang in ("fr", "en") else bot.detect_language(answer.query)
            for mode in ranks:
                result = bot.searcher.search(answer.query, k=5, lang=lang, mode=mode)
                rank = _rank([p.doc_id for p in result.passages], q.expected_docs)
                ranks[mode].append(rank)
                record[f"rank_{mode}"] = rank
        records.append(record)
    return summarise(records, ranks)


def _converse(bot: Assistant, q: GoldenQuestion) -> tuple[list[dict[str, str]], Any]:
    """Ask the case's earlier turns live; the history and context for its question."""
    history = list(q.history)
    context = None
    for turn in q.turns:
        earlier = bot.ask(turn, history=history, context=context)
        history += [
            {"role": "user", "content": turn},
            {"role": "assistant", "content": earlier.text},
        ]
        context = earlier.context
    return history, context


def _unsupported(bot: Assistant, q: GoldenQuestion, answer: Any) -> tuple[int, int]:
    """Figures the cited documents (or the user) do not state: (unsupported, underived).

    A computed figure ("soit environ 23 %") is in no passage: it counts as supported
    only when the answer records its derivation (``Answer.derivations``); a figure
    that is neither in a cited passage nor derived is unsupported, and also counted
    as "underived" when it is not an input or a result of any derivation.
    """
    derived = {round(float(d["value"]), 6) for d in answer.derivations}
    if not answer.citations:
        figures = unsupported_figures(answer.text, [], require_citation=False)
    else:
        passages = []
        user_text = " ".join(
            [q.question, *q.turns, *(t["content"] for t in q.history if t["role"] == "user")]
        )
        for citation in answer.citations:
            if answer.kind in ("eligibility", "size"):
                chunks = bot.searcher.passages_of(citation.doc_id)
                passages.append("\n".join(c.text for c in chunks) + "\n" + user_text)
            else:
                passages.append(citation.excerpt)
        figures = unsupported_figures(
            answer.text, passages, require_citation=answer.kind not in ("eligibility", "size")
        )
    underived = [f for f in figures if round(float(f.value), 6) not in derived]
    return len(underived), len(underived)


def _generation_record(
    drafts: list[Any], started: float, latency: float, answer: Any
) -> dict[str, Any]:
    """LLM mode: figures unsupported before the guard, time to first token, fallbacks."""
    before = sum(
        len(unsupported_figures(d.text, d.passages)) for d in drafts if d.outcome in ("ok", "leak")
    )
    firsts = [(d.started + d.first_token_s - started) * 1000 for d in drafts if d.first_token_s]
    return {
        "unsupported_before_guard": before,
        # no generated token (eligibility, refusal before generation, backend down): the
        # first text the user sees is the whole answer
        "ttft_ms": round(min(firsts), 1) if firsts else round(latency, 1),
        "generated": bool(drafts),
        "outcomes": [d.outcome for d in drafts],
        "replaced": bool(answer.replaced),
        "draft": drafts[-1].text if drafts else None,
    }


def _kind_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    lengths = [r["length"] for r in records if "length" in r and not r["refused"]]
    return {
        "questions": len(records),
        "accuracy": sum(r["correct"] for r in records) / max(1, len(records)),
        "key_fact_in_lead": sum(r.get("key_fact_in_lead", True) for r in records)
        / max(1, len(records)),
        "length_p50": _percentile([float(x) for x in lengths], 0.5),
        "length_p90": _percentile([float(x) for x in lengths], 0.9),
    }


def shape_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind and per split: accuracy, key fact in the lead, lengths; eligibility routing."""
    if not records or "opening" not in records[0]:
        return {}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r["category"], []).append(r)
    expected = [r["expect"] == "eligibility" for r in records]
    routed = [r["opening"] == "eligibility" for r in records]
    non_elig = [r for r in records if r["expect"] not in ("eligibility", "refusal")]
    planner = [r["planner_ms"] for r in records]
    return {
        "overall": _kind_report(records),
        "splits": {
            split: _kind_report([r for r in records if r["split"] == split])
            for split in sorted({r["split"] for r in records})
        },
        "kinds": {kind: _kind_report(rs) for kind, rs in sorted(by_kind.items())},
        "routing": refusal_metrics(expected, routed),
        "non_eligibility_length_p90": _percentile([float(r["length"]) for r in non_elig], 0.9),
        "underived_figures": sum(r["underived_figures"] for r in records),
        "planner_ms": {"p50": _percentile(planner, 0.5), "p95": _percentile(planner, 0.95)},
    }


def summarise(records: list[dict[str, Any]], ranks: dict[str, list[int | None]]) -> dict[str, Any]:
    latencies = [r["latency_ms"] for r in records]
    by_category: dict[str, list[bool]] = {}
    for r in records:
        by_category.setdefault(r["category"], []).append(r["correct"])
    generation: dict[str, Any] = {}
    if records and "ttft_ms" in records[0]:
        ttft = [r["ttft_ms"] for r in records]
        outcomes = [o for r in records for o in r["outcomes"]]
        generation = {
            "unsupported_before_guard": sum(r["unsupported_before_guard"] for r in records),
            "ttft_ms": {"p50": _percentile(ttft, 0.5), "p95": _percentile(ttft, 0.95)},
            "generated": sum(r["generated"] for r in records),
            "replaced": sum(r["replaced"] for r in records),
            "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        }
    return {
        "questions": len(records),
        "retrieval": {mode: retrieval_metrics(values) for mode, values in ranks.items()},
        "answer_accuracy": sum(r["correct"] for r in records) / max(1, len(records)),
        "accuracy_by_category": {c: sum(v) / len(v) for c, v in sorted(by_category.items())},
        "refusal": refusal_metrics(
            [r["expect_refusal"] for r in records], [r["refused"] for r in records]
        ),
        "unsupported_figures": sum(r["unsupported_figures"] for r in records),
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
        **({"generation": generation} if generation else {}),
        **({"shape": shape} if (shape := shape_report(records)) else {}),
        "records": records,
    }


# --------------------------------------------------------------------------- naive baseline


def evaluate_naive_baseline(bot: Assistant, questions: list[GoldenQuestion]) -> dict[str, Any]:
    """A textbook LangChain RAG on the same corpus and model: the point of comparison."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.ingest.loaders import load_corpus
    from assistant.store import chroma_settings

    loaded = load_corpus(bot.settings.corpus_dir)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = splitter.split_documents(
        [
            Document(
                page_content="\n\n".join(s.text for s in d.sections), metadata={"doc_id": d.id}
            )
            for d in loaded.documents
        ]
    )
    client = chromadb.EphemeralClient(settings=chroma_settings())
    store = Chroma(
        collection_name=f"naive_{int(time.time() * 1000)}",
        embedding_function=bot.embedder,
        client=client,
    )
    started = time.perf_counter()
    store.add_documents(documents)
    index_seconds = time.perf_counter() - started
    records, ranks = [], []
    for q in questions:
        t0 = time.perf_counter()
        hits = store.similarity_search(q.question, k=4)
        latency = (time.perf_counter() - t0) * 1000
        text = hits[0].page_content if hits else ""
        records.append(
            {
                "id": q.id,
                "category": q.category,
                "expect_refusal": q.expect_refusal,
                "refused": False,
                "correct": answer_is_correct(q, text, refused=False),
                "unsupported_figures": 0,
                "latency_ms": round(latency, 1),
            }
        )
        if not q.expect_refusal and q.expected_docs:
            ranks.append(_rank([h.metadata["doc_id"] for h in hits], q.expected_docs))
    summary = summarise(records, {"naive": ranks})
    summary["chunks"] = len(documents)
    summary["index_seconds"] = round(index_seconds, 1)
    client.delete_collection(store._collection.name)
    return summary


# --------------------------------------------------------------------------- calibration


def calibrate_refusal(bot: Assistant, questions: list[GoldenQuestion]) -> dict[str, Any]:
    """Grid-search the refusal threshold and margin on the golden set's scope labels."""
    from assistant.answer.scope import other_region

    samples = []
    for q in questions:
        if q.category == "eligibility":
            continue  # routed to the eligibility engine before any refusal
        query = bot.pipeline.rewriter(q.question, q.history)
        result = bot.searcher.search(query, k=5, lang=q.lang)
        off = bot.scope.off_topic_similarity(result.vector)
        region = bool(other_region(q.question, bot.scope.other_regions))
        samples.append((q.expect_refusal, result.best_dense, off, region))
    labels = [s[0] for s in samples]
    grid = []
    for t in [x / 100 for x in range(20, 61)]:
        for m in [x / 100 for x in range(-20, 41, 2)]:
            predicted = [r or d < t or (o - d) > m for _, d, o, r in samples]
            metrics = refusal_metrics(labels, predicted)
            grid.append((min(metrics["precision"], metrics["recall"]), t, m, metrics))
    top = max(g[0] for g in grid)
    # the middle of the best region, not its edge: the most robust to new questions
    margins = sorted({g[2] for g in grid if g[0] == top})
    margin = margins[len(margins) // 2]
    thresholds = sorted(g[1] for g in grid if g[0] == top and g[2] == margin)
    threshold = thresholds[len(thresholds) // 2]
    metrics = next(g[3] for g in grid if g[1] == threshold and g[2] == margin)
    chosen = {"threshold": threshold, "margin": margin, **metrics}
    return {"samples": len(samples), "best": chosen}


# --------------------------------------------------------------------------- report


def spread_subset(questions: list[GoldenQuestion], n: int) -> list[GoldenQuestion]:
    """``n`` questions taken in turn from each category (deterministic, file order)."""
    by_category: dict[str, list[GoldenQuestion]] = {}
    for q in questions:
        by_category.setdefault(q.category, []).append(q)
    queues = list(by_category.values())
    chosen: list[GoldenQuestion] = []
    while len(chosen) < min(n, len(questions)):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return [q for q in questions if q in chosen]


def run_evaluation(
    bot: Assistant,
    set_path: Path = DEFAULT_SET,
    *,
    baseline: bool = True,
    subset: int | None = None,
) -> dict[str, Any]:
    questions = load_golden(set_path)
    if subset:
        questions = spread_subset(questions, subset)
    report: dict[str, Any] = {
        "set": str(set_path) + (f" (subset of {len(questions)})" if subset else ""),
        "mode": getattr(bot, "answer_mode", "extractive"),
        "settings": {
            "rrf_k": bot.settings.retrieval_rrf_k,
            "refusal_threshold": bot.settings.refusal_threshold,
            "refusal_margin": bot.settings.refusal_margin,
        },
        "assistant": evaluate_assistant(bot, questions),
    }
    if baseline:
        report["naive_baseline"] = evaluate_naive_baseline(bot, questions)
    return report


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def to_markdown(report: dict[str, Any]) -> str:
    a = report["assistant"]
    lines = [
        f"# Évaluation — golden set ({a['questions']} questions, mode {report['mode']})",
        "",
        "| metric | assistant (hybrid) | dense only | lexical only |"
        + (" naive RAG | ratio |" if "naive_baseline" in report else ""),
        "|---|---|---|---|" + ("---|---|" if "naive_baseline" in report else ""),
    ]
    naive = report.get("naive_baseline")
    for metric in ("hit@1", "hit@5", "mrr"):
        row = f"| {metric} | {_fmt(a['retrieval']['hybrid'][metric])} | "
        row += (
            f"{_fmt(a['retrieval']['dense'][metric])} | {_fmt(a['retrieval']['lexical'][metric])} |"
        )
        if naive:
            base = naive["retrieval"]["naive"][metric]
            ratio = a["retrieval"]["hybrid"][metric] / base if base else float("inf")
            row += f" {_fmt(base)} | ×{ratio:.2f} |"
        lines.append(row)
    extra = [
        ("answer accuracy", a["answer_accuracy"], naive["answer_accuracy"] if naive else None),
        ("refusal precision", a["refusal"]["precision"], None),
        ("refusal recall", a["refusal"]["recall"], naive["refusal"]["recall"] if naive else None),
    ]
    for name, value, base in extra:
        row = f"| {name} | {_fmt(value)} | | |"
        if naive:
            row += f" {_fmt(base) if base is not None else '—'} | |"
        lines.append(row)
    lines += [
        f"| unsupported figures | {a['unsupported_figures']} | | |" + (" — | |" if naive else ""),
        f"| latency p50 (ms) | {a['latency_ms']['p50']:.0f} | | |"
        + (f" {naive['latency_ms']['p50']:.0f} (retrieval only) | |" if naive else ""),
        f"| latency p95 (ms) | {a['latency_ms']['p95']:.0f} | | |"
        + (f" {naive['latency_ms']['p95']:.0f} (retrieval only) | |" if naive else ""),
        *_generation_rows(a),
        "",
        "## Answer accuracy by category",
        "",
        "| category | accuracy |",
        "|---|---|",
        *(f"| {c} | {_fmt(v)} |" for c, v in a["accuracy_by_category"].items()),
        "",
        "## Failures",
        "",
    ]
    for r in a["records"]:
        if not r["correct"] or r["unsupported_figures"]:
            lines.append(
                f"- **{r['id']}** ({r['category']}) {r['question']!r} → kind={r['kind']}, "
                f"refused={r['refused']}, unsupported={r['unsupported_figures']}: "
                f"{r['answer'][:160]!r}"
            )
    return "\n".join(lines) + "\n"


def comparison_markdown(reports: list[dict[str, Any]]) -> str:
    """The modes side by side on the same questions (README and closing-note table)."""
    modes = [r["mode"] for r in reports]
    a = [r["assistant"] for r in reports]

    def row(name: str, values: list[str]) -> str:
        return f"| {name} | " + " | ".join(values) + " |"

    def gen(x: dict[str, Any], fmt: Any) -> str:
        return fmt(x["generation"]) if "generation" in x else "—"

    lines = [
        f"# Évaluation côte à côte — {a[0]['questions']} questions ({reports[0]['set']})",
        "",
        "| metric | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
        row("answer accuracy", [_fmt(x["answer_accuracy"]) for x in a]),
        row("refusal precision", [_fmt(x["refusal"]["precision"]) for x in a]),
        row("refusal recall", [_fmt(x["refusal"]["recall"]) for x in a]),
        row(
            "unsupported figures before guard",
            [gen(x, lambda g: str(g["unsupported_before_guard"])) for x in a],
        ),
        row("unsupported figures after guard", [str(x["unsupported_figures"]) for x in a]),
        row("latency p50 (ms)", [f"{x['latency_ms']['p50']:.0f}" for x in a]),
        row("latency p95 (ms)", [f"{x['latency_ms']['p95']:.0f}" for x in a]),
        row(
            "time to first token p50 (ms)",
            [gen(x, lambda g: f"{g['ttft_ms']['p50']:.0f}") for x in a],
        ),
        row(
            "time to first token p95 (ms)",
            [gen(x, lambda g: f"{g['ttft_ms']['p95']:.0f}") for x in a],
        ),
        row(
            "answers replaced by the extractive one",
            [gen(x, lambda g: f"{g['replaced']} / {g['generated']} generated") for x in a],
        ),
        "",
        "Extractive answers arrive whole: their first text is the full answer (latency).",
    ]
    for report in reports:
        generation = report["assistant"].get("generation")
        if generation:
            lines.append(f"Generation outcomes ({report['mode']}): {generation['outcomes']}.")
    return "\n".join(lines) + "\n"


def _generation_rows(a: dict[str, Any]) -> list[str]:
    g = a.get("generation")
    if not g:
        return []
    return [
        f"| unsupported figures before guard (LLM drafts) | {g['unsupported_before_guard']} | | |",
        f"| time to first token p50 (ms) | {g['ttft_ms']['p50']:.0f} | | |",
        f"| time to first token p95 (ms) | {g['ttft_ms']['p95']:.0f} | | |",
        f"| replaced by the extractive answer | {g['replaced']} / {g['generated']} | | |",
    ]


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{report['mode']}"
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    md_path.write_text(to_markdown(report))
    return json_path, md_path


def summary_line(report: dict[str, Any]) -> str:
    a = report["assistant"]
    h = a["retrieval"]["hybrid"]
    line = (
        f"hit@1 {h['hit@1']:.3f}  hit@5 {h['hit@5']:.3f}  MRR {h['mrr']:.3f}  "
        f"accuracy {a['answer_accuracy']:.3f}  refusal P {a['refusal']['precision']:.3f} "
        f"R {a['refusal']['recall']:.3f}  unsupported {a['unsupported_figures']}  "
        f"p50 {a['latency_ms']['p50']:.0f} ms  p95 {a['latency_ms']['p95']:.0f} ms"
    )
    if "generation" in a:
        g = a["generation"]
        line += (
            f"  [llm] unsupported before guard {g['unsupported_before_guard']}  "
            f"TTFT p50 {g['ttft_ms']['p50']:.0f} ms  p95 {g['ttft_ms']['p95']:.0f} ms  "
            f"replaced {g['replaced']}/{g['generated']}"
        )
    return line


__all__ = [
    "GoldenQuestion",
    "answer_is_correct",
    "calibrate_refusal",
    "comparison_markdown",
    "load_golden",
    "run_evaluation",
    "spread_subset",
    "summary_line",
    "to_markdown",
    "write_report",
]
