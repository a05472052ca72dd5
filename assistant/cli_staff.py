"""Commands of the Région's side: ``users hash``, ``gaps``, ``db upgrade``, ``db purge``."""

from __future__ import annotations

import csv
import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.settings import get_settings

if TYPE_CHECKING:
    from assistant.gaps import Cluster

users_app = typer.Typer(help="Staff accounts (agents' inbox, editors' console).")
db_app = typer.Typer(help="The shared database (ASSISTANT_DATABASE_URL).")
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(db_app, name="db")
    app.command("gaps")(gaps_command)


@users_app.command("hash")
def users_hash(
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: Annotated[str, typer.Option(help="agent, editor or admin.")] = "agent",
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Print a 'name:role:argon2-hash' line for ASSISTANT_STAFF_USERS or the users file."""
    from assistant.accounts import ROLES, hash_password

    if role not in ROLES:
        console.print(f"[red]role must be one of {sorted(ROLES)}[/]")
        raise typer.Exit(2)
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", name):
        console.print("[red]name: letters, digits and . _ @ - only[/]")
        raise typer.Exit(2)
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        console.print("[red]Mot de passe trop court (12 caractères au moins).[/]")
        raise typer.Exit(2)
    typer.echo(f"{name}:{role}:{hash_password(password)}")


def _since(value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)\s*([dhw])", value.strip())
    if not match:
        raise typer.BadParameter("like 30d, 12h or 2w")
    n, unit = int(match[1]), match[2]
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]


def gaps_command(
    since: Annotated[str, typer.Option(help="Period: 30d, 12h, 2w.")] = "30d",
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV on stdout instead of a table.")
    ] = False,
    threshold: Annotated[float, typer.Option(help="Similarity to join a group.")] = 0.78,
) -> None:
    """Unanswered and 👎 questions grouped by meaning (counts and examples)."""
    from assistant.db import Database
    from assistant.db.models import utcnow
    from assistant.gaps import cluster_gaps
    from assistant.models.embedder import load_embedder
    from assistant.questionlog import gaps

    settings = get_settings()
    period = _since(since)
    found = gaps(Database.from_settings(settings), utcnow() - period)
    clusters = (
        cluster_gaps(found, load_embedder(settings).encode_queries, threshold) if found else []
    )
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(
            ["group", "count", "refused", "unspecified", "dislike", "question", "examples"]
        )
        for c in clusters:
            r = c.reasons
            writer.writerow(
                [
                    c.key,
                    c.count,
                    r.get("refused", 0),
                    r.get("unspecified", 0),
                    r.get("dislike", 0),
                    _cell(c.representative),
                    _cell(" | ".join(c.examples(3))),
                ]
            )
        return
    out = Console(highlight=False)
    if not clusters:
        out.print(f"Aucune question sans bonne réponse sur la période ({since}).")
        return
    _gaps_table(out, clusters, since)


def _gaps_table(out: Console, clusters: list[Cluster], since: str) -> None:
    """Largest groups first; people's text as plain ``Text`` (a ``[/b]`` is no rich markup)."""
    from rich.text import Text

    from assistant.gaps import REASON_LABELS

    total = sum(c.count for c in clusters)
    table = Table(
        title=f"Questions sans bonne réponse ({since}) : {total} en {len(clusters)} groupe(s)"
    )
    table.add_column("groupe", no_wrap=True)
    table.add_column("nb", justify="right", no_wrap=True)
    table.add_column("motifs")
    table.add_column("question")
    table.add_column("autres formulations")
    for c in clusters:
        reasons = ", ".join(f"{REASON_LABELS.get(k, k)} {v}" for k, v in c.reasons.items())
        others = [q for q in c.examples(3) if q != c.representative][:2]
        table.add_row(c.key, str(c.count), reasons, Text(c.representative), Text("\n".join(others)))
    out.print(table)


def _cell(value: str) -> str:
    """No spreadsheet formula in the CSV (the questions are people's text)."""
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (the app also does it at start)."""
    from assistant.db import Database

    db = Database.from_settings(get_settings())
    console.print(f"Base à jour : {db.safe_url}", highlight=False)


@db_app.command("purge")
def db_purge() -> None:
    """Delete what is older than ASSISTANT_RETENTION_DAYS (the app also does it hourly)."""
    from assistant.db import Database
    from assistant.questionlog import purge

    settings = get_settings()
    counts = purge(Database.from_settings(settings), settings.retention_days)
    console.print(f"Supprimé (> {settings.retention_days} jours) : {counts}", highlight=False)
