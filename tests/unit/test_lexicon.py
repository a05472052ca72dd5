"""The lexicon as data: its phrase syntax, its checks, and editing it without Python."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import Knowledge
from assistant.knowledge.lexicon import Lexicon
from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import normalize


def lexicon_from(tmp_path: Path, text: str) -> Lexicon:
    folder = tmp_path / "lexicon"
    folder.mkdir(exist_ok=True)
    (folder / "test.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return Lexicon.load(folder)


def matches(lexicon: Lexicon, cue: str, text: str) -> bool:
    return lexicon.cue(cue).search(normalize(text)) is not None


def test_phrase_syntax(tmp_path: Path) -> None:
    lx = lexicon_from(
        tmp_path,
        """
        cues:
          ia: [ia, intelligence artificielle]
          staff: ["salarie(e)(s)"]
          health: ["medic*"]
          startup: ["[start up|startup](s)", "jeune(s) pousse(s)"]
          specialist: ["[entreprise|pme](s) [de|d]? {ia}"]
        """,
    )
    assert matches(lx, "staff", "12 salariées") and matches(lx, "staff", "un salarié")
    assert not matches(lx, "staff", "salariat")
    assert matches(lx, "health", "Médicaments") and not matches(lx, "health", "remedier")
    assert matches(lx, "startup", "nos start-ups") and matches(lx, "startup", "jeunes pousses")
    assert matches(lx, "specialist", "une PME d'intelligence artificielle")
    assert matches(lx, "specialist", "entreprises IA")
    assert not matches(lx, "specialist", "entreprise de BTP")


def test_a_leading_optional_word(tmp_path: Path) -> None:
    lx = lexicon_from(tmp_path, "cues:\n  region: ['[la|de la]? region occitanie']\n")
    assert matches(lx, "region", "aides de la Région Occitanie")
    assert matches(lx, "region", "Région Occitanie")
    assert lx.cue("region").search(normalize("de la région occitanie")).group(0) == (
        "de la region occitanie"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cues:\n  a: ['[un|deux']\n", "test.yaml: a: phrase '[un|deux': '[' without ']'"),
        ("cues:\n  a: ['{b}']\n", "test.yaml: a: phrase '{b}': unknown cue list {b}"),
        ("cues:\n  a: ['{b}']\n  b: ['{a}']\n", "circular reference: a -> b -> a"),
        ("cues:\n  a: []\n", "test.yaml: a: the list is empty"),
        ("cues:\n  a: ['re:(']\n", "test.yaml: a: phrase 're:(': invalid regular expression"),
        ("messages:\n  m: {fr: 'Bonjour'}\n", "test.yaml: m: the 'en' text is missing"),
        (
            "messages:\n  m: {fr: 'Bonjour {nom}', en: 'Hello {name}'}\n",
            "test.yaml: m: the placeholders differ",
        ),
        ("other: 1\n", "test.yaml: unknown section(s) ['other']"),
    ],
)
def test_errors_name_the_file_the_entry_and_the_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(KnowledgeError) as error:
        lexicon_from(tmp_path, text)
    assert expected in str(error.value)


def test_a_list_defined_twice_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "lexicon"
    folder.mkdir()
    (folder / "a.yaml").write_text("cues:\n  x: [un]\n", encoding="utf-8")
    (folder / "b.yaml").write_text("cues:\n  x: [deux]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="already defined in lexicon/a.yaml"):
        Lexicon.load(folder)


def test_a_cue_the_code_needs_is_checked_at_start_up(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    path = corpus / "lexicon" / "profile.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  staff_unit:", "  staff_units:"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="the cue list 'staff_unit' is missing"):
        Knowledge.load(corpus)


def test_every_message_the_code_uses_exists() -> None:
    """Each ``text("key")`` / ``message("key")`` of the code is in the repository lexicon."""
    import re

    lexicon = Lexicon.load(PROJECT_ROOT / "corpus" / "lexicon")
    used: set[str] = set()
    for path in (PROJECT_ROOT / "assistant").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\.text\(\s*\"([a-z0-9_.]+)\"", source))
        used |= set(re.findall(r"\.cue\(\s*\"([a-z0-9_.]+)\"", source))
    missing = sorted(k for k in used if k not in lexicon.messages and k not in lexicon.cues)
    assert not missing
