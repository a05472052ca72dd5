"""Loaders: one function per file format, all returning validated documents.

* Markdown with YAML front matter (the plan texts);
* FAQ files in YAML (``defaults`` + ``entries``, each entry its own document);
* PDF (one section per page, page numbers kept), HTML, DOCX and plain text,
  whose metadata come from a sidecar ``NAME.meta.yaml`` (or ``NAME.pdf.meta.yaml``)
  because these formats cannot carry our front matter.

A malformed file never stops the others: it becomes a :class:`CorpusProblem`
with its path and reason, and the caller decides (``--strict``) whether that is
fatal.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import frontmatter
import yaml
from pydantic import ValidationError

from assistant.ingest.documents import (
    CorpusProblem,
    DocumentMeta,
    FlaggedSentence,
    Section,
    SourceDocument,
    validation_problems,
)
from assistant.ingest.vocabulary import Vocabulary
from assistant.text.injection import instruction_cue, instruction_sentences, strip_instructions
from assistant.text.sanitize import html_to_text

if TYPE_CHECKING:
    from assistant.knowledge.lexicon import Cue, Lexicon

#: Folders of the corpus that hold data files (envelopes, contacts, rules, lexicon), not documents.
DATA_DIRS = {"data", "lexicon"}
SKIPPED_NAMES = {"README.md", "readme.md"}
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")

Loaded = tuple[list[SourceDocument], list[CorpusProblem]]


class LoaderError(Exception):
    """Raised inside a loader; turned into a CorpusProblem for the file."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass
class LoadResult:
    """Everything read from a corpus folder."""

    documents: list[SourceDocument] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: sentences addressed to a model, removed from the documents' text
    flagged: list[FlaggedSentence] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _validate(path: Path, data: dict[str, Any], entry: str | None = None) -> DocumentMeta:
    try:
        return DocumentMeta.model_validate(data)
    except ValidationError as exc:
        raise _ProblemsError(validation_problems(path, exc, entry)) from exc


class _ProblemsError(Exception):
    def __init__(self, problems: list[CorpusProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LoaderError(f"invalid YAML: {exc}".replace("\n", " ")) from exc
    except UnicodeDecodeError as exc:
        raise LoaderError(f"not UTF-8 text: {exc}") from exc


def _not_text(path: Path, raw: Any, entry: str) -> list[CorpusProblem]:
    """FAQ fields shown as text that YAML read as something else (a number, a mapping...)."""
    if not isinstance(raw, dict):
        return []
    problems = []
    for name in ("question", "answer", "variants"):
        value = raw.get(name)
        values = value if name == "variants" and isinstance(value, list) else [value]
        wrong = [v for v in values if v is not None and not isinstance(v, str)]
        if wrong:
            problems.append(
                CorpusProblem(
                    path,
                    f"must be text (got {type(wrong[0]).__name__}: {wrong[0]!r}; "
                    "put it between quotes)",
                    field=name,
                    entry=entry,
                )
            )
    return problems


def sidecar_path(path: Path) -> Path | None:
    """The metadata file of a PDF/HTML/DOCX/TXT document, if present."""
    for candidate in (
        path.with_name(path.name + ".meta.yaml"),
        path.with_name(path.stem + ".meta.yaml"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _sidecar_meta(path: Path, fallback_title: str | None) -> DocumentMeta:
    side = sidecar_path(path)
    if side is None:
        raise LoaderError(
            f"no metadata: add {path.stem}.meta.yaml beside it (title, audience, topic, "
            "language, confidence, last_reviewed, sources)",
            field="sidecar",
        )
    data = _read_yaml(side)
    if not isinstance(data, dict):
        raise LoaderError(f"{side.name} must be a mapping of metadata fields", field="sidecar")
    data.setdefault("id", path.stem)
    if fallback_title:
        data.setdefault("title", fallback_title)
    return _validate(path, data)


def _split_markdown(body: str) -> list[Section]:
    """Sections following the heading hierarchy (code fences are not headings)."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(text=text, headings=[h for _, h in stack]))
        lines.clear()

    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _HEADING_RE.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return sections


# --------------------------------------------------------------------------- loaders


def load_markdown(path: Path) -> Loaded:
    """Markdown with YAML front matter; sections follow the headings."""
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as exc:
        raise LoaderError(f"invalid front matter: {exc}".replace("\n", " ")) from exc
    data = dict(post.metadata)
    if not data:
        raise LoaderError("no YAML front matter (--- ... ---) at the top", field="front matter")
    data.setdefault("id", path.stem)
    meta = _validate(path, data)
    sections = _split_markdown(post.content)
    if not sections:
        raise LoaderError("the document has no text", field="body")
    return [SourceDocument(meta=meta, sections=sections, path=path)], []


def load_faq(path: Path) -> Loaded:
    """A FAQ file: every entry becomes a document kept whole (one chunk)."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise LoaderError("a FAQ file needs a list under 'entries'", field="entries")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise LoaderError("'defaults' must be a mapping", field="defaults")
    documents: list[SourceDocument] = []
    problems: list[CorpusProblem] = []
    for position, raw in enumerate(data["entries"], start=1):
        entry_name = raw.get("id") if isinstance(raw, dict) else None
        entry_label = str(entry_name or f"entry #{position}")
        not_text = _not_text(path, raw, entry_label)
        if not_text:  # `answer: 60000000` is a YAML number: quoted, it is text
            problems.extend(not_text)
            continue
        if not isinstance(raw, dict):
            problems.append(CorpusProblem(path, "an entry must be a mapping", entry=entry_label))
            continue
        variants = faq_variants(raw)
        answer = str(raw.get("answer") or "").strip()
        missing = [
            name for name, value in (("variants", variants), ("answer", answer)) if not value
        ]
        if missing:
            problems.extend(
                CorpusProblem(path, "missing or empty", field=name, entry=entry_label)
                for name in missing
            )
            continue
        merged = {k: v for k, v in {**defaults, **raw}.items() if k not in ("question", "variants")}
        merged.setdefault("title", variants[0])  # corpus check asks for a real title
        try:
            meta = _validate(path, merged, entry=entry_label)
        except _ProblemsError as exc:
            problems.extend(exc.problems)
            continue
        # First line: the user phrasings (indexed, skipped when quoting or displaying).
        section = Section(text=f"{' / '.join(variants)}\n{answer}", headings=[])
        documents.append(SourceDocument(meta=meta, sections=[section], path=path, kind="faq"))
    return documents, problems


def faq_variants(raw: dict[str, Any]) -> list[str]:
    """The phrasings of an FAQ entry: ``variants`` (a list) and/or the older ``question``.

    They are what users type ("c koi le plan ia ?"): indexed so that such questions
    find the entry, never displayed (the entry's ``title`` is).
    """
    found = [raw.get("question")]
    listed = raw.get("variants")
    found.extend(listed if isinstance(listed, list) else [listed])
    return list(dict.fromkeys(" ".join(str(v).split()) for v in found if v and str(v).strip()))


def load_pdf(path: Path) -> Loaded:
    """PDF: one section per page, page numbers kept for citations."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(number, page.extract_text() or "") for number, page in enumerate(reader.pages, 1)]
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise LoaderError(f"unreadable PDF: {exc}") from exc
    title = None
    if reader.metadata and reader.metadata.title:
        title = str(reader.metadata.title)
    meta = _sidecar_meta(path, title)
    sections = [
        Section(text=_clean_text(text), headings=[], page=number)
        for number, text in pages
        if text.strip()
    ]
    if not sections:
        raise LoaderError("the PDF has no extractable text (scanned image?)", field="body")
    return [SourceDocument(meta=meta, sections=sections, path=path)], []


def load_html(path: Path) -> Loaded:
    """HTML: visible text, sections from h1-h6; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    body = soup.body or soup
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        text = "\n\n".join(buffer).strip()
        if text:
            sections.append(Section(text=text, headings=[h for _, h in stack]))
        buffer.clear()

    for element in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td"]):
        text = _clean_text(element.get_text(" ", strip=True))
        if not text:
            continue
        if element.name[0] == "h" and element.name[1:].isdigit():
            flush()
            level = int(element.name[1:])
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
        elif element.find_parent(["li", "p", "td"]) is None:
            buffer.append(("- " if element.name == "li" else "") + text)
    flush()
    meta = _sidecar_meta(path, title)
    if not sections:
        raise LoaderError("the HTML page has no text", field="body")
    return [SourceDocument(meta=meta, sections=sections, path=path)], []


def load_docx(path: Path) -> Loaded:
    """DOCX: paragraphs grouped under their Heading/Titre styles."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types
        raise LoaderError(f"unreadable DOCX: {exc}") from exc
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        text = "\n\n".join(buffer).strip()
        if text:
            sections.append(Section(text=text, headings=[h for _, h in stack]))
        buffer.clear()

    for paragraph in document.paragraphs:
        text = _clean_text(paragraph.text)
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level_match = re.match(r"(?:Heading|Titre)\s*(\d)", style)
        if level_match or style == "Title":
            flush()
            level = int(level_match.group(1)) if level_match else 0
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
        else:
            buffer.append(text)
    flush()
    core_title = document.core_properties.title or None
    meta = _sidecar_meta(path, core_title)
    if not sections:
        raise LoaderError("the DOCX has no text", field="body")
    return [SourceDocument(meta=meta, sections=sections, path=path)], []


def load_text(path: Path) -> Loaded:
    """Plain text: one section; paragraphs are separated by blank lines."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError as exc:
        raise LoaderError(f"not UTF-8 text: {exc}") from exc
    meta = _sidecar_meta(path, None)
    if not text:
        raise LoaderError("the file is empty", field="body")
    return [SourceDocument(meta=meta, sections=[Section(text=text)], path=path)], []


def _as_text(document: SourceDocument) -> SourceDocument:
    """Every text a reader may see, HTML reduced to text (all formats, see text.sanitize)."""
    meta = document.meta
    sources = [
        source.model_copy(
            update={
                "title": html_to_text(source.title),
                "publisher": html_to_text(source.publisher) if source.publisher else None,
            }
        )
        for source in meta.sources
    ]
    title = html_to_text(meta.title).strip() or meta.id  # never empty: a required field
    document.meta = meta.model_copy(update={"title": title, "sources": sources})
    for section in document.sections:
        section.text = html_to_text(section.text)
        section.headings = [html_to_text(h).strip() for h in section.headings]
    return document


def _clean_text(text: str) -> str:
    text = text.replace("\u00ad", "")  # soft hyphens from PDFs
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


LOADERS: dict[str, Callable[[Path], Loaded]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".yaml": load_faq,
    ".yml": load_faq,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
    ".txt": load_text,
}


# --------------------------------------------------------------------------- corpus


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Document files of the corpus, in a stable order (data files and sidecars excluded)."""
    corpus_dir = Path(corpus_dir)
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if not path.is_file() or rel.parts[0] in DATA_DIRS:
            continue
        if any(part.startswith(".") for part in rel.parts) or path.name in SKIPPED_NAMES:
            continue
        if path.name.endswith((".meta.yaml", ".meta.yml")):
            continue
        if path.suffix.lower() in LOADERS:
            files.append(path)
    return files


def load_file(path: Path) -> Loaded:
    """Load one file with the loader for its extension; failures become problems."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        return [], [CorpusProblem(path, f"unsupported file type {path.suffix!r}")]
    try:
        documents, problems = loader(path)
        return [_as_text(d) for d in documents], problems
    except LoaderError as exc:
        return [], [CorpusProblem(path, exc.reason, field=exc.field)]
    except _ProblemsError as exc:
        return [], exc.problems
    except (OSError, UnicodeDecodeError) as exc:
        return [], [CorpusProblem(path, f"cannot read: {exc}")]


def _too_big(path: Path, max_document_mb: float) -> CorpusProblem | None:
    """A file over the size limit, refused before it is read (its embedding would take hours)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return CorpusProblem(path, f"cannot read: {exc}")
    if size <= max_document_mb * 1_000_000:
        return None
    return CorpusProblem(
        path,
        f"file too large ({size / 1_000_000:.1f} Mo, limit {max_document_mb:g} Mo: "
        "split the document, or raise ASSISTANT_MAX_DOCUMENT_MB)",
        field="size",
    )


def load_corpus(
    corpus_dir: Path,
    files: Iterable[Path] | None = None,
    *,
    max_document_mb: float | None = None,
    lexicon: Lexicon | None = None,
) -> LoadResult:
    """Load every document; duplicate ids are problems (the first one wins).

    ``max_document_mb``: files over it are problems, never read (default: the settings').
    ``lexicon``: where the sentences addressed to a model are described (default: the
    corpus's ``lexicon/`` folder); they are removed from the text and listed in ``flagged``.
    """
    if max_document_mb is None:
        from assistant.settings import get_settings

        max_document_mb = get_settings().max_document_mb
    result = LoadResult()
    seen: dict[str, Path] = {}
    vocabulary = Vocabulary.from_corpus(corpus_dir)
    cue = _instruction_cue(Path(corpus_dir), lexicon, result)
    for path in files if files is not None else corpus_files(corpus_dir):
        result.files.append(path)
        oversized = _too_big(path, max_document_mb)
        if oversized is not None:
            result.problems.append(oversized)
            continue
        documents, problems = load_file(path)
        result.problems.extend(problems)
        for document in documents:
            unknown = vocabulary.problems(document)
            if unknown:  # an envelope or topic no filter or card knows: skipped
                result.problems.extend(unknown)
                continue
            if cue is not None and not _remove_instructions(document, cue, result):
                continue
            if document.id in seen:
                result.problems.append(
                    CorpusProblem(
                        path,
                        f"duplicate id: already used by {seen[document.id]} (that one is "
                        "kept; ids must be unique across the corpus)",
                        field="id",
                        entry=document.id,
                        fatal=True,
                    )
                )
                continue
            seen[document.id] = path
            result.documents.append(document)
    return result


def _instruction_cue(corpus_dir: Path, lexicon: Lexicon | None, result: LoadResult) -> Cue | None:
    """The lexicon's ``model_directed`` list; a broken lexicon stops the index (fatal)."""
    from assistant.errors import KnowledgeError
    from assistant.knowledge.lexicon import Lexicon

    folder = corpus_dir / "lexicon"
    try:
        if lexicon is None:
            lexicon = Lexicon.load(folder)
        return instruction_cue(lexicon)
    except KnowledgeError as exc:
        reason = " ".join(str(exc).split())
        result.problems.append(
            CorpusProblem(
                folder,
                f"sentences addressed to a model cannot be recognised: {reason}",
                fatal=True,
            )
        )
        return None


def _remove_instructions(document: SourceDocument, cue: Cue, result: LoadResult) -> bool:
    """Take the sentences addressed to a model out of ``document``; False: skip it whole."""
    flagged = instruction_sentences(document.meta.title, cue)
    if flagged:  # the title is on every citation: the document cannot be shown
        result.problems.append(
            CorpusProblem(
                document.path,
                f"the title is addressed to a model: « {flagged[0]} »",
                field="title",
                entry=document.id,
            )
        )
        return False
    sections = []
    for section in document.sections:
        found = instruction_sentences(section.text, cue)
        for heading in section.headings:
            found += instruction_sentences(heading, cue)
        if found:
            section.instructions = found
            section.text = strip_instructions(section.text, cue, marker="")
            section.headings = [h for h in section.headings if not instruction_sentences(h, cue)]
            result.flagged.extend(FlaggedSentence(document.path, document.id, s) for s in found)
        if section.text.strip():
            sections.append(section)
    document.sections = sections
    if not sections:
        result.problems.append(
            CorpusProblem(
                document.path,
                "no text left once the sentences addressed to a model are removed",
                field="body",
                entry=document.id,
            )
        )
        return False
    return True


#: Data files that change what gets indexed (allowed values, sentences removed).
INDEX_DATA_FILES = ("data/envelopes.yaml", "data/topics.yaml", "lexicon/safety.yaml")


def corpus_hash(corpus_dir: Path) -> str:
    """Hash of every file that feeds the index (documents and their sidecars)."""
    corpus_dir = Path(corpus_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus_dir)
        if rel.as_posix() not in INDEX_DATA_FILES and (
            rel.parts[0] in DATA_DIRS or any(part.startswith(".") for part in rel.parts)
        ):
            continue
        digest.update(str(rel).encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
