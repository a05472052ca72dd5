"""``assistant corpus check``: everything the Région's staff can break, checked.

* every document and FAQ entry parses and carries the required metadata
  (audience, language, sources, confidence, last reviewed date...), ids unique,
  envelope and topic from their lists; sentences addressed to a model
  (``lexicon/safety.yaml``) are listed;
* ``data/envelopes.yaml`` is well formed, its amounts add up (five envelopes =
  the plan total; sub-envelopes = their parent) and each amount is written in
  the plan document the record points to;
* every title reads as a title (not a question) and every source names its
  publisher; sources without an address are reported as warnings;
* ``data/contacts.yaml`` names only contacts, never invented phone numbers or
  e-mail addresses;
* ``data/eligibility.yaml`` validates against the eligibility schema and cites
  documents that exist.

Each problem names its file (and entry and field where there is one).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.answer.disagreement import text_amount
from assistant.answer.figures import extract_figures
from assistant.ingest.loaders import load_corpus
from assistant.knowledge.records import (
    ContactRecord,
    EnvelopeRecord,
    read_plan,
    read_records,
    read_yaml,
)

_PHONE_RE = re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _fmt_eur(amount: int) -> str:
    return f"{amount / 1_000_000:g} M€"


def _amount_written(amount: int, text: str) -> bool:
    return any(f.kind == "amount" and f.value == amount for f in extract_figures(text))


def _disagreement(text: str, table: int, explained: set[int]) -> str:
    """ ", which writes 14 M€ (...)" when the document gives another amount for the entry.

    The assistant then answers that the sources disagree, naming both values
    (:mod:`assistant.answer.disagreement`), instead of giving the figure.
    """
    stated = text_amount([text], table, explained)
    if stated is None:
        return ""
    return (
        f", which writes {_fmt_eur(stated)}: correct the table or the text; until then the "
        "assistant answers that its sources disagree on this amount"
    )


def check_envelopes(
    corpus_dir: Path, texts: dict[str, str], problems: list[str]
) -> tuple[list[str], set[str]]:
    """Validate envelopes.yaml; return the lines of the amounts summary and the envelope ids."""
    path = corpus_dir / "data" / "envelopes.yaml"
    data = read_yaml(path, problems)
    if data is None:
        return [], set()
    plan = read_plan(path, data, problems)
    envelopes = read_records(path, data, "envelopes", EnvelopeRecord, problems)
    by_id = {e.id: e for e in envelopes}
    summary: list[str] = []

    for env in envelopes:
        if env.amount_eur is None and env.amount_min_eur is None:
            problems.append(f"{path} [{env.id}] (amount_eur): an amount or a minimum is required")
        if env.parent and env.parent not in by_id:
            problems.append(f"{path} [{env.id}] (parent): unknown envelope {env.parent!r}")
        if env.document not in texts:
            problems.append(f"{path} [{env.id}] (document): no corpus document {env.document!r}")
            continue
        amount = env.amount_eur or env.amount_min_eur
        if amount and not _amount_written(amount, texts[env.document]):
            field = "amount_eur" if env.amount_eur else "amount_min_eur"
            explained = {plan.total_eur} if plan is not None else set()
            explained |= {
                a
                for e in envelopes
                if e.id != env.id
                for a in (e.amount_eur, e.amount_min_eur)
                if a
            }
            problems.append(
                f"{path} [{env.id}] ({field}): {_fmt_eur(amount)} is not written in "
                f"{env.document}" + _disagreement(texts[env.document], amount, explained)
            )

    top = [e for e in envelopes if not e.parent]
    if plan is not None and top and all(e.amount_eur for e in top):
        total = sum(e.amount_eur or 0 for e in top)
        line = " + ".join(_fmt_eur(e.amount_eur or 0) for e in top) + f" = {_fmt_eur(total)}"
        if total != plan.total_eur:
            problems.append(
                f"{path} (envelopes.amount_eur): {line}, but the plan total is "
                f"{_fmt_eur(plan.total_eur)}"
            )
        else:
            summary.append(f"{line} ✓")
        if plan.document in texts and not _amount_written(plan.total_eur, texts[plan.document]):
            explained = {a for e in envelopes for a in (e.amount_eur, e.amount_min_eur) if a}
            problems.append(
                f"{path} [plan] (total_eur): {_fmt_eur(plan.total_eur)} is not written in "
                f"{plan.document}" + _disagreement(texts[plan.document], plan.total_eur, explained)
            )

    for parent in envelopes:
        children = [e for e in envelopes if e.parent == parent.id]
        if not children or parent.amount_eur is None:
            continue
        exact = [c.amount_eur for c in children if c.amount_eur]
        minimum = sum(c.amount_eur or c.amount_min_eur or 0 for c in children)
        if len(exact) == len(children):
            line = " + ".join(_fmt_eur(a) for a in exact) + f" = {_fmt_eur(sum(exact))}"
            if sum(exact) != parent.amount_eur:
                problems.append(
                    f"{path} [{parent.id}] (amount_eur): sub-envelopes {line} but "
                    f"{parent.id} is {_fmt_eur(parent.amount_eur)}"
                )
            else:
                summary.append(f"{parent.id}: {line} ✓")
        elif minimum > parent.amount_eur:
            problems.append(
                f"{path} [{parent.id}] (amount_eur): sub-envelopes need at least "
                f"{_fmt_eur(minimum)}, more than {_fmt_eur(parent.amount_eur)}"
            )
    return summary, set(by_id)


def check_contacts(corpus_dir: Path, problems: list[str]) -> int:
    path = corpus_dir / "data" / "contacts.yaml"
    data = read_yaml(path, problems)
    if data is None:
        return 0
    contacts = read_records(path, data, "contacts", ContactRecord, problems)
    for contact in contacts:
        for field, value in contact.model_dump().items():
            text = str(value)
            if _PHONE_RE.search(text):
                problems.append(f"{path} [{contact.id}] ({field}): looks like a phone number")
            if _EMAIL_RE.search(text):
                problems.append(f"{path} [{contact.id}] ({field}): looks like an e-mail address")
        if contact.url and not contact.url.startswith("https://"):
            problems.append(f"{path} [{contact.id}] (url): must be an https:// URL")
    return len(contacts)


def check_eligibility(corpus_dir: Path, doc_ids: set[str], problems: list[str]) -> int:
    path = corpus_dir / "data" / "eligibility.yaml"
    if not path.is_file():
        problems.append(f"{path}: missing")
        return 0
    from assistant.eligibility import RulesError, load_rules

    try:
        rules = load_rules(path)
    except RulesError as exc:
        problems.append(str(exc))
        return 0
    for doc in sorted(_cited_docs(rules)):
        if doc not in doc_ids:
            problems.append(f"{path} (source.doc): cites unknown corpus document {doc!r}")
    return len(rules.schemes)


def check_knowledge(corpus_dir: Path, problems: list[str]) -> str:
    """Everything the assistant reads at start-up, lexicon included, loaded as it will be."""
    from assistant.errors import KnowledgeError
    from assistant.knowledge import Knowledge

    try:
        knowledge = Knowledge.load(corpus_dir)
    except KnowledgeError as exc:
        problems.extend(line for line in str(exc).splitlines() if line.strip())
        return "invalide"
    lexicon = knowledge.lexicon
    return f"{len(lexicon.cues)} listes de mots, {len(lexicon.messages)} messages"


def check_sources(documents: list[Any], problems: list[str]) -> list[str]:
    """Titles that read as titles, sources that say who published them; warn on no address.

    A title ending in "?" is a user's question, not a document title (FAQ entries
    take a ``title`` and keep their phrasings in ``variants``); a source without a
    publisher cannot be judged by the reader. A source without ``url`` is allowed
    (never invent one) but reported, so that it is found when the address is known.
    """
    unlinked: dict[str, list[str]] = {}
    for document in documents:
        where = f"{document.path} [{document.id}]"
        if document.meta.title.strip().endswith("?"):
            problems.append(
                f"{where} (title): {document.meta.title!r} is a question; give the entry a "
                "display title (its phrasings go under 'variants')"
            )
        for number, source in enumerate(document.meta.sources, 1):
            if not (source.publisher or "").strip():
                problems.append(f"{where} (sources.{number}.publisher): missing publisher")
            if source.title.strip().endswith("?"):
                problems.append(f"{where} (sources.{number}.title): a title cannot be a question")
            if not source.url:
                unlinked.setdefault(source.title, []).append(document.id)
    return [
        f"Avertissement : source sans adresse (url: null) dans {len(ids)} document(s) : « {title} »"
        for title, ids in sorted(unlinked.items(), key=lambda item: -len(item[1]))
    ]


def _cited_docs(obj: Any) -> set[str]:
    """Every ``doc`` field anywhere in the validated rules."""
    found: set[str] = set()
    if isinstance(obj, BaseModel):
        obj = obj.model_dump()
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "doc" and isinstance(value, str):
                found.add(value)
            else:
                found |= _cited_docs(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            found |= _cited_docs(value)
    return found


def check_corpus(corpus_dir: Path) -> tuple[list[str], str]:
    """All checks; returns the problems (empty when the corpus is sound) and a summary."""
    corpus_dir = Path(corpus_dir)
    loaded = load_corpus(corpus_dir)
    problems = [str(p) for p in loaded.problems]
    # removed from the index, but a person must look: who wrote orders to a model, and why?
    problems += [str(f) for f in loaded.flagged]
    texts = {d.id: "\n".join(s.text for s in d.sections) for d in loaded.documents}
    amounts, envelope_ids = check_envelopes(corpus_dir, texts, problems)
    for document in loaded.documents:
        if document.meta.envelope and envelope_ids and document.meta.envelope not in envelope_ids:
            problems.append(
                f"{document.path} [{document.id}] (envelope): unknown envelope "
                f"{document.meta.envelope!r}"
            )
    warnings = check_sources(loaded.documents, problems)
    contacts = check_contacts(corpus_dir, problems)
    schemes = check_eligibility(corpus_dir, set(texts), problems)
    lexicon = check_knowledge(corpus_dir, problems)
    faq = [d for d in loaded.documents if d.kind == "faq"]
    counts = {
        "entreprise": sum(d.meta.audience == "entreprise" for d in faq),
        "citoyen": sum(d.meta.audience == "citoyen" for d in faq),
        "en": sum(d.meta.language == "en" for d in faq),
    }
    lines = [
        f"{len(loaded.files)} fichiers, {len(loaded.documents) - len(faq)} documents, "
        f"{len(faq)} entrées de FAQ (entreprises {counts['entreprise']}, citoyens "
        f"{counts['citoyen']}, anglais {counts['en']}), {contacts} contacts, "
        f"{schemes} dispositifs d'éligibilité, lexique : {lexicon}.",
        *(f"Montants : {line}" for line in amounts),
        *warnings,
        "Corpus valide." if not problems else f"{len(problems)} problème(s).",
    ]
    return problems, "\n".join(lines)
