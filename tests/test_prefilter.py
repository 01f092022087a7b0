"""Needles: a pattern's scan is skipped only on a text it cannot match (postedit.prefilter)."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex
from conftest import RULES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from postedit import pipeline, prefilter
from postedit.correct import Matcher, Paragraph
from postedit.prefilter import ASCII_CASE_PARTNERS, Needle, needle_of
from postedit.rules import load_rules

ALL = load_rules(RULES)
ROOT = Path(__file__).resolve().parents[1]


def shipped_patterns() -> list[regex.Pattern[str]]:
    """Every pattern the packs scan paragraphs with: rules' patterns and spinner tells."""
    found = [r.pattern for r in ALL.rules if r.pattern is not None]
    return found + [t for r in ALL.rules for t in r.tells]


def texts() -> list[str]:
    """The seeds' paragraphs and every rule example's text."""
    out = [e.text for r in ALL.rules for e in r.examples]
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        out += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return out


def test_the_case_partners_of_ascii_are_all_known() -> None:
    """The needles' case-insensitive test rests on this: no character beyond ASCII but these
    four matches an ASCII letter or digit case-insensitively (the regex module's own tables)."""
    ascii_class = regex.compile(r"[a-zA-Z0-9]", regex.V0 | regex.IGNORECASE)
    partners = [
        chr(c)
        for c in range(128, 0x110000)
        if not 0xD800 <= c < 0xE000 and ascii_class.match(chr(c))
    ]
    assert "".join(partners) == ASCII_CASE_PARTNERS


@pytest.mark.parametrize(
    ("source", "flags", "exact", "folded"),
    [
        (r"\b(?:Monday|Tuesday) \((?:[1-9]|[12]\d)\)", 0, ("Monday", "Tuesday"), ()),
        (r"a+b?cde", 0, ("cde",), ()),
        (r"(?:x|y)*foo", 0, ("foo",), ()),
        (r"(?x) f o o  # a comment", 0, ("foo",), ()),
        (r"(?<=\b(?:Reuters|CNN))(?=[Aa]l-)", 0, ("CNN", "Reuters"), ()),
        (r"(?<!no)pe", 0, ("pe",), ()),
        (r"(?i)Safety Forces", 0, (), ("safety forces",)),
        (r"(?:Share|(?i:tweet))", 0, ("Share",), ("tweet",)),
        (r"(abc)\1", 0, ("abc",), ()),
    ],
)
def test_needles_are_read_from_the_pattern(source, flags, exact, folded) -> None:
    assert needle_of(regex.compile(source, regex.V0 | flags)) == Needle(exact, folded)


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        (r"\w+\s\d", regex.V0),  # classes only
        (r"(?:abc)?x*", regex.V0),  # nothing required
        (r"foo|\w+", regex.V0),  # an alternative without a literal
        (r"(?!foo)bar|\d", regex.V0),
        (r"(?:abc){e<=1}", regex.V0),  # fuzzy: "abd" matches too
        (r"ss", regex.V0 | regex.IGNORECASE | regex.FULLCASE),  # "ß" matches
        (r"ss", regex.V1 | regex.IGNORECASE),  # full case folding by default
        (r"(?i)straße", regex.V0),  # not ASCII: no folded needle
    ],
)
def test_no_needle_where_none_can_be_told(source, flags) -> None:
    assert needle_of(regex.compile(source, flags)) is None


SMALL = [
    r"a(?:b|ab)+",
    r"(?i:ab)a",
    r"(?<=b)a+B",
    r"(?:ab)?ba",
    r"(?i)ba{2}",
    r"a(?=bb)",
    r"(?:a|b)+?ab",
    r"[ab]ab",
    r"a\.b|(?i:k)",
    r"\bAb\b",
    r"(?i)(?<=s)ka",
    r"(?i:i)b",
    r"(?i)sa",
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(SMALL),
    st.text(alphabet="abAB .sSkK" + ASCII_CASE_PARTNERS, max_size=14),
)
@example(r"(?i)sa", "\u017fa")  # long s
@example(r"(?i:i)b", "\u0131b")  # dotless i
def test_a_needle_never_hides_a_match(source: str, text: str) -> None:
    """Over a small alphabet these patterns match often: wherever one matches, its needle
    lets the scan run (case partners such as the Kelvin sign included)."""
    pattern = regex.compile(source, regex.V0)
    needle = needle_of(pattern)
    assert needle is not None
    if pattern.search(text):
        assert needle.may_match(text), (source, text)


def test_the_shipped_patterns_match_nothing_their_needles_skip() -> None:
    for pattern in shipped_patterns():
        needle = needle_of(pattern)
        if needle is None:
            continue
        for text in texts():
            if pattern.search(text):
                assert needle.may_match(text), (pattern.pattern, text)


def test_needles_change_no_hit_and_no_tell(monkeypatch) -> None:
    """The packs' hits and the spinner's tells on the seeds and on every example are the same
    with the needles as with every pattern run on every text."""
    matcher = Matcher(ALL.for_language("en", "ar"))
    tells = [r for r in ALL.rules if r.kind == "tells"]
    assert tells

    def found() -> tuple[list[object], list[object]]:
        pipeline._tells_in.cache_clear()
        m = Matcher(matcher.rules)
        hits = [(h.rule.id, h.start, h.end, h.after) for t in texts() for h in m.hits(Paragraph(t))]
        hits += [
            (h.rule.id, h.start, h.end) for t in texts() for h in m.boilerplate_hits(Paragraph(t))
        ]
        told = [pipeline._tells_in(p, t) for r in tells for p in r.tells for t in texts()]
        return hits, told

    with_needles = found()
    monkeypatch.setattr(prefilter, "needle_of", lambda pattern: None)
    without = found()
    pipeline._tells_in.cache_clear()
    assert with_needles == without
    assert with_needles[0] and any(with_needles[1])
