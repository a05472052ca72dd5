"""Citation markers: every way to write them is read, renumbered and kept consistent."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from assistant.citations import cite, cited_numbers, markers, renumber, strip

NUMBERS = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4)


@st.composite
def marker_text(draw: st.DrawFn) -> tuple[str, set[int]]:
    """A marker in one of the forms people and models write, and the numbers it cites."""
    numbers = draw(NUMBERS)
    form = draw(st.sampled_from(["comma", "semicolon", "adjacent", "range", "spaced"]))
    if form == "comma":
        return "[" + ", ".join(map(str, numbers)) + "]", set(numbers)
    if form == "semicolon":
        return "[" + ";".join(map(str, numbers)) + "]", set(numbers)
    if form == "adjacent":
        return "".join(f"[{n}]" for n in numbers), set(numbers)
    if form == "spaced":
        return "[ " + " , ".join(map(str, numbers)) + " ]", set(numbers)
    low, high = min(numbers), max(numbers)
    return f"[{low}-{high}]", set(range(low, high + 1))


@given(marker_text())
def test_every_marker_form_is_read(case: tuple[str, set[int]]) -> None:
    text, numbers = case
    assert set(cited_numbers(f"Le plan vaut 60 M€ {text}.")) == numbers


@given(st.lists(marker_text(), min_size=1, max_size=4), st.integers(min_value=1, max_value=9))
def test_renumbering_keeps_only_existing_passages_in_order_of_use(
    cases: list[tuple[str, set[int]]], available: int
) -> None:
    passages = [f"p{i}" for i in range(1, available + 1)]
    text = " ".join(f"Phrase {i} {marker}." for i, (marker, _) in enumerate(cases))
    new_text, kept = renumber(text, passages)
    used: list[int] = []
    for _, numbers in cases:
        for n in sorted(numbers):
            if n <= available and n not in used:
                used.append(n)
    # every kept passage is cited, numbered 1..m, and nothing points past the list
    assert set(kept) == {f"p{n}" for n in used}
    assert set(cited_numbers(new_text)) == set(range(1, len(kept) + 1))
    # the text is unchanged apart from its markers
    assert strip(new_text) == strip(text)


def test_grouped_markers_keep_their_sources() -> None:
    # the old renumbering read only "[n]": "[1, 2]" shipped an answer with no source
    text, kept = renumber("Le plan vaut 60 M€ [1, 2].", ["plan", "faq"])
    assert kept == ["plan", "faq"] and text == "Le plan vaut 60 M€ [1, 2]."


def test_markers_to_nothing_disappear_with_their_space() -> None:
    text, kept = renumber("A [3]. B [9]. C [1][3].", ["x", "y", "z"])
    assert text == "A [1]. B. C [1, 2]." and kept == ["z", "x"]


def test_ranges_read_and_written() -> None:
    assert cited_numbers("x [1-3] y [2–4]") == [1, 2, 3, 4]
    assert renumber("x [1-3].", ["a", "b", "c"])[0] == "x [1-3]."
    assert cited_numbers("[1-900]") == [1, 900]  # not a citation range


def test_cite_puts_the_marker_before_the_final_punctuation() -> None:
    assert cite("Le plan vaut 60 M€.", 2) == "Le plan vaut 60 M€ [2]."
    assert cite("Montants :", 1, 3) == "Montants [1, 3]:"
    assert cite("Sans point", 1) == "Sans point [1]"


def test_marker_spans_index_the_text() -> None:
    text = "Voir [1] puis [2, 3]."
    assert [text[m.start : m.end] for m in markers(text)] == ["[1]", "[2, 3]"]
    assert not re.search(r"\[\d", strip(text))
